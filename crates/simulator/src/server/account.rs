//! Private (L2) account routes the official clients call beyond orders and balances:
//! notifications, the closed-only ban status, and order scoring.
//!
//! Shapes follow production (PROTOCOL.md §3.1, §4.3; the Rust SDK's recorded fixtures):
//! - `GET /notifications?signature_type=N`: `[{"id", "type", "owner", "payload"}]`. The simulator
//!   notifies fills (type 2, "order fill") of the key's wallets once the trade is on chain (it
//!   carries a transaction hash); a trade that FAILED is reversed and not notified. The payload
//!   carries the fields the SDKs parse (asset, market, order, sizes, price, side, trade id, hash).
//! - `DELETE /notifications?ids=a,b`: drops those notifications for the key's owner; answers
//!   `null`. Dropping an unknown id is not an error.
//! - `GET /auth/ban-status/closed-only`: `{"closed_only": false}`; no account is restricted here.
//! - `GET /order-scoring?order_id=X`: `{"scoring": bool}`; `POST /orders-scoring` with
//!   `["X", ...]`: `{"X": bool, ...}`. An order scores for liquidity rewards only in a market that
//!   runs them: none does in the simulator, so every answer is `false`.
//!
//! - `GET /data/pre-migration-orders`: the key's V1-era orders, a cursor page; the simulator
//!   started after the migration, so it is an empty last page.
//!
//! Invariant: every route checks L2 auth first (401 `Unauthorized/Invalid api key`), over the path
//! without its query and the raw body, as the rest of the private routes do.

// Handlers return early with a ready `Response` on refusal, as in `http.rs`.
#![allow(clippy::result_large_err)]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Extension, Query, State};
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Router, extract::OriginalUri};
use serde_json::{Value, json};

use super::http::{bad_request, json_ok, l2};
use super::orders::funders_for_key;
use super::{Guard, Shared};
use crate::exchange::{Outcome, TradeRecord, TradeStatus};

type Sim = State<Arc<Shared>>;
type Params = Query<HashMap<String, String>>;

/// Notification type of an order fill, maker or taker (docs "CLOB L2 methods", notifications:
/// 1 order cancellation, 2 order fill, 4 market resolved).
const FILL: u8 = 2;

/// Notifications each owner address dropped, by id. Kept beside the exchange, not in it: it is
/// the API's view of what a user has read, not exchange state.
#[derive(Debug, Default, Clone)]
struct Dropped(Arc<Mutex<HashSet<(String, String)>>>);

impl Dropped {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<(String, String)>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/notifications",
            get(notifications).delete(drop_notifications),
        )
        .route("/auth/ban-status/closed-only", get(closed_only))
        .route("/data/pre-migration-orders", get(pre_migration_orders))
        .route("/order-scoring", get(order_scoring))
        .route("/orders-scoring", post(orders_scoring))
        .layer(Extension(Dropped::default()))
}

/// `signature_type` as the clients send it (0 EOA, 1 proxy, 2 Safe, 3 deposit wallet).
fn signature_type_ok(params: &HashMap<String, String>) -> Result<(), Response> {
    match params.get("signature_type").map(String::as_str) {
        None | Some("0" | "1" | "2" | "3") => Ok(()),
        Some(other) => Err(bad_request(&format!("invalid signature_type {other}"))),
    }
}

/// One side of a trade as its owner sees it.
struct Fill<'a> {
    id: String,
    trade: &'a TradeRecord,
    maker: bool,
}

/// The fills of `funders` that are on chain, oldest first, each with its notification id.
fn fills<'a>(sim: &'a Guard<'_>, funders: &[String]) -> Vec<Fill<'a>> {
    let mut out = Vec::new();
    for (index, trade) in sim.world.exchange.trades.iter().enumerate() {
        if trade.transaction_hash.is_empty() || trade.status == TradeStatus::Failed {
            continue;
        }
        for (maker, owner) in [(false, &trade.taker_owner), (true, &trade.maker_owner)] {
            if funders.contains(owner) {
                // Stable for the server's life: trades are only ever appended.
                let id = (index * 2 + usize::from(maker) + 1).to_string();
                out.push(Fill { id, trade, maker });
            }
        }
    }
    out
}

fn notification(sim: &Guard<'_>, fill: &Fill<'_>) -> Value {
    let exchange = &sim.world.exchange;
    let t = fill.trade;
    let (order_id, token, side, price, api_key) = if fill.maker {
        (
            &t.maker_order_id,
            &t.maker_token,
            t.maker_side,
            t.maker_price,
            &t.maker_api_key,
        )
    } else {
        (
            &t.taker_order_id,
            &t.taker_token,
            t.taker_side,
            t.price,
            &t.taker_api_key,
        )
    };
    let order = exchange.orders.get(order_id);
    let (market, outcome) = match exchange.token(token) {
        Some((market, outcome)) => (Some(market), outcome),
        None => (None, Outcome::Yes),
    };
    let listing = super::http::listing_of(sim, &t.condition_id);
    let text = |f: fn(&crate::scenario::MarketListing) -> &String| {
        listing.map(f).cloned().unwrap_or_default()
    };
    json!({
        "id": fill.id, "type": FILL, "owner": api_key,
        "payload": {
            "asset_id": token, "condition_id": t.condition_id, "market": t.condition_id,
            "eventSlug": text(|l| &l.event_slug), "market_slug": text(|l| &l.slug),
            "question": text(|l| &l.question), "seriesSlug": "", "icon": "", "image": "",
            "outcome": market.map(|m| m.outcome_name(outcome).to_owned()).unwrap_or_default(),
            "outcome_index": usize::from(outcome == Outcome::No),
            "order_id": order_id, "owner": api_key, "trade_id": t.id,
            "side": side.as_str().to_ascii_lowercase(), "price": price.to_string(),
            "matched_size": t.size.to_string(),
            "original_size": order.map(|o| o.original_size.to_string()).unwrap_or_default(),
            "remaining_size": order.map(|o| o.remaining().to_string()).unwrap_or_default(),
            "transaction_hash": t.transaction_hash,
            "type": order.map(|o| o.order_type.to_string()).unwrap_or_default(),
        }
    })
}

async fn notifications(
    State(shared): Sim,
    Extension(dropped): Extension<Dropped>,
    method: Method,
    headers: HeaderMap,
    uri: OriginalUri,
    Query(params): Params,
) -> Response {
    let sim = shared.lock();
    let key = match l2(&sim, &headers, &method, uri.path(), b"") {
        Ok(key) => key,
        Err(refusal) => return refusal,
    };
    if let Err(refusal) = signature_type_ok(&params) {
        return refusal;
    }
    let owner = format!("{:#x}", key.address);
    let dropped = dropped.lock();
    let funders = funders_for_key(&sim, &key);
    let answers: Vec<Value> = fills(&sim, &funders)
        .iter()
        .filter(|f| !dropped.contains(&(owner.clone(), f.id.clone())))
        .map(|f| notification(&sim, f))
        .collect();
    json_ok(Value::Array(answers).to_string())
}

async fn drop_notifications(
    State(shared): Sim,
    Extension(dropped): Extension<Dropped>,
    method: Method,
    headers: HeaderMap,
    uri: OriginalUri,
    Query(params): Params,
    body: Bytes,
) -> Response {
    let sim = shared.lock();
    let key = match l2(&sim, &headers, &method, uri.path(), &body) {
        Ok(key) => key,
        Err(refusal) => return refusal,
    };
    let owner = format!("{:#x}", key.address);
    let mut dropped = dropped.lock();
    for id in params
        .get("ids")
        .map(String::as_str)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
    {
        dropped.insert((owner.clone(), id.to_owned()));
    }
    json_ok("null".to_owned())
}

async fn closed_only(
    State(shared): Sim,
    method: Method,
    headers: HeaderMap,
    uri: OriginalUri,
) -> Response {
    let sim = shared.lock();
    match l2(&sim, &headers, &method, uri.path(), b"") {
        Ok(_) => json_ok(r#"{"closed_only":false}"#.to_owned()),
        Err(refusal) => refusal,
    }
}

async fn order_scoring(
    State(shared): Sim,
    method: Method,
    headers: HeaderMap,
    uri: OriginalUri,
    Query(params): Params,
) -> Response {
    let sim = shared.lock();
    if let Err(refusal) = l2(&sim, &headers, &method, uri.path(), b"") {
        return refusal;
    }
    if params.get("order_id").is_none_or(String::is_empty) {
        return bad_request("order_id is required");
    }
    json_ok(r#"{"scoring":false}"#.to_owned())
}

async fn orders_scoring(
    State(shared): Sim,
    method: Method,
    headers: HeaderMap,
    uri: OriginalUri,
    body: Bytes,
) -> Response {
    let sim = shared.lock();
    if let Err(refusal) = l2(&sim, &headers, &method, uri.path(), &body) {
        return refusal;
    }
    let Ok(ids) = serde_json::from_slice::<Vec<String>>(&body) else {
        return bad_request("Invalid payload");
    };
    let answer: serde_json::Map<String, Value> =
        ids.into_iter().map(|id| (id, Value::Bool(false))).collect();
    json_ok(Value::Object(answer).to_string())
}

async fn pre_migration_orders(
    State(shared): Sim,
    method: Method,
    headers: HeaderMap,
    uri: OriginalUri,
) -> Response {
    let sim = shared.lock();
    match l2(&sim, &headers, &method, uri.path(), b"") {
        Ok(_) => json_ok(r#"{"data":[],"next_cursor":"LTE=","limit":0,"count":0}"#.to_owned()),
        Err(refusal) => refusal,
    }
}
