import { useEffect, useState } from "react";
import type { ApiError, VaultPrefs_Serialize, VaultStatus_Serialize } from "@/bindings";
import { commands } from "@/lib/commands";
import { ErrorNote, inputClass, TextField } from "@/components/flows/Field";
import { Button } from "@/components/ui/button";
import { errorText } from "@/lib/errors";
import { SavedNote } from "./Section";

/** The auto-lock choices, in minutes (`null`: never). */
export const AUTO_LOCK_CHOICES: (number | null)[] = [null, 5, 15, 30, 60, 240];

/**
 * How the open vault keeps its key and when it locks: remember it in the OS keychain (asks for the
 * passphrase, which the backend checks; turning it off removes the keychain entry), auto-lock after
 * idle minutes, and lock now (live bots stop and wait for the passphrase).
 */
export function VaultLockSettings({ onStatus }: { onStatus: (status: VaultStatus_Serialize) => void }) {
  const [prefs, setPrefs] = useState<VaultPrefs_Serialize | null>(null);
  const [askPassphrase, setAskPassphrase] = useState(false);
  const [passphrase, setPassphrase] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let current = true;
    void commands.vaultPrefs().then((answer) => {
      if (!current) return;
      if (answer.status === "ok") setPrefs(answer.data);
      else setError(answer.error);
    });
    return () => {
      current = false;
    };
  }, []);

  const save = async (next: VaultPrefs_Serialize, withPassphrase: string | null, saved: string) => {
    setBusy(true);
    setNote(null);
    const answer = await commands.setVaultPrefs(next, withPassphrase);
    setPassphrase("");
    setBusy(false);
    if (answer.status === "error") {
      setError(answer.error);
      return;
    }
    setError(null);
    setAskPassphrase(false);
    setPrefs(answer.data);
    setNote(saved);
    const status = await commands.vaultStatus();
    if (status.status === "ok") onStatus(status.data);
  };

  const lockNow = async () => {
    setBusy(true);
    const answer = await commands.lockVault();
    setBusy(false);
    if (answer.status === "ok") onStatus(answer.data);
    else setError(answer.error);
  };

  if (!prefs) return error ? <ErrorNote testId="vault-prefs-error">{errorText(error)}</ErrorNote> : null;
  return (
    <div className="flex flex-col gap-3" data-testid="vault-lock-settings">
      <label className="flex items-start gap-2 text-sm">
        <input
          type="checkbox"
          className="mt-1"
          checked={prefs.keychain || askPassphrase}
          disabled={busy}
          onChange={(e) => {
            if (e.target.checked) setAskPassphrase(true);
            else if (askPassphrase) setAskPassphrase(false);
            else void save({ ...prefs, keychain: false }, null, "The vault's key is no longer in the system keychain: the passphrase is asked at each start.");
          }}
          data-testid="vault-keychain"
        />
        <span>
          Remember on this computer (system keychain): PolyAgent opens the vault at start without the passphrase. Other programs you run may then read the
          key; off, the passphrase is asked at each start.
        </span>
      </label>
      {askPassphrase && (
        <form
          className="flex items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            void save({ ...prefs, keychain: true }, passphrase, "The system keychain now keeps the vault's key.");
          }}
        >
          <TextField
            id="vault-keychain-passphrase"
            label="Passphrase, to allow this"
            type="password"
            autoComplete="off"
            className="flex-1"
            value={passphrase}
            onChange={(e) => {
              setPassphrase(e.target.value);
            }}
            testId="vault-keychain-passphrase"
          />
          <Button type="submit" disabled={passphrase === "" || busy} data-testid="vault-keychain-save">
            Remember
          </Button>
        </form>
      )}
      <label className="flex items-center gap-2 text-sm">
        Lock the vault after
        <select
          className={inputClass}
          value={prefs.autoLockMinutes ?? ""}
          disabled={busy}
          onChange={(e) => {
            const minutes = e.target.value === "" ? null : Number(e.target.value);
            void save({ ...prefs, autoLockMinutes: minutes }, null, minutes === null ? "Auto-lock is off." : `The vault locks after ${minutes} minutes without activity.`);
          }}
          data-testid="vault-auto-lock"
        >
          {AUTO_LOCK_CHOICES.map((m) => (
            <option key={m ?? "never"} value={m ?? ""}>
              {m === null ? "never" : `${m} minutes without activity`}
            </option>
          ))}
        </select>
      </label>
      <div>
        <Button variant="outline" disabled={busy} onClick={() => void lockNow()} data-testid="vault-lock-now">
          Lock now
        </Button>
        <p className="mt-1 text-xs text-muted-foreground">Locked, no key stays in memory: live bots stop trading and wait until the passphrase unlocks it again.</p>
      </div>
      {error && <ErrorNote testId="vault-prefs-error">{errorText(error)}</ErrorNote>}
      <SavedNote text={note} testId="vault-prefs-note" />
    </div>
  );
}
