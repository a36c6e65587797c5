//! The Polymarket CLOB V2/V3 venue.
//!
//! The signing core is everything between "buy 10 shares at 0.57" and the exact bytes and
//! headers of `POST /order`; it does no IO and reads no clock. Its modules, bottom-up:
//! - [`amounts`]: exact-decimal maker/taker amounts for limit and market orders;
//! - [`eip712`]: the V2/V3 order struct, its hash and the precomputed exchange domains;
//! - [`signing`]: [`OrderSigner`](signing::OrderSigner) (signature types 0-3) and CREATE2
//!   funder derivation;
//! - [`auth`]: L1 `ClobAuth` headers and L2 HMAC headers ([`auth::L2Credentials`]);
//! - [`wire`]: the `POST /order` body and response;
//! - [`order_build`]: one-shot building from the shared vectors' JSON input shape.
//!
//! The network half, on top (REST over reqwest/rustls, WebSockets over tokio-tungstenite;
//! every host configurable, so it runs against the simulator as well):
//! - [`types`]: domain-level results (markets, books, metrics, orders, trades);
//! - [`venue_error`]: [`VenueError`], classified errors incl. `SubmitOutcomeUnknown`;
//! - [`rate`]: token-bucket budgets, backoff with jitter, injectable clocks;
//! - [`retry`]: the one bounded retry policy (backon's exponential backoff with jitter);
//! - [`signer_rate`]: the per-signer order and cancel buckets, tiers and rate-limit headers;
//! - [`gamma`], [`clob_wire`]: wire shapes parsed at the edge;
//! - [`geoblock`]: where this machine may trade from (open, close-only, blocked);
//! - [`client`]: [`client::PublicClient`] and the typestate [`client::AuthedClient`];
//!   their HTTP send/retry core lives in `transport`, the order and cancel routes in
//!   `trading`;
//! - [`venue`]: the [`venue::MarketData`] / [`venue::Venue`] traits;
//! - [`book`]: market-channel messages (borrowed parsing) and the local order book;
//! - `market_scan`: the byte scanner that reads usual market frames before serde would;
//! - [`market_ws`]: the shared market-feed pool with health and reconnects;
//! - [`user_ws`]: one wallet's order and trade events, reconciled over REST.
//!
//! Invariants across the crate:
//! - prices, sizes and amounts are `rust_decimal::Decimal` or integer base units, never
//!   floats;
//! - keys, API secrets and passphrases are held only in `polyagent_domain::secret` types;
//! - outputs match the official clients' vectors byte for byte (see `tests/vectors.rs`).

pub mod amounts;
pub mod auth;
pub mod book;
pub mod client;
pub mod clob_wire;
pub mod eip712;
mod endpoints;
mod error;
pub mod gamma;
pub mod geoblock;
mod market_scan;
pub mod market_ws;
pub mod marketable;
pub mod order_build;
pub mod rate;
pub mod retry;
pub mod signer_rate;
pub mod signing;
mod trading;
mod transport;
pub mod types;
pub mod user_ws;
pub mod venue;
pub mod venue_error;
pub mod wire;

/// The market-frame readers' two halves, for the fuzz targets that check they agree (feature
/// `fuzzing`, never in the app): the byte scanner accepts only what serde reads the same way.
#[cfg(feature = "fuzzing")]
pub mod market_frame_readers {
    use crate::book::MarketMessage;
    use crate::venue_error::VenueError;

    /// The byte scanner: the message, or `None` when it declines the frame.
    pub fn scan(text: &str) -> Option<MarketMessage<'_>> {
        crate::market_scan::scan_message(text)
    }

    /// The serde reference parse of one object frame.
    pub fn with_serde(text: &str) -> Result<MarketMessage<'_>, VenueError> {
        crate::book::parse_one_with_serde(text)
    }
}

pub use error::Error;
pub use venue_error::VenueError;
