/**
 * Whether an address may be used as a simulator exchange: on this computer only
 * (http or https to 127.0.0.1, [::1] or localhost, an optional port, nothing else).
 * A "paper server" elsewhere could relay what PolyAgent signs for it to Polymarket, so the
 * backend refuses anything else too (`is_loopback_simulator` in crates/runtime/src/settings.rs);
 * this copy lets the form say so before anything is sent.
 */
export function isLoopbackSimulatorUrl(text: string): boolean {
  if (text.length > 200 || /\s/.test(text)) return false;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  const host = url.hostname.toLowerCase();
  return (
    (url.protocol === "http:" || url.protocol === "https:") &&
    (host === "127.0.0.1" || host === "[::1]" || host === "localhost") &&
    url.username === "" &&
    url.password === "" &&
    url.pathname === "/" &&
    url.search === "" &&
    url.hash === "" &&
    !text.includes("?") &&
    !text.includes("#")
  );
}
