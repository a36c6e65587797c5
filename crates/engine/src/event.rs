//! What flows into a bot (events) and out of it (decisions from strategies, actions from the
//! engine).
//!
//! Invariants:
//! - a [`Quote`] is for the bot's primary outcome; the other outcome's quote is derived
//!   ([`Quote::for_leg`]) because in a binary market one share of each outcome is worth 1;
//! - strategies emit [`Decision`]s without order ids; the engine gates them through the risk
//!   layer, assigns [`OrderId`]s and emits [`Action`]s, so a strategy can never bypass risk;
//! - events and actions are serde-able so activity can be logged and replayed.

use polyagent_domain::money::{Collateral, Price, Shares};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::config::ExecutionStyle;
use crate::ledger::ClosedTrade;

/// Which outcome of the market a leg refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Leg {
    /// The outcome the bot is configured with (`token_id`).
    Primary,
    /// The other outcome (`complement_token_id`).
    Complement,
}

/// Buy or sell; the engine's own serde-able mirror of the domain side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Buy,
    Sell,
}

impl From<Side> for polyagent_domain::trading::Side {
    fn from(side: Side) -> Self {
        match side {
            Side::Buy => Self::Buy,
            Side::Sell => Self::Sell,
        }
    }
}

/// The primary outcome's prices at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    /// The displayed price (the midpoint, as Polymarket shows it): what spikes are measured
    /// on and positions are marked at.
    pub price: Decimal,
    pub bid: Option<Decimal>,
    pub ask: Option<Decimal>,
}

impl Quote {
    /// The quote of `leg`: the complement's bid is 1 − our ask, and so on.
    pub fn for_leg(&self, leg: Leg) -> Quote {
        match leg {
            Leg::Primary => *self,
            Leg::Complement => Quote {
                price: Decimal::ONE - self.price,
                bid: self.ask.map(|a| Decimal::ONE - a),
                ask: self.bid.map(|b| Decimal::ONE - b),
            },
        }
    }
}

/// A client-side order id, unique within one bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrderId(pub u64);

/// A (partial) execution of one of the bot's orders, from paper or live execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fill {
    pub order: OrderId,
    pub leg: Leg,
    pub side: Side,
    pub shares: Decimal,
    /// Σ shares × price over the levels filled: exact, unlike `avg price × shares`.
    pub notional: Decimal,
    /// Fee in pUSD, paid on top of a buy and out of a sell's proceeds.
    pub fee: Decimal,
    /// No more fills will come for this order (filled, or the rest was cancelled).
    pub last: bool,
}

impl Fill {
    pub fn avg_price(&self) -> Decimal {
        if self.shares.is_zero() {
            Decimal::ZERO
        } else {
            self.notional / self.shares
        }
    }
}

/// Everything that can happen to a bot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    Tick(Quote),
    Fill(Fill),
    /// The order will not trade (any more): refused, or cancelled. Fills booked before it
    /// (a resting order's partial fills) stand; the order is over either way.
    Rejected {
        order: OrderId,
        reason: String,
    },
    /// A periodic wake-up so time exits fire even when the market is silent.
    Timer,
}

/// A price level the strategy is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub side: Side,
    pub leg: Leg,
    pub price: Decimal,
}

/// What a strategy wants; the engine decides whether it happens. Transient (never
/// persisted), so it carries the domain's checked money types rather than serde ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Spend `amount` pUSD on `leg`, paying at most `limit` per share.
    PlaceBuy {
        leg: Leg,
        amount: Collateral,
        limit: Price,
        reason: String,
    },
    /// Sell `shares` of `leg` (all held when `None`), taking at least `limit` per share.
    PlaceSell {
        leg: Leg,
        shares: Option<Shares>,
        limit: Price,
        reason: String,
    },
    Cancel {
        order: OrderId,
    },
    SetTarget(Target),
    ClearTarget,
    /// A move beyond the threshold was seen (once per move, whether or not it is traded).
    Spike(crate::spike::Spike),
    Log(String),
}

/// An order the executor (paper or live) should place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRequest {
    pub id: OrderId,
    pub leg: Leg,
    pub side: Side,
    /// pUSD to spend for a buy, shares to sell for a sell.
    pub size: Decimal,
    pub limit: Decimal,
    pub reason: String,
    pub placed_at: Timestamp,
    /// How it meets the book; absent in orders saved before it existed (they were FAK).
    #[serde(default)]
    pub style: ExecutionStyle,
}

/// One line of a bot's activity log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    pub at: Timestamp,
    pub text: String,
    /// What the line is about, for the activity feed's filters.
    #[serde(default)]
    pub topic: Topic,
}

/// What an activity line is about.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// Lifecycle and everything else.
    #[default]
    System,
    /// An order placed, and why.
    Order,
    /// A limit or the killswitch stopped or paused trading.
    Risk,
    /// Something went wrong.
    Error,
}

/// What the engine tells its owner (the actor, the backtest runner) to do or record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    Place(OrderRequest),
    Cancel {
        order: OrderId,
    },
    Target(Option<Target>),
    /// A spike the strategy saw, for the chart's markers and the activity log.
    Spike(crate::spike::Spike),
    Activity(Activity),
    TradeClosed(ClosedTrade),
    /// The bot paused itself (a daily limit); the reason is for the user.
    Paused {
        reason: String,
    },
    /// The bot resumed by itself (a new UTC day lifted a daily limit).
    Resumed {
        reason: String,
    },
}
