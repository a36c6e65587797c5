/**
 * The "Coming" commands of the IPC contract that ui-flows uses before they are generated into
 * `@/bindings`. Each one invokes the backend command by its snake_case name and answers the same
 * `{status, data | error}` shape as `commands.*`, so swapping to the generated bindings is a change
 * to this file only. Types carry the contract's names. Nothing here logs its arguments (an import
 * key never passes through this module anyway).
 */
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { ApiError, AppSettings_Serialize, ChartPoint, Overrides_Deserialize, Profile } from "@/bindings";

export type Result<T> = { status: "ok"; data: T } | { status: "error"; error: ApiError };

/** What a profile's numbers are measured in. */
export type ParamUnit = "percent" | "usd" | "seconds" | "count";

/** A profile's numbers by the catalog's param key (camelCase), decimals and counts as text. */
export type ParamValues = Partial<Record<string, string>>;

export type StrategyInfo = { id: string; name: string; description: string };
export type ProfileInfo = { id: Profile; name: string; description: string; params: ParamValues };
export type ParamInfo = { key: string; label: string; meaning: string; unit: ParamUnit };
export type Catalog = { strategies: StrategyInfo[]; profiles: ProfileInfo[]; params: ParamInfo[] };

/** One refused field of a bot spec: `field` is a BotSpec path such as `overrides.takeProfitPct`. */
export type FieldIssue = { field: string; message: string };

export type MarketOutcome = { name: string; tokenId: string; price: string | null };
export type MarketSummary = {
  conditionId: string;
  slug: string;
  question: string;
  endDateMs: number | null;
  closed: boolean;
  acceptingOrders: boolean;
  liquidity: string | null;
  volume: string | null;
  outcomes: MarketOutcome[];
};

export type BookMetrics = {
  tokenId: string;
  bestBid: string | null;
  bestAsk: string | null;
  mid: string | null;
  spread: string | null;
  /** pUSD resting within 5 % of the mid. */
  bidDepth: string;
  askDepth: string;
  tickSize: string;
  minOrderSize: string;
};

export type WalletBalances = { pusd: string; allowanceOk: boolean };

export type SeriesInfo = { id: string; name: string; points: number; fromMs: number; toMs: number };
export type BacktestRequest = { strategy: string; profile: Profile; overrides: Overrides_Deserialize; seriesId: string };
export type BacktestTrade = { side: string; price: string; shares: string; atMs: number; pnl: string | null };
export type BacktestSummary = {
  trades: number;
  wins: number;
  losses: number;
  realizedPnl: string;
  fees: string;
  returnPct: string;
  maxDrawdownPct: string;
};
export type BacktestReport = { trades: BacktestTrade[]; summary: BacktestSummary; points: ChartPoint[] };

export type KillswitchEvent = { tripped: boolean; reason: string | null };

async function call<T>(command: string, args?: Record<string, unknown>): Promise<Result<T>> {
  try {
    return { status: "ok", data: await invoke<T>(command, args) };
  } catch (e) {
    if (e instanceof Error) throw e;
    return { status: "error", error: e as ApiError };
  }
}

export const pending = {
  catalog: () => call<Catalog>("catalog"),
  validateBotSpec: (spec: unknown) => call<FieldIssue[]>("validate_bot_spec", { spec }),
  searchMarkets: (query: string) => call<MarketSummary[]>("search_markets", { query }),
  lookupMarket: (input: string) => call<MarketSummary>("lookup_market", { input }),
  bookMetrics: (tokenId: string) => call<BookMetrics>("book_metrics", { tokenId }),
  walletBalances: (address: string) => call<WalletBalances>("wallet_balances", { address }),
  listSeries: () => call<SeriesInfo[]>("list_series"),
  runBacktest: (request: BacktestRequest) => call<BacktestReport>("run_backtest", { request }),
  startDemo: () => call<AppSettings_Serialize>("start_demo"),
  logFolder: () => call<string>("log_folder"),
  openLogFolder: () => call<null>("open_log_folder"),
};

export const pendingEvents = {
  killswitchEvent: {
    listen: (cb: (event: { payload: KillswitchEvent }) => void): Promise<UnlistenFn> =>
      listen<KillswitchEvent>("killswitch-event", cb),
  },
};
