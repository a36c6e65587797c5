//! Which wallets may trade live where (issue #16, first point).
//!
//! Invariants:
//! - on Polymarket any wallet in the vault may trade live;
//! - on any other exchange (a simulator on this computer, the demo) a live bot trades only from a
//!   wallet imported as a test key ([`Runtime::import_test_key`]): a key that may hold real funds
//!   never signs orders for an exchange that is not Polymarket, whatever chain they are signed
//!   for. Paper bots run everywhere;
//! - the check runs when a live bot is created and every time one is activated (started,
//!   resumed after a restart), against the exchange chosen at that moment: a bot created on
//!   Polymarket does not trade on a simulator chosen later;
//! - the flag is set once, at import, and never set on a generated key or a wallet from an
//!   older version: an upgrade fails closed.

use polyagent_domain::text::quoted;

use crate::settings::ExchangeChoice;
use crate::wallets::{self, WalletInfo};
use crate::{ApiError, ErrorCode, Runtime, SecretString, lock};

impl Runtime {
    /// Imports a private key as a **test key** (a key made for testing, with no real funds):
    /// the wallet may then trade live on a simulator or the demo too. Otherwise as
    /// [`Runtime::import_wallet`].
    pub async fn import_test_key(
        &self,
        label: &str,
        key_hex: &SecretString,
        signature_type: u8,
        funder: Option<&str>,
    ) -> Result<WalletInfo, ApiError> {
        let mut wallet = self
            .import_wallet(label, key_hex, signature_type, funder)
            .await?;
        self.db()
            .wallets()
            .mark_test_key(&wallet.address, self.now())
            .await
            .map_err(|e| wallets::store_error(&e))?;
        wallet.test_key = true;
        Ok(wallet)
    }

    /// Refuses a live bot on wallet `address` unless the current exchange allows it.
    ///
    /// # Errors
    /// `LIVE_NEEDS_TEST_KEY` off Polymarket for a wallet not imported as a test key;
    /// `WALLET_NOT_FOUND`.
    pub(crate) async fn check_live_wallet(&self, address: &str) -> Result<(), ApiError> {
        let exchange = lock(&self.inner.settings).exchange.clone();
        if exchange == ExchangeChoice::Polymarket {
            return Ok(());
        }
        let wallet = wallets::find(self.db(), address).await?;
        if wallet.test_key {
            return Ok(());
        }
        Err(ApiError::new(
            ErrorCode::LiveNeedsTestKey,
            format!(
                "live bots on {} trade only from wallets imported as test keys, and {} was not: \
                 a key that may hold real funds signs orders for Polymarket alone. Use paper \
                 trading here, or import a key made for testing as a test key",
                exchange_name(&exchange),
                quoted(&wallet.label)
            ),
        ))
    }
}

/// How the exchange is named to the user.
pub(crate) fn exchange_name(exchange: &ExchangeChoice) -> String {
    match exchange {
        ExchangeChoice::Polymarket => "Polymarket".to_owned(),
        ExchangeChoice::Demo => "the demo exchange".to_owned(),
        ExchangeChoice::Simulator { url } => format!("the simulator at {url}"),
    }
}
