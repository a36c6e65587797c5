import { useEffect, useState } from "react";
import { events, type ExchangeChoice } from "@/bindings";
import { commands } from "@/lib/commands";

/** The active exchange: asked once (`getSettings`), then followed through `settingsEvent`. */
export function useExchange(): ExchangeChoice | null {
  const [exchange, setExchange] = useState<ExchangeChoice | null>(null);
  useEffect(() => {
    let current = true;
    const stop = events.settingsEvent.listen((e) => {
      if (current) setExchange(e.payload.exchange);
    });
    void commands.getSettings().then((answer) => {
      if (current && answer.status === "ok") setExchange(answer.data.exchange);
    });
    return () => {
      current = false;
      void stop.then((f) => {
        f();
      });
    };
  }, []);
  return exchange;
}
