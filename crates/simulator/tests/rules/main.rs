//! Production's rules of December 2026 (PROTOCOL.md §13), each enforced by the simulator over
//! real HTTP and WebSocket on loopback, with production's status codes and texts.

#[path = "../common/mod.rs"]
mod common;

mod engine_modes;
mod order_queries;
mod precision;
mod rate_limits;
mod statuses;
mod user_socket;
mod wallet_kinds;

use common::*;
use serde_json::Value;

/// The best ask and bid of a token's book as 6-decimal base units per share.
pub(crate) async fn best(sim: &TestSim, token: &str) -> (u128, u128) {
    let (_, book) = sim.get(&format!("/book?token_id={token}")).await;
    let top = |side: &str| -> u128 {
        let price: rust_decimal::Decimal = book[side].as_array().unwrap().last().unwrap()["price"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        (price * rust_decimal::Decimal::from(1_000_000))
            .try_into()
            .unwrap()
    };
    (top("asks"), top("bids"))
}

/// The error text of a refusal.
pub(crate) fn error_of(answer: &Value) -> &str {
    answer["error"].as_str().unwrap_or_default()
}
