import { describe, expect, it, vi } from "vitest";
import { formatUsd } from "@/lib/decimal";
import { bot } from "@/test/backend";
import { BotsStore, markedUnrealized } from "./bots";

describe("bots store", () => {
  it("keeps a bot an event updated after the listing was asked for", () => {
    const store = new BotsStore();
    store.beginListing();
    store.upsert(bot({ id: "a", status: "running" }));
    store.setAll([bot({ id: "a", status: "stopped" }), bot({ id: "b" })]);
    expect(store.getBot("a")?.status).toBe("running");
    expect(store.getIds()).toEqual(["a", "b"]);
  });

  it("tells a bot's subscribers about that bot only, and keeps the id list while ids stay", () => {
    const store = new BotsStore();
    store.setAll([bot({ id: "a" }), bot({ id: "b" })]);
    const ids = store.getIds();
    const onA = vi.fn();
    const onB = vi.fn();
    store.subscribeBot("a", onA);
    store.subscribeBot("b", onB);
    store.upsert(bot({ id: "a", status: "running" }));
    expect(onA).toHaveBeenCalledOnce();
    expect(onB).not.toHaveBeenCalled();
    expect(store.getIds()).toBe(ids);
    store.upsert(bot({ id: "c" }));
    expect(store.getIds()).toEqual(["a", "b", "c"]);
  });

  it("keeps prices apart: a price notifies its bot's price subscribers, not the list", () => {
    const store = new BotsStore();
    store.setAll([bot({ id: "a" })]);
    const list = vi.fn();
    const price = vi.fn();
    store.subscribe(list);
    store.subscribePrice("a", price);
    store.setPrice({ botId: "a", price: "0.5", bid: null, ask: null, atMs: 1 });
    expect(price).toHaveBeenCalledOnce();
    expect(list).not.toHaveBeenCalled();
  });
});

describe("unrealized P&L at the newest price", () => {
  const held = bot({ id: "a", positionShares: "12.5", positionAvgEntry: "0.4", price: "0.44", unrealizedPnl: "0.5" });

  it("moves the backend's figure by shares × the price change, exactly", () => {
    const at = (p: string) => formatUsd(markedUnrealized(held, { botId: "a", price: p, bid: null, ask: null, atMs: 2 }));
    expect(at("0.44")).toBe("$0.50");
    expect(at("0.46")).toBe("$0.75");
    expect(at("0.40")).toBe("$0.00");
    expect(at("0.38")).toBe("-$0.25");
  });

  it("is the backend's figure without a price or a position", () => {
    expect(formatUsd(markedUnrealized(held, undefined))).toBe("$0.50");
    const flat = { ...held, positionShares: null, unrealizedPnl: "0" };
    expect(formatUsd(markedUnrealized(flat, { botId: "a", price: "0.9", bid: null, ask: null, atMs: 2 }))).toBe("$0.00");
  });
});
