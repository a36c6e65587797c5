import { useEffect, useState } from "react";
import type { ApiError, WalletBalance, WalletInfo_Serialize } from "@/bindings";
import { commands } from "@/lib/commands";
import { ErrorNote, inputClass, IssueText, TextField } from "@/components/flows/Field";
import { Button } from "@/components/ui/button";
import { useExchange } from "@/hooks/useExchange";
import { errorText } from "@/lib/errors";
import { exchangeName } from "@/lib/exchange";
import { compareDecimal, isDecimal, shortAddress, usd } from "@/lib/plain-words";
import type { Mode } from "./draft";
import { Choice } from "./StrategyStep";

export const SIGNATURE_TYPES = [
  { value: 0, label: "Plain wallet (EOA)" },
  { value: 1, label: "Polymarket proxy (email / magic link)" },
  { value: 2, label: "Polymarket Safe (browser wallet)" },
  { value: 3, label: "Deposit wallet" },
];

/** What is wrong with the paper cash as typed. */
export function paperCashIssue(text: string): string | null {
  return isDecimal(text) && compareDecimal(text, "0") > 0 ? null : "enter a positive amount, e.g. 100";
}

/**
 * A key import form. The key lives only in this component's state, goes to the backend once and
 * is cleared right after, whatever the answer; it is never logged.
 */
export function ImportWalletForm({ onImported }: { onImported: (wallet: WalletInfo_Serialize) => void }) {
  const [label, setLabel] = useState("");
  const [key, setKey] = useState("");
  const [signatureType, setSignatureType] = useState(0);
  const [funder, setFunder] = useState("");
  const [testKey, setTestKey] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const submit = async () => {
    setBusy(true);
    setError(null);
    const answer = await commands.importWallet(
      label.trim(),
      key.trim(),
      signatureType,
      signatureType === 0 ? null : funder.trim(),
      testKey,
    );
    setKey("");
    setBusy(false);
    if (answer.status === "ok") {
      setLabel("");
      setFunder("");
      setTestKey(false);
      onImported(answer.data);
    } else {
      setError(answer.error);
    }
  };

  return (
    <div className="flex flex-col gap-2" data-testid="wallet-import">
      <TextField id="import-label" label="Label" value={label} onChange={(e) => { setLabel(e.target.value); }} testId="wallet-import-label" autoComplete="off" />
      <TextField
        id="import-key"
        label="Private key"
        hint="64 hex digits. It goes straight into the encrypted vault and is never shown again."
        type="password"
        autoComplete="off"
        spellCheck={false}
        value={key}
        onChange={(e) => { setKey(e.target.value); }}
        testId="wallet-import-key"
      />
      <label className="flex flex-col gap-1 text-sm font-medium">
        Wallet type
        <select
          className={inputClass}
          value={signatureType}
          onChange={(e) => { setSignatureType(Number(e.target.value)); }}
          data-testid="wallet-import-type"
        >
          {SIGNATURE_TYPES.map((t) => (
            <option key={t.value} value={t.value}>
              {t.label}
            </option>
          ))}
        </select>
      </label>
      {signatureType !== 0 && (
        <TextField
          id="import-funder"
          label="Funder address"
          hint="The address that holds the funds (shown on polymarket.com under your profile)."
          value={funder}
          onChange={(e) => { setFunder(e.target.value); }}
          testId="wallet-import-funder"
        />
      )}
      <label className="flex items-start gap-2 text-sm">
        <input
          type="checkbox"
          checked={testKey}
          onChange={(e) => { setTestKey(e.target.checked); }}
          className="mt-1"
          data-testid="wallet-import-test-key"
        />
        <span>
          This is a test key with no real funds. Only test keys trade live on a simulator or the demo; any other key
          trades live on Polymarket alone.
        </span>
      </label>
      {error && <ErrorNote testId="wallet-import-error">{errorText(error)}</ErrorNote>}
      <Button
        variant="outline"
        disabled={busy || label.trim() === "" || key.trim() === "" || (signatureType !== 0 && funder.trim() === "")}
        onClick={() => void submit()}
        data-testid="wallet-import-submit"
      >
        Import key
      </Button>
    </div>
  );
}

/**
 * A key shown once, for the user to write down or store in a password manager. It lives only in
 * the parent's state (cleared when the user is done) and is never logged. The user must tick
 * "I saved it" before going on; the backend then lets the wallet trade live.
 */
export function KeyBackup({ label, secret, onSaved, busy }: { label: string; secret: string; onSaved: () => void; busy?: boolean }) {
  const [saved, setSaved] = useState(false);
  return (
    <div className="flex flex-col gap-2 rounded-md border border-warning/60 bg-warning/10 p-3 text-sm" data-testid="key-backup">
      <p className="font-medium">The private key of &apos;{label}&apos;: save it now</p>
      <p>
        Anyone with this key controls the wallet&apos;s money. Keep it offline or in a password manager (Settings, Wallets, Export shows it again after
        the vault&apos;s passphrase). Losing both the vault and this key loses the funds.
      </p>
      <code className="select-all break-all rounded bg-background px-2 py-1 font-mono text-xs" data-testid="key-backup-secret">
        {secret}
      </code>
      <label className="flex items-center gap-2">
        <input
          type="checkbox"
          checked={saved}
          onChange={(e) => {
            setSaved(e.target.checked);
          }}
          data-testid="key-backup-saved"
        />
        I saved it somewhere safe
      </label>
      <Button disabled={!saved || busy} onClick={onSaved} data-testid="key-backup-done">
        Done
      </Button>
    </div>
  );
}

/** Generates a key in the vault, shows it once and, after "I saved it", confirms its backup. */
export function GenerateWalletForm({ onGenerated }: { onGenerated: (wallet: WalletInfo_Serialize) => void }) {
  const [label, setLabel] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [generated, setGenerated] = useState<{ wallet: WalletInfo_Serialize; key: string } | null>(null);
  const submit = async () => {
    setBusy(true);
    setError(null);
    const answer = await commands.generateWallet(label.trim());
    setBusy(false);
    if (answer.status === "ok") {
      setLabel("");
      setGenerated({ wallet: answer.data.wallet, key: answer.data.key });
    } else setError(answer.error);
  };
  const saved = async () => {
    if (!generated) return;
    setBusy(true);
    const answer = await commands.confirmWalletBackup(generated.wallet.address);
    setBusy(false);
    if (answer.status === "error") {
      setError(answer.error);
      return;
    }
    const wallet = { ...generated.wallet, needsBackup: false };
    // The key leaves this component's state for good.
    setGenerated(null);
    onGenerated(wallet);
  };
  if (generated) {
    return (
      <div className="flex flex-col gap-2" data-testid="wallet-generate">
        <KeyBackup label={generated.wallet.label} secret={generated.key} onSaved={() => void saved()} busy={busy} />
        {error && <ErrorNote testId="wallet-generate-error">{errorText(error)}</ErrorNote>}
      </div>
    );
  }
  return (
    <div className="flex flex-col gap-2" data-testid="wallet-generate">
      <TextField
        id="generate-label"
        label="Label"
        hint="A new key is made in the vault and shown once for you to save; fund its address with pUSD before trading."
        value={label}
        onChange={(e) => { setLabel(e.target.value); }}
        testId="wallet-generate-label"
        autoComplete="off"
      />
      {error && <ErrorNote testId="wallet-generate-error">{errorText(error)}</ErrorNote>}
      <Button variant="outline" disabled={busy || label.trim() === ""} onClick={() => void submit()} data-testid="wallet-generate-submit">
        Generate wallet
      </Button>
    </div>
  );
}

/** Step 3: paper money (no wallet) or a wallet for real orders, with an explicit confirmation. */
export function WalletStep({
  mode,
  paperCash,
  wallet,
  liveConfirmed,
  walletIssues,
  onMode,
  onPaperCash,
  onWallet,
  onLiveConfirmed,
}: {
  mode: Mode;
  paperCash: string;
  wallet: string | null;
  liveConfirmed: boolean;
  walletIssues: string[];
  onMode: (mode: Mode) => void;
  onPaperCash: (cash: string) => void;
  onWallet: (wallet: WalletInfo_Serialize) => void;
  onLiveConfirmed: (yes: boolean) => void;
}) {
  const [wallets, setWallets] = useState<WalletInfo_Serialize[] | null>(null);
  const [listError, setListError] = useState<ApiError | null>(null);
  const [adding, setAdding] = useState<"import" | "generate" | null>(null);
  const [balances, setBalances] = useState<{ address: string; data: WalletBalance | null } | null>(null);
  const exchange = useExchange();
  const venue = exchange ? exchangeName(exchange) : "the chosen exchange";
  const offPolymarket = exchange !== null && exchange.kind !== "polymarket";

  const [reload, setReload] = useState(0);

  useEffect(() => {
    if (mode !== "live") return;
    let current = true;
    void commands.listWallets().then((answer) => {
      if (!current) return;
      if (answer.status === "ok") {
        setWallets(answer.data);
        setListError(null);
      } else setListError(answer.error);
    });
    return () => {
      current = false;
    };
  }, [mode, reload]);

  const chosen = wallets?.find((w) => w.label === wallet || w.address === wallet) ?? null;

  useEffect(() => {
    if (!chosen) return;
    let current = true;
    void commands.walletBalance(chosen.address).then((answer) => {
      if (current) setBalances({ address: chosen.address, data: answer.status === "ok" ? answer.data : null });
    });
    return () => {
      current = false;
    };
  }, [chosen]);

  const added = (w: WalletInfo_Serialize) => {
    setAdding(null);
    onWallet(w);
    setReload((n) => n + 1);
  };

  const cashIssue = paperCashIssue(paperCash);
  const balance = chosen && balances?.address === chosen.address ? balances.data : null;

  return (
    <div className="flex flex-col gap-4">
      <fieldset className="grid gap-2 sm:grid-cols-2">
        <legend className="mb-1 text-sm font-medium">Money</legend>
        <Choice
          name="mode"
          checked={mode === "paper"}
          onChange={() => { onMode("paper"); }}
          title="Paper money"
          description="Simulated fills against the live order book. No wallet, no risk."
          testId="mode-paper"
        />
        <Choice
          name="mode"
          checked={mode === "live"}
          onChange={() => { onMode("live"); }}
          title="Real money"
          description={
            offPolymarket
              ? `Signed orders on ${venue} (not Polymarket), from a wallet imported as a test key.`
              : `Real orders on ${venue} from one of your wallets.`
          }
          testId="mode-live"
        />
      </fieldset>

      {mode === "paper" ? (
        <TextField
          id="paper-cash"
          label="Paper cash"
          hint="The pretend balance the bot starts with."
          unit="$"
          inputMode="decimal"
          value={paperCash}
          onChange={(e) => { onPaperCash(e.target.value); }}
          issues={cashIssue ? [cashIssue] : []}
          testId="paper-cash"
        />
      ) : (
        <div className="flex flex-col gap-3">
          {listError && <ErrorNote testId="wallet-list-error">{errorText(listError)}</ErrorNote>}
          {wallets && wallets.length === 0 && <p className="text-sm text-muted-foreground">No wallets yet: import or generate one.</p>}
          {wallets && wallets.length > 0 && (
            <fieldset className="flex flex-col gap-1">
              <legend className="mb-1 text-sm font-medium">Wallet</legend>
              {wallets.map((w) => (
                <Choice
                  key={w.address}
                  name="wallet"
                  checked={chosen?.address === w.address}
                  onChange={() => { onWallet(w); }}
                  title={`${w.label} · ${shortAddress(w.address)}`}
                  description={
                    !w.hasKey
                      ? "The vault has no key for this wallet."
                      : offPolymarket && !w.testKey
                        ? `Not a test key: it trades live on Polymarket only, not on ${venue}.`
                      : w.needsBackup
                        ? "Back up its key first (Settings, Wallets, Export): until then it does not trade live."
                        : w.usedBy.length > 0
                        ? `Already used by ${w.usedBy.length} bot${w.usedBy.length > 1 ? "s" : ""}: two live bots on one wallet share its money.`
                        : undefined
                  }
                  testId={`wallet-${w.label}`}
                />
              ))}
            </fieldset>
          )}
          <IssueText id="wallet-issue" messages={walletIssues} testId="wallet-issue" />
          {chosen && (
            <p className="text-sm" data-testid="wallet-balance">
              {balance
                ? `Balance ${usd(balance.pusd)} pUSD${balance.allowanceOk ? "" : " — trading allowance not set yet"}`
                : "Balance unknown"}
            </p>
          )}
          <div className="flex gap-2">
            <Button variant="outline" onClick={() => { setAdding(adding === "import" ? null : "import"); }} data-testid="wallet-add-import">
              Import a key
            </Button>
            <Button variant="outline" onClick={() => { setAdding(adding === "generate" ? null : "generate"); }} data-testid="wallet-add-generate">
              Generate a wallet
            </Button>
          </div>
          {adding === "import" && <ImportWalletForm onImported={added} />}
          {adding === "generate" && <GenerateWalletForm onGenerated={added} />}
          {/* For clarity only: before a live bot starts, the app asks again in a native dialog the
              window cannot answer (docs/ARCHITECTURE.md, "Guarded actions"). */}
          <label className="flex items-start gap-2 rounded-md border border-warning/60 bg-warning/10 p-2 text-sm">
            <input
              type="checkbox"
              checked={liveConfirmed}
              onChange={(e) => { onLiveConfirmed(e.target.checked); }}
              className="mt-1"
              data-testid="live-confirm"
            />
            <span data-testid="live-confirm-text">
              I understand this bot places {offPolymarket ? "signed" : "real"} orders on {venue} from{" "}
              {chosen ? `'${chosen.label}'` : "the chosen wallet"}
              {offPolymarket ? " (a test key; nothing it signs is valid on Polymarket)" : " with real money"}.
            </span>
          </label>
        </div>
      )}
    </div>
  );
}
