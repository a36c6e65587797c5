import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { ConfirmButton } from "@/components/ConfirmButton";
import { cn } from "@/lib/cn";
import { formatPercent, formatPrice, formatShares, formatUsd, signOf } from "@/lib/decimal";
import { formatDuration, type PositionInputs, positionFigures } from "./position-maths";

export type PositionCardProps = PositionInputs & {
  /** The outcome held ("Yes"), when known. */
  outcome: string | null;
  stopLoss: string | null;
  onClose: () => void;
  closing: boolean;
};

function Figure({ label, value, testId, className }: { label: string; value: string; testId?: string; className?: string }) {
  return (
    <div className="flex flex-col">
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className={cn("font-medium tabular-nums", className)} data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

function Bar({ label, fraction, tone }: { label: string; fraction: number; tone: "positive" | "warning" }) {
  const pct = Math.round(fraction * 100);
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
      className="h-2 w-full overflow-hidden rounded-full bg-muted"
    >
      <div
        className={cn("h-full rounded-full", tone === "positive" ? "bg-positive" : "bg-warning")}
        style={{ width: `${pct}%` }}
      />
    </div>
  );
}

/** The open position: what is held, what it is worth now, and how close it is to its exits. */
export function PositionCard(props: PositionCardProps) {
  const f = positionFigures(props);
  return (
    <Card data-testid="position-card" data-open={f.open}>
      <CardHeader className="pb-3">
        <CardTitle className="text-base">Position</CardTitle>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        {!f.open ? (
          <p className="text-sm text-muted-foreground" data-testid="position-none">
            No open position. The bot buys when its strategy sees a spike (or when you buy by hand).
          </p>
        ) : (
          <>
            <dl className="grid grid-cols-2 gap-3 text-sm xl:grid-cols-3">
              <Figure label="Side" value={`Long ${props.outcome ?? "outcome"}`} testId="position-side" />
              <Figure label="Entry" value={formatPrice(props.entry)} testId="position-entry" />
              <Figure label="Size" value={`${formatShares(props.shares)} shares`} testId="position-size" />
              <Figure label="Current price" value={formatPrice(props.price)} testId="position-price" />
              <Figure
                label="Unrealized P&L"
                value={f.pnl === null ? "—" : formatUsd(f.pnl, { signed: true })}
                testId="position-pnl"
                className={pnlTone(f.pnl)}
              />
              <Figure
                label="Unrealized %"
                value={formatPercent(f.pnlFraction, { signed: true, places: 2 })}
                testId="position-pnl-pct"
                className={pnlTone(f.pnl)}
              />
              <Figure label="Take profit" value={formatPrice(props.takeProfit)} testId="position-tp" />
              <Figure label="Stop loss" value={formatPrice(props.stopLoss)} testId="position-sl" />
              <Figure label="Cost" value={formatUsd(f.cost)} testId="position-cost" />
            </dl>
            <div className="flex flex-col gap-1 text-xs">
              <div className="flex justify-between text-muted-foreground">
                <span>Progress to take profit</span>
                <span className="tabular-nums" data-testid="position-tp-progress">
                  {f.progressToTp === null ? "—" : formatPercent(f.progressToTp, { places: 0 })}
                </span>
              </div>
              {f.progressToTp !== null && <Bar label="Progress to take profit" fraction={f.progressToTp} tone="positive" />}
            </div>
            <div className="flex flex-col gap-1 text-xs">
              <div className="flex justify-between text-muted-foreground">
                <span>Held</span>
                <span className="tabular-nums" data-testid="position-hold">
                  {f.holdMs === null ? "—" : formatDuration(f.holdMs)}
                  {f.maxHoldMs !== null && ` of ${formatDuration(f.maxHoldMs)} max`}
                </span>
              </div>
              {f.holdFraction !== null && <Bar label="Hold time used" fraction={f.holdFraction} tone="warning" />}
            </div>
            <ConfirmButton
              variant="outline"
              question={`Sell all ${formatShares(props.shares)} shares at the bid now?`}
              confirmLabel="Sell now"
              onConfirm={props.onClose}
              busy={props.closing}
              testId="close-position"
              aria-label="Close position"
            >
              Close position
            </ConfirmButton>
          </>
        )}
      </CardContent>
    </Card>
  );
}

export function pnlTone(value: bigint | null): string {
  if (value === null) return "";
  const sign = signOf(value);
  return sign > 0 ? "text-positive" : sign < 0 ? "text-negative" : "";
}
