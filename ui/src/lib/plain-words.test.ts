import { describe, expect, it } from "vitest";
import { cents, compareDecimal, duration, grouped, shiftDecimal, usd } from "./plain-words";

describe("plain words", () => {
  it("writes money and prices exactly", () => {
    expect(usd("5")).toBe("$5");
    expect(usd("-0.31")).toBe("-$0.31");
    expect(usd("1234567.891")).toBe("$1,234,567.891");
    expect(usd(null)).toBe("—");
    expect(grouped("999")).toBe("999");
    expect(cents("0.525")).toBe("52.5¢");
    expect(cents("0.1")).toBe("10¢");
    expect(shiftDecimal("0.005", 2)).toBe("0.5");
  });

  it("compares decimals as text", () => {
    expect(compareDecimal("0.1", "0.10")).toBe(0);
    expect(compareDecimal("50", "250")).toBe(-1);
    expect(compareDecimal("300", "250")).toBe(1);
    expect(compareDecimal("-1", "0")).toBe(-1);
    expect(compareDecimal("-2", "-1")).toBe(-1);
    expect(compareDecimal("0.000", "0")).toBe(0);
  });

  it("writes durations in the largest units that read well", () => {
    expect(duration(45)).toBe("45 s");
    expect(duration("3600")).toBe("1 h");
    expect(duration(5400)).toBe("1 h 30 min");
    expect(duration(900)).toBe("15 min");
  });
});
