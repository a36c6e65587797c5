import type { ApiError, ErrorCode } from "@/bindings";

/** What each stable error code means to a person; the backend's message adds the particulars. */
const SENTENCE: Record<ErrorCode, string> = {
  INVALID_INPUT: "Something entered is not valid; nothing was changed.",
  INVALID_CONFIG: "The bot's settings are not valid; nothing was saved.",
  BOT_NOT_FOUND: "That bot no longer exists.",
  WALLET_NOT_FOUND: "That wallet is not in the vault.",
  MARKET_CLOSED: "This market is closed or not yet tradable.",
  VAULT_LOCKED: "The vault is locked: enter your passphrase first.",
  VAULT_MISSING: "There is no vault yet: create one to keep wallet keys.",
  CONFLICT: "That cannot be done right now.",
  INSUFFICIENT_BALANCE: "The wallet has too little pUSD, shares or allowance for this.",
  VENUE_UNAVAILABLE: "The exchange could not be reached or refused the request.",
  DATA_FROM_NEWER_VERSION: "This data was written by a newer PolyAgent: upgrade the app.",
  INTERNAL: "Something went wrong inside PolyAgent; the log has the details.",
};

/** The human sentence for an error's code. */
export function errorSentence(error: ApiError): string {
  return SENTENCE[error.code];
}

/** The sentence and the backend's particulars, for one line of text. */
export function errorText(error: ApiError): string {
  return error.message ? `${SENTENCE[error.code]} ${error.message}` : SENTENCE[error.code];
}
