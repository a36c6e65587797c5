/**
 * A stand-in for lightweight-charts in tests (jsdom has no canvas): records what the app asks the
 * chart to draw, so tests can read the price lines, markers and data of the newest chart.
 */
import { vi } from "vitest";

export type FakePriceLine = { price: number; color: string; lineStyle: number; title: string };
export type FakeSeries = {
  data: { time: number; value: number }[];
  priceLines: FakePriceLine[];
  markers: { time: number; text: string }[];
};

export const fakeCharts: { series: FakeSeries[] } = { series: [] };

export const LineSeries = { type: "Line" };
export const LineStyle = { Solid: 0, Dotted: 1, Dashed: 2, LargeDashed: 3, SparseDotted: 4 };

export const createChart = vi.fn(() => {
  const series: FakeSeries = { data: [], priceLines: [], markers: [] };
  return {
    addSeries: () => {
      fakeCharts.series.push(series);
      return {
        setData: (data: FakeSeries["data"]) => {
          series.data = [...data];
        },
        update: (point: { time: number; value: number }) => {
          const last = series.data[series.data.length - 1];
          if (last && last.time === point.time) last.value = point.value;
          else series.data.push(point);
        },
        createPriceLine: (options: FakePriceLine) => {
          series.priceLines.push(options);
          return options;
        },
        removePriceLine: (line: FakePriceLine) => {
          series.priceLines = series.priceLines.filter((l) => l !== line);
        },
      };
    },
    timeScale: () => ({ fitContent: () => undefined }),
    remove: () => undefined,
  };
});

export const createSeriesMarkers = vi.fn(() => {
  const series = fakeCharts.series[fakeCharts.series.length - 1];
  return {
    setMarkers: (markers: FakeSeries["markers"]) => {
      if (series) series.markers = [...markers];
    },
  };
});
