import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "@/App";
import { bot, emitEvent, fail, mockBackend } from "@/test/backend";
import { fakeCharts } from "@/test/fake-lightweight-charts";

const PAPER = bot({
  id: "b1",
  name: "Fed paper",
  status: "running",
  realizedPnl: "1.10",
  unrealizedPnl: "0.20",
  buyTarget: "0.42",
  wins: 3,
  winRatePct: "75",
  trades: 8,
  todayTrades: 2,
  todayRealizedPnl: "0.35",
});
const LIVE = bot({ id: "b2", name: "Election live", mode: "live", realizedPnl: "-0.30", paperCash: null });

/** Waits for the event listeners, then emits (listen() registers asynchronously). */
async function emitUntil(name: string, payload: unknown, shown: () => void) {
  await waitFor(async () => {
    await emitEvent(name, payload);
    shown();
  });
}

describe("dashboard", () => {
  it("lists the bots with their mode, status and P&L, and sums the P&L exactly", async () => {
    mockBackend({ list_bots: () => [PAPER, LIVE] });
    render(<App />);
    const paper = await screen.findByTestId("bot-card-b1");
    const live = screen.getByTestId("bot-card-b2");
    expect(within(paper).getByTestId("mode-badge")).toHaveTextContent("PAPER");
    expect(within(live).getByTestId("mode-badge")).toHaveTextContent("LIVE");
    expect(within(paper).getByTestId("status-badge")).toHaveTextContent("Running");
    expect(within(paper).getByTestId("bot-card-pnl")).toHaveTextContent("+$1.30");
    expect(within(live).getByTestId("bot-card-pnl")).toHaveTextContent("-$0.30");
    // 1.10 + 0.20 - 0.30
    expect(screen.getByTestId("summary-total-pnl")).toHaveTextContent("+$1.00");
    expect(screen.getByTestId("summary-active-bots")).toHaveTextContent("1 / 2");
    expect(within(paper).getByText(/Will the Fed cut rates/)).toBeInTheDocument();
    expect(screen.getByTestId("summary-today-trades")).toHaveTextContent("2");
    expect(screen.getByTestId("summary-today-pnl")).toHaveTextContent("+$0.35");
  });

  it("updates a card and the totals from status events", async () => {
    mockBackend({ list_bots: () => [PAPER] });
    render(<App />);
    const card = await screen.findByTestId("bot-card-b1");
    await emitUntil("bot-status-event", { ...PAPER, status: "paused", unrealizedPnl: "0.25" }, () => {
      expect(within(card).getByTestId("status-badge")).toHaveTextContent("Paused");
    });
    expect(within(card).getByTestId("bot-card-pnl")).toHaveTextContent("+$1.35");
    expect(screen.getByTestId("summary-total-pnl")).toHaveTextContent("+$1.35");
    expect(within(card).getByRole("button", { name: "Resume Fed paper" })).toBeInTheDocument();
  });

  it("marks P&L at the newest price on the card, the totals and the position", async () => {
    const held = { ...PAPER, positionShares: "10", positionAvgEntry: "0.43", price: "0.44", unrealizedPnl: "0.1" };
    mockBackend({ list_bots: () => [held] });
    const user = userEvent.setup();
    render(<App />);
    const card = await screen.findByTestId("bot-card-b1");
    expect(within(card).getByTestId("bot-card-pnl")).toHaveTextContent("+$1.20");
    await user.click(within(card).getByRole("button", { name: "Show Fed paper" }));
    // 10 shares from 0.44 to 0.46: +0.20 on top of the backend's 0.10.
    await emitUntil("bot-price-event", { botId: "b1", price: "0.46", bid: "0.45", ask: "0.47", atMs: 5 }, () => {
      expect(screen.getByTestId("position-pnl")).toHaveTextContent("+$0.30");
    });
    await waitFor(
      () => {
        expect(within(card).getByTestId("bot-card-pnl")).toHaveTextContent("+$1.40");
      },
      { timeout: 3000 },
    );
    expect(screen.getByTestId("summary-total-pnl")).toHaveTextContent("+$1.40");
  });

  it("shows a bot's details when its card is clicked", async () => {
    const withPosition = {
      ...PAPER,
      positionShares: "10",
      positionAvgEntry: "0.43",
      price: "0.44",
      unrealizedPnl: "0.1",
      takeProfitPrice: "0.4515",
      stopLossPrice: "0.4171",
      positionOpenedAtMs: 1_000,
    };
    const trade = { tradeId: "t1", botId: "b1", side: "buy", shares: "10", price: "0.43", fee: "0", status: "confirmed", atMs: 9_000_000 };
    mockBackend({ list_bots: () => [withPosition, LIVE], list_trades: (a) => (a.botId === "b1" ? [trade] : []) });
    const user = userEvent.setup();
    render(<App />);
    await user.click(await screen.findByRole("button", { name: "Show Fed paper" }));
    const panel = screen.getByTestId("bot-details");
    expect(panel).toHaveAccessibleName("Details of Fed paper");
    expect(within(panel).getByTestId("position-size")).toHaveTextContent("10 shares");
    expect(within(panel).getByTestId("position-pnl")).toHaveTextContent("+$0.10");
    expect(within(panel).getByTestId("position-tp")).toHaveTextContent("0.4515");
    expect(within(panel).getByTestId("target-buy")).toHaveTextContent("0.420");
    expect(within(panel).getByTestId("stats-win-rate")).toHaveTextContent("75% (3 won)");
    expect(within(panel).getByTestId("chart-line-takeProfit")).toBeInTheDocument();
    expect(within(panel).getByTestId("chart-line-entry")).toHaveTextContent("Entry 0.430");
    // The stored trade is marked on the chart.
    await waitFor(() => {
      expect(fakeCharts.series[0]?.markers).toEqual([expect.objectContaining({ time: 9_000, text: "BUY" })]);
    });
  });

  it("deletes a stopped bot after asking, and keeps a running one until it is stopped", async () => {
    const STOPPED = bot({ id: "b3", name: "Old idea", status: "stopped" });
    const calls = mockBackend({ list_bots: () => [PAPER, STOPPED], delete_bot: () => null });
    const user = userEvent.setup();
    render(<App />);
    await user.click(await screen.findByRole("button", { name: "Show Fed paper" }));
    // Running: the button says why it is off.
    expect(screen.getByTestId("delete-bot")).toBeDisabled();
    expect(screen.getByTestId("delete-bot")).toHaveAttribute("title", "Stop the bot before deleting it");

    await user.click(screen.getByRole("button", { name: "Show Old idea" }));
    await user.click(screen.getByTestId("delete-bot"));
    expect(screen.getByText(/Delete Old idea\?/)).toBeInTheDocument();
    expect(calls.some((c) => c.cmd === "delete_bot")).toBe(false);
    await user.click(screen.getByRole("button", { name: "Delete bot" }));
    await waitFor(() => {
      expect(screen.queryByTestId("bot-card-b3")).toBeNull();
    });
    expect(calls.filter((c) => c.cmd === "delete_bot").map((c) => c.args)).toEqual([{ id: "b3" }]);
    expect(screen.getByTestId("bot-card-b1")).toBeInTheDocument();
    expect(screen.queryByTestId("bot-details")).toBeNull();
  });

  it("says what an error code means when a command fails", async () => {
    mockBackend({ list_bots: () => [LIVE], start_bot: () => fail("VAULT_LOCKED", "vault is locked") });
    const user = userEvent.setup();
    render(<App />);
    await user.click(await screen.findByRole("button", { name: "Start Election live" }));
    const toast = await screen.findByTestId("toast-error");
    expect(toast).toHaveTextContent("The vault is locked: enter your passphrase in Settings to unlock it.");
    expect(toast).toHaveTextContent("vault is locked");
  });

  it("toasts fills", async () => {
    mockBackend({ list_bots: () => [PAPER] });
    render(<App />);
    await screen.findByTestId("bot-card-b1");
    const fill = { botId: "b1", botName: "Fed paper", side: "buy", shares: "11.9", avgPrice: "0.42", fee: "0.01", atMs: 5 };
    await emitUntil("bot-fill-event", fill, () => {
      expect(screen.getByTestId("toast-fill")).toHaveTextContent("Fed paper: Bought 11.9 shares at 0.420");
    });
  });

  it("shows the killswitch while it is tripped, everywhere, and re-arms it after confirmation", async () => {
    let tripped = true;
    const calls = mockBackend({
      killswitch_state: () => ({ tripped, reason: tripped ? "by hand" : null, atMs: tripped ? 5 : null, faults: [] }),
      arm_killswitch: () => {
        tripped = false;
        return null;
      },
    });
    const user = userEvent.setup();
    render(<App />);
    const banner = await screen.findByTestId("killswitch-banner");
    await user.click(screen.getByTestId("nav-backtest"));
    expect(screen.getByTestId("killswitch-banner")).toBeInTheDocument();
    await user.click(within(banner).getByRole("button", { name: "Re-arm" }));
    expect(calls.some((c) => c.cmd === "arm_killswitch")).toBe(false);
    await user.click(screen.getByTestId("killswitch-rearm-confirm"));
    await waitFor(() => {
      expect(screen.queryByTestId("killswitch-banner")).toBeNull();
    });
    expect(calls.some((c) => c.cmd === "arm_killswitch")).toBe(true);

    await emitUntil("killswitch-event", { tripped: true, reason: "daily loss", atMs: 9, faults: [] }, () => {
      expect(screen.getByTestId("killswitch-banner")).toHaveTextContent("Reason: daily loss");
    });
  });

  it("says which safety state failed closed, and a re-arm keeps the banner while limits are still at fault", async () => {
    let faults = [
      { setting: "killswitch", problem: "unreadable" },
      { setting: "dailyLimits", problem: "noLongerValid" },
    ];
    mockBackend({
      killswitch_state: () => ({ tripped: true, reason: "safety state failed closed", atMs: 5, faults }),
      arm_killswitch: () => {
        faults = faults.filter((f) => f.setting !== "killswitch");
        return null;
      },
    });
    const user = userEvent.setup();
    render(<App />);
    const list = await screen.findByTestId("safety-faults");
    expect(list).toHaveTextContent("The killswitch state: unreadable. To repair, re-arm the killswitch");
    expect(list).toHaveTextContent("The daily limits: no longer accepted (saved by an older version)");
    await user.click(within(screen.getByTestId("killswitch-banner")).getByRole("button", { name: "Re-arm" }));
    await user.click(screen.getByTestId("killswitch-rearm-confirm"));
    await waitFor(() => {
      expect(screen.getByTestId("safety-faults")).not.toHaveTextContent("killswitch state");
    });
    expect(screen.getByTestId("safety-faults")).toHaveTextContent("set the daily limits again in Settings");
  });

  it("asks before the tray's killswitch trips, with Cancel focused", async () => {
    const calls = mockBackend({ trip_killswitch: () => [] });
    const user = userEvent.setup();
    render(<App />);
    await emitUntil("confirm-request-event", { action: "killswitch", running: 3 }, () => {
      expect(screen.getByRole("alertdialog", { name: "Trip the killswitch?" })).toBeInTheDocument();
    });
    expect(screen.getByRole("button", { name: "Cancel" })).toHaveFocus();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(calls.some((c) => c.cmd === "trip_killswitch")).toBe(false);

    await emitUntil("confirm-request-event", { action: "quit", running: 2 }, () => {
      expect(screen.getByRole("alertdialog", { name: "Quit PolyAgent?" })).toHaveTextContent("2 running bots stop");
    });
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    await emitUntil("confirm-request-event", { action: "killswitch", running: 3 }, () => {
      expect(screen.getByRole("alertdialog")).toBeInTheDocument();
    });
    await user.click(screen.getByTestId("tray-confirm-yes"));
    await waitFor(() => {
      expect(calls.find((c) => c.cmd === "trip_killswitch")?.args).toEqual({ reason: "tripped from the tray menu" });
    });
  });

  it("opens settings and the create-bot flow from the header", async () => {
    mockBackend();
    const user = userEvent.setup();
    render(<App />);
    await user.click(screen.getByTestId("settings-button"));
    expect(screen.getByRole("dialog", { name: "Settings" })).toBeInTheDocument();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    await user.click(screen.getByTestId("create-bot-button"));
    expect(screen.getByRole("dialog", { name: "Create a bot" })).toBeInTheDocument();
  });

  it("shows the details within a frame of a click with 50 bots (a reported figure)", async () => {
    const bots = Array.from({ length: 50 }, (_, i) =>
      bot({ id: `b${String(i).padStart(2, "0")}`, status: "running", realizedPnl: "0.01" }),
    );
    mockBackend({ list_bots: () => bots });
    render(<App />);
    await waitFor(() => {
      expect(screen.getByTestId("summary-total-pnl")).toHaveTextContent("+$0.50");
    });
    const times: number[] = [];
    for (const id of ["b07", "b31", "b49", "b07"]) {
      // Queries stay outside the timed part: jsdom's role queries are slow on a big page.
      const button = screen.getByTestId(`bot-card-${id}`).querySelector("button");
      const start = performance.now();
      act(() => {
        button?.click();
      });
      const shown = document.querySelector('[data-testid="bot-details"]')?.getAttribute("aria-label");
      times.push(performance.now() - start);
      expect(shown).toBe(`Details of Bot ${id}`);
    }
    console.info(`click to details with 50 bots (jsdom): ${times.map((t) => t.toFixed(1)).join(", ")} ms`);
  });
});
