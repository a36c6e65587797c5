import { useEffect } from "react";
import { commands } from "@/lib/commands";

/** How often user input is reported at most, in ms: the auto-lock counts minutes. */
export const ACTIVITY_EVERY_MS = 30_000;

/**
 * Tells the backend the user is active (a key or a click in the window), at most every
 * ACTIVITY_EVERY_MS, so the vault's auto-lock counts idle time from the last real input.
 */
export function useVaultActivity(now: () => number = Date.now): void {
  useEffect(() => {
    let last = Number.NEGATIVE_INFINITY;
    const seen = () => {
      const at = now();
      if (at - last < ACTIVITY_EVERY_MS) return;
      last = at;
      void commands.vaultActivity();
    };
    window.addEventListener("keydown", seen, { passive: true });
    window.addEventListener("pointerdown", seen, { passive: true });
    return () => {
      window.removeEventListener("keydown", seen);
      window.removeEventListener("pointerdown", seen);
    };
  }, [now]);
}
