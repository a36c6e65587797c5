/**
 * What each backend error code means to a person. The UI decides what to say from the code alone
 * (codes are stable API, messages are not); the backend's message is shown underneath as detail.
 * `Record<ErrorCode, …>` makes a new code a compile error here until it has a sentence.
 */
import type { ApiError, ErrorCode } from "@/bindings";

const SENTENCES: Record<ErrorCode, string> = {
  INVALID_INPUT: "Something in the request was not valid, so nothing was changed.",
  INVALID_CONFIG: "The bot's settings are not valid, so nothing was saved.",
  BOT_NOT_FOUND: "That bot no longer exists.",
  WALLET_NOT_FOUND: "That wallet is not in the vault.",
  MARKET_CLOSED: "This market is closed or not open for trading.",
  VAULT_LOCKED: "The vault is locked: enter your passphrase in Settings to unlock it.",
  VAULT_MISSING: "There is no vault yet: create one in Settings before adding wallets.",
  CONFLICT: "That cannot be done right now.",
  INSUFFICIENT_BALANCE: "The wallet does not have enough pUSD, shares or allowance for this order.",
  VENUE_UNAVAILABLE: "The exchange could not be reached or refused the request. Try again shortly.",
  SAFETY_STATE_INVALID:
    "Safety settings (killswitch, daily limits or exchange) could not be read: no bot starts until you set them again.",
  CLOCK_SKEW:
    "This computer's clock is too far from the exchange's to sign safely: turn on automatic time, then try again.",
  LIVE_NEEDS_TEST_KEY:
    "Live bots off Polymarket trade only from wallets imported as test keys. Use paper trading, or import a test key.",
  DATA_FROM_NEWER_VERSION: "Your data was written by a newer PolyAgent. Please update the app.",
  // Guarded actions (switching the exchange, starting a live bot, raising a limit, re-arming the
  // killswitch) are confirmed in a system dialog that PolyAgent shows itself; the window cannot
  // answer it. Cancelling there is a choice, not a failure.
  CONFIRMATION_DECLINED: "Not confirmed in PolyAgent's dialog, so nothing was changed.",
  INTERNAL: "Something went wrong inside PolyAgent. The log folder has the details.",
};

/** Every error code the UI knows a sentence for. */
export const KNOWN_ERROR_CODES = Object.keys(SENTENCES) as ErrorCode[];

/** The sentence for a code; a generic one for a code this build does not know yet. */
export function errorSentence(code: string): string {
  return (SENTENCES as Record<string, string | undefined>)[code] ?? "Something went wrong.";
}

/** A toast's title and detail for an error. */
export function describeError(error: ApiError): { title: string; detail: string } {
  return { title: errorSentence(error.code), detail: error.message };
}

/** The sentence and the backend's particulars, as one line of text (forms and dialogs). */
export function errorText(error: ApiError): string {
  const sentence = errorSentence(error.code);
  return error.message ? `${sentence} ${error.message}` : sentence;
}
