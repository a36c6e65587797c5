//! A local Polymarket: the exchange PolyAgent's tests, demos and paper play run against.
//!
//! - [`exchange`] is the matching engine and ledger: pure state, time passed in.
//! - [`book`] is one market's book in YES terms (the NO book is its mirror).
//! - [`units`] holds the exact integer units the engine computes in.

pub mod book;
pub mod exchange;
pub mod operator;
pub mod paths;
pub mod scenario;
pub mod server;
pub mod units;
