/**
 * Exact decimal arithmetic for money shown on screen.
 *
 * The backend sends every amount as decimal text (rust_decimal). Sums and differences shown to the
 * user are computed here on integers, never on binary floats: a value is held as a BigInt count of
 * 10^-18 units (`SCALE`), so "0.1" + "0.2" is exactly "0.3". Digits beyond the 18th decimal are
 * dropped (truncated toward zero) when parsing; no amount the app handles has that many.
 *
 * Ratios (a percentage, a progress fraction) are the one place a float is produced, and only for
 * display: `ratio` divides exactly first and converts the rounded quotient.
 */

/** Decimal places kept. */
export const SCALE = 18;
const ONE = 10n ** BigInt(SCALE);

/** A decimal as a count of 10^-18 units. */
export type Fixed = bigint;

const DECIMAL_TEXT = /^([+-])?(\d*)(?:\.(\d*))?$/;

/** Parses decimal text ("12", "-0.5", "+3.", ".25"); `null` for anything else (empty, NaN, exponents). */
export function parseFixed(text: string | null | undefined): Fixed | null {
  if (text == null) return null;
  const match = DECIMAL_TEXT.exec(text.trim());
  if (!match) return null;
  const [, sign, whole = "", fraction = ""] = match;
  if (whole === "" && fraction === "") return null;
  const digits = (whole === "" ? "0" : whole) + fraction.slice(0, SCALE).padEnd(SCALE, "0");
  const value = BigInt(digits);
  return sign === "-" ? -value : value;
}

/** Like `parseFixed`, with 0 for missing or malformed text. */
export function fixedOrZero(text: string | null | undefined): Fixed {
  return parseFixed(text) ?? 0n;
}

/** Exact sum of decimal texts; missing or malformed entries count as zero. */
export function sumDecimals(values: readonly (string | null | undefined)[]): Fixed {
  let total = 0n;
  for (const v of values) total += fixedOrZero(v);
  return total;
}

/** Product of two fixed values, truncated to `SCALE` places. */
export function mulFixed(a: Fixed, b: Fixed): Fixed {
  return (a * b) / ONE;
}

/** a / b as a float for display (percentages, progress); `null` when b is zero. */
export function ratio(a: Fixed, b: Fixed): number | null {
  if (b === 0n) return null;
  // Keep 9 significant decimals of the quotient exactly, then leave integers.
  const scaled = (a * 1_000_000_000n) / b;
  return Number(scaled) / 1_000_000_000;
}

/** Back to decimal text, all 18 places kept ("-0.250000000000000000"). */
export function fixedToText(value: Fixed): string {
  return formatFixed(value, SCALE);
}

/** Rounds half away from zero to `places` decimals and writes the digits ("-1234.50"). */
export function formatFixed(value: Fixed, places: number): string {
  const unit = 10n ** BigInt(SCALE - places);
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  let rounded = magnitude / unit;
  if ((magnitude % unit) * 2n >= unit) rounded += 1n;
  const digits = rounded.toString().padStart(places + 1, "0");
  const whole = places === 0 ? digits : digits.slice(0, -places);
  const fraction = places === 0 ? "" : `.${digits.slice(-places)}`;
  const isZero = rounded === 0n;
  return `${negative && !isZero ? "-" : ""}${whole}${fraction}`;
}

/** Groups thousands with commas: "1234567.89" -> "1,234,567.89". */
function groupThousands(text: string): string {
  const [whole = "", fraction] = text.split(".");
  const sign = whole.startsWith("-") ? "-" : "";
  const digits = sign ? whole.slice(1) : whole;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction === undefined ? `${sign}${grouped}` : `${sign}${grouped}.${fraction}`;
}

/** Money for people: "$1,234.50", "-$3.20"; a leading "+" when `signed` and positive. */
export function formatUsd(value: Fixed, options: { signed?: boolean } = {}): string {
  const text = groupThousands(formatFixed(value, 2));
  const negative = text.startsWith("-");
  const body = negative ? text.slice(1) : text;
  if (negative) return `-$${body}`;
  return options.signed && value > 0n && body !== "0.00" ? `+$${body}` : `$${body}`;
}

/** Money text as shown; "—" when missing. */
export function usd(text: string | null | undefined, options: { signed?: boolean } = {}): string {
  const value = parseFixed(text);
  return value === null ? "—" : formatUsd(value, options);
}

/** A price as shown (3 decimals is Polymarket's finest common tick; 4 kept when present). */
export function formatPrice(text: string | null | undefined): string {
  const value = parseFixed(text);
  return value === null ? "—" : formatPriceFixed(value);
}

/** `formatPrice` for a value already parsed. */
export function formatPriceFixed(value: Fixed): string {
  const four = formatFixed(value, 4);
  return four.endsWith("0") ? formatFixed(value, 3) : four;
}

/** A share count as shown: up to 2 decimals, trailing zeros dropped. */
export function formatShares(text: string | null | undefined): string {
  const value = parseFixed(text);
  if (value === null) return "—";
  return groupThousands(formatFixed(value, 2).replace(/\.?0+$/, "") || "0");
}

/** A percentage for display ("+12.3%", "-4.0%"); "—" for null. */
export function formatPercent(fraction: number | null, options: { signed?: boolean; places?: number } = {}): string {
  if (fraction === null || !Number.isFinite(fraction)) return "—";
  const pct = fraction * 100;
  const text = pct.toFixed(options.places ?? 1);
  const isZero = Number(text) === 0;
  const clean = isZero ? text.replace("-", "") : text;
  return `${options.signed && pct > 0 && !isZero ? "+" : ""}${clean}%`;
}

/** The sign of a fixed value: -1, 0 or 1 (for colouring). */
export function signOf(value: Fixed): -1 | 0 | 1 {
  return value > 0n ? 1 : value < 0n ? -1 : 0;
}

/** Decimal text to a float, only for placing things on a chart (never for sums or money text). */
export function chartNumber(text: string | null | undefined): number | null {
  const value = parseFixed(text);
  return value === null ? null : Number(formatFixed(value, 8));
}
