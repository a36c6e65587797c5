//! §13.5: orders report LIVE, MATCHED, CANCELED, DELAYED, UNMATCHED, INVALID and
//! CANCELED_MARKET_RESOLVED, a killed or unmatched one with production's reason after an
//! underscore.

use polyagent_domain::trading::{OrderType, Side};
use serde_json::json;

use super::common::*;
use super::error_of;

const FOK_KILLED: &str = "order couldn't be fully filled. FOK orders are fully filled or killed.";
const FAK_KILLED: &str = "no orders found to match with FAK order. FAK orders are partially filled or killed if no match is found.";

async fn status_of(sim: &TestSim, trader: &Trader, id: &str) -> String {
    let (found, order) = trader.get(sim, &format!("/data/order/{id}")).await;
    assert_eq!(found, 200, "{order}");
    order["status"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn killed_orders_say_why_and_the_exchange_reports_every_status() {
    let sim = TestSim::start().await;
    let (yes, _) = sim.tokens("test-market").await;
    let bob = sim.trader(BOB_KEY).await;

    // A killed FOK: production answers the POST 400 with its text, and the order then
    // reads CANCELED with that text after an underscore.
    let (status, answer, id) = bob
        .post_raw(
            &sim,
            &yes,
            Side::Buy,
            (510_000_000, 1_000_000_000),
            OrderType::Fok,
        )
        .await;
    assert_eq!((status, error_of(&answer)), (400, FOK_KILLED));
    assert_eq!(
        status_of(&sim, &bob, &id).await,
        format!("CANCELED_{FOK_KILLED}")
    );
    // A FAK that finds nothing to match.
    let (status, answer, id) = bob
        .post_raw(
            &sim,
            &yes,
            Side::Buy,
            (3_000_000, 10_000_000),
            OrderType::Fak,
        )
        .await;
    assert_eq!((status, error_of(&answer)), (400, FAK_KILLED));
    assert_eq!(
        status_of(&sim, &bob, &id).await,
        format!("CANCELED_{FAK_KILLED}")
    );
    // Refused when posted: not an order the exchange holds for the wallet (the audits' count).
    assert_eq!(sim.state().await["wallets"][1]["orders"], 0);

    let (_, answer, matched) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.51", "10", OrderType::Gtc))
        .await;
    assert_eq!(answer["status"], "matched");
    assert_eq!(status_of(&sim, &bob, &matched).await, "MATCHED");
    let (_, answer, live) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.40", "10", OrderType::Gtc))
        .await;
    assert_eq!(answer["status"], "live");
    assert_eq!(status_of(&sim, &bob, &live).await, "LIVE");
    let body = json!({"orderID": live}).to_string();
    bob.send(
        &sim,
        polyagent_venue::auth::HttpMethod::Delete,
        "/order",
        Some(&body),
    )
    .await;
    assert_eq!(status_of(&sim, &bob, &live).await, "CANCELED");

    // A wallet that withdraws the exchange's allowance: its resting orders become INVALID.
    let (_, _, invalid) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.41", "10", OrderType::Gtc))
        .await;
    sim.admin(
        "allowance",
        json!({"address": bob.address(), "approved": false}),
    )
    .await;
    assert_eq!(status_of(&sim, &bob, &invalid).await, "INVALID");
    assert!(bob.open_orders(&sim).await.is_empty());
    sim.admin(
        "allowance",
        json!({"address": bob.address(), "approved": true}),
    )
    .await;

    // Resolution cancels the unfilled rest of every order in the market.
    let (_, _, resting) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.42", "10", OrderType::Gtc))
        .await;
    sim.admin("resolve", json!({"slug": "test-market", "winner": "Yes"}))
        .await;
    assert_eq!(
        status_of(&sim, &bob, &resting).await,
        "CANCELED_MARKET_RESOLVED"
    );
}

#[tokio::test]
async fn a_market_with_a_taker_delay_holds_marketable_orders_then_matches_or_unmatches_them() {
    let mut scenario = scenario();
    scenario.markets[0].taker_delay_ms = 1_000;
    let sim = TestSim::start_with(scenario).await;
    let (yes, _) = sim.tokens("test-market").await;
    let market = sim.condition_id("test-market").await;
    let bob = sim.trader(BOB_KEY).await;
    assert_eq!(
        sim.get(&format!("/clob-markets/{market}")).await.1["itode"],
        true
    );

    let (status, answer, fills) = bob
        .post_raw(
            &sim,
            &yes,
            Side::Buy,
            (5_100_000, 10_000_000),
            OrderType::Fak,
        )
        .await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("delayed")),
        "{answer}"
    );
    assert_eq!(answer["makingAmount"], "");
    let (_, answer, starves) = bob
        .post_raw(
            &sim,
            &yes,
            Side::Buy,
            (510_000_000, 1_000_000_000),
            OrderType::Fok,
        )
        .await;
    assert_eq!(answer["status"], "delayed", "{answer}");
    let (_, _, withdrawn) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.52", "10", OrderType::Gtc))
        .await;
    assert_eq!(status_of(&sim, &bob, &fills).await, "DELAYED");
    // A resting order that would not cross is not delayed.
    let (_, answer, _) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.40", "10", OrderType::Gtc))
        .await;
    assert_eq!(answer["status"], "live");
    let body = json!({"orderID": withdrawn}).to_string();
    let (_, cancelled) = bob
        .send(
            &sim,
            polyagent_venue::auth::HttpMethod::Delete,
            "/order",
            Some(&body),
        )
        .await;
    assert_eq!(cancelled["canceled"][0], withdrawn.as_str());

    sim.advance(1_000).await;
    assert_eq!(status_of(&sim, &bob, &fills).await, "MATCHED");
    assert_eq!(
        status_of(&sim, &bob, &starves).await,
        format!("UNMATCHED_{FOK_KILLED}")
    );
    assert_eq!(status_of(&sim, &bob, &withdrawn).await, "CANCELED");
    assert_eq!(bob.shares(&sim, &yes).await, 10_000_000);
}
