import { BackendStatus } from "@/components/BackendStatus";
import { ThemeToggle } from "@/components/ThemeToggle";
import type { BackendHealth } from "@/hooks/useBackendHealth";
import type { Theme } from "@/hooks/useTheme";

export function Header({ health, theme, onToggleTheme }: { health: BackendHealth; theme: Theme; onToggleTheme: () => void }) {
  return (
    <header className="flex h-14 items-center justify-between border-b border-border bg-card px-6">
      <div className="flex items-center gap-3">
        <img src="/favicon.png" alt="" className="h-7 w-7" />
        <h1 className="text-lg font-semibold tracking-tight">PolyAgent</h1>
      </div>
      <div className="flex items-center gap-3">
        <BackendStatus health={health} />
        <ThemeToggle theme={theme} onToggle={onToggleTheme} />
      </div>
    </header>
  );
}
