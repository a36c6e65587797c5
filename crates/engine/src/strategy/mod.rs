//! Strategies: pure functions of (own state, what the bot holds, event, now) → decisions.
//!
//! Invariants:
//! - a strategy never reads a clock, touches the network or sees money it does not hold;
//!   it gets a [`View`] and an [`Event`] and returns [`Decision`]s;
//! - a strategy cannot bypass risk: the engine gates its buys (cooldown, limits,
//!   killswitch), runs exits itself, and assigns order ids;
//! - strategy state is `Clone` + serde so a bot's engine can be persisted and restored.
//!
//! Adding one is a new file in this folder plus one line in [`registry`]; see
//! docs/STRATEGIES.md.

pub mod registry;
pub mod spike_sam;
pub mod train;

use polyagent_domain::money::{Collateral, Price, Shares};
use rust_decimal::Decimal;

use crate::Timestamp;
use crate::config::BotConfig;
use crate::event::{Decision, Event, Leg, Quote};
use crate::ledger::Position;

pub use registry::AnyStrategy;

/// What a strategy may look at besides the event.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    pub config: &'a BotConfig,
    pub position: Option<&'a Position>,
    /// The latest quote of the primary outcome, if one has arrived.
    pub quote: Option<&'a Quote>,
    /// An order is in flight; new orders would be dropped by the engine anyway.
    pub order_open: bool,
}

/// A trading strategy. Implementors are plain data: `Clone`, `Debug`, serde.
pub trait Strategy {
    /// A fresh strategy for a validated config.
    fn from_config(config: &BotConfig) -> Self
    where
        Self: Sized;

    /// Reacts to one event. Called for every event while the bot runs or is paused.
    fn on_event(&mut self, view: &View<'_>, event: &Event, now: Timestamp) -> Vec<Decision>;
}

/// A buy of the configured trade size on `leg` at its ask, or nothing if no one sells.
pub fn buy_at_ask(view: &View<'_>, quote: &Quote, leg: Leg, reason: String) -> Option<Decision> {
    let ask = quote.for_leg(leg).ask?;
    Some(Decision::PlaceBuy {
        leg,
        amount: Collateral::new(view.config.params.trade_size).ok()?,
        limit: Price::new(ask).ok()?,
        reason,
    })
}

/// A sale of the whole position at its leg's bid, or nothing if no one buys.
pub fn sell_all_at_bid(position: &Position, quote: &Quote, reason: String) -> Option<Decision> {
    let bid = quote
        .for_leg(position.leg)
        .bid
        .filter(|b| *b > Decimal::ZERO)?;
    Some(Decision::PlaceSell {
        leg: position.leg,
        shares: Some(Shares::new(position.shares).ok()?),
        limit: Price::new(bid).ok()?,
        reason,
    })
}
