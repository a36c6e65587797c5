//! The market and user WebSockets.
//!
//! Each connection is one task: it answers `PING` with `PONG`, applies subscribe and
//! unsubscribe messages, and forwards the broadcast messages it subscribed to. A connection
//! that falls more than the broadcast buffer behind is closed (its client reconnects and
//! re-snapshots) rather than silently skipping book updates.

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;

use super::feed::book_message;
use super::{Shared, WsControl};

pub(super) async fn market(
    State(shared): State<Arc<Shared>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade.on_upgrade(move |socket| run_market(shared, socket))
}

pub(super) async fn user(State(shared): State<Arc<Shared>>, upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(move |socket| run_user(shared, socket))
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

async fn run_market(shared: Arc<Shared>, mut socket: WebSocket) {
    let mut feed = shared.market_tx.subscribe();
    let mut control_rx = shared.ws_control.subscribe();
    let drops_at_start = control_rx.borrow().drops;
    let mut assets: HashSet<String> = HashSet::new();
    let mut custom = false;
    loop {
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
                Incoming::Json(message) => {
                    let requested = ids(&message, "assets_ids");
                    let unsubscribe = message.get("operation").and_then(Value::as_str) == Some("unsubscribe");
                    if let Some(flag) = message.get("custom_feature_enabled").and_then(Value::as_bool) {
                        custom = flag;
                    }
                    if unsubscribe {
                        for id in &requested {
                            assets.remove(id);
                        }
                        continue;
                    }
                    let dump = message.get("initial_dump").and_then(Value::as_bool).unwrap_or(true);
                    let snapshots: Vec<String> = {
                        let sim = shared.lock();
                        let now = sim.now_ms();
                        requested
                            .iter()
                            .filter(|id| assets.insert((*id).clone()) && dump)
                            .filter_map(|id| sim.world.exchange.token(id).map(|(m, o)| book_message(m, o, now)))
                            .collect()
                    };
                    if !snapshots.is_empty() && !send(&mut socket, &control, format!("[{}]", snapshots.join(","))).await {
                        break;
                    }
                }
            },
            message = feed.recv() => match message {
                Ok(message) => {
                    if (!message.custom || custom) && message.assets.iter().any(|a| assets.contains(a))
                        && !send(&mut socket, &control, message.json.as_ref()).await
                    {
                        break;
                    }
                }
                // Too far behind to keep a correct book: close, the client re-snapshots.
                Err(RecvError::Lagged(_)) | Err(RecvError::Closed) => break,
            },
        }
    }
    let _ = socket.send(Message::Close(None)).await;
}

async fn run_user(shared: Arc<Shared>, mut socket: WebSocket) {
    let mut feed = shared.user_tx.subscribe();
    let mut control_rx = shared.ws_control.subscribe();
    let drops_at_start = control_rx.borrow().drops;
    let mut funders: Option<Vec<String>> = None;
    let mut markets: HashSet<String> = HashSet::new();
    loop {
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
                Incoming::Json(message) => {
                    if funders.is_none() {
                        let Some(found) = authenticate(&shared, &message) else {
                            let _ = send(&mut socket, &control, r#"{"error":"Unauthorized/Invalid api key"}"#).await;
                            break;
                        };
                        funders = Some(found);
                    }
                    let requested = ids(&message, "markets");
                    if message.get("operation").and_then(Value::as_str) == Some("unsubscribe") {
                        for m in &requested {
                            markets.remove(m);
                        }
                    } else {
                        markets.extend(requested);
                    }
                }
            },
            message = feed.recv() => match message {
                Ok(message) => {
                    let Some(funders) = &funders else { continue };
                    let mine = message.owners.iter().any(|o| funders.contains(o));
                    let wanted = markets.is_empty() || markets.contains(&message.condition_id);
                    if mine && wanted && !send(&mut socket, &control, message.json.as_ref()).await {
                        break;
                    }
                }
                Err(RecvError::Lagged(_)) | Err(RecvError::Closed) => break,
            },
        }
    }
    let _ = socket.send(Message::Close(None)).await;
}

/// The user channel authenticates with the API credentials in its first message.
fn authenticate(shared: &Shared, message: &Value) -> Option<Vec<String>> {
    let auth = message.get("auth")?;
    let field = |name: &str| auth.get(name).and_then(Value::as_str);
    let sim = shared.lock();
    let key = sim.keys.get(field("apiKey")?)?.clone();
    (field("secret")? == key.secret && field("passphrase")? == key.passphrase)
        .then(|| super::http::funders_for_key(&sim, &key))
}
