/**
 * What a bot's chart draws, derived from plain data so it can be tested without a canvas:
 * the horizontal lines (targets, entry, take profit, stop loss), the fill and spike markers, and
 * the series points (one per second at most, ascending, as lightweight-charts requires).
 */
import type { BotSpike_Serialize, ChartPoint } from "@/bindings";
import { chartNumber } from "@/lib/decimal";

export type LineKey = "buyTarget" | "sellTarget" | "entry" | "takeProfit" | "stopLoss";

export type ChartLine = {
  key: LineKey;
  /** Shown on the price axis. */
  title: string;
  price: number;
  color: string;
  /** 0 solid, 2 dashed (lightweight-charts' LineStyle values). */
  lineStyle: 0 | 2;
};

export type LineInputs = {
  buyTarget?: string | null;
  sellTarget?: string | null;
  entry?: string | null;
  takeProfit?: string | null;
  stopLoss?: string | null;
};

export const LINE_COLORS: Record<LineKey, string> = {
  buyTarget: "#2563eb",
  sellTarget: "#9333ea",
  entry: "#64748b",
  takeProfit: "#16a34a",
  stopLoss: "#dc2626",
};

const LINE_SPECS: { key: LineKey; title: string; lineStyle: 0 | 2 }[] = [
  { key: "buyTarget", title: "BUY target", lineStyle: 2 },
  { key: "sellTarget", title: "SELL target", lineStyle: 2 },
  { key: "entry", title: "Entry", lineStyle: 0 },
  { key: "takeProfit", title: "Take profit", lineStyle: 2 },
  { key: "stopLoss", title: "Stop loss", lineStyle: 2 },
];

/** The lines to draw: one per known price, none for a missing or malformed one. */
export function chartLines(inputs: LineInputs): ChartLine[] {
  const lines: ChartLine[] = [];
  for (const spec of LINE_SPECS) {
    const price = chartNumber(inputs[spec.key]);
    if (price === null) continue;
    lines.push({ ...spec, price, color: LINE_COLORS[spec.key] });
  }
  return lines;
}

/** Seconds since the epoch, as the chart's time axis counts. */
export function chartTime(atMs: number): number {
  return Math.floor(atMs / 1000);
}

export type SeriesPoint = { time: number; value: number };

/** Points for the line series: ascending, one per second (the last of that second wins). */
export function seriesPoints(points: readonly ChartPoint[]): SeriesPoint[] {
  const sorted = [...points].sort((a, b) => a.atMs - b.atMs);
  const out: SeriesPoint[] = [];
  for (const p of sorted) {
    const value = chartNumber(p.price);
    if (value === null) continue;
    const time = chartTime(p.atMs);
    const last = out[out.length - 1];
    if (last && last.time === time) last.value = value;
    else out.push({ time, value });
  }
  return out;
}

/** What a fill marker needs: a live fill (`BotFill`) and a stored trade (`TradeRow`) both have it. */
export type FillMark = { side: string; atMs: number; shares: string };

/**
 * The fills to mark: the stored trades (from before this session too) and the fills seen live,
 * a fill in both counted once (same side, second and size).
 */
export function mergeFills(stored: readonly FillMark[], live: readonly FillMark[]): FillMark[] {
  const key = (f: FillMark) => `${f.side.toLowerCase()}|${chartTime(f.atMs)}|${f.shares}`;
  const seen = new Set(stored.map(key));
  return [...stored, ...live.filter((f) => !seen.has(key(f)))];
}

export type ChartMarker = {
  time: number;
  position: "belowBar" | "aboveBar";
  shape: "arrowUp" | "arrowDown" | "circle";
  color: string;
  text: string;
};

/** Markers for fills (buys below, sells above) and spikes, in time order. */
export function chartMarkers(fills: readonly FillMark[], spikes: readonly BotSpike_Serialize[]): ChartMarker[] {
  const markers: ChartMarker[] = [];
  for (const fill of fills) {
    const sell = fill.side.toLowerCase() === "sell";
    markers.push({
      time: chartTime(fill.atMs),
      position: sell ? "aboveBar" : "belowBar",
      shape: sell ? "arrowDown" : "arrowUp",
      color: sell ? LINE_COLORS.sellTarget : LINE_COLORS.buyTarget,
      text: sell ? "SELL" : "BUY",
    });
  }
  for (const spike of spikes) {
    markers.push({
      time: chartTime(spike.atMs),
      position: spike.direction === "up" ? "aboveBar" : "belowBar",
      shape: "circle",
      color: "#f59e0b",
      text: `Spike ${spike.direction === "up" ? "+" : "-"}${spike.pct.replace(/^[+-]/, "")}%`,
    });
  }
  return markers.sort((a, b) => a.time - b.time);
}

export type RangeKey = "1H" | "4H" | "1D";
export const RANGE_MS: Record<RangeKey, number> = { "1H": 3_600_000, "4H": 14_400_000, "1D": 86_400_000 };
