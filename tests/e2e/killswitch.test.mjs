// The killswitch, by clicking: it stops every bot at once, and the window alone cannot re-arm it.
// Re-arming is a guarded action (docs/ARCHITECTURE.md, "Guarded actions"): the app asks in a
// native dialog shown from Rust, which no code in the page (nor WebDriver) can answer. So this
// file runs last (file order) and leaves the killswitch tripped, the dialog unanswered.
// It brings its own running bot, so it also runs alone on an empty data folder.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { openApp, pageHelpers } from "./session.mjs";

let browser;
const { shot, byTestId, click, command } = pageHelpers(() => browser);

describe("the killswitch", () => {
  before(async () => {
    browser = await openApp();
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
