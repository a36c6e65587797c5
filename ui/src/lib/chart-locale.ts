/**
 * A locale lightweight-charts can format with. The chart formats with `navigator.language`, and
 * a WebKitGTK webview started with LANG=C (CI, Xvfb, some minimal desktops) reports "C", which
 * Intl rejects with a RangeError on every paint: the chart stays blank. Invalid tags fall back.
 */
export function chartLocale(language: string | undefined = navigator.language, fallback = "en-US"): string {
  if (!language) return fallback;
  try {
    return Intl.getCanonicalLocales(language)[0] ?? fallback;
  } catch {
    return fallback;
  }
}
