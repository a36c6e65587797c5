/**
 * The shell commands ui-flows uses that are not in `@/bindings` yet. Each one invokes the backend
 * command by its snake_case name and answers the same `{status, data | error}` shape as
 * `commands.*`; the types carry the generated names and fields (taken from the shell's command
 * set as it is being written, which differs from the first contract: `bookSummary`,
 * `walletBalance`, `MarketSummary.tradable`, `BacktestRequest.series`, ...). When the bindings have
 * them, importing from `@/bindings` instead of this file is the whole swap. Nothing here logs its
 * arguments.
 */
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { ApiError, AppSettings_Serialize, BotSpec_Deserialize, ChartPoint, Overrides_Deserialize, Overrides_Serialize, Profile } from "@/bindings";

export type Result<T> = { status: "ok"; data: T } | { status: "error"; error: ApiError };

export type StrategyInfo = { id: string; name: string; description: string };
/** A profile and its values for every trading field, in the shape overrides take. */
export type ProfileInfo_Serialize = { id: Profile; description: string; params: Overrides_Serialize };
/** One configurable field: its key in a spec or in `overrides` (`take_profit_pct`). */
export type FieldInfo = { key: string; unit: string; meaning: string };
export type Catalog_Serialize = { strategies: StrategyInfo[]; profiles: ProfileInfo_Serialize[]; fields: FieldInfo[] };

/** `name`, `wallet`, `token_id`, `strategy`, or `overrides.<key>` for a trading field. */
export type FieldIssue = { field: string; message: string };

export type OutcomeInfo = { name: string; tokenId: string };
export type MarketSummary_Serialize = {
  conditionId: string;
  slug: string;
  question: string;
  /** ISO-8601 as the exchange gives it. */
  endDate: string | null;
  closed: boolean;
  /** Active, not closed, not resolved and accepting orders: a bot may trade it. */
  tradable: boolean;
  liquidity: string | null;
  volume: string | null;
  outcomes: OutcomeInfo[];
};

export type BookSummary_Serialize = {
  tokenId: string;
  bestBid: string | null;
  bestAsk: string | null;
  spread: string | null;
  midpoint: string | null;
  /** The price Polymarket shows (midpoint, or last trade when the spread is wide). */
  price: string | null;
  /** pUSD resting within 5 cents of the best bid / ask. */
  bidDepth: string;
  askDepth: string;
  liquidity: string;
  tickSize: string | null;
  minOrderSize: string | null;
};

export type WalletBalance = { address: string; pusd: string; allowanceOk: boolean };

export type SeriesInfo = { id: string; points: number; fromMs: number; toMs: number; attribution: string };
export type BacktestRequest_Deserialize = { strategy: string; profile: Profile; overrides?: Overrides_Deserialize; series: string };
export type BacktestTrade = {
  leg: string;
  openedAtMs: number;
  closedAtMs: number;
  shares: string;
  entryPrice: string;
  exitPrice: string;
  pnl: string;
  pnlPct: string;
  exitReason: string;
};
export type BacktestResult = {
  ticks: number;
  orders: number;
  trades: number;
  wins: number;
  winRatePct: string;
  realizedPnl: string;
  fees: string;
  returnPct: string;
  maxDrawdown: string;
  startingCash: string;
  finalEquity: string;
  roundTrips: BacktestTrade[];
  points: ChartPoint[];
};

export type KillswitchState_Serialize = { tripped: boolean; reason: string | null; atMs: number | null };

async function call<T>(command: string, args?: Record<string, unknown>): Promise<Result<T>> {
  try {
    return { status: "ok", data: await invoke<T>(command, args) };
  } catch (e) {
    if (e instanceof Error) throw e;
    return { status: "error", error: e as ApiError };
  }
}

export const pending = {
  catalog: () => call<Catalog_Serialize>("catalog"),
  validateBotSpec: (spec: BotSpec_Deserialize, live: boolean) => call<FieldIssue[]>("validate_bot_spec", { spec, live }),
  searchMarkets: (query: string) => call<MarketSummary_Serialize[]>("search_markets", { query }),
  lookupMarket: (input: string) => call<MarketSummary_Serialize>("lookup_market", { input }),
  bookSummary: (tokenId: string) => call<BookSummary_Serialize>("book_summary", { tokenId }),
  walletBalance: (addressOrLabel: string) => call<WalletBalance>("wallet_balance", { addressOrLabel }),
  listSeries: () => call<SeriesInfo[]>("list_series"),
  runBacktest: (request: BacktestRequest_Deserialize) => call<BacktestResult>("run_backtest", { request }),
  startDemo: () => call<AppSettings_Serialize>("start_demo"),
  killswitchState: () => call<KillswitchState_Serialize>("killswitch_state"),
  logFolder: () => call<string>("log_folder"),
  openLogFolder: () => call<null>("open_log_folder"),
};

export const pendingEvents = {
  killswitchEvent: {
    listen: (cb: (event: { payload: KillswitchState_Serialize }) => void): Promise<UnlistenFn> =>
      listen<KillswitchState_Serialize>("killswitch-event", cb),
  },
};
