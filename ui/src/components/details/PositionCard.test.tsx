import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { PositionCard, type PositionCardProps } from "./PositionCard";
import { formatDuration } from "./position-maths";

const MINUTE = 60_000;

function props(overrides: Partial<PositionCardProps> = {}): PositionCardProps {
  return {
    outcome: "Yes",
    shares: "10",
    entry: "0.40",
    price: "0.44",
    unrealizedPnl: null,
    takeProfit: "0.48",
    stopLoss: "0.36",
    entryAtMs: 1_000_000,
    maxHoldS: "3600",
    nowMs: 1_000_000 + 15 * MINUTE,
    onClose: () => undefined,
    closing: false,
    ...overrides,
  };
}

function figure(testId: string): string {
  return screen.getByTestId(testId).textContent;
}

describe("position card", () => {
  it("shows side, entry, size, price, P&L in $ and %, progress to TP, hold time and TP/SL", () => {
    render(<PositionCard {...props()} />);
    expect(figure("position-side")).toBe("Long Yes");
    expect(figure("position-entry")).toBe("0.400");
    expect(figure("position-size")).toBe("10 shares");
    expect(figure("position-price")).toBe("0.440");
    expect(figure("position-cost")).toBe("$4.00");
    // (0.44 - 0.40) x 10 = 0.40 on a cost of 4.00 = +10 %.
    expect(figure("position-pnl")).toBe("+$0.40");
    expect(figure("position-pnl-pct")).toBe("+10.00%");
    // Half way from 0.40 to 0.48.
    expect(figure("position-tp-progress")).toBe("50%");
    expect(screen.getByRole("progressbar", { name: "Progress to take profit" })).toHaveAttribute("aria-valuenow", "50");
    expect(figure("position-hold")).toBe("15m 00s of 1h 00m max");
    expect(screen.getByRole("progressbar", { name: "Hold time used" })).toHaveAttribute("aria-valuenow", "25");
    expect(figure("position-tp")).toBe("0.480");
    expect(figure("position-sl")).toBe("0.360");
  });

  it("uses the backend's unrealized P&L when it sends one (it sells at the bid)", () => {
    render(<PositionCard {...props({ unrealizedPnl: "0.35" })} />);
    expect(figure("position-pnl")).toBe("+$0.35");
    expect(figure("position-pnl-pct")).toBe("+8.75%");
  });

  it("shows a loss in red with no progress to take profit", () => {
    render(<PositionCard {...props({ price: "0.38", shares: "12.5", entry: "0.4" })} />);
    // (0.38 - 0.40) x 12.5 = -0.25 on a cost of 5.00 = -5 %.
    expect(figure("position-pnl")).toBe("-$0.25");
    expect(screen.getByTestId("position-pnl")).toHaveClass("text-negative");
    expect(figure("position-pnl-pct")).toBe("-5.00%");
    expect(figure("position-tp-progress")).toBe("0%");
  });

  it("caps progress and hold at 100% past the take profit and the max hold", () => {
    render(<PositionCard {...props({ price: "0.50", nowMs: 1_000_000 + 90 * MINUTE })} />);
    expect(figure("position-tp-progress")).toBe("100%");
    expect(screen.getByRole("progressbar", { name: "Hold time used" })).toHaveAttribute("aria-valuenow", "100");
    expect(figure("position-hold")).toBe("1h 30m of 1h 00m max");
  });

  it("says there is no position when the bot holds no shares", () => {
    render(<PositionCard {...props({ shares: null, entry: null })} />);
    expect(screen.getByTestId("position-none")).toHaveTextContent("No open position");
    expect(screen.queryByRole("button", { name: "Close position" })).toBeNull();
  });

  it("closes the position only after the user confirms", async () => {
    const onClose = vi.fn();
    const user = userEvent.setup();
    render(<PositionCard {...props({ onClose })} />);
    await user.click(screen.getByRole("button", { name: "Close position" }));
    const question = screen.getByRole("group", { name: "Sell all 10 shares at the bid now?" });
    expect(onClose).not.toHaveBeenCalled();
    await user.click(within(question).getByRole("button", { name: "Cancel" }));
    expect(onClose).not.toHaveBeenCalled();
    expect(screen.getByRole("button", { name: "Close position" })).toHaveFocus();

    await user.click(screen.getByRole("button", { name: "Close position" }));
    expect(screen.getByTestId("close-position-confirm")).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(onClose).toHaveBeenCalledOnce();
  });
});

describe("durations", () => {
  it("read as hours and minutes, minutes and seconds, or seconds", () => {
    expect(formatDuration(3_900_000)).toBe("1h 05m");
    expect(formatDuration(249_000)).toBe("4m 09s");
    expect(formatDuration(12_500)).toBe("12s");
  });
});
