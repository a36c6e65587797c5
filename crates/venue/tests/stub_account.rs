//! The account's REST queries and the user WebSocket subscription, against a stub on
//! 127.0.0.1 that records exactly what the venue sends (PROTOCOL.md §13.2, §13.6).

mod stub_support;

use stub_support::{serve, stub_client_with, stub_config};

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::routing::get;
use polyagent_domain::trading::{SignatureType, TokenId};
use polyagent_venue::VenueError;
use polyagent_venue::client::AuthedClient;
use polyagent_venue::types::OrderStatus;
use rust_decimal::Decimal;

const MARKET: &str = "0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1";

/// Every request the stub answered: (path, raw query).
type Log = Arc<Mutex<Vec<(String, String)>>>;

/// Orders as production sends them from December 2026: `associate_trades` absent, `null`,
/// empty or filled, whatever the fills (§13.2).
const ORDERS_PAGE: &str = r#"{"limit":100,"count":3,"next_cursor":"LTE=","data":[
{"id":"0x01","status":"ORDER_STATUS_LIVE","owner":"k","maker_address":"0xm","market":"0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1","asset_id":"1001","side":"BUY","original_size":"10","size_matched":"4","price":"0.5","outcome":"Yes","expiration":"0","order_type":"GTC","created_at":1767225600},
{"id":"0x02","status":"LIVE","market":"0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1","asset_id":"1001","side":"SELL","original_size":"5","size_matched":"0","price":"0.6","associate_trades":null},
{"id":"0x03","status":"LIVE","market":"0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1","asset_id":"1001","side":"BUY","original_size":"8","size_matched":"2","price":"0.4","associate_trades":[]}
]}"#;

async fn record(State(log): State<Log>, path: axum::http::Uri, RawQuery(query): RawQuery) {
    log.lock()
        .unwrap()
        .push((path.path().to_owned(), query.unwrap_or_default()));
}

async fn stub() -> (String, Log) {
    let log: Log = Arc::default();
    let app = Router::new()
        .route(
            "/data/orders",
            get(|state, uri, query| async move {
                record(state, uri, query).await;
                ORDERS_PAGE
            }),
        )
        .route(
            "/data/trades",
            get(|state, uri, query| async move {
                record(state, uri, query).await;
                r#"{"limit":100,"count":0,"next_cursor":"LTE=","data":[]}"#
            }),
        )
        .with_state(log.clone());
    let base = serve(app).await;
    (base, log)
}

fn client(base: &str) -> AuthedClient {
    stub_client_with(stub_config(base), SignatureType::Eoa)
}

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

#[tokio::test]
async fn an_order_query_by_token_always_carries_its_market() {
    let (base, log) = stub().await;
    let client = client(&base);
    let token = TokenId::new("1001").unwrap();
    // §13.2: from 14 December 2026 production refuses `asset_id` without `market`.
    let refused = client.open_orders(None, Some(&token)).await.unwrap_err();
    assert!(
        matches!(refused, VenueError::InvalidInput(_)),
        "{refused:?}"
    );
    assert!(
        client.open_orders(Some(" "), Some(&token)).await.is_err(),
        "a blank market is no market"
    );
    assert!(log.lock().unwrap().is_empty(), "nothing was sent");

    let orders = client
        .open_orders(Some(MARKET), Some(&token))
        .await
        .unwrap();
    let all = client.open_orders(None, None).await.unwrap();
    let by_market = client.open_orders(Some(MARKET), None).await.unwrap();
    assert_eq!((orders.len(), all.len(), by_market.len()), (3, 3, 3));
    let queries = log.lock().unwrap().clone();
    assert_eq!(queries.len(), 3);
    assert!(queries[0].1.contains(&format!("market={MARKET}")));
    assert!(queries[0].1.contains("asset_id=1001"));
    for (path, query) in &queries {
        assert_eq!(path, "/data/orders");
        assert!(
            !query.contains("asset_id") || query.contains("market="),
            "{query}"
        );
    }
}

#[tokio::test]
async fn fills_are_read_from_size_matched_whatever_associate_trades_says() {
    let (base, _log) = stub().await;
    let orders = client(&base).open_orders(None, None).await.unwrap();
    // associate_trades absent (with 4 matched), null, and empty (with 2 matched).
    let matched: Vec<(&str, Decimal)> = orders
        .iter()
        .map(|o| (o.id.as_str(), o.size_matched))
        .collect();
    assert_eq!(
        matched,
        [("0x01", d("4")), ("0x02", d("0")), ("0x03", d("2"))]
    );
    assert!(orders.iter().all(|o| o.status == OrderStatus::Live));
    assert_eq!(orders[0].created_at_s, Some(1_767_225_600));
}

/// A user-channel WebSocket on 127.0.0.1 that hands every connection's first text frame
/// (the subscription) to the test and then stays open.
async fn user_socket() -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
    use futures_util::StreamExt;
    let (hello_tx, hello_rx) = tokio::sync::mpsc::unbounded_channel();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/ws/user", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let hello_tx = hello_tx.clone();
            tokio::spawn(async move {
                let Ok(mut socket) = tokio_tungstenite::accept_async(stream).await else {
                    return;
                };
                let mut first = true;
                while let Some(Ok(message)) = socket.next().await {
                    if let tokio_tungstenite::tungstenite::Message::Text(text) = message
                        && std::mem::take(&mut first)
                    {
                        let _ = hello_tx.send(text.to_string());
                    }
                }
            });
        }
    });
    (url, hello_rx)
}

const WAIT: Duration = Duration::from_secs(5);

/// Starts a user feed against the stubs and returns its subscription frame, the first
/// catch-up's trade query, and the exchange-time window in which the feed started.
async fn first_connect(markets: Vec<String>) -> (serde_json::Value, String, (u64, u64)) {
    first_connect_from(markets, None).await
}

async fn first_connect_from(
    markets: Vec<String>,
    first_catch_up_from_s: Option<u64>,
) -> (serde_json::Value, String, (u64, u64)) {
    use polyagent_venue::user_ws::{UserEvent, UserFeed, UserFeedConfig};
    let (base, log) = stub().await;
    let (url, mut hellos) = user_socket().await;
    let client = Arc::new(client(&base));
    let before = client.public().server_now_s();
    let mut feed = UserFeed::start(
        client.clone(),
        UserFeedConfig {
            markets,
            jitter_seed: Some(5),
            first_catch_up_from_s,
            ..UserFeedConfig::new(url)
        },
    );
    let after = client.public().server_now_s();
    let hello = tokio::time::timeout(WAIT, hellos.recv())
        .await
        .expect("a subscription in time")
        .unwrap();
    let event = tokio::time::timeout(WAIT, feed.events.recv())
        .await
        .expect("the catch-up in time")
        .unwrap();
    assert!(matches!(event, UserEvent::Reconciled { .. }), "{event:?}");
    let trades = log
        .lock()
        .unwrap()
        .iter()
        .filter(|(path, _)| path == "/data/trades")
        .map(|(_, query)| query.clone())
        .collect::<Vec<_>>();
    assert!(!trades.is_empty());
    (
        serde_json::from_str(&hello).unwrap(),
        trades[0].clone(),
        (before, after),
    )
}

fn after_of(query: &str) -> u64 {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("after="))
        .unwrap_or_else(|| panic!("no `after` in {query}: the whole history was read"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn the_user_subscription_never_sends_an_empty_market_list() {
    // §13.6: `"markets":[]` gets order events but no trade events; leave the key out.
    let (hello, _, _) = first_connect(Vec::new()).await;
    assert_eq!(hello["type"], "user");
    assert!(hello.get("markets").is_none(), "{hello}");
    assert!(hello["auth"]["apiKey"].is_string());

    let (hello, trades, _) = first_connect(vec![MARKET.to_owned()]).await;
    assert_eq!(hello["markets"], serde_json::json!([MARKET]));
    assert!(trades.contains(&format!("market={MARKET}")), "{trades}");
}

#[tokio::test]
async fn the_first_catch_up_starts_at_the_feed_start_minus_the_lookback() {
    let (_, trades, (before, after)) = first_connect(Vec::new()).await;
    // UserFeedConfig::new's lookback: 300 s.
    let asked = after_of(&trades);
    assert!(
        (before - 300..=after - 300).contains(&asked),
        "after={asked}, feed started in [{before}, {after}]"
    );
}

#[tokio::test]
async fn a_restarted_app_may_start_the_first_catch_up_earlier_but_never_at_zero() {
    let (_, trades, _) = first_connect_from(Vec::new(), Some(1_796_601_600)).await;
    assert_eq!(after_of(&trades), 1_796_601_600 - 300);
}
