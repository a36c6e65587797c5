import { useEffect } from "react";
import { events } from "@/bindings";
import { commands } from "@/lib/commands";
import type { ApiError, BotFill } from "@/bindings";
import { formatPrice, formatShares } from "@/lib/decimal";
import type { BotsStore } from "@/store/bots";

type Unlisten = Promise<() => void>;

/** "Bought 12.5 shares at 0.415 (Fed bot)". */
export function fillSentence(fill: BotFill): string {
  const verb = fill.side.toLowerCase() === "sell" ? "Sold" : "Bought";
  return `${verb} ${formatShares(fill.shares)} shares at ${formatPrice(fill.avgPrice)}`;
}

/**
 * Lists the bots once, then keeps the store current from events: status (with feed health),
 * price, fills (also toasted) and spikes. Events are listened to before the listing is asked for, so
 * nothing that happens in between is lost.
 */
export function useLiveBots(
  store: BotsStore,
  notify: { error: (e: ApiError) => void; fill: (f: BotFill) => void },
): void {
  const { error, fill } = notify;
  useEffect(() => {
    let current = true;
    const stops: Unlisten[] = [
      events.botStatusEvent.listen((e) => {
        store.upsert(e.payload);
      }),
      events.botPriceEvent.listen((e) => {
        store.setPrice(e.payload);
      }),
      events.botFillEvent.listen((e) => {
        store.addFill(e.payload);
        fill(e.payload);
      }),
      events.botSpikeEvent.listen((e) => {
        store.addSpike(e.payload);
      }),
    ];
    store.beginListing();
    void commands.listBots().then((answer) => {
      if (!current) return;
      if (answer.status === "ok") store.setAll(answer.data);
      else {
        store.markLoaded();
        error(answer.error);
      }
    });
    return () => {
      current = false;
      for (const stop of stops) {
        void stop.then((f) => {
          f();
        });
      }
    };
  }, [store, error, fill]);
}
