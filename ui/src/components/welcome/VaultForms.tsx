import { KeyRound, Lock } from "lucide-react";
import { useState } from "react";
import type { ApiError, VaultStatus_Serialize } from "@/bindings";
import { commands } from "@/lib/commands";
import { ErrorNote, TextField } from "@/components/flows/Field";
import { Button } from "@/components/ui/button";
import { errorText } from "@/lib/errors";

/**
 * The backend's minimum length for a new passphrase (`create_vault`, `change_vault_passphrase`).
 * The backend also estimates its strength (zxcvbn, 3 of 4 needed) and says why when it refuses.
 */
export const MIN_PASSPHRASE = 12;

/** What is wrong with a new passphrase and its repetition, as the user types. */
export function passphraseIssues(passphrase: string, repeat: string): { passphrase?: string; repeat?: string } {
  const out: { passphrase?: string; repeat?: string } = {};
  if (passphrase.length > 0 && passphrase.length < MIN_PASSPHRASE) out.passphrase = `use at least ${MIN_PASSPHRASE} characters`;
  if (repeat.length > 0 && repeat !== passphrase) out.repeat = "the two passphrases differ";
  return out;
}

/** Whether a new passphrase and its repetition can be used (long enough, the same twice). */
export function newPassphraseReady(passphrase: string, repeat: string): boolean {
  return passphrase.length >= MIN_PASSPHRASE && repeat === passphrase;
}

/** How the vault keeps its key, in words, after it was created or opened. */
export function vaultModeSentence(status: VaultStatus_Serialize): string {
  if (status.mode === "keychain") {
    return "Your keys are encrypted and the system keychain holds the vault's key, so PolyAgent opens it by itself at start. Keep the passphrase somewhere safe: it recovers the vault if the keychain is lost.";
  }
  return `Your keys are encrypted with your passphrase, which PolyAgent asks for at each start${status.detail ? ` (${status.detail})` : ""}. Settings, Vault can keep the vault's key in the system keychain instead.`;
}

/**
 * Creates the vault: a passphrase typed twice, at least 12 characters and hard to guess. The passphrases live only in
 * this form's state and are cleared once sent.
 */
/**
 * A new passphrase typed twice, each field showing what `passphraseIssues` finds in it (creating
 * the vault, changing its passphrase). Element ids double as test ids.
 */
export function NewPassphraseFields({
  ids,
  labels,
  hint,
  passphrase,
  repeat,
  onPassphrase,
  onRepeat,
}: {
  ids: { passphrase: string; repeat: string };
  labels: { passphrase: string; repeat: string };
  hint?: string;
  passphrase: string;
  repeat: string;
  onPassphrase: (value: string) => void;
  onRepeat: (value: string) => void;
}) {
  const issues = passphraseIssues(passphrase, repeat);
  return (
    <>
      <TextField
        id={ids.passphrase}
        label={labels.passphrase}
        hint={hint}
        type="password"
        autoComplete="new-password"
        value={passphrase}
        onChange={(e) => {
          onPassphrase(e.target.value);
        }}
        issues={issues.passphrase ? [issues.passphrase] : []}
        testId={ids.passphrase}
      />
      <TextField
        id={ids.repeat}
        label={labels.repeat}
        type="password"
        autoComplete="new-password"
        value={repeat}
        onChange={(e) => {
          onRepeat(e.target.value);
        }}
        issues={issues.repeat ? [issues.repeat] : []}
        testId={ids.repeat}
      />
    </>
  );
}

export function CreateVaultForm({ onCreated }: { onCreated: (status: VaultStatus_Serialize) => void }) {
  const [passphrase, setPassphrase] = useState("");
  const [repeat, setRepeat] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const ready = newPassphraseReady(passphrase, repeat) && !busy;

  const submit = async () => {
    if (!ready) return;
    setBusy(true);
    setError(null);
    const answer = await commands.createVault(passphrase);
    setPassphrase("");
    setRepeat("");
    setBusy(false);
    if (answer.status === "ok") onCreated(answer.data);
    else setError(answer.error);
  };

  return (
    <form
      className="flex flex-col gap-3"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      data-testid="vault-create-form"
    >
      <NewPassphraseFields
        ids={{ passphrase: "vault-passphrase", repeat: "vault-passphrase-repeat" }}
        labels={{ passphrase: "Vault passphrase", repeat: "Passphrase again" }}
        hint="Protects your wallet keys on this computer."
        passphrase={passphrase}
        repeat={repeat}
        onPassphrase={setPassphrase}
        onRepeat={setRepeat}
      />
      {error && <ErrorNote testId="vault-create-error">{errorText(error)}</ErrorNote>}
      <Button type="submit" disabled={!ready} data-testid="vault-create">
        <KeyRound className="h-4 w-4" aria-hidden />
        Create the vault
      </Button>
    </form>
  );
}

/** The screen shown while the vault is locked: its passphrase opens it (bots waiting for it start). */
export function UnlockVault({
  status,
  onUnlocked,
  onSkip,
}: {
  status?: VaultStatus_Serialize | null;
  onUnlocked: (status: VaultStatus_Serialize) => void;
  /** Goes on without the keys: paper bots run, live bots wait for the vault. */
  onSkip?: () => void;
}) {
  const [passphrase, setPassphrase] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const submit = async () => {
    if (passphrase === "" || busy) return;
    setBusy(true);
    setError(null);
    const answer = await commands.unlockVault(passphrase);
    setPassphrase("");
    setBusy(false);
    if (answer.status === "ok") onUnlocked(answer.data);
    else setError(answer.error);
  };

  return (
    <main className="flex flex-1 items-center justify-center p-6" aria-label="Unlock the vault" data-testid="unlock-vault">
      <form
        className="flex w-full max-w-sm flex-col gap-4 rounded-xl border border-border bg-card p-6 shadow-sm"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="flex items-center gap-2">
          <Lock className="h-5 w-5 text-primary" aria-hidden />
          <h2 className="text-lg font-semibold">Unlock your vault</h2>
        </div>
        <p className="text-sm text-muted-foreground">
          Your wallet keys are locked. Enter the vault passphrase so live bots can sign orders.
          {status?.detail ? ` (${status.detail})` : ""}
        </p>
        <TextField
          id="unlock-passphrase"
          label="Passphrase"
          type="password"
          autoComplete="current-password"
          autoFocus
          value={passphrase}
          onChange={(e) => {
            setPassphrase(e.target.value);
          }}
          testId="unlock-passphrase"
        />
        {error && <ErrorNote testId="unlock-error">{errorText(error)}</ErrorNote>}
        <Button type="submit" disabled={passphrase === "" || busy} data-testid="unlock-submit">
          Unlock
        </Button>
        {onSkip && (
          <Button variant="ghost" onClick={onSkip} data-testid="unlock-skip">
            Not now (live bots wait until it is unlocked)
          </Button>
        )}
      </form>
    </main>
  );
}
