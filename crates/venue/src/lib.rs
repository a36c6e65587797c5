//! The signing core of the Polymarket CLOB V2/V3 venue: everything between "buy 10 shares
//! at 0.57" and the exact bytes and headers of `POST /order`. No IO, no clock.
//!
//! Modules, bottom-up:
//! - [`amounts`]: exact-decimal maker/taker amounts for limit and market orders;
//! - [`eip712`]: the V2/V3 order struct, its hash and the precomputed exchange domains;
//! - [`signing`]: [`OrderSigner`](signing::OrderSigner) (signature types 0-3) and CREATE2
//!   funder derivation;
//! - [`auth`]: L1 `ClobAuth` headers and L2 HMAC headers ([`auth::L2Credentials`]);
//! - [`wire`]: the `POST /order` body and response;
//! - [`order_build`]: one-shot building from the shared vectors' JSON input shape.
//!
//! Invariants across the crate:
//! - prices, sizes and amounts are `rust_decimal::Decimal` or integer base units, never
//!   floats;
//! - keys, API secrets and passphrases are held only in `polyagent_domain::secret` types;
//! - outputs match the official clients' vectors byte for byte (see `tests/vectors.rs`).

pub mod amounts;
pub mod auth;
pub mod eip712;
mod error;
pub mod order_build;
pub mod signing;
pub mod wire;

pub use error::Error;
