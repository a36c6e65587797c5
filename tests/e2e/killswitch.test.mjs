// The killswitch, by clicking: it stops every bot at once, and the window alone cannot re-arm it.
// Re-arming is a guarded action (docs/ARCHITECTURE.md, "Guarded actions"): the app asks in a
// native dialog shown from Rust, which no code in the page (nor WebDriver) can answer. So this
// file runs last (file order) and leaves the killswitch tripped, the dialog unanswered.
// It brings its own running bot, so it also runs alone on an empty data folder.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { remote } from "webdriverio";

const artifacts = process.env.E2E_ARTIFACTS ?? "artifacts/e2e";
let browser;

async function shot(name) {
  await browser.execute(
    () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
  );
  await browser.saveScreenshot(`${artifacts}/${name}.png`);
}

const byTestId = (id) => browser.$(`[data-testid="${id}"]`);

async function click(id, timeout = 10_000) {
  const element = await byTestId(id);
  await element.waitForClickable({ timeout });
  await element.click();
}

/** Invokes an app command from inside the webview, as the generated bindings do. */
async function command(name, args = {}) {
  const answer = await browser.executeAsync(
    (name, args, done) => {
      window.__TAURI_INTERNALS__.invoke(name, args).then(
        (data) => done({ ok: true, data }),
        (error) => done({ ok: false, error }),
      );
    },
    name,
    args,
  );
  assert.ok(answer.ok, `${name} failed: ${JSON.stringify(answer.error)}`);
  return answer.data;
}

describe("the killswitch", () => {
  before(async () => {
    browser = await remote({
      hostname: "127.0.0.1",
      port: Number(process.env.TAURI_DRIVER_PORT),
      logLevel: "warn",
      connectionRetryCount: 0,
      capabilities: { "tauri:options": { application: process.env.POLYAGENT_E2E_BINARY } },
    });
    await browser.setTimeout({ script: 60_000 });
    await browser.$("h1=PolyAgent").waitForDisplayed({ timeout: 20_000 });
  });

  after(async () => {
    // Closes the app, its question still open.
    await browser?.deleteSession();
  });

  it("stops every bot", async () => {
    const welcome = await byTestId("welcome");
    if (await welcome.isDisplayed()) await click("welcome-look-around");
    // Switching to the app's own demo is not guarded (paper bots only, nothing leaves the app).
    await command("start_demo");
    const markets = await command("search_markets", { query: "Bitcoin" });
    const market = markets.find((m) => m.slug === "demo-btc-above-150k-2027");
    assert.ok(market, `the demo's Bitcoin market: ${JSON.stringify(markets)}`);
    const bot = await command("create_bot", {
      request: {
        spec: { name: "Killswitch", wallet: "paper", token_id: market.outcomes[0].tokenId, strategy: "spike-sam", profile: "normal" },
        execution: { mode: "paper", cash: "100" },
        start: true,
      },
    });
    assert.equal(bot.status, "running");
    await click("settings-button");
    await click("settings-killswitch");
    await (await byTestId("killswitch-confirm-input")).setValue("STOP");
    await click("killswitch-confirm");
    await browser.waitUntil(async () => (await command("list_bots")).every((b) => b.status === "stopped"), {
      timeout: 30_000,
      timeoutMsg: "bots still run after the killswitch",
    });
    await browser.keys("Escape");
    await (await byTestId("killswitch-banner")).waitForDisplayed({ timeout: 10_000 });
    await shot("30-killswitch");
  });

  it("is not re-armed by the window alone: the app asks in its own dialog", async () => {
    // Two calls at once, as code in the page could make them: one waits for the user's answer
    // in the native dialog, the other is declined at once (one question at a time). Neither
    // re-arms anything.
    await browser.execute(() => {
      window.__arm = [];
      for (let i = 0; i < 2; i++) {
        window.__TAURI_INTERNALS__.invoke("arm_killswitch", {}).then(
          () => window.__arm.push({ ok: true }),
          (error) => window.__arm.push({ ok: false, error }),
        );
      }
    });
    await browser.waitUntil(async () => (await browser.execute(() => window.__arm.length)) >= 1, {
      timeout: 10_000,
      timeoutMsg: "neither call was answered",
    });
    const answers = await browser.execute(() => window.__arm);
    for (const answer of answers) {
      assert.equal(answer.ok, false, JSON.stringify(answers));
      assert.equal(answer.error.code, "CONFIRMATION_DECLINED", JSON.stringify(answers));
    }
    assert.equal((await command("killswitch_state")).tripped, true);
    await (await byTestId("killswitch-banner")).waitForDisplayed({ timeout: 10_000 });
    await shot("31-rearm-asked");
  });
});
