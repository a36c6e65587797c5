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
//!
//! How an owner (an actor, the backtest runner) drives one bot:
//!
//! ```
//! use polyagent_domain::trading::TickSize;
//! use polyagent_engine::Timestamp;
//! use polyagent_engine::bot::{BotEngine, Lifecycle};
//! use polyagent_engine::config::{BotSpec, Overrides, Profile};
//! use polyagent_engine::event::{Action, Event, Quote};
//! use polyagent_engine::paper::{Book, FeeCurve, PaperAccount};
//! use polyagent_engine::risk::GlobalView;
//! use rust_decimal::Decimal;
//!
//! let spec: BotSpec = serde_json::from_str(r#"{"name": "sam", "wallet": "main",
//!     "token_id": "123", "strategy": "spike-sam", "profile": "normal",
//!     "overrides": {"take_profit_pct": "4"}}"#).unwrap();
//! let mut bot = BotEngine::new(spec.resolve().unwrap()).unwrap();
//! let now = Timestamp::from_secs(1_783_728_000);
//! bot.command(&Lifecycle::Start, now).unwrap();
//! let mut paper = PaperAccount::new(Decimal::from(100), FeeCurve::FREE, TickSize::Hundredth);
//! let (bid, ask) = (Decimal::new(49, 2), Decimal::new(51, 2));
//! let quote = Quote { price: Decimal::new(50, 2), bid: Some(bid), ask: Some(ask) };
//! let book = Book::top(Some(bid), Some(ask), Decimal::from(1000));
//! let global = GlobalView::default(); // the runtime fills in limits, other bots, killswitch
//! for action in bot.on_event(&global, &Event::Tick(quote), now) {
//!     match action {
//!         // Paper (or live) execution answers with a Fill or a Rejected event.
//!         Action::Place(order) => { bot.on_event(&global, &paper.execute(&order, &book), now); }
//!         Action::Activity(line) => println!("{}", line.text),
//!         _ => {}
//!     }
//! }
//! let saved = serde_json::to_string(&bot).unwrap(); // persist; restore with from_str
//! # assert!(saved.contains("spike-sam"));
//! ```

pub mod backtest;
pub mod bot;
pub mod ceilings;
pub mod config;
pub mod event;
pub mod ledger;
pub mod paper;
pub mod risk;
pub mod spike;
pub mod strategy;
pub mod time;

pub use time::Timestamp;
