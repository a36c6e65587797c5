//! §13.6: on the user channel `"markets": []` delivers order events but no trade events, as
//! production does; leaving `markets` out delivers every market's events, trades included;
//! condition ids deliver those markets'.

use polyagent_domain::trading::{OrderType, Side};
use serde_json::{Value, json};

use super::common::*;

async fn subscribe(sim: &TestSim, creds: &Value, markets: Option<Value>) -> Ws {
    let mut message = json!({"type": "user", "auth": {
        "apiKey": creds["apiKey"], "secret": creds["secret"], "passphrase": creds["passphrase"]}});
    if let Some(markets) = markets {
        message["markets"] = markets;
    }
    let mut ws = sim.user_ws().await;
    ws.send(&message.to_string()).await;
    ws
}

#[tokio::test]
async fn an_empty_market_list_gets_order_events_but_no_trades() {
    let sim = TestSim::start().await;
    let (yes, _) = sim.tokens("test-market").await;
    let (neg_yes, _) = sim.tokens("neg-risk-market").await;
    let market = sim.condition_id("test-market").await;
    let bob = sim.trader(BOB_KEY).await;
    let creds = sim
        .admin("api-key", json!({"address": bob.address()}))
        .await;
    let mut empty = subscribe(&sim, &creds, Some(json!([]))).await;
    let mut every = subscribe(&sim, &creds, None).await;
    let mut listed = subscribe(&sim, &creds, Some(json!([market]))).await;
    // A subscription is in place once the server answers a PING after it.
    for ws in [&mut empty, &mut every, &mut listed] {
        ws.send("PING").await;
        assert_eq!(ws.next_text(DEADLINE).await.as_deref(), Some("PONG"));
    }

    // Bob takes the ask (a trade), then rests a bid (an order event) in each market.
    let (_, answer, taken) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.51", "10", OrderType::Gtc))
        .await;
    assert_eq!(answer["status"], "matched");
    let (_, _, resting) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.40", "10", OrderType::Gtc))
        .await;
    let mut elsewhere = limit(&neg_yes, Side::Buy, "0.10", "10", OrderType::Gtc);
    elsewhere.exchange = polyagent_venue::eip712::Exchange::NegRiskCtfV2;
    let (_, _, other) = bob.post(&sim, elsewhere).await;

    // `[]`: the placements arrive, and nothing before them was a trade.
    let mut seen = Vec::new();
    loop {
        let event = empty.wait_for(|_| true).await;
        seen.push(event["event_type"].clone());
        if event["event_type"] == "order" && event["id"] == other {
            break;
        }
    }
    assert!(!seen.contains(&json!("trade")), "{seen:?}");
    assert!(seen.len() >= 2, "both placements: {seen:?}");

    let trade = every.wait_for(|m| m["event_type"] == "trade").await;
    assert_eq!(trade["taker_order_id"], taken);
    every
        .wait_for(|m| m["event_type"] == "order" && m["id"] == other)
        .await;
    let trade = listed.wait_for(|m| m["event_type"] == "trade").await;
    assert_eq!(trade["taker_order_id"], taken);
    let placed = listed.wait_for(|m| m["event_type"] == "order").await;
    assert_eq!(placed["id"], resting, "the listed market's events only");
}
