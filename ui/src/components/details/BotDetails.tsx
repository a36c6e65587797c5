import { useEffect, useMemo, useState } from "react";
import type { ApiError, BookSummary_Serialize } from "@/bindings";
import { commands } from "@/lib/commands";
import { chartLines, chartMarkers, type FillMark, mergeFills } from "@/components/chart/chart-model";
import { PriceChart } from "@/components/chart/PriceChart";
import { ModeBadge, StatusBadge } from "@/components/bots/badges";
import { ConfirmButton } from "@/components/ConfirmButton";
import { Card, CardContent } from "@/components/ui/card";
import { useNow } from "@/hooks/useNow";
import { fixedOrZero, fixedToText, usd } from "@/lib/decimal";
import { markedUnrealized, useBot, useBotMarks, useBotPrice, useBotsStore } from "@/store/bots";
import { MarketCard, StatsCard, TargetCard } from "./InfoCards";
import { PositionCard, type PositionCardProps } from "./PositionCard";

/** How often the market card asks for the book's figures while a bot is shown. */
const BOOK_EVERY_MS = 5_000;
/** Trades marked on a chart at most (the 1D range of a busy bot). */
const CHART_TRADES = 500;
const NO_FILLS: FillMark[] = [];

/** A bot's stored trades (before this session too), read again when its trade count moves. */
function useStoredFills(botId: string, trades: number): FillMark[] {
  const [loaded, setLoaded] = useState<{ botId: string; fills: FillMark[] } | null>(null);
  useEffect(() => {
    let current = true;
    void commands.listTrades(botId, CHART_TRADES).then((answer) => {
      if (current && answer.status === "ok") setLoaded({ botId, fills: answer.data });
    });
    return () => {
      current = false;
    };
  }, [botId, trades]);
  return loaded?.botId === botId ? loaded.fills : NO_FILLS;
}

/**
 * The book's spread, depth and liquidity, asked every 5 s while the bot is shown. Polled rather
 * than streamed: `watchBook` follows one book for the whole window, and the wizard uses it.
 */
function useBookSummary(tokenId: string | undefined): BookSummary_Serialize | null {
  const [book, setBook] = useState<BookSummary_Serialize | null>(null);
  useEffect(() => {
    if (tokenId === undefined) return;
    let current = true;
    const ask = () => {
      void commands.bookSummary(tokenId).then((answer) => {
        if (current && answer.status === "ok") setBook(answer.data);
      });
    };
    ask();
    const timer = setInterval(ask, BOOK_EVERY_MS);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [tokenId]);
  // Another token's figures are never shown while this one's load.
  return book?.tokenId === tokenId ? book : null;
}

/** The position card, re-rendered each second for its hold timer (and nothing else is). */
function PositionWithClock(props: Omit<PositionCardProps, "nowMs">) {
  const now = useNow(1000);
  return <PositionCard {...props} nowMs={now} />;
}

/**
 * Everything about the selected bot: chart, position, targets, market and session. All of it
 * but the book's figures and the stored trades comes from the bot's summary in the store, so it
 * shows in the same frame as the click.
 */
export function BotDetails({ botId, onError }: { botId: string; onError: (error: ApiError) => void }) {
  const store = useBotsStore();
  const bot = useBot(botId);
  const price = useBotPrice(botId);
  const marks = useBotMarks(botId);
  const book = useBookSummary(bot?.tokenId);
  const storedFills = useStoredFills(botId, bot?.trades ?? 0);
  // Which order is on its way, and for which bot (the panel stays mounted across selections).
  const [pending, setPending] = useState<{ botId: string; kind: "close" | "buy" | "delete" } | null>(null);
  const busy = pending?.botId === botId ? pending.kind : null;

  const holding = fixedOrZero(bot?.positionShares) > 0n;
  const buyTarget = bot?.buyTarget ?? null;
  const sellTarget = bot?.sellTarget ?? null;
  const entry = holding ? (bot?.positionAvgEntry ?? null) : null;
  const takeProfit = holding ? (bot?.takeProfitPrice ?? null) : null;
  const stopLoss = holding ? (bot?.stopLossPrice ?? null) : null;
  const lines = useMemo(
    () => chartLines({ buyTarget, sellTarget, entry, takeProfit, stopLoss }),
    [buyTarget, sellTarget, entry, takeProfit, stopLoss],
  );
  const markers = useMemo(
    () => chartMarkers(mergeFills(storedFills, marks.fills), marks.spikes),
    [storedFills, marks.fills, marks.spikes],
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
  const remove = async () => {
    setPending({ botId: bot.id, kind: "delete" });
    const answer = await commands.deleteBot(bot.id);
    setPending(null);
    if (answer.status === "error") onError(answer.error);
    else store.remove(bot.id);
  };
  const currentPrice = price?.price ?? bot.price;
  // Deleting takes a stopped bot with nothing held: a running bot is stopped first, a position
  // closed first, so nothing is left trading or held without a bot to see it.
  const deleteBlocked =
    bot.status === "running" || bot.status === "paused"
      ? "Stop the bot before deleting it"
      : holding
        ? "Close the position before deleting the bot"
        : undefined;

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
                {bot.question || `Token ${bot.tokenId.slice(0, 10)}…`}
                {bot.outcome && <span className="font-medium text-foreground"> · {bot.outcome}</span>}
              </p>
              <p className="mt-0.5 text-xs text-muted-foreground">
                {bot.strategy} · {bot.profile} profile
                {bot.wallet && bot.mode === "live" ? ` · wallet ${bot.wallet}` : ""}
                {bot.paperCash !== null ? ` · paper cash ${usd(bot.paperCash)}` : ""}
              </p>
              {bot.statusDetail && <p className="mt-1 text-sm text-warning">{bot.statusDetail}</p>}
            </div>
            <div className="flex flex-wrap items-start gap-2">
              <ConfirmButton
                // A question asked about one bot must not survive a switch to another.
                key={`delete-${bot.id}`}
                variant="outline"
                question={`Delete ${bot.name}? Its settings are removed for good; its trades stay in the exported history.`}
                confirmLabel="Delete bot"
                onConfirm={() => void remove()}
                busy={busy === "delete"}
                disabled={deleteBlocked !== undefined}
                title={deleteBlocked}
                testId="delete-bot"
              >
                Delete
              </ConfirmButton>
              <ConfirmButton
                // A question asked about one bot must not survive a switch to another.
                key={bot.id}
                question={`Buy ${usd(bot.tradeSize)} of ${bot.outcome || "this outcome"} at the ask now${bot.mode === "live" ? " with real money" : ""}?`}
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
          </div>
          <PriceChart botId={bot.id} lines={lines} markers={markers} onError={onError} />
        </CardContent>
      </Card>
      <div className="grid gap-4 lg:grid-cols-2">
        <PositionWithClock
          key={bot.id}
          outcome={bot.outcome || null}
          shares={bot.positionShares}
          entry={bot.positionAvgEntry}
          price={currentPrice}
          unrealizedPnl={holding ? fixedToText(markedUnrealized(bot, price)) : null}
          takeProfit={bot.takeProfitPrice}
          stopLoss={bot.stopLossPrice}
          entryAtMs={bot.positionOpenedAtMs}
          maxHoldS={bot.maxHoldSecs}
          onClose={() => void run("close")}
          closing={busy === "close"}
        />
        <TargetCard bot={bot} lastSpike={marks.spikes[marks.spikes.length - 1] ?? null} />
        <MarketCard book={book} bid={price?.bid ?? null} ask={price?.ask ?? null} feed={bot.feed} />
        <StatsCard bot={bot} />
      </div>
    </section>
  );
}
