import "@testing-library/jest-dom/vitest";
import { clearMocks } from "@tauri-apps/api/mocks";
import { cleanup, configure } from "@testing-library/react";
import { afterEach, vi } from "vitest";
import { fakeCharts } from "./fake-lightweight-charts";

// A condition is waited for up to 5 s (not the default 1 s): on a 2-core machine busy with a
// build, a re-render can take longer than a second; a passing wait still ends at once.
configure({ asyncUtilTimeout: 5_000 });

// jsdom cannot draw on a canvas: every test gets the recording fake chart.
vi.mock("lightweight-charts", () => import("./fake-lightweight-charts"));

// jsdom has no matchMedia; the theme asks it for the system preference. Tests run "light".
Object.defineProperty(window, "matchMedia", {
  configurable: true,
  value: (query: string): MediaQueryList =>
    ({
      matches: false,
      media: query,
      onchange: null,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
      dispatchEvent: () => false,
    }) as unknown as MediaQueryList,
});

afterEach(async () => {
  cleanup();
  // Unmounting unsubscribes from events asynchronously; let that finish before the IPC mock goes.
  await new Promise((resolve) => setTimeout(resolve, 0));
  clearMocks();
  fakeCharts.series = [];
  window.localStorage.clear();
  document.documentElement.classList.remove("dark");
});
