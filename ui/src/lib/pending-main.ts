/**
 * Commands and events the main window uses that are not in the generated bindings yet
 * (see the IPC contract: names final, field sets may grow). Each is invoked by its snake_case name
 * and answers the same `{status, data | error}` shape as `commands.*` in `@/bindings`, so moving to
 * the generated ones is a change to this file only.
 */
import { invoke } from "@tauri-apps/api/core";
import { type EventCallback, listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { ApiError, BotSummary_Serialize, FeedState } from "@/bindings";

export type Result<T> = { status: "ok"; data: T } | { status: "error"; error: ApiError };

async function call<T>(command: string, args?: Record<string, unknown>): Promise<Result<T>> {
  try {
    return { status: "ok", data: await invoke<T>(command, args) };
  } catch (e) {
    if (e instanceof Error) throw e;
    // A backend without the command rejects with plain text, not an ApiError.
    if (typeof e === "string") return { status: "error", error: { code: "INTERNAL", message: e } };
    return { status: "error", error: e as ApiError };
  }
}

/** A bot summary, with the targets the backend is adding to it (absent from older backends). */
export type BotView = BotSummary_Serialize & { buyTarget?: string | null; sellTarget?: string | null };

/** A profile's numbers, as decimal text (seconds and counts as digits too). */
export type ParamValues = {
  spikeThresholdPct?: string;
  takeProfitPct?: string;
  stopLossPct?: string;
  tradeSizeUsd?: string;
  maxHoldS?: string;
  cooldownS?: string;
  [key: string]: string | undefined;
};

export type LastSpike = { pct: string; direction: "up" | "down"; atMs: number };

export type BotDetails = {
  summary: BotView;
  question: string | null;
  outcome: string | null;
  params: ParamValues;
  buyTarget: string | null;
  sellTarget: string | null;
  takeProfitPrice: string | null;
  stopLossPrice: string | null;
  entryAtMs: number | null;
  wins: number;
  losses: number;
  lastSpike: LastSpike | null;
  wallet: string;
};

export type BookMetrics = {
  tokenId: string;
  bestBid: string | null;
  bestAsk: string | null;
  mid: string | null;
  spread: string | null;
  /** pUSD within 5% of mid. */
  bidDepth: string;
  askDepth: string;
  tickSize: string;
  minOrderSize: string;
};

export type TradeRow = {
  botId: string;
  botName: string;
  side: string;
  shares: string;
  price: string;
  fee: string;
  atMs: number;
  realizedPnl: string | null;
};

export type BotSpike = { botId: string; pct: string; direction: "up" | "down"; atMs: number };
export type KillswitchState = { tripped: boolean; reason: string | null };
export type FeedHealth = { botId: string; feed: FeedState };

export const pendingCommands = {
  botDetails: (id: string) => call<BotDetails>("bot_details", { id }),
  bookMetrics: (tokenId: string) => call<BookMetrics>("book_metrics", { tokenId }),
  listTrades: (botId: string | null, limit: number) => call<TradeRow[]>("list_trades", { botId, limit }),
};

function event<T>(name: string) {
  return { listen: (cb: EventCallback<T>): Promise<UnlistenFn> => listen<T>(name, cb) };
}

export const pendingEvents = {
  botSpikeEvent: event<BotSpike>("bot-spike-event"),
  killswitchEvent: event<KillswitchState>("killswitch-event"),
  feedHealthEvent: event<FeedHealth>("feed-health-event"),
};
