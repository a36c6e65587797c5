//! PolyAgent's trading core: what one bot decides, and how those decisions are accounted for.
//!
//! Invariants kept by every module here:
//! - strategies, the risk layer, accounting and the paper exchange are pure: each is a
//!   function of (state, event, now) with no IO and no clock reads, so live trading, paper
//!   trading and backtests run exactly the same code; time always arrives as a [`Timestamp`];
//! - money, prices, sizes and P&L are exact [`rust_decimal::Decimal`]s, never binary floats;
//! - token ids are strings;
//! - all engine state is `Clone` and serde-serializable, so an actor can own one bot's
//!   [`bot::BotEngine`], persist it, and feed it events.
//!
//! Map: [`config`] (profiles, overrides, validation) → [`strategy`] (the trait, the registry,
//! Spike Sam, Train of Trade) + [`spike`] (rolling spike detection) → [`risk`] (exits,
//! cooldown, daily limits, killswitch) → [`ledger`] (positions and P&L) → [`bot`] (the
//! pipeline one bot runs per event) → [`paper`] (simulated fills) → [`backtest`] (replaying a
//! recorded series through all of it).

pub mod backtest;
pub mod bot;
pub mod config;
pub mod event;
pub mod ledger;
pub mod paper;
pub mod risk;
pub mod spike;
pub mod strategy;
pub mod time;

pub use time::Timestamp;
