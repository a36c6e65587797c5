/** The small cards beside a bot's chart: targets, market metrics and session stats. */
import type { ReactNode } from "react";
import type { FeedState } from "@/bindings";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { cn } from "@/lib/cn";
import { clockTime } from "@/lib/locale";
import { fixedOrZero, formatPercent, formatPrice, formatPriceFixed, formatUsd, parseFixed, ratio, signOf, sumDecimals, usd } from "@/lib/decimal";
import type { BookMetrics, LastSpike, ParamValues } from "@/lib/pending-main";
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

function pct(text: string | undefined): string {
  return text === undefined || text === "" ? "—" : `${text}%`;
}

function seconds(text: string | undefined): string {
  const n = Number(text);
  return text === undefined || !Number.isFinite(n) ? "—" : formatDuration(n * 1000);
}

export function TargetCard({
  buyTarget,
  sellTarget,
  params,
  lastSpike,
}: {
  buyTarget: string | null;
  sellTarget: string | null;
  params: ParamValues | null;
  lastSpike: LastSpike | null;
}) {
  return (
    <SmallCard title="Targets" testId="target-card">
      <Row label="BUY target" testId="target-buy">
        {formatPrice(buyTarget)}
      </Row>
      <Row label="SELL target" testId="target-sell">
        {formatPrice(sellTarget)}
      </Row>
      <Row label="Spike threshold">{pct(params?.spikeThresholdPct)}</Row>
      <Row label="Take profit / stop loss">
        {pct(params?.takeProfitPct)} / {pct(params?.stopLossPct)}
      </Row>
      <Row label="Trade size">{usd(params?.tradeSizeUsd)}</Row>
      <Row label="Max hold / cooldown">
        {seconds(params?.maxHoldS)} / {seconds(params?.cooldownS)}
      </Row>
      <Row label="Last spike">
        {lastSpike
          ? `${lastSpike.direction === "up" ? "▲" : "▼"} ${lastSpike.pct}% at ${clockTime(lastSpike.atMs)}`
          : "none yet"}
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
  metrics,
  bid,
  ask,
  feed,
}: {
  metrics: BookMetrics | null;
  /** From the newest price event, when the book metrics are not known. */
  bid: string | null;
  ask: string | null;
  feed: FeedState;
}) {
  const bestBid = metrics?.bestBid ?? bid;
  const bestAsk = metrics?.bestAsk ?? ask;
  const b = parseFixed(bestBid);
  const a = parseFixed(bestAsk);
  const spread = parseFixed(metrics?.spread) ?? (a !== null && b !== null ? a - b : null);
  const liquidity = metrics ? sumDecimals([metrics.bidDepth, metrics.askDepth]) : null;
  return (
    <SmallCard title="Market" testId="market-card">
      <Row label="Bid / ask">
        {formatPrice(bestBid)} / {formatPrice(bestAsk)}
      </Row>
      <Row label="Spread" testId="market-spread">
        {spread === null ? "—" : formatPriceFixed(spread)}
      </Row>
      <Row label="Depth ±5% (bid / ask)">
        {metrics ? `${usd(metrics.bidDepth)} / ${usd(metrics.askDepth)}` : "—"}
      </Row>
      <Row label="Liquidity ±5% of mid" testId="market-liquidity">
        {liquidity === null ? "—" : formatUsd(liquidity)}
      </Row>
      <Row label="Tick / min order">
        {metrics ? `${metrics.tickSize} / ${metrics.minOrderSize}` : "—"}
      </Row>
      <Row label="Feed">
        <FeedBadge feed={feed} />
      </Row>
    </SmallCard>
  );
}

export function StatsCard({
  trades,
  wins,
  losses,
  realizedPnl,
  fees,
  paperCash,
}: {
  trades: number;
  wins: number | null;
  losses: number | null;
  realizedPnl: string;
  fees: string;
  paperCash: string | null;
}) {
  const closed = wins !== null && losses !== null ? wins + losses : null;
  const winRate = closed ? ratio(BigInt(wins ?? 0), BigInt(closed)) : null;
  const realized = fixedOrZero(realizedPnl);
  return (
    <SmallCard title="Session" testId="stats-card">
      <Row label="Trades" testId="stats-trades">
        {trades}
      </Row>
      <Row label="Win rate" testId="stats-win-rate">
        {winRate === null ? "—" : `${formatPercent(winRate, { places: 0 })} (${wins ?? 0}W / ${losses ?? 0}L)`}
      </Row>
      <Row label="Realized P&L" testId="stats-realized">
        <span className={signOf(realized) > 0 ? "text-positive" : signOf(realized) < 0 ? "text-negative" : ""}>
          {formatUsd(realized, { signed: true })}
        </span>
      </Row>
      <Row label="Fees">{usd(fees)}</Row>
      {paperCash !== null && <Row label="Paper cash">{usd(paperCash)}</Row>}
    </SmallCard>
  );
}
