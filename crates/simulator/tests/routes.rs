//! The routes the official clients call beyond books and orders (issue #15): the CLOB market
//! lists with cursors, the token lookup, the batch price routes, fees, notifications, the
//! closed-only status, order scoring and cancel-by-market. Real HTTP over loopback.

mod common;

use common::*;
use polyagent_domain::trading::{OrderType, Side};
use polyagent_venue::auth::HttpMethod;
use serde_json::{Value, json};

async fn post_json(sim: &TestSim, path: &str, body: Value) -> (u16, Value) {
    let response = sim
        .http
        .post(format!("{}{path}", sim.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// An L2 request whose URL carries a query: the HMAC covers the path alone, as the clients sign.
async fn l2_with_query(
    sim: &TestSim,
    trader: &Trader,
    method: HttpMethod,
    path: &str,
    query: &str,
) -> (u16, Value) {
    let headers = trader.creds.headers(START_MS / 1000, method, path, None);
    let url = format!("{}{path}?{query}", sim.base);
    let mut request = match method {
        HttpMethod::Delete => sim.http.delete(url),
        _ => sim.http.get(url),
    };
    for (name, value) in headers.pairs() {
        request = request.header(name, value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn notifications(sim: &TestSim, trader: &Trader) -> (u16, Value) {
    l2_with_query(
        sim,
        trader,
        HttpMethod::Get,
        "/notifications",
        "signature_type=0",
    )
    .await
}

#[tokio::test]
async fn the_market_lists_page_with_base64_cursors_and_end_at_lte() {
    let sim = TestSim::start().await;
    let first = sim.condition_id("test-market").await;
    let second = sim.condition_id("neg-risk-market").await;

    let (status, page) = sim.get("/markets").await;
    assert_eq!(status, 200);
    assert_eq!(page["next_cursor"], "LTE=");
    assert_eq!(page["limit"], 1000);
    assert_eq!(page["count"], 2);
    let market = &page["data"][0];
    assert_eq!(market["condition_id"], first);
    assert_eq!(market["question"], "Will the test pass?");
    assert_eq!(market["market_slug"], "test-market");
    assert_eq!(market["minimum_tick_size"], "0.01");
    assert_eq!(market["accepting_orders"], true);
    assert_eq!(market["tokens"][0]["outcome"], "Yes");
    assert_eq!(market["tokens"][0]["price"], "0.5");
    assert_eq!(market["rewards"]["rates"], Value::Null);
    assert_eq!(page["data"][1]["neg_risk"], true);

    // "MA==" is offset 0, "MQ==" offset 1 (base64 of the decimal offset, as production).
    let (_, same) = sim.get("/markets?next_cursor=MA==").await;
    assert_eq!(same["count"], 2);
    let (_, rest) = sim.get("/markets?next_cursor=MQ==").await;
    assert_eq!(rest["count"], 1);
    assert_eq!(rest["data"][0]["condition_id"], second);
    assert_eq!(rest["next_cursor"], "LTE=");
    let (_, past) = sim.get("/markets?next_cursor=LTE=").await;
    assert_eq!(past["data"], json!([]));
    assert_eq!(
        sim.get("/markets?next_cursor=%21%21").await,
        (400, json!({"error": "invalid next_cursor"}))
    );

    let (_, simple) = sim.get("/simplified-markets").await;
    assert_eq!(simple["count"], 2);
    let keys: Vec<&str> = simple["data"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in [
        "condition_id",
        "tokens",
        "rewards",
        "active",
        "closed",
        "archived",
        "accepting_orders",
    ] {
        assert!(keys.contains(&key), "{key} missing from {keys:?}");
    }
    // No market runs liquidity rewards here: the sampling lists are empty last pages.
    for path in [
        "/sampling-markets",
        "/sampling-simplified-markets",
        "/rewards/markets/current",
        &format!("/rewards/markets/{first}"),
    ] {
        assert_eq!(
            sim.get(path).await.1,
            json!({"data": [], "next_cursor": "LTE=", "limit": 1000, "count": 0})
        );
    }

    let (status, one) = sim.get(&format!("/markets/{first}")).await;
    assert_eq!(status, 200);
    assert_eq!(one, page["data"][0]);
    assert_eq!(
        sim.get("/markets/0xnope").await,
        (404, json!({"error": "market not found"}))
    );
}

#[tokio::test]
async fn a_token_names_its_market() {
    let sim = TestSim::start().await;
    let (yes, no) = sim.tokens("test-market").await;
    let condition_id = sim.condition_id("test-market").await;
    let expected =
        json!({"condition_id": condition_id, "primary_token_id": yes, "secondary_token_id": no});
    assert_eq!(
        sim.get(&format!("/markets-by-token/{yes}")).await,
        (200, expected.clone())
    );
    assert_eq!(
        sim.get(&format!("/markets-by-token/{no}")).await,
        (200, expected)
    );
    assert_eq!(sim.get("/markets-by-token/123").await.0, 404);
    assert_eq!(
        sim.get("/markets-by-token/abc").await,
        (400, json!({"error": "Invalid token id"}))
    );
}

#[tokio::test]
async fn batch_prices_answer_per_token_as_production() {
    let sim = TestSim::start().await;
    let (yes, no) = sim.tokens("test-market").await;
    let both = json!([{"token_id": yes}, {"token_id": no}, {"token_id": "123"}]);

    assert_eq!(
        post_json(&sim, "/midpoints", both.clone()).await,
        (200, json!({yes.clone(): "0.50", no.clone(): "0.50"}))
    );
    assert_eq!(
        post_json(&sim, "/spreads", both.clone()).await,
        (200, json!({yes.clone(): "0.02", no.clone(): "0.02"}))
    );
    // BUY answers the best bid and SELL the best ask, as GET /price; both sides merge.
    assert_eq!(
        post_json(
            &sim,
            "/prices",
            json!([{"token_id": yes, "side": "BUY"}, {"token_id": yes, "side": "SELL"}])
        )
        .await,
        (200, json!({yes.clone(): {"BUY": "0.49", "SELL": "0.51"}}))
    );
    // No trade yet: 0.5 and an empty side.
    assert_eq!(
        post_json(&sim, "/last-trades-prices", json!([{"token_id": yes}])).await,
        (
            200,
            json!([{"token_id": yes.clone(), "price": "0.5", "side": ""}])
        )
    );
    let bob = sim.trader(BOB_KEY).await;
    let (status, _, _) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.51", "10", OrderType::Gtc))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        post_json(&sim, "/last-trades-prices", both).await.1,
        json!([{"token_id": yes, "price": "0.51", "side": "BUY"},
               {"token_id": no, "price": "0.49", "side": "BUY"}])
    );

    // The market's live activity: that trade, the taker's side.
    let condition_id = sim.condition_id("test-market").await;
    let (status, activity) = sim
        .get(&format!("/markets/live-activity/{condition_id}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(activity.as_array().unwrap().len(), 1, "{activity}");
    assert_eq!(activity[0]["event_type"], "trade");
    assert_eq!(activity[0]["market"]["slug"], "test-market");
    assert_eq!(activity[0]["user"]["address"], bob.address());
    assert_eq!(activity[0]["side"], "BUY");
    assert_eq!(activity[0]["price"], "0.51");
    assert_eq!(activity[0]["outcome_index"], 0);
    assert_eq!(sim.get("/markets/live-activity/0xnope").await.0, 404);

    let too_many: Vec<Value> = (0..501).map(|_| json!({"token_id": yes})).collect();
    for path in ["/midpoints", "/prices", "/spreads", "/last-trades-prices"] {
        assert_eq!(
            post_json(&sim, path, Value::Array(too_many.clone())).await,
            (400, json!({"error": "Payload exceeds the limit"})),
            "{path}"
        );
        assert_eq!(
            post_json(&sim, path, json!({"token_id": yes})).await,
            (400, json!({"error": "Invalid payload"})),
            "{path}"
        );
    }
}

#[tokio::test]
async fn fee_routes_answer_zero_for_known_tokens() {
    let sim = TestSim::start().await;
    let (yes, _) = sim.tokens("test-market").await;
    assert_eq!(
        sim.get(&format!("/fee-rate?token_id={yes}")).await,
        (200, json!({"base_fee": 0}))
    );
    assert_eq!(sim.get("/fee-rate?token_id=123").await.0, 404);
    assert_eq!(
        sim.get("/fee-rate").await,
        (400, json!({"error": "Invalid token id"}))
    );
    let code = format!("0x{}", "ab".repeat(32));
    assert_eq!(
        sim.get(&format!("/fees/builder-fees/{code}")).await,
        (
            200,
            json!({"builder_maker_fee_rate_bps": 0, "builder_taker_fee_rate_bps": 0})
        )
    );
    assert_eq!(sim.get("/fees/builder-fees/0x12").await.0, 400);
}

#[tokio::test]
async fn account_routes_need_l2_and_answer_production_shapes() {
    let sim = TestSim::start().await;
    let unauthorized = (401, json!({"error": "Unauthorized/Invalid api key"}));
    for path in [
        "/notifications?signature_type=0",
        "/auth/ban-status/closed-only",
        "/order-scoring?order_id=0x1",
    ] {
        assert_eq!(sim.get(path).await, unauthorized, "{path}");
    }
    assert_eq!(
        post_json(&sim, "/orders-scoring", json!(["0x1"])).await,
        unauthorized
    );

    let bob = sim.trader(BOB_KEY).await;
    assert_eq!(
        bob.get(&sim, "/auth/ban-status/closed-only").await,
        (200, json!({"closed_only": false}))
    );
    let (yes, _) = sim.tokens("test-market").await;
    let (_, _, id) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.40", "10", OrderType::Gtc))
        .await;
    // No market runs liquidity rewards in the simulator: nothing scores.
    assert_eq!(
        bob.get(&sim, &format!("/order-scoring?order_id={id}"))
            .await,
        (200, json!({"scoring": false}))
    );
    assert_eq!(bob.get(&sim, "/order-scoring").await.0, 400);
    // Nothing predates the V2 migration here.
    assert_eq!(
        bob.get(&sim, "/data/pre-migration-orders?next_cursor=MA==")
            .await,
        (
            200,
            json!({"data": [], "next_cursor": "LTE=", "limit": 0, "count": 0})
        )
    );
    assert_eq!(sim.get("/data/pre-migration-orders").await, unauthorized);
    let ids = json!([id, "0x2"]).to_string();
    assert_eq!(
        bob.send(&sim, HttpMethod::Post, "/orders-scoring", Some(&ids))
            .await,
        (200, json!({id: false, "0x2": false}))
    );
}

#[tokio::test]
async fn a_fill_on_chain_is_notified_until_dropped() {
    let sim = TestSim::start().await;
    let (yes, _) = sim.tokens("test-market").await;
    let bob = sim.trader(BOB_KEY).await;
    let (_, _, id) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.51", "10", OrderType::Gtc))
        .await;
    // Matched, not yet on chain: nothing to notify.
    assert_eq!(notifications(&sim, &bob).await, (200, json!([])));
    sim.advance(2_500).await;
    let (status, answer) = notifications(&sim, &bob).await;
    assert_eq!(status, 200);
    let items = answer.as_array().unwrap();
    assert_eq!(items.len(), 1, "{answer}");
    let note = &items[0];
    assert_eq!(note["type"], 2);
    assert_eq!(note["owner"], bob.creds.api_key());
    let payload = &note["payload"];
    assert_eq!(payload["order_id"], id);
    assert_eq!(payload["asset_id"], yes);
    assert_eq!(payload["side"], "buy");
    assert_eq!(payload["price"], "0.51");
    assert_eq!(payload["matched_size"], "10");
    assert_eq!(payload["market_slug"], "test-market");
    assert_eq!(payload["outcome_index"], 0);
    assert!(
        payload["transaction_hash"]
            .as_str()
            .unwrap()
            .starts_with("0x")
    );

    let note_id = note["id"].as_str().unwrap().to_owned();
    assert_eq!(
        l2_with_query(
            &sim,
            &bob,
            HttpMethod::Delete,
            "/notifications",
            &format!("ids={note_id}")
        )
        .await,
        (200, Value::Null)
    );
    assert_eq!(notifications(&sim, &bob).await, (200, json!([])));
    // Another wallet never sees them.
    let alice = sim.trader(ALICE_KEY).await;
    assert_eq!(notifications(&sim, &alice).await, (200, json!([])));
    assert_eq!(
        l2_with_query(
            &sim,
            &bob,
            HttpMethod::Get,
            "/notifications",
            "signature_type=9"
        )
        .await
        .0,
        400
    );
}

#[tokio::test]
async fn cancel_market_orders_cancels_only_that_market() {
    let sim = TestSim::start().await;
    let (yes, _) = sim.tokens("test-market").await;
    let (other, _) = sim.tokens("neg-risk-market").await;
    let condition_id = sim.condition_id("test-market").await;
    let bob = sim.trader(BOB_KEY).await;
    let (_, _, here) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.40", "10", OrderType::Gtc))
        .await;
    let mut neg_risk = limit(&other, Side::Buy, "0.20", "10", OrderType::Gtc);
    neg_risk.exchange = polyagent_venue::eip712::Exchange::NegRiskCtfV2;
    let (status, answer, there) = bob.post(&sim, neg_risk).await;
    assert_eq!(status, 200, "{answer}");
    let body = json!({"market": condition_id}).to_string();
    assert_eq!(
        bob.send(
            &sim,
            HttpMethod::Delete,
            "/cancel-market-orders",
            Some(&body)
        )
        .await,
        (200, json!({"canceled": [here], "not_canceled": {}}))
    );
    let open: Vec<Value> = bob.open_orders(&sim).await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["id"], there);
}
