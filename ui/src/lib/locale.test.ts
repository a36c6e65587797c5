import { afterEach, describe, expect, it, vi } from "vitest";

afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

describe("the UI's locale", () => {
  it("is the system's when it is a language tag", async () => {
    vi.stubGlobal("navigator", { language: "de-DE" });
    const { uiLocale } = await import("./locale");
    expect(uiLocale()).toBe("de-DE");
  });

  it("falls back to en-US when the system's is C (not a tag: toLocale calls would throw)", async () => {
    vi.stubGlobal("navigator", { language: "C" });
    expect(() => new Date(0).toLocaleTimeString("C")).toThrow(RangeError);
    const { clockTime, count, uiLocale } = await import("./locale");
    expect(uiLocale()).toBe("en-US");
    expect(count(100_000)).toBe("100,000");
    expect(clockTime(0)).toMatch(/\d\d:\d\d:\d\d/);
  });
});
