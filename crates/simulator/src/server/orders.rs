//! The trading routes: posting and cancelling orders, and the order and trade queries.
//!
//! Bodies are read raw so the L2 HMAC is checked over exactly the bytes received. Every refusal
//! answers with Polymarket's status and `{"error": "..."}` text.

// Handlers return early with a ready `Response` on refusal; boxing it would only add noise.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use polyagent_domain::trading::OrderType;
use polyagent_venue::signing::{proxy_wallet_address, safe_wallet_address};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{self, IssuedKey};
use super::feed::{order_json, trade_json};
use super::gate;
use super::http::{address_text, bad_request, error, json_ok, l2, listing_of};
use super::limits::BucketKind;
use super::{Faults, Guard, Shared};
use crate::exchange::{NewOrder, PlaceError};
use crate::scenario::OrderQueryRules;
use crate::units::Micros;

type Sim = State<Arc<Shared>>;
type Params = Query<HashMap<String, String>>;

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/order", post(post_order).delete(cancel_order))
        .route("/orders", post(post_orders).delete(cancel_orders))
        .route("/cancel-all", axum::routing::delete(cancel_all))
        .route(
            "/cancel-market-orders",
            axum::routing::delete(cancel_market_orders),
        )
        .route("/data/order/{id}", get(get_order))
        .route("/data/orders", get(get_orders))
        .route("/data/trades", get(get_trades))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PostOrderWire {
    order: Value,
    owner: String,
    order_type: String,
    #[serde(default)]
    post_only: bool,
    #[serde(default)]
    #[allow(dead_code)]
    defer_exec: bool,
}

/// An order refused before or by the engine: status and Polymarket's text.
type Refusal = (StatusCode, String);

fn refuse(message: impl Into<String>) -> Refusal {
    (StatusCode::BAD_REQUEST, message.into())
}

/// Checks, places and answers one posted order. `Ok` is the success JSON.
fn place_one(sim: &mut Guard<'_>, key: &IssuedKey, item: &Value) -> Result<String, Refusal> {
    let request: PostOrderWire = serde_json::from_value(item.clone())
        .map_err(|e| refuse(format!("Invalid payload: {e}")))?;
    if request.owner != key.api_key {
        return Err(refuse("the order owner has to be the owner of the API KEY"));
    }
    let order_type: OrderType = request
        .order_type
        .parse()
        .map_err(|_| refuse(format!("invalid order type '{}'", request.order_type)))?;
    let auth::ParsedOrder {
        posted,
        token_id,
        expiration,
    } = auth::parse_order(&request.order).map_err(refuse)?;
    let (condition_id, neg_risk) = {
        let (market, _) = sim
            .world
            .exchange
            .token(&token_id)
            .ok_or_else(|| refuse("Invalid token id"))?;
        (market.condition_id.clone(), market.neg_risk)
    };
    let version = listing_of(sim, &condition_id).map_or("v1".to_owned(), |l| l.version.clone());
    let domain = auth::domain_for(sim.chain, &version, neg_risk);
    sim.wallet_rules
        .check(&posted.order)
        .map_err(|e| refuse(e.to_string()))?;
    let owners = sim.wallet_rules.owners.clone();
    let digest = auth::verify_order(&posted, domain, key.address, sim.chain, |wallet| {
        owners.get(&wallet).copied()
    })
    .map_err(|e| refuse(e.to_string()))?;
    if sim.faults.reject_balance > 0 {
        sim.faults.reject_balance -= 1;
        return Err(refuse(PlaceError::NotEnoughBalance.to_string()));
    }
    let amount = |raw: u128| {
        u64::try_from(raw)
            .map(Micros)
            .map_err(|_| refuse("invalid amounts"))
    };
    let new_order = NewOrder {
        id: format!("{digest:#x}"),
        owner: address_text(posted.order.maker),
        api_key: key.api_key.clone(),
        token: token_id,
        side: posted.order.side,
        maker_amount: amount(posted.order.maker_amount)?,
        taker_amount: amount(posted.order.taker_amount)?,
        order_type,
        post_only: request.post_only,
        expiration,
    };
    let now = sim.now_ms();
    let placed = sim
        .world
        .exchange
        .place(new_order, now)
        .map_err(|e| refuse(e.to_string()))?;
    let shown = |m: Micros| {
        if m == Micros::ZERO {
            String::new()
        } else {
            m.to_string()
        }
    };
    Ok(json!({
        "success": true, "errorMsg": "", "orderID": placed.order_id, "status": placed.status,
        "makingAmount": shown(placed.making_amount), "takingAmount": shown(placed.taking_amount),
        "transactionsHashes": [], "tradeIDs": placed.trade_ids,
    })
    .to_string())
}

/// Applies the "500" fault switches around one order; `None` means answer normally.
fn post_fault_before(faults: &mut Faults) -> bool {
    if faults.post_500_before_accept > 0 {
        faults.post_500_before_accept -= 1;
        return true;
    }
    false
}

fn post_fault_after(faults: &mut Faults) -> bool {
    if faults.post_500_after_accept > 0 {
        faults.post_500_after_accept -= 1;
        return true;
    }
    false
}

const EXECUTION_FAILED: &str = "could not run the execution";
/// The most ids one `DELETE /orders` may carry (production's changelog, 2026-06-15).
const MAX_CANCEL_IDS: usize = 1_000;

async fn post_order(
    State(shared): Sim,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let arrived = std::time::Instant::now();
    let probed = shared
        .latency_probe
        .as_ref()
        .and_then(|probe| Some((probe, probe.order_arrived(arrived)?)));
    let mut sim = shared.lock();
    let key = or_respond!(l2(&sim, &headers, &method, "/order", &body));
    let gate = or_respond!(gate::admit(&mut sim, &key, BucketKind::Order, 1));
    if post_fault_before(&mut sim.faults) {
        return gate.answer(error(StatusCode::INTERNAL_SERVER_ERROR, EXECUTION_FAILED));
    }
    let Ok(item) = serde_json::from_slice::<Value>(&body) else {
        return gate.answer(bad_request("Invalid payload"));
    };
    if let Some((refusal, _)) = gate::post_only_refusal(&sim, &item) {
        return gate.answer(refusal);
    }
    let response = match place_one(&mut sim, &key, &item) {
        Ok(answer) if post_fault_after(&mut sim.faults) => {
            drop(answer);
            error(StatusCode::INTERNAL_SERVER_ERROR, EXECUTION_FAILED)
        }
        Ok(answer) => {
            if let Some((probe, index)) = probed {
                let id = serde_json::from_str::<Value>(&answer)
                    .ok()
                    .and_then(|a| a.get("orderID").and_then(Value::as_str).map(str::to_owned));
                if let Some(id) = id {
                    probe.order_placed(index, id);
                }
            }
            json_ok(answer)
        }
        Err((status, message)) => error(status, &message),
    };
    gate.answer(response)
}

async fn post_orders(
    State(shared): Sim,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut sim = shared.lock();
    let key = or_respond!(l2(&sim, &headers, &method, "/orders", &body));
    let Ok(items) = serde_json::from_slice::<Vec<Value>>(&body) else {
        return bad_request("Invalid payload");
    };
    if items.is_empty() || items.len() > 15 {
        return bad_request("Payload exceeds the limit");
    }
    let gate = or_respond!(gate::admit(&mut sim, &key, BucketKind::Order, items.len()));
    if post_fault_before(&mut sim.faults) {
        return gate.answer(error(StatusCode::INTERNAL_SERVER_ERROR, EXECUTION_FAILED));
    }
    let answers: Vec<String> = items
        .iter()
        .map(|item| {
            if let Some((_, entry)) = gate::post_only_refusal(&sim, item) {
                return entry.to_string();
            }
            match place_one(&mut sim, &key, item) {
            Ok(answer) => answer,
            Err((_, message)) => json!({
                "success": false, "errorMsg": message, "orderID": "", "status": "",
                "makingAmount": "", "takingAmount": "", "transactionsHashes": [], "tradeIDs": [],
            })
            .to_string(),
            }
        })
        .collect();
    if post_fault_after(&mut sim.faults) {
        return gate.answer(error(StatusCode::INTERNAL_SERVER_ERROR, EXECUTION_FAILED));
    }
    gate.answer(json_ok(format!("[{}]", answers.join(","))))
}

/// The funder whose orders a key may act on: its own address, or the proxy / Safe it owns.
fn funders_of(sim: &Guard<'_>, key: &IssuedKey) -> Vec<String> {
    let mut funders = vec![
        address_text(key.address),
        address_text(safe_wallet_address(key.address)),
    ];
    let proxy = proxy_wallet_address(key.address, sim.chain)
        .or_else(|| proxy_wallet_address(key.address, polyagent_venue::eip712::Chain::Polygon));
    if let Some(proxy) = proxy {
        funders.push(address_text(proxy));
    }
    funders
}

fn cancel_ids(sim: &mut Guard<'_>, key: &IssuedKey, ids: &[String]) -> Response {
    let funders = funders_of(sim, key);
    let mut canceled = Vec::new();
    let mut not_canceled = serde_json::Map::new();
    for id in ids {
        let owner = sim
            .world
            .exchange
            .orders
            .get(id)
            .map(|o| o.owner.clone())
            .filter(|o| funders.contains(o));
        let result = match owner {
            Some(owner) => sim.world.exchange.cancel(&owner, id),
            None => Err(crate::exchange::ORDER_NOT_FOUND),
        };
        match result {
            Ok(()) => canceled.push(id.clone()),
            Err(reason) => {
                not_canceled.insert(id.clone(), Value::String(reason.to_owned()));
            }
        }
    }
    json_ok(json!({"canceled": canceled, "not_canceled": not_canceled}).to_string())
}

async fn cancel_order(
    State(shared): Sim,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut sim = shared.lock();
    let key = or_respond!(l2(&sim, &headers, &method, "/order", &body));
    let Some(id) = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("orderID").and_then(Value::as_str).map(str::to_owned))
    else {
        return bad_request("Invalid payload");
    };
    let gate = or_respond!(gate::admit(&mut sim, &key, BucketKind::Cancel, 1));
    gate.answer(cancel_ids(&mut sim, &key, &[id]))
}

async fn cancel_orders(
    State(shared): Sim,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut sim = shared.lock();
    let key = or_respond!(l2(&sim, &headers, &method, "/orders", &body));
    let Ok(ids) = serde_json::from_slice::<Vec<String>>(&body) else {
        return bad_request("Invalid payload");
    };
    if ids.len() > MAX_CANCEL_IDS {
        return bad_request(&format!(
            "Payload exceeds the limit: at most {MAX_CANCEL_IDS} order ids per request"
        ));
    }
    let gate = or_respond!(gate::admit(&mut sim, &key, BucketKind::Cancel, ids.len()));
    gate.answer(cancel_ids(&mut sim, &key, &ids))
}

/// Cancels every open order of the key (optionally in one market / token). Costs 1 cancel
/// token up front and 1 per order cancelled afterwards.
fn cancel_matching(
    sim: &mut Guard<'_>,
    key: &IssuedKey,
    market: Option<&str>,
    token: Option<&str>,
) -> Response {
    let mut gate = or_respond!(gate::admit(sim, key, BucketKind::Cancel, 1));
    let mut canceled = Vec::new();
    for funder in funders_of(sim, key) {
        canceled.extend(sim.world.exchange.cancel_all(&funder, market, token));
    }
    gate.charge_cancelled(sim, canceled.len());
    gate.answer(json_ok(
        json!({"canceled": canceled, "not_canceled": {}}).to_string(),
    ))
}

async fn cancel_all(
    State(shared): Sim,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut sim = shared.lock();
    match l2(&sim, &headers, &method, "/cancel-all", &body) {
        Ok(key) => cancel_matching(&mut sim, &key, None, None),
        Err(e) => e,
    }
}

async fn cancel_market_orders(
    State(shared): Sim,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut sim = shared.lock();
    let key = or_respond!(l2(&sim, &headers, &method, "/cancel-market-orders", &body));
    let filter: HashMap<String, String> = if body.is_empty() {
        HashMap::new()
    } else {
        match serde_json::from_slice(&body) {
            Ok(filter) => filter,
            Err(_) => return bad_request("Invalid payload"),
        }
    };
    cancel_matching(
        &mut sim,
        &key,
        filter.get("market").map(String::as_str),
        filter.get("asset_id").map(String::as_str),
    )
}

async fn get_order(
    State(shared): Sim,
    method: Method,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let sim = shared.lock();
    let key = or_respond!(l2(
        &sim,
        &headers,
        &method,
        &format!("/data/order/{id}"),
        b""
    ));
    let funders = funders_of(&sim, &key);
    match sim
        .world
        .exchange
        .orders
        .get(&id)
        .filter(|o| funders.contains(&o.owner))
    {
        Some(order) => json_ok(format!(
            "{{{}}}",
            order_json(&sim.world.exchange, sim.world.order_query_rules, order)
        )),
        None => error(StatusCode::NOT_FOUND, "order not found"),
    }
}

/// The refusal of an order query by asset alone under the December 2026 rules. Production's
/// exact words are not recorded; this follows its "invalid filters" wording.
const ASSET_WITHOUT_MARKET: &str =
    "invalid filters: asset_id must be sent together with market (the condition id of its market)";

/// A single page: the simulator never has more than fits, so `next_cursor` is always the end.
fn page(items: Vec<String>) -> Response {
    let count = items.len();
    json_ok(format!(
        r#"{{"data":[{}],"next_cursor":"LTE=","limit":{count},"count":{count}}}"#,
        items.join(",")
    ))
}

async fn get_orders(
    State(shared): Sim,
    method: Method,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    let sim = shared.lock();
    let key = or_respond!(l2(&sim, &headers, &method, "/data/orders", b""));
    if sim.world.order_query_rules == OrderQueryRules::December2026
        && params.contains_key("asset_id")
        && !params.contains_key("market")
    {
        return bad_request(ASSET_WITHOUT_MARKET);
    }
    let exchange = &sim.world.exchange;
    let mut orders: Vec<&crate::exchange::OrderRecord> = funders_of(&sim, &key)
        .iter()
        .flat_map(|f| {
            exchange.open_orders(
                f,
                params.get("market").map(String::as_str),
                params.get("asset_id").map(String::as_str),
            )
        })
        .filter(|o| params.get("id").is_none_or(|id| &o.id == id))
        .collect();
    orders.sort_by_key(|o| o.key);
    page(
        orders
            .iter()
            .map(|o| {
                format!(
                    "{{{}}}",
                    order_json(exchange, sim.world.order_query_rules, o)
                )
            })
            .collect(),
    )
}

async fn get_trades(
    State(shared): Sim,
    method: Method,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    let sim = shared.lock();
    let key = or_respond!(l2(&sim, &headers, &method, "/data/trades", b""));
    let funders = funders_of(&sim, &key);
    let num = |name: &str| params.get(name).and_then(|v| v.parse::<u64>().ok());
    let (before, after) = (num("before"), num("after"));
    let exchange = &sim.world.exchange;
    let trades: Vec<String> = exchange
        .trades
        .iter()
        .filter(|t| funders.contains(&t.taker_owner) || funders.contains(&t.maker_owner))
        .filter(|t| params.get("id").is_none_or(|id| &t.id == id))
        .filter(|t| params.get("market").is_none_or(|m| &t.condition_id == m))
        .filter(|t| {
            params
                .get("asset_id")
                .is_none_or(|a| &t.taker_token == a || &t.maker_token == a)
        })
        .filter(|t| before.is_none_or(|b| t.match_time_ms / 1000 < b))
        .filter(|t| after.is_none_or(|a| t.match_time_ms / 1000 > a))
        .map(|t| format!("{{{}}}", trade_json(exchange, t)))
        .collect();
    page(trades)
}

/// Helper for the user channel: which funders an API key's owner trades for.
pub(super) fn funders_for_key(sim: &Guard<'_>, key: &IssuedKey) -> Vec<String> {
    funders_of(sim, key)
}
