// Assembles the one table scripts/bench prints from the harnesses' JSON lines (one file each in
// the results folder), with the machine's description from the environment, and writes it.
//   node assemble.mjs <results folder> <output .md>
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [folder, output] = process.argv.slice(2);
const runs = {};
for (const file of readdirSync(folder).filter((f) => f.endsWith(".json"))) {
  const text = readFileSync(join(folder, file), "utf8").trim();
  try {
    const line = JSON.parse(text.split("\n").pop());
    runs[file.replace(/\.json$/, "")] = line;
  } catch {
    runs[file.replace(/\.json$/, "")] = { error: `unreadable output: ${text.slice(0, 200)}` };
  }
}

const time = (ns) =>
  ns === undefined
    ? "—"
    : ns < 1e3
      ? `${ns.toFixed(0)} ns`
      : ns < 1e6
        ? `${(ns / 1e3).toFixed(ns < 1e4 ? 2 : 1)} µs`
        : ns < 1e9
          ? `${(ns / 1e6).toFixed(2)} ms`
          : `${(ns / 1e9).toFixed(2)} s`;
const rate = (perSecond) =>
  perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(2)} M/s` : `${(perSecond / 1e3).toFixed(0)} k/s`;
const oneLine = (text) => String(text).replace(/\s+/g, " ").replace(/\|/g, "\\|").slice(0, 300);
const estimate = (run, id) => run?.estimates?.[id]?.median_ns;
const notRun = (run, what) =>
  run?.error ? `not measured: \`${oneLine(run.error)}\`` : `not measured: ${what} missing`;

const rows = [];
const row = (what, ours, reference, ratio, target, met) =>
  rows.push([what, ours, reference, ratio, target, met === undefined ? "—" : met ? "yes" : "**no**"]);

// 1 and 2: order signing and L2 headers, against the floor and the two official clients.
const signing = runs.signing;
const clients = [
  ["python", "py_clob_client_v2", 100],
  ["ts", "clob-client-v2", 10],
];
for (const [operation, what, oursId, floorId, floorName, floorTarget] of [
  [
    "order",
    "1. order build + EIP-712 sign + POST body",
    "order/build+sign+body",
    "floor-libsecp256k1/struct_hash+digest+sign",
    "floor: bare libsecp256k1 sign + EIP-712 hash (Rust)",
    1.5,
  ],
  [
    "l2",
    "2. L2 headers for one `POST /order`",
    "l2/headers",
    "floor-hmac/l2_signature",
    "floor: bare HMAC-SHA256 + base64 (Rust)",
    undefined,
  ],
]) {
  const ours = estimate(signing, oursId);
  const floor = estimate(signing, floorId);
  const oursText = ours === undefined ? notRun(signing, oursId) : time(ours);
  if (floor === undefined || ours === undefined) {
    row(
      what,
      oursText,
      `${floorName}: ${notRun(signing, floorId)}`,
      "—",
      floorTarget ? `≤ ${floorTarget}x the floor` : "— (none set)",
      undefined,
    );
  } else {
    const ratio = ours / floor;
    row(
      what,
      oursText,
      `${floorName}: ${time(floor)}`,
      `${ratio.toFixed(2)}x the floor`,
      floorTarget ? `≤ ${floorTarget}x the floor` : "— (none set)",
      floorTarget ? ratio <= floorTarget : undefined,
    );
  }
  for (const [key, name, times] of clients) {
    const run = runs[key];
    const theirs = run?.[operation]?.ns;
    const target = operation === "order" ? times : undefined;
    const targetText = target ? `≥ ${target}x faster` : "— (none set)";
    if (theirs === undefined) {
      row(what, oursText, `${name}: ${notRun(run, "its result")}`, "—", targetText, undefined);
      continue;
    }
    const checked = run[operation].matches_vector
      ? "output = golden vector"
      : "**output differs from the golden vector**";
    const extra = key === "python" ? `, ${run.coincurve ? `coincurve ${run.coincurve}` : "no coincurve"}` : "";
    const reference = `${run.client} (${run.runtime}${extra}; ${checked}): ${time(theirs)}`;
    if (ours === undefined) {
      row(what, oursText, reference, "—", targetText, undefined);
      continue;
    }
    const faster = theirs / ours;
    row(
      what,
      oursText,
      reference,
      `${faster >= 10 ? faster.toFixed(0) : faster.toFixed(1)}x faster`,
      targetText,
      target ? faster >= target && run[operation].matches_vector : undefined,
    );
  }
}

// 3: market messages.
const market = runs.market_data;
for (const [id, cpuKey, name] of [
  ["price_change/parse+apply", "cpu-time price_change/parse+apply", "`price_change`"],
  ["book/parse+apply", "cpu-time book/parse+apply", "`book` snapshot (15 levels a side)"],
]) {
  const wall = estimate(market, id);
  const cpu = market?.printed?.[cpuKey];
  row(
    `3. market message parse + book update: ${name}`,
    wall === undefined
      ? notRun(market, id)
      : `${time(wall)} each: ${rate(1e9 / wall)} wall clock` +
          (cpu ? `, ${rate(cpu)} per CPU-second (one core)` : ""),
    "—",
    "—",
    "— (none set)",
    undefined,
  );
}

/** "; armed 998 (p99 0.9 ms), slow path 2 (p99 12 ms)": how many orders took each path. */
function pathSplit(paths) {
  if (!paths) return "";
  const parts = ["armed", "slow path"].map((path) => {
    const mine = paths.filter((p) => p.path === path);
    const orders = mine.reduce((sum, p) => sum + p.orders, 0);
    const worst = Math.max(...mine.map((p) => p.p99_us ?? 0));
    return orders ? `${path} ${orders.toLocaleString("en")} (p99 ${time(worst * 1e3)})` : `${path} 0`;
  });
  return `; ${parts.join(", ")}`;
}

// 4: tick to order.
const t2o = runs.tick_to_order?.printed?.["tick-to-order"];
row(
  `4. tick to order over loopback (market frame sent → signed, journaled order received)`,
  t2o
    ? `p50 ${time(t2o.p50_us * 1e3)}, p90 ${time(t2o.p90_us * 1e3)}, p99 ${time(t2o.p99_us * 1e3)}, max ${time(t2o.max_us * 1e3)} (${t2o.orders.toLocaleString("en")} orders` +
        pathSplit(runs.tick_to_order?.printed?.["tick-to-order paths"]) +
        ")"
    : notRun(runs.tick_to_order, "its report line"),
  "—",
  "—",
  "p99 < 1 ms",
  t2o ? t2o.p99_us < 1000 : undefined,
);

// 5: scale, from `polyagent scale --json`.
for (const [key, label, bots] of [
  ["scale_500", "5a 500 bots", 500],
  ["scale_50", "5b 50 bots", 50],
]) {
  const run = runs[key];
  const ok = run && run.cpu_cores_polyagent !== undefined;
  const ms = (us) => time(us * 1e3);
  row(
    `${label}: paper bots on ${run?.markets ?? 250} markets at ${(run?.target_rate ?? 5000).toLocaleString("en")} market messages/s (\`price_change\`) for ${ok ? run.seconds.toFixed(0) : 60} s`,
    ok
      ? `CPU ${run.cpu_cores_polyagent.toFixed(2)} cores (process ${run.cpu_cores_process.toFixed(2)}, ` +
          `in-process simulator ${run.cpu_cores_simulator.toFixed(2)}); ` +
          `RSS max ${run.rss_max_mib.toFixed(0)} MiB, end ${run.rss_end_mib.toFixed(0)} MiB (simulator included; ` +
          `${run.rss_before_bots_mib.toFixed(0)} MiB before the bots); ` +
          `event-loop lag p99 ${ms(run.event_loop_lag.p99_us)} (max ${ms(run.event_loop_lag.max_us)}); ` +
          `tick to decision p50 ${ms(run.tick_to_decision.p50_us)}, p99 ${ms(run.tick_to_decision.p99_us)}, ` +
          `max ${ms(run.tick_to_decision.max_us)} (${run.tick_to_decision.count.toLocaleString("en")} decisions); ` +
          `${run.published_per_second.toFixed(0)} market messages/s published in all (with \`best_bid_ask\`), ` +
          `${run.delivered_per_second.toFixed(0)} frames/s delivered to the bots' feed`
      : notRun(run, "its JSON line"),
    "—",
    "—",
    bots === 500 ? "under one core and under 300 MB RSS" : "— (none set)",
    ok && bots === 500
      ? run.cpu_cores_polyagent < 1 && run.rss_max_mib * 1024 * 1024 < 300e6
      : undefined,
  );
}

// 6: backtest.
const engine = runs.engine;
for (const strategy of ["spike-sam", "train-of-trade"]) {
  const id = `backtest/${strategy}: 1M ticks`;
  const ns = estimate(engine, id);
  row(
    `6. backtest of one million ticks (${strategy})`,
    ns === undefined ? notRun(engine, id) : `${(ns / 1e9).toFixed(2)} s (${rate(1e15 / ns)} ticks)`,
    "—",
    "—",
    "— (none set)",
    undefined,
  );
}

// 7: the desktop app's start and idle memory (bench/harness/app_start.mjs).
const app = runs.app_start;
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
const mib = (kib) => `${(kib / 1024).toFixed(0)} MiB`;
row(
  `7a. app start: cold start to a rendered dashboard with ${app?.bots ?? 100} saved bots (process spawn → the frame with every bot card painted; ${app?.launches ?? 5} fresh processes, each on a fresh copy of the data folder; the OS page cache is not dropped, which needs root, and Mesa's shader cache is kept${app?.gpu_device === false ? "; no GPU here: WebKit draws with software OpenGL" : ""})`,
  app?.painted_ms
    ? `median ${seconds(app.painted_ms.median)}, max ${seconds(app.painted_ms.max)} ` +
        `(cards in the document: median ${seconds(app.listed_ms.median)}; page load began: median ${seconds(app.navigation_ms.median)}; ` +
        `WebDriver polling every 10 ms saw the cards: median ${seconds(app.poll_ms.median)}, max ${seconds(app.poll_ms.max)}; ` +
        `${app.bots} running paper bots over ${app.outcomes} outcomes of ${app.markets} demo markets` +
        (app.retries ? `; ${app.retries} launch(es) retried after WebDriver did not answer` : "") +
        "). " +
        (app.first_launch
          ? `First start on the machine, Mesa's shader cache empty: ${seconds(app.first_launch.spawn_to_painted_ms)}`
          : "")
    : notRun(app, "its result"),
  "—",
  "—",
  "dashboard rendered in under 2 s",
  app?.painted_ms ? app.painted_ms.max < 2000 : undefined,
);
const memory = app?.memory;
const pss = memory?.pss_kib !== null && memory?.pss_kib !== undefined;
row(
  `7b. idle memory of the desktop app: the app and its WebKit processes, ${memory?.idle_seconds ?? 30} s after the dashboard showed (bots running, window untouched)`,
  memory
    ? `RSS (VmRSS) sum ${mib(memory.rss_kib)}: ` +
        memory.processes.map((p) => `${p.name} ${mib(p.rss_kib)}`).join(", ") +
        (pss
          ? `; PSS (smaps_rollup, shared pages split) sum ${mib(memory.pss_kib)}: ` +
            memory.processes.map((p) => `${p.name} ${mib(p.pss_kib)}`).join(", ")
          : "; PSS not readable")
    : notRun(app, "its memory reading"),
  "—",
  "—",
  "— (none set)",
  undefined,
);

const env = process.env;
// `scripts/bench 7` names the rows it ran; each row's text starts with its number.
const partial = (env.BENCH_ROWS ?? "").trim() !== "";
const named = new Set((env.BENCH_ROWS ?? "").split(/\s+/).filter(Boolean));
const shown = partial ? rows.filter((r) => named.has(String(parseInt(r[0], 10)))) : rows;
const ramGiB = (Number(env.MACHINE_RAM_KB) / 1024 / 1024).toFixed(1);
const text = `# PolyAgent bench results

Written by \`scripts/bench\` (see README "Speed, measured"); every number below comes from one run
on the machine described here. Times are medians per operation. Ratios compare PolyAgent with the
reference on the same row; "x faster" = reference time / PolyAgent time. A load average above
the core count means other processes shared the CPU during the run: wall-clock times and above
all the tick-to-order tail grow with it (per-CPU-second rates do not). PolyAgent's order path and
its floor make the same libsecp256k1 call over the same keccak hashes, so a ratio under 1.0x
there means "equal within what this machine resolves" (load, code layout), not faster than the floor.

| | |
|---|---|
| date | ${env.MACHINE_DATE} |
| CPU | ${env.MACHINE_CPU} |
| cores | ${env.MACHINE_CORES} |
| RAM | ${ramGiB} GiB |
| OS | ${env.MACHINE_OS} |
| rustc | ${env.MACHINE_RUSTC} |
| Node.js | ${env.MACHINE_NODE} |
| Python | ${env.MACHINE_PYTHON} |
| load average (1, 5, 15 min) before / after | ${env.MACHINE_LOAD_BEFORE} / ${env.MACHINE_LOAD_AFTER} |
| the run's nice value | ${env.MACHINE_NICE} |

${partial ? `**Partial run: rows ${env.BENCH_ROWS} only.**\n\n` : ""}| what | PolyAgent | reference | ratio | target | met? |
|---|---|---|---|---|---|
${shown.map((r) => `| ${r.join(" | ")} |`).join("\n")}

Inputs: golden vector \`v2-01\` of \`data/vectors/polymarket/limit_orders_v2.json\` (0.57 × 10.5 BUY,
tick 0.01, EOA, chain 137) for every signer, and its \`POST /order\` body for the L2 headers.
Each client harness (\`bench/harness/\`) first reproduces the vector with salt and clock pinned
("output = golden vector"), then is timed with the client's own salt and clock, as it runs.
The clients were installed from PyPI and npm into a throwaway folder by the script, pinned
(py_clob_client_v2 1.2.1; @polymarket/clob-client-v2 1.1.0 with viem 2.57.20).
`;
writeFileSync(output, text);
console.log(text);
