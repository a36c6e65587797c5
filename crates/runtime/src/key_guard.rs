//! A private key typed into a market search or lookup is refused before anything is sent.
//!
//! Invariant: text that holds the private key of a wallet this app knows never reaches the
//! exchange (it would travel in a URL to Gamma and sit in its logs). The rule is "the key of
//! one of your wallets", not "64 hex digits": a condition id is `0x` + 64 hex digits too, and
//! nearly every such value is also a valid secp256k1 key, so the shape alone cannot tell a
//! market from a key. Deriving the address and comparing it with the wallets' addresses can.
//! The refusal never quotes the text.

use polyagent_domain::text::private_keys_in;
use polyagent_store::Database;

use crate::{ApiError, ErrorCode};

/// Refuses `text` (the user's input for `field`) when it holds the private key of one of the
/// wallets in `db`.
pub(crate) async fn refuse_own_keys(
    db: &Database,
    field: &str,
    text: &str,
) -> Result<(), ApiError> {
    let keys = private_keys_in(text);
    if keys.is_empty() {
        return Ok(());
    }
    let wallets = db
        .wallets()
        .list()
        .await
        .map_err(|e| crate::wallets::store_error(&e))?;
    let own = keys.iter().any(|key| {
        let address = format!("{:#x}", polyagent_vault::address_of(key));
        wallets
            .iter()
            .any(|w| w.address.eq_ignore_ascii_case(&address))
    });
    if own {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!(
                "{field} holds the private key of one of your wallets, which must never be typed \
                 here (it would be sent in plain text); nothing was sent"
            ),
        ));
    }
    Ok(())
}
