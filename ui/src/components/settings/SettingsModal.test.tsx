import { emit } from "@tauri-apps/api/event";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { AppSettings_Serialize } from "@/bindings";
import { apiError, type Handler, LIMITS, mockBackend, OPEN_VAULT, SETTINGS, WALLET } from "@/test/flows-fixtures";
import { SettingsModal } from "./SettingsModal";

function backend(extra: Record<string, Handler> = {}) {
  let tripped = false;
  return mockBackend({
    get_settings: () => SETTINGS,
    update_settings: (args) => args.settings,
    get_daily_limits: () => LIMITS,
    set_daily_limits: () => null,
    log_folder: () => "/home/me/.local/share/polyagent/logs",
    open_log_folder: () => null,
    killswitch_state: () => ({ tripped, reason: tripped ? "market looks broken" : null, atMs: null, faults: [] }),
    trip_killswitch: () => {
      tripped = true;
      return ["order-1", "order-2"];
    },
    arm_killswitch: () => {
      tripped = false;
      return null;
    },
    vault_status: () => OPEN_VAULT,
    vault_prefs: () => ({ keychain: true, autoLockMinutes: null }),
    list_wallets: () => [WALLET],
    ...extra,
  });
}

describe("SettingsModal", () => {
  it("trips the killswitch only after STOP is typed, then re-arms it", async () => {
    const calls = backend();
    const user = userEvent.setup();
    render(<SettingsModal open onClose={vi.fn()} />);
    expect(await screen.findByTestId("killswitch-state")).toHaveTextContent("Armed");

    await user.click(screen.getByTestId("settings-killswitch"));
    const confirm = screen.getByTestId("killswitch-confirm");
    expect(confirm).toBeDisabled();
    await user.type(screen.getByTestId("killswitch-reason"), "market looks broken");
    await user.type(screen.getByTestId("killswitch-confirm-input"), "stop");
    expect(confirm).toBeDisabled();
    await user.type(screen.getByTestId("killswitch-confirm-input"), "{Enter}");
    expect(calls.some((c) => c.cmd === "trip_killswitch")).toBe(false);

    await user.clear(screen.getByTestId("killswitch-confirm-input"));
    await user.type(screen.getByTestId("killswitch-confirm-input"), "STOP");
    await user.click(confirm);
    expect(await screen.findByTestId("killswitch-note")).toHaveTextContent("Every bot is stopped; 2 open orders cancelled.");
    expect(screen.getByTestId("killswitch-state")).toHaveTextContent("Tripped");
    expect(calls.find((c) => c.cmd === "trip_killswitch")?.args).toEqual({ reason: "market looks broken" });

    await user.click(screen.getByTestId("settings-killswitch-arm"));
    await waitFor(() => {
      expect(screen.getByTestId("killswitch-state")).toHaveTextContent("Armed");
    });
    expect(calls.some((c) => c.cmd === "arm_killswitch")).toBe(true);
  });

  it("follows the killswitch when it is tripped elsewhere", async () => {
    backend();
    render(<SettingsModal open onClose={vi.fn()} />);
    expect(await screen.findByTestId("killswitch-state")).toHaveTextContent("Armed");
    await waitFor(async () => {
      await emit("killswitch-event", { tripped: true, reason: "daily loss", atMs: Date.UTC(2026, 0, 5, 12), faults: [] });
      expect(screen.getByTestId("killswitch-state")).toHaveTextContent("Tripped: no bot can trade. Why: daily loss. Since");
    });
    expect(screen.getByTestId("settings-killswitch-arm")).toBeInTheDocument();
  });

  it("saves a notification mute at once and says why an exchange switch was refused", async () => {
    const calls = backend({
      update_settings: (args) => {
        const s = args.settings as AppSettings_Serialize;
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- Tauri rejects with the error value
        if (s.exchange.kind === "simulator") throw apiError("CONFLICT", "stop the 2 running bots first");
        return s;
      },
    });
    const user = userEvent.setup();
    render(<SettingsModal open onClose={vi.fn()} />);
    const fills = await screen.findByTestId("settings-notify-fills");
    expect(fills).toBeChecked();
    await user.click(fills);
    await waitFor(() => {
      expect(fills).not.toBeChecked();
    });
    expect(calls.find((c) => c.cmd === "update_settings")?.args).toEqual({
      settings: { ...SETTINGS, notifications: { ...SETTINGS.notifications, fills: false } },
    });

    await user.click(screen.getByTestId("settings-exchange-simulator"));
    const url = screen.getByTestId("settings-simulator-url");
    await user.clear(url);
    await user.type(url, "not a url");
    expect(screen.getByTestId("settings-exchange-apply")).toBeDisabled();
    // A "paper server" elsewhere could relay what the app signs to Polymarket.
    await user.clear(url);
    await user.type(url, "http://192.168.1.20:4100");
    expect(screen.getByTestId("settings-exchange-apply")).toBeDisabled();
    expect(screen.getByText(/must run on this computer/)).toBeInTheDocument();
    await user.clear(url);
    await user.type(url, "http://127.0.0.1:4200");
    await user.click(screen.getByTestId("settings-exchange-apply"));
    expect(await screen.findByTestId("settings-exchange-error")).toHaveTextContent("That cannot be done right now. stop the 2 running bots first");
  });

  it("starts the demo simulator and shows the exchange it switched to", async () => {
    backend({ start_demo: () => ({ ...SETTINGS, exchange: { kind: "demo" } }) });
    const user = userEvent.setup();
    render(<SettingsModal open onClose={vi.fn()} />);
    await user.click(await screen.findByTestId("settings-start-demo"));
    expect(await screen.findByTestId("settings-exchange-note")).toHaveTextContent("demo simulator is running");
    expect(screen.getByTestId("settings-exchange-demo")).toHaveTextContent("the demo simulator PolyAgent runs on this computer");
    expect(screen.getByTestId("settings-exchange-polymarket")).not.toBeChecked();
    expect(screen.getByTestId("settings-exchange-apply")).toBeDisabled();
  });

  it("checks daily limits as typed and saves them", async () => {
    const calls = backend();
    const user = userEvent.setup();
    render(<SettingsModal open onClose={vi.fn()} />);
    const perBot = await screen.findByTestId("limit-exposure-bot");
    await user.clear(perBot);
    await user.type(perBot, "300");
    expect(screen.getByTestId("limit-exposure-bot-issue")).toHaveTextContent("is above the total exposure $250");
    expect(screen.getByTestId("settings-limits-save")).toBeDisabled();
    await user.clear(perBot);
    await user.type(perBot, "20");
    await user.click(screen.getByTestId("settings-limits-save"));
    expect(await screen.findByTestId("settings-limits-note")).toHaveTextContent("Daily limits saved.");
    expect(calls.find((c) => c.cmd === "set_daily_limits")?.args).toEqual({ limits: { ...LIMITS, max_exposure_per_bot: "20" } });
  });

  it("renames a wallet, refuses a delete the backend refuses, shows the log folder", async () => {
    let label = "main";
    const calls = backend({
      list_wallets: () => [{ ...WALLET, label }],
      rename_wallet: (args) => {
        label = String(args.label);
        return { ...WALLET, label };
      },
      delete_wallet: () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- Tauri rejects with the error value
        throw apiError("CONFLICT", "bot-1 trades from this wallet");
      },
    });
    const user = userEvent.setup();
    render(<SettingsModal open onClose={vi.fn()} />);
    expect(await screen.findByTestId("settings-log-folder")).toHaveTextContent("/home/me/.local/share/polyagent/logs");
    await user.click(await screen.findByTestId("wallet-rename-main"));
    const input = screen.getByTestId("wallet-rename-input");
    await user.clear(input);
    await user.type(input, "savings{Enter}");
    expect(await screen.findByTestId("settings-wallet-savings")).toBeInTheDocument();
    expect(calls.find((c) => c.cmd === "rename_wallet")?.args).toEqual({ addressOrLabel: WALLET.address, label: "savings" });

    await user.click(screen.getByTestId("wallet-delete-savings"));
    // The passphrase is asked (and checked by the backend) before a key is deleted.
    expect(screen.getByTestId("wallet-delete-confirm-savings")).toBeDisabled();
    await user.type(screen.getByTestId("wallet-delete-passphrase-savings"), "a long passphrase");
    await user.click(screen.getByTestId("wallet-delete-confirm-savings"));
    expect(await screen.findByTestId("wallets-error")).toHaveTextContent("bot-1 trades from this wallet");
    expect(calls.find((c) => c.cmd === "delete_wallet")?.args).toEqual({ addressOrLabel: WALLET.address, passphrase: "a long passphrase" });
    expect(screen.getByTestId("vault-state")).toHaveTextContent("system keychain");
  });

  it("shows a connected wallet's rate tier as a badge with its limits, and none for the others", async () => {
    backend({
      list_wallets: () => [
        { ...WALLET, rateLimitTier: "Standard" },
        { ...WALLET, address: "0xabcdefabcdefabcdefabcdefabcdefabcdefabcd", label: "idle", rateLimitTier: null },
      ],
    });
    render(<SettingsModal open onClose={vi.fn()} />);
    const badge = await screen.findByTestId("wallet-rate-tier-main");
    expect(badge).toHaveTextContent("Rate tier: Standard");
    expect(badge).toHaveAttribute("title", "Polymarket's per-wallet order limit tier (orders/s, burst): 40 orders/s, burst 60; 80 cancels/s, burst 120");
    expect(await screen.findByTestId("settings-wallet-idle")).toBeInTheDocument();
    expect(screen.queryByTestId("wallet-rate-tier-idle")).not.toBeInTheDocument();
  });
});

describe("SettingsModal keys", () => {
  it("closes with Escape even when the focused button went away", async () => {
    backend();
    const user = userEvent.setup();
    const onClose = vi.fn();
    render(<SettingsModal open onClose={onClose} />);
    await user.click(await screen.findByTestId("settings-killswitch"));
    await user.click(screen.getByTestId("killswitch-cancel"));
    expect(document.activeElement).toBe(document.body);
    await user.keyboard("{Escape}");
    expect(onClose).toHaveBeenCalled();
  });
});

describe("SettingsModal vault", () => {
  it("keeps the key out of the keychain, asks the passphrase to put it back, sets auto-lock and locks now", async () => {
    let prefs = { keychain: true, autoLockMinutes: null as number | null };
    const calls = backend({
      vault_prefs: () => prefs,
      set_vault_prefs: (args) => {
        prefs = args.prefs as typeof prefs;
        return prefs;
      },
      lock_vault: () => ({ state: "locked", mode: "passphrase", detail: "the vault was locked" }),
    });
    const user = userEvent.setup();
    render(<SettingsModal open onClose={vi.fn()} />);
    const keychain = await screen.findByTestId("vault-keychain");
    expect(keychain).toBeChecked();
    await user.click(keychain);
    await waitFor(() => {
      expect(calls.find((c) => c.cmd === "set_vault_prefs")?.args).toEqual({ prefs: { keychain: false, autoLockMinutes: null }, passphrase: null });
    });
    expect(await screen.findByTestId("vault-prefs-note")).toHaveTextContent("asked at each start");
    // Turning it on asks for the passphrase, checked by the backend.
    await user.click(screen.getByTestId("vault-keychain"));
    await user.type(screen.getByTestId("vault-keychain-passphrase"), "a long vault passphrase{Enter}");
    await waitFor(() => {
      expect(calls.filter((c) => c.cmd === "set_vault_prefs").at(-1)?.args).toEqual({
        prefs: { keychain: true, autoLockMinutes: null },
        passphrase: "a long vault passphrase",
      });
    });
    await user.selectOptions(screen.getByTestId("vault-auto-lock"), "15");
    await waitFor(() => {
      expect(calls.filter((c) => c.cmd === "set_vault_prefs").at(-1)?.args).toEqual({ prefs: { keychain: true, autoLockMinutes: 15 }, passphrase: null });
    });
    await user.click(screen.getByTestId("vault-lock-now"));
    expect(await screen.findByTestId("vault-state")).toHaveTextContent("Locked: the vault was locked");
  });

  it("exports a key only after the passphrase, shows it once and confirms a generated wallet's backup", async () => {
    const key = `0x${"cd".repeat(32)}`;
    let needsBackup = true;
    const calls = backend({
      list_wallets: () => [{ ...WALLET, needsBackup }],
      reveal_wallet_key: () => key,
      confirm_wallet_backup: () => {
        needsBackup = false;
        return null;
      },
    });
    const user = userEvent.setup();
    render(<SettingsModal open onClose={vi.fn()} />);
    expect(await screen.findByTestId("wallet-needs-backup-main")).toBeInTheDocument();
    await user.click(screen.getByTestId("wallet-export-main"));
    expect(screen.getByTestId("wallet-export-show-main")).toBeDisabled();
    await user.type(screen.getByTestId("wallet-export-passphrase-main"), "a long vault passphrase");
    await user.click(screen.getByTestId("wallet-export-show-main"));
    expect(calls.find((c) => c.cmd === "reveal_wallet_key")?.args).toEqual({ addressOrLabel: WALLET.address, passphrase: "a long vault passphrase" });
    expect(await screen.findByTestId("key-backup-secret")).toHaveTextContent(key);
    await user.click(screen.getByTestId("key-backup-saved"));
    await user.click(screen.getByTestId("key-backup-done"));
    expect(screen.queryByTestId("key-backup-secret")).not.toBeInTheDocument();
    expect(calls.find((c) => c.cmd === "confirm_wallet_backup")?.args).toEqual({ addressOrLabel: WALLET.address });
    await waitFor(() => {
      expect(screen.queryByTestId("wallet-needs-backup-main")).not.toBeInTheDocument();
    });
  });
});
