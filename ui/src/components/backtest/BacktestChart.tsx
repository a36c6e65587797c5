import {
  createChart,
  createSeriesMarkers,
  type IChartApi,
  LineSeries,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from "lightweight-charts";
import { useEffect, useRef } from "react";
import type { BacktestTrade, ChartPoint } from "@/bindings";
import { uiLocale } from "@/lib/locale";
import { cents } from "@/lib/plain-words";

/**
 * Chart data from a backtest: one value per second (the chart wants strictly rising times; the
 * last point of a second wins). Prices become numbers here only, for drawing.
 */
export function chartData(points: ChartPoint[]): { time: UTCTimestamp; value: number }[] {
  const bySecond = new Map<number, number>();
  for (const p of points) bySecond.set(Math.floor(p.atMs / 1000), Number(p.price));
  return [...bySecond.entries()].sort((a, b) => a[0] - b[0]).map(([time, value]) => ({ time: time as UTCTimestamp, value }));
}

/** Two markers per round trip: the buy below the line, the sale above it. */
export function tradeMarkers(trips: BacktestTrade[]): SeriesMarker<Time>[] {
  const marks = trips.flatMap((t) => [
    { atMs: t.openedAtMs, buy: true, text: `BUY ${cents(t.entryPrice)}` },
    { atMs: t.closedAtMs, buy: false, text: `SELL ${cents(t.exitPrice)}` },
  ]);
  return marks
    .sort((a, b) => a.atMs - b.atMs)
    .map(
      (m) =>
        ({
          time: Math.floor(m.atMs / 1000) as UTCTimestamp,
          position: m.buy ? "belowBar" : "aboveBar",
          shape: m.buy ? "arrowUp" : "arrowDown",
          color: m.buy ? "#16a34a" : "#dc2626",
          text: m.text,
        }) satisfies SeriesMarker<Time>,
    );
}

/** The recorded series as a line with the backtest's buys and sells marked on it. */
export function BacktestChart({ points, trades }: { points: ChartPoint[]; trades: BacktestTrade[] }) {
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!box.current) return;
    const chart: IChartApi = createChart(box.current, {
      autoSize: true,
      localization: { locale: uiLocale() },
      layout: { background: { color: "transparent" }, textColor: "#888" },
      grid: { vertLines: { color: "rgba(136,136,136,0.15)" }, horzLines: { color: "rgba(136,136,136,0.15)" } },
      timeScale: { timeVisible: true, secondsVisible: false },
    });
    const line = chart.addSeries(LineSeries, { color: "#6366f1", lineWidth: 2, priceFormat: { type: "price", precision: 3, minMove: 0.001 } });
    line.setData(chartData(points));
    createSeriesMarkers(line).setMarkers(tradeMarkers(trades));
    chart.timeScale().fitContent();
    return () => {
      chart.remove();
    };
  }, [points, trades]);

  return <div ref={box} className="h-72 w-full" data-testid="backtest-chart" aria-label="Price and trades" role="img" />;
}
