/**
 * The activity feed's rows and filters.
 *
 * Rows come from the `activity` command (with a `seq`) and from `botActivityEvent` (live, with
 * its kind but no `seq`). A live line shows at once as a provisional row and is replaced by its
 * stored line (same bot, time and text) when the feed next reads the log, so paging and
 * de-duplication work on `seq` alone. Order: newest first by time, then by `seq`; provisional rows lead their millisecond.
 */
import type { ActivityLine_Serialize, BotActivity } from "@/bindings";

export type FeedRow = {
  /** React key: `s<seq>` for stored lines, `p<n>` for provisional ones. */
  key: string;
  seq: number | null;
  botId: string | null;
  atMs: number;
  /** `order`, `fill`, `spike`, `risk`, `error`, `system`; null until the stored line is read. */
  kind: string | null;
  message: string;
};

export type FilterKey = "all" | "order" | "fill" | "spike" | "risk" | "error" | "system";

/** The filter buttons, in order, with the backend's `ActivityKind` words they show. */
export const FILTERS: { key: FilterKey; label: string }[] = [
  { key: "all", label: "All" },
  { key: "order", label: "Orders" },
  { key: "fill", label: "Fills" },
  { key: "spike", label: "Spikes" },
  { key: "risk", label: "Risk" },
  { key: "error", label: "Errors" },
  { key: "system", label: "System" },
];

/** Rows kept at most; older ones drop off the end. */
export const MAX_ROWS = 100_000;

export function storedRow(line: ActivityLine_Serialize): FeedRow {
  return { key: `s${line.seq}`, seq: line.seq, botId: line.botId, atMs: line.atMs, kind: line.kind, message: line.message };
}

let provisionalCount = 0;
export function provisionalRow(line: BotActivity): FeedRow {
  provisionalCount += 1;
  return { key: `p${provisionalCount}`, seq: null, botId: line.botId, atMs: line.atMs, kind: line.kind, message: line.text };
}

function newestFirst(a: FeedRow, b: FeedRow): number {
  if (a.atMs !== b.atMs) return b.atMs - a.atMs;
  return (b.seq ?? Number.MAX_SAFE_INTEGER) - (a.seq ?? Number.MAX_SAFE_INTEGER);
}

/** What matches a live line to its stored line: bot, time and text. */
export function signature(botId: string | null, atMs: number, message: string): string {
  return `${botId ?? ""}|${atMs}|${message}`;
}

/** Adds stored lines not yet shown and retires the provisional rows they stand for. */
export function mergeStored(rows: readonly FeedRow[], lines: readonly ActivityLine_Serialize[]): FeedRow[] {
  const shown = new Set<number>();
  for (const r of rows) if (r.seq !== null) shown.add(r.seq);
  const fresh = lines.filter((l) => !shown.has(l.seq)).map(storedRow);
  const stored = new Set(lines.map((l) => signature(l.botId, l.atMs, l.message)));
  const kept = rows.filter((r) => r.seq !== null || !stored.has(signature(r.botId, r.atMs, r.message)));
  if (fresh.length === 0 && kept.length === rows.length) return rows as FeedRow[];
  return [...fresh, ...kept].sort(newestFirst).slice(0, MAX_ROWS);
}

/** A live line on top (it is the newest). */
export function addProvisional(rows: readonly FeedRow[], line: BotActivity): FeedRow[] {
  return [provisionalRow(line), ...rows].sort(newestFirst).slice(0, MAX_ROWS);
}

/** The oldest line read from the log (the cursor for the page before it), if any. */
export function oldestStored(rows: readonly FeedRow[]): { atMs: number; seq: number } | null {
  for (let i = rows.length - 1; i >= 0; i -= 1) {
    const row = rows[i];
    if (row && row.seq !== null) return { atMs: row.atMs, seq: row.seq };
  }
  return null;
}

export function applyFilter(rows: readonly FeedRow[], filter: FilterKey): readonly FeedRow[] {
  return filter === "all" ? rows : rows.filter((r) => r.kind === filter);
}
