import type { BacktestRequest_Deserialize, BacktestResult } from "@/bindings";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { apiError, CATALOG, mockBackend } from "@/test/flows-fixtures";
import { chartData, tradeMarkers } from "./BacktestChart";
import { BacktestView } from "./BacktestView";

// jsdom has no canvas: the chart library is replaced by a recorder of what it was asked to draw.
const drawn = vi.hoisted(() => ({ data: [] as unknown[], markers: [] as unknown[] }));
vi.mock("lightweight-charts", () => ({
  LineSeries: { type: "Line" },
  createChart: () => ({
    addSeries: () => ({
      setData: (data: unknown[]) => {
        drawn.data = data;
      },
    }),
    timeScale: () => ({ fitContent: () => undefined }),
    remove: () => undefined,
  }),
  createSeriesMarkers: () => ({
    setMarkers: (markers: unknown[]) => {
      drawn.markers = markers;
    },
  }),
}));

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);

const REPORT: BacktestResult = {
  ticks: 4,
  orders: 2,
  trades: 1,
  wins: 1,
  winRatePct: "100",
  realizedPnl: "0.31",
  fees: "0.02",
  returnPct: "0.31",
  maxDrawdown: "0.12",
  startingCash: "100",
  finalEquity: "100.31",
  roundTrips: [
    {
      leg: "primary",
      openedAtMs: T0 + 60_000,
      closedAtMs: T0 + 180_000,
      shares: "10.41",
      entryPrice: "0.48",
      exitPrice: "0.51",
      pnl: "0.31",
      pnlPct: "6.2",
      exitReason: "take profit",
    },
  ],
  points: [
    { atMs: T0, price: "0.5", high: "0.5", low: "0.5" },
    { atMs: T0 + 60_000, price: "0.48", high: "0.48", low: "0.48" },
    { atMs: T0 + 60_500, price: "0.481", high: "0.481", low: "0.481" },
    { atMs: T0 + 180_000, price: "0.51", high: "0.51", low: "0.51" },
  ],
};

describe("BacktestView", () => {
  it("runs the chosen strategy, profile, numbers and series, and shows trades and summary", async () => {
    const calls = mockBackend({
      catalog: () => CATALOG,
      list_series: () => [
        { id: "calm", points: 7200, fromMs: T0, toMs: T0 + 7_200_000, attribution: "Polymarket, CC BY 4.0" },
        { id: "spiky", points: 3600, fromMs: T0, toMs: T0 + 3_600_000, attribution: "Polymarket, CC BY 4.0" },
      ],
      run_backtest: () => REPORT,
    });
    const user = userEvent.setup();
    render(<BacktestView />);
    await user.selectOptions(await screen.findByTestId("backtest-series"), "spiky");
    await user.selectOptions(screen.getByTestId("backtest-profile"), "conservative");
    expect(screen.getByTestId("backtest-param-take_profit_pct")).toHaveValue("8");
    await user.clear(screen.getByTestId("backtest-param-take_profit_pct"));
    await user.type(screen.getByTestId("backtest-param-take_profit_pct"), "9");
    await user.click(screen.getByTestId("backtest-run"));

    expect(await screen.findByTestId("backtest-summary-pnl")).toHaveTextContent("+$0.31");
    expect(screen.getByTestId("backtest-summary-win-rate")).toHaveTextContent("100%");
    expect(screen.getByTestId("backtest-summary-return")).toHaveTextContent("+0.31%");
    expect(screen.getByTestId("backtest-summary-drawdown")).toHaveTextContent("$0.12");
    expect(screen.getByTestId("backtest-summary-equity")).toHaveTextContent("$100 → $100.31");
    const rows = within(screen.getByTestId("backtest-trades")).getAllByRole("row");
    expect(rows).toHaveLength(2);
    expect(rows[1]).toHaveTextContent("48¢51¢10.412 mintake profit+$0.31 (+6.2%)");
    const request = calls.find((c) => c.cmd === "run_backtest")?.args.request as BacktestRequest_Deserialize;
    expect(request).toEqual({ strategy: "spike-sam", profile: "conservative", overrides: { take_profit_pct: "9" }, series: "spiky" });
    expect(drawn.data).toHaveLength(3);
    expect(drawn.markers).toHaveLength(2);
  });

  it("says why a run failed and keeps Run off for a number that does not parse", async () => {
    mockBackend({
      catalog: () => CATALOG,
      list_series: () => [{ id: "calm", points: 10, fromMs: T0, toMs: T0 + 10_000, attribution: "" }],
      run_backtest: () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- Tauri rejects with the error value
        throw apiError("INVALID_CONFIG", "invalid bot configuration: stop_loss_pct: must be above 0 and below 100, got 100");
      },
    });
    const user = userEvent.setup();
    render(<BacktestView />);
    const sl = await screen.findByTestId("backtest-param-stop_loss_pct");
    await user.clear(sl);
    await user.type(sl, "x");
    expect(screen.getByTestId("backtest-run")).toBeDisabled();
    await user.clear(sl);
    await user.type(sl, "100");
    await user.click(screen.getByTestId("backtest-run"));
    expect(await screen.findByTestId("backtest-error")).toHaveTextContent("stop_loss_pct: must be above 0 and below 100");
  });
});

describe("backtest chart data", () => {
  it("keeps one rising point per second and marks buys below and sells above", () => {
    expect(chartData(REPORT.points).map((p) => p.time)).toEqual([T0 / 1000, T0 / 1000 + 60, T0 / 1000 + 180]);
    expect(chartData(REPORT.points)[1]?.value).toBe(0.481);
    const markers = tradeMarkers(REPORT.roundTrips);
    expect(markers.map((m) => [m.position, m.text])).toEqual([
      ["belowBar", "BUY 48¢"],
      ["aboveBar", "SELL 51¢"],
    ]);
  });

});
