//! The REST routes: CLOB public and account endpoints, Gamma, and the admin controls (the
//! trading routes are in `orders`).
//!
//! Bodies are read raw so the L2 HMAC is checked over exactly the bytes received. Every error
//! answers with Polymarket's status and `{"error": "..."}` text.

// Handlers return early with a ready `Response` on refusal; boxing it would only add noise.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use alloy_primitives::{Address, U256};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use polyagent_venue::signing::{proxy_wallet_address, safe_wallet_address};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{self, IssuedKey};
use super::feed::book_summary;
use super::{Faults, Guard, Shared, displayed_price};
use crate::exchange::{MarketStatus, Outcome};
use crate::units::{Micros, Pips};

type Sim = State<Arc<Shared>>;
type Params = Query<HashMap<String, String>>;

pub(super) fn router(shared: Arc<Shared>) -> Router {
    let router = Router::new()
        .route("/", get(|| async { json_ok(r#""OK""#.to_owned()) }))
        .route("/ok", get(|| async { json_ok(r#""OK""#.to_owned()) }))
        .route("/time", get(time))
        .route(
            "/version",
            get(|| async { json_ok(r#"{"version":2}"#.to_owned()) }),
        )
        .route("/book", get(book))
        .route("/books", post(books))
        .route("/price", get(price))
        .route("/midpoint", get(midpoint))
        .route("/spread", get(spread))
        .route("/last-trade-price", get(last_trade_price))
        .route("/tick-size", get(tick_size))
        .route("/neg-risk", get(neg_risk))
        .route("/prices-history", get(prices_history))
        .route("/clob-markets/{condition_id}", get(clob_market))
        .route("/auth/api-key", post(create_api_key).delete(delete_api_key))
        .route("/auth/derive-api-key", get(derive_api_key))
        .route("/auth/api-keys", get(list_api_keys))
        .merge(super::orders::routes())
        .route("/balance-allowance", get(balance_allowance))
        .route("/balance-allowance/update", get(balance_allowance_update))
        .route("/v1/heartbeats", post(heartbeat))
        .route("/heartbeats", post(heartbeat))
        .route("/gamma/markets", get(gamma_markets))
        .route("/gamma/markets/slug/{slug}", get(gamma_market_by_slug))
        .route("/gamma/markets/{id}", get(gamma_market_by_id))
        .route("/gamma/events", get(gamma_events))
        .route("/gamma/events/slug/{slug}", get(gamma_event_by_slug))
        .route("/gamma/public-search", get(gamma_search))
        .route("/ws/market", any(super::ws::market))
        .route("/ws/user", any(super::ws::user))
        .route("/admin/state", get(admin_state))
        .route("/admin/clock", post(admin_clock))
        .route("/admin/faults", get(admin_faults).post(admin_set_faults))
        .route("/admin/drop-ws", post(admin_drop_ws))
        .route("/admin/tick-size", post(admin_tick_size))
        .route("/admin/resolve", post(admin_resolve))
        .route("/admin/fund", post(admin_fund))
        .route("/admin/allowance", post(admin_allowance))
        .route("/admin/price", post(admin_price))
        .route("/admin/api-key", post(admin_api_key))
        .merge(super::wallets::routes())
        .merge(super::clob_reads::routes())
        .merge(super::account::routes())
        .merge(super::rate_tier::routes())
        .fallback(|| async { error(StatusCode::NOT_FOUND, "not found") });
    super::route_switch::apply(router)
        .layer(middleware::from_fn_with_state(shared.clone(), apply_faults))
        .with_state(shared)
}

// ---------------------------------------------------------------------------------------------
// Responses

pub(super) fn json_ok(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

pub(super) fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        json!({ "error": message }).to_string(),
    )
        .into_response()
}

/// Polymarket's answer for a token without a book.
fn no_book() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "No orderbook exists for the requested token id",
    )
}

pub(super) fn bad_request(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, message)
}

/// Slow responses and 429 storms, for every route but the admin controls.
async fn apply_faults(State(shared): Sim, request: Request, next: Next) -> Response {
    if request.uri().path().starts_with("/admin") {
        return next.run(request).await;
    }
    let (delay, too_many) = {
        let mut sim = shared.lock();
        let too_many = sim.faults.http_429 > 0;
        if too_many {
            sim.faults.http_429 -= 1;
        }
        (sim.faults.delay_ms, too_many)
    };
    if delay > 0 {
        // Simulated network latency, part of the product's fault model.
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    if too_many {
        return error(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
    }
    next.run(request).await
}

pub(super) fn lower_headers(headers: &HeaderMap) -> HashMap<String, String> {
    headers
        .iter()
        .filter_map(|(name, value)| {
            value
                .to_str()
                .ok()
                .map(|v| (name.as_str().to_ascii_lowercase(), v.to_owned()))
        })
        .collect()
}

/// Checks L2 auth for a request and returns the key it used.
pub(super) fn l2(
    sim: &Guard<'_>,
    headers: &HeaderMap,
    method: &Method,
    path: &str,
    body: &[u8],
) -> Result<IssuedKey, Response> {
    auth::verify_l2(
        &sim.keys,
        &lower_headers(headers),
        method.as_str(),
        path,
        body,
    )
    .cloned()
    .map_err(|e| error(StatusCode::UNAUTHORIZED, &e.to_string()))
}

pub(super) fn address_text(address: Address) -> String {
    format!("{address:#x}")
}

// ---------------------------------------------------------------------------------------------
// Public market data

async fn time(State(shared): Sim) -> Response {
    let sim = shared.lock();
    let skewed = i128::from(sim.now_ms()) + i128::from(sim.faults.clock_skew_ms);
    json_ok((skewed / 1000).to_string())
}

fn token_param(params: &HashMap<String, String>) -> Result<&str, Response> {
    params
        .get("token_id")
        .or_else(|| params.get("market"))
        .map(String::as_str)
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| bad_request("Invalid token id"))
}

/// Runs `f` on the token's market, or answers 404 like Polymarket.
pub(super) fn with_token<T>(
    shared: &Shared,
    params: &HashMap<String, String>,
    f: impl FnOnce(&crate::exchange::Market, Outcome, u64) -> T,
) -> Result<T, Response> {
    let token = token_param(params)?;
    let sim = shared.lock();
    let now = sim.now_ms();
    let (market, outcome) = sim.world.exchange.token(token).ok_or_else(no_book)?;
    Ok(f(market, outcome, now))
}

async fn book(State(shared): Sim, Query(params): Params) -> Response {
    with_token(&shared, &params, |m, o, now| {
        json_ok(book_summary(m, o, now))
    })
    .unwrap_or_else(|e| e)
}

async fn books(State(shared): Sim, body: Bytes) -> Response {
    let Ok(items) = serde_json::from_slice::<Vec<HashMap<String, Value>>>(&body) else {
        return bad_request("Invalid payload");
    };
    if items.len() > 500 {
        return bad_request("Payload exceeds the limit");
    }
    let sim = shared.lock();
    let now = sim.now_ms();
    let mut out = String::from("[");
    let mut first = true;
    for item in items {
        let Some((market, outcome)) = item
            .get("token_id")
            .and_then(Value::as_str)
            .and_then(|t| sim.world.exchange.token(t))
        else {
            continue;
        };
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(&book_summary(market, outcome, now));
    }
    out.push(']');
    json_ok(out)
}

pub(super) fn best_prices(
    market: &crate::exchange::Market,
    outcome: Outcome,
) -> (Option<Pips>, Option<Pips>) {
    let (bids, asks) = market.levels(outcome);
    (bids.first().map(|l| l.0), asks.first().map(|l| l.0))
}

async fn price(State(shared): Sim, Query(params): Params) -> Response {
    let side = params.get("side").map(String::as_str);
    if !matches!(side, Some("BUY" | "SELL")) {
        return bad_request("Invalid side");
    }
    with_token(&shared, &params, |m, o, _| {
        let (bid, ask) = best_prices(m, o);
        // OpenAPI: BUY answers the best bid, SELL the best ask.
        let price = if side == Some("BUY") { bid } else { ask };
        match price {
            Some(p) => json_ok(format!(r#"{{"price":"{p}"}}"#)),
            None => no_book(),
        }
    })
    .unwrap_or_else(|e| e)
}

/// Answers from the best bid and ask of a token's book, or 404 while a side is empty.
fn from_top(
    shared: &Shared,
    params: &HashMap<String, String>,
    answer: impl FnOnce(Pips, Pips) -> String,
) -> Response {
    with_token(shared, params, |m, o, _| match best_prices(m, o) {
        (Some(bid), Some(ask)) => json_ok(answer(bid, ask)),
        _ => no_book(),
    })
    .unwrap_or_else(|e| e)
}

async fn midpoint(State(shared): Sim, Query(params): Params) -> Response {
    from_top(&shared, &params, |bid, ask| {
        let mid = (bid.to_decimal() + ask.to_decimal()) / rust_decimal::Decimal::TWO;
        format!(r#"{{"mid":"{mid}"}}"#)
    })
}

async fn spread(State(shared): Sim, Query(params): Params) -> Response {
    from_top(&shared, &params, |bid, ask| {
        format!(r#"{{"spread":"{}"}}"#, ask.to_decimal() - bid.to_decimal())
    })
}

async fn last_trade_price(State(shared): Sim, Query(params): Params) -> Response {
    with_token(&shared, &params, |m, o, _| match m.last_trade {
        Some((yes_price, side)) => {
            let price = if o == Outcome::Yes {
                yes_price
            } else {
                yes_price.complement()
            };
            json_ok(format!(
                r#"{{"price":"{price}","side":"{}"}}"#,
                side.as_str()
            ))
        }
        None => json_ok(r#"{"price":"0.5","side":""}"#.to_owned()),
    })
    .unwrap_or_else(|e| e)
}

async fn tick_size(State(shared): Sim, Query(params): Params) -> Response {
    with_token(&shared, &params, |m, _, _| {
        json_ok(format!(r#"{{"minimum_tick_size":{}}}"#, m.tick))
    })
    .unwrap_or_else(|e| e)
}

async fn neg_risk(State(shared): Sim, Query(params): Params) -> Response {
    with_token(&shared, &params, |m, _, _| {
        json_ok(format!(r#"{{"neg_risk":{}}}"#, m.neg_risk))
    })
    .unwrap_or_else(|e| e)
}

async fn prices_history(State(shared): Sim, Query(params): Params) -> Response {
    let Some(token) = params.get("market").filter(|t| !t.is_empty()) else {
        return bad_request("Invalid token id");
    };
    let sim = shared.lock();
    let now_s = sim.now_ms() / 1000;
    let (start, end) = match (
        params.get("startTs"),
        params.get("endTs"),
        params.get("interval").map(String::as_str),
    ) {
        (Some(s), Some(e), _) => match (s.parse::<u64>(), e.parse::<u64>()) {
            (Ok(s), Ok(e)) if s <= e => (s, e),
            _ => {
                return bad_request(
                    "invalid filters: startTs and endTs must be unix seconds, startTs <= endTs",
                );
            }
        },
        (_, _, interval) => {
            let span = match interval.unwrap_or("max") {
                "1m" => 60,
                "1h" => 3_600,
                "6h" => 21_600,
                "1d" => 86_400,
                "1w" => 604_800,
                "max" => u64::MAX,
                _ => {
                    return bad_request(
                        "invalid filters: interval must be one of 1m, 1h, 6h, 1d, 1w, max",
                    );
                }
            };
            (now_s.saturating_sub(span), now_s)
        }
    };
    let fidelity_s = match params.get("fidelity").map(|f| f.parse::<u64>()) {
        None => 60,
        Some(Ok(minutes)) if minutes > 0 => minutes * 60,
        Some(_) => {
            return bad_request("invalid filters: fidelity must be a whole number of minutes");
        }
    };
    let mut out = String::from(r#"{"history":["#);
    let mut last_bucket = None;
    let mut first = true;
    if let Some(series) = sim.history.get(token.as_str()) {
        for &(t, p) in series.iter().filter(|(t, _)| *t >= start && *t <= end) {
            let bucket = t / fidelity_s;
            if last_bucket == Some(bucket) {
                continue;
            }
            last_bucket = Some(bucket);
            if !first {
                out.push(',');
            }
            first = false;
            let _ = write!(out, r#"{{"t":{t},"p":{p}}}"#);
        }
    }
    out.push_str("]}");
    json_ok(out)
}

pub(super) fn listing_of<'a>(
    sim: &'a Guard<'_>,
    condition_id: &str,
) -> Option<&'a crate::scenario::MarketListing> {
    sim.world
        .listings
        .iter()
        .find(|l| l.condition_id == condition_id)
}

async fn clob_market(State(shared): Sim, Path(condition_id): Path<String>) -> Response {
    let sim = shared.lock();
    let Some(market) = sim.world.exchange.markets.get(&condition_id) else {
        return error(StatusCode::NOT_FOUND, "market not found");
    };
    let fees = &market.fees;
    json_ok(
        json!({
            "c": market.condition_id,
            "t": [{"t": market.tokens[0], "o": market.outcomes[0]}, {"t": market.tokens[1], "o": market.outcomes[1]}],
            "mts": market.tick.to_decimal(),
            "mos": market.min_size.to_decimal(),
            "nr": market.neg_risk,
            "fd": {"r": fees.rate, "e": fees.exponent, "to": fees.taker_only},
            "mbf": 0, "tbf": 0, "r": null,
            "ao": market.status == MarketStatus::Open,
            "sd": 0, "itode": sim.world.exchange.taker_delays_ms.contains_key(&condition_id),
        })
        .to_string(),
    )
}

// ---------------------------------------------------------------------------------------------
// Auth (L1)

fn issued_json(key: &IssuedKey) -> Response {
    json_ok(
        json!({"apiKey": key.api_key, "secret": key.secret, "passphrase": key.passphrase})
            .to_string(),
    )
}

async fn create_api_key(State(shared): Sim, headers: HeaderMap) -> Response {
    let mut sim = shared.lock();
    match auth::verify_l1(&lower_headers(&headers), sim.chain) {
        Ok((address, nonce)) => {
            let key = sim.keys.issue(address, nonce);
            if sim.faults.malformed_api_key > 0 {
                sim.faults.malformed_api_key -= 1;
                return json_ok(
                    json!({"apiKey": key.api_key, "secret": key.secret, "passphrase": null,
                           "pass_phrase": key.passphrase})
                    .to_string(),
                );
            }
            issued_json(&key)
        }
        Err(e) => error(StatusCode::UNAUTHORIZED, &e.to_string()),
    }
}

async fn derive_api_key(State(shared): Sim, headers: HeaderMap) -> Response {
    create_api_key(State(shared), headers).await
}

async fn list_api_keys(State(shared): Sim, method: Method, headers: HeaderMap) -> Response {
    let sim = shared.lock();
    match l2(&sim, &headers, &method, "/auth/api-keys", b"") {
        Ok(key) => json_ok(json!({"apiKeys": sim.keys.keys_of(key.address)}).to_string()),
        Err(e) => e,
    }
}

async fn delete_api_key(
    State(shared): Sim,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut sim = shared.lock();
    match l2(&sim, &headers, &method, "/auth/api-key", &body) {
        Ok(key) => {
            sim.keys.revoke(&key.api_key);
            json_ok(r#""OK""#.to_owned())
        }
        Err(e) => e,
    }
}

// ---------------------------------------------------------------------------------------------
// Account

async fn balance_allowance(
    State(shared): Sim,
    method: Method,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    let sim = shared.lock();
    let key = or_respond!(l2(&sim, &headers, &method, "/balance-allowance", b""));
    let funder = match params
        .get("signature_type")
        .map(String::as_str)
        .unwrap_or("0")
    {
        "0" | "3" => key.address,
        "1" => match proxy_wallet_address(key.address, sim.chain) {
            Some(proxy) => proxy,
            None => return bad_request("invalid signature_type: no proxy wallets on this chain"),
        },
        "2" => safe_wallet_address(key.address),
        other => return bad_request(&format!("invalid signature_type {other}")),
    };
    let account = sim
        .world
        .exchange
        .account(&address_text(funder))
        .cloned()
        .unwrap_or_default();
    let balance = match params.get("asset_type").map(String::as_str) {
        Some("COLLATERAL") => account.pusd,
        Some("CONDITIONAL" | "CONDITIONAL-V2") => match params.get("token_id") {
            Some(token) => account.shares_of(token),
            None => return bad_request("token_id is required for CONDITIONAL balances"),
        },
        _ => return bad_request("invalid asset_type: COLLATERAL or CONDITIONAL"),
    };
    let allowance = if account.allowance_withheld {
        "0".to_owned()
    } else {
        U256::MAX.to_string()
    };
    let allowances: serde_json::Map<String, Value> = [
        polyagent_venue::eip712::Exchange::CtfV2,
        polyagent_venue::eip712::Exchange::NegRiskCtfV2,
        polyagent_venue::eip712::Exchange::V3,
    ]
    .iter()
    .map(|e| {
        (
            address_text(e.address(sim.chain)),
            Value::String(allowance.clone()),
        )
    })
    .collect();
    json_ok(json!({"balance": balance.0.to_string(), "allowances": allowances}).to_string())
}

async fn balance_allowance_update(
    State(shared): Sim,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let sim = shared.lock();
    match l2(&sim, &headers, &method, "/balance-allowance/update", b"") {
        Ok(_) => json_ok("null".to_owned()),
        Err(e) => e,
    }
}

async fn heartbeat(
    State(shared): Sim,
    method: Method,
    headers: HeaderMap,
    request_path: axum::extract::OriginalUri,
    body: Bytes,
) -> Response {
    let mut sim = shared.lock();
    let key = or_respond!(l2(&sim, &headers, &method, request_path.path(), &body));
    let previous = serde_json::from_slice::<Value>(&body).ok().and_then(|v| {
        v.get("heartbeat_id")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    if let (Some(previous), Some((expected, _))) = (
        previous.as_deref().filter(|p| !p.is_empty()),
        sim.heartbeats.get(&key.api_key),
    ) && previous != expected
    {
        return bad_request("invalid heartbeat id");
    }
    let id = sim.next_heartbeat_id();
    let now = sim.now_ms();
    sim.heartbeats
        .insert(key.api_key.clone(), (id.clone(), now));
    json_ok(json!({"heartbeat_id": id, "error": null}).to_string())
}

// ---------------------------------------------------------------------------------------------
// Gamma

fn gamma_market(sim: &Guard<'_>, index: usize) -> Value {
    let listing = &sim.world.listings[index];
    let market = &sim.world.exchange.markets[&listing.condition_id];
    let (bid, ask) = best_prices(market, Outcome::Yes);
    let yes = displayed_price(market, Outcome::Yes)
        .map_or(rust_decimal::Decimal::new(5, 1), Pips::to_decimal);
    let resolved = matches!(market.status, MarketStatus::Resolved { .. });
    let closed = listing.closed || resolved;
    let liquidity: u64 = market
        .book
        .bids
        .iter()
        .map(|(p, l)| crate::units::notional(l.total, *p).0)
        .sum::<u64>()
        + market
            .book
            .asks
            .iter()
            .map(|(p, l)| crate::units::notional(l.total, *p).0)
            .sum::<u64>();
    let tokens = serde_json::to_string(&market.tokens).unwrap_or_default();
    let mut value = json!({
        "id": (index + 1).to_string(),
        "question": listing.question,
        "conditionId": listing.condition_id,
        "questionID": listing.condition_id,
        "slug": listing.slug,
        "description": listing.description,
        "outcomes": serde_json::to_string(&market.outcomes).unwrap_or_default(),
        "outcomePrices": serde_json::to_string(&[yes.to_string(), (rust_decimal::Decimal::ONE - yes).to_string()]).unwrap_or_default(),
        "clobTokenIds": tokens,
        "version": listing.version,
        "negRisk": market.neg_risk,
        "orderPriceMinTickSize": market.tick.to_decimal(),
        "orderMinSize": market.min_size.to_decimal(),
        "active": listing.active,
        "closed": closed,
        "archived": false,
        "acceptingOrders": listing.accepting_orders && !closed,
        "enableOrderBook": true,
        "endDate": listing.end_date,
        "bestBid": bid.map(Pips::to_decimal),
        "bestAsk": ask.map(Pips::to_decimal),
        "lastTradePrice": market.last_trade.map(|(p, _)| p.to_decimal()),
        "spread": match (bid, ask) { (Some(b), Some(a)) => Some(a.to_decimal() - b.to_decimal()), _ => None },
        "liquidity": Micros(liquidity).to_string(),
        "liquidityNum": Micros(liquidity).to_decimal(),
        "volume": "0",
        "umaResolutionStatus": if resolved { "resolved" } else { "" },
    });
    if listing.version == "v2" {
        value["positionIds"] = json!(market.tokens);
    }
    value
}

fn gamma_matches(sim: &Guard<'_>, params: &HashMap<String, String>) -> Vec<usize> {
    let flag = |name: &str| params.get(name).map(|v| v == "true");
    (0..sim.world.listings.len())
        .filter(|&i| {
            let listing = &sim.world.listings[i];
            let market = &sim.world.exchange.markets[&listing.condition_id];
            params.get("slug").is_none_or(|s| &listing.slug == s)
                && params
                    .get("condition_ids")
                    .is_none_or(|c| c.eq_ignore_ascii_case(&listing.condition_id))
                && params
                    .get("clob_token_ids")
                    .is_none_or(|t| market.tokens.contains(t))
                && params.get("id").is_none_or(|id| *id == (i + 1).to_string())
                && flag("closed")
                    .is_none_or(|c| c == (listing.closed || market.status != MarketStatus::Open))
                && flag("active").is_none_or(|a| a == listing.active)
        })
        .collect()
}

async fn gamma_markets(State(shared): Sim, Query(params): Params) -> Response {
    let sim = shared.lock();
    let limit = params
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(500)
        .min(500);
    let offset = params
        .get("offset")
        .and_then(|o| o.parse::<usize>().ok())
        .unwrap_or(0);
    let found: Vec<Value> = gamma_matches(&sim, &params)
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|i| gamma_market(&sim, i))
        .collect();
    json_ok(Value::Array(found).to_string())
}

async fn gamma_market_by_slug(State(shared): Sim, Path(slug): Path<String>) -> Response {
    let sim = shared.lock();
    match sim.world.listings.iter().position(|l| l.slug == slug) {
        Some(i) => json_ok(gamma_market(&sim, i).to_string()),
        None => error(StatusCode::NOT_FOUND, "market not found"),
    }
}

async fn gamma_market_by_id(State(shared): Sim, Path(id): Path<String>) -> Response {
    let sim = shared.lock();
    match id
        .parse::<usize>()
        .ok()
        .filter(|i| (1..=sim.world.listings.len()).contains(i))
    {
        Some(i) => json_ok(gamma_market(&sim, i - 1).to_string()),
        None => error(StatusCode::NOT_FOUND, "market not found"),
    }
}

fn gamma_event(sim: &Guard<'_>, slug: &str) -> Option<Value> {
    let members: Vec<usize> = (0..sim.world.listings.len())
        .filter(|&i| sim.world.listings[i].event_slug == slug)
        .collect();
    let first = *members.first()?;
    let title = if members.len() == 1 {
        sim.world.listings[first].question.clone()
    } else {
        slug.replace('-', " ")
    };
    Some(json!({
        "id": (first + 1).to_string(), "slug": slug, "title": title,
        "active": true, "closed": members.iter().all(|&i| sim.world.listings[i].closed),
        "markets": members.iter().map(|&i| gamma_market(sim, i)).collect::<Vec<_>>(),
    }))
}

fn event_slugs(sim: &Guard<'_>) -> Vec<String> {
    let mut slugs: Vec<String> = Vec::new();
    for listing in &sim.world.listings {
        if !slugs.contains(&listing.event_slug) {
            slugs.push(listing.event_slug.clone());
        }
    }
    slugs
}

async fn gamma_events(State(shared): Sim, Query(params): Params) -> Response {
    let sim = shared.lock();
    let events: Vec<Value> = event_slugs(&sim)
        .iter()
        .filter(|s| params.get("slug").is_none_or(|wanted| wanted == *s))
        .filter_map(|s| gamma_event(&sim, s))
        .collect();
    json_ok(Value::Array(events).to_string())
}

async fn gamma_event_by_slug(State(shared): Sim, Path(slug): Path<String>) -> Response {
    let sim = shared.lock();
    match gamma_event(&sim, &slug) {
        Some(event) => json_ok(event.to_string()),
        None => error(StatusCode::NOT_FOUND, "event not found"),
    }
}

async fn gamma_search(State(shared): Sim, Query(params): Params) -> Response {
    let sim = shared.lock();
    let query = params
        .get("q")
        .map(|q| q.to_lowercase())
        .unwrap_or_default();
    let words: Vec<&str> = query.split_whitespace().collect();
    let events: Vec<Value> = event_slugs(&sim)
        .iter()
        .filter(|slug| {
            sim.world
                .listings
                .iter()
                .filter(|l| &&l.event_slug == slug)
                .any(|l| {
                    let text =
                        format!("{} {} {}", l.question, l.slug, l.description).to_lowercase();
                    !words.is_empty() && words.iter().all(|w| text.contains(w))
                })
        })
        .filter_map(|slug| gamma_event(&sim, slug))
        .collect();
    json_ok(
        json!({"events": events, "tags": [], "profiles": [], "pagination": {"hasMore": false}})
            .to_string(),
    )
}

// ---------------------------------------------------------------------------------------------
// Admin controls (tests and the CLI; loopback only like everything else)

async fn admin_state(State(shared): Sim) -> Response {
    let sim = shared.lock();
    let exchange = &sim.world.exchange;
    let markets: Vec<Value> = sim
        .world
        .listings
        .iter()
        .map(|l| {
            let m = &exchange.markets[&l.condition_id];
            json!({"slug": l.slug, "condition_id": l.condition_id, "tokens": m.tokens, "tick_size": m.tick.to_decimal(),
                   "price": displayed_price(m, Outcome::Yes).map(Pips::to_decimal), "locked": m.locked.to_string()})
        })
        .collect();
    let wallets: Vec<Value> = sim
        .world
        .wallets
        .iter()
        .map(|(label, address)| {
            let account = exchange.account(address).cloned().unwrap_or_default();
            let shares: HashMap<&String, String> = account.shares.iter().filter(|(_, v)| v.0 > 0).map(|(k, v)| (k, v.to_string())).collect();
            // What this wallet sent: the orders the exchange accepted (not those refused when
            // posted), and the trades it took (its orders as taker).
            let owner = |a: &str| a.eq_ignore_ascii_case(address);
            let orders = exchange.orders.values().filter(|o| owner(&o.owner) && !o.refused_when_posted()).count();
            let taker_trades = exchange.trades.iter().filter(|t| owner(&t.taker_owner)).count();
            json!({"label": label, "address": address, "pusd": account.pusd.to_string(), "shares": shares,
                   "orders": orders, "taker_trades": taker_trades})
        })
        .collect();
    json_ok(
        json!({
            "now_ms": sim.now_ms(), "markets": markets, "wallets": wallets,
            "fees_collected": exchange.fees_collected.to_string(),
            "total_collateral": exchange.total_collateral().to_string(),
            "collateral_issued": exchange.collateral_issued.to_string(),
            "orders": exchange.orders.len(), "trades": exchange.trades.len(),
        })
        .to_string(),
    )
}

fn admin_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Response> {
    serde_json::from_slice(body).map_err(|e| bad_request(&format!("invalid admin request: {e}")))
}

async fn admin_clock(State(shared): Sim, body: Bytes) -> Response {
    #[derive(Deserialize)]
    struct Advance {
        advance_ms: u64,
    }
    let advance: Advance = or_respond!(admin_body(&body));
    let mut sim = shared.lock();
    match super::advance_clock(&mut sim, advance.advance_ms) {
        Ok(now) => json_ok(json!({"now_ms": now}).to_string()),
        Err(message) => bad_request(message),
    }
}

async fn admin_faults(State(shared): Sim) -> Response {
    json_ok(serde_json::to_string(&shared.lock().faults).unwrap_or_default())
}

async fn admin_set_faults(State(shared): Sim, body: Bytes) -> Response {
    let faults: Faults = or_respond!(admin_body(&body));
    let mut sim = shared.lock();
    let now = sim.now_ms();
    sim.engine = super::EngineModes::starting(&faults, now);
    sim.world.exchange.fail_next_trades = faults.fail_trades;
    let stalled = faults.stall_ws;
    sim.faults = faults;
    shared.ws_control.send_modify(|c| c.stalled = stalled);
    json_ok(serde_json::to_string(&sim.faults).unwrap_or_default())
}

async fn admin_drop_ws(State(shared): Sim) -> Response {
    shared.ws_control.send_modify(|c| c.drops += 1);
    json_ok(r#"{"dropped":true}"#.to_owned())
}

/// Finds a market by `slug` or `condition_id` in an admin request.
fn admin_market(sim: &Guard<'_>, request: &HashMap<String, Value>) -> Result<String, Response> {
    let slug = request.get("slug").and_then(Value::as_str);
    let condition = request.get("condition_id").and_then(Value::as_str);
    sim.world
        .listings
        .iter()
        .find(|l| Some(l.slug.as_str()) == slug || Some(l.condition_id.as_str()) == condition)
        .map(|l| l.condition_id.clone())
        .ok_or_else(|| error(StatusCode::NOT_FOUND, "market not found"))
}

async fn admin_tick_size(State(shared): Sim, body: Bytes) -> Response {
    let request: HashMap<String, Value> = or_respond!(admin_body(&body));
    let mut sim = shared.lock();
    let condition_id = or_respond!(admin_market(&sim, &request));
    let Some(tick) = request
        .get("tick_size")
        .and_then(Value::as_str)
        .and_then(|t| Pips::parse(t).ok())
        .filter(|t| t.0 > 0 && 10_000 % t.0 == 0)
    else {
        return bad_request("tick_size must be one of 0.1, 0.01, 0.005, 0.0025, 0.001, 0.0001");
    };
    sim.world.exchange.set_tick_size(&condition_id, tick);
    json_ok(json!({"condition_id": condition_id, "tick_size": tick.to_decimal()}).to_string())
}

async fn admin_resolve(State(shared): Sim, body: Bytes) -> Response {
    let request: HashMap<String, Value> = or_respond!(admin_body(&body));
    let mut sim = shared.lock();
    let condition_id = or_respond!(admin_market(&sim, &request));
    let winner = match request.get("winner").and_then(Value::as_str) {
        Some(w)
            if w.eq_ignore_ascii_case(&sim.world.exchange.markets[&condition_id].outcomes[1]) =>
        {
            Outcome::No
        }
        Some(w)
            if w.eq_ignore_ascii_case(&sim.world.exchange.markets[&condition_id].outcomes[0]) =>
        {
            Outcome::Yes
        }
        _ => return bad_request("winner must name one of the market's outcomes"),
    };
    sim.world.exchange.resolve(&condition_id, winner);
    json_ok(json!({"condition_id": condition_id, "resolved": true}).to_string())
}

async fn admin_fund(State(shared): Sim, body: Bytes) -> Response {
    #[derive(Deserialize)]
    struct Fund {
        address: String,
        #[serde(default)]
        pusd: Option<String>,
        #[serde(default)]
        pairs: HashMap<String, String>,
    }
    let fund: Fund = or_respond!(admin_body(&body));
    let Ok(address) = fund.address.parse::<Address>() else {
        return bad_request("address must be a 0x address");
    };
    let address = address_text(address);
    let parse = |text: &str| Micros::parse(text).map_err(|e| bad_request(&e.to_string()));
    let mut sim = shared.lock();
    let pusd = or_respond!(fund.pusd.as_deref().map(parse).transpose()).unwrap_or_default();
    let mut pairs = Vec::new();
    for (slug, amount) in &fund.pairs {
        let Some(condition_id) = sim
            .world
            .listings
            .iter()
            .find(|l| &l.slug == slug)
            .map(|l| l.condition_id.clone())
        else {
            return error(StatusCode::NOT_FOUND, &format!("no market '{slug}'"));
        };
        pairs.push((condition_id, or_respond!(parse(amount))));
    }
    let total = pairs
        .iter()
        .try_fold(pusd.0, |sum, (_, a)| sum.checked_add(a.0))
        .map(Micros);
    if !total.is_some_and(|t| sim.world.exchange.mint_collateral(&address, t)) {
        return bad_request("more pUSD than the ledger holds");
    }
    for (condition_id, amount) in pairs {
        let _ = sim.world.exchange.split(&address, &condition_id, amount);
    }
    json_ok(json!({"address": address, "funded": true}).to_string())
}

async fn admin_allowance(State(shared): Sim, body: Bytes) -> Response {
    #[derive(Deserialize)]
    struct Allowance {
        address: String,
        approved: bool,
    }
    let allowance: Allowance = or_respond!(admin_body(&body));
    let Ok(address) = allowance.address.parse::<Address>() else {
        return bad_request("address must be a 0x address");
    };
    let mut sim = shared.lock();
    let exchange = &mut sim.world.exchange;
    exchange
        .accounts
        .entry(address_text(address))
        .or_default()
        .allowance_withheld = !allowance.approved;
    if !allowance.approved {
        // Production takes the orders of a wallet that can no longer settle off the book.
        exchange.invalidate_orders(&address_text(address));
    }
    json_ok(json!({"address": address_text(address), "approved": allowance.approved}).to_string())
}

async fn admin_price(State(shared): Sim, body: Bytes) -> Response {
    let request: HashMap<String, Value> = or_respond!(admin_body(&body));
    let Some(price) = request
        .get("price")
        .and_then(Value::as_str)
        .and_then(|p| Pips::parse(p).ok())
        .filter(|p| p.0 > 0 && p.0 < 10_000)
    else {
        return bad_request("price must be a decimal between 0 and 1");
    };
    let mut sim = shared.lock();
    let condition_id = or_respond!(admin_market(&sim, &request));
    // From now on the provider quotes around this price.
    if let Some(provider) = sim
        .world
        .providers
        .iter_mut()
        .find(|p| p.condition_id == condition_id)
    {
        provider.path = crate::paths::PricePath::from_points(vec![(0, price)]);
    }
    json_ok(json!({"condition_id": condition_id, "price": price.to_decimal()}).to_string())
}

async fn admin_api_key(State(shared): Sim, body: Bytes) -> Response {
    #[derive(Deserialize)]
    struct Issue {
        address: String,
        #[serde(default)]
        nonce: u64,
    }
    let issue: Issue = or_respond!(admin_body(&body));
    let Ok(address) = issue.address.parse::<Address>() else {
        return bad_request("address must be a 0x address");
    };
    let mut sim = shared.lock();
    issued_json(&sim.keys.issue(address, issue.nonce))
}
