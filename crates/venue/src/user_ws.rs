//! The user WebSocket of one wallet: its order events and trade events, with REST
//! reconciliation after every (re)connect.
//!
//! Invariants:
//! - every trade is delivered once per status (dedupe key: trade id + status), whether it
//!   arrived over the socket or from the REST reconciliation that follows each connect;
//!   a fill made while disconnected is therefore reported exactly once, never missed;
//! - after each connect the consumer receives [`UserEvent::Reconciled`] with the open
//!   orders as the exchange reports them, so it can replace whatever it believed;
//! - the REST trade catch-up never reads the whole history: it asks for trades `after` the
//!   last match seen, or (first catch-up) the feed's start on the exchange's clock (or
//!   [`UserFeedConfig::first_catch_up_from_s`]), minus [`UserFeedConfig::trade_lookback`];
//! - the subscription lists the configured condition ids or leaves `markets` out; it never
//!   sends `"markets":[]`, which production answers with order events but no trade events;
//! - unknown event types, unknown fields and unreadable events are skipped, never a
//!   disconnect or the loss of the frame's other events (§13.6);
//! - health is published on a `watch` ([`FeedHealth`]); while it is not `Live` the event
//!   stream may be behind.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use polyagent_domain::secret::SecretString;
use polyagent_domain::trading::{OrderType, Side};
use rust_decimal::Decimal;
use serde::Deserialize;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use zeroize::Zeroizing;

use crate::client::AuthedClient;
use crate::clob_wire::{LenientDecimal, OptionalDecimal, TradeResponse};
use crate::market_ws::FeedHealth;
use crate::rate::{Backoff, JitterRng};
use crate::types::{OpenOrder, OrderStatus, Trade, TradeStatus};
use crate::venue_error::VenueError;

/// What happened to one of the wallet's orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderEventKind {
    Placement,
    Update,
    Cancellation,
}

/// An `order` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEvent {
    pub kind: OrderEventKind,
    pub order_id: String,
    pub market: String,
    pub asset_id: String,
    pub side: Side,
    pub price: Decimal,
    pub original_size: Decimal,
    pub size_matched: Decimal,
    /// The order's status when the event carries one (newer frames, §13.6).
    pub status: Option<OrderStatus>,
    /// The exchange's reason after the status, if any.
    pub status_reason: Option<String>,
    pub order_type: Option<OrderType>,
}

/// What the user feed delivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserEvent {
    Order(OrderEvent),
    /// A trade in a status not delivered before.
    Trade(Trade),
    /// After a (re)connect: the exchange's open orders, authoritative.
    Reconciled {
        open_orders: Vec<OpenOrder>,
    },
}

#[derive(Debug, Clone)]
pub struct UserFeedConfig {
    pub url: String,
    /// Condition ids to follow; empty = all of the key's markets, and then the subscription
    /// leaves `markets` out (`[]` would silently suppress trade events, §13.6).
    pub markets: Vec<String>,
    pub ping_every: Duration,
    pub stale_after: Duration,
    pub reconnect_after: Duration,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    pub jitter_seed: Option<u64>,
    /// How far before the last seen match time the reconciliation asks for trades:
    /// covers trades matched in the same second and clock differences.
    pub trade_lookback: Duration,
    /// Where the first catch-up starts (exchange time, unix seconds; the lookback is still
    /// taken off): e.g. the match time of the oldest trade a restarted app has not seen
    /// settle. `None`: the feed's start. Never "the whole history".
    pub first_catch_up_from_s: Option<u64>,
}

impl UserFeedConfig {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            markets: Vec::new(),
            ping_every: Duration::from_secs(10),
            stale_after: Duration::from_secs(15),
            reconnect_after: Duration::from_secs(30),
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            jitter_seed: None,
            trade_lookback: Duration::from_secs(300),
            first_catch_up_from_s: None,
        }
    }
}

/// Handle of a running user feed. Dropping it stops the feed.
#[derive(Debug)]
pub struct UserFeed {
    pub health: watch::Receiver<FeedHealth>,
    pub events: mpsc::UnboundedReceiver<UserEvent>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for UserFeed {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl UserFeed {
    /// Starts the feed of `client`'s wallet.
    pub fn start(client: Arc<AuthedClient>, config: UserFeedConfig) -> Self {
        let (health_tx, health) = watch::channel(FeedHealth::Reconnecting);
        let (events_tx, events) = mpsc::unbounded_channel();
        let rng = config
            .jitter_seed
            .map_or_else(JitterRng::from_entropy, JitterRng::new);
        // The exchange's clock, as the client last measured it: trade match times are the
        // exchange's, and the first catch-up starts from here.
        let client_start_s = config
            .first_catch_up_from_s
            .unwrap_or_else(|| client.public().server_now_s());
        let actor = UserConnection {
            backoff: Backoff::new(config.backoff_base, config.backoff_max, rng),
            client,
            config,
            health: health_tx,
            events: events_tx,
            seen: HashSet::new(),
            last_match_s: None,
            started_s: client_start_s,
        };
        Self {
            health,
            events,
            task: tokio::spawn(actor.run()),
        }
    }
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default)]
    event_type: &'a str,
    #[serde(default, rename = "type")]
    kind: Option<&'a str>,
}

/// A user `order` event. Newer frames add `created_at`, `expiration`, `maker_address`,
/// `order_type` and `status` (§13.6); unknown fields are ignored, `""` decimals are absent.
#[derive(Deserialize)]
struct OrderMessage {
    id: String,
    #[serde(default)]
    market: String,
    asset_id: String,
    side: String,
    #[serde(default)]
    price: LenientDecimal,
    #[serde(default)]
    original_size: LenientDecimal,
    #[serde(default)]
    size_matched: OptionalDecimal,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    order_type: Option<String>,
}

/// One event of a user-channel frame, as read from its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserFrameItem {
    Trade(Trade),
    Order(OrderEvent),
}

/// Reads one user-channel text frame (a single event or an array of them) into the events it
/// carries. Never fails: `PONG` and other non-JSON text give nothing, and an event that
/// cannot be read (unknown type, missing field, bad side or decimal) is skipped with a warning,
/// so one bad event never hides the others of its frame.
pub fn read_user_frame(text: &str) -> Vec<UserFrameItem> {
    let trimmed = text.trim_start();
    if !trimmed.starts_with('{') && !trimmed.starts_with('[') {
        return Vec::new();
    }
    let items: Vec<&serde_json::value::RawValue> = if trimmed.starts_with('[') {
        serde_json::from_str(trimmed).unwrap_or_default()
    } else {
        serde_json::from_str(trimmed).map_or_else(|_| Vec::new(), |one| vec![one])
    };
    let mut events = Vec::with_capacity(items.len());
    for item in items {
        let Ok(envelope) = serde_json::from_str::<Envelope<'_>>(item.get()) else {
            continue;
        };
        match envelope.event_type {
            "trade" => match serde_json::from_str::<TradeResponse>(item.get())
                .map_err(|e| VenueError::Protocol(e.to_string()))
                .and_then(TradeResponse::into_trade)
            {
                Ok(trade) => events.push(UserFrameItem::Trade(trade)),
                Err(error) => tracing::warn!(%error, "unreadable trade event"),
            },
            "order" => {
                let kind = match envelope.kind.unwrap_or_default() {
                    "PLACEMENT" => OrderEventKind::Placement,
                    "UPDATE" => OrderEventKind::Update,
                    "CANCELLATION" => OrderEventKind::Cancellation,
                    _ => continue,
                };
                match serde_json::from_str::<OrderMessage>(item.get()) {
                    Ok(order) => {
                        if let Ok(side) = order.side.parse() {
                            let (status, status_reason) = match order.status.as_deref() {
                                Some(text) if !text.is_empty() => {
                                    let (status, reason) = OrderStatus::parse_wire(text);
                                    (Some(status), reason)
                                }
                                _ => (None, None),
                            };
                            events.push(UserFrameItem::Order(OrderEvent {
                                kind,
                                order_id: order.id,
                                market: order.market,
                                asset_id: order.asset_id,
                                side,
                                price: order.price.0,
                                original_size: order.original_size.0,
                                size_matched: order.size_matched.0.unwrap_or_default(),
                                status,
                                status_reason,
                                order_type: order
                                    .order_type
                                    .as_deref()
                                    .and_then(|t| t.parse().ok()),
                            }));
                        }
                    }
                    Err(error) => tracing::warn!(%error, "unreadable order event"),
                }
            }
            _ => {}
        }
    }
    events
}

/// The `"markets"` member of the subscription: the condition ids, or nothing at all when
/// none are configured. Never `"markets":[]`: production then sends order events but no
/// trade events (PROTOCOL.md §13.6).
fn markets_field(markets: &[String]) -> String {
    if markets.is_empty() {
        return String::new();
    }
    let list = serde_json::to_string(markets).expect("a list of strings serializes");
    format!(r#","markets":{list}"#)
}

/// The subscription frame, `{"type":"user","auth":{...},...}`. It holds the API secret and
/// passphrase, so it is built by hand into one buffer of its final size (no `Value`, no
/// reallocation leaving copies behind) that is wiped when the frame is dropped. tungstenite
/// still copies it into its write buffer, which this crate cannot reach.
fn hello_frame(auth: &SecretString, markets: &[String]) -> Utf8Bytes {
    const HEAD: &str = r#"{"type":"user","auth":"#;
    const TAIL: &str = r#","assets_ids":[],"initial_dump":true}"#;
    let markets = markets_field(markets);
    let mut text =
        Vec::with_capacity(HEAD.len() + auth.expose_str().len() + markets.len() + TAIL.len());
    text.extend_from_slice(HEAD.as_bytes());
    text.extend_from_slice(auth.expose_str().as_bytes());
    text.extend_from_slice(markets.as_bytes());
    text.extend_from_slice(TAIL.as_bytes());
    Utf8Bytes::try_from(Bytes::from_owner(Zeroizing::new(text)))
        .expect("built from UTF-8 text only")
}

struct UserConnection {
    client: Arc<AuthedClient>,
    config: UserFeedConfig,
    health: watch::Sender<FeedHealth>,
    events: mpsc::UnboundedSender<UserEvent>,
    backoff: Backoff,
    /// (trade id, status) pairs already delivered.
    seen: HashSet<(String, TradeStatus)>,
    last_match_s: Option<u64>,
    /// Where the first catch-up starts: the feed's start or
    /// [`UserFeedConfig::first_catch_up_from_s`] (exchange time, unix seconds).
    started_s: u64,
}

enum End {
    Stop,
    Reconnect,
}

impl UserConnection {
    fn set_health(&self, health: FeedHealth) {
        self.health.send_if_modified(|h| {
            let changed = *h != health;
            *h = health;
            changed
        });
    }

    async fn run(mut self) {
        loop {
            self.set_health(FeedHealth::Reconnecting);
            // Nagle off: subscriptions and PINGs are small and must not wait for an ACK.
            match tokio_tungstenite::connect_async_with_config(self.config.url.as_str(), None, true)
                .await
            {
                Ok((socket, _)) => {
                    if let End::Stop = self.session(socket).await {
                        return;
                    }
                }
                Err(error) => tracing::debug!(%error, "user feed connect failed"),
            }
            if self.events.is_closed() {
                return;
            }
            self.set_health(FeedHealth::Reconnecting);
            tokio::time::sleep(self.backoff.next_delay()).await;
        }
    }

    /// Delivers a trade unless its (id, status) was delivered already.
    fn deliver_trade(&mut self, trade: Trade) -> bool {
        self.last_match_s = self.last_match_s.max(Some(trade.match_time_s));
        if self.seen.insert((trade.id.clone(), trade.status.clone())) {
            self.events.send(UserEvent::Trade(trade)).is_ok()
        } else {
            true
        }
    }

    /// The `after` of the next REST trade catch-up (unix seconds, exchange time).
    fn catch_up_after_s(&self) -> u64 {
        let from = self.last_match_s.unwrap_or(self.started_s);
        from.saturating_sub(self.config.trade_lookback.as_secs())
    }

    /// REST catch-up after a connect: open orders, and trades since the last one seen.
    async fn reconcile(&mut self) -> Result<bool, VenueError> {
        let open_orders = self.client.open_orders(None, None).await?;
        // Never the whole history: from the last match seen, or (first catch-up) from the
        // feed's start, minus the lookback for same-second matches and clock differences.
        let after = Some(self.catch_up_after_s());
        let mut trades = Vec::new();
        if self.config.markets.is_empty() {
            trades = self.client.trades(None, None, after).await?;
        } else {
            for market in &self.config.markets {
                trades.extend(self.client.trades(Some(market), None, after).await?);
            }
        }
        trades.sort_by_key(|t| t.match_time_s);
        if self
            .events
            .send(UserEvent::Reconciled { open_orders })
            .is_err()
        {
            return Ok(false);
        }
        for trade in trades {
            if !self.deliver_trade(trade) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    async fn session(
        &mut self,
        socket: tokio_tungstenite::WebSocketStream<
            tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
        >,
    ) -> End {
        let (mut sink, mut stream) = socket.split();
        let auth = self.client.credentials().user_channel_auth();
        if sink
            .send(Message::Text(hello_frame(&auth, &self.config.markets)))
            .await
            .is_err()
        {
            return End::Reconnect;
        }
        // Subscribed first, then caught up: events during the catch-up wait in the socket
        // and the dedupe drops whatever both paths deliver.
        match self.reconcile().await {
            Ok(true) => {}
            Ok(false) => return End::Stop,
            Err(error) => {
                tracing::warn!(%error, "user feed reconciliation failed; reconnecting");
                return End::Reconnect;
            }
        }
        self.set_health(FeedHealth::Live);
        self.backoff.reset();
        let mut last_frame = Instant::now();
        let mut ping = tokio::time::interval(self.config.ping_every);
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut check =
            tokio::time::interval((self.config.stale_after / 4).max(Duration::from_millis(10)));
        check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                frame = stream.next() => {
                    let text = match frame {
                        Some(Ok(Message::Text(text))) => text,
                        Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return End::Reconnect,
                        Some(Ok(_)) => {
                            last_frame = Instant::now();
                            continue;
                        }
                    };
                    last_frame = Instant::now();
                    if *self.health.borrow() == FeedHealth::Stale {
                        // Events may have been lost while silent: reconnect and reconcile.
                        return End::Reconnect;
                    }
                    if !self.handle(text.as_str()) {
                        return End::Stop;
                    }
                }
                _ = ping.tick() => {
                    if sink.send(Message::Text("PING".into())).await.is_err() {
                        return End::Reconnect;
                    }
                }
                _ = check.tick() => {
                    if self.events.is_closed() {
                        return End::Stop;
                    }
                    let silent = last_frame.elapsed();
                    if silent >= self.config.reconnect_after {
                        return End::Reconnect;
                    }
                    if silent >= self.config.stale_after {
                        self.set_health(FeedHealth::Stale);
                    }
                }
            }
        }
    }

    /// Handles one frame; `false` when the consumer is gone.
    fn handle(&mut self, text: &str) -> bool {
        for item in read_user_frame(text) {
            let delivered = match item {
                UserFrameItem::Trade(trade) => self.deliver_trade(trade),
                UserFrameItem::Order(order) => {
                    if order.kind == OrderEventKind::Cancellation
                        || (order.kind == OrderEventKind::Update
                            && order.size_matched >= order.original_size)
                    {
                        self.client.untrack(std::slice::from_ref(&order.order_id));
                    }
                    self.events.send(UserEvent::Order(order)).is_ok()
                }
            };
            if !delivered {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn new_fields_empty_decimals_and_unknown_events_are_skipped_not_fatal() {
        // One frame: an unknown event type, an order with §13.6's new fields and a ""
        // size_matched, a trade with a "" fee rate and new fields, and an unreadable trade.
        let frame = r#"[
            {"event_type":"wallet_notice","payload":{"x":[1,2]}},
            {"event_type":"order","type":"PLACEMENT","id":"0xo1","market":"0xc","asset_id":"1","side":"BUY","price":"0.5","original_size":"10","size_matched":"","created_at":"1767225600","expiration":"0","maker_address":"0xm","order_type":"GTC","status":"LIVE","owner":"k","outcome":"Yes","associate_trades":null},
            {"event_type":"trade","type":"TRADE","id":"t1","taker_order_id":"0xo2","market":"0xc","asset_id":"1","side":"BUY","size":"2","price":"0.5","status":"MATCHED","match_time":"1767225601","fee_rate_bps":"","bucket_index":3,"trader_side":"TAKER","maker_address":"0xm","maker_orders":[{"order_id":"0xo1","matched_amount":"2","price":"0.5","fee_rate_bps":""}]},
            {"event_type":"trade","id":"t2"}
        ]"#;
        let items = read_user_frame(frame);
        assert_eq!(items.len(), 2, "{items:?}");
        let UserFrameItem::Order(order) = &items[0] else {
            panic!("{items:?}")
        };
        assert_eq!(order.kind, OrderEventKind::Placement);
        assert_eq!(order.size_matched, Decimal::ZERO);
        assert_eq!(order.original_size, d("10"));
        assert_eq!(order.status, Some(OrderStatus::Live));
        assert_eq!(order.order_type, Some(OrderType::Gtc));
        let UserFrameItem::Trade(trade) = &items[1] else {
            panic!("{items:?}")
        };
        assert_eq!((trade.id.as_str(), trade.fee_rate_bps), ("t1", None));
        assert_eq!(trade.maker_order_ids, ["0xo1"]);
        // A single unknown event, PONG and non-JSON give nothing.
        assert!(read_user_frame(r#"{"event_type":"something_new","a":{"b":[]}}"#).is_empty());
        assert!(read_user_frame("PONG").is_empty());
    }

    #[test]
    fn order_events_keep_the_status_reason() {
        let frame = r#"{"event_type":"order","type":"CANCELLATION","id":"0xo","asset_id":"1","side":"SELL","price":"0.5","original_size":"3","size_matched":"1","status":"CANCELED_order couldn't be fully filled. FOK orders are fully filled or killed."}"#;
        let items = read_user_frame(frame);
        let [UserFrameItem::Order(order)] = items.as_slice() else {
            panic!("{items:?}")
        };
        assert_eq!(order.kind, OrderEventKind::Cancellation);
        assert_eq!(order.status, Some(OrderStatus::Canceled));
        assert_eq!(
            order.status_reason.as_deref(),
            Some("order couldn't be fully filled. FOK orders are fully filled or killed.")
        );
    }
}
