//! The REST clients against the simulator over real HTTP: lookup, market data, L1 auth,
//! orders, 401 re-derive, 429 backoff and reconciliation of unknown submissions.

mod common;

use std::time::Duration;

use common::{RAIN, Sim, limit, token};
use polyagent_domain::trading::{Side, TickSize};
use polyagent_venue::VenueError;
use polyagent_venue::client::PublicClient;
use polyagent_venue::signer_rate::RateLimitTier;
use polyagent_venue::types::{
    AssetType, HistoryInterval, HistoryWindow, OrderStatus, ProtocolVersion, Submission,
};
use polyagent_venue::venue::{MarketData, Venue};
use rust_decimal::Decimal;
use serde_json::json;

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

#[tokio::test]
async fn lookup_by_slug_url_condition_id_and_search() {
    let sim = Sim::start().await;
    let client = sim.public();
    let by_slug = client.lookup(RAIN).await.unwrap();
    assert_eq!(by_slug.question, "Will it rain tomorrow in Testville?");
    assert_eq!(by_slug.outcomes.len(), 2);
    assert_eq!(by_slug.outcomes[0].name, "Yes");
    assert_eq!(by_slug.outcomes[0].token_id.as_str(), "1001");
    assert_eq!(by_slug.tick_size, TickSize::Hundredth);
    assert_eq!(by_slug.protocol, ProtocolVersion::V1);
    assert!(by_slug.is_tradable());
    assert_eq!(by_slug.min_order_size, d("5"));

    let by_url = client
        .lookup("https://polymarket.com/event/net-weather/net-snow-tomorrow")
        .await
        .unwrap();
    assert_eq!(by_url.slug, "net-snow-tomorrow");
    // A Gamma "v2" market trades position ids on Exchange V3.
    assert_eq!(by_url.protocol, ProtocolVersion::V2);
    assert_eq!(by_url.tick_size, TickSize::Thousandth);
    assert_eq!(by_url.outcomes[1].token_id.as_str(), "2002");

    let event_only = client
        .lookup("https://polymarket.com/event/net-weather")
        .await
        .unwrap();
    assert_eq!(event_only.slug, RAIN);

    let by_condition = client.lookup(&by_slug.condition_id).await.unwrap();
    assert_eq!(by_condition.slug, RAIN);

    let by_search = client.lookup("snow Testville").await.unwrap();
    assert_eq!(by_search.slug, "net-snow-tomorrow");

    assert!(matches!(
        client.lookup("net-closed-market").await,
        Err(VenueError::MarketClosed(_))
    ));
    assert!(matches!(
        client.lookup("net-paused-market").await,
        Err(VenueError::MarketClosed(_))
    ));
    // Resolved: its own typed error.
    sim.admin(
        "resolve",
        json!({ "slug": "net-wide-spread", "winner": "Yes" }),
    )
    .await;
    assert!(matches!(
        client.lookup("net-wide-spread").await,
        Err(VenueError::MarketResolved(_))
    ));
    assert!(matches!(
        client.lookup("no-such-market").await,
        Err(VenueError::MarketNotFound(_))
    ));
    assert!(matches!(
        client
            .lookup("https://polymarket.com/event/net-weather/nope")
            .await,
        Err(VenueError::MarketNotFound(_))
    ));
}

#[tokio::test]
async fn book_midpoint_spread_and_displayed_price() {
    let sim = Sim::start().await;
    let client = sim.public();
    let yes = token("1001");
    let book = client.book(&yes).await.unwrap();
    let (bid, ask) = (book.best_bid().unwrap(), book.best_ask().unwrap());
    assert!(bid < ask);
    assert!(book.bids.windows(2).all(|w| w[0].price > w[1].price));
    assert!(book.asks.windows(2).all(|w| w[0].price < w[1].price));
    let mid = client.midpoint(&yes).await.unwrap();
    assert_eq!(mid, (bid + ask) / Decimal::TWO);
    assert_eq!(client.spread(&yes).await.unwrap(), ask - bid);
    assert_eq!(client.displayed_price(&yes).await.unwrap(), Some(mid));
    assert_eq!(client.tick_size(&yes).await.unwrap(), TickSize::Hundredth);
    let metrics = book.metrics();
    assert_eq!(metrics.midpoint, Some(mid));
    assert!(metrics.liquidity > Decimal::ZERO);
    assert!(metrics.bid_depth[2].shares >= metrics.bid_depth[0].shares);

    // Spread above 10 cents: the last trade price is shown instead.
    let wide = token("5001");
    let wide_book = client.book(&wide).await.unwrap();
    let spread = wide_book.best_ask().unwrap() - wide_book.best_bid().unwrap();
    assert!(spread > d("0.10"), "{spread}");
    let last = client.last_trade(&wide).await.unwrap().price;
    assert_eq!(client.displayed_price(&wide).await.unwrap(), Some(last));

    // History: one point a second is recorded; ask for 1-minute buckets.
    sim.advance(180_000).await;
    let history = client
        .prices_history(
            &yes,
            HistoryWindow::Interval(HistoryInterval::Hour),
            Some(1),
        )
        .await
        .unwrap();
    assert!(history.len() >= 2, "{history:?}");
    assert!(
        history
            .iter()
            .all(|p| p.price > d("0.4") && p.price < d("0.6"))
    );

    assert!(matches!(
        client.book(&token("999999")).await,
        Err(VenueError::Rejected { status: 404, .. })
    ));
}

#[tokio::test]
async fn clock_skew_and_version() {
    let sim = Sim::start().await;
    let client = sim.public();
    assert_eq!(client.version().await.unwrap(), 2);
    sim.faults(json!({ "clock_skew_ms": 5000 })).await;
    let skew = client.check_clock_skew().await.unwrap();
    assert!((3_500..=6_500).contains(&skew), "{skew}");
    assert_eq!(client.clock_skew_ms(), skew);
    // Beyond 30 s nothing is signed with the correction: the measurement is refused, named,
    // and the last good correction stays.
    sim.faults(json!({ "clock_skew_ms": -45_000 })).await;
    let refused = client.check_clock_skew().await.unwrap_err();
    let VenueError::ClockSkew { skew_ms } = refused else {
        panic!("{refused:?}");
    };
    assert!((-46_500..=-43_500).contains(&skew_ms), "{skew_ms}");
    let text = refused.to_string();
    assert!(
        text.contains("s ahead of the exchange's, more than the 30 s"),
        "{text}"
    );
    assert_eq!(client.clock_skew_ms(), skew);
}

#[tokio::test]
async fn a_simulator_client_never_signs_an_order_for_mainnet() {
    let sim = Sim::start().await;
    let client = sim.authed().await;
    let market = client.lookup(RAIN).await.unwrap();
    let mut mainnet = limit(&market, 0, Side::Buy, "0.30", "10", 7);
    mainnet.chain = polyagent_venue::eip712::Chain::Polygon;
    let refused = client.prepare_order(&mainnet).unwrap_err();
    assert!(
        matches!(&refused, VenueError::InvalidInput(m) if m.contains("for chain 137 but this exchange's client signs for chain 80002")),
        "{refused:?}"
    );
    assert!(client.post_order(&mainnet).await.is_err());
    assert!(client.open_orders(None, None).await.unwrap().is_empty());
}

#[tokio::test]
async fn l1_create_post_fill_cancel() {
    let sim = Sim::start().await;
    let client = sim.authed().await;
    let market = client.lookup(RAIN).await.unwrap();

    // Resting BUY below the best bid.
    let resting = limit(&market, 0, Side::Buy, "0.30", "10", 1);
    let ack = client.post_order(&resting).await.unwrap();
    assert_eq!(ack.status, OrderStatus::Live);
    assert_eq!(client.live_order_count(), 1);
    let open = client.open_orders(None, None).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].id, ack.order_id);
    assert_eq!(open[0].price, d("0.30"));

    let canceled = client.cancel_order(&ack.order_id).await.unwrap();
    assert_eq!(canceled.canceled, vec![ack.order_id.clone()]);
    assert!(client.open_orders(None, None).await.unwrap().is_empty());
    assert_eq!(client.live_order_count(), 0);

    // A marketable BUY fills against the provider's asks.
    let book = client.book(&market.outcomes[0].token_id).await.unwrap();
    let ask = book.best_ask().unwrap().to_string();
    let taker = limit(&market, 0, Side::Buy, &ask, "10", 2);
    let filled = client.post_order(&taker).await.unwrap();
    assert_eq!(filled.status, OrderStatus::Matched);
    assert!(!filled.trade_ids.is_empty());
    let trades = client
        .trades(Some(&market.condition_id), None, None)
        .await
        .unwrap();
    assert!(trades.iter().any(|t| filled.trade_ids.contains(&t.id)));

    let balance = client
        .balance_allowance(&AssetType::Collateral)
        .await
        .unwrap();
    assert!(
        balance.balance < d("1000") && balance.balance > d("990"),
        "{balance:?}"
    );
    assert!(!balance.allowances.is_empty());
    client
        .update_balance_allowance(&AssetType::Conditional(market.outcomes[0].token_id.clone()))
        .await
        .unwrap();

    // Below the minimum size: a typed error, nothing placed.
    let tiny = limit(&market, 0, Side::Buy, "0.30", "1", 3);
    assert!(matches!(
        client.post_order(&tiny).await,
        Err(VenueError::BelowMinimumSize(_))
    ));

    // Batch post and cancel-all.
    let batch = [
        limit(&market, 0, Side::Buy, "0.20", "5", 4),
        limit(&market, 0, Side::Buy, "0.21", "5", 5),
    ];
    let results = client.post_orders(&batch).await.unwrap();
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let all = client.cancel_all().await.unwrap();
    assert_eq!(all.canceled.len(), 2);

    // Heartbeats chain their ids.
    let first = client.heartbeat().await.unwrap();
    let second = client.heartbeat().await.unwrap();
    assert_ne!(first, second);
}

#[tokio::test]
async fn reject_balance_is_typed() {
    let sim = Sim::start().await;
    let client = sim.authed().await;
    let market = client.lookup(RAIN).await.unwrap();
    sim.faults(json!({ "reject_balance": 1 })).await;
    let order = limit(&market, 0, Side::Buy, "0.30", "10", 9);
    assert!(matches!(
        client.post_order(&order).await,
        Err(VenueError::InsufficientBalance(_))
    ));
}

#[tokio::test]
async fn unauthorized_rederives_once() {
    let sim = Sim::start().await;
    let client = sim.authed().await;
    let before = client.credentials().api_key().to_owned();
    client.delete_api_key().await.unwrap();
    // The revoked key gets a 401; the client derives again and the call succeeds.
    let orders = client.open_orders(None, None).await.unwrap();
    assert!(orders.is_empty());
    // The simulator derives deterministically, so the key is re-issued with the same id.
    assert_eq!(client.credentials().api_key(), before);
}

#[tokio::test]
async fn rate_limited_requests_back_off_and_retry() {
    let sim = Sim::start().await;
    let client = sim.public();
    sim.faults(json!({ "http_429": 3 })).await;
    let book = client.book(&token("1001")).await.unwrap();
    assert!(book.best_bid().is_some());
    // All three 429s were consumed by retries.
    let faults: serde_json::Value = sim
        .http
        .get(format!("{}/admin/faults", sim.base()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(faults["http_429"], 0);

    // More 429s than retries: a typed RateLimited error.
    sim.faults(json!({ "http_429": 50 })).await;
    assert!(matches!(
        client.book(&token("1001")).await,
        Err(VenueError::RateLimited { .. })
    ));
}

#[tokio::test]
async fn server_error_after_accept_is_reconciled_without_a_duplicate() {
    let sim = Sim::start().await;
    let client = sim.authed().await;
    let market = client.lookup(RAIN).await.unwrap();
    let orders_before = sim.state().await["orders"].as_u64().unwrap();

    sim.faults(json!({ "post_500_after_accept": 1 })).await;
    let order = limit(&market, 0, Side::Buy, "0.31", "10", 21);
    let unknown = client.post_order(&order).await.unwrap_err();
    let VenueError::SubmitOutcomeUnknown { order_id, .. } = unknown else {
        panic!("expected SubmitOutcomeUnknown, got {unknown:?}");
    };
    match client.reconcile_submission(&order_id).await.unwrap() {
        Submission::Found(found) => {
            assert_eq!(found.id, order_id);
            assert_eq!(found.status, OrderStatus::Live);
        }
        Submission::Absent => panic!("the order was accepted"),
    }
    // Exactly one order exists for the intent.
    assert_eq!(
        sim.state().await["orders"].as_u64().unwrap(),
        orders_before + 1
    );
    assert_eq!(client.open_orders(None, None).await.unwrap().len(), 1);

    // 500 before accept: the exchange never saw it.
    sim.faults(json!({ "post_500_before_accept": 1 })).await;
    let other = limit(&market, 0, Side::Buy, "0.32", "10", 22);
    let VenueError::SubmitOutcomeUnknown { order_id, .. } =
        client.post_order(&other).await.unwrap_err()
    else {
        panic!("expected SubmitOutcomeUnknown");
    };
    assert_eq!(
        client.reconcile_submission(&order_id).await.unwrap(),
        Submission::Absent
    );
    assert_eq!(
        sim.state().await["orders"].as_u64().unwrap(),
        orders_before + 1
    );
}

#[tokio::test]
async fn venue_trait_is_usable_generically() {
    async fn mid_of<V: MarketData>(venue: &V) -> Decimal {
        venue.midpoint(&token("1001")).await.unwrap()
    }
    async fn open_count<V: Venue>(venue: &V) -> usize {
        venue.open_orders(None, None).await.unwrap().len()
    }
    let sim = Sim::start().await;
    let public: PublicClient = sim.public();
    let authed = sim.authed().await;
    assert_eq!(mid_of(&public).await, mid_of(&authed).await);
    assert_eq!(open_count(&authed).await, 0);
    let _ = Duration::ZERO;
}

#[tokio::test]
async fn a_timed_out_post_is_reconciled_and_reposting_the_same_order_cannot_duplicate() {
    let sim = Sim::start().await;
    let mut config = sim.config();
    config.timeout = Duration::from_millis(300);
    let key = polyagent_domain::secret::PrivateKey::from_hex(common::TRADER_KEY).unwrap();
    let client = polyagent_venue::client::AuthedClient::connect(
        PublicClient::new(config).unwrap(),
        polyagent_venue::signing::OrderSigner::new(&key).unwrap(),
        polyagent_domain::trading::SignatureType::Eoa,
        0,
    )
    .await
    .unwrap();
    let market = client.lookup(RAIN).await.unwrap();
    let orders_before = sim.state().await["orders"].as_u64().unwrap();

    // The exchange is slow: the request times out with its outcome unknown.
    sim.faults(json!({ "delay_ms": 800 })).await;
    let order = limit(&market, 0, Side::Buy, "0.33", "10", 61);
    let VenueError::SubmitOutcomeUnknown { order_id, .. } =
        client.post_order(&order).await.unwrap_err()
    else {
        panic!("expected SubmitOutcomeUnknown");
    };
    sim.faults(json!({})).await;
    // The simulator drops a request whose client went away, so it never landed.
    assert_eq!(
        client.reconcile_submission(&order_id).await.unwrap(),
        Submission::Absent
    );
    // Re-posting the same spec signs to the same id...
    let ack = client.post_order(&order).await.unwrap();
    assert_eq!(ack.order_id, order_id);
    // ...so a second copy of the intent is refused by the exchange.
    let again = client.post_order(&order).await;
    assert!(
        matches!(again, Err(VenueError::DuplicateOrder(_))),
        "{again:?}"
    );
    assert_eq!(
        sim.state().await["orders"].as_u64().unwrap(),
        orders_before + 1
    );
}

#[tokio::test]
async fn heartbeats_keep_orders_alive_until_they_stop() {
    let sim = Sim::start().await;
    let client = std::sync::Arc::new(sim.authed().await);
    let market = client.lookup(RAIN).await.unwrap();
    let ack = client
        .post_order(&limit(&market, 0, Side::Buy, "0.30", "10", 71))
        .await
        .unwrap();
    let beats = client.spawn_heartbeats(Duration::from_millis(20));
    // 16 simulated seconds, each 2 s step answered by a heartbeat: the order stays.
    for _ in 0..8 {
        let sent = client.heartbeats_sent();
        sim.advance(2_000).await;
        assert!(
            common::eventually(Duration::from_secs(5), || async {
                client.heartbeats_sent() > sent
            })
            .await
        );
    }
    let open = client.open_orders(None, None).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].id, ack.order_id);
    // Heartbeats stop: the exchange cancels everything after 10 s.
    beats.abort();
    let _ = beats.await;
    sim.advance(12_000).await;
    assert!(client.open_orders(None, None).await.unwrap().is_empty());
}

/// A clock the test moves by hand.
#[derive(Debug, Default)]
struct ManualClock(std::sync::atomic::AtomicU64);

impl polyagent_venue::rate::Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[tokio::test]
async fn the_global_budget_holds_requests_until_tokens_refill() {
    let sim = Sim::start().await;
    let clock = std::sync::Arc::new(ManualClock::default());
    let mut config = sim.config();
    config.limits = polyagent_venue::rate::RateLimits {
        global_per_second: 1,
        global_burst: 1,
        ..config.limits
    };
    let client = PublicClient::with_clocks(
        config,
        clock.clone(),
        std::sync::Arc::new(polyagent_venue::rate::SystemWallClock),
    )
    .unwrap();
    // The burst allows one request at once.
    client.midpoint(&token("1001")).await.unwrap();
    let mut second = tokio::spawn({
        let client = client.clone();
        async move { client.midpoint(&token("1001")).await }
    });
    // Frozen clock, no token: the request gets no answer while the bucket is empty.
    assert!(
        tokio::time::timeout(Duration::from_millis(100), &mut second)
            .await
            .is_err(),
        "the second request went out without a token"
    );
    // One second later there is a token again.
    clock.0.store(1_000, std::sync::atomic::Ordering::SeqCst);
    let answer = tokio::time::timeout(Duration::from_secs(5), second)
        .await
        .expect("released once the bucket refilled")
        .unwrap();
    assert!(answer.is_ok());
}

#[tokio::test]
async fn the_rate_limit_tier_is_the_scenarios_and_follows_a_change() {
    let sim = Sim::start_with(|scenario| {
        scenario.wallets[0].rate_limit_tier = polyagent_simulator::server::limits::Tier::Gold;
    })
    .await;
    let client = sim.authed().await;
    assert_eq!(
        client.rate_limit_status().tier,
        None,
        "no answer has named it yet"
    );
    assert_eq!(client.rate_limit_tier().await.unwrap(), RateLimitTier::Gold);
    // The answer also sizes the local buckets.
    let status = client.rate_limit_status();
    assert_eq!(status.tier, Some(RateLimitTier::Gold));
    assert_eq!(status.limits, RateLimitTier::Gold.limits());

    let address = format!("{:#x}", client.signer().address());
    sim.admin(
        "rate-limit-tier",
        json!({"address": address, "tier": "platinum"}),
    )
    .await;
    assert_eq!(
        client.rate_limit_tier().await.unwrap(),
        RateLimitTier::Platinum
    );
}
