/**
 * How the active exchange is named to the user. Live bots off Polymarket (a simulator on this
 * computer, the demo) trade only from wallets imported as test keys, and everything they sign is
 * for Amoy, never Polygon mainnet: the header and the live confirmation always say which
 * exchange is meant, so "real orders" is never read as "on Polymarket" when it is not.
 */
import type { ExchangeChoice } from "@/bindings";

/** The exchange in a sentence: "Polymarket", "the demo exchange", "the simulator at URL". */
export function exchangeName(exchange: ExchangeChoice): string {
  switch (exchange.kind) {
    case "polymarket":
      return "Polymarket";
    case "demo":
      return "the demo exchange";
    case "simulator":
      return `the simulator at ${exchange.url}`;
  }
}

/** The exchange as a short label for the header. */
export function exchangeLabel(exchange: ExchangeChoice): string {
  switch (exchange.kind) {
    case "polymarket":
      return "Polymarket";
    case "demo":
      return "Demo exchange";
    case "simulator":
      return `Simulator ${exchange.url.replace(/^https?:\/\//, "").replace(/\/$/, "")}`;
  }
}
