//! Where this machine may trade from (`GET https://polymarket.com/api/geoblock`, §13.8).
//!
//! Invariants:
//! - three outcomes, never just "blocked": [`GeoAccess::Open`], [`GeoAccess::CloseOnly`]
//!   (positions may be closed, none opened: the "close-only on the web app and the API"
//!   group) and [`GeoAccess::Blocked`]; the "close-only on the web app only" group does not
//!   restrict the API and is `Open` here;
//! - the answer has no group field, so the group comes from the country (and region)
//!   against [`API_CLOSE_ONLY`], kept in step with Polymarket's published table.

use crate::auth::HttpMethod;
use crate::client::PublicClient;
use crate::transport::{SendFailure, parse_answer};
use crate::venue_error::VenueError;

/// Countries (ISO 3166-1 alpha-2) and regions (ISO 3166-2) that are close-only on the web
/// app *and* the API (PROTOCOL.md §13.8; docs "Geographic Restrictions").
pub const API_CLOSE_ONLY: &[&str] = &["PL", "SG", "TH", "TW"];

/// What this location may do on the exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GeoAccess {
    Open,
    /// Close existing positions only; opening orders are refused.
    CloseOnly,
    /// No trading at all.
    Blocked,
}

/// The geoblock answer, with its group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeoStatus {
    pub access: GeoAccess,
    pub country: String,
    pub region: String,
}

impl GeoStatus {
    /// The group of a geoblock answer.
    pub fn from_answer(blocked: bool, country: &str, region: &str) -> Self {
        let code = |c: &str| c.trim().to_ascii_uppercase();
        let (country, region) = (code(country), code(region));
        let subdivision = format!("{country}-{region}");
        let close_only = API_CLOSE_ONLY
            .iter()
            .any(|c| *c == country || *c == region || *c == subdivision);
        let access = if close_only {
            GeoAccess::CloseOnly
        } else if blocked {
            GeoAccess::Blocked
        } else {
            GeoAccess::Open
        };
        Self {
            access,
            country,
            region,
        }
    }

    /// `Ok` where opening orders is allowed, else the typed refusal.
    pub fn require_open(&self) -> Result<(), VenueError> {
        let place = format!("country {}, region {}", self.country, self.region);
        match self.access {
            GeoAccess::Open => Ok(()),
            GeoAccess::CloseOnly => Err(VenueError::CloseOnly(place)),
            GeoAccess::Blocked => Err(VenueError::Geoblocked(place)),
        }
    }
}

impl PublicClient {
    /// Asks Polymarket what this machine's location may do.
    pub async fn geoblock_status(&self) -> Result<GeoStatus, VenueError> {
        #[derive(serde::Deserialize)]
        struct GeoblockResponse {
            #[serde(default)]
            blocked: bool,
            #[serde(default)]
            country: String,
            #[serde(default)]
            region: String,
        }
        let url = self.shared.config.endpoints.geoblock.clone();
        let answer = self
            .send(HttpMethod::Get, &url, &[], None, &Vec::new, None)
            .await
            .map_err(|f| match f {
                SendFailure::NotSent(e) | SendFailure::Unknown(e) => VenueError::Network(e),
            })?;
        let status: GeoblockResponse = parse_answer(&answer, self.shared.config.backoff_max)?;
        Ok(GeoStatus::from_answer(
            status.blocked,
            &status.country,
            &status.region,
        ))
    }

    /// Whether this machine may open positions. `Err(Geoblocked)` where Polymarket blocks
    /// trading, `Err(CloseOnly)` where it only lets positions be closed, so a caller can
    /// refuse to start bots there and say which.
    pub async fn check_geoblock(&self) -> Result<(), VenueError> {
        self.geoblock_status().await?.require_open()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_groups_not_just_blocked() {
        let open = GeoStatus::from_answer(false, "FR", "IDF");
        assert_eq!(open.access, GeoAccess::Open);
        assert!(open.require_open().is_ok());
        let blocked = GeoStatus::from_answer(true, "US", "NY");
        assert_eq!(blocked.access, GeoAccess::Blocked);
        assert!(matches!(
            blocked.require_open(),
            Err(VenueError::Geoblocked(_))
        ));
        // Poland is close-only on the API, whatever `blocked` says.
        for blocked in [true, false] {
            let poland = GeoStatus::from_answer(blocked, "pl", "14");
            assert_eq!(poland.access, GeoAccess::CloseOnly);
            assert!(matches!(
                poland.require_open(),
                Err(VenueError::CloseOnly(_))
            ));
        }
    }
}
