import { FlaskConical, PlugZap } from "lucide-react";
import { useEffect, useState } from "react";
import type { ApiError, BotSummary_Serialize, VaultStatus_Serialize, WalletInfo_Serialize } from "@/bindings";
import { commands } from "@/lib/commands";
import { ErrorNote } from "@/components/flows/Field";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { CreateBotWizard } from "@/components/wizard/CreateBotWizard";
import { GenerateWalletForm, ImportWalletForm } from "@/components/wizard/WalletStep";
import { errorText } from "@/lib/errors";
import { shortAddress } from "@/lib/plain-words";
import { CreateVaultForm, vaultModeSentence } from "./VaultForms";

type Path =
  | { at: "choose" }
  | { at: "demo"; wizard: boolean }
  | { at: "vault" }
  | { at: "wallet"; vault: VaultStatus_Serialize | null }
  | { at: "ready"; vault: VaultStatus_Serialize | null; wallet: WalletInfo_Serialize };

/**
 * The first run (no vault and no bots): try the demo (the bundled simulator, paper bots) or connect
 * to Polymarket (create the vault, then import or generate a wallet). `onDone` hands over to the
 * dashboard.
 */
export function WelcomeView({
  onDone,
  onBotCreated,
}: {
  onDone: () => void;
  /** A bot made from the welcome view's wizard; the app then shows it. */
  onBotCreated?: (bot: BotSummary_Serialize) => void;
}) {
  const [path, setPath] = useState<Path>({ at: "choose" });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [vault, setVault] = useState<VaultStatus_Serialize | null>(null);
  const [walletKind, setWalletKind] = useState<"import" | "generate">("generate");

  useEffect(() => {
    let current = true;
    void commands.vaultStatus().then((answer) => {
      if (current && answer.status === "ok") setVault(answer.data);
    });
    return () => {
      current = false;
    };
  }, []);

  const tryDemo = async () => {
    setBusy(true);
    setError(null);
    const answer = await commands.startDemo();
    setBusy(false);
    if (answer.status === "ok") setPath({ at: "demo", wizard: false });
    else setError(answer.error);
  };

  const connect = async () => {
    setError(null);
    // Connecting means the real exchange: leave the demo if it was chosen before.
    const settings = await commands.getSettings();
    if (settings.status === "ok" && settings.data.exchange.kind !== "polymarket") {
      const saved = await commands.updateSettings({ ...settings.data, exchange: { kind: "polymarket" } });
      if (saved.status === "error") {
        setError(saved.error);
        return;
      }
    }
    setPath(vault?.state === "open" ? { at: "wallet", vault } : { at: "vault" });
  };

  return (
    <main className="mx-auto flex w-full max-w-4xl flex-1 flex-col gap-6 overflow-y-auto p-6" aria-label="Welcome" data-testid="welcome">
      <div className="flex flex-col gap-1">
        <h2 className="text-2xl font-semibold tracking-tight">Welcome to PolyAgent</h2>
        <p className="text-muted-foreground">
          Bots that trade Polymarket outcomes for you, each with its own market, strategy, wallet and limits.
        </p>
      </div>
      {error && <ErrorNote testId="welcome-error">{errorText(error)}</ErrorNote>}

      {path.at === "choose" && (
        <div className="grid gap-4 md:grid-cols-2">
          <Card>
            <CardHeader>
              <FlaskConical className="h-8 w-8 text-primary" aria-hidden />
              <CardTitle>Try the demo</CardTitle>
              <CardDescription>
                A simulated exchange runs on this computer with markets that move by themselves. Bots trade paper money:
                nothing real is at stake and no wallet is needed.
              </CardDescription>
            </CardHeader>
            <CardContent>
              <Button onClick={() => void tryDemo()} disabled={busy} data-testid="welcome-demo">
                {busy ? "Starting the demo…" : "Try the demo"}
              </Button>
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <PlugZap className="h-8 w-8 text-primary" aria-hidden />
              <CardTitle>Connect to Polymarket</CardTitle>
              <CardDescription>
                Create an encrypted vault for your wallet keys, then import a wallet or generate a new one. You can still
                start with paper bots against real prices.
              </CardDescription>
            </CardHeader>
            <CardContent>
              <Button variant="outline" onClick={() => void connect()} disabled={busy} data-testid="welcome-connect">
                Connect to Polymarket
              </Button>
            </CardContent>
          </Card>
          <Button variant="ghost" className="justify-self-start md:col-span-2" onClick={onDone} data-testid="welcome-look-around">
            Look around first
          </Button>
        </div>
      )}

      {path.at === "demo" && (
        <Card data-testid="welcome-demo-ready">
          <CardHeader>
            <CardTitle>The demo is running</CardTitle>
            <CardDescription>
              PolyAgent now talks to the demo exchange. Create a paper bot on one of its markets and watch it trade.
            </CardDescription>
          </CardHeader>
          <CardContent className="flex gap-2">
            <Button
              onClick={() => {
                setPath({ at: "demo", wizard: true });
              }}
              data-testid="welcome-create-bot"
            >
              Create a paper bot
            </Button>
            <Button variant="ghost" onClick={onDone} data-testid="welcome-skip">
              Go to the dashboard
            </Button>
          </CardContent>
          <CreateBotWizard
            open={path.wizard}
            onClose={() => {
              setPath({ at: "demo", wizard: false });
            }}
            onCreated={(bot) => {
              onBotCreated?.(bot);
              onDone();
            }}
          />
        </Card>
      )}

      {path.at === "vault" && (
        <Card className="max-w-lg" data-testid="welcome-vault">
          <CardHeader>
            <CardTitle>Create your vault</CardTitle>
            <CardDescription>
              The vault keeps wallet keys encrypted on this computer; they never leave it and are never shown again.
            </CardDescription>
          </CardHeader>
          <CardContent>
            <CreateVaultForm
              onCreated={(status) => {
                setVault(status);
                setPath({ at: "wallet", vault: status });
              }}
            />
          </CardContent>
        </Card>
      )}

      {path.at === "wallet" && (
        <Card className="max-w-lg" data-testid="welcome-wallet">
          <CardHeader>
            <CardTitle>Add a wallet</CardTitle>
            {path.vault && <CardDescription data-testid="vault-mode">{vaultModeSentence(path.vault)}</CardDescription>}
          </CardHeader>
          <CardContent className="flex flex-col gap-3">
            <div className="flex gap-2" role="group" aria-label="Wallet">
              <Button
                variant={walletKind === "generate" ? "primary" : "outline"}
                onClick={() => {
                  setWalletKind("generate");
                }}
                data-testid="welcome-wallet-generate"
              >
                Generate a new wallet
              </Button>
              <Button
                variant={walletKind === "import" ? "primary" : "outline"}
                onClick={() => {
                  setWalletKind("import");
                }}
                data-testid="welcome-wallet-import"
              >
                Import a key
              </Button>
            </div>
            {walletKind === "generate" ? (
              <GenerateWalletForm
                onGenerated={(wallet) => {
                  setPath({ at: "ready", vault: path.vault, wallet });
                }}
              />
            ) : (
              <ImportWalletForm
                onImported={(wallet) => {
                  setPath({ at: "ready", vault: path.vault, wallet });
                }}
              />
            )}
            <Button variant="ghost" onClick={onDone} data-testid="welcome-skip">
              Skip for now
            </Button>
          </CardContent>
        </Card>
      )}

      {path.at === "ready" && (
        <Card className="max-w-lg" data-testid="welcome-ready">
          <CardHeader>
            <CardTitle>You are connected</CardTitle>
            <CardDescription>
              Wallet '{path.wallet.label}' ({shortAddress(path.wallet.address)}) is in the vault. Send it pUSD on Polygon
              before a live bot trades from it; paper bots need nothing.
            </CardDescription>
          </CardHeader>
          <CardContent>
            <Button onClick={onDone} data-testid="welcome-done">
              Go to the dashboard
            </Button>
          </CardContent>
        </Card>
      )}
    </main>
  );
}
