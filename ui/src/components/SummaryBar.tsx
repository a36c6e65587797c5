import { memo, useEffect, useState } from "react";
import { events } from "@/bindings";
import { useNow } from "@/hooks/useNow";
import { cn } from "@/lib/cn";
import { type Fixed, formatUsd, signOf, sumDecimals } from "@/lib/decimal";
import { pendingCommands, type TradeRow } from "@/lib/pending-main";
import { useMarkClock } from "@/hooks/useMarkClock";
import { markedUnrealized, useBotList, useBotsStore } from "@/store/bots";

/** Trades asked for to count today's: a day of the busiest bots fits. */
const TRADES_LIMIT = 1000;
/** Fills come in bursts; the trade list is asked for once per burst. */
const TRADES_DEBOUNCE_MS = 500;

function startOfToday(nowMs: number): number {
  const d = new Date(nowMs);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** Today's trades and realized P&L from a trade list (local day). */
export function todaysFigures(trades: readonly TradeRow[], nowMs: number): { count: number; pnl: Fixed } {
  const since = startOfToday(nowMs);
  const today = trades.filter((t) => t.atMs >= since);
  return { count: today.length, pnl: sumDecimals(today.map((t) => t.realizedPnl)) };
}

/** The trade list, refreshed after fills; `null` when the backend has no `listTrades`. */
function useTrades(): TradeRow[] | null {
  const [trades, setTrades] = useState<TradeRow[] | null>(null);
  useEffect(() => {
    let current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () => {
      void pendingCommands.listTrades(null, TRADES_LIMIT).then((answer) => {
        if (current) setTrades(answer.status === "ok" ? answer.data : null);
      });
    };
    load();
    const stop = events.botFillEvent.listen(() => {
      clearTimeout(timer);
      timer = setTimeout(load, TRADES_DEBOUNCE_MS);
    });
    return () => {
      current = false;
      clearTimeout(timer);
      void stop.then((f) => {
        f();
      });
    };
  }, []);
  return trades;
}

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

/** Totals over every bot: P&L (realized + unrealized, summed exactly), activity and today's figures. */
export const SummaryBar = memo(function SummaryBar() {
  const nowMs = useNow(60_000);
  const bots = useBotList();
  const store = useBotsStore();
  useMarkClock();
  const trades = useTrades();
  const realized = sumDecimals(bots.map((b) => b.realizedPnl));
  const unrealized = bots.reduce((sum, b) => sum + markedUnrealized(b, store.getPrice(b.id)), 0n);
  const total = realized + unrealized;
  const running = bots.filter((b) => b.status === "running").length;
  const paused = bots.filter((b) => b.status === "paused").length;
  const today = trades ? todaysFigures(trades, nowMs) : null;
  const allTrades = bots.reduce((n, b) => n + b.trades, 0);

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
        label={today ? "Today's trades" : "Trades"}
        value={String(today ? today.count : allTrades)}
        hint={today ? "since midnight" : "since each bot started"}
        testId="summary-today-trades"
      />
      <Tile
        label={today ? "Today's P&L" : "Realized P&L"}
        value={formatUsd(today ? today.pnl : realized, { signed: true })}
        hint={today ? "realized since midnight" : "since each bot started"}
        tone={signOf(today ? today.pnl : realized)}
        testId="summary-today-pnl"
      />
    </section>
  );
});
