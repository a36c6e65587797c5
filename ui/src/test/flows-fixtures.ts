/** Shared backend fixtures for the wizard, settings, welcome and backtest tests. */
import { mockIPC } from "@tauri-apps/api/mocks";
import type { ApiError, AppSettings_Serialize, BookSummary_Serialize, Catalog_Serialize, DailyLimits, MarketSummary_Serialize, VaultStatus_Serialize, WalletInfo_Serialize } from "@/bindings";

export const CATALOG: Catalog_Serialize = {
  strategies: [
    { id: "spike-sam", name: "Spike Sam", description: "Fades sudden moves." },
    { id: "train-of-trade", name: "Train of Trade", description: "Buys below, sells above, repeats." },
  ],
  profiles: [
    {
      id: "normal",
      description: "The everyday profile.",
      params: {
        spike_threshold_pct: "3",
        take_profit_pct: "5",
        stop_loss_pct: "3",
        trade_size: "5",
        max_hold_secs: 3600,
        cooldown_secs: 120,
        dry_run: true,
        spike_windows_mins: [10, 30, 60],
        min_window_samples: 3,
        max_window_cv: "0.05",
        trade_both_sides: false,
      },
    },
    {
      id: "conservative",
      description: "Fewer, larger moves only.",
      params: {
        spike_threshold_pct: "5",
        take_profit_pct: "8",
        stop_loss_pct: "4",
        trade_size: "5",
        max_hold_secs: 7200,
        cooldown_secs: 600,
        dry_run: true,
        spike_windows_mins: [30, 60, 120],
        min_window_samples: 3,
        max_window_cv: "0.03",
        trade_both_sides: false,
      },
    },
  ],
  fields: [
    { key: "name", unit: "", meaning: "What the bot is called in the app." },
    { key: "spike_threshold_pct", unit: "%", meaning: "How far the price must move to count as a spike." },
    { key: "take_profit_pct", unit: "%", meaning: "Sell when the position is up by this much." },
    { key: "stop_loss_pct", unit: "%", meaning: "Sell when the position is down by this much." },
    { key: "trade_size", unit: "pUSD", meaning: "How much each buy spends." },
    { key: "max_hold_secs", unit: "s", meaning: "Sell a position held this long." },
    { key: "cooldown_secs", unit: "s", meaning: "Wait this long after a fill." },
    { key: "dry_run", unit: "", meaning: "Trade paper money." },
    { key: "spike_windows_mins", unit: "min", meaning: "Lookback windows in which spikes are measured." },
    { key: "min_window_samples", unit: "", meaning: "Prices a window must hold before its move is trusted." },
    { key: "max_window_cv", unit: "ratio", meaning: "Too choppy above this." },
    { key: "max_daily_loss", unit: "pUSD", meaning: "Pause all bots for the day." },
  ],
};

export const OPEN_MARKET: MarketSummary_Serialize = {
  conditionId: "0xaaa",
  slug: "will-btc-hit-100k",
  question: "Will BTC hit 100k?",
  endDate: "2027-01-01T00:00:00Z",
  closed: false,
  tradable: true,
  liquidity: "12000",
  volume: "50000",
  outcomes: [
    { name: "Yes", tokenId: "1111" },
    { name: "No", tokenId: "2222" },
  ],
};

export const CLOSED_MARKET: MarketSummary_Serialize = {
  ...OPEN_MARKET,
  conditionId: "0xbbb",
  slug: "did-it-rain",
  question: "Did it rain?",
  closed: true,
  tradable: false,
};

/** An outcome's book: Yes around 52¢, No around 48¢. */
export function book(tokenId: string): BookSummary_Serialize {
  const yes = tokenId === "1111";
  return {
    tokenId,
    bestBid: yes ? "0.51" : "0.47",
    bestAsk: yes ? "0.53" : "0.49",
    spread: "0.02",
    midpoint: yes ? "0.52" : "0.48",
    price: yes ? "0.52" : "0.48",
    bidDepth: "300",
    askDepth: "250",
    liquidity: "550",
    tickSize: "0.01",
    minOrderSize: "5",
  };
}

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
  testKey: false,
  usedBy: [],
  rateLimitTier: null,
  needsBackup: false,
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
