/** Shared backend fixtures for the wizard, settings, welcome and backtest tests. */
import { mockIPC } from "@tauri-apps/api/mocks";
import type { ApiError, AppSettings_Serialize, DailyLimits, VaultStatus_Serialize, WalletInfo_Serialize } from "@/bindings";
import type { Catalog, MarketSummary } from "@/lib/pending-flows";

export const CATALOG: Catalog = {
  strategies: [
    { id: "spike-sam", name: "Spike Sam", description: "Fades sudden moves." },
    { id: "train-of-trade", name: "Train of Trade", description: "Buys below, sells above, repeats." },
  ],
  profiles: [
    {
      id: "normal",
      name: "Normal",
      description: "The everyday profile.",
      params: {
        spikeThresholdPct: "3",
        takeProfitPct: "5",
        stopLossPct: "3",
        tradeSizeUsd: "5",
        maxHoldS: "3600",
        cooldownS: "120",
        spikeWindowsMins: "10,30,60",
      },
    },
    {
      id: "conservative",
      name: "Conservative",
      description: "Fewer, larger moves only.",
      params: {
        spikeThresholdPct: "5",
        takeProfitPct: "8",
        stopLossPct: "4",
        tradeSizeUsd: "5",
        maxHoldS: "7200",
        cooldownS: "600",
        spikeWindowsMins: "30,60,120",
      },
    },
  ],
  params: [
    { key: "spikeThresholdPct", label: "Spike threshold", meaning: "How far the price must move to count as a spike.", unit: "percent" },
    { key: "takeProfitPct", label: "Take profit", meaning: "Sell when the position is up by this much.", unit: "percent" },
    { key: "stopLossPct", label: "Stop loss", meaning: "Sell when the position is down by this much.", unit: "percent" },
    { key: "tradeSizeUsd", label: "Trade size", meaning: "How much each buy spends.", unit: "usd" },
    { key: "maxHoldS", label: "Max hold", meaning: "Sell a position held this long.", unit: "seconds" },
    { key: "cooldownS", label: "Cooldown", meaning: "Wait this long after a fill.", unit: "seconds" },
  ],
};

export const OPEN_MARKET: MarketSummary = {
  conditionId: "0xaaa",
  slug: "will-btc-hit-100k",
  question: "Will BTC hit 100k?",
  endDateMs: Date.UTC(2027, 0, 1),
  closed: false,
  acceptingOrders: true,
  liquidity: "12000",
  volume: "50000",
  outcomes: [
    { name: "Yes", tokenId: "1111", price: "0.52" },
    { name: "No", tokenId: "2222", price: "0.48" },
  ],
};

export const CLOSED_MARKET: MarketSummary = {
  ...OPEN_MARKET,
  conditionId: "0xbbb",
  slug: "did-it-rain",
  question: "Did it rain?",
  closed: true,
  acceptingOrders: false,
};

export const LIMITS: DailyLimits = {
  max_daily_loss: "50",
  max_trades_per_day: 100,
  max_exposure_per_bot: "50",
  max_exposure_total: "250",
};

export const SETTINGS: AppSettings_Serialize = {
  exchange: { kind: "polymarket" },
  cancelOrdersOnShutdown: true,
  notifications: { fills: true, botErrors: true, dailyLimits: true, staleFeeds: true },
};

export const WALLET: WalletInfo_Serialize = {
  address: "0x1234567890abcdef1234567890abcdef12345678",
  label: "main",
  signatureType: 0,
  funder: null,
  hasKey: true,
  usedBy: [],
};

export const OPEN_VAULT: VaultStatus_Serialize = { state: "open", mode: "keychain", detail: null };

export type Handler = (args: Record<string, unknown>) => unknown;

/** A recorded command call. */
export type Call = { cmd: string; args: Record<string, unknown> };

/**
 * Mocks the backend with `handlers` by snake_case command name and records every call. A handler
 * throws an ApiError to answer an error; an unknown command answers INTERNAL.
 */
export function mockBackend(handlers: Record<string, Handler>): Call[] {
  const calls: Call[] = [];
  mockIPC(
    (cmd, payload) => {
      const args = (payload ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args });
      const handler = handlers[cmd];
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- Tauri rejects invoke() with the command's error value itself
      if (!handler) throw { code: "INTERNAL", message: `unexpected command ${cmd}` } satisfies ApiError;
      return handler(args);
    },
    { shouldMockEvents: true },
  );
  return calls;
}

export function apiError(code: ApiError["code"], message: string): ApiError {
  return { code, message };
}
