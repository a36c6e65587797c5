import { useCallback, useState } from "react";
import type { BotFill } from "@/bindings";
import { Dashboard } from "@/components/Dashboard";
import { Header, type View } from "@/components/Header";
import { KillswitchBanner } from "@/components/KillswitchBanner";
import { ToastProvider, useToasts } from "@/components/toasts/Toasts";
import { TrayConfirm } from "@/components/TrayConfirm";
import { useAppInfo } from "@/hooks/useAppInfo";
import { useBackendHealth } from "@/hooks/useBackendHealth";
import { useKillswitch } from "@/hooks/useKillswitch";
import { MarkClock } from "@/hooks/useMarkClock";
import { fillSentence, useLiveBots } from "@/hooks/useLiveBots";
import { useTheme } from "@/hooks/useTheme";
import { usd } from "@/lib/decimal";
import { BotsContext, BotsStore } from "@/store/bots";
import { BacktestView } from "@/components/backtest/BacktestView";
import { SettingsModal } from "@/components/settings/SettingsModal";
import { FirstRunGate } from "@/components/welcome/FirstRunGate";
import { CreateBotWizard } from "@/components/wizard/CreateBotWizard";

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
      <FirstRunGate
        onBotCreated={(bot) => {
          store.upsert(bot);
          setSelectedBotId(bot.id);
        }}
      >
        {view === "dashboard" && (
          <Dashboard
            selectedBotId={selectedBotId}
            onSelectBot={setSelectedBotId}
            onCreateBot={createBot}
            onError={onError}
          />
        )}
        {view === "backtest" && <BacktestView />}
        <SettingsModal open={settingsOpen} onClose={closeSettings} />
        <CreateBotWizard
          open={wizardOpen}
          onClose={closeWizard}
          onCreated={(bot) => {
            store.upsert(bot);
            setSelectedBotId(bot.id);
            setView("dashboard");
            closeWizard();
          }}
        />
      </FirstRunGate>
      <TrayConfirm onError={onError} />

      <footer className="shrink-0 border-t border-border px-6 py-2 text-xs text-muted-foreground" data-testid="app-version">
        {appInfo.state === "ready" && `${appInfo.info.name} ${appInfo.info.version}`}
        {appInfo.state === "failed" && `Version unknown: ${appInfo.error.message}`}
      </footer>
    </div>
  );
}
