//! The signer's trading tier (PROTOCOL.md §13.3; production's docs "Get rate limit tier"):
//! `GET /v1/user/rate-limit-tier` (L2) answers `{"tier":"standard"}`, the tier of the API
//! key's address spelled as `Poly-RateLimit-Tier` spells it; `POST /admin/rate-limit-tier`
//! `{"address", "tier"}` changes a wallet's tier at run time (production refreshes tiers from
//! the 30-day volume every 3 h; a test moves it at once).
//!
//! Invariants: the route checks L2 auth first (401 `Unauthorized/Invalid api key`), as every
//! private route does; the tier answered is the one the buckets use (one table,
//! [`super::limits::SignerLimits::tiers`]), so the route and the headers never disagree; a
//! changed tier sizes the signer's buckets from its next request on (a bucket never holds
//! more than the new burst).

use std::sync::Arc;

use alloy_primitives::Address;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

use super::Shared;
use super::http::{address_text, bad_request, json_ok, l2};
use super::limits::Tier;

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/v1/user/rate-limit-tier", get(rate_limit_tier))
        .route("/admin/rate-limit-tier", post(admin_rate_limit_tier))
}

async fn rate_limit_tier(
    State(shared): State<Arc<Shared>>,
    method: Method,
    headers: HeaderMap,
    uri: OriginalUri,
) -> Response {
    let sim = shared.lock();
    let key = match l2(&sim, &headers, &method, uri.path(), b"") {
        Ok(key) => key,
        Err(refusal) => return refusal,
    };
    let tier = sim.limits.tier_of(&address_text(key.address));
    json_ok(json!({ "tier": tier.name() }).to_string())
}

async fn admin_rate_limit_tier(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    #[derive(Deserialize)]
    struct Change {
        address: String,
        tier: String,
    }
    let change: Change = match serde_json::from_slice(&body) {
        Ok(change) => change,
        Err(e) => return bad_request(&format!("invalid admin request: {e}")),
    };
    let Ok(address) = change.address.parse::<Address>() else {
        return bad_request("address must be a 0x address");
    };
    let Some(tier) = Tier::from_name(&change.tier) else {
        return bad_request(&format!(
            "unknown tier '{}': one of standard, copper, bronze, silver, gold, platinum, diamond, elite",
            change.tier
        ));
    };
    let address = address_text(address);
    shared.lock().limits.tiers.insert(address.clone(), tier);
    json_ok(json!({ "address": address, "tier": tier.name() }).to_string())
}
