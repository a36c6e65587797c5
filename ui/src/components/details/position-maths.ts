/**
 * The position card's figures, computed exactly from decimal text (see `@/lib/decimal`):
 * cost = entry × shares; P&L $ is the backend's unrealized figure when it sends one (it knows the
 * bid the position would sell at), else (price − entry) × shares; P&L % = P&L $ / cost;
 * progress to take profit = (price − entry) / (TP − entry), clamped to 0..1.
 */
import { type Fixed, fixedOrZero, mulFixed, parseFixed, ratio } from "@/lib/decimal";

export type PositionInputs = {
  shares: string | null;
  entry: string | null;
  price: string | null;
  unrealizedPnl: string | null;
  takeProfit: string | null;
  entryAtMs: number | null;
  /** Seconds; text or a number. */
  maxHoldS: string | number | null;
  nowMs: number;
};

export type PositionFigures = {
  open: boolean;
  cost: Fixed;
  pnl: Fixed | null;
  /** Fraction (0.05 = 5 %), null without a cost. */
  pnlFraction: number | null;
  /** 0..1, null without a price or a take profit above the entry. */
  progressToTp: number | null;
  holdMs: number | null;
  maxHoldMs: number | null;
  /** 0..1 of the max hold used. */
  holdFraction: number | null;
};

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

export function positionFigures(p: PositionInputs): PositionFigures {
  const shares = fixedOrZero(p.shares);
  const entry = parseFixed(p.entry);
  const price = parseFixed(p.price);
  const open = shares > 0n;
  const cost = entry === null ? 0n : mulFixed(entry, shares);
  const backendPnl = parseFixed(p.unrealizedPnl);
  const pnl = backendPnl ?? (entry !== null && price !== null ? mulFixed(price - entry, shares) : null);
  const pnlFraction = pnl === null ? null : ratio(pnl, cost);
  const tp = parseFixed(p.takeProfit);
  const progress =
    entry !== null && price !== null && tp !== null && tp !== entry ? ratio(price - entry, tp - entry) : null;
  const maxHoldS = p.maxHoldS === null ? null : Number(p.maxHoldS);
  const maxHoldMs = maxHoldS !== null && Number.isFinite(maxHoldS) && maxHoldS > 0 ? maxHoldS * 1000 : null;
  const holdMs = p.entryAtMs === null ? null : Math.max(0, p.nowMs - p.entryAtMs);
  return {
    open,
    cost,
    pnl: open ? pnl : null,
    pnlFraction: open ? pnlFraction : null,
    progressToTp: open && progress !== null ? clamp01(progress) : null,
    holdMs: open ? holdMs : null,
    maxHoldMs,
    holdFraction: open && holdMs !== null && maxHoldMs !== null ? clamp01(holdMs / maxHoldMs) : null,
  };
}

/** "1h 05m", "4m 09s", "12s". */
export function formatDuration(ms: number): string {
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, "0")}s`;
  return `${s}s`;
}
