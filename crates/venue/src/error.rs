//! The one error type of this crate. Messages name the offending field and value but never
//! echo key material.

use polyagent_domain::money::MoneyError;
use polyagent_domain::secret::SecretParseError;
use polyagent_domain::trading::TradingParseError;

use crate::amounts::AmountError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("input is not valid order JSON: {0}")]
    InputJson(String),
    #[error("field `{field}` is required for this order")]
    MissingField { field: &'static str },
    #[error("field `{field}` is not allowed here: {reason}")]
    UnexpectedField {
        field: &'static str,
        reason: &'static str,
    },
    #[error("field `{field}` is invalid: {reason}")]
    InvalidField { field: &'static str, reason: String },
    #[error(transparent)]
    Amount(#[from] AmountError),
    #[error(transparent)]
    Trading(#[from] TradingParseError),
    #[error(transparent)]
    Money(#[from] MoneyError),
    #[error(transparent)]
    Secret(#[from] SecretParseError),
    #[error("chain id {0} is not supported; use 137 (Polygon) or 80002 (Amoy)")]
    UnsupportedChain(u64),
    #[error("order protocol version {0} is not supported; use 2 (Exchange V2) or 3 (Exchange V3)")]
    UnsupportedVersion(u64),
    #[error("{0}")]
    Funder(&'static str),
    #[error("the private key is not a valid secp256k1 signing key")]
    SigningKey,
    #[error("the API secret is not base64 (standard or URL-safe) of at most 64 bytes")]
    ApiSecret,
}
