/**
 * The wizard's draft and the pure rules around it: the BotSpec and NewBotRequest it makes, which
 * step each backend FieldIssue belongs to, the checks the backend cannot make before a request
 * (a number that does not parse would not reach it), and the review sentence.
 *
 * Invariant: a draft only ever turns into a request through `toSpec`/`toRequest`, so what the
 * review shows, what `validateBotSpec` checks and what `createBot` receives are the same spec.
 */
import type { BotSpec_Deserialize, Catalog_Serialize, DailyLimits, FieldInfo, FieldIssue, MarketSummary_Serialize, NewBotRequest_Deserialize, Overrides_Deserialize, Profile } from "@/bindings";
import { compareDecimal, duration, isDecimal, isWholeNumber, usd } from "@/lib/plain-words";

export type Mode = "paper" | "live";
type Catalog = Catalog_Serialize;
type MarketSummary = MarketSummary_Serialize;

/** Numbers as typed, by override key (`take_profit_pct`). */
export type ParamText = Partial<Record<string, string>>;

/** A trading field the form edits as text, and how that text is read. */
export type EditableField = FieldInfo & { label: string; kind: "decimal" | "whole" | "list" };

const LABELS: Record<string, string> = {
  spike_threshold_pct: "Spike threshold",
  take_profit_pct: "Take profit",
  stop_loss_pct: "Stop loss",
  trade_size: "Trade size",
  max_hold_secs: "Max hold",
  cooldown_secs: "Cooldown",
  spike_windows_mins: "Spike windows",
  min_window_samples: "Samples per window",
  max_window_cv: "Max choppiness",
};

/** The fields shown by default; the rest sit under "More numbers". */
export const MAIN_FIELDS = new Set(["spike_threshold_pct", "take_profit_pct", "stop_loss_pct", "trade_size", "max_hold_secs", "cooldown_secs"]);

/** A label from a field key: `take_profit_pct` → `Take profit`. */
export function fieldLabel(key: string): string {
  const known = LABELS[key];
  if (known) return known;
  const words = key.replace(/_(pct|secs|mins)$/, "").replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The unit as the form writes it next to a field. */
export function unitText(unit: string): string {
  return unit === "pUSD" ? "$" : unit === "ratio" ? "" : unit;
}

/**
 * The trading fields a form edits: those the profiles carry as a decimal, a whole number or a
 * list of whole numbers (switches such as dry run are not typed numbers), in the catalog's order.
 */
export function editableFields(catalog: Catalog | null): EditableField[] {
  const sample = catalog?.profiles[0]?.params as Record<string, unknown> | undefined;
  if (!catalog || !sample) return [];
  const out: EditableField[] = [];
  for (const f of catalog.fields) {
    const v = sample[f.key];
    const kind = typeof v === "string" ? "decimal" : typeof v === "number" ? "whole" : Array.isArray(v) ? "list" : null;
    if (kind) out.push({ ...f, label: fieldLabel(f.key), kind });
  }
  return out;
}

/** A profile's numbers as the text the form shows. */
export function profileText(catalog: Catalog | null, profile: Profile): ParamText {
  const params = catalog?.profiles.find((p) => p.id === profile)?.params as Record<string, unknown> | undefined;
  const out: ParamText = {};
  if (!params) return out;
  for (const [k, v] of Object.entries(params)) {
    if (typeof v === "string") out[k] = v;
    else if (typeof v === "number") out[k] = String(v);
    else if (Array.isArray(v)) out[k] = v.join(", ");
  }
  return out;
}

/** Text fields of the global daily limits as typed. */
export type LimitsDraft = { maxDailyLoss: string; maxTradesPerDay: string; maxExposurePerBot: string; maxExposureTotal: string };

export type Draft = {
  market: MarketSummary | null;
  tokenId: string | null;
  strategy: string;
  profile: Profile;
  /** The numbers as typed, by override key; start as the profile's. */
  params: ParamText;
  mode: Mode;
  paperCash: string;
  /** Label or address of the wallet a live bot trades from. */
  wallet: string | null;
  liveConfirmed: boolean;
  limits: LimitsDraft | null;
  name: string;
  nameEdited: boolean;
  startNow: boolean;
};

export const PAPER_WALLET = "paper";
export const STEPS = ["Market", "Strategy", "Wallet", "Limits", "Review"] as const;
export type Step = 0 | 1 | 2 | 3 | 4;

/** The trade size is asked on the limits step, with the other amounts. */
export function isTradeSize(key: string): boolean {
  return key === "trade_size";
}

export function emptyDraft(): Draft {
  return {
    market: null,
    tokenId: null,
    strategy: "spike-sam",
    profile: "normal",
    params: {},
    mode: "paper",
    paperCash: "100",
    wallet: null,
    liveConfirmed: false,
    limits: null,
    name: "",
    nameEdited: false,
    startNow: true,
  };
}

/**
 * One spelling for a field whatever the side that names it: `overrides.takeProfitPct`,
 * `take_profit_pct` and `takeProfitPct` are all `takeprofitpct`.
 */
export function fieldKey(field: string): string {
  const k = field.replace(/^(spec\.)?overrides\./, "").replace(/^spec\./, "").replace(/[_.\s-]/g, "").toLowerCase();
  return k;
}

/** The step on which the user fixes a field. */
export function stepOfField(field: string): Step {
  const k = fieldKey(field);
  if (k === "tokenid" || k === "complementtokenid") return 0;
  if (k === "wallet") return 2;
  if (k === "tradesize") return 3;
  if (k === "name") return 4;
  return 1;
}

/** Issues by field key. */
export function issuesByField(issues: FieldIssue[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const issue of issues) {
    const k = fieldKey(issue.field);
    out.set(k, [...(out.get(k) ?? []), issue.message]);
  }
  return out;
}

/** What is wrong with a typed number before the backend can even read it. */
export function localParamIssue(field: EditableField, text: string): string | null {
  const t = text.trim();
  if (t === "") return "enter a value";
  if (field.kind === "list") return /^\d+(\s*,\s*\d+)*$/.test(t) ? null : "enter whole numbers separated by commas, e.g. 10, 30, 60";
  if (field.kind === "whole") return isWholeNumber(t) ? null : "enter a whole number";
  return isDecimal(t) ? null : "enter a number such as 5 or 2.5";
}

function overrideValue(field: EditableField, text: string): string | number | number[] {
  const t = text.trim();
  if (field.kind === "list") return t.split(",").map((s) => Number.parseInt(s.trim(), 10));
  if (field.kind === "whole") return Number.parseInt(t, 10);
  return t;
}

/** The overrides from numbers as typed: every one that differs from the profile's and parses. */
export function paramsToOverrides(params: ParamText, base: ParamText, catalog: Catalog | null): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  for (const field of editableFields(catalog)) {
    const text = params[field.key];
    if (text === undefined || localParamIssue(field, text)) continue;
    if (text.replace(/\s/g, "") === (base[field.key] ?? "").replace(/\s/g, "")) continue;
    overrides[field.key] = overrideValue(field, text);
  }
  return overrides;
}

/** The bot's overrides: the changed numbers, and no dry run for a live bot. */
export function toOverrides(draft: Draft, catalog: Catalog | null): Overrides_Deserialize {
  const overrides = paramsToOverrides(draft.params, profileText(catalog, draft.profile), catalog);
  // A live bot places real orders: the profile's dry-run flag must not hold it back.
  if (draft.mode === "live") overrides.dry_run = false;
  return overrides;
}

export function selectedOutcome(draft: Draft) {
  return draft.market?.outcomes.find((o) => o.tokenId === draft.tokenId) ?? null;
}

export function toSpec(draft: Draft, catalog: Catalog | null): BotSpec_Deserialize {
  const others = draft.market?.outcomes.filter((o) => o.tokenId !== draft.tokenId) ?? [];
  const complement = others.length === 1 && others[0] ? others[0].tokenId : null;
  return {
    name: draft.name,
    wallet: draft.mode === "paper" ? PAPER_WALLET : (draft.wallet ?? ""),
    token_id: draft.tokenId ?? "",
    complement_token_id: complement,
    strategy: draft.strategy,
    profile: draft.profile,
    overrides: toOverrides(draft, catalog),
  };
}

export function toRequest(draft: Draft, catalog: Catalog | null): NewBotRequest_Deserialize {
  return {
    spec: toSpec(draft, catalog),
    execution: draft.mode === "paper" ? { mode: "paper", cash: draft.paperCash.trim() } : { mode: "live" },
    start: draft.startNow,
  };
}

/** Why a market cannot get a bot, in a sentence; null when it can. */
export function marketRefusal(market: MarketSummary): string | null {
  if (market.closed) return "This market is closed: it has ended and takes no more orders. Pick an open market.";
  if (!market.tradable) return "This market is not taking orders right now. Pick another market.";
  return null;
}

/** A default bot name from the outcome and the question. */
export function defaultName(draft: Draft): string {
  const outcome = selectedOutcome(draft);
  if (!draft.market || !outcome) return "";
  const name = `${outcome.name} · ${draft.market.question}`;
  return name.length > 60 ? `${name.slice(0, 59)}…` : name;
}

export function toLimitsDraft(limits: DailyLimits): LimitsDraft {
  return {
    maxDailyLoss: limits.max_daily_loss,
    maxTradesPerDay: String(limits.max_trades_per_day),
    maxExposurePerBot: limits.max_exposure_per_bot,
    maxExposureTotal: limits.max_exposure_total,
  };
}

export function fromLimitsDraft(limits: LimitsDraft): DailyLimits {
  return {
    max_daily_loss: limits.maxDailyLoss.trim(),
    max_trades_per_day: Number.parseInt(limits.maxTradesPerDay.trim(), 10),
    max_exposure_per_bot: limits.maxExposurePerBot.trim(),
    max_exposure_total: limits.maxExposureTotal.trim(),
  };
}

/** The backend's rules for daily limits (DailyLimits::validate), by field, as the user types. */
export function limitsIssues(limits: LimitsDraft): Partial<Record<keyof LimitsDraft, string>> {
  const out: Partial<Record<keyof LimitsDraft, string>> = {};
  const money = (k: "maxDailyLoss" | "maxExposurePerBot" | "maxExposureTotal") => {
    const t = limits[k].trim();
    if (!isDecimal(t) || compareDecimal(t, "0") <= 0) out[k] = "must be a positive pUSD amount";
  };
  money("maxDailyLoss");
  money("maxExposurePerBot");
  money("maxExposureTotal");
  const trades = limits.maxTradesPerDay.trim();
  if (!isWholeNumber(trades) || Number.parseInt(trades, 10) < 1) out.maxTradesPerDay = "must be at least 1";
  if (!out.maxExposurePerBot && !out.maxExposureTotal && compareDecimal(limits.maxExposurePerBot, limits.maxExposureTotal) > 0) {
    out.maxExposurePerBot = `is above the total exposure ${usd(limits.maxExposureTotal)}`;
  }
  return out;
}

function param(draft: Draft, catalog: Catalog | null, key: string): string | null {
  const text = draft.params[key] ?? profileText(catalog, draft.profile)[key] ?? "";
  return text.trim() || null;
}

function windowsText(windows: string | null): string | null {
  if (!windows) return null;
  const mins = windows
    .split(",")
    .map((s) => Number.parseInt(s.trim(), 10))
    .filter((n) => Number.isFinite(n));
  if (mins.length === 0) return null;
  const lo = Math.min(...mins);
  const hi = Math.max(...mins);
  return lo === hi ? `${lo} min` : `${lo}-${hi} min`;
}

/**
 * What the bot will do, in one sentence: `Buys $5 of 'Yes' on 'Will X?' when the price drops 3%
 * within 10-60 min; sells at +5% or -3% or after 1 h; paper money ($100).`
 */
export function reviewSentence(draft: Draft, catalog: Catalog | null, walletName?: string): string {
  const outcome = selectedOutcome(draft);
  const size = param(draft, catalog, "trade_size");
  const spike = param(draft, catalog, "spike_threshold_pct");
  const tp = param(draft, catalog, "take_profit_pct");
  const sl = param(draft, catalog, "stop_loss_pct");
  const hold = param(draft, catalog, "max_hold_secs");
  const windows = windowsText(param(draft, catalog, "spike_windows_mins"));
  const what = `Buys ${size ? usd(size) : "the profile's amount"} of '${outcome?.name ?? "?"}' on '${draft.market?.question ?? "?"}'`;
  let when: string;
  if (draft.strategy === "spike-sam") {
    when = `when the price drops ${spike ?? "?"}%${windows ? ` within ${windows}` : ""}`;
  } else if (draft.strategy === "train-of-trade") {
    when = `when the price falls ${spike ?? "?"}% below where it was`;
  } else {
    const name = catalog?.strategies.find((s) => s.id === draft.strategy)?.name ?? draft.strategy;
    when = `when ${name} sees an entry`;
  }
  const exits = [tp ? `+${tp}%` : null, sl ? `-${sl}%` : null].filter(Boolean).join(" or ");
  const sells = `sells at ${exits || "its targets"}${hold ? ` or after ${duration(hold)}` : ""}`;
  const money =
    draft.mode === "paper"
      ? `paper money (${usd(draft.paperCash.trim())} to start)`
      : `real money from wallet '${walletName ?? draft.wallet ?? "?"}'`;
  return `${what} ${when}; ${sells}; ${money}.`;
}
