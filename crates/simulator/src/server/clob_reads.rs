//! Public CLOB market reads the official clients call beyond one token's book: the cursor-paged
//! market lists, one market, the token-to-market lookup, and the batch price routes.
//!
//! Shapes follow production (docs.polymarket.com API reference, PROTOCOL.md §4.2):
//! - `GET /markets`, `/simplified-markets`, `/sampling-markets`, `/sampling-simplified-markets`:
//!   `{"data", "next_cursor", "limit", "count"}`. A cursor is the base64 of the decimal offset
//!   (`MA==` is 0); the last page answers `LTE=` (base64 of "-1"). Pages hold [`PAGE`] markets.
//!   The sampling lists hold markets with liquidity rewards: the simulator runs none, so they
//!   are empty pages.
//! - `GET /markets/{condition_id}`: the CLOB market (every field the three official SDKs read).
//! - `GET /markets-by-token/{token_id}`: `{"condition_id", "primary_token_id",
//!   "secondary_token_id"}`.
//! - `POST /midpoints`, `/spreads`: `{"<token>": "0.5"}`; `POST /prices`: `{"<token>": {"BUY":
//!   "0.49"}}`; `POST /last-trades-prices`: `[{"token_id", "price", "side"}]`. Prices are decimal
//!   strings (the current docs' examples; older OpenAPI examples showed numbers). Tokens without a
//!   book or side are left out, as `POST /books` does; at most 500 items a request.
//! - `GET /markets/live-activity/{condition_id}`: the market's latest trades (at most
//!   [`LIVE_ACTIVITY`], newest first) as `[{"event_type": "trade", "market": {..}, "user": {..},
//!   "side", "size", "price", ...}]`, the taker's side of each.
//! - `GET /rewards/markets/current`, `/rewards/markets/{condition_id}`: empty last pages (no
//!   liquidity rewards here).
//! - `GET /fee-rate`: `{"base_fee": 0}` for a known token (V1 bps; V2 fees are the `fd` curve of
//!   `/clob-markets`); `GET /fees/builder-fees/{code}`: zero rates (no builder fees here).
//!
//! Invariant: these routes only read the exchange; none needs auth.

// Handlers return early with a ready `Response` on refusal, as in `http.rs`.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use base64::Engine as _;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::http::{bad_request, best_prices, error, json_ok, listing_of, with_token};
use super::{Guard, Shared, displayed_price};
use crate::exchange::{Market, MarketStatus, Outcome};
use crate::units::Pips;

type Sim = State<std::sync::Arc<Shared>>;
type Params = Query<HashMap<String, String>>;

/// Markets per page of the CLOB lists (production's page size).
pub const PAGE: usize = 1000;
/// The cursor that says there are no more pages: base64("-1").
pub const END_CURSOR: &str = "LTE=";
/// Trades `GET /markets/live-activity/{id}` answers with.
pub const LIVE_ACTIVITY: usize = 100;
/// Items a batch price request may carry.
const BATCH_LIMIT: usize = 500;

pub(super) fn routes() -> Router<std::sync::Arc<Shared>> {
    Router::new()
        .route("/markets", get(markets))
        .route("/simplified-markets", get(simplified_markets))
        .route("/sampling-markets", get(sampling))
        .route("/sampling-simplified-markets", get(sampling))
        .route("/markets/{condition_id}", get(market))
        .route("/markets-by-token/{token_id}", get(market_by_token))
        .route("/midpoints", post(midpoints))
        .route("/prices", post(prices))
        .route("/spreads", post(spreads))
        .route("/last-trades-prices", post(last_trades_prices))
        .route("/markets/live-activity/{condition_id}", get(live_activity))
        .route("/rewards/markets/current", get(sampling))
        .route("/rewards/markets/{condition_id}", get(sampling))
        .route("/fee-rate", get(fee_rate))
        .route("/fees/builder-fees/{code}", get(builder_fees))
}

// ---------------------------------------------------------------------------------------------
// Market lists

/// The offset a cursor names; `None` for a cursor production would not have issued.
fn cursor_offset(cursor: Option<&String>) -> Option<usize> {
    let Some(cursor) = cursor.filter(|c| !c.is_empty()) else {
        return Some(0);
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(cursor)
        .ok()?;
    std::str::from_utf8(&bytes).ok()?.parse().ok()
}

fn cursor_for(offset: usize) -> String {
    base64::engine::general_purpose::STANDARD.encode(offset.to_string())
}

/// One page of `items` from the request's `next_cursor`, or 400 for a bad cursor.
fn page_of(params: &HashMap<String, String>, items: Vec<Value>) -> Response {
    let cursor = params.get("next_cursor");
    if cursor.is_some_and(|c| c == END_CURSOR) {
        // Asking past the end gives an empty last page, as production does.
        return json_ok(
            json!({"data": [], "next_cursor": END_CURSOR, "limit": PAGE, "count": 0}).to_string(),
        );
    }
    let Some(offset) = cursor_offset(cursor) else {
        return bad_request("invalid next_cursor");
    };
    let total = items.len();
    let data: Vec<Value> = items.into_iter().skip(offset).take(PAGE).collect();
    let end = offset.saturating_add(data.len());
    let next = if end >= total {
        END_CURSOR.to_owned()
    } else {
        cursor_for(end)
    };
    let count = data.len();
    json_ok(json!({"data": data, "next_cursor": next, "limit": PAGE, "count": count}).to_string())
}

/// Condition ids in listing order (the scenario's order, stable between pages).
fn listed(sim: &Guard<'_>) -> Vec<String> {
    sim.world
        .listings
        .iter()
        .filter(|l| sim.world.exchange.markets.contains_key(&l.condition_id))
        .map(|l| l.condition_id.clone())
        .collect()
}

fn tokens_json(market: &Market) -> Vec<Value> {
    [Outcome::Yes, Outcome::No]
        .iter()
        .map(|&o| {
            let price = displayed_price(market, o).map_or(Decimal::ZERO, Pips::to_decimal);
            let winner = matches!(market.status, MarketStatus::Resolved { winner } if winner == o);
            json!({"token_id": market.token(o), "outcome": market.outcome_name(o),
                   "price": price.to_string(), "winner": winner})
        })
        .collect()
}

/// Rewards block of a market without liquidity rewards (the simulator runs none).
fn no_rewards() -> Value {
    json!({"rates": null, "min_size": "0", "max_spread": "0"})
}

/// The CLOB market (`GET /markets/{id}` and each item of `GET /markets`).
fn market_json(sim: &Guard<'_>, condition_id: &str) -> Option<Value> {
    let market = sim.world.exchange.markets.get(condition_id)?;
    let listing = listing_of(sim, condition_id)?;
    let resolved = matches!(market.status, MarketStatus::Resolved { .. });
    let open = market.status == MarketStatus::Open && listing.accepting_orders && !listing.closed;
    Some(json!({
        "enable_order_book": true, "active": listing.active, "closed": listing.closed || resolved,
        "archived": false, "accepting_orders": open, "accepting_order_timestamp": null,
        "minimum_order_size": market.min_size.to_decimal(), "minimum_tick_size": market.tick.to_decimal(),
        "condition_id": market.condition_id, "question_id": market.condition_id,
        "question": listing.question, "description": listing.description, "market_slug": listing.slug,
        "end_date_iso": listing.end_date, "game_start_time": null, "seconds_delay": 0, "fpmm": "",
        "maker_base_fee": "0", "taker_base_fee": "0", "notifications_enabled": true,
        "neg_risk": market.neg_risk, "neg_risk_market_id": "", "neg_risk_request_id": "",
        "icon": "", "image": "", "rewards": no_rewards(), "is_50_50_outcome": false,
        "tokens": tokens_json(market), "tags": [], "version": listing.version,
    }))
}

/// The simplified market: tokens, rewards and the four flags.
fn simplified_json(sim: &Guard<'_>, condition_id: &str) -> Option<Value> {
    let full = market_json(sim, condition_id)?;
    let pick = |name: &str| full.get(name).cloned().unwrap_or(Value::Null);
    Some(json!({
        "condition_id": pick("condition_id"), "tokens": pick("tokens"), "rewards": pick("rewards"),
        "active": pick("active"), "closed": pick("closed"), "archived": pick("archived"),
        "accepting_orders": pick("accepting_orders"),
    }))
}

async fn markets(State(shared): Sim, Query(params): Params) -> Response {
    let sim = shared.lock();
    let items = listed(&sim)
        .iter()
        .filter_map(|c| market_json(&sim, c))
        .collect();
    page_of(&params, items)
}

async fn simplified_markets(State(shared): Sim, Query(params): Params) -> Response {
    let sim = shared.lock();
    let items = listed(&sim)
        .iter()
        .filter_map(|c| simplified_json(&sim, c))
        .collect();
    page_of(&params, items)
}

/// Markets with liquidity rewards: none in the simulator.
async fn sampling(Query(params): Params) -> Response {
    page_of(&params, Vec::new())
}

async fn market(State(shared): Sim, Path(condition_id): Path<String>) -> Response {
    let sim = shared.lock();
    match market_json(&sim, &condition_id) {
        Some(market) => json_ok(market.to_string()),
        None => error(StatusCode::NOT_FOUND, "market not found"),
    }
}

async fn market_by_token(State(shared): Sim, Path(token_id): Path<String>) -> Response {
    if token_id.is_empty() || !token_id.bytes().all(|b| b.is_ascii_digit()) {
        return bad_request("Invalid token id");
    }
    let sim = shared.lock();
    match sim.world.exchange.token(&token_id) {
        Some((market, _)) => json_ok(
            json!({"condition_id": market.condition_id, "primary_token_id": market.tokens[0],
                   "secondary_token_id": market.tokens[1]})
            .to_string(),
        ),
        None => error(StatusCode::NOT_FOUND, "market not found"),
    }
}

async fn live_activity(State(shared): Sim, Path(condition_id): Path<String>) -> Response {
    let sim = shared.lock();
    let (Some(market), Some(listing)) = (
        sim.world.exchange.markets.get(&condition_id),
        listing_of(&sim, &condition_id),
    ) else {
        return error(StatusCode::NOT_FOUND, "market not found");
    };
    let events: Vec<Value> = sim
        .world
        .exchange
        .trades
        .iter()
        .rev()
        .filter(|t| t.condition_id == condition_id)
        .take(LIVE_ACTIVITY)
        .map(|t| {
            let outcome = if t.taker_token == market.tokens[0] {
                Outcome::Yes
            } else {
                Outcome::No
            };
            json!({
                "event_type": "trade",
                "market": {"condition_id": condition_id, "asset_id": t.taker_token,
                           "question": listing.question, "icon": "", "slug": listing.slug},
                "user": {"address": t.taker_owner, "username": "", "profile_picture": "",
                         "optimized_profile_picture": "", "pseudonym": ""},
                "side": t.taker_side.as_str(), "size": t.size.to_string(), "fee_rate_bps": "0",
                "price": t.price.to_string(), "outcome": market.outcome_name(outcome),
                "outcome_index": usize::from(outcome == Outcome::No),
                "transaction_hash": t.transaction_hash,
                "timestamp": (t.match_time_ms / 1000).to_string(),
            })
        })
        .collect();
    json_ok(Value::Array(events).to_string())
}

// ---------------------------------------------------------------------------------------------
// Batch prices

/// The request items (`[{"token_id", "side"?}]`), or 400 like production's batch routes.
fn batch(body: &[u8]) -> Result<Vec<HashMap<String, Value>>, Response> {
    let items: Vec<HashMap<String, Value>> =
        serde_json::from_slice(body).map_err(|_| bad_request("Invalid payload"))?;
    if items.len() > BATCH_LIMIT {
        return Err(bad_request("Payload exceeds the limit"));
    }
    Ok(items)
}

fn item_token(item: &HashMap<String, Value>) -> Option<&str> {
    item.get("token_id").and_then(Value::as_str)
}

/// `{"<token>": answer}` over the items whose token has a book and an answer.
fn per_token(
    shared: &Shared,
    body: &[u8],
    answer: impl Fn(&Market, Outcome, &HashMap<String, Value>) -> Option<Value>,
) -> Response {
    let items = match batch(body) {
        Ok(items) => items,
        Err(refusal) => return refusal,
    };
    let sim = shared.lock();
    let mut out = serde_json::Map::new();
    for item in &items {
        let Some(token) = item_token(item) else {
            continue;
        };
        let Some((market, outcome)) = sim.world.exchange.token(token) else {
            continue;
        };
        if let Some(value) = answer(market, outcome, item) {
            match (out.get_mut(token), value) {
                // Two sides of one token merge into one object: {"BUY": .., "SELL": ..}.
                (Some(Value::Object(existing)), Value::Object(more)) => existing.extend(more),
                (_, value) => {
                    out.insert(token.to_owned(), value);
                }
            }
        }
    }
    json_ok(Value::Object(out).to_string())
}

async fn midpoints(State(shared): Sim, body: Bytes) -> Response {
    per_token(&shared, &body, |m, o, _| match best_prices(m, o) {
        (Some(bid), Some(ask)) => {
            let mid = (bid.to_decimal() + ask.to_decimal()) / Decimal::TWO;
            Some(Value::String(mid.to_string()))
        }
        _ => None,
    })
}

async fn spreads(State(shared): Sim, body: Bytes) -> Response {
    per_token(&shared, &body, |m, o, _| match best_prices(m, o) {
        (Some(bid), Some(ask)) => Some(Value::String(
            (ask.to_decimal() - bid.to_decimal()).to_string(),
        )),
        _ => None,
    })
}

async fn prices(State(shared): Sim, body: Bytes) -> Response {
    per_token(&shared, &body, |m, o, item| {
        let (bid, ask) = best_prices(m, o);
        // As `GET /price`: BUY answers the best bid, SELL the best ask (OpenAPI).
        let side = item.get("side").and_then(Value::as_str)?;
        let price = match side {
            "BUY" => bid?,
            "SELL" => ask?,
            _ => return None,
        };
        Some(json!({ side: price.to_string() }))
    })
}

async fn last_trades_prices(State(shared): Sim, body: Bytes) -> Response {
    let items = match batch(&body) {
        Ok(items) => items,
        Err(refusal) => return refusal,
    };
    let sim = shared.lock();
    let answers: Vec<Value> = items
        .iter()
        .filter_map(|item| {
            let token = item_token(item)?;
            let (market, outcome) = sim.world.exchange.token(token)?;
            // No trade yet: "0.5" and an empty side, as `GET /last-trade-price` answers.
            let (price, side) = market.last_trade.map_or(("0.5".to_owned(), ""), |(p, s)| {
                let own = if outcome == Outcome::Yes {
                    p
                } else {
                    p.complement()
                };
                (own.to_string(), s.as_str())
            });
            Some(json!({"token_id": token, "price": price, "side": side}))
        })
        .collect();
    json_ok(Value::Array(answers).to_string())
}

// ---------------------------------------------------------------------------------------------
// Fees

async fn fee_rate(State(shared): Sim, Query(params): Params) -> Response {
    with_token(&shared, &params, |_, _, _| {
        json_ok(r#"{"base_fee":0}"#.to_owned())
    })
    .unwrap_or_else(|refusal| refusal)
}

async fn builder_fees(Path(code): Path<String>) -> Response {
    let hex = code.strip_prefix("0x").unwrap_or(&code);
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return bad_request("invalid builder code");
    }
    json_ok(r#"{"builder_maker_fee_rate_bps":0,"builder_taker_fee_rate_bps":0}"#.to_owned())
}

#[cfg(test)]
mod tests {
    use super::{cursor_for, cursor_offset};

    #[test]
    fn cursors_are_base64_offsets_as_production_issues_them() {
        assert_eq!(cursor_for(0), "MA==");
        assert_eq!(cursor_for(1000), "MTAwMA==");
        assert_eq!(cursor_offset(Some(&"MA==".to_owned())), Some(0));
        assert_eq!(cursor_offset(Some(&"MTAwMA==".to_owned())), Some(1000));
        assert_eq!(cursor_offset(None), Some(0));
        assert_eq!(cursor_offset(Some(&"not base64!".to_owned())), None);
        assert_eq!(cursor_offset(Some(&"LTE=".to_owned())), None);
    }
}
