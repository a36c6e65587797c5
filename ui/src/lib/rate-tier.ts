import type { RateLimitTierView } from "@/bindings";

/** One tier's per-wallet budgets: orders and cancels per second, and their bursts. */
export interface TierLimits {
  orders: number;
  orderBurst: number;
  cancels: number;
  cancelBurst: number;
}

/**
 * Polymarket's per-signer trading limits by tier (docs "Trading rate limits", PROTOCOL.md §13.3;
 * the venue's `RateLimitTier::limits` holds the same table). A tier this version does not know is
 * paced as Standard, the tightest.
 */
export const TIER_LIMITS: Record<RateLimitTierView, TierLimits> = {
  Standard: { orders: 40, orderBurst: 60, cancels: 80, cancelBurst: 120 },
  Copper: { orders: 60, orderBurst: 90, cancels: 120, cancelBurst: 180 },
  Bronze: { orders: 80, orderBurst: 120, cancels: 160, cancelBurst: 240 },
  Silver: { orders: 200, orderBurst: 300, cancels: 400, cancelBurst: 600 },
  Gold: { orders: 400, orderBurst: 600, cancels: 800, cancelBurst: 1200 },
  Platinum: { orders: 450, orderBurst: 675, cancels: 900, cancelBurst: 1350 },
  Diamond: { orders: 525, orderBurst: 787, cancels: 1050, cancelBurst: 1575 },
  Elite: { orders: 600, orderBurst: 900, cancels: 1200, cancelBurst: 1800 },
  Unknown: { orders: 40, orderBurst: 60, cancels: 80, cancelBurst: 120 },
};

export const TIER_TOOLTIP = "Polymarket's per-wallet order limit tier (orders/s, burst)";

/** The badge's text. */
export function tierLabel(tier: RateLimitTierView): string {
  return `Rate tier: ${tier === "Unknown" ? "unknown (paced as Standard)" : tier}`;
}

/** The badge's tooltip: what the tier is, and its numbers. */
export function tierTooltip(tier: RateLimitTierView): string {
  const l = TIER_LIMITS[tier];
  return `${TIER_TOOLTIP}: ${String(l.orders)} orders/s, burst ${String(l.orderBurst)}; ${String(l.cancels)} cancels/s, burst ${String(l.cancelBurst)}`;
}
