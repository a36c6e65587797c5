//! Backing up keys (issue #16, point 4): a generated key is shown once, and its wallet cannot
//! trade live until the user confirms they saved it; any wallet's key is shown again only
//! after the vault's passphrase is typed again (checked here, in Rust).
//!
//! Invariants:
//! - a key leaves the runtime only as a [`RevealedKey`]: redacted `Debug`, wiped on drop, and
//!   serialized only to cross to the window that asked for it, once; it is never logged, never
//!   part of an event or an error;
//! - the addresses of generated wallets whose backup is not confirmed are a settings row; a
//!   live bot on one of them does not activate (it waits, saying why) and an unreadable row
//!   counts as "not confirmed" for every generated wallet it may have held (fails closed);
//! - imported keys exist outside PolyAgent already and need no confirmation.

use std::collections::BTreeSet;
use std::fmt;

use polyagent_domain::secret::{PrivateKey, SecretString};
use polyagent_domain::text::quoted;
use serde::{Serialize, Serializer};

use crate::api_error::{ApiError, ErrorCode};
use crate::wallets::{self, WalletInfo};
use crate::{Runtime, lock};

/// The settings row listing generated wallets whose backup is not confirmed yet.
const PENDING_KEY: &str = "wallet_backups_pending";

/// A private key on its way to the one window that shows it to the user (`0x` + 64 hex).
/// Redacted `Debug`; wiped on drop; serializes as the key itself, which is its only purpose.
#[derive(Clone, PartialEq, Eq, specta::Type)]
#[specta(transparent)]
pub struct RevealedKey(#[specta(type = String)] SecretString);

impl RevealedKey {
    pub(crate) fn of(key: &PrivateKey) -> Result<Self, ApiError> {
        // Exactly 66 characters pushed into a 66-byte buffer: no reallocation leaves a copy,
        // and the buffer itself moves into the SecretString (wiped on drop).
        let mut hex = String::with_capacity(66);
        hex.push_str("0x");
        for byte in key.expose_bytes() {
            hex.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
            hex.push(char::from(b"0123456789abcdef"[usize::from(byte & 0xf)]));
        }
        SecretString::new(hex)
            .map(Self)
            .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))
    }

    /// The key's text, to show it.
    pub fn expose_str(&self) -> &str {
        self.0.expose_str()
    }

    /// The key as the CLI's `wallet export` has always answered it.
    pub fn into_secret(self) -> SecretString {
        self.0
    }
}

impl fmt::Debug for RevealedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RevealedKey([redacted])")
    }
}

impl Serialize for RevealedKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.expose_str())
    }
}

/// A wallet just generated, with its key to show once. The wallet cannot trade live until
/// [`Runtime::confirm_wallet_backup`].
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GeneratedWallet {
    pub wallet: WalletInfo,
    pub key: RevealedKey,
}

impl Runtime {
    /// Generates a new wallet (an EOA) in the vault and answers its key, to be shown to the
    /// user once; the wallet trades live only after [`Runtime::confirm_wallet_backup`].
    pub async fn generate_wallet(&self, label: &str) -> Result<GeneratedWallet, ApiError> {
        let wallet = wallets::add(
            self.db(),
            &self.inner.vault,
            None,
            label,
            0,
            None,
            self.now(),
        )
        .await?;
        let address = wallets::parse_address(&wallet.address)?;
        let key = {
            let mut slot = lock(&self.inner.vault);
            let key = slot
                .vault()?
                .signing_key(address)
                .map_err(|e| wallets::vault_error(&e))?;
            RevealedKey::of(&key)?
        };
        let mut pending = self.pending_backups().await?;
        pending.insert(wallet.address.clone());
        self.save_pending(&pending).await?;
        Ok(GeneratedWallet {
            wallet: WalletInfo {
                needs_backup: true,
                ..wallet
            },
            key,
        })
    }

    /// The user saved a generated wallet's key: its wallet may now trade live.
    ///
    /// # Errors
    /// `WALLET_NOT_FOUND`.
    pub async fn confirm_wallet_backup(&self, address_or_label: &str) -> Result<(), ApiError> {
        let wallet = wallets::find(self.db(), address_or_label).await?;
        let mut pending = self.pending_backups().await.unwrap_or_default();
        pending.remove(&wallet.address);
        self.save_pending(&pending).await
    }

    /// A wallet's key, for the user to back up, after the vault's passphrase is typed again.
    /// Meant to be shown at once and dropped; see [`RevealedKey`].
    ///
    /// # Errors
    /// `WALLET_NOT_FOUND`; `VAULT_LOCKED` (locked, or a wrong passphrase).
    pub async fn reveal_wallet_key(
        &self,
        address_or_label: &str,
        passphrase: &SecretString,
    ) -> Result<RevealedKey, ApiError> {
        let wallet = wallets::find(self.db(), address_or_label).await?;
        let address = wallets::parse_address(&wallet.address)?;
        let mut slot = lock(&self.inner.vault);
        let key = slot
            .vault()?
            .export(address, passphrase)
            .map_err(|e| wallets::vault_error(&e))?;
        RevealedKey::of(&key)
    }

    /// Refuses a live bot on a generated wallet whose backup was not confirmed.
    pub(crate) async fn require_backup(&self, address: &str) -> Result<(), ApiError> {
        let unconfirmed = match self.pending_backups().await {
            Ok(pending) => pending.contains(address),
            // Fails closed: an unreadable list may have held this wallet.
            Err(_) => true,
        };
        if unconfirmed {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                format!(
                    "the key of wallet {} was never confirmed saved: back it up (Settings, \
                     Wallets, Export) and confirm before it trades live",
                    quoted(address)
                ),
            ));
        }
        Ok(())
    }

    /// The generated wallets whose backup is not confirmed.
    pub(crate) async fn pending_backups(&self) -> Result<BTreeSet<String>, ApiError> {
        self.db()
            .settings()
            .get::<BTreeSet<String>>(PENDING_KEY)
            .await
            .map(Option::unwrap_or_default)
            .map_err(|e| wallets::store_error(&e))
    }

    async fn save_pending(&self, pending: &BTreeSet<String>) -> Result<(), ApiError> {
        self.db()
            .settings()
            .put(PENDING_KEY, pending, self.now())
            .await
            .map_err(|e| wallets::store_error(&e))
    }
}
