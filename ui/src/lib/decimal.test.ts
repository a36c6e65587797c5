import { describe, expect, it } from "vitest";
import { formatFixed, formatPercent, formatPrice, formatShares, formatUsd, parseFixed, ratio, sumDecimals, usd } from "./decimal";

describe("the P&L adder", () => {
  it("sums decimal text exactly, where floats would drift", () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(formatFixed(sumDecimals(["0.1", "0.2"]), 2)).toBe("0.30");
    expect(sumDecimals(["0.1", "0.2"])).toBe(parseFixed("0.3"));
    const cents = Array.from({ length: 1000 }, () => "0.01");
    expect(formatUsd(sumDecimals(cents))).toBe("$10.00");
  });

  it("adds negatives, signs and odd spellings, and treats missing or malformed text as zero", () => {
    expect(formatUsd(sumDecimals(["-1.25", "+0.5", ".25", "3.", null, undefined, "", "abc", "1e3"]))).toBe("$2.50");
    expect(formatUsd(sumDecimals(["-12.345", "2.34"]))).toBe("-$10.01");
  });

  it("keeps 18 decimals, beyond what a float can hold", () => {
    const big = sumDecimals(["123456789012.123456789012345678", "0.000000000000000002"]);
    expect(formatFixed(big, 18)).toBe("123456789012.123456789012345680");
  });

  it("rounds half away from zero and never shows minus zero", () => {
    expect(formatFixed(parseFixed("1.005") ?? 0n, 2)).toBe("1.01");
    expect(formatFixed(parseFixed("-1.005") ?? 0n, 2)).toBe("-1.01");
    expect(formatUsd(parseFixed("-0.001") ?? 0n)).toBe("$0.00");
    expect(formatUsd(parseFixed("1234567.891") ?? 0n, { signed: true })).toBe("+$1,234,567.89");
  });

  it("formats prices, shares, percentages and missing values", () => {
    expect(formatPrice("0.45")).toBe("0.450");
    expect(formatPrice("0.4567")).toBe("0.4567");
    expect(formatShares("100.00")).toBe("100");
    expect(formatShares("12.50")).toBe("12.5");
    expect(formatPercent(ratio(parseFixed("1") ?? 0n, parseFixed("8") ?? 0n), { signed: true, places: 2 })).toBe("+12.50%");
    expect(ratio(1n, 0n)).toBeNull();
    expect(usd(null)).toBe("—");
  });
});
