//! The per-wallet trading tier shown with the wallet list (PROTOCOL.md §13.3): Polymarket
//! sizes each signer's order and cancel budgets by a tier set from its 30-day volume.
//!
//! Invariants:
//! - a wallet's tier is shown only while it is connected (it has an exchange client): the
//!   tier belongs to the exchange's answer, not to the wallet's stored data;
//! - it is read with `GET /v1/user/rate-limit-tier` once, when the wallet connects, in a task
//!   of its own (never on an order's path); a failure is logged and not fatal: the client
//!   keeps the tightest tier's pacing, and every trading answer's `Poly-RateLimit-Tier`
//!   header names the tier later;
//! - what is shown is always the client's current view ([`AuthedClient::rate_limit_status`]),
//!   so a tier the exchange changes (it refreshes every 3 h) shows at the next answer;
//! - the board of connected clients is read without waiting: a wallet connecting (which can
//!   take seconds) never holds up the wallet list.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use polyagent_venue::client::AuthedClient;
use polyagent_venue::signer_rate::RateLimitTier;
use serde::{Deserialize, Serialize};

/// A wallet's per-signer trading tier, as the exchange named it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
pub enum RateLimitTierView {
    Standard,
    Copper,
    Bronze,
    Silver,
    Gold,
    Platinum,
    Diamond,
    Elite,
    /// A tier this version does not know (paced as Standard).
    Unknown,
}

impl From<&RateLimitTier> for RateLimitTierView {
    fn from(tier: &RateLimitTier) -> Self {
        match tier {
            RateLimitTier::Standard => Self::Standard,
            RateLimitTier::Copper => Self::Copper,
            RateLimitTier::Bronze => Self::Bronze,
            RateLimitTier::Silver => Self::Silver,
            RateLimitTier::Gold => Self::Gold,
            RateLimitTier::Platinum => Self::Platinum,
            RateLimitTier::Diamond => Self::Diamond,
            RateLimitTier::Elite => Self::Elite,
            RateLimitTier::Unknown(_) => Self::Unknown,
        }
    }
}

/// The exchange clients of the connected wallets, by address, for reading their tiers.
#[derive(Default)]
pub(crate) struct TierBoard(Mutex<HashMap<String, Arc<AuthedClient>>>);

impl TierBoard {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<AuthedClient>>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A wallet connected: its tier shows from now on, and is asked of the exchange in the
    /// background.
    pub(crate) fn connected(&self, address: &str, client: Arc<AuthedClient>) {
        self.lock().insert(address.to_owned(), client.clone());
        let address = address.to_owned();
        tokio::spawn(async move {
            match client.rate_limit_tier().await {
                Ok(tier) => {
                    tracing::debug!(%address, %tier, "the exchange named the wallet's tier")
                }
                Err(error) => tracing::warn!(
                    %address,
                    %error,
                    "could not read the wallet's rate-limit tier; trading answers will tell it"
                ),
            }
        });
    }

    /// Every wallet disconnected (the exchange changed).
    pub(crate) fn clear(&self) {
        self.lock().clear();
    }

    /// The tier of a connected wallet; `None` when it is not connected or the exchange has
    /// not named its tier yet.
    pub(crate) fn tier(&self, address: &str) -> Option<RateLimitTierView> {
        let client = self.lock().get(address).cloned()?;
        client
            .rate_limit_status()
            .tier
            .as_ref()
            .map(RateLimitTierView::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tier_maps_to_its_view_and_unknown_names_stay_unknown() {
        assert_eq!(
            RateLimitTierView::from(&RateLimitTier::Diamond),
            RateLimitTierView::Diamond
        );
        assert_eq!(
            RateLimitTierView::from(&RateLimitTier::parse("mithril")),
            RateLimitTierView::Unknown
        );
        assert_eq!(
            serde_json::to_string(&RateLimitTierView::Standard).unwrap(),
            r#""Standard""#
        );
    }
}
