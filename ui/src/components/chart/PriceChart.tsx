import {
  createChart,
  createSeriesMarkers,
  type IChartApi,
  type IPriceLine,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  LineSeries,
  LineStyle,
  type Time,
  type UTCTimestamp,
} from "lightweight-charts";
import { useEffect, useRef, useState } from "react";
import type { ApiError } from "@/bindings";
import { commands } from "@/lib/commands";
import { cn } from "@/lib/cn";
import { chartNumber } from "@/lib/decimal";
import { clockTime, dayAndTime, uiLocale } from "@/lib/locale";
import { useBotPrice } from "@/store/bots";
import {
  type ChartLine,
  type ChartMarker,
  chartTime,
  RANGE_MS,
  type RangeKey,
  type SeriesPoint,
  seriesPoints,
} from "./chart-model";

type Drawn = {
  chart: IChartApi;
  series: ISeriesApi<"Line">;
  markers: ISeriesMarkersPluginApi<Time>;
  priceLines: IPriceLine[];
  /** The newest time on the series; lightweight-charts refuses updates older than it. */
  lastTime: number;
};

const RANGES: RangeKey[] = ["1H", "4H", "1D"];

/** lightweight-charts' TickMarkType: Year, Month, DayOfMonth, then Time and TimeWithSeconds. */
const TICK_DAY_OR_COARSER = 2;

/**
 * One chart for whichever bot is shown (made once: creating a chart per click costs more than the
 * rest of the details together). A bot's live price: the history of the chosen range (`priceHistory`), then each `botPriceEvent`,
 * with the bot's target lines and its fill and spike markers.
 */
export function PriceChart({
  botId,
  lines,
  markers,
  onError,
  nowMs = Date.now,
}: {
  botId: string;
  lines: readonly ChartLine[];
  markers: readonly ChartMarker[];
  onError: (error: ApiError) => void;
  nowMs?: () => number;
}) {
  const container = useRef<HTMLDivElement>(null);
  const drawn = useRef<Drawn | null>(null);
  const [range, setRange] = useState<RangeKey>("1H");
  const query = `${botId}|${range}`;
  const [loaded, setLoaded] = useState<{ query: string; points: SeriesPoint[] } | null>(null);
  // Points of another bot or range are not shown while this one's load.
  const points = loaded?.query === query ? loaded.points : null;
  const price = useBotPrice(botId);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const chart = createChart(element, {
      autoSize: true,
      layout: { background: { color: "transparent" }, textColor: "#94a3b8", attributionLogo: false },
      grid: { vertLines: { color: "rgba(148,163,184,0.12)" }, horzLines: { color: "rgba(148,163,184,0.12)" } },
      rightPriceScale: { borderVisible: false },
      // The axis shows the user's local time (the chart's own formatting is UTC).
      timeScale: {
        borderVisible: false,
        timeVisible: true,
        secondsVisible: false,
        tickMarkFormatter: (time: Time, tickType: number) =>
          tickType <= TICK_DAY_OR_COARSER ? dayAndTime(Number(time) * 1000) : clockTime(Number(time) * 1000, false),
      },
      localization: {
        locale: uiLocale(),
        timeFormatter: (time: Time) => dayAndTime(Number(time) * 1000),
        priceFormatter: (p: number) => p.toFixed(3),
      },
    });
    const series = chart.addSeries(LineSeries, { color: "#6366f1", lineWidth: 2, priceLineVisible: false });
    drawn.current = { chart, series, markers: createSeriesMarkers(series, []), priceLines: [], lastTime: 0 };
    return () => {
      drawn.current = null;
      chart.remove();
    };
  }, []);

  useEffect(() => {
    let current = true;
    const to = nowMs();
    const key = `${botId}|${range}`;
    void commands.priceHistory(botId, { fromMs: to - RANGE_MS[range], toMs: to }).then((answer) => {
      if (!current) return;
      setLoaded({ query: key, points: answer.status === "ok" ? seriesPoints(answer.data) : [] });
      if (answer.status === "error") onError(answer.error);
    });
    return () => {
      current = false;
    };
  }, [botId, range, nowMs, onError]);

  useEffect(() => {
    const d = drawn.current;
    if (!d) return;
    if (points === null) {
      // Another bot or range is loading: its predecessor's line must not stay up meanwhile.
      d.series.setData([]);
      d.lastTime = 0;
      return;
    }
    d.series.setData(points.map((p) => ({ time: p.time as UTCTimestamp, value: p.value })));
    d.lastTime = points[points.length - 1]?.time ?? 0;
    d.chart.timeScale().fitContent();
  }, [points]);

  useEffect(() => {
    const d = drawn.current;
    if (!d || !price || points === null) return;
    const value = chartNumber(price.price);
    const time = chartTime(price.atMs);
    if (value === null || time < d.lastTime) return;
    d.series.update({ time: time as UTCTimestamp, value });
    d.lastTime = time;
  }, [price, points]);

  useEffect(() => {
    const d = drawn.current;
    if (!d) return;
    for (const line of d.priceLines) d.series.removePriceLine(line);
    d.priceLines = lines.map((line) =>
      d.series.createPriceLine({
        price: line.price,
        color: line.color,
        lineStyle: line.lineStyle === 2 ? LineStyle.Dashed : LineStyle.Solid,
        lineWidth: 1,
        axisLabelVisible: true,
        title: line.title,
      }),
    );
  }, [lines]);

  useEffect(() => {
    drawn.current?.markers.setMarkers(markers.map((m) => ({ ...m, time: m.time as UTCTimestamp })));
  }, [markers]);

  return (
    <div className="flex flex-col gap-2" data-testid="price-chart">
      <div className="flex items-center justify-between gap-2">
        <ul className="flex flex-wrap gap-x-3 gap-y-1 text-xs text-muted-foreground" aria-label="Chart lines">
          {lines.map((line) => (
            <li key={line.key} className="flex items-center gap-1" data-testid={`chart-line-${line.key}`}>
              <span aria-hidden className="inline-block h-0.5 w-3" style={{ backgroundColor: line.color }} />
              {line.title} {line.price.toFixed(3)}
            </li>
          ))}
        </ul>
        <div role="group" aria-label="Chart range" className="flex shrink-0 rounded-md border border-border p-0.5">
          {RANGES.map((r) => (
            <button
              key={r}
              type="button"
              aria-pressed={range === r}
              onClick={() => {
                setRange(r);
              }}
              className={cn(
                "rounded px-2 py-0.5 text-xs font-medium focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring",
                range === r ? "bg-primary text-primary-foreground" : "text-muted-foreground hover:bg-muted",
              )}
            >
              {r}
            </button>
          ))}
        </div>
      </div>
      <div className="relative h-64 w-full lg:h-80">
        <div ref={container} className="absolute inset-0" aria-label="Price chart" role="img" />
        {points !== null && points.length === 0 && !price && (
          <p className="absolute inset-0 grid place-items-center text-sm text-muted-foreground">
            No prices in this range yet.
          </p>
        )}
      </div>
    </div>
  );
}
