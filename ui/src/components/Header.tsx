import { Plus, Settings } from "lucide-react";
import { BackendStatus } from "@/components/BackendStatus";
import { ThemeToggle } from "@/components/ThemeToggle";
import { Button } from "@/components/ui/button";
import type { BackendHealth } from "@/hooks/useBackendHealth";
import { useExchange } from "@/hooks/useExchange";
import type { Theme } from "@/hooks/useTheme";
import { cn } from "@/lib/cn";
import { exchangeLabel, exchangeName } from "@/lib/exchange";
import { useBotList } from "@/store/bots";

export type View = "dashboard" | "backtest";

/** The market feeds of running bots, in one chip: all live, or how many are stale or reconnecting. */
export function FeedHealthChip() {
  const bots = useBotList().filter((b) => b.status === "running" || b.status === "paused");
  if (bots.length === 0) return null;
  const stale = bots.filter((b) => b.feed === "stale").length;
  const reconnecting = bots.filter((b) => b.feed === "reconnecting").length;
  const state = reconnecting > 0 ? "reconnecting" : stale > 0 ? "stale" : "live";
  const text =
    state === "live"
      ? `Feeds live (${bots.length})`
      : [reconnecting > 0 && `${reconnecting} reconnecting`, stale > 0 && `${stale} stale`].filter(Boolean).join(", ");
  return (
    <div
      className="hidden items-center gap-2 rounded-full border border-border px-3 py-1 text-xs sm:flex"
      role="status"
      aria-label={`Market feeds: ${text}`}
      data-testid="feed-health"
      data-state={state}
    >
      <span
        aria-hidden
        className={cn(
          "h-2 w-2 rounded-full",
          state === "live" && "bg-positive",
          state === "stale" && "bg-warning",
          state === "reconnecting" && "bg-negative",
        )}
      />
      <span className="font-medium">{text}</span>
    </div>
  );
}

/** Which exchange bots trade on now: Polymarket, the demo, or a simulator at its address. */
export function ExchangeChip() {
  const exchange = useExchange();
  if (!exchange) return null;
  const polymarket = exchange.kind === "polymarket";
  return (
    <div
      className={cn(
        "flex items-center gap-2 rounded-full border px-3 py-1 text-xs font-medium",
        polymarket ? "border-border" : "border-warning/60 bg-warning/10",
      )}
      role="status"
      aria-label={`Exchange: ${exchangeName(exchange)}`}
      title={polymarket ? "Orders go to Polymarket" : "Not Polymarket: nothing here is signed for Polymarket"}
      data-testid="exchange-chip"
      data-kind={exchange.kind}
    >
      {exchangeLabel(exchange)}
    </div>
  );
}

const VIEWS: { key: View; label: string }[] = [
  { key: "dashboard", label: "Dashboard" },
  { key: "backtest", label: "Backtest" },
];

export function Header({
  health,
  theme,
  onToggleTheme,
  view,
  onViewChange,
  onOpenSettings,
  onCreateBot,
}: {
  health: BackendHealth;
  theme: Theme;
  onToggleTheme: () => void;
  view: View;
  onViewChange: (view: View) => void;
  onOpenSettings: () => void;
  onCreateBot: () => void;
}) {
  return (
    <header className="flex h-14 shrink-0 items-center justify-between gap-3 border-b border-border bg-card px-4 lg:px-6">
      <div className="flex min-w-0 items-center gap-4">
        <div className="flex items-center gap-2">
          <img src="/favicon.png" alt="" className="h-7 w-7" />
          <h1 className="text-lg font-semibold tracking-tight">PolyAgent</h1>
        </div>
        <nav aria-label="Views" className="flex gap-1">
          {VIEWS.map((v) => (
            <button
              key={v.key}
              type="button"
              aria-current={view === v.key ? "page" : undefined}
              data-testid={`nav-${v.key}`}
              onClick={() => {
                onViewChange(v.key);
              }}
              className={cn(
                "rounded-md px-3 py-1.5 text-sm font-medium focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring",
                view === v.key ? "bg-muted text-foreground" : "text-muted-foreground hover:bg-muted",
              )}
            >
              {v.label}
            </button>
          ))}
        </nav>
      </div>
      <div className="flex items-center gap-2">
        <ExchangeChip />
        <FeedHealthChip />
        <BackendStatus health={health} />
        <Button onClick={onCreateBot} data-testid="create-bot-button" className="h-8 px-3">
          <Plus className="h-4 w-4" aria-hidden />
          <span className="hidden md:inline">Create bot</span>
          <span className="sr-only md:hidden">Create bot</span>
        </Button>
        <Button
          variant="ghost"
          size="icon"
          onClick={onOpenSettings}
          aria-label="Settings"
          title="Settings"
          data-testid="settings-button"
        >
          <Settings className="h-5 w-5" aria-hidden />
        </Button>
        <ThemeToggle theme={theme} onToggle={onToggleTheme} />
      </div>
    </header>
  );
}
