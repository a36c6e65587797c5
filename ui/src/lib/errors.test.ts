import { describe, expect, it } from "vitest";
import bindingsSource from "@/bindings.ts?raw";
import { errorSentence, KNOWN_ERROR_CODES } from "./errors";

/** The ErrorCode union as generated from the backend (read from the bindings' source text). */
function generatedCodes(): string[] {
  const declaration = /export type ErrorCode =([\s\S]*?)\n\n/.exec(bindingsSource)?.[1] ?? "";
  const union = declaration.replace(/\/\*[\s\S]*?\*\//g, "");
  return [...union.matchAll(/"([A-Z_]+)"/g)].map((m) => m[1] ?? "");
}

describe("error sentences", () => {
  it("cover every error code the backend can answer", () => {
    const codes = generatedCodes();
    expect(codes.length).toBeGreaterThanOrEqual(12);
    expect([...KNOWN_ERROR_CODES].sort()).toEqual([...codes].sort());
    const fallback = errorSentence("NO_SUCH_CODE");
    for (const code of codes) {
      const sentence = errorSentence(code);
      expect(sentence, code).not.toBe(fallback);
      expect(sentence, code).toMatch(/^[A-Z].*\.$/);
    }
  });

  it("are distinct, so each code tells the user something different", () => {
    const sentences = KNOWN_ERROR_CODES.map(errorSentence);
    expect(new Set(sentences).size).toBe(sentences.length);
  });

  it("fall back to a generic sentence for a code this build does not know", () => {
    expect(errorSentence("NEW_CODE")).toBe("Something went wrong.");
  });
});
