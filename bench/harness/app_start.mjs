// Bench row 7: cold start of the desktop app to a rendered dashboard with 100 saved bots, and the
// app's idle memory. Prints one JSON line like the other harnesses.
//   node app_start.mjs <polyagent-desktop> <polyagent> <work folder>
// Run it inside an X server and a private session bus (bench/harness/app-start does both).
//
// 1. Seeds a data folder through the real runtime, with the `polyagent` CLI: the demo exchange,
//    then 100 running paper bots spread over every outcome of the demo's markets (token ids read
//    from the simulator's Gamma route, as the wizard finds them).
// 2. Launches the release app on a fresh copy of that folder once to fill Mesa's shader cache
//    (a first start on this machine, reported apart), then LAUNCHES times, each a new process,
//    through tauri-driver + WebKitWebDriver, and takes:
//    - spawn: the process's start time from /proc/<pid>/stat (kernel clock ticks, 10 ms);
//    - the page's marks (ui/src/lib/startMarks.ts): the 100 cards committed to the document, and
//      the frame holding them painted (performance.timeOrigin + mark, wall clock);
//    - the page's navigation start (performance.timeOrigin): the window's page began loading;
//    - WebDriver polling: the first poll (every POLL_MS) that found 100 bot cards in the document.
// 3. After the last launch's dashboard has shown, waits IDLE_SECONDS and reads the memory of the
//    app and of its WebKit children: VmRSS from /proc/<pid>/status and Pss from
//    /proc/<pid>/smaps_rollup (shared pages split between the processes sharing them).
//
// "Cold" is a fresh process on a fresh copy of the data folder; the OS page cache is not dropped
// (that needs root and would also evict the build), so files the previous launch read are cached,
// and Mesa's shader cache is kept, as on any desktop after the app's first start. Without a GPU
// (this bench's machine) WebKit draws with Mesa's software OpenGL (llvmpipe), where compiling
// the shaders of the first frame takes seconds: the first launch shows that cost.
import { spawn, spawnSync, execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { remote } from "webdriverio";

const [desktop, cli, work] = process.argv.slice(2).map((p) => resolve(p));
const BOTS = Number(process.env.POLYAGENT_BENCH_APP_BOTS ?? 100);
const LAUNCHES = Number(process.env.POLYAGENT_BENCH_APP_LAUNCHES ?? 5);
const IDLE_SECONDS = Number(process.env.POLYAGENT_BENCH_APP_IDLE_SECONDS ?? 30);
const POLL_MS = 10;
const DEADLINE_MS = 120_000;
const log = (...args) => console.error("[app_start]", ...args);

// --- clocks -------------------------------------------------------------------------------------
const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
const uptime = () => Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
// The wall-clock time of boot, to turn a process's start (ticks since boot) into wall-clock time:
// read at the moment /proc/uptime moves to its next hundredth, so the error is one read, not 10 ms.
function bootEpochMs() {
  const first = uptime();
  let now;
  let up;
  do {
    up = uptime();
    now = Date.now();
  } while (up === first);
  return now - up * 1000;
}
const procStat = (pid) => {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command (in parentheses, which may hold spaces); field 3 is the state.
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { ppid: Number(rest[1]), startTicks: Number(rest[19]) };
};

// --- processes ----------------------------------------------------------------------------------
function processes() {
  const found = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const pid = Number(entry);
      const { ppid, startTicks } = procStat(pid);
      let exe = "";
      try {
        exe = readlinkSync(`/proc/${pid}/exe`);
      } catch {
        // A kernel thread or a process gone meanwhile.
      }
      const argv0 = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0];
      found.push({ pid, ppid, startTicks, exe, argv0 });
    } catch {
      // Gone between the listing and the read.
    }
  }
  return found;
}
const descendants = (all, root) => {
  const out = [];
  const walk = (pid) => {
    for (const p of all.filter((q) => q.ppid === pid)) {
      out.push(p);
      walk(p.pid);
    }
  };
  walk(root);
  return out;
};
const alive = (pid) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));

async function until(what, check, timeoutMs = DEADLINE_MS, intervalMs = 20) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function freePorts() {
  return new Promise((done, fail) => {
    const a = createServer();
    const b = createServer();
    a.on("error", fail);
    b.on("error", fail);
    a.listen(0, "127.0.0.1", () =>
      b.listen(0, "127.0.0.1", () => {
        const ports = [a.address().port, b.address().port];
        a.close();
        b.close();
        done(ports);
      }),
    );
  });
}

// --- seeding ------------------------------------------------------------------------------------
function polyagent(folder, args, input) {
  const run = spawnSync(cli, [...args, "--data-dir", folder, "--no-keychain", "--json"], {
    input,
    encoding: "utf8",
    env: { ...process.env, POLYAGENT_LOG: "warn" },
  });
  if (run.status !== 0) throw new Error(`polyagent ${args.join(" ")}: ${run.stderr || run.stdout}`);
  return run.stdout;
}

async function demoTokens() {
  const sim = spawn(cli, ["sim"], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const base = await new Promise((done, fail) => {
      let text = "";
      sim.stdout.on("data", (chunk) => {
        text += chunk;
        if (text.includes("\n")) done(text.split("\n")[0].trim());
      });
      sim.on("exit", (code) => fail(new Error(`polyagent sim exited (${code}) before printing its URL`)));
    });
    const markets = await (await fetch(`${base}/gamma/markets`)).json();
    return markets.flatMap((m) =>
      JSON.parse(m.clobTokenIds).map((token, i) => ({ token, market: m.slug, outcome: JSON.parse(m.outcomes)[i] })),
    );
  } finally {
    sim.kill("SIGTERM");
  }
}

async function seed(folder) {
  const started = Date.now();
  polyagent(folder, ["exchange", "demo"]);
  const tokens = await demoTokens();
  const strategies = ["spike-sam", "train-of-trade"];
  const profiles = ["normal", "conservative", "edge"];
  for (let i = 0; i < BOTS; i++) {
    const { token, market, outcome } = tokens[i % tokens.length];
    const request = {
      spec: {
        name: `Bench ${String(i + 1).padStart(3, "0")} ${market.replace(/^demo-/, "")} ${outcome}`,
        wallet: "paper",
        token_id: token,
        strategy: strategies[i % strategies.length],
        profile: profiles[Math.floor(i / strategies.length) % profiles.length],
      },
      execution: { mode: "paper", cash: "100" },
      start: true,
    };
    polyagent(folder, ["bot", "create", "-"], JSON.stringify(request));
  }
  const listed = JSON.parse(polyagent(folder, ["bot", "list"]));
  if (listed.length !== BOTS) throw new Error(`seeded ${listed.length} bots, wanted ${BOTS}`);
  log(`seeded ${BOTS} paper bots on ${tokens.length} demo outcomes in ${Date.now() - started} ms`);
  return { markets: new Set(tokens.map((t) => t.market)).size, outcomes: tokens.length };
}

// --- one launch ---------------------------------------------------------------------------------
const readMarks = () =>
  browser.execute(() => {
    const get = (name) => performance.getEntriesByName(name)[0];
    const listed = get("polyagent:bots-listed");
    const painted = get("polyagent:bots-painted");
    return {
      origin: performance.timeOrigin,
      listed: listed ? { at: listed.startTime, bots: listed.detail?.bots } : null,
      painted: painted ? { at: painted.startTime, bots: painted.detail?.bots } : null,
      cards: document.querySelectorAll('[data-testid^="bot-card-"]').length,
    };
  });
let browser;

async function launch(driverPid, driverPort, memory) {
  const requested = Date.now();
  browser = await remote({
    hostname: "127.0.0.1",
    port: driverPort,
    logLevel: "error",
    connectionRetryCount: 0,
    connectionRetryTimeout: 60_000,
    capabilities: { "tauri:options": { application: desktop } },
  });
  const session = Date.now();
  // The first poll is sent as soon as the session exists: it can only find the cards later.
  let polled = null;
  await until(
    "100 bot cards in the document",
    async () => {
      const cards = await browser.execute(() => document.querySelectorAll('[data-testid^="bot-card-"]').length);
      if (cards >= BOTS) polled = Date.now();
      return polled;
    },
    DEADLINE_MS,
    POLL_MS,
  );
  const marks = await until("the painted mark", async () => {
    const m = await readMarks();
    return m.painted ? m : null;
  });
  const all = processes();
  const apps = descendants(all, driverPid).filter((p) => p.exe === desktop);
  if (apps.length !== 1) throw new Error(`found ${apps.length} app processes under tauri-driver`);
  const app = apps[0];
  const boot = bootEpochMs();
  const spawned = boot + (app.startTicks / ticksPerSecond) * 1000;
  if (marks.listed.bots !== BOTS || marks.painted.bots !== BOTS) {
    throw new Error(`the dashboard first showed ${marks.listed.bots} bots, not ${BOTS}`);
  }
  const since = (epochMs) => Math.round(epochMs - spawned);
  const result = {
    spawn_to_navigation_ms: since(marks.origin),
    spawn_to_listed_ms: since(marks.origin + marks.listed.at),
    spawn_to_painted_ms: since(marks.origin + marks.painted.at),
    spawn_to_poll_ms: since(polled),
    request_to_spawn_ms: Math.round(spawned - requested),
    request_to_session_ms: session - requested,
  };
  if (memory) {
    // Idle: nobody touches the window; the 100 bots keep trading on the demo market.
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    result.memory = readMemory(app.pid);
  }
  await browser.deleteSession();
  browser = undefined;
  // WebKitWebDriver ends the app with the session; the next launch needs the folder's lock free.
  try {
    await until("the app to exit", () => !alive(app.pid), 15_000);
  } catch {
    log(`the app (pid ${app.pid}) outlived its WebDriver session: SIGTERM`);
    process.kill(app.pid, "SIGTERM");
    await until("the app to exit after SIGTERM", () => !alive(app.pid), 15_000);
  }
  return result;
}

/** Ends every app process under tauri-driver (SIGTERM, then SIGKILL) and waits for them. */
async function endApps(driverPid) {
  for (const signal of ["SIGTERM", "SIGKILL"]) {
    const apps = descendants(processes(), driverPid).filter((p) => p.exe === desktop && alive(p.pid));
    if (apps.length === 0) return;
    for (const app of apps) process.kill(app.pid, signal);
    try {
      await until("the app to exit", () => apps.every((app) => !alive(app.pid)), 15_000);
      return;
    } catch {
      // Then SIGKILL.
    }
  }
}

function readMemory(appPid) {
  const all = processes();
  const tree = [all.find((p) => p.pid === appPid), ...descendants(all, appPid)];
  const kib = (text, key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN);
  const rows = tree.map((p) => {
    const status = readFileSync(`/proc/${p.pid}/status`, "utf8");
    let pss = null;
    try {
      pss = kib(readFileSync(`/proc/${p.pid}/smaps_rollup`, "utf8"), "Pss");
    } catch {
      // Not readable (another user's process without privileges): RSS only.
    }
    const name = p.pid === appPid ? "polyagent-desktop" : p.argv0.split("/").pop();
    return { name, pid: p.pid, rss_kib: kib(status, "VmRSS"), pss_kib: pss };
  });
  const sum = (key) => (rows.every((r) => Number.isFinite(r[key])) ? rows.reduce((s, r) => s + r[key], 0) : null);
  return { idle_seconds: IDLE_SECONDS, processes: rows, rss_kib: sum("rss_kib"), pss_kib: sum("pss_kib") };
}

// --- main ---------------------------------------------------------------------------------------
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main() {
  for (const [what, path] of [
    ["the desktop app", desktop],
    ["the polyagent CLI", cli],
  ]) {
    if (!existsSync(path)) throw new Error(`${what} is missing: ${path}`);
  }
  const seedFolder = join(work, "seed");
  rmSync(seedFolder, { recursive: true, force: true });
  mkdirSync(seedFolder, { recursive: true });
  const seeded = await seed(seedFolder);

  // The app inherits tauri-driver's environment, so its data folder is one path for every launch,
  // refilled from the seed before each.
  const folder = join(work, "data");
  const [driverPort, nativePort] = await freePorts();
  // No vault passphrase: the app must not create a vault (an Argon2 key derivation) at start.
  const { POLYAGENT_VAULT_PASSPHRASE: _unused, ...env } = process.env;
  const driver = spawn("tauri-driver", ["--port", String(driverPort), "--native-port", String(nativePort)], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...env, POLYAGENT_DATA_DIR: folder, POLYAGENT_LOG: "info" },
  });
  let driverLog = "";
  driver.stderr.on("data", (chunk) => {
    driverLog = (driverLog + chunk).slice(-4000);
  });
  const launches = [];
  let first;
  let memory;
  let retries = 0;
  try {
    await until("tauri-driver to answer", async () => {
      if (driver.exitCode !== null) throw new Error(`tauri-driver exited: ${driverLog}`);
      try {
        return (await fetch(`http://127.0.0.1:${driverPort}/status`)).ok;
      } catch {
        return false;
      }
    });
    // Launch 0 is the first start on this machine: Mesa's shader cache is empty. It is reported
    // apart; the timed launches find the cache as every later start does.
    for (let i = 0; i <= LAUNCHES; i++) {
      // A fresh copy each time: every launch restores the same 100 bots from the same state.
      rmSync(folder, { recursive: true, force: true });
      cpSync(seedFolder, folder, { recursive: true });
      let result;
      try {
        result = await launch(driver.pid, driverPort, i === LAUNCHES);
      } catch (error) {
        // Seen once under load: WebKitWebDriver never answered the new session. One retry,
        // after ending whatever that launch left running; the retry is counted in the output.
        log(`launch ${i} failed, retrying once: ${String(error).split("\n")[0]}`);
        retries += 1;
        await browser?.deleteSession().catch(() => {});
        browser = undefined;
        await endApps(driver.pid);
        rmSync(folder, { recursive: true, force: true });
        cpSync(seedFolder, folder, { recursive: true });
        result = await launch(driver.pid, driverPort, i === LAUNCHES);
      }
      log(`launch ${i}${i === 0 ? " (first, empty shader cache)" : ""}: ${JSON.stringify(result)}`);
      if (result.memory) {
        memory = result.memory;
        delete result.memory;
      }
      if (i === 0) first = result;
      else launches.push(result);
    }
  } finally {
    await browser?.deleteSession().catch(() => {});
    driver.kill("SIGTERM");
  }
  const stat = (key) => ({ median: median(launches.map((l) => l[key])), max: Math.max(...launches.map((l) => l[key])) });
  console.log(
    JSON.stringify({
      harness: "app_start",
      bots: BOTS,
      markets: seeded.markets,
      outcomes: seeded.outcomes,
      launches: launches.length,
      // Without a DRI device WebKit renders with Mesa's software OpenGL (llvmpipe).
      gpu_device: existsSync("/dev/dri"),
      painted_ms: stat("spawn_to_painted_ms"),
      listed_ms: stat("spawn_to_listed_ms"),
      navigation_ms: stat("spawn_to_navigation_ms"),
      poll_ms: stat("spawn_to_poll_ms"),
      runs: launches,
      first_launch: first,
      retries,
      memory,
    }),
  );
}

main().catch((error) => {
  console.log(JSON.stringify({ harness: "app_start", error: String(error?.stack ?? error) }));
  process.exitCode = 1;
});
