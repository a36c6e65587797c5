import { emit } from "@tauri-apps/api/event";
import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "@/App";
import type { AppInfo, ApiError, Heartbeat } from "@/bindings";
import { HEARTBEAT_STALE_MS } from "@/hooks/useBackendHealth";
import { THEME_STORAGE_KEY } from "@/hooks/useTheme";
import { fail, INFO, mockBackend } from "@/test/backend";

function backend(appInfo: AppInfo | ApiError = INFO) {
  mockBackend({ app_info: () => ("code" in appInfo ? fail(appInfo.code, appInfo.message) : appInfo) });
}

/** `listen` registers asynchronously, so keep emitting until the page shows the beat. */
async function heartbeat(beat: Heartbeat) {
  await waitFor(async () => {
    await emit("heartbeat-event", beat);
    expect(screen.getByTestId("heartbeat-seq")).toHaveTextContent(`#${beat.seq}`);
  });
}

afterEach(() => {
  vi.useRealTimers();
});

describe("App shell", () => {
  it("shows the header, the empty dashboard and the backend's version", async () => {
    backend();
    render(<App />);
    expect(screen.getByRole("heading", { name: "PolyAgent" })).toBeInTheDocument();
    expect(await screen.findByTestId("empty-dashboard")).toHaveTextContent("No bots yet");
    expect(await screen.findByText("PolyAgent 9.8.7")).toBeInTheDocument();
  });

  it("says so when the backend cannot tell its version", async () => {
    backend({ code: "INTERNAL", message: "boom" });
    render(<App />);
    expect(await screen.findByText("Version unknown: boom")).toBeInTheDocument();
  });

  it("shows the backend live while heartbeats arrive and unresponsive when they stop", async () => {
    backend();
    render(<App />);
    expect(screen.getByTestId("backend-status")).toHaveAttribute("data-state", "connecting");

    await heartbeat({ seq: 1, uptimeMs: 1000 });
    expect(screen.getByTestId("backend-status")).toHaveAttribute("data-state", "live");

    vi.useFakeTimers();
    await act(async () => {
      await emit("heartbeat-event", { seq: 2, uptimeMs: 2000 } satisfies Heartbeat);
    });
    expect(screen.getByTestId("heartbeat-seq")).toHaveTextContent("#2");
    await act(async () => {
      await vi.advanceTimersByTimeAsync(HEARTBEAT_STALE_MS - 1);
    });
    expect(screen.getByTestId("backend-status")).toHaveAttribute("data-state", "live");
    await act(async () => {
      await vi.advanceTimersByTimeAsync(1);
    });
    expect(screen.getByTestId("backend-status")).toHaveAttribute("data-state", "unresponsive");
    expect(screen.getByTestId("backend-status")).toHaveAccessibleName("Backend: Not responding");
  });

  it("toggles between light and dark and remembers the choice", async () => {
    backend();
    const user = userEvent.setup();
    render(<App />);
    const html = document.documentElement;
    expect(html).not.toHaveClass("dark");

    await user.click(screen.getByRole("button", { name: "Switch to dark theme" }));
    expect(html).toHaveClass("dark");
    expect(window.localStorage.getItem(THEME_STORAGE_KEY)).toBe("dark");

    await user.click(screen.getByRole("button", { name: "Switch to light theme" }));
    expect(html).not.toHaveClass("dark");
    expect(window.localStorage.getItem(THEME_STORAGE_KEY)).toBe("light");
  });

  it("starts in the saved theme", () => {
    window.localStorage.setItem(THEME_STORAGE_KEY, "dark");
    backend();
    render(<App />);
    expect(document.documentElement).toHaveClass("dark");
    expect(screen.getByRole("button", { name: "Switch to light theme" })).toBeInTheDocument();
  });
});
