import { Dashboard } from "@/components/Dashboard";
import { Header } from "@/components/Header";
import { useAppInfo } from "@/hooks/useAppInfo";
import { useBackendHealth } from "@/hooks/useBackendHealth";
import { useTheme } from "@/hooks/useTheme";
// ---- ui-flows: first run, wizard, settings, backtest ----
import { useState } from "react";
import { BacktestView } from "@/components/backtest/BacktestView";
import { SettingsModal } from "@/components/settings/SettingsModal";
import { Button } from "@/components/ui/button";
import { FirstRunGate } from "@/components/welcome/FirstRunGate";
import { CreateBotWizard } from "@/components/wizard/CreateBotWizard";
// ---- end ui-flows ----

export function App() {
  const { theme, toggleTheme } = useTheme();
  const health = useBackendHealth();
  const appInfo = useAppInfo();
  // ---- ui-flows ----
  const [flow, setFlow] = useState<"none" | "wizard" | "settings" | "backtest">("none");
  const closeFlow = () => {
    setFlow("none");
  };
  // ---- end ui-flows ----
  return (
    <div className="flex h-full flex-col">
      <Header health={health} theme={theme} onToggleTheme={toggleTheme} />
      {/* ---- ui-flows: the lead swaps these buttons for ui-main's header and placeholders ---- */}
      <FirstRunGate>
        <nav className="flex gap-2 border-b border-border px-6 py-2" aria-label="Flows">
          <Button onClick={() => { setFlow("wizard"); }} data-testid="open-wizard">Create bot</Button>
          <Button variant="outline" onClick={() => { setFlow(flow === "backtest" ? "none" : "backtest"); }} data-testid="open-backtest">Backtest</Button>
          <Button variant="outline" onClick={() => { setFlow("settings"); }} data-testid="open-settings">Settings</Button>
        </nav>
        {flow === "backtest" ? <BacktestView /> : <Dashboard />}
        <CreateBotWizard open={flow === "wizard"} onClose={closeFlow} onCreated={closeFlow} />
        <SettingsModal open={flow === "settings"} onClose={closeFlow} />
      </FirstRunGate>
      {/* ---- end ui-flows ---- */}
      <footer className="border-t border-border px-6 py-2 text-xs text-muted-foreground" data-testid="app-version">
        {appInfo.state === "ready" && `${appInfo.info.name} ${appInfo.info.version}`}
        {appInfo.state === "failed" && `Version unknown: ${appInfo.error.message}`}
      </footer>
    </div>
  );
}
