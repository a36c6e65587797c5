//! The PolyAgent runtime: the one API that both the desktop shell and the headless `polyagent`
//! command call.
//!
//! Invariants:
//! - nothing here imports Tauri; the shell is a thin adapter that turns these calls into Tauri
//!   commands and [`RuntimeEvent`]s into typed webview events;
//! - every error that leaves the runtime is an [`ApiError`] with a stable [`ErrorCode`]; the UI
//!   decides what to show from the code, never from the message text;
//! - events are broadcast: a slow subscriber (a webview that fell behind) loses old events and
//!   never slows the producer;
//! - all state that matters lives in one data folder (the SQLite store and the key vault);
//!   [`Runtime::open`] restores every bot from it, reconciles every order whose outcome was
//!   not known when the app last stopped, and restarts the bots that were running.

mod api_error;
mod app_info;
mod arming;
mod backtests;
mod backup;
pub mod bots;
mod catalog;
pub mod control_socket;
mod demo;
mod events;
mod exchange_target;
mod history;
mod key_guard;
mod killswitch;
mod live;
mod live_gate;
pub mod log_filter;
mod markets;
pub mod notices;
mod outcome;
mod passphrase_policy;
mod pauses;
mod persist;
pub mod private_logs;
mod rate_tier;
mod resting;
mod restore;
mod retry;
mod routing;
mod safety;
pub mod secret_input;
mod settings;
mod settlement;
pub mod stepup;
mod summary;
mod vault_lock;
mod wallets;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use polyagent_domain::secret::PrivateKey;
pub use polyagent_domain::secret::SecretString;
use polyagent_domain::text::quoted;
use polyagent_engine::bot::{Lifecycle, ManualOrder};
use polyagent_engine::config::BotSpec;
use polyagent_engine::risk::GlobalView;
use polyagent_store::{ActivityKind, ActivityQuery, Database, StoreError};
use polyagent_vault::VaultConfig;
use polyagent_venue::client::{ClientConfig, PublicClient};
use polyagent_venue::market_ws::{MarketFeed, MarketFeedConfig};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

pub use backtests::{BacktestRequest, BacktestResult, BacktestTrade, SeriesInfo};
pub use backup::{GeneratedWallet, RevealedKey};
pub use bots::{
    BotActivity, BotFill, BotHandle, BotPrice, BotSpike, BotSummary, Clock, Execution, FeedState,
    SystemClock,
};
pub use catalog::{Catalog, FieldInfo, FieldIssue, ProfileInfo, StrategyInfo};
pub use history::TradeRow;
pub use history::{ChartPoint, TimeRange};
pub use killswitch::{SWEEP_DEADLINE, SweepOutcome, TripReport, WalletSweep};
pub use live::{LiveMarket, RETIRED as RETIRED_ARMED_REASON};
pub use markets::{BookSummary, MarketSummary, OutcomeInfo};
pub use notices::{Notice, NoticeKind};
pub use persist::{ExecutionPlan, MarketTerms};
pub use polyagent_vault::PASSPHRASE_ENV_VAR as VAULT_PASSPHRASE_ENV;
pub use polyagent_vault::{Hardening, harden_process};
pub use rate_tier::RateLimitTierView;
pub use safety::{SafetyFault, SafetyProblem, SafetySetting};
pub use settings::{AppSettings, ExchangeChoice, NotificationChoices};
pub use vault_lock::{VaultPrefs, WaitReason};
pub use wallets::WalletBalance;
pub use wallets::{VaultStatus, WalletInfo};

pub use api_error::{ApiError, ErrorCode};
pub use app_info::{AppInfo, BuildProfile, VERSION};
pub use events::{Heartbeat, KillswitchState, RuntimeEvent};
/// The engine's bot configuration types, which cross this API ([`NewBotRequest`], the daily
/// limits), so callers need not depend on the engine.
pub use polyagent_engine::config;

/// The database's file name inside the data folder.
pub const DATABASE_FILE: &str = "polyagent.db";

/// How the runtime is started.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// The app-data folder: the database and the vault live here.
    pub data_dir: PathBuf,
    /// Where the vault is and whether it may use the OS keychain.
    pub vault: VaultConfig,
    /// Unlocks (or, on first run, creates) the vault without asking: headless use and tests
    /// (`POLYAGENT_VAULT_PASSPHRASE`).
    pub vault_passphrase: Option<SecretString>,
    /// Interval between [`Heartbeat`] events; the UI shows the backend as alive while they come.
    pub heartbeat_interval: Duration,
    /// Silence after which a market feed counts as stale.
    pub feed_stale_after: Duration,
    /// The clock bots judge time by (cooldowns, hold times, days).
    pub clock: Arc<dyn Clock>,
    /// Per-request timeout of exchange calls (an order POST past it is reconciled).
    pub request_timeout: Duration,
    /// Request budgets per wallet and overall (well under Polymarket's limits by default).
    pub rate_limits: polyagent_venue::rate::RateLimits,
    /// Lock the vault after the idle minutes its preferences set (see `vault_lock.rs`). Off
    /// where no window can unlock it again (the headless `polyagent`).
    pub auto_lock: bool,
    /// Run the bots. `false` opens the folder to manage it (the CLI's `bot`, `wallet`,
    /// `killswitch` commands): bots are listed and their lifecycle changes are saved for the
    /// next run, but no bot trades in this process.
    pub run_bots: bool,
    /// Live bots sign and journal their next order ahead of its trigger, so the trigger
    /// posts it with no journal write on the way (see `live.rs`). Off, every order is
    /// journaled when it is placed: the tick-to-order bench compares the two.
    pub arm_orders: bool,
    /// How long a killswitch trip waits for the wallets' cancel-alls before it stops the bots
    /// regardless ([`SWEEP_DEADLINE`]).
    pub killswitch_deadline: Duration,
    /// Bench only (`polyagent scale`): each bot reports every decision on a market tick to
    /// the in-process simulator's probe, which times it from the market frame (tick to
    /// decision). `None` everywhere else.
    pub latency_probe: Option<Arc<polyagent_simulator::server::LatencyProbe>>,
    /// Asks the user to confirm the guarded actions ([`stepup`]). The default declines them
    /// all: each shell installs its own (the desktop a native dialog, the CLI
    /// [`stepup::TypedCommand`]).
    pub confirmer: Arc<dyn stepup::Confirmer>,
}

impl RuntimeConfig {
    /// Defaults for a data folder: the OS keychain, one heartbeat a second, the system clock.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        let data_dir = data_dir.into();
        Self {
            vault: VaultConfig::new(&data_dir),
            data_dir,
            vault_passphrase: None,
            heartbeat_interval: Duration::from_secs(1),
            feed_stale_after: Duration::from_secs(15),
            clock: Arc::new(SystemClock),
            request_timeout: Duration::from_secs(10),
            rate_limits: polyagent_venue::rate::RateLimits::default(),
            auto_lock: true,
            run_bots: true,
            arm_orders: true,
            killswitch_deadline: SWEEP_DEADLINE,
            latency_probe: None,
            confirmer: Arc::new(stepup::NobodyToAsk),
        }
    }
}

/// What the wizard and `polyagent bot create` send to create a bot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewBotRequest {
    pub spec: BotSpec,
    pub execution: ExecutionPlan,
    /// Start the bot right after creating it.
    #[serde(default)]
    pub start: bool,
}

/// One line of the activity log as the UI and the CLI show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ActivityLine {
    #[specta(type = u32)]
    pub seq: i64,
    pub bot_id: Option<String>,
    #[specta(type = u32)]
    pub at_ms: i64,
    /// `order`, `fill`, `spike`, `risk`, `error` or `system`.
    pub kind: String,
    pub message: String,
}

/// Where a page of the activity log ended: its oldest line's time and number. Passed back, it
/// reads the lines older than that line (the log is ordered by time, then number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ActivityCursor {
    #[specta(type = u32)]
    pub at_ms: i64,
    #[specta(type = u32)]
    pub seq: i64,
}

/// Events buffered per subscriber before the oldest are dropped for that subscriber.
const EVENT_BUFFER: usize = 1024;

/// A running runtime. Cheap to clone; every clone talks to the same tasks.
#[derive(Debug, Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    config: RuntimeConfig,
    /// Held while the runtime lives: one process per data folder (see [`Runtime::open`]).
    _folder_lock: std::fs::File,
    db: Database,
    events: broadcast::Sender<RuntimeEvent>,
    heartbeat: JoinHandle<()>,
    settings: Arc<Mutex<AppSettings>>,
    /// Raises desktop notices from bot events (see [`notices`]).
    notices: JoinHandle<()>,
    notice_log: notices::NoticeLog,
    /// Shared by every bot: one connection pool, one local book per token.
    feed: Mutex<Option<MarketFeed>>,
    bots: Mutex<BTreeMap<String, restore::BotSlot>>,
    vault: Mutex<wallets::VaultSlot>,
    /// The vault's keychain and auto-lock preferences and its idle clock.
    vault_guard: vault_lock::Guard,
    clients: tokio::sync::Mutex<wallets::Clients>,
    /// The connected wallets' clients again, readable without waiting for a connect.
    tiers: rate_tier::TierBoard,
    global: watch::Sender<GlobalView>,
    /// The killswitch as the user set it and the safety faults found at open (`safety.rs`).
    safety: Mutex<safety::Board>,
    /// Where bots send their sampled prices for the chart history.
    prices: history::PriceSink,
    /// One settlement watcher per connected wallet (its user WebSocket).
    watchers: Mutex<Vec<JoinHandle<()>>>,
    /// Serializes bot creation, so ids stay unique.
    creating: tokio::sync::Mutex<()>,
    /// One step-up question at a time (see [`stepup`]).
    asking: stepup::Asking,
    /// The demo simulator, while the demo is the chosen exchange.
    demo: demo::DemoSlot,
    /// The one book being streamed to a window (see [`Runtime::watch_book`]).
    book_watch: Mutex<Option<JoinHandle<()>>>,
    /// The local control channel, while this runtime runs the bots (`control_socket.rs`).
    control: Mutex<Option<control_socket::Served>>,
    /// The tokio runtime this one was opened on: synchronous entry points that start tasks
    /// enter it, since their callers (a desktop shell's main thread) may be outside any.
    tokio: tokio::runtime::Handle,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("data_dir", &self.config.data_dir)
            .finish_non_exhaustive()
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Before the folder's lock goes with the fields: the socket file is removed while no
        // other process can have made its own.
        lock(&self.control).take();
        self.heartbeat.abort();
        self.notices.abort();
        if let Some(task) = lock(&self.book_watch).take() {
            task.abort();
        }
        for watcher in lock(&self.watchers).drain(..) {
            watcher.abort();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn open_error(error: StoreError) -> ApiError {
    match error {
        StoreError::NewerSchema { .. } => {
            ApiError::new(ErrorCode::DataFromNewerVersion, error.to_string())
        }
        other => ApiError::new(
            ErrorCode::Internal,
            format!("the database could not be opened: {other}"),
        ),
    }
}

impl Runtime {
    /// Opens the data folder and restores everything in it: settings, the vault (from the
    /// keychain or the passphrase given), and every bot; unresolved orders are reconciled with
    /// the exchange and bots that were running start again.
    ///
    /// Only one process opens a data folder at a time (two would run the same bots twice):
    /// a lock on `polyagent.lock` is held until the runtime is dropped.
    ///
    /// # Errors
    /// `DATA_FROM_NEWER_VERSION` when the database was written by a newer PolyAgent (nothing
    /// is changed); `CONFLICT` when another PolyAgent has the folder open; `INTERNAL` when the
    /// folder cannot be opened.
    ///
    /// # Panics
    /// When called outside a Tokio runtime.
    pub async fn open(config: RuntimeConfig) -> Result<Self, ApiError> {
        let folder_lock = lock_folder(&config.data_dir)?;
        let db = Database::open(config.data_dir.join(DATABASE_FILE))
            .await
            .map_err(open_error)?;
        let safety::Loaded {
            settings,
            limits,
            killswitch,
            faults,
        } = safety::load(&db).await;
        let board = safety::Board {
            user: killswitch,
            faults,
            found_at: config.clock.now(),
        };
        let killswitch = safety::effective(&board.user, &board.faults, board.found_at);
        let vault_guard =
            vault_lock::Guard::load(&db, &config.vault, config.clock.now().millis()).await;
        let vault = vault_guard.refuse_rollback(
            wallets::open_vault(&vault_guard.config(), config.vault_passphrase.as_ref()),
            config.vault_passphrase.is_some(),
        );
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let heartbeat = tokio::spawn(events::run_heartbeat(
            events.clone(),
            config.heartbeat_interval,
        ));
        let (global, _) = watch::channel(GlobalView {
            limits,
            killswitch,
            ..GlobalView::default()
        });
        let prices = history::start_recorder(db.clone(), config.clock.clone());
        let settings = Arc::new(Mutex::new(settings));
        let notice_log = notices::NoticeLog::default();
        let notices = notices::start(
            events.clone(),
            settings.clone(),
            notice_log.clone(),
            config.clock.clone(),
        );
        let runtime = Self {
            inner: Arc::new(Inner {
                tokio: tokio::runtime::Handle::current(),
                config,
                _folder_lock: folder_lock,
                db,
                events,
                heartbeat,
                settings,
                notices,
                notice_log,
                feed: Mutex::new(None),
                bots: Mutex::new(BTreeMap::new()),
                vault: Mutex::new(vault),
                vault_guard,
                clients: tokio::sync::Mutex::new(wallets::Clients::default()),
                tiers: rate_tier::TierBoard::default(),
                global,
                safety: Mutex::new(board),
                prices,
                watchers: Mutex::new(Vec::new()),
                creating: tokio::sync::Mutex::new(()),
                asking: stepup::Asking::default(),
                demo: demo::DemoSlot::default(),
                book_watch: Mutex::new(None),
                control: Mutex::new(None),
            }),
        };
        if runtime.settings().exchange == ExchangeChoice::Demo {
            // Before the bots are restored: their market data comes from it.
            if let Err(error) = demo::start(&runtime.inner.demo).await {
                tracing::error!(%error, "the demo simulator could not start");
            }
        }
        runtime.restore_all().await?;
        if runtime.inner.config.run_bots {
            *lock(&runtime.inner.control) = control_socket::serve(&runtime);
        }
        vault_lock::start_ticker(&runtime);
        Ok(runtime)
    }

    /// What the app is and how it was built.
    pub fn app_info(&self) -> AppInfo {
        AppInfo::current()
    }

    /// A new subscription to every event emitted from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<RuntimeEvent> {
        self.inner.events.subscribe()
    }

    /// The data folder this runtime keeps its database and vault in.
    pub fn data_dir(&self) -> &std::path::Path {
        &self.inner.config.data_dir
    }

    pub(crate) fn now(&self) -> polyagent_store::Timestamp {
        polyagent_store::Timestamp::from_millis(self.inner.config.clock.now().millis())
    }

    pub(crate) fn db(&self) -> &Database {
        &self.inner.db
    }

    fn feed(&self) -> Result<MarketFeed, ApiError> {
        let mut feed = lock(&self.inner.feed);
        if let Some(feed) = feed.as_ref() {
            return Ok(feed.clone());
        }
        let mut config = MarketFeedConfig::new(self.exchange()?.endpoints.market_ws);
        config.stale_after = self.inner.config.feed_stale_after;
        Ok(feed.insert(MarketFeed::new(config)).clone())
    }

    /// The chosen exchange's addresses and signing chain, from one read of the settings.
    pub(crate) fn exchange(&self) -> Result<exchange_target::Target, ApiError> {
        let exchange = lock(&self.inner.settings).exchange.clone();
        exchange_target::resolve(&exchange, demo::url(&self.inner.demo).as_deref())
    }

    /// A client for public market data on the chosen exchange, signing for its chain.
    pub(crate) fn public_client(&self) -> Result<PublicClient, ApiError> {
        let target = self.exchange()?;
        PublicClient::new(ClientConfig {
            endpoints: target.endpoints,
            chain: target.chain,
            timeout: self.inner.config.request_timeout,
            limits: self.inner.config.rate_limits,
            ..ClientConfig::default()
        })
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))
    }

    // --- bots ---------------------------------------------------------------------------------

    /// Every bot, by id.
    pub fn list_bots(&self) -> Vec<BotSummary> {
        lock(&self.inner.bots)
            .values()
            .map(restore::BotSlot::summary)
            .collect()
    }

    /// One bot's summary.
    ///
    /// # Errors
    /// `BOT_NOT_FOUND`.
    pub fn get_bot(&self, id: &str) -> Result<BotSummary, ApiError> {
        lock(&self.inner.bots)
            .get(id)
            .map(restore::BotSlot::summary)
            .ok_or_else(|| bot_not_found(id))
    }

    /// One running bot's handle (status, figures, a `watch` of them).
    ///
    /// # Errors
    /// `BOT_NOT_FOUND`; `CONFLICT` for a bot waiting for its wallet (see [`Runtime::start_bot`]).
    pub fn bot(&self, id: &str) -> Result<BotHandle, ApiError> {
        match lock(&self.inner.bots).get(id) {
            Some(restore::BotSlot::Active { handle, .. }) => Ok(handle.clone()),
            Some(restore::BotSlot::Waiting { reason, .. }) => Err(ApiError::new(
                ErrorCode::Conflict,
                format!("the bot is waiting: {reason}"),
            )),
            None => Err(bot_not_found(id)),
        }
    }

    /// Starts a bot. A live bot that was waiting for its wallet (locked vault, exchange
    /// unreachable) is connected first.
    pub async fn start_bot(&self, id: &str) -> Result<(), ApiError> {
        self.confirm_live_start(id, stepup::StartKind::Start)
            .await?;
        self.lifecycle(id, Lifecycle::Start).await
    }

    pub async fn stop_bot(&self, id: &str) -> Result<(), ApiError> {
        self.lifecycle(id, Lifecycle::Stop).await
    }

    pub async fn pause_bot(&self, id: &str) -> Result<(), ApiError> {
        self.lifecycle(id, Lifecycle::Pause).await
    }

    pub async fn resume_bot(&self, id: &str) -> Result<(), ApiError> {
        self.confirm_live_start(id, stepup::StartKind::Resume)
            .await?;
        self.lifecycle(id, Lifecycle::Resume).await
    }

    /// Buys by hand for `amount` pUSD (the bot's trade size when `None`) at the ask.
    ///
    /// # Errors
    /// `CONFLICT` when the rules refuse it (an order in flight, a position already held, the
    /// killswitch, no live price), with the reason.
    pub async fn manual_buy(
        &self,
        id: &str,
        amount: Option<rust_decimal::Decimal>,
    ) -> Result<(), ApiError> {
        self.bot(id)?.manual(ManualOrder::Buy { amount }).await
    }

    /// A manual buy's amount as the UI sends it: pUSD as decimal text, or `None` for the
    /// bot's trade size.
    ///
    /// # Errors
    /// `INVALID_INPUT` for text that is not a positive decimal.
    pub fn parse_amount(text: Option<&str>) -> Result<Option<rust_decimal::Decimal>, ApiError> {
        let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        match rust_decimal::Decimal::from_str_exact(text) {
            Ok(amount) if amount > rust_decimal::Decimal::ZERO => Ok(Some(amount)),
            _ => Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!(
                    "the amount must be a positive number of pUSD, not {}",
                    quoted(text)
                ),
            )),
        }
    }

    /// Sells the bot's whole position at the bid (a stopped bot can be closed out too).
    pub async fn close_position(&self, id: &str) -> Result<(), ApiError> {
        self.bot(id)?.manual(ManualOrder::ClosePosition).await
    }

    /// Edits a stopped bot's name, strategy, profile and overrides; its market, wallet and
    /// mode stay (another market is another bot). Its books and history are kept.
    ///
    /// # Errors
    /// `CONFLICT` while the bot runs or waits for its wallet; `INVALID_CONFIG` naming every
    /// bad field (nothing is changed).
    pub async fn update_bot(&self, id: &str, spec: BotSpec) -> Result<BotSummary, ApiError> {
        self.confirm_bot_update(id, &spec).await?;
        self.bot(id)?.reconfigure(spec.clone()).await?;
        let config = serde_json::to_value(&spec)
            .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
        let bots = self.inner.db.bots();
        let now = self.now();
        bots.rename(id, &spec.name, now)
            .await
            .map_err(|e| wallets::store_error(&e))?;
        bots.set_config(id, &config, now)
            .await
            .map_err(|e| wallets::store_error(&e))?;
        self.get_bot(id)
    }

    /// The strategies, profiles and field meanings the bot wizard shows.
    pub fn catalog(&self) -> Catalog {
        catalog::catalog()
    }

    /// What `create_bot` would refuse in a spec, field by field; no network, no store.
    pub fn validate_bot_spec(&self, spec: &BotSpec, live: bool) -> Vec<FieldIssue> {
        catalog::validate_spec(spec, live)
    }

    /// The recorded market series a backtest can replay.
    ///
    /// # Errors
    /// `INTERNAL` if the shipped data cannot be read (a broken build).
    pub fn list_series(&self) -> Result<Vec<SeriesInfo>, ApiError> {
        backtests::list_series()
    }

    /// Replays a recorded series through a bot built from the request (paper fills), on a
    /// blocking thread so bots are not held up.
    pub async fn run_backtest(&self, request: BacktestRequest) -> Result<BacktestResult, ApiError> {
        tokio::task::spawn_blocking(move || backtests::run(&request))
            .await
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("the backtest failed: {e}")))?
    }

    async fn lifecycle(&self, id: &str, command: Lifecycle) -> Result<(), ApiError> {
        if matches!(command, Lifecycle::Start | Lifecycle::Resume) {
            self.refuse_while_unsafe()?;
        }
        if !self.inner.config.run_bots {
            return self.save_lifecycle(id, &command).await;
        }
        if command == Lifecycle::Start {
            self.activate_waiting(id).await?;
        }
        self.bot(id)?.command(command).await
    }

    /// Stops and deletes a bot. Its fills, journal and activity stay in the history.
    ///
    /// # Errors
    /// `CONFLICT` while the bot holds a position or has an order in flight.
    pub async fn delete_bot(&self, id: &str) -> Result<(), ApiError> {
        let summary = self.get_bot(id)?;
        if summary.position_shares.is_some() {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                "the bot holds a position: close it (or stop the bot and sell by hand) before deleting",
            ));
        }
        let slot = lock(&self.inner.bots).remove(id);
        if let Some(restore::BotSlot::Active { handle, .. }) = slot {
            handle.shutdown().await;
        }
        self.inner
            .db
            .bots()
            .delete(id)
            .await
            .map_err(|e| wallets::store_error(&e))?;
        Ok(())
    }

    /// Pauses every running bot (the tray's "Pause all"); answers how many were paused.
    pub async fn pause_all(&self) -> u32 {
        let running: Vec<String> = self
            .list_bots()
            .into_iter()
            .filter(|b| b.status == "running")
            .map(|b| b.id)
            .collect();
        let mut paused = 0;
        for id in running {
            // A bot that stopped meanwhile refuses: fine.
            if self.pause_bot(&id).await.is_ok() {
                paused += 1;
            }
        }
        paused
    }

    /// What the tray shows: its state, and a tooltip with the running bots and today's P&L.
    pub fn tray_status(&self) -> TrayStatus {
        TrayStatus::of(&self.list_bots(), self.killswitch_tripped())
    }

    /// The newest desktop notices, newest first.
    pub fn recent_notices(&self) -> Vec<Notice> {
        self.inner.notice_log.recent()
    }

    // --- settings -----------------------------------------------------------------------------

    pub fn settings(&self) -> AppSettings {
        lock(&self.inner.settings).clone()
    }

    /// Saves new settings. Switching exchange is refused while a bot runs (its orders and
    /// feed belong to the old one).
    pub async fn update_settings(&self, next: AppSettings) -> Result<AppSettings, ApiError> {
        next.validate()?;
        let exchange_changed = lock(&self.inner.settings).exchange != next.exchange;
        if exchange_changed {
            self.refuse_switch_while_trading()?;
            self.confirm_exchange_switch(&next.exchange).await?;
            // Bots may have started while the question was open.
            self.refuse_switch_while_trading()?;
        }
        self.inner
            .db
            .settings()
            .put(settings::SETTINGS_KEY, &next, self.now())
            .await
            .map_err(|e| wallets::store_error(&e))?;
        *lock(&self.inner.settings) = next.clone();
        self.clear_fault(safety::SafetySetting::Settings);
        if exchange_changed {
            // Rebuilt on next use against the new exchange.
            *lock(&self.inner.feed) = None;
            self.inner.clients.lock().await.clear();
            self.inner.tiers.clear();
            // Their user feeds watch the old exchange.
            for watcher in lock(&self.inner.watchers).drain(..) {
                watcher.abort();
            }
        }
        let _ = self.inner.events.send(RuntimeEvent::Settings(next.clone()));
        Ok(next)
    }

    fn refuse_switch_while_trading(&self) -> Result<(), ApiError> {
        if self
            .list_bots()
            .iter()
            .any(|b| b.status == "running" || b.status == "paused")
        {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                "stop every bot before switching exchange",
            ));
        }
        Ok(())
    }

    /// Starts the demo simulator (if it is not running) and makes it the exchange: paper bots
    /// can then trade its markets with no account. Answers the saved settings.
    ///
    /// # Errors
    /// `CONFLICT` while bots run on another exchange; `INTERNAL` if the simulator cannot start.
    pub async fn start_demo(&self) -> Result<AppSettings, ApiError> {
        demo::start(&self.inner.demo).await?;
        let next = AppSettings {
            exchange: ExchangeChoice::Demo,
            ..self.settings()
        };
        self.update_settings(next).await
    }

    // --- vault and wallets --------------------------------------------------------------------

    pub fn vault_status(&self) -> VaultStatus {
        lock(&self.inner.vault).status()
    }

    /// Creates the vault, protected by `passphrase` (and the OS keychain where one answers).
    pub async fn create_vault(&self, passphrase: &str) -> Result<VaultStatus, ApiError> {
        let passphrase = wallets::passphrase(passphrase)?;
        let vault = wallets::create_vault(&self.inner.vault_guard.config(), &passphrase)?;
        *lock(&self.inner.vault) = wallets::VaultSlot::Open(Box::new(vault));
        self.after_unlock().await;
        Ok(self.vault_status())
    }

    /// Unlocks a vault that needs its passphrase; bots that waited for it start.
    pub async fn unlock_vault(&self, passphrase: &str) -> Result<VaultStatus, ApiError> {
        let passphrase = passphrase_policy::existing_passphrase(passphrase)?;
        let vault = wallets::unlock_vault(&self.inner.vault_guard.config(), &passphrase)?;
        *lock(&self.inner.vault) = wallets::VaultSlot::Open(Box::new(vault));
        self.after_unlock().await;
        Ok(self.vault_status())
    }

    pub async fn list_wallets(&self) -> Result<Vec<WalletInfo>, ApiError> {
        let result = wallets::list(&self.inner.db, &self.inner.vault).await;
        let mut wallets = result?;
        let pending = self.pending_backups().await.unwrap_or_default();
        let bots = lock(&self.inner.bots);
        for wallet in &mut wallets {
            wallet.used_by = bots
                .iter()
                .filter(|(_, slot)| {
                    slot.wallet_address().as_deref() == Some(wallet.address.as_str())
                })
                .map(|(id, _)| id.clone())
                .collect();
            wallet.rate_limit_tier = self.inner.tiers.tier(&wallet.address);
            wallet.needs_backup = pending.contains(&wallet.address);
        }
        Ok(wallets)
    }

    /// Imports a private key (hex, with or without `0x`). The key goes to the vault; the
    /// answer carries the address only.
    pub async fn import_wallet(
        &self,
        label: &str,
        key_hex: &SecretString,
        signature_type: u8,
        funder: Option<&str>,
    ) -> Result<WalletInfo, ApiError> {
        let key = PrivateKey::from_hex(key_hex.expose_str().trim()).map_err(|e| {
            ApiError::new(
                ErrorCode::InvalidInput,
                format!("not a private key (64 hex digits, with or without 0x): {e}"),
            )
        })?;
        self.add_wallet(Some(&key), label, signature_type, funder)
            .await
    }

    async fn add_wallet(
        &self,
        key: Option<&PrivateKey>,
        label: &str,
        signature_type: u8,
        funder: Option<&str>,
    ) -> Result<WalletInfo, ApiError> {
        wallets::add(
            &self.inner.db,
            &self.inner.vault,
            key,
            label,
            signature_type,
            funder,
            self.now(),
        )
        .await
    }

    /// Deletes a wallet's key and record, with the vault's passphrase typed again (checked
    /// here, in Rust); the vault's data key is rotated so an older copy of the vault file
    /// cannot bring the key back through the keychain.
    ///
    /// # Errors
    /// `CONFLICT` while a bot trades from it; `VAULT_LOCKED` for a wrong passphrase.
    pub async fn delete_wallet(
        &self,
        address_or_label: &str,
        passphrase: &SecretString,
    ) -> Result<(), ApiError> {
        let wallet = wallets::find(&self.inner.db, address_or_label).await?;
        let users: Vec<String> = lock(&self.inner.bots)
            .iter()
            .filter(|(_, slot)| slot.wallet_address().as_deref() == Some(wallet.address.as_str()))
            .map(|(id, _)| id.clone())
            .collect();
        if !users.is_empty() {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                format!(
                    "bots trade from this wallet: {}; delete them first",
                    users.join(", ")
                ),
            ));
        }
        {
            let mut slot = lock(&self.inner.vault);
            let vault = slot.vault()?;
            let address = wallets::parse_address(&wallet.address)?;
            if vault.contains(address) {
                vault
                    .delete_key(address, passphrase)
                    .map_err(|e| wallets::vault_error(&e))?;
            }
        }
        self.inner
            .db
            .wallets()
            .delete(&wallet.address)
            .await
            .map_err(|e| wallets::store_error(&e))
    }

    /// Gives a wallet a new label.
    pub async fn rename_wallet(
        &self,
        address_or_label: &str,
        label: &str,
    ) -> Result<WalletInfo, ApiError> {
        wallets::rename(&self.inner.db, address_or_label, label, self.now()).await?;
        let wallets = self.list_wallets().await?;
        wallets
            .into_iter()
            .find(|w| w.label == label.trim())
            .ok_or_else(|| ApiError::new(ErrorCode::Internal, "the renamed wallet vanished"))
    }

    /// The private key of a wallet, for the user to back up: only with the vault's passphrase
    /// entered again, whatever the vault's mode. The caller shows it to the user and nothing
    /// else; it is never logged or sent as an event.
    pub async fn export_wallet_key(
        &self,
        address_or_label: &str,
        passphrase: &SecretString,
    ) -> Result<SecretString, ApiError> {
        let key = self.reveal_wallet_key(address_or_label, passphrase).await?;
        // Typed again and shown: the key is saved, so a generated wallet may trade live.
        self.confirm_wallet_backup(address_or_label).await?;
        Ok(key.into_secret())
    }

    /// Replaces the vault's passphrase (the current one must be given).
    pub fn change_vault_passphrase(
        &self,
        current: &SecretString,
        new: &str,
    ) -> Result<VaultStatus, ApiError> {
        let new = wallets::passphrase(new)?;
        let mut slot = lock(&self.inner.vault);
        slot.vault()?
            .change_passphrase(current, &new)
            .map_err(|e| wallets::vault_error(&e))?;
        Ok(slot.status())
    }

    // --- activity -----------------------------------------------------------------------------

    /// The newest activity lines, newest first: all bots or one, optionally one kind.
    pub async fn activity(
        &self,
        bot_id: Option<&str>,
        kind: Option<&str>,
        limit: u32,
    ) -> Result<Vec<ActivityLine>, ApiError> {
        self.activity_before(bot_id, kind, limit, None).await
    }

    /// Like [`Self::activity`], but only lines older than `before` (the oldest line of the
    /// page already read): the next page back, down to the first line ever logged.
    pub async fn activity_before(
        &self,
        bot_id: Option<&str>,
        kind: Option<&str>,
        limit: u32,
        before: Option<ActivityCursor>,
    ) -> Result<Vec<ActivityLine>, ApiError> {
        history::check_bot_filter(bot_id)?;
        let mut query = ActivityQuery::newest(limit.clamp(1, 1000));
        query.bot_id = bot_id.map(str::to_owned);
        query.before = before.map(|c| polyagent_store::ActivityCursor {
            ts: polyagent_store::Timestamp::from_millis(c.at_ms),
            seq: c.seq,
        });
        if let Some(kind) = kind {
            let parsed = ActivityKind::parse(kind).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidInput,
                    format!(
                        "unknown activity kind {}: order, fill, spike, risk, error or system",
                        quoted(kind)
                    ),
                )
            })?;
            query.kinds = vec![parsed];
        }
        let page = self
            .inner
            .db
            .activity()
            .page(&query)
            .await
            .map_err(|e| wallets::store_error(&e))?;
        Ok(page
            .entries
            .into_iter()
            .map(|e| ActivityLine {
                seq: e.seq,
                bot_id: e.bot_id,
                at_ms: e.ts.as_millis(),
                kind: e.kind.as_str().to_owned(),
                message: e.message,
            })
            .collect())
    }

    // --- shutdown -----------------------------------------------------------------------------

    /// Stops every bot's task without changing its saved status (so the next start resumes
    /// the bots that were running), optionally cancels every stored wallet's open orders (the
    /// killswitch's sweep), and closes the database. Returns the ids of cancelled orders.
    pub async fn shutdown(&self, cancel_orders: bool) -> Vec<String> {
        lock(&self.inner.control).take();
        self.note_vault_generation(false).await;
        let handles: Vec<BotHandle> = lock(&self.inner.bots)
            .values()
            .filter_map(restore::BotSlot::handle)
            .collect();
        for handle in &handles {
            handle.shutdown().await;
        }
        for handle in &handles {
            handle.stopped().await;
        }
        let cancelled = if cancel_orders {
            self.cancel_all_orders().await
        } else {
            Vec::new()
        };
        for watcher in lock(&self.inner.watchers).drain(..) {
            watcher.abort();
        }
        demo::stop(&self.inner.demo).await;
        self.inner.db.clone().close().await;
        cancelled
    }
}

/// Takes the data folder's lock, creating the folder on first run.
fn lock_folder(dir: &std::path::Path) -> Result<std::fs::File, ApiError> {
    let internal = |e: std::io::Error| {
        ApiError::new(
            ErrorCode::Internal,
            format!("the data folder {} cannot be used: {e}", dir.display()),
        )
    };
    // Owner-only (0700 and 0600): other local users see nothing of the folder.
    polyagent_store::private_files::private_dir(dir).map_err(internal)?;
    let file = polyagent_store::private_files::private_file(&dir.join("polyagent.lock"))
        .map_err(internal)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(ApiError::new(
            ErrorCode::Conflict,
            format!(
                "another PolyAgent (the app or `polyagent run`) is using {}; stop it first",
                dir.display()
            ),
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(internal(e)),
    }
}

fn bot_not_found(id: &str) -> ApiError {
    ApiError::new(
        ErrorCode::BotNotFound,
        format!("no bot with id {}", quoted(id)),
    )
}

/// The tray icon's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum TrayState {
    /// No bot runs.
    Idle,
    /// At least one bot runs and nothing needs attention.
    Running,
    /// A bot is in error or its feed is stale, or the killswitch is tripped.
    Alert,
}

/// What the tray shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TrayStatus {
    pub state: TrayState,
    pub running: u32,
    /// Today's realized P&L over all bots, pUSD.
    pub today_pnl: String,
    pub tooltip: String,
}

impl TrayStatus {
    /// The tray of these bots.
    pub fn of(bots: &[BotSummary], killswitch_tripped: bool) -> Self {
        let running = bots.iter().filter(|b| b.status == "running").count();
        let trading = |b: &&BotSummary| b.status == "running" || b.status == "paused";
        let alert = killswitch_tripped
            || bots.iter().any(|b| b.status == "error")
            || bots
                .iter()
                .filter(trading)
                .any(|b| b.feed == FeedState::Stale);
        let today: rust_decimal::Decimal = bots
            .iter()
            .filter_map(|b| b.today_realized_pnl.parse::<rust_decimal::Decimal>().ok())
            .sum();
        let state = if alert {
            TrayState::Alert
        } else if running > 0 {
            TrayState::Running
        } else {
            TrayState::Idle
        };
        let sign = if today.is_sign_negative() { "-" } else { "+" };
        let mut tooltip = format!(
            "PolyAgent: {running} bot{} running, today {sign}${}",
            if running == 1 { "" } else { "s" },
            today.abs().round_dp(2)
        );
        if killswitch_tripped {
            tooltip.push_str(" (killswitch on)");
        }
        Self {
            state,
            running: u32::try_from(running).unwrap_or(u32::MAX),
            today_pnl: today.to_string(),
            tooltip,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_activity_log_pages_back_to_its_first_line_each_line_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = RuntimeConfig::new(dir.path());
        config.vault = polyagent_vault::VaultConfig::new(dir.path()).no_keychain();
        let runtime = Runtime::open(config).await.unwrap();
        // 2,500 lines, two to a millisecond, so the cursor has to break ties by number.
        let lines: Vec<polyagent_store::NewActivity> = (0..2_500)
            .map(|i| polyagent_store::NewActivity {
                bot_id: None,
                ts: polyagent_store::Timestamp::from_millis(1_000_000 + i / 2),
                kind: ActivityKind::System,
                message: format!("line {i}"),
                detail: None,
            })
            .collect();
        runtime
            .inner
            .db
            .activity()
            .append_many(&lines)
            .await
            .unwrap();
        let mut read = Vec::new();
        let mut before = None;
        loop {
            let page = runtime
                .activity_before(None, None, 1000, before)
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            before = Some(ActivityCursor {
                at_ms: last.at_ms,
                seq: last.seq,
            });
            read.extend(page.into_iter().map(|l| l.message));
        }
        let newest_first: Vec<String> = (0..2_500).rev().map(|i| format!("line {i}")).collect();
        assert_eq!(read, newest_first);
        runtime.shutdown(false).await;
    }

    #[test]
    fn an_unknown_bot_id_is_never_echoed_whole() {
        let error = bot_not_found(&"x".repeat(1 << 20));
        assert_eq!(error.code, ErrorCode::BotNotFound);
        assert!(error.message.len() < 100, "{}", error.message);
    }
}
