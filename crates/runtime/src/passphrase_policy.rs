//! The rule for a new vault passphrase (issue #16, point 4): at least 12 characters and a
//! strength estimate of at least 3 of 4 by zxcvbn (Dropbox's estimator, the rule Frame uses).
//!
//! Invariants:
//! - it applies to passphrases that protect a vault from now on (a new vault, a new
//!   passphrase); an existing vault unlocks with whatever passphrase it has;
//! - a refusal says why with the estimator's own feedback, and never repeats the passphrase;
//! - the estimate reads at most [`ESTIMATED_CHARS`] characters: zxcvbn's cost grows faster
//!   than linearly with the length, and a passphrase longer than that is never refused for
//!   being guessable unless its first part already is.

use polyagent_domain::secret::SecretString;

use crate::api_error::{ApiError, ErrorCode};

/// The shortest new passphrase, in characters.
pub const MIN_CHARS: usize = 12;
/// The longest vault passphrase, in characters: far beyond any typed one, short enough that a
/// pasted file is refused rather than made the passphrase.
pub const MAX_CHARS: usize = 1024;
/// The lowest zxcvbn score accepted (3: "safely unguessable", about 10^10 guesses).
const MIN_SCORE: u8 = 3;
/// How much of the passphrase the estimator reads.
const ESTIMATED_CHARS: usize = 128;
/// Words that make a passphrase easy to guess for this app.
const APP_WORDS: &[&str] = &["polyagent", "polymarket", "vault", "passphrase", "wallet"];

/// Checks a new vault passphrase and wraps it as a secret.
///
/// # Errors
/// `INVALID_INPUT` with the reason (and the estimator's feedback when it is too guessable).
pub(crate) fn new_passphrase(text: &str) -> Result<SecretString, ApiError> {
    let chars = text.chars().count();
    if chars < MIN_CHARS {
        return Err(invalid(format!(
            "a new vault passphrase has at least {MIN_CHARS} characters (this one has {chars}); \
             several unrelated words make a long one easy to remember"
        )));
    }
    if chars > MAX_CHARS {
        return Err(invalid(format!(
            "a vault passphrase has at most {MAX_CHARS} characters"
        )));
    }
    let estimated: String = text.chars().take(ESTIMATED_CHARS).collect();
    let estimate = zxcvbn::zxcvbn(&estimated, APP_WORDS);
    let score = u8::from(estimate.score());
    if score < MIN_SCORE {
        let mut why = format!(
            "this passphrase is too easy to guess (strength {score} of 4; {MIN_SCORE} needed)"
        );
        if let Some(feedback) = estimate.feedback() {
            if let Some(warning) = feedback.warning() {
                why.push_str(&format!(": {warning}"));
            }
            for suggestion in feedback.suggestions() {
                why.push_str(&format!(" {suggestion}"));
            }
        }
        return Err(invalid(why));
    }
    SecretString::new(text).map_err(|e| invalid(e.to_string()))
}

/// Checks a passphrase that unlocks an existing vault: any non-empty text up to the maximum.
pub(crate) fn existing_passphrase(text: &str) -> Result<SecretString, ApiError> {
    if text.chars().count() > MAX_CHARS {
        return Err(invalid(format!(
            "a vault passphrase has at most {MAX_CHARS} characters"
        )));
    }
    SecretString::new(text).map_err(|e| invalid(e.to_string()))
}

fn invalid(message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_or_guessable_passphrases_are_refused_with_the_estimators_feedback() {
        let short = new_passphrase("Tr0ub4dor&3").unwrap_err();
        assert_eq!(short.code, ErrorCode::InvalidInput);
        assert!(short.message.contains("at least 12 characters"), "{short}");
        assert!(!short.message.contains("Tr0ub4dor"), "never echoed");

        for weak in [
            "passwordpassword",
            "aaaaaaaaaaaaaaaa",
            "polyagent2026",
            "123456789012",
        ] {
            let refused = new_passphrase(weak).unwrap_err();
            assert!(
                refused.message.contains("too easy to guess"),
                "{weak}: {refused}"
            );
            assert!(!refused.message.contains(weak), "{weak}: echoed");
        }
        let common = new_passphrase("passwordpassword").unwrap_err();
        assert!(common.message.contains("strength"), "{common}");

        for strong in [
            "correct horse battery staple",
            "crimson-otter-lantern-97",
            "test-passphrase-0123456789abcdef",
        ] {
            assert!(new_passphrase(strong).is_ok(), "{strong}");
        }
        assert!(new_passphrase(&"x".repeat(MAX_CHARS + 1)).is_err());
        // A very long passphrase is estimated on its start, quickly.
        let long = format!("crimson-otter-lantern-97 {}", "q".repeat(900));
        assert!(new_passphrase(&long).is_ok());
    }

    #[test]
    fn an_existing_vault_unlocks_with_any_passphrase_it_has() {
        assert!(existing_passphrase("hunter2").is_ok());
        assert!(existing_passphrase("").is_err());
        assert!(existing_passphrase(&"x".repeat(MAX_CHARS + 1)).is_err());
    }
}
