//! The error shape that crosses the UI boundary: `{code, message}`.
//!
//! Codes are stable API: the UI maps each to a sentence and an action. Adding a code is fine;
//! renaming or removing one breaks the UI and needs the bindings regenerated.

use serde::{Deserialize, Serialize};

/// A stable, machine-readable error code. Serialized as `SCREAMING_SNAKE_CASE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// An argument was malformed or out of range; nothing was changed.
    InvalidInput,
    /// A bot configuration failed validation; nothing was saved.
    InvalidConfig,
    /// No bot has the given id.
    BotNotFound,
    /// No wallet has the given address.
    WalletNotFound,
    /// The market is closed, resolved or not yet tradable.
    MarketClosed,
    /// The vault is locked: the passphrase has not been entered.
    VaultLocked,
    /// No vault exists yet: one must be created (with a passphrase) before keys can be kept.
    VaultMissing,
    /// The request clashes with the current state (e.g. changing the exchange while bots
    /// run, deleting a wallet a bot trades from); the message says what to do first.
    Conflict,
    /// The wallet lacks pUSD or shares (or allowance) for the order.
    InsufficientBalance,
    /// The exchange could not be reached or answered with an error.
    VenueUnavailable,
    /// This computer's clock is more than 30 s from the exchange's: nothing is signed until it
    /// is set right; the message says by how much.
    ClockSkew,
    /// A live bot on an exchange that is not Polymarket with a wallet that was not imported as
    /// a test key: keys that hold real funds sign only for Polymarket.
    LiveNeedsTestKey,
    /// The data folder was written by a newer PolyAgent; nothing was changed. Upgrade the app.
    DataFromNewerVersion,
    /// A guarded action (one that can spend money or undo a safety stop, see `stepup`) was not
    /// confirmed by the user outside the webview; nothing was changed.
    ConfirmationDeclined,
    /// Safety state (the killswitch, the daily limits or the settings) could not be read or
    /// is no longer valid: no bot starts until it is set again (see `KillswitchState::faults`).
    SafetyStateInvalid,
    /// A bug or an unexpected failure; the message says what, and the log has details.
    Internal,
}

/// An error as the UI and the CLI see it. The message is for people; the code is for code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, thiserror::Error)]
#[error("{message} ({code:?})")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_code_and_message() {
        let error = ApiError::new(ErrorCode::BotNotFound, "no bot with id 7");
        let json = serde_json::to_string(&error).unwrap();
        assert_eq!(
            json,
            r#"{"code":"BOT_NOT_FOUND","message":"no bot with id 7"}"#
        );
        let back: ApiError = serde_json::from_str(&json).unwrap();
        assert_eq!(back, error);
    }
}
