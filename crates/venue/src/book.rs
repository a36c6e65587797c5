//! The market channel's messages and the local order book kept from them (§6.3, §6.5).
//!
//! Invariants:
//! - parsing borrows from the frame ([`MarketMessage`] holds `&str`s); decimals are parsed
//!   exactly, once, when applied;
//! - a single-object frame is read by the byte scanner in `market_scan` when it has the
//!   venue's usual shape and by serde otherwise; both give the same [`MarketMessage`];
//! - a [`LocalBook`] keeps bids strictly descending and asks strictly ascending, with no
//!   zero-size level; a `book` message replaces both sides, a `price_change` sets one level
//!   to its new total size (zero removes it);
//! - messages for other assets are ignored by a book: one `price_change` carries both tokens
//!   of a market.

use polyagent_domain::trading::TickSize;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::market_scan::scan_message;
use crate::types::{BookMetrics, Level};
use crate::venue_error::VenueError;

/// One level as sent (`{"price":"0.48","size":"30"}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct RawLevel<'a> {
    pub price: &'a str,
    pub size: &'a str,
}

/// One entry of a `price_change` (current format).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct RawPriceChange<'a> {
    pub asset_id: &'a str,
    pub price: &'a str,
    pub size: &'a str,
    pub side: &'a str,
    #[serde(default)]
    pub hash: Option<&'a str>,
    #[serde(default)]
    pub best_bid: Option<&'a str>,
    #[serde(default)]
    pub best_ask: Option<&'a str>,
}

/// Any market-channel message; which fields are set depends on `event_type`. One flat
/// struct keeps parsing to a single pass with no intermediate `Value`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct MarketMessage<'a> {
    #[serde(default)]
    pub event_type: &'a str,
    #[serde(default)]
    pub asset_id: Option<&'a str>,
    #[serde(default)]
    pub market: Option<&'a str>,
    #[serde(default)]
    pub timestamp: Option<&'a str>,
    #[serde(default)]
    pub hash: Option<&'a str>,
    #[serde(default, borrow)]
    pub bids: Option<Vec<RawLevel<'a>>>,
    #[serde(default, borrow)]
    pub asks: Option<Vec<RawLevel<'a>>>,
    #[serde(default, borrow)]
    pub price_changes: Option<Vec<RawPriceChange<'a>>>,
    /// Legacy (pre-2025-09) `price_change` shape: asset id at the root.
    #[serde(default, borrow)]
    pub changes: Option<Vec<RawLevelChange<'a>>>,
    #[serde(default)]
    pub price: Option<&'a str>,
    #[serde(default)]
    pub side: Option<&'a str>,
    #[serde(default)]
    pub size: Option<&'a str>,
    #[serde(default)]
    pub new_tick_size: Option<&'a str>,
    #[serde(default)]
    pub best_bid: Option<&'a str>,
    #[serde(default)]
    pub best_ask: Option<&'a str>,
    #[serde(default)]
    pub tick_size: Option<&'a str>,
    #[serde(default)]
    pub last_trade_price: Option<&'a str>,
    /// `market_resolved`: both outcome tokens of the market, the winner's and its name.
    #[serde(default, borrow)]
    pub assets_ids: Option<Vec<&'a str>>,
    #[serde(default)]
    pub winning_asset_id: Option<&'a str>,
    #[serde(default)]
    pub winning_outcome: Option<&'a str>,
}

/// A legacy `changes[]` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct RawLevelChange<'a> {
    pub price: &'a str,
    pub side: &'a str,
    pub size: &'a str,
}

/// Parses one text frame: a single message or an array of them. `PONG` and other non-JSON
/// frames give an empty list.
///
/// Each element of an array frame is read on its own: one unreadable event is skipped with a
/// warning and never costs the frame's other events (PROTOCOL.md §13.6).
pub fn parse_frame(text: &str) -> Result<Vec<MarketMessage<'_>>, VenueError> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        let items: Vec<&serde_json::value::RawValue> =
            serde_json::from_str(trimmed).map_err(|e| VenueError::Protocol(e.to_string()))?;
        Ok(items
            .into_iter()
            .filter_map(|item| match parse_one(item.get()) {
                Ok(message) => Some(message),
                Err(error) => {
                    tracing::warn!(%error, "unreadable market event skipped");
                    None
                }
            })
            .collect())
    } else if trimmed.starts_with('{') {
        parse_one(trimmed).map(|m| vec![m])
    } else {
        Ok(Vec::new())
    }
}

/// The fields a `price_change` can carry (current and legacy shapes). Deserializing this
/// instead of the 20-field [`MarketMessage`] is ~1.5x faster on the hottest message.
#[derive(Deserialize)]
struct PriceChangeMessage<'a> {
    #[serde(default)]
    market: Option<&'a str>,
    #[serde(default)]
    timestamp: Option<&'a str>,
    #[serde(default, borrow)]
    price_changes: Option<Vec<RawPriceChange<'a>>>,
    #[serde(default)]
    asset_id: Option<&'a str>,
    #[serde(default)]
    hash: Option<&'a str>,
    #[serde(default, borrow)]
    changes: Option<Vec<RawLevelChange<'a>>>,
}

/// The `event_type` of a single-object frame, when it can be read without parsing.
fn peek_event_type(text: &str) -> Option<&str> {
    const KEY: &str = "\"event_type\":\"";
    let start = text.find(KEY)? + KEY.len();
    let rest = &text[start..];
    rest.find('"').map(|end| &rest[..end])
}

/// The first `event_type` value, whitespace allowed around the colon (only to name an event
/// that could not be read; `peek_event_type` is what the scanner mirrors).
fn loose_event_type(text: &str) -> Option<&str> {
    const KEY: &str = "\"event_type\"";
    let start = text.find(KEY)? + KEY.len();
    let rest = text[start..].trim_start().strip_prefix(':')?;
    let rest = rest.trim_start().strip_prefix('"')?;
    rest.find('"').map(|end| &rest[..end])
}

/// One object frame: the byte scanner reads the venue's usual shape, serde everything it
/// declines (escapes, numbers, malformed text, ...), with the same result either way.
///
/// An event of a type the book does not use (`new_market`, or one added later) whose fields
/// cannot be read is kept as a bare message of that type, which every consumer ignores:
/// a new shape of an unused event is never an error (PROTOCOL.md §13.6).
fn parse_one(text: &str) -> Result<MarketMessage<'_>, VenueError> {
    match scan_message(text) {
        Some(message) => Ok(message),
        None => parse_one_with_serde(text),
    }
}

/// The event types a [`LocalBook`] or the feed reads fields of.
const BOOK_EVENTS: [&str; 6] = [
    "book",
    "price_change",
    "last_trade_price",
    "tick_size_change",
    "best_bid_ask",
    "market_resolved",
];

/// The reference parse of one object frame, which [`scan_message`] must agree with.
pub(crate) fn parse_one_with_serde(text: &str) -> Result<MarketMessage<'_>, VenueError> {
    read_one_with_serde(text).or_else(|error| match loose_event_type(text) {
        Some(event_type) if !BOOK_EVENTS.contains(&event_type) => Ok(MarketMessage {
            event_type,
            ..MarketMessage::default()
        }),
        _ => Err(error),
    })
}

fn read_one_with_serde(text: &str) -> Result<MarketMessage<'_>, VenueError> {
    let protocol = |e: serde_json::Error| VenueError::Protocol(e.to_string());
    if peek_event_type(text) == Some("price_change") {
        let m: PriceChangeMessage<'_> = serde_json::from_str(text).map_err(protocol)?;
        return Ok(MarketMessage {
            event_type: "price_change",
            market: m.market,
            timestamp: m.timestamp,
            price_changes: m.price_changes,
            asset_id: m.asset_id,
            hash: m.hash,
            changes: m.changes,
            ..MarketMessage::default()
        });
    }
    serde_json::from_str(text).map_err(protocol)
}

/// Like [`parse_frame`] without collecting: a single-object frame (the common case) costs
/// no allocation for the list.
pub fn for_each_message<'a>(
    text: &'a str,
    mut f: impl FnMut(&MarketMessage<'a>),
) -> Result<(), VenueError> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        let message = parse_one(trimmed)?;
        f(&message);
    } else if trimmed.starts_with('[') {
        for message in parse_frame(trimmed)? {
            f(&message);
        }
    }
    Ok(())
}

fn decimal(text: &str) -> Result<Decimal, VenueError> {
    match plain_decimal(text) {
        Some(value) => Ok(value),
        None => Decimal::from_str_exact(text)
            .map_err(|_| VenueError::Protocol(format!("not a decimal: {text:?}"))),
    }
}

/// A decimal spelled `digits` or `digits.digits` in at most 18 bytes, as every price and
/// size on the feed is, read digit by digit into the same mantissa and scale
/// `Decimal::from_str_exact` gives; `None` for anything else (a sign, an exponent, a bare
/// point, more digits), which that general parser then reads. At most 18 digits always fit
/// an `i64` mantissa, so no digit is ever rounded.
fn plain_decimal(text: &str) -> Option<Decimal> {
    let bytes = text.as_bytes();
    if bytes.is_empty() || bytes.len() > 18 {
        return None;
    }
    let mut mantissa: i64 = 0;
    let mut point = None;
    for (index, &byte) in bytes.iter().enumerate() {
        match byte {
            b'0'..=b'9' => mantissa = mantissa * 10 + i64::from(byte - b'0'),
            b'.' if point.is_none() && index > 0 && index + 1 < bytes.len() => {
                point = Some(index);
            }
            _ => return None,
        }
    }
    let scale = point.map_or(0, |index| bytes.len() - index - 1);
    Decimal::try_new(mantissa, u32::try_from(scale).ok()?).ok()
}

/// Which side of the book a `side` field names: BUY = bids, SELL = asks.
fn is_bid(side: &str) -> Result<bool, VenueError> {
    match side {
        "BUY" | "buy" => Ok(true),
        "SELL" | "sell" => Ok(false),
        other => Err(VenueError::Protocol(format!("unknown side {other:?}"))),
    }
}

/// The book of one asset, as the market channel describes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LocalBook {
    /// Best first (descending).
    bids: Vec<Level>,
    /// Best first (ascending).
    asks: Vec<Level>,
    pub tick_size: Option<TickSize>,
    pub last_trade_price: Option<Decimal>,
    /// Server time of the last applied message, unix ms.
    pub timestamp_ms: u64,
    pub hash: String,
    /// Whether a snapshot has been applied since the book was created or cleared.
    pub has_snapshot: bool,
}

/// What applying a message changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Applied {
    pub book_changed: bool,
    pub last_trade_changed: bool,
    pub tick_changed: bool,
    /// The server's top of book (`best_bid`/`best_ask` of a `price_change` or a
    /// `best_bid_ask`) disagrees with ours: an update was lost, re-snapshot (§6.5 step 5).
    pub gap_suspected: bool,
}

impl Applied {
    pub fn any(self) -> bool {
        self.book_changed || self.last_trade_changed || self.tick_changed
    }
}

impl LocalBook {
    pub fn bids(&self) -> &[Level] {
        &self.bids
    }

    pub fn asks(&self) -> &[Level] {
        &self.asks
    }

    pub fn best_bid(&self) -> Option<Decimal> {
        self.bids.first().map(|l| l.price)
    }

    pub fn best_ask(&self) -> Option<Decimal> {
        self.asks.first().map(|l| l.price)
    }

    pub fn metrics(&self) -> BookMetrics {
        BookMetrics::compute(
            self.bids.iter().copied(),
            self.asks.iter().copied(),
            self.last_trade_price,
        )
    }

    /// Forgets the levels (after a disconnect: the next snapshot rebuilds them).
    pub fn clear(&mut self) {
        self.bids.clear();
        self.asks.clear();
        self.has_snapshot = false;
    }

    /// Replaces both sides from a snapshot; level order in the message is not trusted.
    pub fn apply_snapshot(
        &mut self,
        bids: &[RawLevel<'_>],
        asks: &[RawLevel<'_>],
    ) -> Result<(), VenueError> {
        fn fill(out: &mut Vec<Level>, levels: &[RawLevel<'_>]) -> Result<(), VenueError> {
            out.clear();
            out.reserve(levels.len());
            for level in levels {
                let size = decimal(level.size)?;
                if !size.is_zero() {
                    out.push(Level {
                        price: decimal(level.price)?,
                        size,
                    });
                }
            }
            Ok(())
        }
        // A snapshot that cannot be read leaves no book at all, never half of one: the old
        // levels are outdated by it, and a side filled but not yet sorted would corrupt
        // every later update (they binary-search the sides).
        if let Err(error) = fill(&mut self.bids, bids).and_then(|()| fill(&mut self.asks, asks)) {
            self.clear();
            return Err(error);
        }
        // REST and WS snapshots list best last; reversing first makes the sort a no-op
        // pass in the common case.
        if self.bids.first().map(|l| l.price) < self.bids.last().map(|l| l.price) {
            self.bids.reverse();
        }
        if self.asks.first().map(|l| l.price) > self.asks.last().map(|l| l.price) {
            self.asks.reverse();
        }
        if !self.bids.is_sorted_by(|a, b| a.price > b.price) {
            self.bids.sort_by_key(|l| std::cmp::Reverse(l.price));
            self.bids.dedup_by_key(|l| l.price);
        }
        if !self.asks.is_sorted_by(|a, b| a.price < b.price) {
            self.asks.sort_by_key(|l| l.price);
            self.asks.dedup_by_key(|l| l.price);
        }
        self.has_snapshot = true;
        Ok(())
    }

    /// Sets the total size at one price; zero removes the level.
    pub fn set_level(&mut self, bid: bool, price: Decimal, size: Decimal) {
        let side = if bid { &mut self.bids } else { &mut self.asks };
        let found = if bid {
            side.binary_search_by(|l| price.cmp(&l.price))
        } else {
            side.binary_search_by(|l| l.price.cmp(&price))
        };
        match (found, size.is_zero()) {
            (Ok(i), true) => {
                side.remove(i);
            }
            (Ok(i), false) => side[i].size = size,
            (Err(_), true) => {}
            (Err(i), false) => side.insert(i, Level { price, size }),
        }
    }

    /// Whether the server's stated top of book matches ours. `"0"` or absent means "no
    /// level" in the server's spelling.
    fn top_matches(&self, best_bid: Option<&str>, best_ask: Option<&str>) -> bool {
        let side_matches = |stated: Option<&str>, ours: Option<Decimal>| match stated {
            // `""` is production's "not stated" (§13.6), like an absent field.
            None | Some("") => true,
            Some(text) => match decimal(text) {
                Ok(value) if value.is_zero() => ours.is_none(),
                Ok(value) => ours == Some(value),
                Err(_) => true,
            },
        };
        side_matches(best_bid, self.best_bid()) && side_matches(best_ask, self.best_ask())
    }

    /// Applies one message if it concerns `asset_id`.
    pub fn apply(
        &mut self,
        asset_id: &str,
        message: &MarketMessage<'_>,
    ) -> Result<Applied, VenueError> {
        let mut applied = Applied::default();
        let timestamp = || {
            message
                .timestamp
                .and_then(|t| t.parse::<u64>().ok())
                .unwrap_or(0)
        };
        match message.event_type {
            "book" if message.asset_id == Some(asset_id) => {
                self.apply_snapshot(
                    message.bids.as_deref().unwrap_or_default(),
                    message.asks.as_deref().unwrap_or_default(),
                )?;
                if let Some(hash) = message.hash {
                    hash.clone_into(&mut self.hash);
                }
                if let Some(tick) = message.tick_size.and_then(|t| t.parse().ok()) {
                    applied.tick_changed = self.tick_size != Some(tick);
                    self.tick_size = Some(tick);
                }
                if let Some(last) = message.last_trade_price {
                    self.last_trade_price = Some(decimal(last)?);
                }
                self.timestamp_ms = timestamp();
                applied.book_changed = true;
            }
            "price_change" => {
                if let Some(changes) = &message.price_changes {
                    let mut last = None;
                    for change in changes.iter().filter(|c| c.asset_id == asset_id) {
                        self.set_level(
                            is_bid(change.side)?,
                            decimal(change.price)?,
                            decimal(change.size)?,
                        );
                        if let Some(hash) = change.hash {
                            hash.clone_into(&mut self.hash);
                        }
                        applied.book_changed = true;
                        last = Some(change);
                    }
                    // The stated top is the book after the whole message: check once, at
                    // the end, and only on a book that came from a snapshot.
                    if let Some(last) = last {
                        applied.gap_suspected =
                            self.has_snapshot && !self.top_matches(last.best_bid, last.best_ask);
                    }
                } else if let (Some(changes), Some(asset)) = (&message.changes, message.asset_id)
                    && asset == asset_id
                {
                    for change in changes {
                        self.set_level(
                            is_bid(change.side)?,
                            decimal(change.price)?,
                            decimal(change.size)?,
                        );
                        applied.book_changed = true;
                    }
                }
                if applied.book_changed {
                    self.timestamp_ms = timestamp();
                }
            }
            "last_trade_price" if message.asset_id == Some(asset_id) => {
                if let Some(price) = message.price {
                    self.last_trade_price = Some(decimal(price)?);
                    applied.last_trade_changed = true;
                }
            }
            "tick_size_change" if message.asset_id == Some(asset_id) => {
                if let Some(tick) = message.new_tick_size {
                    let tick: TickSize = tick
                        .parse()
                        .map_err(|_| VenueError::Protocol(format!("tick size {tick:?}")))?;
                    applied.tick_changed = self.tick_size != Some(tick);
                    self.tick_size = Some(tick);
                }
            }
            // best_bid_ask repeats what the levels already say: the book stays the source
            // of truth and the message only serves to detect a gap.
            "best_bid_ask" if message.asset_id == Some(asset_id) => {
                applied.gap_suspected =
                    self.has_snapshot && !self.top_matches(message.best_bid, message.best_ask);
            }
            _ => {}
        }
        Ok(applied)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    const BOOK: &str = r#"{"event_type":"book","asset_id":"1","market":"0xc","timestamp":"1767225600123","hash":"h","bids":[{"price":"0.48","size":"30"},{"price":"0.49","size":"20"}],"asks":[{"price":"0.53","size":"60"},{"price":"0.52","size":"25"}]}"#;

    #[test]
    fn an_unreadable_snapshot_leaves_no_book_rather_than_half_of_one() {
        let mut book = LocalBook::default();
        for m in parse_frame(BOOK).unwrap() {
            book.apply("1", &m).unwrap();
        }
        assert!(book.has_snapshot);
        // Found by the market_ws fuzz target: the bids (sent best last) were replaced, the
        // asks failed, and the bids stayed unsorted under a book still marked usable.
        let bad = BOOK.replace(r#""price":"0.53""#, r#""price":"0.5;""#);
        let message = parse_one_with_serde(&bad).unwrap();
        assert!(book.apply("1", &message).is_err());
        assert!(!book.has_snapshot);
        assert!(book.bids().is_empty() && book.asks().is_empty());
        // The next good snapshot restores it.
        book.apply("1", &parse_one_with_serde(BOOK).unwrap())
            .unwrap();
        assert_eq!(
            (book.best_bid(), book.best_ask()),
            (Some(d("0.49")), Some(d("0.52")))
        );
    }

    #[test]
    fn snapshot_then_changes() {
        let mut book = LocalBook::default();
        for m in parse_frame(BOOK).unwrap() {
            book.apply("1", &m).unwrap();
        }
        assert_eq!(book.best_bid(), Some(d("0.49")));
        assert_eq!(book.best_ask(), Some(d("0.52")));
        assert_eq!(book.timestamp_ms, 1_767_225_600_123);
        let change = r#"{"event_type":"price_change","market":"0xc","timestamp":"1767225600456","price_changes":[
            {"asset_id":"1","price":"0.5","size":"200","side":"BUY","hash":"x","best_bid":"0.5","best_ask":"0.52"},
            {"asset_id":"2","price":"0.5","size":"0","side":"SELL","hash":"y","best_bid":"0.47","best_ask":"0.5"},
            {"asset_id":"1","price":"0.52","size":"0","side":"SELL","hash":"z"}]}"#;
        for m in parse_frame(change).unwrap() {
            assert!(book.apply("1", &m).unwrap().book_changed);
        }
        assert_eq!(book.best_bid(), Some(d("0.5")));
        assert_eq!(book.best_ask(), Some(d("0.53")));
        assert_eq!(book.bids().len(), 3);
        assert_eq!(book.hash, "z");
        // Other assets' messages do not touch this book.
        let other = BOOK.replace(r#""asset_id":"1""#, r#""asset_id":"9""#);
        for m in parse_frame(&other).unwrap() {
            assert!(!book.apply("1", &m).unwrap().any());
        }
    }

    #[test]
    fn arrays_pong_trades_ticks_and_legacy() {
        assert!(parse_frame("PONG").unwrap().is_empty());
        let mut book = LocalBook::default();
        let frame = format!("[{BOOK},{BOOK}]");
        assert_eq!(parse_frame(&frame).unwrap().len(), 2);
        let trade = r#"{"event_type":"last_trade_price","asset_id":"1","market":"0xc","price":"0.51","side":"BUY","size":"12.5","fee_rate_bps":"0","timestamp":"1"}"#;
        let tick = r#"{"event_type":"tick_size_change","asset_id":"1","market":"0xc","old_tick_size":"0.01","new_tick_size":"0.001","timestamp":"2"}"#;
        for text in [trade, tick] {
            for m in parse_frame(text).unwrap() {
                assert!(book.apply("1", &m).unwrap().any());
            }
        }
        assert_eq!(book.last_trade_price, Some(d("0.51")));
        assert_eq!(book.tick_size, Some(TickSize::Thousandth));
        let legacy = r#"{"event_type":"price_change","asset_id":"1","market":"0xc","timestamp":"3","hash":"h","changes":[{"price":"0.4","side":"SELL","size":"3300"}]}"#;
        for m in parse_frame(legacy).unwrap() {
            book.apply("1", &m).unwrap();
        }
        assert_eq!(book.best_ask(), Some(d("0.4")));
    }

    #[test]
    fn a_disagreeing_top_of_book_is_a_suspected_gap() {
        let mut book = LocalBook::default();
        for m in parse_frame(BOOK).unwrap() {
            book.apply("1", &m).unwrap();
        }
        let agree = r#"{"event_type":"best_bid_ask","market":"0xc","asset_id":"1","best_bid":"0.49","best_ask":"0.52","spread":"0.03","timestamp":"5"}"#;
        let disagree = agree.replace(r#""best_bid":"0.49""#, r#""best_bid":"0.5""#);
        for m in parse_frame(agree).unwrap() {
            assert!(!book.apply("1", &m).unwrap().gap_suspected);
        }
        for m in parse_frame(&disagree).unwrap() {
            assert!(book.apply("1", &m).unwrap().gap_suspected);
        }
        // A change whose stated top matches the result is fine; one that does not is a gap.
        let good = r#"{"event_type":"price_change","market":"0xc","timestamp":"6","price_changes":[{"asset_id":"1","price":"0.5","size":"5","side":"BUY","best_bid":"0.5","best_ask":"0.52"}]}"#;
        let bad = r#"{"event_type":"price_change","market":"0xc","timestamp":"7","price_changes":[{"asset_id":"1","price":"0.45","size":"5","side":"BUY","best_bid":"0.51","best_ask":"0.52"}]}"#;
        for m in parse_frame(good).unwrap() {
            assert!(!book.apply("1", &m).unwrap().gap_suspected);
        }
        for m in parse_frame(bad).unwrap() {
            assert!(book.apply("1", &m).unwrap().gap_suspected);
        }
    }

    #[test]
    fn set_level_keeps_order() {
        let mut book = LocalBook::default();
        for (p, s) in [("0.3", "1"), ("0.5", "1"), ("0.4", "1")] {
            book.set_level(true, d(p), d(s));
            book.set_level(false, d(p), d(s));
        }
        let bids: Vec<_> = book.bids().iter().map(|l| l.price).collect();
        let asks: Vec<_> = book.asks().iter().map(|l| l.price).collect();
        assert_eq!(bids, [d("0.5"), d("0.4"), d("0.3")]);
        assert_eq!(asks, [d("0.3"), d("0.4"), d("0.5")]);
        book.set_level(true, d("0.40"), d("0"));
        assert_eq!(book.bids().len(), 2);
    }

    /// Same value and same representation (mantissa and scale: "1.50" stays 1.50).
    fn parts(value: Decimal) -> (i128, u32) {
        (value.mantissa(), value.scale())
    }

    #[test]
    fn plain_decimals_read_as_rust_decimal_reads_them() {
        for text in [
            "0",
            "0.5",
            "0.49",
            "120.5",
            "007.50",
            "1.000",
            "0.000",
            "999999999999999999",
            "0.0000000000000001",
            "12345678.123456789",
        ] {
            let exact = Decimal::from_str_exact(text).unwrap();
            assert_eq!(plain_decimal(text).map(parts), Some(parts(exact)), "{text}");
        }
        for text in [
            "",
            ".5",
            "5.",
            ".",
            "-1",
            "+1",
            "1e5",
            "1.2.3",
            "1_000",
            " 1",
            "1 ",
            "0x1",
            "1,5",
            "1234567890123456789",
            "١",
        ] {
            assert_eq!(plain_decimal(text), None, "{text}");
        }
    }

    proptest! {
        #[test]
        fn decimal_agrees_with_rust_decimal(
            text in "[0-9]{0,12}([.][0-9]{0,10})?|[-+0-9._e ]{0,22}",
        ) {
            let exact = Decimal::from_str_exact(&text).ok().map(parts);
            prop_assert_eq!(decimal(&text).ok().map(parts), exact);
            if let Some(plain) = plain_decimal(&text) {
                prop_assert_eq!(Some(parts(plain)), exact);
            }
        }
    }

    #[test]
    fn unknown_and_unreadable_events_cost_nothing_else_in_the_frame() {
        // §13.6: unknown event types and fields are skipped. An unreadable event of a type
        // the book does not use is kept as a bare message of its type; one the book uses
        // is dropped alone, never with its neighbours.
        let frame = r#"[
            {"event_type":"new_market","id":"1","market":"0xc","assets_ids":["1","2"],"timestamp":1767225600,"tags":["x"],"active":true,"event_message":{"id":"e"}},
            {"event_type":"price_change","market":"0xc","timestamp":"6","price_changes":[{"asset_id":"1","price":"0.5","size":"5","side":"BUY","best_bid":"","best_ask":""}]},
            {"event_type":"book","asset_id":"1","bids":[{"price":"0.4"}]},
            {"event_type":"something_new","payload":[1,{"a":null}]}
        ]"#;
        let messages = parse_frame(frame).unwrap();
        let types: Vec<&str> = messages.iter().map(|m| m.event_type).collect();
        assert_eq!(types, ["new_market", "price_change", "something_new"]);
        let mut book = LocalBook::default();
        book.apply_snapshot(&[], &[]).unwrap();
        let applied = book.apply("1", &messages[1]).unwrap();
        // "" tops are "not stated": no gap is suspected from them.
        assert!(applied.book_changed && !applied.gap_suspected);
        assert_eq!(book.best_bid(), Some(d("0.5")));
        assert!(!book.apply("1", &messages[0]).unwrap().any());
        // A single unreadable unused event is not an error either.
        let single = r#"{"event_type": "new_market", "timestamp": 5, "assets_ids": "not a list"}"#;
        assert_eq!(parse_frame(single).unwrap()[0].event_type, "new_market");
    }
}
