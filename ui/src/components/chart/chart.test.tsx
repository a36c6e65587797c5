import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { BotFill, ChartPoint } from "@/bindings";
import { mockBackend } from "@/test/backend";
import { fakeCharts } from "@/test/fake-lightweight-charts";
import { renderWithStore } from "@/test/render";
import { chartLines, chartMarkers, mergeFills, RANGE_MS, seriesPoints } from "./chart-model";
import { PriceChart } from "./PriceChart";

const NOW = 1_700_000_000_000;

describe("the chart's lines", () => {
  it("are the BUY and SELL targets, the entry, take profit and stop loss that are known", () => {
    const lines = chartLines({
      buyTarget: "0.42",
      sellTarget: "0.61",
      entry: "0.425",
      takeProfit: "0.4463",
      stopLoss: "0.41",
    });
    expect(lines.map((l) => [l.key, l.title, l.price])).toEqual([
      ["buyTarget", "BUY target", 0.42],
      ["sellTarget", "SELL target", 0.61],
      ["entry", "Entry", 0.425],
      ["takeProfit", "Take profit", 0.4463],
      ["stopLoss", "Stop loss", 0.41],
    ]);
    // Targets and exits dashed, the entry solid; each its own colour.
    expect(lines.map((l) => l.lineStyle)).toEqual([2, 2, 0, 2, 2]);
    expect(new Set(lines.map((l) => l.color)).size).toBe(5);
  });

  it("leave out what is not known (no position: no entry, TP or SL)", () => {
    expect(chartLines({ buyTarget: "0.42", sellTarget: null, entry: null }).map((l) => l.key)).toEqual(["buyTarget"]);
    expect(chartLines({ buyTarget: "not a number" })).toEqual([]);
  });
});

describe("the chart's markers and points", () => {
  it("mark buys below, sells above and spikes, in time order", () => {
    const fill = (side: string, atMs: number): BotFill => ({
      botId: "b1",
      botName: "B",
      side,
      shares: "1",
      avgPrice: "0.5",
      fee: "0",
      atMs,
    });
    const markers = chartMarkers([fill("sell", 5_000), fill("buy", 3_000)], [
      { botId: "b1", pct: "-4.2", direction: "down", windowMins: 10, price: "0.4", atMs: 2_500 },
    ]);
    expect(markers.map((m) => [m.time, m.text, m.position])).toEqual([
      [2, "Spike -4.2%", "belowBar"],
      [3, "BUY", "belowBar"],
      [5, "SELL", "aboveBar"],
    ]);
  });

  it("count a fill both stored and seen live once", () => {
    const fill = (side: string, atMs: number, shares = "1"): BotFill => ({
      botId: "b1",
      botName: "B",
      side,
      shares,
      avgPrice: "0.5",
      fee: "0",
      atMs,
    });
    const merged = mergeFills([fill("buy", 3_000), fill("sell", 9_000)], [fill("BUY", 3_400), fill("buy", 12_000)]);
    expect(merged.map((f) => f.atMs)).toEqual([3_000, 9_000, 12_000]);
  });

  it("are ascending, one per second, the last of a second winning", () => {
    const points: ChartPoint[] = [
      { atMs: 2_900, price: "0.3", high: "0.3", low: "0.3" },
      { atMs: 1_000, price: "0.1", high: "0.1", low: "0.1" },
      { atMs: 2_100, price: "0.2", high: "0.2", low: "0.2" },
    ];
    expect(seriesPoints(points)).toEqual([
      { time: 1, value: 0.1 },
      { time: 2, value: 0.3 },
    ]);
  });
});

describe("the price chart", () => {
  it("draws the lines on the series, loads each range and follows live prices", async () => {
    const calls = mockBackend({
      price_history: () => [
        { atMs: NOW - 60_000, price: "0.45", high: "0.45", low: "0.45" },
        { atMs: NOW - 30_000, price: "0.46", high: "0.46", low: "0.46" },
      ],
    });
    const lines = chartLines({ buyTarget: "0.42", sellTarget: "0.61", takeProfit: "0.48" });
    const user = userEvent.setup();
    const { store } = renderWithStore(<PriceChart botId="b1" lines={lines} markers={[]} onError={() => undefined} nowMs={() => NOW} />);

    const series = fakeCharts.series[0];
    expect(series?.priceLines.map((l) => [l.title, l.price, l.lineStyle])).toEqual([
      ["BUY target", 0.42, 2],
      ["SELL target", 0.61, 2],
      ["Take profit", 0.48, 2],
    ]);
    await waitFor(() => {
      expect(series?.data).toHaveLength(2);
    });
    expect(calls.find((c) => c.cmd === "price_history")?.args).toEqual({
      botId: "b1",
      range: { fromMs: NOW - RANGE_MS["1H"], toMs: NOW },
    });

    // The store is what the app feeds from `botPriceEvent`.
    act(() => {
      store.setPrice({ botId: "b1", price: "0.47", bid: "0.46", ask: "0.48", atMs: NOW });
    });
    expect(series?.data.at(-1)).toEqual({ time: NOW / 1000, value: 0.47 });
    // Another bot's price is not drawn.
    act(() => {
      store.setPrice({ botId: "b2", price: "0.99", bid: null, ask: null, atMs: NOW + 1000 });
    });
    expect(series?.data.at(-1)).toEqual({ time: NOW / 1000, value: 0.47 });

    await user.click(screen.getByRole("button", { name: "1D" }));
    expect(screen.getByRole("button", { name: "1D" })).toHaveAttribute("aria-pressed", "true");
    await waitFor(() => {
      expect(calls.filter((c) => c.cmd === "price_history").at(-1)?.args).toEqual({
        botId: "b1",
        range: { fromMs: NOW - RANGE_MS["1D"], toMs: NOW },
      });
    });
    expect(screen.getByTestId("chart-line-buyTarget")).toHaveTextContent("BUY target 0.420");
  });
});
