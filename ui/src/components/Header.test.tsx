import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { emitEvent, mockBackend } from "@/test/backend";
import { ExchangeChip } from "./Header";

const SETTINGS = {
  cancelOrdersOnShutdown: true,
  notifications: { fills: true, botErrors: true, dailyLimits: true, staleFeeds: true },
};

describe("the exchange chip in the header", () => {
  it("names the active exchange and follows a switch", async () => {
    mockBackend({ get_settings: () => ({ ...SETTINGS, exchange: { kind: "polymarket" } }) });
    render(<ExchangeChip />);
    const chip = await screen.findByTestId("exchange-chip");
    expect(chip).toHaveTextContent("Polymarket");
    expect(chip).toHaveAttribute("data-kind", "polymarket");

    await emitEvent("settings-event", { ...SETTINGS, exchange: { kind: "simulator", url: "http://127.0.0.1:4100" } });
    expect(chip).toHaveTextContent("Simulator 127.0.0.1:4100");
    expect(chip).toHaveAccessibleName("Exchange: the simulator at http://127.0.0.1:4100");

    await emitEvent("settings-event", { ...SETTINGS, exchange: { kind: "demo" } });
    expect(chip).toHaveTextContent("Demo exchange");
    expect(chip).toHaveAttribute("data-kind", "demo");
  });
});
