// What every end-to-end file shares: opening the app through tauri-driver and the few ways a
// test looks at and drives the page. Not a test file itself (node --test runs *.test.mjs).
import assert from "node:assert/strict";
import { remote } from "webdriverio";

export const artifacts = process.env.E2E_ARTIFACTS ?? "artifacts/e2e";

/**
 * Starts the app under test (POLYAGENT_E2E_BINARY) in a WebDriver session. With
 * `waitForWindow`, resolves once the window shows the app's title.
 */
export async function openApp({ waitForWindow = true } = {}) {
  const browser = await remote({
    hostname: "127.0.0.1",
    port: Number(process.env.TAURI_DRIVER_PORT),
    logLevel: "warn",
    connectionRetryCount: 0,
    capabilities: { "tauri:options": { application: process.env.POLYAGENT_E2E_BINARY } },
  });
  await browser.setTimeout({ script: 60_000 });
  if (waitForWindow) {
    await browser.$("h1=PolyAgent").waitForDisplayed({ timeout: 20_000 });
  }
  return browser;
}

/** The page helpers, for the session `session()` returns (read at each call). */
export function pageHelpers(session) {
  /** A screenshot in the artifacts folder, taken once WebKit has painted. */
  async function shot(name) {
    // An element can be displayed before WebKit has painted it; a fast (release) build was shot
    // blank. Two animation frames later the page has been drawn.
    await session().execute(
      () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
    );
    await session().saveScreenshot(`${artifacts}/${name}.png`);
  }

  const byTestId = (id) => session().$(`[data-testid="${id}"]`);

  async function click(id, timeout = 10_000) {
    const element = await byTestId(id);
    await element.waitForClickable({ timeout });
    await element.click();
  }

  /** Invokes an app command from inside the webview, as the generated bindings do. */
  async function command(name, args = {}) {
    const answer = await session().executeAsync(
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

  return { shot, byTestId, click, command };
}
