//! The market WebSocket: one shared pool of connections for every bot.
//!
//! Invariants:
//! - at most [`MarketFeedConfig::max_assets_per_connection`] (200) assets per connection;
//!   a new connection opens when all are full;
//! - one actor task owns each connection and the books of its assets; consumers hold cheap
//!   handles ([`AssetFeed`]) with a `watch` of the asset's [`BookState`];
//! - a book is only ever presented as usable ([`BookState::live_book`]) when its connection
//!   is [`FeedHealth::Live`] *and* a snapshot arrived since the last (re)connect, so no
//!   consumer can act on a stale book;
//! - a connection that is silent (no frame at all, not even `PONG`) for `stale_after` is
//!   marked [`FeedHealth::Stale`]; silent for `reconnect_after`, or closed, it reconnects
//!   with backoff and jitter, re-subscribes and waits for fresh snapshots;
//! - when the server's stated top of book disagrees with ours (an update was lost), the
//!   asset's book is withdrawn and re-snapshotted by unsubscribing and subscribing again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use crate::book::{LocalBook, for_each_message};
use crate::rate::{Backoff, JitterRng};

/// How usable a feed is right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedHealth {
    /// Connected, frames arriving, snapshot in hand.
    Live,
    /// Connected but silent for longer than `stale_after`: do not trust the book.
    Stale,
    /// Not connected (first connect, or after a drop) or waiting for the snapshot.
    Reconnecting,
}

/// The state of one asset's book as its consumer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookState {
    pub health: FeedHealth,
    pub book: LocalBook,
    /// Bumped on every change, so consumers can tell updates apart.
    pub version: u64,
    /// Set once the market resolved (`market_resolved`): nothing trades any more.
    pub resolution: Option<Resolution>,
}

/// How a market resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub winning_asset_id: String,
    /// The winning outcome's name (`Yes`), as the market names it.
    pub winning_outcome: String,
}

impl BookState {
    /// The book, only if it can be acted on.
    pub fn live_book(&self) -> Option<&LocalBook> {
        (self.health == FeedHealth::Live && self.book.has_snapshot).then_some(&self.book)
    }
}

/// Settings of the market feed.
#[derive(Debug, Clone)]
pub struct MarketFeedConfig {
    pub url: String,
    pub max_assets_per_connection: usize,
    /// Text `PING` interval; the server answers `PONG`.
    pub ping_every: Duration,
    /// Silence after which a connection is `Stale`.
    pub stale_after: Duration,
    /// Silence after which a connection is dropped and reopened.
    pub reconnect_after: Duration,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    pub jitter_seed: Option<u64>,
}

impl MarketFeedConfig {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_assets_per_connection: 200,
            ping_every: Duration::from_secs(10),
            stale_after: Duration::from_secs(15),
            reconnect_after: Duration::from_secs(30),
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            jitter_seed: None,
        }
    }
}

enum Command {
    Subscribe {
        asset: String,
        state: watch::Sender<BookState>,
    },
    Unsubscribe {
        asset: String,
    },
}

/// A connection as the pool sees it.
#[derive(Debug)]
struct ConnectionSlot {
    commands: mpsc::UnboundedSender<Command>,
    assets: usize,
    health: watch::Receiver<FeedHealth>,
    stats: Arc<Mutex<ConnectionStats>>,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Command::Subscribe { asset, .. } => write!(f, "Subscribe({asset})"),
            Command::Unsubscribe { asset } => write!(f, "Unsubscribe({asset})"),
        }
    }
}

/// Counters of one connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConnectionStats {
    pub connects: u64,
    pub frames: u64,
    pub parse_errors: u64,
    /// Assets re-snapshotted after a suspected gap.
    pub resnapshots: u64,
}

#[derive(Debug)]
struct PoolInner {
    config: MarketFeedConfig,
    connections: Vec<ConnectionSlot>,
    /// asset -> (connection index, shared state sender, subscriber count)
    assets: HashMap<String, (usize, watch::Sender<BookState>, usize)>,
    rng: JitterRng,
}

/// The shared market feed. Cheap to clone; every clone is the same pool.
#[derive(Debug, Clone)]
pub struct MarketFeed {
    inner: Arc<Mutex<PoolInner>>,
}

/// One consumer's subscription to an asset. Dropping it unsubscribes (when it is the
/// asset's last subscriber).
#[derive(Debug)]
pub struct AssetFeed {
    pub asset: String,
    pub state: watch::Receiver<BookState>,
    pool: MarketFeed,
}

impl Drop for AssetFeed {
    fn drop(&mut self) {
        self.pool.release(&self.asset);
    }
}

impl MarketFeed {
    /// Must be called inside a tokio runtime: connections are spawned on first use.
    pub fn new(config: MarketFeedConfig) -> Self {
        let rng = config
            .jitter_seed
            .map_or_else(JitterRng::from_entropy, JitterRng::new);
        Self {
            inner: Arc::new(Mutex::new(PoolInner {
                config,
                connections: Vec::new(),
                assets: HashMap::new(),
                rng,
            })),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PoolInner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Subscribes to an asset's book; shares the book with other subscribers of it.
    pub fn subscribe(&self, asset: &str) -> AssetFeed {
        let mut pool = self.lock();
        if let Some((_, sender, count)) = pool.assets.get_mut(asset) {
            *count += 1;
            let state = sender.subscribe();
            return AssetFeed {
                asset: asset.to_owned(),
                state,
                pool: self.clone(),
            };
        }
        let max = pool.config.max_assets_per_connection.max(1);
        let index = match pool.connections.iter().position(|c| c.assets < max) {
            Some(index) => index,
            None => {
                let seed = pool.rng.next_u64();
                let slot = spawn_connection(pool.config.clone(), seed);
                pool.connections.push(slot);
                pool.connections.len() - 1
            }
        };
        let (sender, state) = watch::channel(BookState {
            health: FeedHealth::Reconnecting,
            book: LocalBook::default(),
            version: 0,
            resolution: None,
        });
        pool.connections[index].assets += 1;
        let _ = pool.connections[index].commands.send(Command::Subscribe {
            asset: asset.to_owned(),
            state: sender.clone(),
        });
        pool.assets.insert(asset.to_owned(), (index, sender, 1));
        AssetFeed {
            asset: asset.to_owned(),
            state,
            pool: self.clone(),
        }
    }

    fn release(&self, asset: &str) {
        let mut pool = self.lock();
        let Some((index, _, count)) = pool.assets.get_mut(asset) else {
            return;
        };
        *count -= 1;
        if *count > 0 {
            return;
        }
        let index = *index;
        pool.assets.remove(asset);
        if let Some(slot) = pool.connections.get_mut(index) {
            slot.assets = slot.assets.saturating_sub(1);
            let _ = slot.commands.send(Command::Unsubscribe {
                asset: asset.to_owned(),
            });
        }
    }

    /// Number of open (or opening) connections.
    pub fn connection_count(&self) -> usize {
        self.lock().connections.len()
    }

    /// Health of every connection, in creation order.
    pub fn health(&self) -> Vec<watch::Receiver<FeedHealth>> {
        self.lock()
            .connections
            .iter()
            .map(|c| c.health.clone())
            .collect()
    }

    /// Counters of every connection, in creation order.
    pub fn stats(&self) -> Vec<ConnectionStats> {
        self.lock()
            .connections
            .iter()
            .map(|c| {
                *c.stats
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
            })
            .collect()
    }
}

fn spawn_connection(config: MarketFeedConfig, seed: u64) -> ConnectionSlot {
    let (commands, receiver) = mpsc::unbounded_channel();
    let (health_tx, health) = watch::channel(FeedHealth::Reconnecting);
    let stats = Arc::new(Mutex::new(ConnectionStats::default()));
    let actor = Connection {
        backoff: Backoff::new(
            config.backoff_base,
            config.backoff_max,
            JitterRng::new(seed),
        ),
        config,
        commands: receiver,
        health: health_tx,
        assets: HashMap::new(),
        stats: stats.clone(),
    };
    tokio::spawn(actor.run());
    ConnectionSlot {
        commands,
        assets: 0,
        health,
        stats,
    }
}

/// The actor owning one socket and the books of its assets.
struct Connection {
    config: MarketFeedConfig,
    commands: mpsc::UnboundedReceiver<Command>,
    health: watch::Sender<FeedHealth>,
    assets: HashMap<String, watch::Sender<BookState>>,
    backoff: Backoff,
    stats: Arc<Mutex<ConnectionStats>>,
}

/// Why a session ended.
enum SessionEnd {
    /// Every handle is gone: stop the actor.
    Shutdown,
    Reconnect,
}

impl Connection {
    fn set_health(&self, health: FeedHealth) {
        self.health.send_if_modified(|h| {
            let changed = *h != health;
            *h = health;
            changed
        });
        for state in self.assets.values() {
            state.send_if_modified(|s| {
                if s.health == health {
                    return false;
                }
                s.health = health;
                if health == FeedHealth::Reconnecting {
                    // The next snapshot rebuilds the book; until then there is none.
                    s.book.clear();
                }
                s.version += 1;
                true
            });
        }
    }

    fn stat(&self, f: impl FnOnce(&mut ConnectionStats)) {
        f(&mut self
            .stats
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner));
    }

    async fn run(mut self) {
        loop {
            self.set_health(FeedHealth::Reconnecting);
            // Wait for work before the first connect: an empty connection is useless.
            if self.assets.is_empty() && !self.wait_for_assets().await {
                return;
            }
            // Nagle off: subscriptions and PINGs are small and must not wait for an ACK.
            match tokio_tungstenite::connect_async_with_config(self.config.url.as_str(), None, true)
                .await
            {
                Ok((socket, _)) => {
                    self.stat(|s| s.connects += 1);
                    match self.session(socket).await {
                        SessionEnd::Shutdown => return,
                        SessionEnd::Reconnect => {}
                    }
                }
                Err(error) => {
                    tracing::debug!(%error, url = %self.config.url, "market feed connect failed");
                }
            }
            self.set_health(FeedHealth::Reconnecting);
            let delay = self.backoff.next_delay();
            // Keep taking (un)subscriptions while waiting to reconnect.
            let wake = tokio::time::sleep(delay);
            tokio::pin!(wake);
            loop {
                tokio::select! {
                    () = &mut wake => break,
                    command = self.commands.recv() => match command {
                        Some(command) => self.note(command),
                        None => return,
                    },
                }
            }
        }
    }

    /// Applies a command to the asset set (without telling a server).
    fn note(&mut self, command: Command) {
        match command {
            Command::Subscribe { asset, state } => {
                self.assets.insert(asset, state);
            }
            Command::Unsubscribe { asset } => {
                self.assets.remove(&asset);
            }
        }
    }

    async fn wait_for_assets(&mut self) -> bool {
        while self.assets.is_empty() {
            match self.commands.recv().await {
                Some(command) => self.note(command),
                None => return false,
            }
        }
        true
    }

    async fn session(
        &mut self,
        socket: tokio_tungstenite::WebSocketStream<
            tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
        >,
    ) -> SessionEnd {
        let (mut sink, mut stream) = socket.split();
        let ids: Vec<&String> = self.assets.keys().collect();
        let hello = serde_json::json!({
            "type": "market",
            "assets_ids": ids,
            "custom_feature_enabled": true,
            "initial_dump": true,
        })
        .to_string();
        if sink.send(Message::Text(hello.into())).await.is_err() {
            return SessionEnd::Reconnect;
        }
        let mut last_frame = Instant::now();
        let mut ping = tokio::time::interval(self.config.ping_every);
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Staleness is checked more often than pings so that it is noticed promptly.
        let mut check =
            tokio::time::interval((self.config.stale_after / 4).max(Duration::from_millis(10)));
        check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                command = self.commands.recv() => {
                    let Some(command) = command else { return SessionEnd::Shutdown };
                    let text = match &command {
                        Command::Subscribe { asset, .. } => serde_json::json!({
                            "assets_ids": [asset], "operation": "subscribe",
                            "custom_feature_enabled": true, "initial_dump": true,
                        }),
                        Command::Unsubscribe { asset } => serde_json::json!({
                            "assets_ids": [asset], "operation": "unsubscribe",
                        }),
                    }
                    .to_string();
                    if let Command::Subscribe { state, .. } = &command {
                        // A late subscriber waits for its own snapshot.
                        state.send_modify(|s| {
                            s.health = *self.health.borrow();
                            s.version += 1;
                        });
                    }
                    self.note(command);
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        return SessionEnd::Reconnect;
                    }
                }
                frame = stream.next() => {
                    let text = match frame {
                        Some(Ok(Message::Text(text))) => text,
                        Some(Ok(Message::Ping(payload))) => {
                            last_frame = Instant::now();
                            let _ = sink.send(Message::Pong(payload)).await;
                            continue;
                        }
                        Some(Ok(Message::Close(_))) | Some(Err(_)) | None => {
                            return SessionEnd::Reconnect;
                        }
                        Some(Ok(_)) => {
                            last_frame = Instant::now();
                            continue;
                        }
                    };
                    last_frame = Instant::now();
                    self.stat(|s| s.frames += 1);
                    // Back from silence: updates may have been lost, so start over with
                    // fresh snapshots rather than trust the book.
                    if *self.health.borrow() == FeedHealth::Stale {
                        return SessionEnd::Reconnect;
                    }
                    if *self.health.borrow() != FeedHealth::Live {
                        self.backoff.reset();
                        self.set_health(FeedHealth::Live);
                    }
                    // A suspected gap: unsubscribe and subscribe again, which makes the
                    // server send a fresh snapshot of that asset.
                    for asset in self.apply(text.as_str()) {
                        self.stat(|s| s.resnapshots += 1);
                        for operation in ["unsubscribe", "subscribe"] {
                            let text = serde_json::json!({
                                "assets_ids": [asset], "operation": operation,
                                "custom_feature_enabled": true, "initial_dump": true,
                            })
                            .to_string();
                            if sink.send(Message::Text(text.into())).await.is_err() {
                                return SessionEnd::Reconnect;
                            }
                        }
                    }
                }
                _ = ping.tick() => {
                    if sink.send(Message::Text("PING".into())).await.is_err() {
                        return SessionEnd::Reconnect;
                    }
                }
                _ = check.tick() => {
                    let silent = last_frame.elapsed();
                    if silent >= self.config.reconnect_after {
                        tracing::info!(?silent, "market feed silent; reconnecting");
                        return SessionEnd::Reconnect;
                    }
                    if silent >= self.config.stale_after {
                        self.set_health(FeedHealth::Stale);
                    }
                }
            }
        }
    }

    fn apply(&mut self, text: &str) -> Vec<String> {
        let assets = &self.assets;
        let mut failures = 0u64;
        let mut gaps: Vec<String> = Vec::new();
        let parsed = for_each_message(text, |message| {
            // Route by asset: a price_change may carry both tokens of a market.
            let mut targets: [Option<&str>; 2] = [message.asset_id, None];
            let mut extra: Vec<&str> = Vec::new();
            if message.event_type == "market_resolved" {
                // Both outcomes hear it: the resolution names the market, not one asset.
                extra.extend(message.assets_ids.iter().flatten().copied());
            }
            if let Some(changes) = &message.price_changes {
                for change in changes {
                    let id = Some(change.asset_id);
                    if targets[0] == id || targets[1] == id || extra.contains(&change.asset_id) {
                        continue;
                    }
                    if targets[0].is_none() {
                        targets[0] = id;
                    } else if targets[1].is_none() {
                        targets[1] = id;
                    } else {
                        extra.push(change.asset_id);
                    }
                }
            }
            for asset in targets.into_iter().flatten().chain(extra) {
                let Some(state) = assets.get(asset) else {
                    continue;
                };
                if let (Some(winner), "market_resolved") =
                    (message.winning_asset_id, message.event_type)
                {
                    state.send_if_modified(|s| {
                        let resolution = Some(Resolution {
                            winning_asset_id: winner.to_owned(),
                            winning_outcome: message.winning_outcome.unwrap_or(winner).to_owned(),
                        });
                        let changed = s.resolution != resolution;
                        s.resolution = resolution;
                        s.version += u64::from(changed);
                        changed
                    });
                    continue;
                }
                state.send_if_modified(|s| match s.book.apply(asset, message) {
                    Ok(applied) if applied.gap_suspected => {
                        // Unusable until the fresh snapshot asked for below arrives.
                        s.book.clear();
                        s.version += 1;
                        if !gaps.iter().any(|g| g == asset) {
                            gaps.push(asset.to_owned());
                        }
                        true
                    }
                    Ok(applied) if applied.any() => {
                        s.version += 1;
                        true
                    }
                    Ok(_) => false,
                    Err(error) => {
                        failures += 1;
                        tracing::warn!(%error, asset, "market feed message not applied");
                        false
                    }
                });
            }
        });
        if let Err(error) = parsed {
            failures += 1;
            tracing::warn!(%error, "unreadable market feed frame");
        }
        if failures > 0 {
            self.stat(|s| s.parse_errors += failures);
        }
        gaps
    }
}
