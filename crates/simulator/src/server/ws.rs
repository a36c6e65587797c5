//! The market and user WebSockets.
//!
//! Each connection is one task: it answers `PING` with `PONG`, applies subscribe and
//! unsubscribe messages, and forwards the broadcast messages it subscribed to. A connection
//! that falls more than the broadcast buffer behind is closed (its client reconnects and
//! re-snapshots) rather than silently skipping book updates.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use serde_json::Value;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;

use super::feed::book_message;
use super::{MarketMessage, Shared, UserMessage, WsControl};

pub(super) async fn market(
    State(shared): State<Arc<Shared>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade.on_upgrade(move |socket| {
        let feed = shared.market_tx.subscribe();
        serve(shared, socket, feed, MarketChannel::default())
    })
}

pub(super) async fn user(State(shared): State<Arc<Shared>>, upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(move |socket| {
        let feed = shared.user_tx.subscribe();
        serve(shared, socket, feed, UserChannel::default())
    })
}

/// Asset ids in a subscribe message (`assets_ids`, Polymarket's spelling).
fn ids(message: &Value, field: &str) -> Vec<String> {
    message
        .get(field)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

enum Incoming {
    Ping,
    Json(Value),
    Closed,
    Ignored,
}

fn classify(message: Option<Result<Message, axum::Error>>) -> Incoming {
    match message {
        None | Some(Err(_)) | Some(Ok(Message::Close(_))) => Incoming::Closed,
        Some(Ok(Message::Text(text))) if text.as_str().trim().eq_ignore_ascii_case("ping") => {
            Incoming::Ping
        }
        Some(Ok(Message::Text(text))) => {
            serde_json::from_str(text.as_str()).map_or(Incoming::Ignored, Incoming::Json)
        }
        Some(Ok(_)) => Incoming::Ignored,
    }
}

async fn send(socket: &mut WebSocket, control: &WsControl, text: impl Into<String>) -> bool {
    if control.stalled {
        return true;
    }
    socket.send(Message::Text(text.into().into())).await.is_ok()
}

/// What tells the market and user channels apart; the connection loop is shared.
trait Channel {
    type Message;
    /// Market frames are what the latency probe times orders from.
    const MARKET: bool;
    /// Applies a client message. `Ok` holds frames to send back; `Err` one last frame to send
    /// before the connection is closed.
    fn on_message(&mut self, shared: &Shared, message: &Value) -> Result<Vec<String>, String>;
    /// The frame to forward for a broadcast message, when this connection wants it.
    fn forward<'m>(&self, message: &'m Self::Message) -> Option<&'m str>;
    /// The assets whose book a forwarded frame changes, for the latency probe's
    /// tick-to-decision timing.
    fn assets(_message: &Self::Message) -> &[String] {
        &[]
    }
}

/// One connection: PING/PONG, client messages, broadcasts, and the fault switches (a bumped
/// drop counter closes it, a stall mutes it).
async fn serve<C: Channel>(
    shared: Arc<Shared>,
    mut socket: WebSocket,
    mut feed: broadcast::Receiver<Arc<C::Message>>,
    mut channel: C,
) {
    let mut control_rx = shared.ws_control.subscribe();
    let drops_at_start = control_rx.borrow().drops;
    'connection: loop {
        let control = *control_rx.borrow();
        if control.drops != drops_at_start {
            break;
        }
        tokio::select! {
            biased;
            changed = control_rx.changed() => {
                if changed.is_err() {
                    break;
                }
            }
            incoming = socket.recv() => match classify(incoming) {
                Incoming::Closed => break,
                Incoming::Ignored => {}
                Incoming::Ping => {
                    if !send(&mut socket, &control, "PONG").await {
                        break;
                    }
                }
                Incoming::Json(message) => match channel.on_message(&shared, &message) {
                    Ok(frames) => {
                        for frame in frames {
                            if !send(&mut socket, &control, frame).await {
                                break 'connection;
                            }
                        }
                    }
                    Err(last) => {
                        let _ = send(&mut socket, &control, last).await;
                        break;
                    }
                },
            },
            message = feed.recv() => match message {
                Ok(message) => {
                    if let Some(frame) = channel.forward(&message) {
                        if !send(&mut socket, &control, frame).await {
                            break;
                        }
                        if C::MARKET && let Some(probe) = &shared.latency_probe {
                            probe.market_frame_sent(C::assets(&message));
                        }
                    }
                }
                // Too far behind to keep a correct book: close, the client re-snapshots.
                Err(RecvError::Lagged(_)) | Err(RecvError::Closed) => break,
            },
        }
    }
    let _ = socket.send(Message::Close(None)).await;
}

/// Subscribed assets, each with the sequence number its snapshot was taken at: broadcast
/// messages still queued from before the snapshot are already in it and are not forwarded
/// (applied after it, they would roll the client's book back).
#[derive(Default)]
struct MarketChannel {
    assets: HashMap<String, u64>,
    custom: bool,
}

impl Channel for MarketChannel {
    type Message = MarketMessage;
    const MARKET: bool = true;

    fn on_message(&mut self, shared: &Shared, message: &Value) -> Result<Vec<String>, String> {
        let requested = ids(message, "assets_ids");
        if let Some(flag) = message
            .get("custom_feature_enabled")
            .and_then(Value::as_bool)
        {
            self.custom = flag;
        }
        if message.get("operation").and_then(Value::as_str) == Some("unsubscribe") {
            for id in &requested {
                self.assets.remove(id);
            }
            return Ok(Vec::new());
        }
        let dump = message
            .get("initial_dump")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let sim = shared.lock();
        let now = sim.now_ms();
        let as_of = shared.market_seq.load(std::sync::atomic::Ordering::Relaxed);
        let snapshots: Vec<String> = requested
            .iter()
            .filter(|id| match self.assets.entry((*id).clone()) {
                // Already subscribed: keep its place in the stream, no second snapshot.
                Entry::Occupied(_) => false,
                Entry::Vacant(slot) => {
                    slot.insert(as_of);
                    dump
                }
            })
            .filter_map(|id| {
                sim.world
                    .exchange
                    .token(id)
                    .map(|(m, o)| book_message(m, o, now))
            })
            .collect();
        Ok(if snapshots.is_empty() {
            Vec::new()
        } else {
            vec![format!("[{}]", snapshots.join(","))]
        })
    }

    fn forward<'m>(&self, message: &'m MarketMessage) -> Option<&'m str> {
        let wanted = (!message.custom || self.custom)
            && message
                .assets
                .iter()
                .any(|a| self.assets.get(a).is_some_and(|since| message.seq > *since));
        wanted.then_some(message.json.as_ref())
    }

    fn assets(message: &MarketMessage) -> &[String] {
        // Custom-feature frames (best_bid_ask, new_market, market_resolved) leave the book as
        // it is: a bot has nothing new to decide on.
        if message.custom { &[] } else { &message.assets }
    }
}

#[derive(Default)]
struct UserChannel {
    /// The funder addresses of the authenticated key; `None` until the first message.
    funders: Option<Vec<String>>,
    scope: UserScope,
}

/// Which of the key's events a user connection gets, as production decides from the first
/// message's `markets` (PROTOCOL.md §13.6).
#[derive(Debug, Default, PartialEq, Eq)]
enum UserScope {
    /// `markets` left out: every market's order and trade events.
    #[default]
    Every,
    /// `"markets": []`: order events of every market, but no trade events.
    OrdersOnly,
    /// Condition ids: those markets' order and trade events.
    Markets(HashSet<String>),
}

impl Channel for UserChannel {
    type Message = UserMessage;
    const MARKET: bool = false;

    fn on_message(&mut self, shared: &Shared, message: &Value) -> Result<Vec<String>, String> {
        let first = self.funders.is_none();
        if first {
            let found = authenticate(shared, message)
                .ok_or_else(|| r#"{"error":"Unauthorized/Invalid api key"}"#.to_owned())?;
            self.funders = Some(found);
        }
        let listed = message.get("markets").is_some();
        let requested = ids(message, "markets");
        let unsubscribe = message.get("operation").and_then(Value::as_str) == Some("unsubscribe");
        match &mut self.scope {
            UserScope::Markets(markets) if unsubscribe => {
                for m in &requested {
                    markets.remove(m);
                }
            }
            _ if unsubscribe => {}
            _ if first && listed && requested.is_empty() => self.scope = UserScope::OrdersOnly,
            _ if first && !listed => self.scope = UserScope::Every,
            UserScope::Markets(markets) => markets.extend(requested),
            // Naming markets narrows "orders only" to them, trades included; "every market"
            // already holds them.
            UserScope::OrdersOnly if !requested.is_empty() => {
                self.scope = UserScope::Markets(requested.into_iter().collect());
            }
            UserScope::Every if first => {
                self.scope = UserScope::Markets(requested.into_iter().collect());
            }
            UserScope::OrdersOnly | UserScope::Every => {}
        }
        Ok(Vec::new())
    }

    fn forward<'m>(&self, message: &'m UserMessage) -> Option<&'m str> {
        let funders = self.funders.as_ref()?;
        let mine = message.owners.iter().any(|o| funders.contains(o));
        let wanted = match &self.scope {
            UserScope::Every => true,
            UserScope::OrdersOnly => !message.trade,
            UserScope::Markets(markets) => markets.contains(&message.condition_id),
        };
        (mine && wanted).then_some(message.json.as_ref())
    }
}

/// The user channel authenticates with the API credentials in its first message.
fn authenticate(shared: &Shared, message: &Value) -> Option<Vec<String>> {
    let auth = message.get("auth")?;
    let field = |name: &str| auth.get(name).and_then(Value::as_str);
    let sim = shared.lock();
    let key = sim.keys.get(field("apiKey")?)?.clone();
    (field("secret")? == key.secret && field("passphrase")? == key.passphrase)
        .then(|| super::orders::funders_for_key(&sim, &key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(seq: u64, asset: &str) -> MarketMessage {
        MarketMessage {
            seq,
            assets: vec![asset.to_owned()],
            custom: false,
            json: Arc::from(format!(r#"{{"seq":{seq}}}"#)),
        }
    }

    #[test]
    fn messages_already_in_a_snapshot_are_not_forwarded_after_it() {
        let mut channel = MarketChannel::default();
        // Subscribed when the stream stood at 5: messages 1..=5 are in its snapshot.
        channel.assets.insert("yes".into(), 5);
        assert_eq!(channel.forward(&message(5, "yes")), None);
        assert_eq!(channel.forward(&message(6, "yes")), Some(r#"{"seq":6}"#));
        assert_eq!(channel.forward(&message(7, "no")), None, "not subscribed");
    }
}
