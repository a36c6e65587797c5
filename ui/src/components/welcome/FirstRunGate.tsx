import { type ReactNode, useEffect, useState } from "react";
import { type BotSummary_Serialize, events, type VaultStatus_Serialize } from "@/bindings";
import { useVaultActivity } from "@/hooks/useVaultActivity";
import { commands } from "@/lib/commands";
import { UnlockVault } from "./VaultForms";
import { WelcomeView } from "./WelcomeView";

type Gate = { at: "checking" } | { at: "welcome" } | { at: "unlock"; status: VaultStatus_Serialize } | { at: "app" };

/**
 * What the window opens on: the welcome view on a first run (no vault and no bots), the unlock
 * screen while the vault is locked, otherwise the app (`children`). The app shows while the backend
 * is asked, and whenever it cannot answer, so a failed check never hides it. When the vault locks
 * while the app runs (lock now, auto-lock) the unlock screen comes back; user input is reported for
 * the auto-lock.
 */
export function FirstRunGate({
  children,
  onBotCreated,
}: {
  children: ReactNode;
  /** A bot made on the welcome view: the app selects it. */
  onBotCreated?: (bot: BotSummary_Serialize) => void;
}) {
  const [gate, setGate] = useState<Gate>({ at: "checking" });
  useVaultActivity();

  useEffect(() => {
    const stop = events.vaultEvent.listen((e) => {
      if (e.payload.state === "locked") setGate({ at: "unlock", status: e.payload });
    });
    return () => {
      void stop.then((unlisten) => {
        unlisten();
      });
    };
  }, []);

  useEffect(() => {
    let current = true;
    void Promise.all([commands.vaultStatus(), commands.listBots()]).then(([vault, bots]) => {
      if (!current) return;
      if (vault.status === "error") {
        setGate({ at: "app" });
        return;
      }
      const noBots = bots.status === "ok" && bots.data.length === 0;
      if (vault.data.state === "missing" && noBots) setGate({ at: "welcome" });
      else if (vault.data.state === "locked") setGate({ at: "unlock", status: vault.data });
      else setGate({ at: "app" });
    });
    return () => {
      current = false;
    };
  }, []);

  const toApp = () => {
    setGate({ at: "app" });
  };
  if (gate.at === "welcome") return <WelcomeView onDone={toApp} onBotCreated={onBotCreated} />;
  if (gate.at === "unlock") return <UnlockVault status={gate.status} onUnlocked={toApp} onSkip={toApp} />;
  return children;
}
