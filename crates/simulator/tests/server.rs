//! The simulator driven over real TCP, as PolyAgent's venue (or any Polymarket client) drives
//! it: REST with L1/L2 auth and signed orders, and both WebSockets.

mod common;

use std::time::Duration;

use common::*;
use polyagent_domain::trading::{OrderType, Side};
use polyagent_venue::auth::HttpMethod;
use serde_json::{Value, json};

#[tokio::test]
async fn public_market_data_has_polymarkets_shapes() {
    let sim = TestSim::start().await;
    let (yes, no) = sim.tokens("test-market").await;
    assert_eq!(sim.get("/version").await.1, json!({"version": 2}));
    assert_eq!(sim.get("/time").await.1, json!(START_MS / 1000));

    let (status, book) = sim.get(&format!("/book?token_id={yes}")).await;
    assert_eq!(status, 200);
    let prices = |side: &str| {
        book[side]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["price"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    // Bids ascending and asks descending: the best level is last, as Polymarket sends them.
    assert_eq!(prices("bids"), ["0.47", "0.48", "0.49"]);
    assert_eq!(prices("asks"), ["0.53", "0.52", "0.51"]);
    assert_eq!(book["tick_size"], "0.01");
    assert_eq!(book["min_order_size"], "5");
    assert_eq!(book["hash"].as_str().unwrap().len(), 40);

    // The NO book mirrors the YES book.
    let (_, no_book) = sim.get(&format!("/book?token_id={no}")).await;
    assert_eq!(
        no_book["bids"].as_array().unwrap().last().unwrap()["price"],
        "0.49"
    );
    assert_eq!(
        no_book["asks"].as_array().unwrap().last().unwrap()["price"],
        "0.51"
    );

    assert_eq!(
        sim.get(&format!("/midpoint?token_id={yes}")).await.1,
        json!({"mid": "0.50"})
    );
    assert_eq!(
        sim.get(&format!("/spread?token_id={yes}")).await.1,
        json!({"spread": "0.02"})
    );
    assert_eq!(
        sim.get(&format!("/price?token_id={yes}&side=BUY")).await.1,
        json!({"price": "0.49"})
    );
    assert_eq!(
        sim.get(&format!("/tick-size?token_id={yes}")).await.1,
        json!({"minimum_tick_size": 0.01})
    );
    assert_eq!(
        sim.get("/book?token_id=123").await,
        (
            404,
            json!({"error": "No orderbook exists for the requested token id"})
        )
    );
    assert_eq!(
        sim.get("/book?token_id=abc").await,
        (400, json!({"error": "Invalid token id"}))
    );

    let (_, markets) = sim.get("/gamma/markets?slug=test-market").await;
    let market = &markets[0];
    assert_eq!(market["question"], "Will the test pass?");
    let token_ids: Vec<String> =
        serde_json::from_str(market["clobTokenIds"].as_str().unwrap()).unwrap();
    assert_eq!(token_ids, [yes.clone(), no]);
    assert_eq!(market["outcomes"], "[\"Yes\",\"No\"]");
    assert_eq!(market["acceptingOrders"], true);
    assert_eq!(sim.get("/gamma/markets?slug=nope").await.1, json!([]));
    let (_, found) = sim.get("/gamma/public-search?q=test%20pass").await;
    assert_eq!(found["events"][0]["markets"][0]["slug"], "test-market");
}

#[tokio::test]
async fn l1_creates_and_derives_the_same_key_and_refuses_a_forged_signature() {
    let sim = TestSim::start().await;
    let first = sim.trader(ALICE_KEY).await;
    let again = sim.trader(ALICE_KEY).await;
    assert_eq!(first.creds.api_key(), again.creds.api_key());

    let bob = sim.trader(BOB_KEY).await;
    let alice_address = first.address();
    // Bob's signature claiming Alice's address.
    let headers = bob
        .signer
        .l1_headers(polyagent_venue::eip712::Chain::Amoy, START_MS / 1000, 0);
    let response = sim
        .http
        .get(format!("{}/auth/derive-api-key", sim.base))
        .header("POLY_ADDRESS", &alice_address)
        .header("POLY_SIGNATURE", &headers.signature)
        .header("POLY_TIMESTAMP", &headers.timestamp)
        .header("POLY_NONCE", "0")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"error": "Invalid L1 Request headers"})
    );
}

#[tokio::test]
async fn l2_requests_with_bad_auth_are_refused() {
    let sim = TestSim::start().await;
    let alice = sim.trader(ALICE_KEY).await;
    assert_eq!(alice.get(&sim, "/data/orders").await.0, 200);
    let unauthorized = (401, json!({"error": "Unauthorized/Invalid api key"}));
    // No headers at all.
    assert_eq!(sim.get("/data/orders").await, unauthorized);
    // Headers signed for one body, another body sent.
    let (yes, _) = sim.tokens("test-market").await;
    let (body, _) = alice.body(limit(&yes, Side::Buy, "0.40", "10", OrderType::Gtc));
    let headers = alice
        .creds
        .headers(START_MS / 1000, HttpMethod::Post, "/order", Some(&body));
    let mut request = sim
        .http
        .post(format!("{}/order", sim.base))
        .body(body.replace("\"GTC\"", "\"GTD\""));
    for (name, value) in headers.pairs() {
        request = request.header(name, value);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status().as_u16(), 401);
}

#[tokio::test]
async fn a_crossing_order_fills_at_the_makers_price_and_pays_the_taker_fee() {
    let sim = TestSim::start().await;
    let (yes, _) = sim.tokens("test-market").await;
    let bob = sim.trader(BOB_KEY).await;
    let before = bob.pusd(&sim).await;
    let (status, answer, id) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.51", "10", OrderType::Gtc))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["success"], true);
    assert_eq!(answer["orderID"], id);
    assert_eq!(answer["status"], "matched");
    // 10 × 0.51 = 5.1 pUSD plus the fee 10 × 0.02 × 0.51 × 0.49 = 0.04998.
    assert_eq!(answer["makingAmount"], "5.14998");
    assert_eq!(answer["takingAmount"], "10");
    assert_eq!(before - bob.pusd(&sim).await, 5_149_980);
    assert_eq!(bob.shares(&sim, &yes).await, 10_000_000);

    let (_, trades) = bob.get(&sim, "/data/trades").await;
    let trade = &trades["data"][0];
    assert_eq!(trade["taker_order_id"], id);
    assert_eq!(trade["price"], "0.51");
    assert_eq!(trade["size"], "10");
    assert_eq!(trade["status"], "MATCHED");
    assert_eq!(trade["maker_orders"][0]["matched_amount"], "10");
}

#[tokio::test]
async fn a_partial_fill_rests_the_remainder_and_cancels_release_it() {
    let sim = TestSim::start().await;
    let (yes, _) = sim.tokens("test-market").await;
    let bob = sim.trader(BOB_KEY).await;
    let (_, answer, id) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.51", "150", OrderType::Gtc))
        .await;
    assert_eq!(answer["status"], "live");
    assert_eq!(answer["takingAmount"], "100");
    let open = bob.open_orders(&sim).await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["id"], id);
    assert_eq!(open[0]["size_matched"], "100");
    assert_eq!(open[0]["original_size"], "150");

    let body = json!({"orderID": id}).to_string();
    let (_, cancelled) = bob
        .send(&sim, HttpMethod::Delete, "/order", Some(&body))
        .await;
    assert_eq!(
        cancelled,
        json!({"canceled": [id.clone()], "not_canceled": {}})
    );
    let (_, again) = bob
        .send(&sim, HttpMethod::Delete, "/order", Some(&body))
        .await;
    assert_eq!(again["not_canceled"][&id], "the order is already canceled");
    assert!(bob.open_orders(&sim).await.is_empty());
}

#[tokio::test]
async fn fok_fak_post_only_and_gtd_behave_as_on_polymarket() {
    let sim = TestSim::start().await;
    let (yes, _) = sim.tokens("test-market").await;
    let bob = sim.trader(BOB_KEY).await;

    // 300 shares are offered up to 0.53. A client with a stale view of the book prices a
    // $212 FOK at 0.53 (400 shares): the exchange kills it whole.
    let stale_book = [("0.53", "1000")];
    let (status, answer, _) = bob
        .post(
            &sim,
            market(&yes, Side::Buy, "212", &stale_book, OrderType::Fok),
        )
        .await;
    assert_eq!(
        (status, answer["error"].as_str().unwrap()),
        (
            400,
            "order couldn't be fully filled. FOK orders are fully filled or killed."
        )
    );
    assert_eq!(bob.shares(&sim, &yes).await, 0);

    let (status, answer, _) = bob
        .post(
            &sim,
            market(&yes, Side::Buy, "212", &stale_book, OrderType::Fak),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["takingAmount"], "300");
    assert!(
        bob.open_orders(&sim).await.is_empty(),
        "the rest of a FAK is cancelled"
    );

    let mut post_only = limit(&yes, Side::Buy, "0.60", "10", OrderType::Gtc);
    post_only.post_only = true;
    sim.advance(500).await; // the provider re-quotes
    let (status, answer, _) = bob.post(&sim, post_only).await;
    assert_eq!(
        (status, answer["error"].as_str().unwrap()),
        (400, "invalid post-only order: order crosses book")
    );

    let mut gtd = limit(&yes, Side::Buy, "0.30", "10", OrderType::Gtd);
    gtd.expiration = START_MS / 1000 + 3_600;
    let (status, answer, id) = bob.post(&sim, gtd).await;
    assert_eq!((status, answer["status"].as_str().unwrap()), (200, "live"));
    sim.advance(3_600_000).await;
    let (_, order) = bob.get(&sim, &format!("/data/order/{id}")).await;
    assert_eq!(
        order["status"], "CANCELED",
        "a GTD order expires at its expiration"
    );
}

#[tokio::test]
async fn orders_with_the_wrong_signer_or_exchange_are_refused() {
    let sim = TestSim::start().await;
    let (yes, _) = sim.tokens("test-market").await;
    let (neg_yes, _) = sim.tokens("neg-risk-market").await;
    let alice = sim.trader(ALICE_KEY).await;
    let bob = sim.trader(BOB_KEY).await;

    // Bob's order sent with Alice's credentials.
    let (body, _) = bob.body(limit(&yes, Side::Buy, "0.40", "10", OrderType::Gtc));
    let body = body.replace(bob.creds.api_key(), alice.creds.api_key());
    let (status, answer) = alice
        .send(&sim, HttpMethod::Post, "/order", Some(&body))
        .await;
    assert_eq!(
        (status, answer["error"].as_str().unwrap()),
        (
            400,
            "the order signer address has to be the address of the API KEY"
        )
    );

    // A neg-risk market's order signed for the standard exchange.
    let (status, answer, _) = alice
        .post(
            &sim,
            limit(&neg_yes, Side::Buy, "0.20", "10", OrderType::Gtc),
        )
        .await;
    assert_eq!(
        (status, answer["error"].as_str().unwrap()),
        (400, "invalid signature")
    );
    let mut right = limit(&neg_yes, Side::Buy, "0.20", "10", OrderType::Gtc);
    right.exchange = polyagent_venue::eip712::Exchange::NegRiskCtfV2;
    assert_eq!(alice.post(&sim, right).await.0, 200);

    // Off the tick grid and below the minimum size.
    let mut off_tick = limit(&yes, Side::Buy, "0.405", "10", OrderType::Gtc);
    off_tick.tick_size = polyagent_domain::trading::TickSize::Thousandth;
    let (status, answer, _) = alice.post(&sim, off_tick).await;
    assert_eq!(status, 400);
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("breaks minimum tick size rule"),
        "{answer}"
    );
    let (_, answer, id) = alice
        .post(&sim, limit(&yes, Side::Buy, "0.40", "1", OrderType::Gtc))
        .await;
    assert_eq!(
        answer["error"],
        format!("order {id} is invalid. Size (1) lower than the minimum: 5")
    );
    let (_, answer, _) = alice
        .post(&sim, limit(&yes, Side::Buy, "0.40", "5000", OrderType::Gtc))
        .await;
    assert_eq!(answer["error"], "not enough balance / allowance");
}

#[tokio::test]
async fn fault_switches_do_what_they_say() {
    let sim = TestSim::start().await;
    let (yes, _) = sim.tokens("test-market").await;
    let bob = sim.trader(BOB_KEY).await;

    sim.admin("faults", json!({"http_429": 2})).await;
    assert_eq!(
        sim.get("/version").await,
        (429, json!({"error": "Too Many Requests"}))
    );
    assert_eq!(sim.get("/version").await.0, 429);
    assert_eq!(
        sim.get("/version").await.0,
        200,
        "the storm ends after the given count"
    );

    sim.admin("faults", json!({"delay_ms": 30})).await;
    assert_eq!(
        sim.get("/version").await.0,
        200,
        "a slow response still answers"
    );
    sim.admin("faults", json!({})).await;

    sim.admin("faults", json!({"post_500_before_accept": 1}))
        .await;
    let (status, answer, id) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.40", "10", OrderType::Gtc))
        .await;
    assert_eq!(
        (status, answer),
        (500, json!({"error": "could not run the execution"}))
    );
    assert_eq!(
        bob.get(&sim, &format!("/data/order/{id}")).await.0,
        404,
        "refused before it was accepted"
    );

    sim.admin("faults", json!({"post_500_after_accept": 1}))
        .await;
    let (status, _, id) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.41", "10", OrderType::Gtc))
        .await;
    assert_eq!(status, 500);
    let (found, order) = bob.get(&sim, &format!("/data/order/{id}")).await;
    assert_eq!(
        (found, order["status"].as_str().unwrap()),
        (200, "LIVE"),
        "accepted although the answer was a 500"
    );

    sim.admin("faults", json!({"reject_balance": 1})).await;
    let (status, answer, _) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.42", "10", OrderType::Gtc))
        .await;
    assert_eq!(
        (status, answer["error"].as_str().unwrap()),
        (400, "not enough balance / allowance")
    );

    let pusd_before = bob.pusd(&sim).await;
    sim.admin("faults", json!({"fail_trades": 1})).await;
    let (_, answer, _) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.51", "10", OrderType::Gtc))
        .await;
    let trade_id = answer["tradeIDs"][0].as_str().unwrap().to_owned();
    let trade_status = |trades: Value| {
        trades["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == trade_id)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(
        trade_status(bob.get(&sim, "/data/trades").await.1),
        "RETRYING"
    );
    sim.advance(2_000).await;
    assert_eq!(
        trade_status(bob.get(&sim, "/data/trades").await.1),
        "FAILED"
    );
    assert_eq!(
        bob.pusd(&sim).await,
        pusd_before,
        "a failed trade is reversed"
    );
    assert_eq!(bob.shares(&sim, &yes).await, 0);
}

#[tokio::test]
async fn the_market_socket_snapshots_streams_and_obeys_faults() {
    let sim = TestSim::start().await;
    let (yes, no) = sim.tokens("test-market").await;
    let condition_id = sim.condition_id("test-market").await;
    let mut ws = sim.market_ws().await;
    ws.send(
        &json!({"type": "market", "assets_ids": [yes, no], "custom_feature_enabled": true})
            .to_string(),
    )
    .await;
    let snapshot = ws
        .wait_for(|m| m["event_type"] == "book" && m["asset_id"] == yes.as_str())
        .await;
    assert_eq!(snapshot["market"], condition_id);
    assert_eq!(snapshot["bids"].as_array().unwrap().len(), 3);

    ws.send("PING").await;
    assert_eq!(ws.next_text(DEADLINE).await.as_deref(), Some("PONG"));

    // The provider re-quotes around a new price: level changes stream for both tokens.
    sim.admin("price", json!({"slug": "test-market", "price": "0.60"}))
        .await;
    sim.advance(500).await;
    let change = ws.wait_for(|m| m["event_type"] == "price_change").await;
    let changes = change["price_changes"].as_array().unwrap();
    assert!(
        changes.iter().any(|c| c["asset_id"] == yes.as_str())
            && changes.iter().any(|c| c["asset_id"] == no.as_str())
    );
    let best = ws
        .wait_for(|m| {
            m["event_type"] == "best_bid_ask"
                && m["asset_id"] == yes.as_str()
                && m["best_bid"] == "0.59"
        })
        .await;
    assert_eq!(best["best_ask"], "0.61");

    sim.admin(
        "tick-size",
        json!({"slug": "test-market", "tick_size": "0.001"}),
    )
    .await;
    let tick = ws
        .wait_for(|m| m["event_type"] == "tick_size_change" && m["asset_id"] == yes.as_str())
        .await;
    assert_eq!(
        (
            tick["old_tick_size"].as_str(),
            tick["new_tick_size"].as_str()
        ),
        (Some("0.01"), Some("0.001"))
    );
    ws.wait_for(|m| m["event_type"] == "tick_size_change" && m["asset_id"] == no.as_str())
        .await;

    // A stalled feed goes silent: not even PONG.
    sim.admin("faults", json!({"stall_ws": true})).await;
    ws.send("PING").await;
    assert_eq!(ws.next_text(Duration::from_millis(500)).await, None);
    sim.admin("faults", json!({"stall_ws": false})).await;
    ws.send("PING").await;
    assert_eq!(ws.next_text(DEADLINE).await.as_deref(), Some("PONG"));

    sim.admin("resolve", json!({"slug": "test-market", "winner": "Yes"}))
        .await;
    let resolved = ws.wait_for(|m| m["event_type"] == "market_resolved").await;
    assert_eq!(resolved["winning_asset_id"], yes);

    sim.admin("drop-ws", json!({})).await;
    assert!(
        ws.closed_within(DEADLINE).await,
        "drop-ws closes every socket"
    );
}

#[tokio::test]
async fn the_user_socket_reports_orders_and_the_trade_lifecycle() {
    let sim = TestSim::start().await;
    let (yes, _) = sim.tokens("test-market").await;
    let bob = sim.trader(BOB_KEY).await;
    let alice = sim.trader(ALICE_KEY).await;
    let (_, secret_and_pass) = sim
        .http
        .post(format!("{}/admin/api-key", sim.base))
        .json(&json!({"address": bob.address()}))
        .send()
        .await
        .map(|r| ((), r))
        .unwrap();
    let creds: Value = secret_and_pass.json().await.unwrap();
    let mut ws = sim.user_ws().await;
    // `markets` left out: every market, trades included (`[]` would get no trade events).
    ws.send(&json!({"type": "user", "auth": {"apiKey": creds["apiKey"], "secret": creds["secret"], "passphrase": creds["passphrase"]}}).to_string()).await;

    // Bob rests the best bid; Alice sells into it with a market order.
    let (_, _, bid_id) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.50", "20", OrderType::Gtc))
        .await;
    let placed = ws
        .wait_for(|m| m["event_type"] == "order" && m["type"] == "PLACEMENT")
        .await;
    assert_eq!(placed["id"], bid_id);
    let bids = [("0.49", "100"), ("0.50", "20")];
    let (status, answer, _) = alice
        .post(&sim, market(&yes, Side::Sell, "20", &bids, OrderType::Fok))
        .await;
    assert_eq!(status, 200, "{answer}");
    let updated = ws
        .wait_for(|m| m["event_type"] == "order" && m["type"] == "UPDATE")
        .await;
    assert_eq!(updated["size_matched"], "20");
    let matched = ws
        .wait_for(|m| m["event_type"] == "trade" && m["status"] == "MATCHED")
        .await;
    assert_eq!(matched["maker_orders"][0]["order_id"], bid_id);
    sim.advance(2_000).await;
    ws.wait_for(|m| m["event_type"] == "trade" && m["status"] == "MINED")
        .await;
    sim.advance(4_000).await;
    let confirmed = ws
        .wait_for(|m| m["event_type"] == "trade" && m["status"] == "CONFIRMED")
        .await;
    assert_ne!(confirmed["transaction_hash"], "");

    // Wrong credentials close the socket.
    let mut intruder = sim.user_ws().await;
    intruder.send(&json!({"type": "user", "auth": {"apiKey": creds["apiKey"], "secret": "x", "passphrase": "y"}}).to_string()).await;
    assert!(intruder.closed_within(DEADLINE).await);
}

#[tokio::test]
async fn orders_of_a_key_whose_heartbeats_stop_are_cancelled() {
    let sim = TestSim::start().await;
    let (yes, _) = sim.tokens("test-market").await;
    let bob = sim.trader(BOB_KEY).await;
    let alice = sim.trader(ALICE_KEY).await;
    bob.post(&sim, limit(&yes, Side::Buy, "0.40", "10", OrderType::Gtc))
        .await;
    alice
        .post(&sim, limit(&yes, Side::Buy, "0.40", "10", OrderType::Gtc))
        .await;

    let (status, beat) = bob
        .send(
            &sim,
            HttpMethod::Post,
            "/v1/heartbeats",
            Some(r#"{"heartbeat_id":null}"#),
        )
        .await;
    assert_eq!(status, 200);
    let id = beat["heartbeat_id"].as_str().unwrap().to_owned();
    // A UUID, as production's (8-4-4-4-12 hex digits).
    let groups: Vec<usize> = id.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12], "{id}");
    assert!(
        id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()),
        "{id}"
    );
    sim.advance(8_000).await;
    let next = json!({"heartbeat_id": id}).to_string();
    assert_eq!(
        bob.send(&sim, HttpMethod::Post, "/v1/heartbeats", Some(&next))
            .await
            .0,
        200
    );
    sim.advance(8_000).await;
    assert_eq!(
        bob.open_orders(&sim).await.len(),
        1,
        "heartbeats kept coming"
    );
    sim.advance(3_000).await;
    assert!(
        bob.open_orders(&sim).await.is_empty(),
        "no heartbeat for over 10 s cancels the key's orders"
    );
    assert_eq!(
        alice.open_orders(&sim).await.len(),
        1,
        "a key that never heartbeated is untouched"
    );
}

#[tokio::test]
async fn a_batch_answers_each_order_on_its_own_and_refuses_more_than_15() {
    let sim = TestSim::start().await;
    let (yes, _) = sim.tokens("test-market").await;
    let bob = sim.trader(BOB_KEY).await;
    let (good, good_id) = bob.body(limit(&yes, Side::Buy, "0.40", "10", OrderType::Gtc));
    let (small, _) = bob.body(limit(&yes, Side::Buy, "0.40", "1", OrderType::Gtc));
    let batch = format!("[{good},{small}]");
    let (status, answers) = bob
        .send(&sim, HttpMethod::Post, "/orders", Some(&batch))
        .await;
    assert_eq!(status, 200);
    assert_eq!(answers[0]["success"], true);
    assert_eq!(answers[0]["orderID"], good_id);
    assert_eq!(answers[1]["success"], false);
    assert!(
        answers[1]["errorMsg"]
            .as_str()
            .unwrap()
            .contains("lower than the minimum: 5")
    );
    assert_eq!(bob.open_orders(&sim).await.len(), 1);

    let sixteen: Vec<String> = (0..16)
        .map(|_| {
            bob.body(limit(&yes, Side::Buy, "0.30", "5", OrderType::Gtc))
                .0
        })
        .collect();
    let too_many = format!("[{}]", sixteen.join(","));
    let (status, answer) = bob
        .send(&sim, HttpMethod::Post, "/orders", Some(&too_many))
        .await;
    assert_eq!(
        (status, answer),
        (400, json!({"error": "Payload exceeds the limit"}))
    );
}
