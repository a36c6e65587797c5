import { createContext, type ReactNode, useContext } from "react";
import { useNow } from "@/hooks/useNow";

/** How often figures marked at the newest price (cards, totals) are redrawn. */
export const MARK_EVERY_MS = 1_000;

const MarkClockContext = createContext(0);

/**
 * One clock for everything that shows P&L marked at the newest price: its consumers re-render
 * once a second, whatever the price event rate (50 bots × 10 a second would be 500 renders).
 */
export function MarkClock({ children }: { children: ReactNode }) {
  const now = useNow(MARK_EVERY_MS);
  return <MarkClockContext value={now}>{children}</MarkClockContext>;
}

/** Subscribes the caller to the mark clock; answers its time. */
export function useMarkClock(): number {
  return useContext(MarkClockContext);
}
