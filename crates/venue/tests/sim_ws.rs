//! The market and user WebSockets against the simulator: books kept from the feed,
//! reconnect after a dropped socket, silent-stall detection, user events, and the REST
//! reconciliation that reports a fill made while disconnected exactly once.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{RAIN, Sim, eventually, limit};
use polyagent_domain::trading::Side;
use polyagent_venue::market_ws::{FeedHealth, MarketFeed, MarketFeedConfig};
use polyagent_venue::types::TradeStatus;
use polyagent_venue::user_ws::{OrderEventKind, UserEvent, UserFeed, UserFeedConfig};
use rust_decimal::Decimal;
use serde_json::json;
use tokio::sync::watch;

const WAIT: Duration = Duration::from_secs(10);

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn feed_config(sim: &Sim) -> MarketFeedConfig {
    MarketFeedConfig {
        ping_every: Duration::from_millis(100),
        stale_after: Duration::from_millis(400),
        reconnect_after: Duration::from_secs(2),
        backoff_base: Duration::from_millis(20),
        backoff_max: Duration::from_millis(200),
        jitter_seed: Some(7),
        ..MarketFeedConfig::new(sim.config().endpoints.market_ws)
    }
}

/// Waits until the watched value satisfies `condition`, with a deadline.
async fn wait_for<T>(receiver: &mut watch::Receiver<T>, condition: impl FnMut(&T) -> bool) -> bool {
    tokio::time::timeout(WAIT, receiver.wait_for(condition))
        .await
        .is_ok_and(|r| r.is_ok())
}

#[tokio::test]
async fn market_feed_keeps_the_book() {
    let sim = Sim::start().await;
    let client = sim.authed().await;
    let feed = MarketFeed::new(feed_config(&sim));
    let mut yes = feed.subscribe("1001");
    let mut shared = feed.subscribe("1001");
    let no = feed.subscribe("1002");
    assert_eq!(feed.connection_count(), 1);
    assert!(wait_for(&mut yes.state, |s| s.live_book().is_some()).await);
    let rest = client.book(&common::token("1001")).await.unwrap();
    {
        let state = yes.state.borrow();
        let book = state.live_book().unwrap();
        assert_eq!(book.best_bid(), rest.best_bid());
        assert_eq!(book.best_ask(), rest.best_ask());
        assert_eq!(book.bids(), rest.bids.as_slice());
    }
    // A new resting bid shows up as a level through price_change.
    let market = client.lookup(RAIN).await.unwrap();
    client
        .post_order(&limit(&market, 0, Side::Buy, "0.41", "7", 31))
        .await
        .unwrap();
    assert!(
        wait_for(&mut shared.state, |s| s.live_book().is_some_and(|b| b
            .bids()
            .iter()
            .any(|l| l.price == d("0.41") && l.size == d("7"))))
        .await
    );
    // The same change seen from the NO side: an ask at 0.59.
    let mut no_state = no.state.clone();
    assert!(
        wait_for(&mut no_state, |s| s
            .live_book()
            .is_some_and(|b| b.asks().iter().any(|l| l.price == d("0.59"))))
        .await
    );
    // A marketable order: last trade price arrives.
    let ask = rest.best_ask().unwrap().to_string();
    client
        .post_order(&limit(&market, 0, Side::Buy, &ask, "5", 32))
        .await
        .unwrap();
    assert!(wait_for(&mut yes.state, |s| s.book.last_trade_price == Some(d(&ask))).await);
    // A tick-size change reaches the book's tick.
    sim.admin("tick-size", json!({ "slug": RAIN, "tick_size": "0.001" }))
        .await;
    assert!(
        wait_for(&mut yes.state, |s| s.book.tick_size
            == Some(polyagent_domain::trading::TickSize::Thousandth))
        .await
    );
    // The simulator's stated tops always matched our books: no gap was suspected.
    assert_eq!(feed.stats()[0].resnapshots, 0, "{:?}", feed.stats());
    assert_eq!(feed.stats()[0].parse_errors, 0);
}

#[tokio::test]
async fn market_feed_pool_splits_connections() {
    let sim = Sim::start().await;
    let config = MarketFeedConfig {
        max_assets_per_connection: 2,
        ..feed_config(&sim)
    };
    let feed = MarketFeed::new(config);
    let handles: Vec<_> = ["1001", "1002", "2001", "2002", "5001"]
        .iter()
        .map(|a| feed.subscribe(a))
        .collect();
    assert_eq!(feed.connection_count(), 3);
    for mut handle in handles {
        assert!(wait_for(&mut handle.state, |s| s.live_book().is_some()).await);
    }
}

#[tokio::test]
async fn unsubscribing_frees_a_slot_and_subscribing_works_at_runtime() {
    let sim = Sim::start().await;
    let config = MarketFeedConfig {
        max_assets_per_connection: 2,
        ..feed_config(&sim)
    };
    let feed = MarketFeed::new(config);
    let mut first = feed.subscribe("1001");
    let second = feed.subscribe("1002");
    let third = feed.subscribe("2001");
    assert_eq!(feed.connection_count(), 2);
    assert!(wait_for(&mut first.state, |s| s.live_book().is_some()).await);
    // A second subscriber of the same asset shares it; dropping it keeps the asset.
    let again = feed.subscribe("1001");
    drop(again);
    drop(second);
    // The freed slot on the first (open) connection takes the next asset.
    let mut fourth = feed.subscribe("5001");
    assert_eq!(feed.connection_count(), 2);
    assert!(wait_for(&mut fourth.state, |s| s.live_book().is_some()).await);
    assert!(first.state.borrow().live_book().is_some());
    drop(third);
}

#[tokio::test]
async fn market_feed_reconnects_after_a_drop() {
    let sim = Sim::start().await;
    let feed = MarketFeed::new(feed_config(&sim));
    let mut yes = feed.subscribe("1001");
    assert!(wait_for(&mut yes.state, |s| s.live_book().is_some()).await);
    let before = yes.state.borrow().version;
    sim.admin("drop-ws", json!({})).await;
    // Re-connected, re-subscribed and re-snapshotted.
    assert!(
        eventually(WAIT, || async { feed.stats()[0].connects >= 2 }).await,
        "{:?}",
        feed.stats()
    );
    assert!(
        wait_for(&mut yes.state, |s| s.version > before
            && s.live_book().is_some())
        .await
    );
    assert_eq!(*feed.health()[0].borrow(), FeedHealth::Live);
}

#[tokio::test]
async fn silent_feed_goes_stale_then_recovers() {
    let sim = Sim::start().await;
    let feed = MarketFeed::new(feed_config(&sim));
    let mut yes = feed.subscribe("1001");
    assert!(wait_for(&mut yes.state, |s| s.live_book().is_some()).await);
    sim.faults(json!({ "stall_ws": true })).await;
    // No PONG, no data: stale, and the book is no longer offered.
    assert!(wait_for(&mut yes.state, |s| s.health != FeedHealth::Live).await);
    assert!(yes.state.borrow().live_book().is_none());
    let mut health = feed.health()[0].clone();
    assert!(wait_for(&mut health, |h| *h == FeedHealth::Stale).await);
    sim.faults(json!({ "stall_ws": false })).await;
    assert!(wait_for(&mut yes.state, |s| s.live_book().is_some()).await);
}

fn user_config(sim: &Sim) -> UserFeedConfig {
    UserFeedConfig {
        ping_every: Duration::from_millis(100),
        stale_after: Duration::from_millis(400),
        reconnect_after: Duration::from_secs(2),
        // Slow enough that the test can act while the feed is down.
        backoff_base: Duration::from_millis(600),
        backoff_max: Duration::from_millis(800),
        jitter_seed: Some(3),
        ..UserFeedConfig::new(sim.config().endpoints.user_ws)
    }
}

async fn next_event(feed: &mut UserFeed) -> UserEvent {
    tokio::time::timeout(WAIT, feed.events.recv())
        .await
        .expect("an event in time")
        .expect("feed running")
}

/// Collects events until `stop` matches one (inclusive).
async fn events_until(
    feed: &mut UserFeed,
    mut stop: impl FnMut(&UserEvent) -> bool,
) -> Vec<UserEvent> {
    let mut out = Vec::new();
    loop {
        let event = next_event(feed).await;
        let done = stop(&event);
        out.push(event);
        if done {
            return out;
        }
    }
}

#[tokio::test]
async fn user_feed_reports_orders_and_trades() {
    let sim = Sim::start().await;
    let client = Arc::new(sim.authed().await);
    let market = client.lookup(RAIN).await.unwrap();
    let mut feed = UserFeed::start(client.clone(), user_config(&sim));
    assert!(matches!(
        next_event(&mut feed).await,
        UserEvent::Reconciled { .. }
    ));

    let resting = client
        .post_order(&limit(&market, 0, Side::Buy, "0.30", "10", 41))
        .await
        .unwrap();
    let events = events_until(
        &mut feed,
        |e| matches!(e, UserEvent::Order(o) if o.order_id == resting.order_id),
    )
    .await;
    let UserEvent::Order(placement) = events.last().unwrap() else {
        unreachable!()
    };
    assert_eq!(placement.kind, OrderEventKind::Placement);
    assert_eq!(placement.price, d("0.30"));

    let book = client.book(&market.outcomes[0].token_id).await.unwrap();
    let ask = book.best_ask().unwrap().to_string();
    let taker = client
        .post_order(&limit(&market, 0, Side::Buy, &ask, "5", 42))
        .await
        .unwrap();
    let trade_id = taker.trade_ids[0].clone();
    let events = events_until(
        &mut feed,
        |e| matches!(e, UserEvent::Trade(t) if t.id == trade_id),
    )
    .await;
    let UserEvent::Trade(trade) = events.last().unwrap() else {
        unreachable!()
    };
    assert_eq!(trade.status, TradeStatus::Matched);
    assert_eq!(trade.size, d("5"));

    // The lifecycle moves on as simulated time passes: each status once.
    sim.advance(60_000).await;
    let events = events_until(&mut feed, |e| {
        matches!(e, UserEvent::Trade(t) if t.id == trade_id && t.status == TradeStatus::Confirmed)
    })
    .await;
    let statuses: Vec<TradeStatus> = events
        .iter()
        .filter_map(|e| match e {
            UserEvent::Trade(t) if t.id == trade_id => Some(t.status.clone()),
            _ => None,
        })
        .collect();
    let unique: std::collections::HashSet<_> = statuses.iter().collect();
    assert_eq!(unique.len(), statuses.len(), "{statuses:?}");
    assert_eq!(*feed.health.borrow(), FeedHealth::Live);
}

#[tokio::test]
async fn a_fill_while_disconnected_is_reported_exactly_once() {
    let sim = Sim::start().await;
    let client = Arc::new(sim.authed().await);
    let market = client.lookup(RAIN).await.unwrap();
    let mut feed = UserFeed::start(client.clone(), user_config(&sim));
    assert!(matches!(
        next_event(&mut feed).await,
        UserEvent::Reconciled { .. }
    ));
    assert!(wait_for(&mut feed.health, |h| *h == FeedHealth::Live).await);

    sim.admin("drop-ws", json!({})).await;
    assert!(wait_for(&mut feed.health, |h| *h != FeedHealth::Live).await);
    // The fill happens while the feed is down.
    let book = client.book(&market.outcomes[0].token_id).await.unwrap();
    let ask = book.best_ask().unwrap().to_string();
    let taker = client
        .post_order(&limit(&market, 0, Side::Buy, &ask, "6", 51))
        .await
        .unwrap();
    let trade_id = taker.trade_ids[0].clone();

    // Reconnect, reconciliation, then a marker order so that everything before it is in.
    let mut events = events_until(&mut feed, |e| matches!(e, UserEvent::Reconciled { .. })).await;
    assert!(wait_for(&mut feed.health, |h| *h == FeedHealth::Live).await);
    let marker = client
        .post_order(&limit(&market, 0, Side::Buy, "0.11", "5", 52))
        .await
        .unwrap();
    events.extend(
        events_until(
            &mut feed,
            |e| matches!(e, UserEvent::Order(o) if o.order_id == marker.order_id),
        )
        .await,
    );
    let reported = events
        .iter()
        .filter(|e| matches!(e, UserEvent::Trade(t) if t.id == trade_id))
        .count();
    assert_eq!(reported, 1, "{events:?}");
}
