import { useCallback, useEffect, useState } from "react";
import type { ApiError, VaultStatus_Serialize } from "@/bindings";
import { commands } from "@/lib/commands";
import { ErrorNote, TextField } from "@/components/flows/Field";
import { Button } from "@/components/ui/button";
import { CreateVaultForm, NewPassphraseFields, newPassphraseReady, vaultModeSentence } from "@/components/welcome/VaultForms";
import { errorText } from "@/lib/errors";
import { SavedNote, Section } from "./Section";
import { VaultLockSettings } from "./VaultLockSettings";

/** The vault: its state and mode, unlocking, creating, changing the passphrase, the keychain option, auto-lock and lock now. */
export function VaultSection() {
  const [status, setStatus] = useState<VaultStatus_Serialize | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [currentPass, setCurrentPass] = useState("");
  const [newPass, setNewPass] = useState("");
  const [repeat, setRepeat] = useState("");
  const [busy, setBusy] = useState(false);

  const apply = useCallback((answer: { status: "ok"; data: VaultStatus_Serialize } | { status: "error"; error: ApiError }) => {
    if (answer.status === "ok") {
      setStatus(answer.data);
      setError(null);
    } else setError(answer.error);
  }, []);

  useEffect(() => {
    let current = true;
    void commands.vaultStatus().then((answer) => {
      if (current) apply(answer);
    });
    return () => {
      current = false;
    };
  }, [apply]);

  const ready = currentPass !== "" && newPassphraseReady(newPass, repeat) && !busy;

  const change = async () => {
    if (!ready) return;
    setBusy(true);
    setNote(null);
    const answer = await commands.changeVaultPassphrase(currentPass, newPass);
    setCurrentPass("");
    setNewPass("");
    setRepeat("");
    setBusy(false);
    apply(answer);
    if (answer.status === "ok") setNote("The passphrase is changed.");
  };

  const unlock = async () => {
    setBusy(true);
    const answer = await commands.unlockVault(currentPass);
    setCurrentPass("");
    setBusy(false);
    apply(answer);
  };

  return (
    <Section title="Vault" description="Where wallet keys are kept, encrypted. Keys never leave it." testId="settings-vault">
      <p className="text-sm" data-testid="vault-state">
        {status === null
          ? "Checking…"
          : status.state === "missing"
            ? "No vault yet."
            : status.state === "locked"
              ? `Locked${status.detail ? `: ${status.detail}` : ""}.`
              : `Open. ${vaultModeSentence(status)}`}
      </p>
      {status?.state === "missing" && <CreateVaultForm onCreated={setStatus} />}
      {status?.state === "locked" && (
        <form
          className="flex items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            void unlock();
          }}
        >
          <TextField
            id="settings-unlock"
            label="Passphrase"
            type="password"
            className="flex-1"
            value={currentPass}
            onChange={(e) => {
              setCurrentPass(e.target.value);
            }}
            testId="settings-unlock-passphrase"
          />
          <Button type="submit" disabled={currentPass === "" || busy} data-testid="settings-unlock">
            Unlock
          </Button>
        </form>
      )}
      {status?.state === "open" && <VaultLockSettings onStatus={setStatus} />}
      {status?.state === "open" && (
        <form
          className="grid gap-2 sm:grid-cols-3"
          onSubmit={(e) => {
            e.preventDefault();
            void change();
          }}
          aria-label="Change the passphrase"
        >
          <TextField
            id="vault-current"
            label="Current passphrase"
            type="password"
            autoComplete="current-password"
            value={currentPass}
            onChange={(e) => {
              setCurrentPass(e.target.value);
            }}
            testId="vault-current-passphrase"
          />
          <NewPassphraseFields
            ids={{ passphrase: "vault-new-passphrase", repeat: "vault-new-passphrase-repeat" }}
            labels={{ passphrase: "New passphrase", repeat: "New passphrase again" }}
            passphrase={newPass}
            repeat={repeat}
            onPassphrase={setNewPass}
            onRepeat={setRepeat}
          />
          <Button type="submit" variant="outline" className="self-start sm:col-span-3" disabled={!ready} data-testid="vault-change-passphrase">
            Change passphrase
          </Button>
        </form>
      )}
      {error && <ErrorNote testId="vault-error">{errorText(error)}</ErrorNote>}
      <SavedNote text={note} testId="vault-note" />
    </Section>
  );
}
