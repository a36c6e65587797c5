// Bots in the real app, driven through its commands and events as the UI drives them: the demo
// exchange started by the app, a paper bot created and started, its prices arriving as events,
// its fill raising a desktop notification, a second launch handing over to the running app, and
// the tray menu's "Pause all bots" pausing it.
// Runs after app.test.mjs (file order), on the same data folder.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { openApp, pageHelpers } from "./session.mjs";

let browser;
const { command } = pageHelpers(() => browser);

/** Starts collecting a typed event inside the webview (as `events.x.listen` does). */
async function collect(eventName) {
  await browser.executeAsync((eventName, done) => {
    const store = (window.__e2eEvents ??= {});
    store[eventName] = [];
    const handler = window.__TAURI_INTERNALS__.transformCallback((event) => {
      store[eventName].push(event.payload);
    });
    window.__TAURI_INTERNALS__
      .invoke("plugin:event|listen", { event: eventName, target: { kind: "Any" }, handler })
      .then(() => done(), () => done());
  }, eventName);
}

const collected = (eventName) => browser.execute((name) => window.__e2eEvents?.[name] ?? [], eventName);

/** The tray's exported D-Bus menu (libayatana-appindicator's dbusmenu): clicks an item by label. */
function clickTrayItem(label) {
  const gdbus = (...args) => execFileSync("gdbus", ["call", "--session", ...args], { encoding: "utf8" });
  const names = gdbus("--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus",
    "--method", "org.freedesktop.DBus.ListNames").match(/':\d+\.\d+'/g) ?? [];
  for (const quoted of names) {
    const name = quoted.slice(1, -1);
    let tree;
    try {
      tree = execFileSync("gdbus", ["introspect", "--session", "--dest", name, "--object-path", "/", "--recurse"],
        { encoding: "utf8", timeout: 5_000 });
    } catch {
      continue;
    }
    const path = tree.match(/node (\/org\/ayatana\/NotificationItem\/[^\s]+\/Menu)/)?.[1];
    if (!path) continue;
    // `--` ends gdbus's options: "-1" is an argument.
    const layout = gdbus("--dest", name, "--object-path", path, "--method",
      "com.canonical.dbusmenu.GetLayout", "--", "0", "-1", "@as []");
    const id = new RegExp(`\\((\\d+), \\{[^}]*'label': <'${label}'>`).exec(layout)?.[1];
    assert.ok(id, `the tray menu has "${label}": ${layout}`);
    gdbus("--dest", name, "--object-path", path, "--method", "com.canonical.dbusmenu.Event",
      "--", id, "clicked", "<int32 0>", "0");
    return;
  }
  assert.fail("no tray menu on the session bus");
}

describe("bots in the real app", () => {
  before(async () => {
    browser = await openApp();
  });

  after(async () => {
    await browser?.deleteSession();
  });

  let botId;

  it("starts the demo exchange and creates a paper bot on one of its markets", async () => {
    const settings = await command("start_demo");
    assert.equal(settings.exchange.kind, "demo");
    const markets = await command("search_markets", { query: "Bitcoin" });
    const market = markets.find((m) => m.slug === "demo-btc-above-150k-2027");
    assert.ok(market, `the demo's Bitcoin market: ${JSON.stringify(markets)}`);
    const yes = market.outcomes[0];
    await collect("bot-price-event");
    await collect("notice-event");
    const bot = await command("create_bot", {
      request: {
        spec: {
          name: "E2E dip buyer", wallet: "paper", token_id: yes.tokenId,
          strategy: "spike-sam", profile: "normal", overrides: { cooldown_secs: 0 },
        },
        execution: { mode: "paper", cash: "100" },
        start: true,
      },
    });
    botId = bot.id;
    assert.equal(bot.status, "running");
    assert.equal(bot.mode, "paper");
  });

  it("receives the bot's prices as events", async () => {
    await browser.waitUntil(async () => (await collected("bot-price-event")).some((p) => p.botId === botId), {
      timeout: 20_000,
      timeoutMsg: "no price event of the bot reached the webview",
    });
  });

  it("buys the demo market's scheduled drop and raises a fill notification", async () => {
    // The demo market drops 9 % forty seconds after the demo starts (then every three minutes).
    await browser.waitUntil(
      async () => (await command("recent_notices")).some((n) => n.kind === "fill" && n.botId === botId),
      { timeout: 240_000, interval: 1_000, timeoutMsg: "no fill notification within four minutes" },
    );
    const notice = (await command("recent_notices")).find((n) => n.kind === "fill" && n.botId === botId);
    assert.match(notice.title, /^E2E dip buyer: BUY filled$/);
    assert.match(notice.body, /^Buy [\d.]+ shares at 0\.\d+/);
    assert.ok((await collected("notice-event")).some((n) => n.kind === "fill"), "the notice also arrived as an event");
  });

  it("hands a second launch over to the running app, which keeps its window", async () => {
    const started = Date.now();
    // Same user, same session bus: the second process must hand over and exit at once.
    execFileSync(process.env.POLYAGENT_E2E_BINARY, [], { timeout: 20_000, stdio: "ignore" });
    assert.ok(Date.now() - started < 20_000);
    await browser.$("h1=PolyAgent").waitForDisplayed({ timeout: 5_000 });
    assert.equal((await command("get_bot", { id: botId })).status, "running");
  });

  it("pauses every bot from the tray menu", async () => {
    assert.ok((await command("tray_status")).running >= 1);
    clickTrayItem("Pause all bots");
    await browser.waitUntil(async () => (await command("get_bot", { id: botId })).status === "paused", {
      timeout: 10_000,
      timeoutMsg: "the tray's Pause all did not pause the bot",
    });
    assert.equal((await command("tray_status")).running, 0);
  });
});
