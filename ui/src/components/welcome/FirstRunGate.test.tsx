import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { emitEvent } from "@/test/backend";
import { mockBackend } from "@/test/flows-fixtures";
import { FirstRunGate } from "./FirstRunGate";

const app = <p data-testid="the-app">app</p>;

describe("FirstRunGate", () => {
  it("welcomes a first run: no vault and no bots", async () => {
    mockBackend({ vault_status: () => ({ state: "missing", mode: null, detail: null }), list_bots: () => [] });
    const user = userEvent.setup();
    render(<FirstRunGate>{app}</FirstRunGate>);
    expect(await screen.findByTestId("welcome")).toBeInTheDocument();
    expect(screen.queryByTestId("the-app")).not.toBeInTheDocument();
    await user.click(screen.getByTestId("welcome-connect"));
    expect(screen.queryByTestId("the-app")).not.toBeInTheDocument();
  });

  it("asks for the passphrase while the vault is locked, and lets the user go on without it", async () => {
    mockBackend({ vault_status: () => ({ state: "locked", mode: "passphrase", detail: "no keychain" }), list_bots: () => [] });
    const user = userEvent.setup();
    render(<FirstRunGate>{app}</FirstRunGate>);
    expect(await screen.findByTestId("unlock-vault")).toHaveTextContent("no keychain");
    await user.click(screen.getByTestId("unlock-skip"));
    expect(screen.getByTestId("the-app")).toBeInTheDocument();
  });

  it("opens on the app when bots exist, and when the backend cannot answer", async () => {
    const calls = mockBackend({ vault_status: () => ({ state: "missing", mode: null, detail: null }), list_bots: () => [{ id: "b1" }] });
    const { unmount } = render(<FirstRunGate>{app}</FirstRunGate>);
    await waitFor(() => {
      expect(calls.map((c) => c.cmd).sort()).toEqual(["list_bots", "vault_status"]);
    });
    await act(async () => {
      await Promise.resolve();
    });
    expect(screen.getByTestId("the-app")).toBeInTheDocument();
    expect(screen.queryByTestId("welcome")).not.toBeInTheDocument();
    unmount();

    const failing = mockBackend({});
    render(<FirstRunGate>{app}</FirstRunGate>);
    await waitFor(() => {
      expect(failing).toHaveLength(2);
    });
    await act(async () => {
      await Promise.resolve();
    });
    expect(screen.getByTestId("the-app")).toBeInTheDocument();
  });

  it("comes back to the unlock screen when the vault locks while the app runs, and reports input for auto-lock", async () => {
    const calls = mockBackend({
      vault_status: () => ({ state: "open", mode: "passphrase", detail: null }),
      list_bots: () => [{ id: "b1" }],
      vault_activity: () => null,
    });
    const user = userEvent.setup();
    render(<FirstRunGate>{app}</FirstRunGate>);
    expect(await screen.findByTestId("the-app")).toBeInTheDocument();
    // Two inputs in a row are reported once (at most every 30 s).
    await user.click(screen.getByTestId("the-app"));
    await user.keyboard("a");
    await waitFor(() => {
      expect(calls.filter((c) => c.cmd === "vault_activity")).toHaveLength(1);
    });
    await emitEvent("vault-event", { state: "locked", mode: "passphrase", detail: "the vault locked itself after 5 min without activity" });
    expect(await screen.findByTestId("unlock-vault")).toHaveTextContent("5 min without activity");
  });
});
