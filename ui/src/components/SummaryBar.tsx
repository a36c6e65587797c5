import { memo } from "react";
import { cn } from "@/lib/cn";
import { formatUsd, signOf, sumDecimals } from "@/lib/decimal";
import { useMarkClock } from "@/hooks/useMarkClock";
import { markedUnrealized, useBotList, useBotsStore } from "@/store/bots";

function Tile({ label, value, hint, tone, testId }: { label: string; value: string; hint?: string; tone?: -1 | 0 | 1; testId: string }) {
  return (
    <div className="flex min-w-0 flex-col rounded-lg border border-border bg-card px-4 py-3 shadow-sm">
      <span className="text-xs text-muted-foreground">{label}</span>
      <span
        className={cn(
          "truncate text-xl font-semibold tabular-nums",
          tone === 1 && "text-positive",
          tone === -1 && "text-negative",
        )}
        data-testid={testId}
      >
        {value}
      </span>
      {hint && <span className="truncate text-xs text-muted-foreground">{hint}</span>}
    </div>
  );
}

/** Totals over every bot: P&L (realized + unrealized, summed exactly), activity and today's (UTC) figures. */
export const SummaryBar = memo(function SummaryBar() {
  const bots = useBotList();
  const store = useBotsStore();
  useMarkClock();
  const realized = sumDecimals(bots.map((b) => b.realizedPnl));
  const unrealized = bots.reduce((sum, b) => sum + markedUnrealized(b, store.getPrice(b.id)), 0n);
  const total = realized + unrealized;
  const running = bots.filter((b) => b.status === "running").length;
  const paused = bots.filter((b) => b.status === "paused").length;
  const todayTrades = bots.reduce((n, b) => n + b.todayTrades, 0);
  const todayPnl = sumDecimals(bots.map((b) => b.todayRealizedPnl));

  return (
    <section className="grid grid-cols-2 gap-3 lg:grid-cols-4" aria-label="Summary" data-testid="summary">
      <Tile
        label="Total P&L"
        value={formatUsd(total, { signed: true })}
        hint={`${formatUsd(realized, { signed: true })} realized · ${formatUsd(unrealized, { signed: true })} open`}
        tone={signOf(total)}
        testId="summary-total-pnl"
      />
      <Tile
        label="Active bots"
        value={`${running} / ${bots.length}`}
        hint={paused > 0 ? `${paused} paused` : "running / all"}
        testId="summary-active-bots"
      />
      <Tile
        label="Today's trades"
        value={String(todayTrades)}
        hint="round trips since 00:00 UTC"
        testId="summary-today-trades"
      />
      <Tile
        label="Today's P&L"
        value={formatUsd(todayPnl, { signed: true })}
        hint="realized since 00:00 UTC"
        tone={signOf(todayPnl)}
        testId="summary-today-pnl"
      />
    </section>
  );
});
