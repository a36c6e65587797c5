import { useCallback, useState } from "react";
import type { BotFill } from "@/bindings";
import { Dashboard } from "@/components/Dashboard";
import { Header, type View } from "@/components/Header";
import { KillswitchBanner } from "@/components/KillswitchBanner";
import { ToastProvider, useToasts } from "@/components/toasts/Toasts";
import { TrayConfirm } from "@/components/TrayConfirm";
import { Button } from "@/components/ui/button";
import { useAppInfo } from "@/hooks/useAppInfo";
import { useBackendHealth } from "@/hooks/useBackendHealth";
import { useKillswitch } from "@/hooks/useKillswitch";
import { MarkClock } from "@/hooks/useMarkClock";
import { fillSentence, useLiveBots } from "@/hooks/useLiveBots";
import { useTheme } from "@/hooks/useTheme";
import { usd } from "@/lib/decimal";
import { BotsContext, BotsStore } from "@/store/bots";

export function App() {
  const [store] = useState(() => new BotsStore());
  return (
    <BotsContext value={store}>
      <MarkClock>
        <ToastProvider>
          <AppShell store={store} />
        </ToastProvider>
      </MarkClock>
    </BotsContext>
  );
}

function AppShell({ store }: { store: BotsStore }) {
  const { theme, toggleTheme } = useTheme();
  const health = useBackendHealth();
  const appInfo = useAppInfo();
  const toasts = useToasts();
  const onError = toasts.error;
  const onFill = useCallback(
    (fill: BotFill) => {
      toasts.push({ tone: "fill", title: `${fill.botName}: ${fillSentence(fill)}`, detail: `Fee ${usd(fill.fee)}` });
    },
    [toasts],
  );
  useLiveBots(store, { error: onError, fill: onFill });
  const killswitch = useKillswitch(onError);

  const [view, setView] = useState<View>("dashboard");
  const [selectedBotId, setSelectedBotId] = useState<string | null>(null);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [wizardOpen, setWizardOpen] = useState(false);
  const openSettings = useCallback(() => {
    setSettingsOpen(true);
  }, []);
  const closeSettings = useCallback(() => {
    setSettingsOpen(false);
    // The settings may have tripped or re-armed the killswitch.
    killswitch.refresh();
  }, [killswitch]);
  const createBot = useCallback(() => {
    setWizardOpen(true);
  }, []);
  const closeWizard = useCallback(() => {
    setWizardOpen(false);
  }, []);

  return (
    <div className="flex h-full flex-col">
      <Header
        health={health}
        theme={theme}
        onToggleTheme={toggleTheme}
        view={view}
        onViewChange={setView}
        onOpenSettings={openSettings}
        onCreateBot={createBot}
      />
      <KillswitchBanner killswitch={killswitch} />
      {/* ---- ui-flows plugs in here: each placeholder goes, the line in its comment comes in ----
          <FirstRunGate> (welcome on a fresh install, unlock for a locked vault) wraps the two views. */}
      {view === "dashboard" && (
        <Dashboard
          selectedBotId={selectedBotId}
          onSelectBot={setSelectedBotId}
          onCreateBot={createBot}
          onError={onError}
        />
      )}
      {/* <BacktestView /> */}
      {view === "backtest" && <PendingView title="Backtest" />}
      {/* <SettingsModal open={settingsOpen} onClose={closeSettings} /> */}
      {settingsOpen && <PendingPanel title="Settings" onClose={closeSettings} />}
      {/* <CreateBotWizard open={wizardOpen} onClose={closeWizard}
            onCreated={(bot) => { store.upsert(bot); setSelectedBotId(bot.id); closeWizard(); }} /> */}
      {wizardOpen && <PendingPanel title="Create bot" onClose={closeWizard} />}
      {/* ---- end of ui-flows' places ---- */}
      <TrayConfirm onError={onError} />

      <footer className="shrink-0 border-t border-border px-6 py-2 text-xs text-muted-foreground" data-testid="app-version">
        {appInfo.state === "ready" && `${appInfo.info.name} ${appInfo.info.version}`}
        {appInfo.state === "failed" && `Version unknown: ${appInfo.error.message}`}
      </footer>
    </div>
  );
}

/** PLACEHOLDER until the ui-flows branch is merged (see PendingPanel). */
function PendingView({ title }: { title: string }) {
  return (
    <main className="grid flex-1 place-items-center p-6 text-sm text-muted-foreground" aria-label={title} data-testid="pending-view">
      {title}: this part of the app arrives in the next build.
    </main>
  );
}

/**
 * PLACEHOLDER until the ui-flows branch is merged: stands where the settings modal, the wizard and
 * the backtest view plug in, so the buttons that open them already work. Delete when they land.
 */
function PendingPanel({ title, onClose }: { title: string; onClose: () => void }) {
  return (
    <div
      role="dialog"
      aria-modal="true"
      aria-label={title}
      data-testid="pending-panel"
      className="fixed inset-0 z-40 grid place-items-center bg-black/40 p-4"
      onKeyDown={(e) => {
        if (e.key === "Escape") onClose();
      }}
    >
      <div className="w-full max-w-md rounded-xl border border-border bg-card p-6 shadow-xl">
        <h2 className="text-lg font-semibold">{title}</h2>
        <p className="mt-2 text-sm text-muted-foreground">This part of the app arrives in the next build.</p>
        <div className="mt-4 flex justify-end">
          <Button autoFocus onClick={onClose}>
            Close
          </Button>
        </div>
      </div>
    </div>
  );
}
