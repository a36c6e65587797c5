//! PolyAgent's local database: one SQLite file holding bots, settings, public wallet data, the
//! order journal, fills, positions, the activity log and price history.
//!
//! Invariants kept here:
//! - the store never reads the clock or generates ids: every timestamp ([`Timestamp`]) and id is
//!   passed in by the caller, so behaviour is deterministic and testable;
//! - money, prices, sizes and fees are [`Decimal`]s stored as TEXT and read back exactly (same
//!   value and same scale), never floats;
//! - the schema is created and upgraded only by the migrations embedded in this crate, at
//!   [`Database::open`]; a database written by a newer PolyAgent is refused before anything is
//!   written to it ([`StoreError::NewerSchema`]);
//! - the database runs in WAL mode with `synchronous = FULL` and foreign keys on, so a committed
//!   order intent survives a crash or power loss (the journal is written before an order is sent);
//! - the database, its WAL and shared-memory files are owner-only (0600) and folders this
//!   crate creates are 0700 ([`private_files`]);
//! - no secret material is stored here: wallets hold public data only, keys live in the vault.
//!
//! Access goes through small repository structs borrowed from [`Database`]:
//! [`Database::bots`], [`Database::settings`], [`Database::wallets`], [`Database::order_journal`],
//! [`Database::fills`], [`Database::positions`], [`Database::activity`], [`Database::price_history`].

mod activity;
mod bots;
mod csv;
mod database;
mod error;
mod fills;
mod journal;
mod positions;
mod price_history;
pub mod private_files;
mod progress;
mod schema;
mod settings;
mod sql;
mod time;
mod wallets;

pub use activity::{
    ActivityCursor, ActivityEntry, ActivityKind, ActivityLog, ActivityPage, ActivityQuery,
    NewActivity,
};
pub use bots::{Bot, Bots, NewBot};
pub use database::Database;
pub use error::StoreError;
pub use fills::{Fill, FillRecorded, FillStatus, Fills, NewFill};
pub use journal::{IntentState, NewOrderIntent, OrderIntent, OrderJournal};
pub use positions::{Position, Positions};
pub use price_history::{
    CompactionReport, PriceHistory, PricePoint, PriceSeries, PriceTick, Resolution, RetentionPolicy,
};
pub use progress::{BotProgress, IntentSettlement, PositionState};
pub use rust_decimal::Decimal;
pub use schema::SCHEMA_VERSION;
pub use settings::{Settings, setting_keys};
pub use sql::Side;
pub use time::Timestamp;
pub use wallets::{SignatureType, Wallet, Wallets};
