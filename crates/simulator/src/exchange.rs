//! The simulated exchange: markets, accounts, matching and settlement. Pure state: no IO, no
//! clock (every call takes `now_ms`), no randomness (ids come from counters).
//!
//! Invariants (checked by the property tests):
//! - conservation: the sum of every account's pUSD, the fees collected and the collateral locked
//!   behind outcome shares never changes, except by [`Exchange::mint_collateral`];
//! - per market, the YES shares held by all accounts equal the NO shares held, and both equal the
//!   collateral locked for that market;
//! - an account's reserved amounts (for its resting orders) never exceed what it holds;
//! - an order id is accepted once; a second order with the same id is refused.
//!
//! Settlement happens at match time. A trade later marked FAILED (a fault switch) is reversed.

use std::collections::{BTreeMap, HashMap, VecDeque};

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

pub use polyagent_domain::trading::{OrderType, Side};

use crate::book::{Book, BookSide, OrderKey};
use crate::units::{Micros, PIPS_PER_UNIT, Pips, notional, notional_ceil};

/// An account is identified by its lowercase 0x address (the order's maker / funder).
pub type Address = String;

/// Which outcome of a binary market a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Yes,
    No,
}

/// Fee curve `fd` of a V2 market: fee = shares × rate × (p × (1 − p))^exponent, in pUSD.
#[derive(Debug, Clone, PartialEq)]
pub struct FeeCurve {
    pub rate: Decimal,
    pub exponent: u32,
    pub taker_only: bool,
}

impl FeeCurve {
    pub fn free() -> Self {
        Self {
            rate: Decimal::ZERO,
            exponent: 1,
            taker_only: true,
        }
    }

    /// The fee for `shares` traded at `price`, floored to 5 decimals as the venue does.
    pub fn fee(&self, shares: Micros, price: Pips) -> Micros {
        if self.rate.is_zero() {
            return Micros::ZERO;
        }
        let p = price.to_decimal();
        let base = p * (Decimal::ONE - p);
        let mut factor = Decimal::ONE;
        for _ in 0..self.exponent {
            factor *= base;
        }
        let fee = shares.to_decimal() * self.rate * factor;
        let floored = fee.round_dp_with_strategy(5, rust_decimal::RoundingStrategy::ToZero);
        Micros((floored * Decimal::from(1_000_000)).to_u64().unwrap_or(0))
    }

    /// The most a taker can pay for `shares` at any price (p(1-p) peaks at 1/4).
    pub fn max_fee(&self, shares: Micros) -> Micros {
        self.fee(shares, Pips(PIPS_PER_UNIT / 2))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarketStatus {
    Open,
    /// Trading halted; orders are refused and resting ones were cancelled.
    Resolved {
        winner: Outcome,
    },
}

/// One price level as a client sees it: (price, total size).
pub type LevelView = (Pips, Micros);

/// A binary market and its book.
#[derive(Debug, Clone)]
pub struct Market {
    pub condition_id: String,
    /// Token ids: index 0 is YES (the first outcome), 1 is NO.
    pub tokens: [String; 2],
    pub outcomes: [String; 2],
    pub tick: Pips,
    pub min_size: Micros,
    pub neg_risk: bool,
    pub fees: FeeCurve,
    pub status: MarketStatus,
    pub book: Book,
    /// Collateral locked behind this market's outstanding YES/NO pairs.
    pub locked: Micros,
    pub last_trade: Option<(Pips, Side)>,
}

impl Market {
    pub fn token(&self, outcome: Outcome) -> &str {
        match outcome {
            Outcome::Yes => &self.tokens[0],
            Outcome::No => &self.tokens[1],
        }
    }

    pub fn outcome_name(&self, outcome: Outcome) -> &str {
        match outcome {
            Outcome::Yes => &self.outcomes[0],
            Outcome::No => &self.outcomes[1],
        }
    }

    /// The book as seen by holders of `outcome`: (bids, asks), each as (price, size) best first.
    pub fn levels(&self, outcome: Outcome) -> (Vec<LevelView>, Vec<LevelView>) {
        let bids_yes = self.book.bids.iter().rev().map(|(p, l)| (*p, l.total));
        let asks_yes = self.book.asks.iter().map(|(p, l)| (*p, l.total));
        match outcome {
            Outcome::Yes => (bids_yes.collect(), asks_yes.collect()),
            Outcome::No => (
                asks_yes.map(|(p, s)| (p.complement(), s)).collect(),
                bids_yes.map(|(p, s)| (p.complement(), s)).collect(),
            ),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Account {
    /// The wallet has not approved the exchange to move its pUSD and shares (on chain, an
    /// `approve` / `setApprovalForAll` is missing): every order is refused until it does.
    pub allowance_withheld: bool,
    pub pusd: Micros,
    pub pusd_reserved: Micros,
    pub shares: HashMap<String, Micros>,
    pub shares_reserved: HashMap<String, Micros>,
}

impl Account {
    pub fn shares_of(&self, token: &str) -> Micros {
        self.shares.get(token).copied().unwrap_or_default()
    }

    fn reserved_shares_of(&self, token: &str) -> Micros {
        self.shares_reserved.get(token).copied().unwrap_or_default()
    }

    pub fn available_pusd(&self) -> Micros {
        self.pusd.saturating_sub(self.pusd_reserved)
    }

    pub fn available_shares(&self, token: &str) -> Micros {
        self.shares_of(token)
            .saturating_sub(self.reserved_shares_of(token))
    }
}

/// An order that passed signature and auth checks, as the engine needs it.
#[derive(Debug, Clone)]
pub struct NewOrder {
    /// The order hash (EIP-712 digest, 0x-hex).
    pub id: String,
    /// Who holds the funds: the order's maker (funder) address, lowercase.
    pub owner: Address,
    /// The API key that placed it (user-channel events go to it).
    pub api_key: String,
    pub token: String,
    pub side: Side,
    pub maker_amount: Micros,
    pub taker_amount: Micros,
    pub order_type: OrderType,
    pub post_only: bool,
    /// Unix seconds; 0 = none (only GTD orders carry one).
    pub expiration: u64,
}

/// An order's status as production reports it (PROTOCOL.md §13.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    /// Resting on the book.
    Live,
    /// Filled completely (or, for a FAK, as far as it went).
    Matched,
    /// Cancelled by its owner, expired, or killed (FOK/FAK; `OrderRecord::reason` says why).
    Canceled,
    /// A marketable order held for the market's taker delay.
    Delayed,
    /// A delayed order that could not be placed or filled when its delay ended.
    Unmatched,
    /// Taken off the book by the exchange: its wallet withdrew the exchange's allowance.
    Invalid,
    /// The unfilled rest of an order cancelled when its market resolved.
    CanceledMarketResolved,
}

impl OrderStatus {
    /// Production's wire name (a reason may follow it after an underscore).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Live => "LIVE",
            Self::Matched => "MATCHED",
            Self::Canceled => "CANCELED",
            Self::Delayed => "DELAYED",
            Self::Unmatched => "UNMATCHED",
            Self::Invalid => "INVALID",
            Self::CanceledMarketResolved => "CANCELED_MARKET_RESOLVED",
        }
    }
}

/// Every order the exchange accepted, open or done.
#[derive(Debug, Clone)]
pub struct OrderRecord {
    pub id: String,
    pub key: OrderKey,
    pub owner: Address,
    pub api_key: String,
    pub condition_id: String,
    pub token: String,
    pub outcome: Outcome,
    pub side: Side,
    /// Limit price in the order's own token.
    pub price: Pips,
    pub original_size: Micros,
    pub size_matched: Micros,
    pub order_type: OrderType,
    pub expiration: u64,
    pub created_at_ms: u64,
    pub status: OrderStatus,
    /// Why an order was killed or left unmatched (production appends its text to the status).
    pub reason: Option<PlaceError>,
    pub trade_ids: Vec<String>,
}

impl OrderRecord {
    /// A FOK/FAK killed when posted: its POST was answered with an error, so the client never
    /// had it accepted (it is kept only so it can be looked up).
    pub fn refused_when_posted(&self) -> bool {
        self.status == OrderStatus::Canceled && self.reason.is_some()
    }

    pub fn remaining(&self) -> Micros {
        self.original_size.saturating_sub(self.size_matched)
    }

    fn book_side(&self) -> BookSide {
        yes_terms(self.outcome, self.side, self.price).0
    }

    fn book_price(&self) -> Pips {
        yes_terms(self.outcome, self.side, self.price).1
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TradeStatus {
    Matched,
    Mined,
    Confirmed,
    Retrying,
    Failed,
}

/// One fill between a taker order and one maker order.
#[derive(Debug, Clone)]
pub struct TradeRecord {
    pub id: String,
    pub condition_id: String,
    pub taker_order_id: String,
    pub taker_owner: Address,
    pub taker_api_key: String,
    pub taker_token: String,
    pub taker_side: Side,
    /// Price in the taker's own token.
    pub price: Pips,
    pub size: Micros,
    pub taker_fee: Micros,
    pub maker_order_id: String,
    pub maker_owner: Address,
    pub maker_api_key: String,
    pub maker_token: String,
    pub maker_side: Side,
    /// Price in the maker's own token.
    pub maker_price: Pips,
    pub maker_fee: Micros,
    pub status: TradeStatus,
    pub match_time_ms: u64,
    pub last_update_ms: u64,
    pub transaction_hash: String,
    /// Balance changes made at match time, kept so a FAILED trade can be reversed.
    settlement: Vec<(Address, Asset, i128)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Asset {
    Pusd,
    Share(String),
    Locked(String),
    Fees,
}

/// What happened, for the WebSocket feeds. Drained by the server after each call.
#[derive(Debug, Clone)]
pub enum ExchangeEvent {
    /// A level of the YES-terms book changed; the server mirrors it for the NO token.
    Level {
        condition_id: String,
        side: BookSide,
        price: Pips,
        size: Micros,
    },
    /// An order was placed, (partly) filled or cancelled.
    Order {
        kind: OrderEventKind,
        order: OrderRecord,
    },
    /// A trade was made or changed status.
    Trade { trade: TradeRecord },
    TickSize {
        condition_id: String,
        old: Pips,
        new: Pips,
    },
    Resolved {
        condition_id: String,
        winner: Outcome,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderEventKind {
    Placement,
    Update,
    Cancellation,
}

/// The outcome of a successful `place`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub order_id: String,
    /// `live` (resting), `matched`, or `delayed` (held for the market's taker delay).
    pub status: &'static str,
    /// What the order gave and got so far, in base units (empty when nothing matched).
    pub making_amount: Micros,
    pub taking_amount: Micros,
    pub trade_ids: Vec<String>,
}

/// Why an order was refused. `Display` is Polymarket's own error text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlaceError {
    #[error("Invalid token id")]
    UnknownToken,
    #[error("market is not accepting orders")]
    MarketClosed,
    #[error("order {0} is invalid. Duplicated.")]
    Duplicate(String),
    #[error("invalid amounts, the amounts must be positive")]
    ZeroAmount,
    #[error("invalid price ({price}), min: {min} - max: {max}")]
    PriceOutOfRange { price: String, min: Pips, max: Pips },
    #[error("order {id} is invalid. Price ({price}) breaks minimum tick size rule: {tick}")]
    OffTick {
        id: String,
        price: String,
        tick: Pips,
    },
    /// A limit order's amounts finer than the tick allows (`side` is "buy" or "sell").
    #[error(
        "invalid amounts, the {side} orders maker amount supports a max accuracy of {maker} decimals, taker amount a max of {taker} decimals"
    )]
    Precision {
        side: &'static str,
        maker: u32,
        taker: u32,
    },
    /// A marketable (FOK/FAK) order's amounts finer than 2 (maker) / 4 (taker) decimals,
    /// whatever the tick (PROTOCOL.md §13.1; `side` is "buy" or "sell").
    #[error(
        "invalid amounts, the market {side} orders maker amount supports a max accuracy of {MARKET_MAKER_DECIMALS} decimals, taker amount a max of {MARKET_TAKER_DECIMALS} decimals"
    )]
    MarketPrecision { side: &'static str },
    #[error("order {id} is invalid. Size ({size}) lower than the minimum: {min}")]
    BelowMinimum {
        id: String,
        size: Micros,
        min: Micros,
    },
    #[error("not enough balance / allowance")]
    NotEnoughBalance,
    #[error("invalid post-only order: order crosses book")]
    PostOnlyCrosses,
    #[error("invalid post-only order: only GTC and GTD orders may be post-only")]
    PostOnlyMarketOrder,
    #[error("invalid expiration: GTD orders must expire more than 60 seconds from now")]
    BadExpiration,
    #[error("order couldn't be fully filled. FOK orders are fully filled or killed.")]
    FokNotFilled,
    #[error(
        "no orders found to match with FAK order. FAK orders are partially filled or killed if no match is found."
    )]
    FakNoMatch,
}

/// Why a cancel did not happen (Polymarket's `not_canceled` reasons).
pub const ALREADY_CANCELED: &str = "the order is already canceled";
pub const ORDER_NOT_FOUND: &str = "order not found";
pub const ALREADY_MATCHED: &str = "the order is already matched";

/// How long after a match a trade is MINED, and then CONFIRMED.
#[derive(Debug, Clone, Copy)]
pub struct SettlementDelays {
    pub mined_after_ms: u64,
    pub confirmed_after_ms: u64,
}

impl Default for SettlementDelays {
    fn default() -> Self {
        Self {
            mined_after_ms: 2_000,
            confirmed_after_ms: 6_000,
        }
    }
}

#[derive(Debug, Default)]
pub struct Exchange {
    pub markets: BTreeMap<String, Market>,
    token_index: HashMap<String, (String, Outcome)>,
    pub accounts: HashMap<Address, Account>,
    pub orders: HashMap<String, OrderRecord>,
    order_ids: HashMap<OrderKey, String>,
    pub trades: Vec<TradeRecord>,
    trade_index: HashMap<String, usize>,
    /// Trades whose status still moves: (index into `trades`).
    settling: VecDeque<usize>,
    pub fees_collected: Micros,
    /// pUSD that entered the system through `mint_collateral`.
    pub collateral_issued: Micros,
    next_key: OrderKey,
    next_trade: u64,
    pub delays: SettlementDelays,
    /// Fault switch: the next N trades go RETRYING and then FAILED (and are reversed).
    pub fail_next_trades: u32,
    events: Vec<ExchangeEvent>,
    /// Per market (condition id): how long a marketable order is held before it may match.
    pub taker_delays_ms: HashMap<String, u64>,
    /// Orders held for their market's taker delay: (release time, order), oldest first.
    delayed: Vec<(u64, NewOrder)>,
}

/// Where an order sits in the YES-terms book: (side, price).
fn yes_terms(outcome: Outcome, side: Side, price: Pips) -> (BookSide, Pips) {
    match (outcome, side) {
        (Outcome::Yes, Side::Buy) => (BookSide::Bid, price),
        (Outcome::Yes, Side::Sell) => (BookSide::Ask, price),
        (Outcome::No, Side::Buy) => (BookSide::Ask, price.complement()),
        (Outcome::No, Side::Sell) => (BookSide::Bid, price.complement()),
    }
}

fn own_price(outcome: Outcome, yes_price: Pips) -> Pips {
    match outcome {
        Outcome::Yes => yes_price,
        Outcome::No => yes_price.complement(),
    }
}

/// Decimals a marketable (FOK/FAK) order's maker amount may carry, at every tick.
pub const MARKET_MAKER_DECIMALS: u32 = 2;
/// Decimals a marketable (FOK/FAK) order's taker amount may carry, at every tick.
pub const MARKET_TAKER_DECIMALS: u32 = 4;

/// Decimals allowed for the computed (collateral) leg at a tick: price decimals + 2.
pub fn amount_decimals(tick: Pips) -> u32 {
    let mut value = tick.0;
    let mut price_decimals = 4;
    while price_decimals > 0 && value.is_multiple_of(10) {
        value /= 10;
        price_decimals -= 1;
    }
    price_decimals + 2
}

impl Exchange {
    pub fn new(delays: SettlementDelays) -> Self {
        Self {
            delays,
            ..Self::default()
        }
    }

    /// Events since the last drain, oldest first.
    pub fn drain_events(&mut self) -> Vec<ExchangeEvent> {
        std::mem::take(&mut self.events)
    }

    pub fn add_market(&mut self, market: Market) {
        self.token_index.insert(
            market.tokens[0].clone(),
            (market.condition_id.clone(), Outcome::Yes),
        );
        self.token_index.insert(
            market.tokens[1].clone(),
            (market.condition_id.clone(), Outcome::No),
        );
        self.markets.insert(market.condition_id.clone(), market);
    }

    /// The market and outcome a token belongs to.
    pub fn token(&self, token: &str) -> Option<(&Market, Outcome)> {
        let (condition_id, outcome) = self.token_index.get(token)?;
        self.markets.get(condition_id).map(|m| (m, *outcome))
    }

    pub fn account(&self, address: &str) -> Option<&Account> {
        self.accounts.get(address)
    }

    /// Creates pUSD out of nothing: a deposit from outside the simulated world. Refused
    /// (`false`, nothing changes) when the pUSD ever issued would no longer fit in `u64`
    /// micros; no account can then overflow either, as none holds more than was issued.
    #[must_use]
    pub fn mint_collateral(&mut self, address: &str, amount: Micros) -> bool {
        let Some(issued) = self.collateral_issued.0.checked_add(amount.0) else {
            return false;
        };
        self.collateral_issued.0 = issued;
        self.accounts.entry(address.to_owned()).or_default().pusd.0 += amount.0;
        true
    }

    /// Splits pUSD into YES + NO pairs of a market (CTF `splitPosition`).
    pub fn split(
        &mut self,
        address: &str,
        condition_id: &str,
        amount: Micros,
    ) -> Result<(), PlaceError> {
        let market = self
            .markets
            .get_mut(condition_id)
            .ok_or(PlaceError::UnknownToken)?;
        let account = self.accounts.entry(address.to_owned()).or_default();
        if account.available_pusd() < amount {
            return Err(PlaceError::NotEnoughBalance);
        }
        account.pusd.0 -= amount.0;
        for token in &market.tokens {
            account.shares.entry(token.clone()).or_default().0 += amount.0;
        }
        market.locked.0 += amount.0;
        Ok(())
    }

    /// Validates and places an order: matches what it can, rests the rest (GTC/GTD). A killed
    /// FOK/FAK is refused and kept as CANCELED with its reason; a marketable order on a market
    /// with a taker delay is held (DELAYED) and placed by [`Self::advance`] when it ends.
    pub fn place(&mut self, order: NewOrder, now_ms: u64) -> Result<Placement, PlaceError> {
        self.place_at(order, now_ms, false)
    }

    fn place_at(
        &mut self,
        order: NewOrder,
        now_ms: u64,
        released: bool,
    ) -> Result<Placement, PlaceError> {
        if self.orders.contains_key(&order.id) {
            return Err(PlaceError::Duplicate(order.id));
        }
        let (condition_id, outcome) = self
            .token_index
            .get(&order.token)
            .cloned()
            .ok_or(PlaceError::UnknownToken)?;
        let market = &self.markets[&condition_id];
        if market.status != MarketStatus::Open {
            return Err(PlaceError::MarketClosed);
        }
        let (size, price) = validate(&order, market, now_ms)?;
        let (book_side, book_price) = yes_terms(outcome, order.side, price);

        if order.post_only && market.book.crosses(book_side, book_price) {
            return Err(PlaceError::PostOnlyCrosses);
        }
        let fee_bound = market.fees.max_fee(size);
        let enough = self
            .accounts
            .get(&order.owner)
            .is_some_and(|account| match order.side {
                Side::Buy => account.available_pusd().0 >= order.maker_amount.0 + fee_bound.0,
                Side::Sell => account.available_shares(&order.token) >= size,
            });
        if !enough {
            return Err(PlaceError::NotEnoughBalance);
        }
        let fillable = market.book.depth_within(book_side, book_price);
        let delay = self
            .taker_delays_ms
            .get(&condition_id)
            .copied()
            .unwrap_or(0);
        let marketable = !order.order_type.may_rest() || fillable > Micros::ZERO;
        let held = !released && delay > 0 && marketable;
        let killed = match order.order_type {
            _ if held => None,
            OrderType::Fok if fillable < size => Some(PlaceError::FokNotFilled),
            OrderType::Fak if fillable == Micros::ZERO => Some(PlaceError::FakNoMatch),
            _ => None,
        };

        let key = self.next_key;
        self.next_key += 1;
        let mut record = OrderRecord {
            id: order.id.clone(),
            key,
            owner: order.owner.clone(),
            api_key: order.api_key.clone(),
            condition_id: condition_id.clone(),
            token: order.token.clone(),
            outcome,
            side: order.side,
            price,
            original_size: size,
            size_matched: Micros::ZERO,
            order_type: order.order_type,
            expiration: order.expiration,
            created_at_ms: now_ms,
            status: OrderStatus::Live,
            reason: None,
            trade_ids: Vec::new(),
        };
        if let Some(reason) = killed {
            // Kept so the order can be looked up; a delayed one reports UNMATCHED.
            record.status = if released {
                OrderStatus::Unmatched
            } else {
                OrderStatus::Canceled
            };
            record.reason = Some(reason.clone());
            if released {
                self.events.push(ExchangeEvent::Order {
                    kind: OrderEventKind::Cancellation,
                    order: record.clone(),
                });
            }
            self.orders.insert(record.id.clone(), record);
            return Err(reason);
        }
        if held {
            record.status = OrderStatus::Delayed;
            self.delayed.push((now_ms + delay, order));
            let placement = Placement {
                order_id: record.id.clone(),
                status: "delayed",
                making_amount: Micros::ZERO,
                taking_amount: Micros::ZERO,
                trade_ids: Vec::new(),
            };
            self.orders.insert(record.id.clone(), record);
            return Ok(placement);
        }
        let (making, taking) = self.match_incoming(&mut record, now_ms);

        let rests = order.order_type.may_rest() && record.remaining() > Micros::ZERO;
        if rests {
            self.rest(&record);
            self.events.push(ExchangeEvent::Order {
                kind: OrderEventKind::Placement,
                order: record.clone(),
            });
        } else {
            record.status = if record.remaining() == Micros::ZERO {
                OrderStatus::Matched
            } else {
                OrderStatus::Canceled
            };
        }
        let placement = Placement {
            order_id: record.id.clone(),
            status: if rests { "live" } else { "matched" },
            making_amount: making,
            taking_amount: taking,
            trade_ids: record.trade_ids.clone(),
        };
        self.order_ids.insert(key, record.id.clone());
        self.orders.insert(record.id.clone(), record);
        Ok(placement)
    }

    /// Matches an incoming order against the book. Returns (given, received) by the taker.
    fn match_incoming(&mut self, taker: &mut OrderRecord, now_ms: u64) -> (Micros, Micros) {
        let (book_side, book_price) = yes_terms(taker.outcome, taker.side, taker.price);
        let condition_id = taker.condition_id.clone();
        let levels = self.markets[&condition_id]
            .book
            .matchable(book_side, book_price);
        let maker_side = book_side.opposite();
        let (mut given, mut received) = (Micros::ZERO, Micros::ZERO);
        'levels: for level_price in levels {
            loop {
                if taker.remaining() == Micros::ZERO {
                    break 'levels;
                }
                let market = &self.markets[&condition_id];
                let Some(&maker_key) = market
                    .book
                    .side(maker_side)
                    .get(&level_price)
                    .and_then(|l| l.orders.front())
                else {
                    break;
                };
                let maker_id = self.order_ids[&maker_key].clone();
                let maker_remaining = self.orders[&maker_id].remaining();
                let size = taker.remaining().min(maker_remaining);
                let trade = self.settle(taker, &maker_id, size, level_price, now_ms);
                match taker.side {
                    Side::Buy => {
                        given.0 += notional(size, trade.price).0 + trade.taker_fee.0;
                        received.0 += size.0;
                    }
                    Side::Sell => {
                        given.0 += size.0;
                        received.0 += notional(size, trade.price)
                            .0
                            .saturating_sub(trade.taker_fee.0);
                    }
                }
                taker.size_matched.0 += size.0;
                taker.trade_ids.push(trade.id.clone());
                self.record_trade(trade);
            }
        }
        (given, received)
    }

    /// Moves pUSD, shares and locked collateral for one fill, and updates the maker's order.
    fn settle(
        &mut self,
        taker: &OrderRecord,
        maker_id: &str,
        size: Micros,
        yes_price: Pips,
        now_ms: u64,
    ) -> TradeRecord {
        let condition_id = taker.condition_id.clone();
        let market = &self.markets[&condition_id];
        let maker = self.orders[maker_id].clone();
        let taker_price = own_price(taker.outcome, yes_price);
        let maker_price = own_price(maker.outcome, yes_price);
        let taker_fee = market.fees.fee(size, taker_price);
        let maker_fee = if market.fees.taker_only {
            Micros::ZERO
        } else {
            market.fees.fee(size, maker_price)
        };

        // Collateral each side pays (negative) or receives (positive).
        let (taker_cash, maker_cash): (i128, i128) = if taker.outcome == maker.outcome {
            let cash = i128::from(notional(size, taker_price).0);
            match taker.side {
                Side::Buy => (-cash, cash),
                Side::Sell => (cash, -cash),
            }
        } else {
            // Different tokens on the same YES-terms price: a mint (both buy) or a merge (both
            // sell). The YES side's share is rounded once; the NO side gets the complement, so
            // exactly `size` pUSD backs (or is freed from) `size` pairs.
            let yes_cash = notional(size, yes_price).0;
            let no_cash = size.0 - yes_cash;
            let (taker_part, maker_part) = if taker.outcome == Outcome::Yes {
                (yes_cash, no_cash)
            } else {
                (no_cash, yes_cash)
            };
            let sign = if taker.side == Side::Buy { -1 } else { 1 };
            (sign * i128::from(taker_part), sign * i128::from(maker_part))
        };
        let locked_change: i128 = match (taker.outcome == maker.outcome, taker.side) {
            (true, _) => 0,
            (false, Side::Buy) => i128::from(size.0),
            (false, Side::Sell) => -i128::from(size.0),
        };
        let share_change = |side: Side| {
            if side == Side::Buy {
                i128::from(size.0)
            } else {
                -i128::from(size.0)
            }
        };

        let mut settlement = vec![
            (
                taker.owner.clone(),
                Asset::Pusd,
                taker_cash - i128::from(taker_fee.0),
            ),
            (
                taker.owner.clone(),
                Asset::Share(taker.token.clone()),
                share_change(taker.side),
            ),
            (
                maker.owner.clone(),
                Asset::Pusd,
                maker_cash - i128::from(maker_fee.0),
            ),
            (
                maker.owner.clone(),
                Asset::Share(maker.token.clone()),
                share_change(maker.side),
            ),
            (
                String::new(),
                Asset::Fees,
                i128::from(taker_fee.0 + maker_fee.0),
            ),
        ];
        if locked_change != 0 {
            settlement.push((
                String::new(),
                Asset::Locked(condition_id.clone()),
                locked_change,
            ));
        }

        // The maker's reservation shrinks with its remaining size.
        self.update_maker_after_fill(maker_id, size);
        self.apply(&settlement, 1);

        let trade_no = self.next_trade;
        self.next_trade += 1;
        TradeRecord {
            // A UUID, as production's trade ids are; a counter keeps runs reproducible.
            id: format!("00000000-0000-4000-8000-{trade_no:012x}"),
            condition_id,
            taker_order_id: taker.id.clone(),
            taker_owner: taker.owner.clone(),
            taker_api_key: taker.api_key.clone(),
            taker_token: taker.token.clone(),
            taker_side: taker.side,
            price: taker_price,
            size,
            taker_fee,
            maker_order_id: maker.id.clone(),
            maker_owner: maker.owner.clone(),
            maker_api_key: maker.api_key.clone(),
            maker_token: maker.token.clone(),
            maker_side: maker.side,
            maker_price,
            maker_fee,
            status: TradeStatus::Matched,
            match_time_ms: now_ms,
            last_update_ms: now_ms,
            transaction_hash: String::new(),
            settlement,
        }
    }

    fn update_maker_after_fill(&mut self, maker_id: &str, size: Micros) {
        let maker = self.orders.get_mut(maker_id).expect("maker order exists");
        let before = maker.remaining();
        maker.size_matched.0 += size.0;
        let after = maker.remaining();
        if after == Micros::ZERO {
            maker.status = OrderStatus::Matched;
        }
        let maker = maker.clone();
        self.release_reservation(&maker, before, after);
        let market = self
            .markets
            .get_mut(&maker.condition_id)
            .expect("market exists");
        let total = market.book.reduce(
            maker.book_side(),
            maker.book_price(),
            maker.key,
            size,
            after == Micros::ZERO,
        );
        self.events.push(ExchangeEvent::Level {
            condition_id: maker.condition_id.clone(),
            side: maker.book_side(),
            price: maker.book_price(),
            size: total,
        });
        self.events.push(ExchangeEvent::Order {
            kind: OrderEventKind::Update,
            order: maker,
        });
    }

    fn release_reservation(&mut self, order: &OrderRecord, before: Micros, after: Micros) {
        let account = self.accounts.entry(order.owner.clone()).or_default();
        match order.side {
            Side::Buy => {
                let freed =
                    notional_ceil(before, order.price).0 - notional_ceil(after, order.price).0;
                account.pusd_reserved = account.pusd_reserved.saturating_sub(Micros(freed));
            }
            Side::Sell => {
                let reserved = account
                    .shares_reserved
                    .entry(order.token.clone())
                    .or_default();
                *reserved = reserved.saturating_sub(Micros(before.0 - after.0));
            }
        }
    }

    fn apply(&mut self, settlement: &[(Address, Asset, i128)], sign: i128) {
        fn add(value: &mut Micros, delta: i128) {
            value.0 = u64::try_from((i128::from(value.0) + delta).max(0)).unwrap_or(u64::MAX);
        }
        for (owner, asset, delta) in settlement {
            let delta = delta * sign;
            match asset {
                Asset::Pusd => add(
                    &mut self.accounts.entry(owner.clone()).or_default().pusd,
                    delta,
                ),
                Asset::Share(token) => {
                    let account = self.accounts.entry(owner.clone()).or_default();
                    add(account.shares.entry(token.clone()).or_default(), delta);
                }
                Asset::Locked(condition_id) => {
                    if let Some(market) = self.markets.get_mut(condition_id) {
                        add(&mut market.locked, delta);
                    }
                }
                Asset::Fees => add(&mut self.fees_collected, delta),
            }
        }
    }

    fn record_trade(&mut self, mut trade: TradeRecord) {
        if self.fail_next_trades > 0 {
            self.fail_next_trades -= 1;
            trade.status = TradeStatus::Retrying;
        }
        if let Some(market) = self.markets.get_mut(&trade.condition_id) {
            market.last_trade = Some((
                own_price(Outcome::Yes, yes_price_of(&trade, market)),
                trade.taker_side,
            ));
        }
        let index = self.trades.len();
        self.trade_index.insert(trade.id.clone(), index);
        self.events.push(ExchangeEvent::Trade {
            trade: trade.clone(),
        });
        self.trades.push(trade);
        self.settling.push_back(index);
    }

    fn rest(&mut self, order: &OrderRecord) {
        let remaining = order.remaining();
        let account = self.accounts.entry(order.owner.clone()).or_default();
        match order.side {
            Side::Buy => account.pusd_reserved.0 += notional_ceil(remaining, order.price).0,
            Side::Sell => {
                account
                    .shares_reserved
                    .entry(order.token.clone())
                    .or_default()
                    .0 += remaining.0
            }
        }
        let market = self
            .markets
            .get_mut(&order.condition_id)
            .expect("market exists");
        let total = market
            .book
            .insert(order.book_side(), order.book_price(), order.key, remaining);
        self.events.push(ExchangeEvent::Level {
            condition_id: order.condition_id.clone(),
            side: order.book_side(),
            price: order.book_price(),
            size: total,
        });
    }

    /// Cancels one open order of `owner`. `Err` carries Polymarket's reason text.
    pub fn cancel(&mut self, owner: &str, order_id: &str) -> Result<(), &'static str> {
        let Some(order) = self.orders.get(order_id) else {
            return Err(ORDER_NOT_FOUND);
        };
        if order.owner != owner {
            return Err(ORDER_NOT_FOUND);
        }
        match order.status {
            OrderStatus::Canceled
            | OrderStatus::Unmatched
            | OrderStatus::Invalid
            | OrderStatus::CanceledMarketResolved => return Err(ALREADY_CANCELED),
            OrderStatus::Matched => return Err(ALREADY_MATCHED),
            OrderStatus::Delayed => {
                // Not on the book yet: it simply never gets placed.
                self.delayed.retain(|(_, o)| o.id != order_id);
                let order = self.orders.get_mut(order_id).expect("order exists");
                order.status = OrderStatus::Canceled;
                let order = order.clone();
                self.events.push(ExchangeEvent::Order {
                    kind: OrderEventKind::Cancellation,
                    order,
                });
                return Ok(());
            }
            OrderStatus::Live => {}
        }
        self.remove_resting(order_id, OrderStatus::Canceled);
        Ok(())
    }

    /// Takes the resting orders of `owner` off the book as INVALID: the wallet withdrew the
    /// exchange's allowance, so they could no longer settle. Returns their ids.
    pub fn invalidate_orders(&mut self, owner: &str) -> Vec<String> {
        let ids: Vec<String> = self
            .open_orders(owner, None, None)
            .iter()
            .map(|o| o.id.clone())
            .collect();
        for id in &ids {
            self.remove_resting(id, OrderStatus::Invalid);
        }
        ids
    }

    fn remove_resting(&mut self, order_id: &str, status: OrderStatus) {
        let order = self.orders.get_mut(order_id).expect("order exists");
        order.status = status;
        let order = order.clone();
        let remaining = order.remaining();
        self.release_reservation(&order, remaining, Micros::ZERO);
        let market = self
            .markets
            .get_mut(&order.condition_id)
            .expect("market exists");
        let total = market.book.reduce(
            order.book_side(),
            order.book_price(),
            order.key,
            remaining,
            true,
        );
        self.events.push(ExchangeEvent::Level {
            condition_id: order.condition_id.clone(),
            side: order.book_side(),
            price: order.book_price(),
            size: total,
        });
        self.events.push(ExchangeEvent::Order {
            kind: OrderEventKind::Cancellation,
            order,
        });
    }

    /// Ids of `owner`'s open orders, optionally only in one market and/or token.
    pub fn open_orders(
        &self,
        owner: &str,
        market: Option<&str>,
        token: Option<&str>,
    ) -> Vec<&OrderRecord> {
        let mut open: Vec<&OrderRecord> = self
            .orders
            .values()
            .filter(|o| o.owner == owner && o.status == OrderStatus::Live)
            .filter(|o| market.is_none_or(|m| o.condition_id == m))
            .filter(|o| token.is_none_or(|t| o.token == t))
            .collect();
        open.sort_by_key(|o| o.key);
        open
    }

    /// Cancels every open order of `owner` (optionally in one market / token).
    pub fn cancel_all(
        &mut self,
        owner: &str,
        market: Option<&str>,
        token: Option<&str>,
    ) -> Vec<String> {
        let ids: Vec<String> = self
            .open_orders(owner, market, token)
            .iter()
            .map(|o| o.id.clone())
            .collect();
        for id in &ids {
            self.remove_resting(id, OrderStatus::Canceled);
        }
        ids
    }

    /// Forgets those of `ids` that are cancelled and never traded. For the scenario's market
    /// makers, which requote every step: their dead quotes would otherwise pile up in the
    /// order table, and every scan of it (open orders, expiry) would slow down for good.
    /// Never for clients' orders: a client may look its order up after cancelling it.
    pub fn forget_untraded_cancelled(&mut self, ids: &[String]) {
        for id in ids {
            let dead = self.orders.get(id).is_some_and(|o| {
                o.status == OrderStatus::Canceled
                    && o.size_matched == Micros::ZERO
                    && o.trade_ids.is_empty()
            });
            if dead {
                self.orders.remove(id);
            }
        }
    }

    /// Runs time forward: expires GTD orders and moves trades along their lifecycle.
    pub fn advance(&mut self, now_ms: u64) {
        let now_s = now_ms / 1000;
        let expired: Vec<String> = self
            .orders
            .values()
            .filter(|o| {
                o.status == OrderStatus::Live
                    && o.order_type == OrderType::Gtd
                    && o.expiration <= now_s
            })
            .map(|o| o.id.clone())
            .collect();
        for id in expired {
            self.remove_resting(&id, OrderStatus::Canceled);
        }
        self.release_delayed(now_ms);
        let mut still_settling = VecDeque::new();
        while let Some(index) = self.settling.pop_front() {
            let trade = &mut self.trades[index];
            let age = now_ms.saturating_sub(trade.match_time_ms);
            let next = match trade.status {
                TradeStatus::Matched if age >= self.delays.mined_after_ms => {
                    Some(TradeStatus::Mined)
                }
                TradeStatus::Mined if age >= self.delays.confirmed_after_ms => {
                    Some(TradeStatus::Confirmed)
                }
                TradeStatus::Retrying if age >= self.delays.mined_after_ms => {
                    Some(TradeStatus::Failed)
                }
                _ => None,
            };
            if let Some(status) = next {
                trade.status = status;
                trade.last_update_ms = now_ms;
                if status == TradeStatus::Mined {
                    trade.transaction_hash = format!("0x{:064x}", index + 1);
                }
                let trade = trade.clone();
                if status == TradeStatus::Failed {
                    self.apply(&trade.settlement, -1);
                }
                self.events.push(ExchangeEvent::Trade {
                    trade: trade.clone(),
                });
            }
            if !matches!(
                self.trades[index].status,
                TradeStatus::Confirmed | TradeStatus::Failed
            ) {
                still_settling.push_back(index);
            }
        }
        self.settling = still_settling;
    }

    /// Places the held orders whose taker delay has ended; one that cannot be placed any more
    /// (killed, or refused) is kept as UNMATCHED with its reason.
    fn release_delayed(&mut self, now_ms: u64) {
        if self.delayed.is_empty() {
            return;
        }
        let (due, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.delayed)
            .into_iter()
            .partition(|(at, _)| *at <= now_ms);
        self.delayed = waiting;
        for (_, order) in due {
            let Some(held) = self.orders.remove(&order.id) else {
                continue;
            };
            if let Err(reason) = self.place_at(order, now_ms, true)
                && !self.orders.contains_key(&held.id)
            {
                let mut record = held;
                record.status = OrderStatus::Unmatched;
                record.reason = Some(reason);
                self.events.push(ExchangeEvent::Order {
                    kind: OrderEventKind::Cancellation,
                    order: record.clone(),
                });
                self.orders.insert(record.id.clone(), record);
            }
        }
    }

    pub fn trade(&self, id: &str) -> Option<&TradeRecord> {
        self.trade_index.get(id).map(|i| &self.trades[*i])
    }

    /// Fault switch and market event: a new tick size for a market.
    pub fn set_tick_size(&mut self, condition_id: &str, tick: Pips) -> bool {
        let Some(market) = self.markets.get_mut(condition_id) else {
            return false;
        };
        let old = market.tick;
        market.tick = tick;
        self.events.push(ExchangeEvent::TickSize {
            condition_id: condition_id.to_owned(),
            old,
            new: tick,
        });
        true
    }

    /// Resolves a market: cancels its orders and pays 1 pUSD per winning share (redeemed at
    /// once, as if every holder redeemed).
    pub fn resolve(&mut self, condition_id: &str, winner: Outcome) -> bool {
        let Some(market) = self.markets.get(condition_id) else {
            return false;
        };
        let winning_token = market.token(winner).to_owned();
        let losing_token = market
            .token(match winner {
                Outcome::Yes => Outcome::No,
                Outcome::No => Outcome::Yes,
            })
            .to_owned();
        let open: Vec<String> = self
            .orders
            .values()
            .filter(|o| o.condition_id == condition_id && o.status == OrderStatus::Live)
            .map(|o| o.id.clone())
            .collect();
        for id in open {
            self.remove_resting(&id, OrderStatus::CanceledMarketResolved);
        }
        let mut paid = 0u64;
        for account in self.accounts.values_mut() {
            let winning = account.shares.remove(&winning_token).unwrap_or_default();
            account.shares.remove(&losing_token);
            account.shares_reserved.remove(&winning_token);
            account.shares_reserved.remove(&losing_token);
            account.pusd.0 += winning.0;
            paid += winning.0;
        }
        // Every pair was backed by 1 pUSD and exactly one share of each pair wins, so the
        // winners' payout releases all of the market's locked collateral.
        let market = self.markets.get_mut(condition_id).expect("checked above");
        market.locked = market.locked.saturating_sub(Micros(paid));
        market.status = MarketStatus::Resolved { winner };
        self.events.push(ExchangeEvent::Resolved {
            condition_id: condition_id.to_owned(),
            winner,
        });
        true
    }

    /// pUSD in every account + fees + locked collateral: constant but for `mint_collateral`.
    pub fn total_collateral(&self) -> u128 {
        let accounts: u128 = self.accounts.values().map(|a| u128::from(a.pusd.0)).sum();
        let locked: u128 = self.markets.values().map(|m| u128::from(m.locked.0)).sum();
        accounts + locked + u128::from(self.fees_collected.0)
    }
}

fn yes_price_of(trade: &TradeRecord, market: &Market) -> Pips {
    if trade.taker_token == market.tokens[0] {
        trade.price
    } else {
        trade.price.complement()
    }
}

/// Checks an order against the market's rules; returns (size in shares, limit price).
fn validate(order: &NewOrder, market: &Market, now_ms: u64) -> Result<(Micros, Pips), PlaceError> {
    if order.maker_amount == Micros::ZERO || order.taker_amount == Micros::ZERO {
        return Err(PlaceError::ZeroAmount);
    }
    if order.post_only && !order.order_type.may_rest() {
        return Err(PlaceError::PostOnlyMarketOrder);
    }
    if order.order_type == OrderType::Gtd && order.expiration <= now_ms / 1000 + 60 {
        return Err(PlaceError::BadExpiration);
    }
    let (shares, collateral) = match order.side {
        Side::Buy => (order.taker_amount, order.maker_amount),
        Side::Sell => (order.maker_amount, order.taker_amount),
    };
    let scale = u128::from(PIPS_PER_UNIT);
    let side_word = if order.side == Side::Buy {
        "buy"
    } else {
        "sell"
    };
    if order.order_type.may_rest() {
        // Limit orders (§2.5): shares to 2 dp, collateral to the tick's amount dp.
        let amount_dp = amount_decimals(market.tick);
        let (maker_dp, taker_dp) = match order.side {
            Side::Buy => (amount_dp, 2),
            Side::Sell => (2, amount_dp),
        };
        if order.maker_amount.decimals() > maker_dp || order.taker_amount.decimals() > taker_dp {
            return Err(PlaceError::Precision {
                side: side_word,
                maker: maker_dp,
                taker: taker_dp,
            });
        }
    } else if order.maker_amount.decimals() > MARKET_MAKER_DECIMALS
        || order.taker_amount.decimals() > MARKET_TAKER_DECIMALS
    {
        // Marketable orders (§13.1): 2 and 4 decimals at every tick, production's cap (the
        // SDKs' "price decimals + 2" taker is refused at ticks finer than 0.01).
        return Err(PlaceError::MarketPrecision { side: side_word });
    }
    // The limit price as the best the order accepts, in whole pips: a BUY pays at most
    // collateral/shares, a SELL takes at least collateral/shares.
    let exact = u128::from(collateral.0) * scale;
    let price = match order.side {
        Side::Buy => exact / u128::from(shares.0),
        Side::Sell => exact.div_ceil(u128::from(shares.0)),
    };
    let price = Pips(u32::try_from(price).unwrap_or(u32::MAX));
    let (min, max) = (market.tick, Pips(PIPS_PER_UNIT - market.tick.0));
    let price_text = || {
        Decimal::from_i128_with_scale(exact as i128 / i128::from(shares.0.max(1)), 4)
            .normalize()
            .to_string()
    };
    if price < min || price > max {
        return Err(PlaceError::PriceOutOfRange {
            price: price_text(),
            min,
            max,
        });
    }
    if order.order_type.may_rest() {
        let on_grid =
            exact.is_multiple_of(u128::from(shares.0)) && price.0.is_multiple_of(market.tick.0);
        if !on_grid {
            return Err(PlaceError::OffTick {
                id: order.id.clone(),
                price: price_text(),
                tick: market.tick,
            });
        }
        if shares < market.min_size {
            return Err(PlaceError::BelowMinimum {
                id: order.id.clone(),
                size: shares,
                min: market.min_size,
            });
        }
    }
    Ok((shares, price))
}
