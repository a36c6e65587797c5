import { describe, expect, it } from "vitest";
import { chartLocale } from "./chart-locale";

describe("chartLocale", () => {
  it("keeps a valid language tag and replaces what Intl refuses", () => {
    expect(chartLocale("de-DE")).toBe("de-DE");
    expect(chartLocale("C")).toBe("en-US");
    expect(chartLocale("")).toBe("en-US");
  });
});
