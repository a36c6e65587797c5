/**
 * The locale dates and numbers are written in. The webview reports the system's (`navigator.language`),
 * which on a Linux desktop started without a language (LANG=C) is "C": not a language tag, and every
 * `toLocale…` call then throws. Such a tag falls back to "en-US".
 */
let cached: string | undefined;

export function uiLocale(): string {
  if (cached !== undefined) return cached;
  const wanted = typeof navigator === "undefined" ? undefined : navigator.language;
  try {
    cached = Intl.DateTimeFormat.supportedLocalesOf(wanted ? [wanted] : [])[0] ?? "en-US";
  } catch {
    cached = "en-US";
  }
  return cached;
}

/** "14:05:09" in the user's locale. */
export function clockTime(atMs: number, seconds = true): string {
  return new Date(atMs).toLocaleTimeString(uiLocale(), {
    hour: "2-digit",
    minute: "2-digit",
    ...(seconds ? { second: "2-digit" } : {}),
  });
}

/** "Nov 24, 14:05". */
export function dayAndTime(atMs: number): string {
  return new Date(atMs).toLocaleString(uiLocale(), { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

/** 100000 -> "100,000". */
export function count(n: number): string {
  return n.toLocaleString(uiLocale());
}
