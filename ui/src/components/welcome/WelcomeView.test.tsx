import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { apiError, CATALOG, LIMITS, mockBackend, SETTINGS, WALLET } from "@/test/flows-fixtures";
import { UnlockVault } from "./VaultForms";
import { WelcomeView } from "./WelcomeView";

const MISSING = { state: "missing", mode: null, detail: null };

describe("WelcomeView", () => {
  it("starts the demo and offers a paper bot", async () => {
    const calls = mockBackend({
      vault_status: () => MISSING,
      start_demo: () => ({ ...SETTINGS, exchange: { kind: "simulator", url: "http://127.0.0.1:4100" } }),
      catalog: () => CATALOG,
      get_daily_limits: () => LIMITS,
      validate_bot_spec: () => [],
    });
    const user = userEvent.setup();
    const onDone = vi.fn();
    render(<WelcomeView onDone={onDone} />);
    await user.click(screen.getByTestId("welcome-demo"));
    expect(await screen.findByTestId("welcome-demo-ready")).toHaveTextContent("The demo is running");
    expect(calls.filter((c) => c.cmd === "start_demo")).toHaveLength(1);

    await user.click(screen.getByTestId("welcome-create-bot"));
    expect(await screen.findByRole("dialog", { name: "Create a bot" })).toBeInTheDocument();
    // Paper is the wizard's default, so the demo needs no wallet.
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    await user.click(screen.getByTestId("welcome-skip"));
    expect(onDone).toHaveBeenCalled();
  });

  it("says why the demo did not start", async () => {
    mockBackend({
      vault_status: () => MISSING,
      start_demo: () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- Tauri rejects with the error value
        throw apiError("CONFLICT", "stop the running bots before switching exchange");
      },
    });
    const user = userEvent.setup();
    render(<WelcomeView onDone={vi.fn()} />);
    await user.click(screen.getByTestId("welcome-demo"));
    expect(await screen.findByTestId("welcome-error")).toHaveTextContent(
      "That cannot be done right now. stop the running bots before switching exchange",
    );
    expect(screen.getByTestId("welcome-demo")).toBeEnabled();
  });

  it("connects: creates the vault with a checked passphrase, then a wallet", async () => {
    const calls = mockBackend({
      vault_status: () => MISSING,
      get_settings: () => SETTINGS,
      create_vault: () => ({ state: "open", mode: "keychain", detail: null }),
      generate_wallet: (args) => ({ wallet: { ...WALLET, label: String(args.label), needsBackup: true }, key: `0x${"ab".repeat(32)}` }),
      confirm_wallet_backup: () => null,
    });
    const user = userEvent.setup();
    const onDone = vi.fn();
    render(<WelcomeView onDone={onDone} />);
    await user.click(screen.getByTestId("welcome-connect"));

    const pass = await screen.findByTestId("vault-passphrase");
    const repeat = screen.getByTestId("vault-passphrase-repeat");
    expect(pass).toHaveAttribute("type", "password");
    await user.type(pass, "short");
    expect(screen.getByTestId("vault-passphrase-issue")).toHaveTextContent("at least 12 characters");
    await user.type(pass, "-but-now-long");
    await user.type(repeat, "short-but-now-lonG");
    expect(screen.getByTestId("vault-passphrase-repeat-issue")).toHaveTextContent("differ");
    expect(screen.getByTestId("vault-create")).toBeDisabled();
    await user.clear(repeat);
    await user.type(repeat, "short-but-now-long{Enter}");

    expect(await screen.findByTestId("vault-mode")).toHaveTextContent("system keychain");
    expect(calls.find((c) => c.cmd === "create_vault")?.args).toEqual({ passphrase: "short-but-now-long" });

    await user.type(screen.getByTestId("wallet-generate-label"), "main");
    await user.click(screen.getByTestId("wallet-generate-submit"));
    // The new key is shown once; going on needs "I saved it", which confirms the backup.
    expect(await screen.findByTestId("key-backup-secret")).toHaveTextContent(`0x${"ab".repeat(32)}`);
    expect(screen.getByTestId("key-backup-done")).toBeDisabled();
    await user.click(screen.getByTestId("key-backup-saved"));
    await user.click(screen.getByTestId("key-backup-done"));
    expect(calls.find((c) => c.cmd === "confirm_wallet_backup")?.args).toEqual({ addressOrLabel: WALLET.address });
    expect(screen.queryByTestId("key-backup-secret")).not.toBeInTheDocument();
    expect(await screen.findByTestId("welcome-ready")).toHaveTextContent("Wallet 'main' (0x1234…5678)");
    await user.click(screen.getByTestId("welcome-done"));
    expect(onDone).toHaveBeenCalled();
  });

  it("switches a demo exchange back to Polymarket on connect and clears an imported key", async () => {
    const calls = mockBackend({
      vault_status: () => ({ state: "open", mode: "passphrase", detail: "no Secret Service" }),
      get_settings: () => ({ ...SETTINGS, exchange: { kind: "simulator", url: "http://127.0.0.1:4100" } }),
      update_settings: (args) => args.settings,
      import_wallet: () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- Tauri rejects with the error value
        throw apiError("INVALID_INPUT", "a private key is 64 hex digits");
      },
    });
    const user = userEvent.setup();
    render(<WelcomeView onDone={vi.fn()} />);
    await waitFor(() => {
      expect(calls.some((c) => c.cmd === "vault_status")).toBe(true);
    });
    await user.click(screen.getByTestId("welcome-connect"));
    expect(await screen.findByTestId("vault-mode")).toHaveTextContent("asks for at each start (no Secret Service)");
    expect(calls.find((c) => c.cmd === "update_settings")?.args).toEqual({ settings: { ...SETTINGS, exchange: { kind: "polymarket" } } });

    await user.click(screen.getByTestId("welcome-wallet-import"));
    await user.type(screen.getByTestId("wallet-import-label"), "old");
    const key = screen.getByTestId("wallet-import-key");
    expect(key).toHaveAttribute("type", "password");
    await user.type(key, "0xdeadbeef");
    await user.click(screen.getByTestId("wallet-import-submit"));
    expect(await screen.findByTestId("wallet-import-error")).toHaveTextContent("a private key is 64 hex digits");
    expect(key).toHaveValue("");
  });

  it("lets the user look around first", async () => {
    mockBackend({ vault_status: () => MISSING });
    const user = userEvent.setup();
    const onDone = vi.fn();
    render(<WelcomeView onDone={onDone} />);
    await user.click(screen.getByTestId("welcome-look-around"));
    expect(onDone).toHaveBeenCalled();
  });
});

describe("UnlockVault", () => {
  it("says a wrong passphrase is wrong, clears it, and unlocks with the right one", async () => {
    mockBackend({
      unlock_vault: (args) => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- Tauri rejects with the error value
        if (args.passphrase !== "right passphrase") throw apiError("VAULT_LOCKED", "wrong passphrase");
        return { state: "open", mode: "passphrase", detail: null };
      },
    });
    const user = userEvent.setup();
    const onUnlocked = vi.fn();
    render(<UnlockVault status={{ state: "locked", mode: "passphrase", detail: "no keychain" }} onUnlocked={onUnlocked} />);
    const field = screen.getByTestId("unlock-passphrase");
    await user.type(field, "wrong{Enter}");
    expect(await screen.findByTestId("unlock-error")).toHaveTextContent("wrong passphrase");
    expect(field).toHaveValue("");
    await user.type(field, "right passphrase");
    await user.click(screen.getByTestId("unlock-submit"));
    await waitFor(() => {
      expect(onUnlocked).toHaveBeenCalledWith({ state: "open", mode: "passphrase", detail: null });
    });
  });
});
