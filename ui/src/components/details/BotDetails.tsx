import { useEffect, useMemo, useState } from "react";
import { type ApiError, type BotFill, commands } from "@/bindings";
import { chartLines, chartMarkers, mergeFills } from "@/components/chart/chart-model";
import { PriceChart } from "@/components/chart/PriceChart";
import { ModeBadge, StatusBadge } from "@/components/bots/badges";
import { ConfirmButton } from "@/components/ConfirmButton";
import { Card, CardContent } from "@/components/ui/card";
import { useNow } from "@/hooks/useNow";
import { fixedOrZero, fixedToText, usd } from "@/lib/decimal";
import { type BookMetrics, type BotView, pendingCommands } from "@/lib/pending-main";
import { markedUnrealized, useBot, useBotMarks, useBotPrice, useBotsStore, useCachedDetails } from "@/store/bots";
import { MarketCard, StatsCard, TargetCard } from "./InfoCards";
import { PositionCard, type PositionCardProps } from "./PositionCard";

/** How often the market card asks for the book's figures while a bot is shown. */
const METRICS_EVERY_MS = 5_000;

/**
 * Fetches a bot's details when it is shown and again when its trades, position or status change;
 * the cached copy shows meanwhile. A backend without `botDetails` leaves the summary's figures.
 */
function useDetailsRefresh(bot: BotView | undefined): void {
  const store = useBotsStore();
  const id = bot?.id;
  const key = bot ? `${bot.trades}|${bot.positionShares ?? ""}|${bot.status}` : "";
  useEffect(() => {
    if (id === undefined) return;
    let current = true;
    void pendingCommands.botDetails(id).then((answer) => {
      if (current && answer.status === "ok") store.setDetails(id, answer.data);
    });
    return () => {
      current = false;
    };
  }, [store, id, key]);
}

/** Trades marked on a chart at most (the 1D range of a busy bot). */
const CHART_TRADES = 500;
const NO_FILLS: BotFill[] = [];

/** A bot's stored trades as fills, read again when its trade count moves; none without `listTrades`. */
function useStoredFills(botId: string, trades: number): BotFill[] {
  const [loaded, setLoaded] = useState<{ botId: string; fills: BotFill[] } | null>(null);
  useEffect(() => {
    let current = true;
    void pendingCommands.listTrades(botId, CHART_TRADES).then((answer) => {
      if (!current || answer.status === "error") return;
      setLoaded({
        botId,
        fills: answer.data.map((t) => ({ ...t, avgPrice: t.price })),
      });
    });
    return () => {
      current = false;
    };
  }, [botId, trades]);
  return loaded?.botId === botId ? loaded.fills : NO_FILLS;
}

function useBookMetrics(tokenId: string | undefined): BookMetrics | null {
  const [metrics, setMetrics] = useState<BookMetrics | null>(null);
  useEffect(() => {
    if (tokenId === undefined) return;
    let current = true;
    const ask = () => {
      void pendingCommands.bookMetrics(tokenId).then((answer) => {
        if (current && answer.status === "ok") setMetrics(answer.data);
      });
    };
    ask();
    const timer = setInterval(ask, METRICS_EVERY_MS);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [tokenId]);
  // Another token's figures are never shown while this one's load.
  return metrics?.tokenId === tokenId ? metrics : null;
}

/** The position card, re-rendered each second for its hold timer (and nothing else is). */
function PositionWithClock(props: Omit<PositionCardProps, "nowMs">) {
  const now = useNow(1000);
  return <PositionCard {...props} nowMs={now} />;
}

/** Everything about the selected bot: chart, position, targets, market and session. */
export function BotDetails({ botId, onError }: { botId: string; onError: (error: ApiError) => void }) {
  const bot = useBot(botId);
  const price = useBotPrice(botId);
  const marks = useBotMarks(botId);
  const details = useCachedDetails(botId);
  const metrics = useBookMetrics(bot?.tokenId);
  // Which order is on its way, and for which bot (the panel stays mounted across selections).
  const [pending, setPending] = useState<{ botId: string; kind: "close" | "buy" } | null>(null);
  const busy = pending?.botId === botId ? pending.kind : null;
  useDetailsRefresh(bot);

  const buyTarget = bot?.buyTarget ?? details?.buyTarget ?? null;
  const sellTarget = bot?.sellTarget ?? details?.sellTarget ?? null;
  const entry = fixedOrZero(bot?.positionShares) > 0n ? (bot?.positionAvgEntry ?? null) : null;
  const takeProfit = details?.takeProfitPrice ?? null;
  const stopLoss = details?.stopLossPrice ?? null;
  const lines = useMemo(
    () => chartLines({ buyTarget, sellTarget, entry, takeProfit, stopLoss }),
    [buyTarget, sellTarget, entry, takeProfit, stopLoss],
  );
  const spikes = useMemo(() => {
    const last = details?.lastSpike;
    const seen = marks.spikes;
    if (!last || seen.some((s) => s.atMs === last.atMs)) return seen;
    return [{ botId, ...last }, ...seen];
  }, [details?.lastSpike, marks.spikes, botId]);
  const storedFills = useStoredFills(botId, bot?.trades ?? 0);
  const markers = useMemo(
    () => chartMarkers(mergeFills(storedFills, marks.fills), spikes),
    [storedFills, marks.fills, spikes],
  );

  if (!bot) {
    return (
      <Card data-testid="bot-details">
        <CardContent className="p-6 text-sm text-muted-foreground">This bot is gone.</CardContent>
      </Card>
    );
  }

  const run = async (kind: "close" | "buy") => {
    setPending({ botId: bot.id, kind });
    const answer = kind === "close" ? await commands.closePosition(bot.id) : await commands.manualBuy(bot.id, null);
    setPending(null);
    if (answer.status === "error") onError(answer.error);
  };
  const currentPrice = price?.price ?? bot.price;
  const tradeSize = details?.params.tradeSizeUsd;

  return (
    <section className="flex min-w-0 flex-col gap-4" data-testid="bot-details" aria-label={`Details of ${bot.name}`}>
      <Card>
        <CardContent className="flex flex-col gap-3 p-4">
          <div className="flex flex-wrap items-start justify-between gap-3">
            <div className="min-w-0">
              <div className="flex flex-wrap items-center gap-2">
                <h2 className="truncate text-lg font-semibold">{bot.name}</h2>
                <ModeBadge mode={bot.mode} />
                <StatusBadge status={bot.status} />
              </div>
              <p className="mt-1 text-sm text-muted-foreground" data-testid="details-market">
                {details?.question ?? `Token ${bot.tokenId.slice(0, 10)}…`}
                {details?.outcome && <span className="font-medium text-foreground"> · {details.outcome}</span>}
              </p>
              <p className="mt-0.5 text-xs text-muted-foreground">
                {bot.strategy} · {bot.profile} profile
                {details?.wallet && bot.mode === "live" ? ` · wallet ${details.wallet}` : ""}
                {bot.paperCash !== null ? ` · paper cash ${usd(bot.paperCash)}` : ""}
              </p>
              {bot.statusDetail && <p className="mt-1 text-sm text-warning">{bot.statusDetail}</p>}
            </div>
            <ConfirmButton
              // A question asked about one bot must not survive a switch to another.
              key={bot.id}
              question={`Buy ${tradeSize ? usd(tradeSize) : "the trade size"} of this outcome at the ask now${bot.mode === "live" ? " with real money" : ""}?`}
              confirmLabel="Buy now"
              onConfirm={() => void run("buy")}
              busy={busy === "buy"}
              disabled={bot.status !== "running"}
              title={bot.status !== "running" ? "Start the bot to buy by hand" : undefined}
              testId="manual-buy"
            >
              Buy now
            </ConfirmButton>
          </div>
          <PriceChart botId={bot.id} lines={lines} markers={markers} onError={onError} />
        </CardContent>
      </Card>
      <div className="grid gap-4 lg:grid-cols-2">
        <PositionWithClock
          key={bot.id}
          outcome={details?.outcome ?? null}
          shares={bot.positionShares}
          entry={bot.positionAvgEntry}
          price={currentPrice}
          unrealizedPnl={bot.positionShares ? fixedToText(markedUnrealized(bot, price)) : null}
          takeProfit={takeProfit}
          stopLoss={stopLoss}
          entryAtMs={details?.entryAtMs ?? null}
          maxHoldS={details?.params.maxHoldS ?? null}
          onClose={() => void run("close")}
          closing={busy === "close"}
        />
        <TargetCard
          buyTarget={buyTarget}
          sellTarget={sellTarget}
          params={details?.params ?? null}
          lastSpike={details?.lastSpike ?? null}
        />
        <MarketCard metrics={metrics} bid={price?.bid ?? null} ask={price?.ask ?? null} feed={bot.feed} />
        <StatsCard
          trades={bot.trades}
          wins={details?.wins ?? null}
          losses={details?.losses ?? null}
          realizedPnl={bot.realizedPnl}
          fees={bot.fees}
          paperCash={bot.paperCash}
        />
      </div>
    </section>
  );
}
