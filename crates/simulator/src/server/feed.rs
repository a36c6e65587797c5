//! Turns exchange events into Polymarket's WebSocket messages and fans them out.
//!
//! Market messages are built once and shared (`Arc<str>`) by every subscriber; each connection
//! only filters by the asset ids it subscribed to. User messages carry the owner address and
//! condition id they belong to.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;

use sha1::{Digest, Sha1};

use crate::book::BookSide;
use crate::exchange::{
    Exchange, ExchangeEvent, Market, OrderEventKind, OrderRecord, Outcome, TradeRecord,
};
use crate::scenario::{MarketListing, OrderQueryRules};
use crate::units::{Micros, Pips};

/// One market-channel message and the assets it concerns.
#[derive(Debug)]
pub struct MarketMessage {
    /// Publication order (set when published; see `Shared::market_seq`).
    pub seq: u64,
    pub assets: Vec<String>,
    /// Whether only `custom_feature_enabled` subscribers get it.
    pub custom: bool,
    pub json: Arc<str>,
}

/// One user-channel message: for the account `owner` in market `condition_id`.
#[derive(Debug)]
pub struct UserMessage {
    pub owners: Vec<String>,
    pub condition_id: String,
    /// A `trade` event (else an `order` event): a subscription with `"markets": []` gets none.
    pub trade: bool,
    pub json: Arc<str>,
}

/// Messages produced by one drain of exchange events.
#[derive(Debug, Default)]
pub struct Outbox {
    pub market: Vec<MarketMessage>,
    pub user: Vec<UserMessage>,
}

fn level_json(out: &mut String, levels: &[(Pips, Micros)]) {
    out.push('[');
    for (i, (price, size)) in levels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, r#"{{"price":"{price}","size":"{size}"}}"#);
    }
    out.push(']');
}

/// The REST `/book` summary of one token (bids ascending, asks descending: best last), with the
/// SHA-1 hash the Python clients reproduce.
pub fn book_summary(market: &Market, outcome: Outcome, timestamp_ms: u64) -> String {
    let (mut bids, mut asks) = market.levels(outcome);
    bids.reverse();
    asks.reverse();
    let last = market
        .last_trade
        .map(|(yes_price, _)| match outcome {
            Outcome::Yes => yes_price,
            Outcome::No => yes_price.complement(),
        })
        .map_or_else(|| "0.5".to_owned(), |p| p.to_string());
    let body = |hash: &str| {
        let mut s = String::with_capacity(256);
        let _ = write!(
            s,
            r#"{{"market":"{}","asset_id":"{}","timestamp":"{timestamp_ms}","hash":"{hash}","bids":"#,
            market.condition_id,
            market.token(outcome)
        );
        level_json(&mut s, &bids);
        s.push_str(r#","asks":"#);
        level_json(&mut s, &asks);
        let _ = write!(
            s,
            r#","min_order_size":"{}","tick_size":"{}","neg_risk":{},"last_trade_price":"{last}"}}"#,
            market.min_size, market.tick, market.neg_risk
        );
        s
    };
    let hash = hex::encode(Sha1::digest(body("").as_bytes()));
    body(&hash)
}

/// The market-channel `book` message for one token (levels in the REST order).
pub fn book_message(market: &Market, outcome: Outcome, timestamp_ms: u64) -> String {
    let summary = book_summary(market, outcome, timestamp_ms);
    format!(r#"{{"event_type":"book",{}"#, &summary[1..])
}

fn best(levels: &[(Pips, Micros)]) -> String {
    levels
        .first()
        .map_or_else(|| "0".to_owned(), |(p, _)| p.to_string())
}

/// Builds the messages for everything the exchange did since the last drain.
pub fn drain(
    exchange: &mut Exchange,
    listings: &[MarketListing],
    rules: OrderQueryRules,
    now_ms: u64,
) -> Outbox {
    let events = exchange.drain_events();
    let mut outbox = Outbox::default();
    // Level changes per market, last write wins, in YES terms.
    let mut levels: BTreeMap<String, BTreeMap<(bool, Pips), Micros>> = BTreeMap::new();
    let mut traded: HashSet<String> = HashSet::new();
    for event in events {
        match event {
            ExchangeEvent::Level {
                condition_id,
                side,
                price,
                size,
            } => {
                levels
                    .entry(condition_id)
                    .or_default()
                    .insert((side == BookSide::Bid, price), size);
            }
            ExchangeEvent::Order { kind, order } => {
                outbox
                    .user
                    .push(order_message(exchange, rules, kind, &order, now_ms));
            }
            ExchangeEvent::Trade { trade } => {
                if trade.status == crate::exchange::TradeStatus::Matched
                    || trade.status == crate::exchange::TradeStatus::Retrying
                {
                    traded.insert(trade.condition_id.clone());
                    outbox.market.push(last_trade_message(&trade, now_ms));
                }
                outbox.user.push(trade_message(exchange, &trade));
            }
            ExchangeEvent::TickSize {
                condition_id,
                old,
                new,
            } => {
                if let Some(market) = exchange.markets.get(&condition_id) {
                    for token in &market.tokens {
                        outbox.market.push(MarketMessage {
                            seq: 0,
                            assets: vec![token.clone()],
                            custom: false,
                            json: format!(
                                r#"{{"event_type":"tick_size_change","asset_id":"{token}","market":"{condition_id}","old_tick_size":"{old}","new_tick_size":"{new}","timestamp":"{now_ms}"}}"#
                            )
                            .into(),
                        });
                    }
                }
            }
            ExchangeEvent::Resolved {
                condition_id,
                winner,
            } => {
                if let Some(market) = exchange.markets.get(&condition_id) {
                    outbox.market.push(MarketMessage {
                        seq: 0,
                        assets: market.tokens.to_vec(),
                        custom: true,
                        json: resolved_message(market, listings, winner, now_ms).into(),
                    });
                }
            }
        }
    }
    for (condition_id, changes) in levels {
        let Some(market) = exchange.markets.get(&condition_id) else {
            continue;
        };
        outbox
            .market
            .push(price_change_message(market, &changes, now_ms));
        outbox.market.extend(best_bid_ask_messages(market, now_ms));
    }
    for condition_id in traded {
        if let Some(market) = exchange.markets.get(&condition_id) {
            for outcome in [Outcome::Yes, Outcome::No] {
                outbox.market.push(MarketMessage {
                    seq: 0,
                    assets: vec![market.token(outcome).to_owned()],
                    custom: false,
                    json: book_message(market, outcome, now_ms).into(),
                });
            }
        }
    }
    outbox
}

/// The custom-feature `market_resolved` frame: §6.3's `new_market` fields (the Gamma market id,
/// question, slug, description, event) plus the winner, and §13.6's `tags` (none here).
fn resolved_message(
    market: &Market,
    listings: &[MarketListing],
    winner: Outcome,
    now_ms: u64,
) -> String {
    let index = listings
        .iter()
        .position(|l| l.condition_id == market.condition_id);
    let listing = index.map(|i| &listings[i]);
    let text = |field: fn(&MarketListing) -> &str| listing.map(field).unwrap_or_default();
    // The event as `/gamma/events` numbers and titles it: after its first market.
    let event_slug = text(|l| &l.event_slug);
    let members: Vec<usize> = (0..listings.len())
        .filter(|&i| listings[i].event_slug == event_slug)
        .collect();
    let event_id = members.first().map_or(0, |first| first + 1);
    let title = if members.len() == 1 {
        text(|l| &l.question).to_owned()
    } else {
        event_slug.replace('-', " ")
    };
    serde_json::json!({
        "event_type": "market_resolved",
        "id": index.map_or(0, |i| i + 1).to_string(),
        "question": text(|l| &l.question),
        "market": market.condition_id,
        "slug": text(|l| &l.slug),
        "description": text(|l| &l.description),
        "assets_ids": market.tokens,
        "outcomes": market.outcomes,
        "event_message": {
            "id": event_id.to_string(), "ticker": event_slug, "slug": event_slug,
            "title": title, "description": text(|l| &l.description),
        },
        "timestamp": now_ms.to_string(),
        "tags": [],
        "winning_asset_id": market.token(winner),
        "winning_outcome": market.outcome_name(winner),
    })
    .to_string()
}

fn price_change_message(
    market: &Market,
    changes: &BTreeMap<(bool, Pips), Micros>,
    now_ms: u64,
) -> MarketMessage {
    let (yes_bids, yes_asks) = market.levels(Outcome::Yes);
    let (no_bids, no_asks) = market.levels(Outcome::No);
    let mut json = String::with_capacity(128 + changes.len() * 300);
    let _ = write!(
        json,
        r#"{{"event_type":"price_change","market":"{}","timestamp":"{now_ms}","price_changes":["#,
        market.condition_id
    );
    let mut first = true;
    for (&(is_bid, price), size) in changes {
        // The YES-terms level, then the NO book's mirror of it.
        let entries = [
            (
                market.token(Outcome::Yes),
                price,
                if is_bid { "BUY" } else { "SELL" },
                &yes_bids,
                &yes_asks,
            ),
            (
                market.token(Outcome::No),
                price.complement(),
                if is_bid { "SELL" } else { "BUY" },
                &no_bids,
                &no_asks,
            ),
        ];
        for (asset, price, side, bids, asks) in entries {
            if !first {
                json.push(',');
            }
            first = false;
            let hash = hex::encode(
                &Sha1::digest(format!("{asset}{price}{size}{now_ms}").as_bytes())[..20],
            );
            let _ = write!(
                json,
                r#"{{"asset_id":"{asset}","price":"{price}","size":"{size}","side":"{side}","hash":"{hash}","best_bid":"{}","best_ask":"{}"}}"#,
                best(bids),
                best(asks)
            );
        }
    }
    json.push_str("]}");
    MarketMessage {
        seq: 0,
        assets: market.tokens.to_vec(),
        custom: false,
        json: json.into(),
    }
}

fn best_bid_ask_messages(market: &Market, now_ms: u64) -> Vec<MarketMessage> {
    [Outcome::Yes, Outcome::No]
        .into_iter()
        .map(|outcome| {
            let (bids, asks) = market.levels(outcome);
            let spread = match (bids.first(), asks.first()) {
                (Some((b, _)), Some((a, _))) if a > b => Pips(a.0 - b.0).to_string(),
                _ => "0".to_owned(),
            };
            MarketMessage {
                seq: 0,
                assets: vec![market.token(outcome).to_owned()],
                custom: true,
                json: format!(
                    r#"{{"event_type":"best_bid_ask","market":"{}","asset_id":"{}","best_bid":"{}","best_ask":"{}","spread":"{spread}","timestamp":"{now_ms}"}}"#,
                    market.condition_id,
                    market.token(outcome),
                    best(&bids),
                    best(&asks)
                )
                .into(),
            }
        })
        .collect()
}

fn last_trade_message(trade: &TradeRecord, now_ms: u64) -> MarketMessage {
    MarketMessage {
        seq: 0,
        assets: vec![trade.taker_token.clone()],
        custom: false,
        json: format!(
            r#"{{"event_type":"last_trade_price","asset_id":"{}","market":"{}","price":"{}","side":"{}","size":"{}","fee_rate_bps":"0","timestamp":"{now_ms}","transaction_hash":"{}"}}"#,
            trade.taker_token,
            trade.condition_id,
            trade.price,
            trade.taker_side.as_str(),
            trade.size,
            trade.transaction_hash
        )
        .into(),
    }
}

fn outcome_of(exchange: &Exchange, token: &str) -> String {
    exchange
        .token(token)
        .map(|(m, o)| m.outcome_name(o).to_owned())
        .unwrap_or_default()
}

/// The REST shape of an order (`created_at` a number of seconds, §4.3).
pub fn order_json(exchange: &Exchange, rules: OrderQueryRules, order: &OrderRecord) -> String {
    order_fields(
        exchange,
        rules,
        order,
        &(order.created_at_ms / 1000).to_string(),
    )
}

/// The fields of an order, REST and WebSocket. `associate_trades` is left out under the
/// December 2026 rules, as production deprecated it; `size_matched` always counts the fills.
/// `created_at` is already JSON: a number in REST answers, a string on the user channel.
fn order_fields(
    exchange: &Exchange,
    rules: OrderQueryRules,
    order: &OrderRecord,
    created_at: &str,
) -> String {
    let associate_trades = if rules.lists_associate_trades() {
        format!(
            r#""associate_trades":{},"#,
            serde_json::to_string(&order.trade_ids).unwrap_or_else(|_| "[]".into())
        )
    } else {
        String::new()
    };
    // Production appends the reason a killed or unmatched order ended after an underscore.
    let status = match &order.reason {
        Some(reason) => format!("{}_{reason}", order.status.as_str()),
        None => order.status.as_str().to_owned(),
    };
    let status = serde_json::to_string(&status).unwrap_or_default();
    format!(
        r#""id":"{}","status":{status},"owner":"{}","maker_address":"{}","market":"{}","asset_id":"{}","side":"{}","original_size":"{}","size_matched":"{}","price":"{}",{associate_trades}"outcome":"{}","created_at":{created_at},"expiration":"{}","order_type":"{}""#,
        order.id,
        order.api_key,
        order.owner,
        order.condition_id,
        order.token,
        order.side.as_str(),
        order.original_size,
        order.size_matched,
        order.price,
        outcome_of(exchange, &order.token),
        order.expiration,
        order.order_type.as_str()
    )
}

fn order_message(
    exchange: &Exchange,
    rules: OrderQueryRules,
    kind: OrderEventKind,
    order: &OrderRecord,
    now_ms: u64,
) -> UserMessage {
    let kind = match kind {
        OrderEventKind::Placement => "PLACEMENT",
        OrderEventKind::Update => "UPDATE",
        OrderEventKind::Cancellation => "CANCELLATION",
    };
    UserMessage {
        owners: vec![order.owner.clone()],
        condition_id: order.condition_id.clone(),
        trade: false,
        json: format!(
            r#"{{"event_type":"order","type":"{kind}",{},"order_owner":"{}","timestamp":"{}"}}"#,
            // The user channel sends every time as a string of seconds.
            order_fields(
                exchange,
                rules,
                order,
                &format!(r#""{}""#, order.created_at_ms / 1000)
            ),
            order.api_key,
            now_ms / 1000
        )
        .into(),
    }
}

/// The REST and WebSocket shape of a trade (one maker per trade in this simulator).
pub fn trade_json(exchange: &Exchange, trade: &TradeRecord) -> String {
    let status = serde_json::to_string(&trade.status).unwrap_or_default();
    format!(
        r#""id":"{}","taker_order_id":"{}","market":"{}","asset_id":"{}","side":"{}","size":"{}","fee_rate_bps":"0","price":"{}","status":{status},"match_time":"{}","last_update":"{}","outcome":"{}","bucket_index":0,"owner":"{}","maker_address":"{}","transaction_hash":"{}","trader_side":"TAKER","maker_orders":[{{"order_id":"{}","owner":"{}","maker_address":"{}","matched_amount":"{}","price":"{}","fee_rate_bps":"0","asset_id":"{}","outcome":"{}","side":"{}"}}]"#,
        trade.id,
        trade.taker_order_id,
        trade.condition_id,
        trade.taker_token,
        trade.taker_side.as_str(),
        trade.size,
        trade.price,
        trade.match_time_ms / 1000,
        trade.last_update_ms / 1000,
        outcome_of(exchange, &trade.taker_token),
        trade.taker_api_key,
        trade.taker_owner,
        trade.transaction_hash,
        trade.maker_order_id,
        trade.maker_api_key,
        trade.maker_owner,
        trade.size,
        trade.maker_price,
        trade.maker_token,
        outcome_of(exchange, &trade.maker_token),
        trade.maker_side.as_str()
    )
}

fn trade_message(exchange: &Exchange, trade: &TradeRecord) -> UserMessage {
    UserMessage {
        owners: vec![trade.taker_owner.clone(), trade.maker_owner.clone()],
        condition_id: trade.condition_id.clone(),
        trade: true,
        json: format!(
            r#"{{"event_type":"trade","type":"TRADE",{},"trade_owner":"{}","timestamp":"{}"}}"#,
            trade_json(exchange, trade),
            trade.taker_api_key,
            trade.last_update_ms / 1000
        )
        .into(),
    }
}
