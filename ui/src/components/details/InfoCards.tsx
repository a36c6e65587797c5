/** The small cards beside a bot's chart: targets, market metrics and session stats. */
import type { ReactNode } from "react";
import type { BookSummary_Serialize, FeedState } from "@/bindings";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { cn } from "@/lib/cn";
import { fixedOrZero, formatPrice, formatPriceFixed, formatUsd, parseFixed, signOf, usd } from "@/lib/decimal";
import { clockTime } from "@/lib/locale";
import type { BotSpike, BotView } from "@/store/bots";
import { formatDuration } from "./position-maths";

function Row({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="flex items-baseline justify-between gap-2 py-0.5">
      <dt className="text-muted-foreground">{label}</dt>
      <dd className="text-right font-medium tabular-nums" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

function SmallCard({ title, testId, children }: { title: string; testId: string; children: ReactNode }) {
  return (
    <Card data-testid={testId}>
      <CardHeader className="pb-2">
        <CardTitle className="text-base">{title}</CardTitle>
      </CardHeader>
      <CardContent>
        <dl className="text-sm">{children}</dl>
      </CardContent>
    </Card>
  );
}

function pct(text: string | null | undefined): string {
  return text == null || text === "" ? "—" : `${text}%`;
}

/** The bot's entry and exit rules, and the last spike it saw this session. */
export function TargetCard({ bot, lastSpike }: { bot: BotView; lastSpike: BotSpike | null }) {
  return (
    <SmallCard title="Targets" testId="target-card">
      <Row label="BUY target" testId="target-buy">
        {formatPrice(bot.buyTarget)}
      </Row>
      <Row label="SELL target" testId="target-sell">
        {formatPrice(bot.sellTarget)}
      </Row>
      <Row label="Take profit">
        +{pct(bot.takeProfitPct)}
        {bot.takeProfitPrice ? ` → ${formatPrice(bot.takeProfitPrice)}` : ""}
      </Row>
      <Row label="Stop loss">
        -{pct(bot.stopLossPct)}
        {bot.stopLossPrice ? ` → ${formatPrice(bot.stopLossPrice)}` : ""}
      </Row>
      <Row label="Trade size">{usd(bot.tradeSize)}</Row>
      <Row label="Max hold">{bot.maxHoldSecs > 0 ? formatDuration(bot.maxHoldSecs * 1000) : "—"}</Row>
      <Row label="Last spike" testId="target-last-spike">
        {lastSpike
          ? `${lastSpike.direction === "up" ? "▲" : "▼"} ${lastSpike.pct}% in ${lastSpike.windowMins} min, ${clockTime(lastSpike.atMs)}`
          : "none this session"}
      </Row>
    </SmallCard>
  );
}

const FEED_LABEL: Record<FeedState, string> = { live: "Live", stale: "Stale", reconnecting: "Reconnecting" };

export function FeedBadge({ feed }: { feed: FeedState }) {
  return (
    <span
      className={cn(
        "inline-flex items-center gap-1.5",
        feed === "live" && "text-positive",
        feed === "stale" && "text-warning",
        feed === "reconnecting" && "text-negative",
      )}
      data-testid="feed-state"
      data-state={feed}
    >
      <span aria-hidden className="h-2 w-2 rounded-full bg-current" />
      {FEED_LABEL[feed]}
    </span>
  );
}

export function MarketCard({
  book,
  bid,
  ask,
  feed,
}: {
  book: BookSummary_Serialize | null;
  /** From the newest price event, until the book's figures arrive. */
  bid: string | null;
  ask: string | null;
  feed: FeedState;
}) {
  const bestBid = book?.bestBid ?? bid;
  const bestAsk = book?.bestAsk ?? ask;
  const b = parseFixed(bestBid);
  const a = parseFixed(bestAsk);
  const spread = parseFixed(book?.spread) ?? (a !== null && b !== null ? a - b : null);
  return (
    <SmallCard title="Market" testId="market-card">
      <Row label="Bid / ask">
        {formatPrice(bestBid)} / {formatPrice(bestAsk)}
      </Row>
      <Row label="Spread" testId="market-spread">
        {spread === null ? "—" : formatPriceFixed(spread)}
      </Row>
      <Row label="Depth (bid / ask)">{book ? `${usd(book.bidDepth)} / ${usd(book.askDepth)}` : "—"}</Row>
      <Row label="Liquidity" testId="market-liquidity">
        {book ? usd(book.liquidity) : "—"}
      </Row>
      <Row label="Tick / min order">{book ? `${book.tickSize ?? "—"} / ${book.minOrderSize ?? "—"}` : "—"}</Row>
      <Row label="Feed">
        <FeedBadge feed={feed} />
      </Row>
    </SmallCard>
  );
}

export function StatsCard({ bot }: { bot: BotView }) {
  const realized = fixedOrZero(bot.realizedPnl);
  const today = fixedOrZero(bot.todayRealizedPnl);
  const tone = (v: bigint) => (signOf(v) > 0 ? "text-positive" : signOf(v) < 0 ? "text-negative" : "");
  return (
    <SmallCard title="Session" testId="stats-card">
      <Row label="Trades" testId="stats-trades">
        {bot.trades}
      </Row>
      <Row label="Win rate" testId="stats-win-rate">
        {bot.trades > 0 ? `${bot.winRatePct}% (${bot.wins} won)` : "—"}
      </Row>
      <Row label="Realized P&L" testId="stats-realized">
        <span className={tone(realized)}>{formatUsd(realized, { signed: true })}</span>
      </Row>
      <Row label="Today (UTC)" testId="stats-today">
        {bot.todayTrades} trades, <span className={tone(today)}>{formatUsd(today, { signed: true })}</span>
      </Row>
      <Row label="Fees">{usd(bot.fees)}</Row>
      {bot.paperCash !== null && <Row label="Paper cash">{usd(bot.paperCash)}</Row>}
    </SmallCard>
  );
}
