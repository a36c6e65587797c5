// The real desktop app, driven through tauri-driver and WebKitWebDriver (see scripts/e2e).
// Each check is something a user sees: the window, the dashboard, the live backend, the theme.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { openApp, pageHelpers } from "./session.mjs";

let browser;
const { shot } = pageHelpers(() => browser);

describe("PolyAgent desktop app", () => {
  before(async () => {
    // The first check is that the window opens: nothing is awaited here.
    browser = await openApp({ waitForWindow: false });
  });

  after(async () => {
    // Ends the WebDriver session, which closes the app; tauri-driver is stopped by the script.
    await browser?.deleteSession();
  });

  it("opens on the welcome view of a first run", async () => {
    const title = await browser.$("h1=PolyAgent");
    await title.waitForDisplayed({ timeout: 20_000 });
    // A fresh data folder has no vault and no bots: the app offers the demo or Polymarket.
    const welcome = await browser.$('[data-testid="welcome"]');
    await welcome.waitForDisplayed({ timeout: 10_000 });
    await (await browser.$('[data-testid="welcome-demo"]')).waitForDisplayed();
    await (await browser.$('[data-testid="welcome-connect"]')).waitForDisplayed();
    await shot("00-welcome");
    await (await browser.$('[data-testid="welcome-look-around"]')).click();
  });

  it("opens a window that shows the header and the empty dashboard", async () => {
    const dashboard = await browser.$('[data-testid="empty-dashboard"]');
    await dashboard.waitForDisplayed({ timeout: 10_000 });
    assert.match(await dashboard.getText(), /No bots yet/);
    await shot("01-dashboard");
  });

  it("shows the version the backend reports", async () => {
    // An installed package is tested against the version it was built as (scripts/test-package).
    const expected = process.env.POLYAGENT_E2E_VERSION;
    const shown = expected
      ? (text) => text === `PolyAgent ${expected}`
      : (text) => /PolyAgent \d+\.\d+\.\d+/.test(text);
    const footer = await browser.$('[data-testid="app-version"]');
    await browser.waitUntil(async () => shown(await footer.getText()), {
      timeout: 10_000,
      timeoutMsg: `the footer never showed ${expected ? `"PolyAgent ${expected}"` : "the version from the app_info command"}`,
    });
  });

  it("receives the backend heartbeat and keeps counting", async () => {
    const status = await browser.$('[data-testid="backend-status"]');
    await browser.waitUntil(async () => (await status.getAttribute("data-state")) === "live", {
      timeout: 10_000,
      timeoutMsg: "no heartbeat event reached the page",
    });
    const seq = await browser.$('[data-testid="heartbeat-seq"]');
    const first = Number((await seq.getText()).replace("#", ""));
    await browser.waitUntil(async () => Number((await seq.getText()).replace("#", "")) > first, {
      timeout: 10_000,
      timeoutMsg: "the heartbeat count stopped",
    });
  });

  it("switches to the dark theme and back", async () => {
    const isDark = () => browser.execute(() => document.documentElement.classList.contains("dark"));
    const before = await isDark();
    const toggle = await browser.$(`button[aria-label="Switch to ${before ? "light" : "dark"} theme"]`);
    await toggle.click();
    await browser.waitUntil(async () => (await isDark()) !== before, { timeout: 5_000 });
    // Colours fade for 150 ms; shoot once the toggle's icon has the new theme's colour.
    await browser.waitUntil(
      () =>
        browser.execute(() => {
          const icon = document.querySelector('button[aria-label^="Switch to"]');
          return icon !== null && getComputedStyle(icon).color === getComputedStyle(document.body).color;
        }),
      { timeout: 5_000 },
    );
    await shot(before ? "02-light" : "02-dark");
    const back = await browser.$(`button[aria-label="Switch to ${before ? "dark" : "light"} theme"]`);
    await back.click();
    await browser.waitUntil(async () => (await isDark()) === before, { timeout: 5_000 });
  });
});
