//! The PolyAgent runtime: the one API that both the desktop shell and the headless `polyagent`
//! command call.
//!
//! Invariants:
//! - nothing here imports Tauri; the shell is a thin adapter that turns these calls into Tauri
//!   commands and [`RuntimeEvent`]s into typed webview events;
//! - every error that leaves the runtime is an [`ApiError`] with a stable [`ErrorCode`]; the UI
//!   decides what to show from the code, never from the message text;
//! - events are broadcast: a slow subscriber (a webview that fell behind) loses old events and
//!   never slows the producer.

mod api_error;
mod app_info;
pub mod bots;
mod events;
mod live;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use polyagent_engine::bot::{BotEngine, Lifecycle};
use polyagent_engine::config::BotSpec;
use polyagent_engine::risk::{GlobalView, Killswitch};
use polyagent_venue::market_ws::{MarketFeed, MarketFeedConfig};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

pub use bots::{
    BotActivity, BotFill, BotHandle, BotPrice, BotSummary, Clock, Execution, FeedState, SystemClock,
};
pub use live::LiveMarket;

pub use api_error::{ApiError, ErrorCode};
pub use app_info::{AppInfo, BuildProfile, VERSION};
pub use events::{Heartbeat, RuntimeEvent};

/// How the runtime is started. Tests shorten the heartbeat; the app uses the default.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// Interval between [`Heartbeat`] events; the UI shows the backend as alive while they come.
    pub heartbeat_interval: Duration,
    /// The market WebSocket bots read prices from (Polymarket's, or the local simulator's).
    pub market_ws_url: String,
    /// Silence after which a market feed counts as stale.
    pub feed_stale_after: Duration,
    /// The clock bots judge time by (cooldowns, hold times, days).
    pub clock: Arc<dyn Clock>,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            heartbeat_interval: Duration::from_secs(1),
            market_ws_url: "wss://ws-subscriptions-clob.polymarket.com/ws/market".to_owned(),
            feed_stale_after: Duration::from_secs(15),
            clock: Arc::new(SystemClock),
        }
    }
}

/// Events buffered per subscriber before the oldest are dropped for that subscriber.
const EVENT_BUFFER: usize = 1024;

/// A running runtime. Cheap to clone; every clone talks to the same tasks.
#[derive(Debug, Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: RuntimeConfig,
    events: broadcast::Sender<RuntimeEvent>,
    heartbeat: JoinHandle<()>,
    /// Shared by every bot: one connection pool, one local book per token.
    feed: Mutex<Option<MarketFeed>>,
    bots: Mutex<BTreeMap<String, BotHandle>>,
    /// Every wallet live bots trade through: the killswitch cancels all their orders.
    live_clients: Mutex<Vec<Arc<polyagent_venue::client::AuthedClient>>>,
    global: watch::Sender<GlobalView>,
    next_bot: std::sync::atomic::AtomicU64,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.heartbeat.abort();
    }
}

impl Runtime {
    /// Starts the runtime's background tasks on the current Tokio runtime.
    ///
    /// # Panics
    /// When called outside a Tokio runtime.
    pub fn start(config: RuntimeConfig) -> Self {
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let heartbeat = tokio::spawn(events::run_heartbeat(
            events.clone(),
            config.heartbeat_interval,
        ));
        let (global, _) = watch::channel(GlobalView::default());
        Self {
            inner: Arc::new(Inner {
                config,
                events,
                heartbeat,
                feed: Mutex::new(None),
                bots: Mutex::new(BTreeMap::new()),
                live_clients: Mutex::new(Vec::new()),
                global,
                next_bot: std::sync::atomic::AtomicU64::new(1),
            }),
        }
    }

    /// What the app is and how it was built.
    pub fn app_info(&self) -> AppInfo {
        AppInfo::current()
    }

    /// A new subscription to every event emitted from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<RuntimeEvent> {
        self.inner.events.subscribe()
    }

    fn feed(&self) -> MarketFeed {
        let mut feed = self
            .inner
            .feed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        feed.get_or_insert_with(|| {
            let mut config = MarketFeedConfig::new(self.inner.config.market_ws_url.clone());
            config.stale_after = self.inner.config.feed_stale_after;
            MarketFeed::new(config)
        })
        .clone()
    }

    fn bots(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, BotHandle>> {
        self.inner
            .bots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Creates a bot from a spec (the wizard's JSON), trading on paper or live. It starts stopped.
    ///
    /// # Errors
    /// `INVALID_CONFIG` with every problem named when the spec does not validate.
    pub fn create_bot(&self, spec: &BotSpec, execution: Execution) -> Result<BotSummary, ApiError> {
        let config = spec
            .resolve()
            .map_err(|e| ApiError::new(ErrorCode::InvalidConfig, e.to_string()))?;
        let engine = BotEngine::new(config.clone())
            .map_err(|e| ApiError::new(ErrorCode::InvalidConfig, e.to_string()))?;
        let number = self
            .inner
            .next_bot
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let id = format!("bot-{number:04}");
        let feed = self.feed().subscribe(&config.token_id);
        let context = bots::BotContext {
            id: id.clone(),
            events: self.inner.events.clone(),
            global: self.inner.global.subscribe(),
            clock: self.inner.config.clock.clone(),
        };
        if let Execution::Live(market) = &execution {
            let mut clients = self
                .inner
                .live_clients
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if !clients.iter().any(|c| Arc::ptr_eq(c, &market.client)) {
                clients.push(market.client.clone());
            }
        }
        let handle = bots::spawn(engine, execution, feed, context);
        let summary = handle.summary();
        self.bots().insert(id, handle);
        let _ = self
            .inner
            .events
            .send(RuntimeEvent::BotStatus(Box::new(summary.clone())));
        Ok(summary)
    }

    /// Every bot, by id.
    pub fn list_bots(&self) -> Vec<BotSummary> {
        self.bots().values().map(BotHandle::summary).collect()
    }

    /// One bot's handle (status, figures, a `watch` of them).
    ///
    /// # Errors
    /// `BOT_NOT_FOUND`.
    pub fn bot(&self, id: &str) -> Result<BotHandle, ApiError> {
        self.bots()
            .get(id)
            .cloned()
            .ok_or_else(|| ApiError::new(ErrorCode::BotNotFound, format!("no bot with id {id}")))
    }

    pub async fn start_bot(&self, id: &str) -> Result<(), ApiError> {
        self.bot(id)?.command(Lifecycle::Start).await
    }

    pub async fn stop_bot(&self, id: &str) -> Result<(), ApiError> {
        self.bot(id)?.command(Lifecycle::Stop).await
    }

    pub async fn pause_bot(&self, id: &str) -> Result<(), ApiError> {
        self.bot(id)?.command(Lifecycle::Pause).await
    }

    pub async fn resume_bot(&self, id: &str) -> Result<(), ApiError> {
        self.bot(id)?.command(Lifecycle::Resume).await
    }

    /// Stops and forgets a bot.
    pub async fn delete_bot(&self, id: &str) -> Result<(), ApiError> {
        let handle = self.bot(id)?;
        handle.shutdown().await;
        self.bots().remove(id);
        Ok(())
    }

    /// Trips the killswitch: no bot places another order, every running or paused bot is
    /// stopped, and every open order of every live wallet is cancelled. `reason` is shown to
    /// the user. Returns the ids of the cancelled orders.
    ///
    /// # Errors
    /// `VENUE_UNAVAILABLE` when a wallet's cancel-all could not be confirmed; the bots are
    /// stopped regardless.
    pub async fn trip_killswitch(&self, reason: &str) -> Result<Vec<String>, ApiError> {
        let at = self.inner.config.clock.now();
        self.inner.global.send_modify(|g| {
            g.killswitch = Killswitch::Tripped {
                reason: reason.to_owned(),
                at,
            }
        });
        let handles: Vec<BotHandle> = self.bots().values().cloned().collect();
        for handle in handles {
            // Stop is refused by bots that are already stopped or never started: fine.
            let _ = handle.command(Lifecycle::Stop).await;
        }
        let clients: Vec<_> = self
            .inner
            .live_clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let mut cancelled = Vec::new();
        let mut failures = Vec::new();
        for client in clients {
            match client.cancel_all().await {
                Ok(outcome) => cancelled.extend(outcome.canceled),
                Err(error) => failures.push(error.to_string()),
            }
        }
        if failures.is_empty() {
            Ok(cancelled)
        } else {
            Err(ApiError::new(
                ErrorCode::VenueUnavailable,
                format!(
                    "bots are stopped, but open orders could not all be cancelled: {}",
                    failures.join("; ")
                ),
            ))
        }
    }

    /// Re-arms the killswitch; stopped bots stay stopped until started.
    pub fn arm_killswitch(&self) {
        self.inner
            .global
            .send_modify(|g| g.killswitch = Killswitch::Armed);
    }

    pub fn killswitch_tripped(&self) -> bool {
        self.inner.global.borrow().killswitch.is_tripped()
    }
}
