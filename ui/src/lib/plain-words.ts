/**
 * Numbers in the words the wizard, settings and backtest show. Decimals arrive as text and are
 * only reformatted as text (never through binary floats, so "0.1" stays "0.1").
 */

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** Whether `text` is a plain decimal such as `5`, `0.25` or `-3` (what the backend parses). */
export function isDecimal(text: string): boolean {
  return DECIMAL.test(text.trim());
}

/** Whether `text` is a whole number of at least 0 (seconds, counts). */
export function isWholeNumber(text: string): boolean {
  return /^\d+$/.test(text.trim());
}

/** `12000.5` → `12,000.5`: thousands grouped in the whole part, the digits kept as given. */
export function grouped(text: string): string {
  const negative = text.startsWith("-");
  const [whole = "", frac] = (negative ? text.slice(1) : text).split(".");
  const w = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}${w}${frac === undefined ? "" : `.${frac}`}`;
}

/** `5` → `$5`, `5.50` → `$5.50`, `12000` → `$12,000`; anything else as given. */
export function usd(text: string | null | undefined): string {
  if (text == null || text === "") return "—";
  const t = text.trim();
  if (!isDecimal(t)) return t;
  const g = grouped(t);
  return g.startsWith("-") ? `-$${g.slice(1)}` : `$${g}`;
}

/** A price in 0..1 as cents: `0.52` → `52¢`, `0.525` → `52.5¢`. */
export function cents(text: string | null | undefined): string {
  if (text == null || text === "" || !isDecimal(text)) return "—";
  return `${shiftDecimal(text.trim(), 2)}¢`;
}

/** Moves the decimal point `places` to the right, exactly, trimming useless zeros. */
export function shiftDecimal(text: string, places: number): string {
  const negative = text.startsWith("-");
  const body = negative ? text.slice(1) : text;
  const [whole = "0", frac = ""] = body.split(".");
  const digits = whole + frac.padEnd(places, "0");
  const point = whole.length + places;
  let intPart = digits.slice(0, point).replace(/^0+(?=\d)/, "");
  let fracPart = digits.slice(point).replace(/0+$/, "");
  if (intPart === "") intPart = "0";
  if (fracPart !== "") fracPart = `.${fracPart}`;
  return `${negative ? "-" : ""}${intPart}${fracPart}`;
}

/** Seconds as the largest units that read well: `3600` → `1 h`, `5400` → `1 h 30 min`, `45` → `45 s`. */
export function duration(secondsText: string | number): string {
  const s = typeof secondsText === "number" ? secondsText : Number.parseInt(secondsText, 10);
  if (!Number.isFinite(s)) return String(secondsText);
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  const parts: string[] = [];
  if (h > 0) parts.push(`${h} h`);
  if (m > 0) parts.push(`${m} min`);
  if (rest > 0) parts.push(`${rest} s`);
  return parts.join(" ");
}

/** A date as the user's locale writes it, in UTC so every machine shows the same day. */
export function dateText(ms: number | null | undefined): string {
  if (ms == null) return "no end date";
  return new Date(ms).toLocaleString(undefined, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: "UTC",
    timeZoneName: "short",
  });
}

/** A short address: `0x1234…abcd`. */
export function shortAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

/** Compares two decimals given as text, exactly: -1, 0 or 1. Non-decimals compare as equal. */
export function compareDecimal(a: string, b: string): number {
  const x = a.trim();
  const y = b.trim();
  if (!isDecimal(x) || !isDecimal(y)) return 0;
  const sign = (t: string) => (t.startsWith("-") && /[1-9]/.test(t) ? -1 : /[1-9]/.test(t) ? 1 : 0);
  const sx = sign(x);
  const sy = sign(y);
  if (sx !== sy) return sx < sy ? -1 : 1;
  if (sx === 0) return 0;
  const parts = (t: string) => {
    const [w = "0", f = ""] = t.replace(/^-/, "").split(".");
    return [w.replace(/^0+/, ""), f.replace(/0+$/, "")] as const;
  };
  const [wx, fx] = parts(x);
  const [wy, fy] = parts(y);
  let magnitude: number;
  if (wx.length !== wy.length) magnitude = wx.length < wy.length ? -1 : 1;
  else if (wx !== wy) magnitude = wx < wy ? -1 : 1;
  else {
    const len = Math.max(fx.length, fy.length);
    const px = fx.padEnd(len, "0");
    const py = fy.padEnd(len, "0");
    magnitude = px === py ? 0 : px < py ? -1 : 1;
  }
  return magnitude * sx;
}
