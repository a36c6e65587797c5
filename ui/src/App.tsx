import { Dashboard } from "@/components/Dashboard";
import { Header } from "@/components/Header";
import { useAppInfo } from "@/hooks/useAppInfo";
import { useBackendHealth } from "@/hooks/useBackendHealth";
import { useTheme } from "@/hooks/useTheme";

export function App() {
  const { theme, toggleTheme } = useTheme();
  const health = useBackendHealth();
  const appInfo = useAppInfo();
  return (
    <div className="flex h-full flex-col">
      <Header health={health} theme={theme} onToggleTheme={toggleTheme} />
      <Dashboard />
      <footer className="border-t border-border px-6 py-2 text-xs text-muted-foreground" data-testid="app-version">
        {appInfo.state === "ready" && `${appInfo.info.name} ${appInfo.info.version}`}
        {appInfo.state === "failed" && `Version unknown: ${appInfo.error.message}`}
      </footer>
    </div>
  );
}
