//! Domain-level results of the network half: what the rest of the app sees after the wire
//! types have been parsed at the edge.
//!
//! Invariants:
//! - prices, sizes and amounts are exact decimals (`rust_decimal::Decimal` or the domain
//!   money types), never floats; token ids are [`TokenId`] strings;
//! - every value here was validated when it was built (a [`MarketInfo`] always has as many
//!   token ids as outcomes, a tick size on the known grid, ...).

use polyagent_domain::trading::{OrderType, Side, TickSize, TokenId};
use rust_decimal::Decimal;

/// Which exchange protocol a market's orders are signed for (Gamma `version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProtocolVersion {
    /// Gamma `"v1"`: CTF token ids, Exchange V2 (or Neg-Risk V2), EIP-712 domain "2".
    V1,
    /// Gamma `"v2"` (Polymarket Protocol V2): position ids, Exchange V3, domain "3".
    V2,
}

impl ProtocolVersion {
    pub const fn gamma_name(self) -> &'static str {
        match self {
            ProtocolVersion::V1 => "v1",
            ProtocolVersion::V2 => "v2",
        }
    }

    /// The order-protocol number [`crate::eip712::Exchange::for_market`] takes.
    pub const fn order_protocol(self) -> u64 {
        match self {
            ProtocolVersion::V1 => 2,
            ProtocolVersion::V2 => 3,
        }
    }
}

/// One outcome of a market and the id its orders carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub name: String,
    pub token_id: TokenId,
}

/// A market as a trading bot needs it: what it asks, what it trades, and whether it can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketInfo {
    pub gamma_id: String,
    pub slug: String,
    pub question: String,
    /// `0x` + 64 hex: the CLOB `market` id.
    pub condition_id: String,
    /// Same order as Gamma's `outcomes`; ids chosen per [`MarketInfo::protocol`].
    pub outcomes: Vec<Outcome>,
    pub tick_size: TickSize,
    /// In shares (the book's `min_order_size`).
    pub min_order_size: Decimal,
    pub neg_risk: bool,
    pub protocol: ProtocolVersion,
    /// ISO-8601 as Gamma sends it; `None` when absent.
    pub end_date: Option<String>,
    pub active: bool,
    pub closed: bool,
    pub accepting_orders: bool,
}

impl MarketInfo {
    /// Active, not closed and accepting orders: the only state in which to post.
    pub fn is_tradable(&self) -> bool {
        self.active && !self.closed && self.accepting_orders
    }

    /// The token of an outcome by name, case-insensitively ("Yes", "no").
    pub fn token(&self, outcome: &str) -> Option<&TokenId> {
        self.outcomes
            .iter()
            .find(|o| o.name.eq_ignore_ascii_case(outcome))
            .map(|o| &o.token_id)
    }
}

/// A market's fee curve (`fd`): the taker fee for `C` shares at price `p` is
/// `C × rate × (p × (1 − p))^exponent` pUSD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeCurve {
    pub rate: Decimal,
    pub exponent: u32,
    /// Makers pay nothing when set.
    pub taker_only: bool,
}

impl FeeCurve {
    pub const FREE: FeeCurve = FeeCurve {
        rate: Decimal::ZERO,
        exponent: 1,
        taker_only: true,
    };
}

/// One price level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    pub price: Decimal,
    pub size: Decimal,
}

/// A REST order-book snapshot, levels best first (bids descending, asks ascending), whatever
/// order the server sent them in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderBook {
    pub token_id: TokenId,
    pub condition_id: String,
    /// Server time of the snapshot, unix milliseconds.
    pub timestamp_ms: u64,
    pub hash: String,
    pub bids: Vec<Level>,
    pub asks: Vec<Level>,
    pub min_order_size: Option<Decimal>,
    pub tick_size: Option<TickSize>,
    pub neg_risk: Option<bool>,
    pub last_trade_price: Option<Decimal>,
}

impl OrderBook {
    pub fn best_bid(&self) -> Option<Decimal> {
        self.bids.first().map(|l| l.price)
    }

    pub fn best_ask(&self) -> Option<Decimal> {
        self.asks.first().map(|l| l.price)
    }

    /// Spread, midpoint, depth and the displayed price of this snapshot.
    pub fn metrics(&self) -> BookMetrics {
        BookMetrics::compute(
            self.bids.iter().copied(),
            self.asks.iter().copied(),
            self.last_trade_price,
        )
    }
}

/// The widest spread at which Polymarket still shows the midpoint (§7: "≤ 0.10").
pub const DISPLAY_MIDPOINT_MAX_SPREAD: Decimal = Decimal::from_parts(10, 0, 0, false, 2);

/// The price Polymarket shows: the midpoint while the spread is at most 10 cents, otherwise
/// the last trade price. One-sided or empty books fall back to the last trade as well,
/// because there is no midpoint to show.
pub fn displayed_price(
    best_bid: Option<Decimal>,
    best_ask: Option<Decimal>,
    last_trade: Option<Decimal>,
) -> Option<Decimal> {
    match (best_bid, best_ask) {
        (Some(bid), Some(ask)) if ask - bid <= DISPLAY_MIDPOINT_MAX_SPREAD => {
            Some((bid + ask) / Decimal::TWO)
        }
        _ => last_trade,
    }
}

/// Depth of one side within a distance of the best price, in shares and in pUSD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Depth {
    pub shares: Decimal,
    pub notional: Decimal,
}

/// What the UI shows about a book.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BookMetrics {
    pub best_bid: Option<Decimal>,
    pub best_ask: Option<Decimal>,
    pub spread: Option<Decimal>,
    pub midpoint: Option<Decimal>,
    pub displayed_price: Option<Decimal>,
    /// Bid depth within 1, 2 and 5 cents of the best bid.
    pub bid_depth: [Depth; 3],
    /// Ask depth within 1, 2 and 5 cents of the best ask.
    pub ask_depth: [Depth; 3],
    /// Total resting notional (price × size, both sides) in pUSD.
    pub liquidity: Decimal,
}

/// The distances of [`BookMetrics::bid_depth`] / [`BookMetrics::ask_depth`]: 1, 2, 5 cents.
pub const DEPTH_BANDS: [Decimal; 3] = [
    Decimal::from_parts(1, 0, 0, false, 2),
    Decimal::from_parts(2, 0, 0, false, 2),
    Decimal::from_parts(5, 0, 0, false, 2),
];

impl BookMetrics {
    /// Levels best first on each side.
    pub fn compute(
        bids: impl Iterator<Item = Level> + Clone,
        asks: impl Iterator<Item = Level> + Clone,
        last_trade: Option<Decimal>,
    ) -> Self {
        let best_bid = bids.clone().next().map(|l| l.price);
        let best_ask = asks.clone().next().map(|l| l.price);
        let (spread, midpoint) = match (best_bid, best_ask) {
            (Some(b), Some(a)) => (Some(a - b), Some((a + b) / Decimal::TWO)),
            _ => (None, None),
        };
        let depth = |levels: &mut dyn Iterator<Item = Level>, best: Option<Decimal>| {
            let mut out = [Depth::default(); 3];
            let mut total = Decimal::ZERO;
            for level in levels {
                let notional = level.price * level.size;
                total += notional;
                if let Some(best) = best {
                    let distance = (level.price - best).abs();
                    for (band, slot) in DEPTH_BANDS.iter().zip(out.iter_mut()) {
                        if distance <= *band {
                            slot.shares += level.size;
                            slot.notional += notional;
                        }
                    }
                }
            }
            (out, total)
        };
        let (bid_depth, bid_total) = depth(&mut bids.clone(), best_bid);
        let (ask_depth, ask_total) = depth(&mut asks.clone(), best_ask);
        Self {
            best_bid,
            best_ask,
            spread,
            midpoint,
            displayed_price: displayed_price(best_bid, best_ask, last_trade),
            bid_depth,
            ask_depth,
            liquidity: bid_total + ask_total,
        }
    }
}

/// The last trade of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastTrade {
    pub price: Decimal,
    /// `None` when the server has no trade yet (it sends `""`).
    pub side: Option<Side>,
}

/// `/prices-history` window: a named interval or explicit unix-second bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryWindow {
    Interval(HistoryInterval),
    Range { start_s: u64, end_s: u64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryInterval {
    Minute,
    Hour,
    SixHours,
    Day,
    Week,
    Max,
}

impl HistoryInterval {
    pub const fn as_str(self) -> &'static str {
        match self {
            HistoryInterval::Minute => "1m",
            HistoryInterval::Hour => "1h",
            HistoryInterval::SixHours => "6h",
            HistoryInterval::Day => "1d",
            HistoryInterval::Week => "1w",
            HistoryInterval::Max => "max",
        }
    }
}

/// One point of a price history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PricePoint {
    pub time_s: u64,
    pub price: Decimal,
}

/// Order status as the CLOB reports it (PROTOCOL.md §13.5).
///
/// Read with [`OrderStatus::parse_wire`]: the `ORDER_STATUS_` prefix of the OpenAPI examples
/// is stripped, the longest known status name wins (`CANCELED_MARKET_RESOLVED` before
/// `CANCELED`), and text after it and an underscore is the exchange's reason, kept apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderStatus {
    Live,
    /// Refused after acceptance (e.g. a signature the chain would not honour).
    Invalid,
    /// Accepted and waiting out the market's taker delay.
    Delayed,
    Matched,
    /// A marketable order that found nothing to match (FAK/FOK killed).
    Unmatched,
    Canceled,
    /// The unfilled rest canceled because the market resolved.
    CanceledMarketResolved,
    /// A value this version does not know, as sent: kept, never fatal.
    Unknown(String),
}

/// A status name and the reason after it, as [`parse_status`] splits them.
struct WireStatus<'a, T> {
    status: T,
    reason: Option<&'a str>,
}

/// Splits `PREFIX_NAME_reason` into the longest known name and its reason; `None` when no
/// known name starts the text (after the prefix).
fn parse_status<'a, T: Clone>(
    text: &'a str,
    prefix: &str,
    known: &[(&str, T)],
) -> Option<WireStatus<'a, T>> {
    let text = text.trim();
    let body = match text.get(..prefix.len()) {
        Some(head) if head.eq_ignore_ascii_case(prefix) => &text[prefix.len()..],
        _ => text,
    };
    known
        .iter()
        .filter(|(name, _)| {
            body.get(..name.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(name))
                && (body.len() == name.len() || body.as_bytes()[name.len()] == b'_')
        })
        .max_by_key(|(name, _)| name.len())
        .map(|(name, status)| WireStatus {
            status: status.clone(),
            reason: body
                .get(name.len() + 1..)
                .map(str::trim)
                .filter(|r| !r.is_empty()),
        })
}

const ORDER_STATUSES: [(&str, OrderStatus); 8] = [
    ("LIVE", OrderStatus::Live),
    ("INVALID", OrderStatus::Invalid),
    ("DELAYED", OrderStatus::Delayed),
    ("MATCHED", OrderStatus::Matched),
    ("UNMATCHED", OrderStatus::Unmatched),
    ("CANCELED", OrderStatus::Canceled),
    ("CANCELLED", OrderStatus::Canceled),
    (
        "CANCELED_MARKET_RESOLVED",
        OrderStatus::CanceledMarketResolved,
    ),
];

impl OrderStatus {
    /// The status alone (see [`OrderStatus::parse_wire`] for the reason).
    pub fn parse(text: &str) -> Self {
        Self::parse_wire(text).0
    }

    /// The status and the exchange's reason suffix, if any
    /// (`CANCELED_order couldn't be fully filled...` → `Canceled`, `order couldn't...`).
    pub fn parse_wire(text: &str) -> (Self, Option<String>) {
        match parse_status(text, "ORDER_STATUS_", &ORDER_STATUSES) {
            Some(parsed) => (parsed.status, parsed.reason.map(str::to_owned)),
            None => (OrderStatus::Unknown(text.to_owned()), None),
        }
    }

    /// Whether the order can still trade (resting or about to).
    pub fn is_open(&self) -> bool {
        matches!(self, OrderStatus::Live | OrderStatus::Delayed)
    }
}

/// An order as the exchange knows it (`GET /data/order/{id}`, `/data/orders`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenOrder {
    pub id: String,
    pub status: OrderStatus,
    pub market: String,
    pub token_id: TokenId,
    pub side: Side,
    pub price: Decimal,
    pub original_size: Decimal,
    pub size_matched: Decimal,
    pub order_type: Option<OrderType>,
    pub created_at_s: Option<u64>,
    /// The exchange's reason after the status (`UNMATCHED_insufficient liquidity`).
    pub status_reason: Option<String>,
    // No `associate_trades`: deprecated by the exchange (§13.2), absent or empty even on a
    // filled order. Fills are counted from `size_matched` and the trades, never from it.
}

/// Where a trade is in its settlement lifecycle (parsed like [`OrderStatus`], with the
/// `TRADE_STATUS_` prefix).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TradeStatus {
    Matched,
    Mined,
    Confirmed,
    Retrying,
    Failed,
    /// A value this version does not know, as sent: kept, never fatal.
    Unknown(String),
}

const TRADE_STATUSES: [(&str, TradeStatus); 5] = [
    ("MATCHED", TradeStatus::Matched),
    ("MINED", TradeStatus::Mined),
    ("CONFIRMED", TradeStatus::Confirmed),
    ("RETRYING", TradeStatus::Retrying),
    ("FAILED", TradeStatus::Failed),
];

impl TradeStatus {
    /// The status alone (see [`TradeStatus::parse_wire`] for the reason).
    pub fn parse(text: &str) -> Self {
        Self::parse_wire(text).0
    }

    /// The status and the exchange's reason suffix, if any.
    pub fn parse_wire(text: &str) -> (Self, Option<String>) {
        match parse_status(text, "TRADE_STATUS_", &TRADE_STATUSES) {
            Some(parsed) => (parsed.status, parsed.reason.map(str::to_owned)),
            None => (TradeStatus::Unknown(text.to_owned()), None),
        }
    }
}

/// A trade that involves the wallet, as taker or maker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trade {
    pub id: String,
    pub status: TradeStatus,
    pub market: String,
    pub token_id: TokenId,
    pub side: Side,
    pub price: Decimal,
    pub size: Decimal,
    pub taker_order_id: String,
    /// Order ids of the maker side of the match.
    pub maker_order_ids: Vec<String>,
    pub match_time_s: u64,
    /// The exchange's reason after the status, if any.
    pub status_reason: Option<String>,
    /// Absent when the exchange sent none or `""` (§13.6).
    pub fee_rate_bps: Option<Decimal>,
}

/// The exchange's answer to a posted order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderAck {
    /// The EIP-712 digest of the signed order (0x hex), which is also the exchange's id.
    pub order_id: String,
    pub status: OrderStatus,
    /// The exchange's reason after the status (`UNMATCHED_insufficient liquidity`).
    pub status_reason: Option<String>,
    pub making_amount: Option<Decimal>,
    pub taking_amount: Option<Decimal>,
    pub trade_ids: Vec<String>,
}

/// What one cancel request achieved.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CancelOutcome {
    pub canceled: Vec<String>,
    /// Order id -> the exchange's reason.
    pub not_canceled: Vec<(String, String)>,
}

/// `COLLATERAL` (pUSD) or an outcome token / position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssetType {
    Collateral,
    Conditional(TokenId),
    /// A Protocol-V2 position (Exchange V3 markets).
    ConditionalV2(TokenId),
}

/// A balance and the allowances granted to the exchange contracts, in whole units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceAllowance {
    pub balance: Decimal,
    /// Spender address (0x hex) -> allowance in whole units.
    pub allowances: Vec<(String, Decimal)>,
}

/// The answer of [`crate::client::AuthedClient::reconcile_submission`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submission {
    /// The exchange has the order: it was accepted, do not post it again.
    Found(OpenOrder),
    /// The exchange does not know the order: it was not accepted.
    Absent,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn displayed_price_switches_above_ten_cents() {
        assert_eq!(
            displayed_price(Some(d("0.40")), Some(d("0.50")), Some(d("0.3"))),
            Some(d("0.45"))
        );
        assert_eq!(
            displayed_price(Some(d("0.40")), Some(d("0.51")), Some(d("0.3"))),
            Some(d("0.3"))
        );
        assert_eq!(
            displayed_price(None, Some(d("0.5")), Some(d("0.3"))),
            Some(d("0.3"))
        );
        assert_eq!(displayed_price(None, None, None), None);
    }

    #[test]
    fn metrics_depth_bands() {
        let bids = [
            Level {
                price: d("0.50"),
                size: d("10"),
            },
            Level {
                price: d("0.49"),
                size: d("20"),
            },
            Level {
                price: d("0.45"),
                size: d("30"),
            },
            Level {
                price: d("0.40"),
                size: d("40"),
            },
        ];
        let asks = [Level {
            price: d("0.52"),
            size: d("5"),
        }];
        let m = BookMetrics::compute(bids.iter().copied(), asks.iter().copied(), None);
        assert_eq!(m.spread, Some(d("0.02")));
        assert_eq!(m.displayed_price, Some(d("0.51")));
        assert_eq!(m.bid_depth[0].shares, d("30"));
        assert_eq!(m.bid_depth[1].shares, d("30"));
        assert_eq!(m.bid_depth[2].shares, d("60"));
        assert_eq!(m.ask_depth[2].notional, d("2.60"));
        assert_eq!(
            m.liquidity,
            d("5") + d("9.8") + d("13.5") + d("16") + d("2.6")
        );
    }

    #[test]
    fn order_statuses_by_longest_prefix_with_reasons() {
        let cases: [(&str, OrderStatus, Option<&str>); 17] = [
            ("LIVE", OrderStatus::Live, None),
            ("live", OrderStatus::Live, None),
            ("ORDER_STATUS_LIVE", OrderStatus::Live, None),
            ("INVALID", OrderStatus::Invalid, None),
            ("ORDER_STATUS_INVALID", OrderStatus::Invalid, None),
            ("delayed", OrderStatus::Delayed, None),
            ("MATCHED", OrderStatus::Matched, None),
            ("ORDER_STATUS_MATCHED", OrderStatus::Matched, None),
            ("unmatched", OrderStatus::Unmatched, None),
            (
                "UNMATCHED_insufficient liquidity",
                OrderStatus::Unmatched,
                Some("insufficient liquidity"),
            ),
            ("CANCELED", OrderStatus::Canceled, None),
            ("CANCELLED", OrderStatus::Canceled, None),
            (
                "CANCELED_order couldn't be fully filled. FOK orders are fully filled or killed.",
                OrderStatus::Canceled,
                Some("order couldn't be fully filled. FOK orders are fully filled or killed."),
            ),
            (
                "ORDER_STATUS_CANCELED_order couldn't be fully filled",
                OrderStatus::Canceled,
                Some("order couldn't be fully filled"),
            ),
            (
                "CANCELED_MARKET_RESOLVED",
                OrderStatus::CanceledMarketResolved,
                None,
            ),
            (
                "ORDER_STATUS_CANCELED_MARKET_RESOLVED",
                OrderStatus::CanceledMarketResolved,
                None,
            ),
            (
                "CANCELED_MARKET_RESOLVED_winner decided",
                OrderStatus::CanceledMarketResolved,
                Some("winner decided"),
            ),
        ];
        for (text, status, reason) in cases {
            assert_eq!(
                OrderStatus::parse_wire(text),
                (status.clone(), reason.map(str::to_owned)),
                "{text}"
            );
            assert_eq!(OrderStatus::parse(text), status, "{text}");
        }
        // Unknown values are kept as sent, not fatal; a known name must end at `_` or the end.
        for text in ["PAUSED", "LIVELY", "ORDER_STATUS_", "", "MATCHEDX"] {
            assert_eq!(
                OrderStatus::parse_wire(text),
                (OrderStatus::Unknown(text.to_owned()), None),
                "{text:?}"
            );
        }
        assert!(OrderStatus::Live.is_open() && OrderStatus::Delayed.is_open());
        assert!(!OrderStatus::CanceledMarketResolved.is_open());
    }

    #[test]
    fn trade_statuses_by_prefix_with_reasons() {
        let cases = [
            ("MATCHED", TradeStatus::Matched, None),
            ("TRADE_STATUS_MATCHED", TradeStatus::Matched, None),
            ("mined", TradeStatus::Mined, None),
            ("TRADE_STATUS_MINED", TradeStatus::Mined, None),
            ("CONFIRMED", TradeStatus::Confirmed, None),
            ("TRADE_STATUS_CONFIRMED", TradeStatus::Confirmed, None),
            ("RETRYING", TradeStatus::Retrying, None),
            ("TRADE_STATUS_RETRYING", TradeStatus::Retrying, None),
            ("FAILED", TradeStatus::Failed, None),
            (
                "FAILED_transaction reverted",
                TradeStatus::Failed,
                Some("transaction reverted"),
            ),
            (
                "TRADE_STATUS_FAILED_out of gas",
                TradeStatus::Failed,
                Some("out of gas"),
            ),
        ];
        for (text, status, reason) in cases {
            assert_eq!(
                TradeStatus::parse_wire(text),
                (status, reason.map(str::to_owned)),
                "{text}"
            );
        }
        assert_eq!(
            TradeStatus::parse("SETTLING"),
            TradeStatus::Unknown("SETTLING".into())
        );
        // An order prefix is not a trade prefix.
        assert_eq!(
            TradeStatus::parse("ORDER_STATUS_MATCHED"),
            TradeStatus::Unknown("ORDER_STATUS_MATCHED".into())
        );
    }
}
