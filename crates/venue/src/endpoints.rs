//! Where the venue's services are and what a client signs for: [`Endpoints`] (Polymarket's
//! hosts or a simulator's) and [`ClientConfig`].
//!
//! Invariants: Polymarket's endpoints are HTTPS/WSS on `polymarket.com` hosts and sign for
//! Polygon; a simulator's sign for Amoy ([`ClientConfig::simulator`]), so nothing sent to a
//! non-Polymarket endpoint is valid on Polymarket's mainnet.

use std::time::Duration;

use crate::eip712::Chain;
use crate::rate::RateLimits;

/// Base URLs of every service, without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub clob: String,
    pub gamma: String,
    pub data: String,
    pub market_ws: String,
    pub user_ws: String,
    /// `GET` answers `{blocked, ip, country, region}`.
    pub geoblock: String,
}

impl Endpoints {
    /// Production Polymarket.
    pub fn polymarket() -> Self {
        Self {
            clob: "https://clob.polymarket.com".into(),
            gamma: "https://gamma-api.polymarket.com".into(),
            data: "https://data-api.polymarket.com".into(),
            market_ws: "wss://ws-subscriptions-clob.polymarket.com/ws/market".into(),
            user_ws: "wss://ws-subscriptions-clob.polymarket.com/ws/user".into(),
            geoblock: "https://polymarket.com/api/geoblock".into(),
        }
    }

    /// Whether every endpoint is one of Polymarket's hosts (`polymarket.com` or a subdomain
    /// of it); then the client speaks HTTPS only.
    pub fn is_polymarket(&self) -> bool {
        [
            &self.clob,
            &self.gamma,
            &self.data,
            &self.market_ws,
            &self.user_ws,
            &self.geoblock,
        ]
        .iter()
        .all(|url| is_polymarket_host(url))
    }

    /// The simulator's layout under one base URL (`http://127.0.0.1:PORT`).
    pub fn simulator(base: &str) -> Self {
        let base = base.trim_end_matches('/');
        let ws = base
            .replacen("https://", "wss://", 1)
            .replacen("http://", "ws://", 1);
        Self {
            clob: base.to_owned(),
            gamma: format!("{base}/gamma"),
            data: format!("{base}/data-api"),
            market_ws: format!("{ws}/ws/market"),
            user_ws: format!("{ws}/ws/user"),
            geoblock: format!("{base}/api/geoblock"),
        }
    }
}

/// Whether `url`'s host is `polymarket.com` or one of its subdomains (parsed as a URL: a
/// userinfo such as `https://polymarket.com@evil.example` names another host).
fn is_polymarket_host(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return false;
    }
    parsed
        .host_str()
        .map(str::to_ascii_lowercase)
        .is_some_and(|host| host == "polymarket.com" || host.ends_with(".polymarket.com"))
}

/// Client settings. `Default` is production with conservative budgets.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub endpoints: Endpoints,
    pub chain: Chain,
    /// Whole-request timeout; on `POST /order` it ends in `SubmitOutcomeUnknown`.
    pub timeout: Duration,
    pub limits: RateLimits,
    /// First 429 backoff ceiling and cap.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Most retries of one request refused for now (429, or 425 on reads and cancels);
    /// see [`crate::retry`].
    pub max_retries: u32,
    /// Most time one request waits between its retries; an exchange asking for longer gets
    /// the typed error (with its wait) handed to the caller instead.
    pub max_retry_wait: Duration,
    /// Seed of the backoff jitter; `None` seeds from the clock.
    pub jitter_seed: Option<u64>,
    /// Clock skew above which a warning is logged.
    pub skew_warning: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            endpoints: Endpoints::polymarket(),
            chain: Chain::Polygon,
            timeout: Duration::from_secs(10),
            limits: RateLimits::default(),
            backoff_base: Duration::from_millis(250),
            backoff_max: Duration::from_secs(10),
            max_retries: 5,
            max_retry_wait: Duration::from_secs(20),
            jitter_seed: None,
            skew_warning: Duration::from_secs(1),
        }
    }
}

impl ClientConfig {
    /// A PolyAgent simulator at `base` (`http://127.0.0.1:PORT`), signing for Amoy: nothing
    /// that is not Polymarket gets signatures for Polygon mainnet (issue #16).
    pub fn simulator(base: &str) -> Self {
        Self {
            endpoints: Endpoints::simulator(base),
            chain: Chain::Amoy,
            ..Self::default()
        }
    }
}
