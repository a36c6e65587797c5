import { useEffect, useState } from "react";
import type { ApiError, WalletInfo_Serialize } from "@/bindings";
import { commands } from "@/lib/commands";
import { ErrorNote, PassphraseInput, inputClass } from "@/components/flows/Field";
import { Button } from "@/components/ui/button";
import { errorText } from "@/lib/errors";
import { shortAddress } from "@/lib/plain-words";
import { tierLabel, tierTooltip } from "@/lib/rate-tier";
import { KeyBackup } from "@/components/wizard/WalletStep";
import { Section } from "./Section";

/**
 * Every wallet (addresses and labels only, and the rate tier of a connected one), with rename and delete.
 * Deleting asks for the vault's passphrase, which the backend checks: the webview alone cannot delete a key.
 * Export shows a wallet's key after the passphrase is typed again; the key lives only in this
 * component's state and is dropped when hidden ("I saved it" also confirms a generated wallet's backup).
 */
export function WalletsSection() {
  const [wallets, setWallets] = useState<WalletInfo_Serialize[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [renaming, setRenaming] = useState<{ address: string; label: string } | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const [passphrase, setPassphrase] = useState("");
  const [exporting, setExporting] = useState<string | null>(null);
  const [revealed, setRevealed] = useState<{ address: string; label: string; key: string } | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    let current = true;
    void commands.listWallets().then((answer) => {
      if (!current) return;
      if (answer.status === "ok") setWallets(answer.data);
      else setError(answer.error);
    });
    return () => {
      current = false;
    };
  }, [reload]);

  const rename = async () => {
    if (!renaming || renaming.label.trim() === "") return;
    const answer = await commands.renameWallet(renaming.address, renaming.label.trim());
    if (answer.status === "error") {
      setError(answer.error);
      return;
    }
    setError(null);
    setRenaming(null);
    setReload((n) => n + 1);
  };

  const reveal = async (w: WalletInfo_Serialize) => {
    const answer = await commands.revealWalletKey(w.address, passphrase);
    setPassphrase("");
    setExporting(null);
    if (answer.status === "error") {
      setError(answer.error);
      return;
    }
    setError(null);
    setRevealed({ address: w.address, label: w.label, key: answer.data });
  };

  const saved = async () => {
    if (!revealed) return;
    const answer = await commands.confirmWalletBackup(revealed.address);
    // The key leaves this component's state for good.
    setRevealed(null);
    if (answer.status === "error") setError(answer.error);
    setReload((n) => n + 1);
  };

  const remove = async (address: string) => {
    const answer = await commands.deleteWallet(address, passphrase);
    setPassphrase("");
    setDeleting(null);
    if (answer.status === "error") {
      setError(answer.error);
      return;
    }
    setError(null);
    setReload((n) => n + 1);
  };

  return (
    <Section title="Wallets" description="Labels and addresses; the keys stay in the vault." testId="settings-wallets">
      {wallets?.length === 0 && <p className="text-sm text-muted-foreground">No wallets yet. The create-bot wizard can import or generate one.</p>}
      <ul className="flex flex-col gap-2">
        {wallets?.map((w) => (
          <li key={w.address} className="flex flex-wrap items-center gap-2 rounded-md border border-border px-3 py-2 text-sm" data-testid={`settings-wallet-${w.label}`}>
            {renaming?.address === w.address ? (
              <form
                className="flex flex-1 gap-2"
                onSubmit={(e) => {
                  e.preventDefault();
                  void rename();
                }}
              >
                <input
                  aria-label={`New label for ${w.label}`}
                  className={inputClass}
                  value={renaming.label}
                  onChange={(e) => {
                    setRenaming({ address: w.address, label: e.target.value });
                  }}
                  data-testid="wallet-rename-input"
                  autoFocus
                />
                <Button type="submit" disabled={renaming.label.trim() === ""} data-testid="wallet-rename-save">
                  Save
                </Button>
                <Button
                  variant="ghost"
                  onClick={() => {
                    setRenaming(null);
                  }}
                >
                  Cancel
                </Button>
              </form>
            ) : (
              <>
                <span className="font-medium">{w.label}</span>
                <span className="font-mono text-xs text-muted-foreground" title={w.address}>
                  {shortAddress(w.address)}
                </span>
                {!w.hasKey && <span className="text-xs text-warning">no key in the vault</span>}
                {w.testKey && <span className="text-xs text-muted-foreground" data-testid={`wallet-test-key-${w.label}`}>test key</span>}
                {w.rateLimitTier && (
                  <span className="rounded border border-border px-1.5 py-0.5 text-xs text-muted-foreground" title={tierTooltip(w.rateLimitTier)} data-testid={`wallet-rate-tier-${w.label}`}>
                    {tierLabel(w.rateLimitTier)}
                  </span>
                )}
                {w.usedBy.length > 0 && <span className="text-xs text-muted-foreground">used by {w.usedBy.length} bot{w.usedBy.length > 1 ? "s" : ""}</span>}
                {w.needsBackup && (
                  <span className="text-xs text-warning" data-testid={`wallet-needs-backup-${w.label}`}>
                    key not backed up: export it before it trades live
                  </span>
                )}
                <span className="flex-1" />
                {exporting === w.address ? (
                  <form
                    className="flex items-center gap-2"
                    onSubmit={(e) => {
                      e.preventDefault();
                      void reveal(w);
                    }}
                  >
                    <PassphraseInput value={passphrase} onValue={setPassphrase} testId={`wallet-export-passphrase-${w.label}`} />
                    <Button type="submit" disabled={passphrase === ""} data-testid={`wallet-export-show-${w.label}`}>
                      Show key
                    </Button>
                    <Button
                      variant="ghost"
                      onClick={() => {
                        setPassphrase("");
                        setExporting(null);
                      }}
                    >
                      Cancel
                    </Button>
                  </form>
                ) : deleting === w.address ? (
                  <>
                    <span className="text-xs">Delete its key for good? Back it up first (Export).</span>
                    <PassphraseInput value={passphrase} onValue={setPassphrase} testId={`wallet-delete-passphrase-${w.label}`} />
                    <Button
                      className="bg-negative text-primary-foreground hover:bg-negative/90"
                      disabled={passphrase === ""}
                      onClick={() => void remove(w.address)}
                      data-testid={`wallet-delete-confirm-${w.label}`}
                    >
                      Delete
                    </Button>
                    <Button
                      variant="ghost"
                      onClick={() => {
                        setPassphrase("");
                        setDeleting(null);
                      }}
                    >
                      Keep
                    </Button>
                  </>
                ) : (
                  <>
                    <Button
                      variant="ghost"
                      onClick={() => {
                        setRenaming({ address: w.address, label: w.label });
                      }}
                      data-testid={`wallet-rename-${w.label}`}
                    >
                      Rename
                    </Button>
                    {w.hasKey && (
                      <Button
                        variant="ghost"
                        onClick={() => {
                          setPassphrase("");
                          setDeleting(null);
                          setExporting(w.address);
                        }}
                        data-testid={`wallet-export-${w.label}`}
                      >
                        Export
                      </Button>
                    )}
                    <Button
                      variant="ghost"
                      onClick={() => {
                        setPassphrase("");
                        setExporting(null);
                        setDeleting(w.address);
                      }}
                      data-testid={`wallet-delete-${w.label}`}
                    >
                      Delete
                    </Button>
                  </>
                )}
              </>
            )}
          </li>
        ))}
      </ul>
      {revealed && <KeyBackup label={revealed.label} secret={revealed.key} onSaved={() => void saved()} />}
      {error && <ErrorNote testId="wallets-error">{errorText(error)}</ErrorNote>}
    </Section>
  );
}
