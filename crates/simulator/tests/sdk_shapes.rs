//! The simulator's answers on the routes the official clients call, parsed with the official
//! Rust SDK's own response types (`polymarket_client_sdk_v2` 0.9.0), so their shape is held to a
//! third reading besides the Python and TypeScript clients of the conformance suite.
//!
//! Where the SDK and production disagree, production wins and the SDK's type is not used:
//! `POST /spreads` answers the bare map `{"<token>": "0.02"}` (docs.polymarket.com, PROTOCOL.md
//! §4.2) where the SDK expects `{"spreads": {...}}`.

mod common;

use common::*;
use polyagent_domain::trading::{OrderType, Side};
use polymarket_client_sdk_v2::clob::types::response::{
    BanStatusResponse, LastTradesPricesResponse, MarketByTokenResponse, MarketResponse,
    MidpointsResponse, NotificationResponse, OrderScoringResponse, OrdersScoringResponse, Page,
    PricesResponse, SimplifiedMarketResponse,
};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn parse<T: DeserializeOwned>(what: &str, value: Value) -> T {
    serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("{what}: the Rust SDK cannot parse {value}: {e}"))
}

async fn post(sim: &TestSim, path: &str, body: Value) -> Value {
    let response = sim
        .http
        .post(format!("{}{path}", sim.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

#[tokio::test]
async fn market_reads_parse_as_the_rust_sdk_reads_them() {
    let sim = TestSim::start().await;
    let (yes, no) = sim.tokens("test-market").await;
    let condition_id = sim.condition_id("test-market").await;

    let page: Page<MarketResponse> = parse("/markets", sim.get("/markets").await.1);
    assert_eq!(page.data.len(), 2);
    let _: Page<SimplifiedMarketResponse> = parse(
        "/simplified-markets",
        sim.get("/simplified-markets").await.1,
    );
    let _: Page<MarketResponse> = parse("/sampling-markets", sim.get("/sampling-markets").await.1);
    let _: MarketResponse = parse(
        "/markets/{id}",
        sim.get(&format!("/markets/{condition_id}")).await.1,
    );
    let _: MarketByTokenResponse = parse(
        "/markets-by-token",
        sim.get(&format!("/markets-by-token/{no}")).await.1,
    );
    let tokens = json!([{"token_id": yes}, {"token_id": no}]);
    let midpoints: MidpointsResponse =
        parse("/midpoints", post(&sim, "/midpoints", tokens.clone()).await);
    assert_eq!(midpoints.midpoints.len(), 2);
    let prices: PricesResponse = parse(
        "/prices",
        post(&sim, "/prices", json!([{"token_id": yes, "side": "BUY"}])).await,
    );
    assert_eq!(prices.prices.map(|p| p.len()), Some(1));
    let bob = sim.trader(BOB_KEY).await;
    bob.post(&sim, limit(&yes, Side::Buy, "0.51", "10", OrderType::Gtc))
        .await;
    let last: Vec<LastTradesPricesResponse> = parse(
        "/last-trades-prices",
        post(&sim, "/last-trades-prices", tokens).await,
    );
    assert_eq!(last.len(), 2);
}

#[tokio::test]
async fn account_reads_parse_as_the_rust_sdk_reads_them() {
    let sim = TestSim::start().await;
    let (yes, _) = sim.tokens("test-market").await;
    let bob = sim.trader(BOB_KEY).await;
    let (_, _, id) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.51", "10", OrderType::Gtc))
        .await;
    sim.advance(2_500).await;

    let _: BanStatusResponse = parse(
        "/auth/ban-status/closed-only",
        bob.get(&sim, "/auth/ban-status/closed-only").await.1,
    );
    let _: OrderScoringResponse = parse(
        "/order-scoring",
        bob.get(&sim, &format!("/order-scoring?order_id={id}"))
            .await
            .1,
    );
    let body = json!([id]).to_string();
    let _: OrdersScoringResponse = parse(
        "/orders-scoring",
        bob.send(
            &sim,
            polyagent_venue::auth::HttpMethod::Post,
            "/orders-scoring",
            Some(&body),
        )
        .await
        .1,
    );
    let notes: Vec<NotificationResponse> = parse(
        "/notifications",
        bob.get(&sim, "/notifications?signature_type=0").await.1,
    );
    assert_eq!(notes.len(), 1);
}
