//! Bots as actors: one task per bot owns its [`BotEngine`], listens to the shared market feed
//! for its token, executes what the engine decides, and reports through the runtime's events.
//!
//! Invariants:
//! - only the bot's own task touches its engine; everyone else holds a [`BotHandle`] (a
//!   command channel and a `watch` of the latest [`BotSummary`]);
//! - within one loop turn, commands come first, then execution results, then market data, so a
//!   fill is always booked before the next tick is judged;
//! - a bot never acts on a book whose feed is not live: a stale or reconnecting feed only
//!   updates the bot's feed health;
//! - when its market resolves, a bot books the exchange's payout of its position (1 pUSD a
//!   winning share, 0 a losing one) and stops, telling the user who won;
//! - a panic inside a bot ends that bot's task only: the supervisor marks the bot as errored
//!   with the panic's message and every other bot carries on;
//! - paper execution fills against the live book of the moment (levels, partial fills, the
//!   market's fee curve), with the bot's own virtual balance;
//! - whatever a user would miss after a restart (status, position, P&L, fills, the journal's
//!   settlement) is saved before the loop takes its next event (see [`crate::persist`]);
//!   activity lines are appended to the store's log as they happen.

use std::sync::Arc;
use std::time::Duration;

use polyagent_engine::Timestamp;
use polyagent_engine::bot::{BotEngine, BotStatus, Lifecycle, ManualOrder};
use polyagent_engine::config::BotSpec;
use polyagent_engine::event::{Action, Event, Quote, Topic};
use polyagent_engine::paper::{Book, PaperAccount};
use polyagent_engine::risk::GlobalView;
use polyagent_engine::spike::Direction;
use polyagent_store::{ActivityKind, Database, FillStatus, IntentSettlement, NewActivity, NewFill};
use polyagent_venue::amounts::BookLevel;
use polyagent_venue::book::LocalBook;
use polyagent_venue::market_ws::{AssetFeed, FeedHealth};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use crate::RuntimeEvent;
use crate::api_error::{ApiError, ErrorCode};
use crate::live::{self, ExecutionReport};
use crate::persist::{self, SavedBot};
use crate::summary::summary_from;
pub(crate) use crate::summary::summary_of;

/// What a bot looks like from outside: its identity, status and figures. Decimals travel as
/// text so nothing is lost to binary floats on the way to the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BotSummary {
    pub id: String,
    pub name: String,
    pub token_id: String,
    pub strategy: String,
    pub profile: String,
    /// `created`, `stopped`, `running`, `paused` or `error`.
    pub status: String,
    /// Why a bot is paused or errored, in words.
    pub status_detail: Option<String>,
    /// What a live bot waits for before it trades again (e.g. the vault's passphrase), when
    /// it waits; its status is then `stopped` and `status_detail` says it in words.
    #[serde(default)]
    pub waiting_for: Option<crate::WaitReason>,
    /// `paper` (simulated fills against the live book) or `live`.
    pub mode: String,
    pub feed: FeedState,
    pub price: Option<String>,
    pub position_shares: Option<String>,
    pub position_avg_entry: Option<String>,
    pub realized_pnl: String,
    pub unrealized_pnl: String,
    pub fees: String,
    pub trades: u32,
    pub paper_cash: Option<String>,
    /// The market's question and the outcome the bot trades ("Yes").
    pub question: String,
    pub outcome: String,
    /// The wallet address of a live bot.
    pub wallet: Option<String>,
    /// The price the strategy waits for to buy / to sell, when it has one.
    pub buy_target: Option<String>,
    pub sell_target: Option<String>,
    /// When the open position was opened (unix ms).
    #[specta(type = Option<u32>)]
    pub position_opened_at_ms: Option<i64>,
    /// The prices at which the open position's take profit and stop loss fire.
    pub take_profit_price: Option<String>,
    pub stop_loss_price: Option<String>,
    /// The open position's unrealized P&L in percent of its cost.
    pub unrealized_pct: String,
    pub take_profit_pct: String,
    pub stop_loss_pct: String,
    pub trade_size: String,
    pub max_hold_secs: u32,
    /// Closed round trips that made money, and their share of all round trips in percent.
    pub wins: u32,
    pub win_rate_pct: String,
    /// Today's (UTC) round trips and realized P&L.
    pub today_trades: u32,
    pub today_realized_pnl: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum FeedState {
    Live,
    Stale,
    Reconnecting,
}

impl From<FeedHealth> for FeedState {
    fn from(health: FeedHealth) -> Self {
        match health {
            FeedHealth::Live => FeedState::Live,
            FeedHealth::Stale => FeedState::Stale,
            FeedHealth::Reconnecting => FeedState::Reconnecting,
        }
    }
}

/// A fill as the UI and notifications show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BotFill {
    pub bot_id: String,
    pub bot_name: String,
    /// `buy` or `sell`.
    pub side: String,
    pub shares: String,
    pub avg_price: String,
    pub fee: String,
    /// Unix milliseconds: below 2^53, so exact as a JavaScript number (exported as a plain
    /// `number`; specta refuses 64-bit integers by default).
    #[specta(type = u32)]
    pub at_ms: i64,
}

/// One line of a bot's activity log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BotActivity {
    pub bot_id: String,
    /// Unix milliseconds: below 2^53, so exact as a JavaScript number (exported as a plain
    /// `number`; specta refuses 64-bit integers by default).
    #[specta(type = u32)]
    pub at_ms: i64,
    pub text: String,
    /// `order`, `fill`, `spike`, `risk`, `error` or `system`: the feed's filters.
    pub kind: String,
}

/// A move beyond a bot's spike threshold (a marker on its chart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BotSpike {
    pub bot_id: String,
    /// Signed move in percent: negative for a drop.
    pub pct: String,
    /// `up` or `down`.
    pub direction: String,
    pub window_mins: u32,
    /// The price when it was seen.
    pub price: Option<String>,
    #[specta(type = u32)]
    pub at_ms: i64,
}

/// The newest price a bot saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BotPrice {
    pub bot_id: String,
    pub price: String,
    pub bid: Option<String>,
    pub ask: Option<String>,
    /// Unix milliseconds: below 2^53, so exact as a JavaScript number (exported as a plain
    /// `number`; specta refuses 64-bit integers by default).
    #[specta(type = u32)]
    pub at_ms: i64,
}

/// Wall-clock time for bots. Injected so tests can run bots on a controlled clock.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Timestamp;
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        Timestamp(ms)
    }
}

/// How a bot executes its orders.
#[derive(Debug, Clone)]
pub enum Execution {
    /// Fills simulated against the live book, from a virtual balance.
    Paper(PaperAccount),
    /// Real orders: signed, posted through the authenticated client, filled by the exchange.
    Live(live::LiveMarket),
}

pub(crate) enum Command {
    Lifecycle(Lifecycle, oneshot::Sender<Result<(), ApiError>>),
    Manual(ManualOrder, oneshot::Sender<Result<(), ApiError>>),
    /// Applies an edited spec (same market, wallet and execution).
    Reconfigure(Box<BotSpec>, oneshot::Sender<Result<(), ApiError>>),
    /// Makes the bot's task panic: the fault switch behind the supervisor's test.
    #[cfg(feature = "fault-injection")]
    Panic,
    Shutdown,
}

/// A cheap handle to a running bot actor.
#[derive(Debug, Clone)]
pub struct BotHandle {
    commands: mpsc::Sender<Command>,
    summary: watch::Receiver<BotSummary>,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Command::Lifecycle(l, _) => write!(f, "Lifecycle({l:?})"),
            Command::Manual(m, _) => write!(f, "Manual({m:?})"),
            Command::Reconfigure(spec, _) => write!(f, "Reconfigure({:?})", spec.name),
            #[cfg(feature = "fault-injection")]
            Command::Panic => f.write_str("Panic"),
            Command::Shutdown => f.write_str("Shutdown"),
        }
    }
}

impl BotHandle {
    pub fn summary(&self) -> BotSummary {
        self.summary.borrow().clone()
    }

    pub fn watch(&self) -> watch::Receiver<BotSummary> {
        self.summary.clone()
    }

    /// Applies a lifecycle command (start, stop, pause, resume) and waits for the answer.
    pub async fn command(&self, lifecycle: Lifecycle) -> Result<(), ApiError> {
        let (reply, answer) = oneshot::channel();
        let gone = || ApiError::new(ErrorCode::Internal, "the bot is no longer running");
        self.commands
            .send(Command::Lifecycle(lifecycle, reply))
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// Places a manual order (a buy by hand, or closing the position) and waits until it is
    /// on its way; its fill arrives like any other.
    pub async fn manual(&self, order: ManualOrder) -> Result<(), ApiError> {
        let (reply, answer) = oneshot::channel();
        let gone = || ApiError::new(ErrorCode::Internal, "the bot is no longer running");
        self.commands
            .send(Command::Manual(order, reply))
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// Applies an edited spec to the bot; its books, status and risk state are kept.
    pub async fn reconfigure(&self, spec: BotSpec) -> Result<(), ApiError> {
        let (reply, answer) = oneshot::channel();
        let gone = || ApiError::new(ErrorCode::Internal, "the bot is no longer running");
        self.commands
            .send(Command::Reconfigure(Box::new(spec), reply))
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// Makes the bot's task panic (tests of the supervisor only).
    #[cfg(feature = "fault-injection")]
    pub async fn inject_panic(&self) {
        let _ = self.commands.send(Command::Panic).await;
    }

    pub(crate) async fn shutdown(&self) {
        let _ = self.commands.send(Command::Shutdown).await;
    }

    /// Resolves once the bot's task has ended (after [`BotHandle::shutdown`]).
    pub(crate) async fn stopped(&self) {
        self.commands.closed().await;
    }
}

/// What a bot actor needs from the runtime.
#[derive(Debug)]
pub(crate) struct BotContext {
    pub id: String,
    pub events: broadcast::Sender<RuntimeEvent>,
    pub global: watch::Receiver<GlobalView>,
    pub clock: Arc<dyn Clock>,
    pub db: Database,
    /// The saved document, kept current by the actor (its engine and paper account are
    /// refreshed from the live ones before each save).
    pub saved: SavedBot,
    /// Sampled prices for the chart history (never awaited: a full queue drops the sample).
    pub prices: crate::history::PriceSink,
    /// Times tick-to-decision (the scale bench); see [`crate::RuntimeConfig::latency_probe`].
    pub latency_probe: Option<Arc<polyagent_simulator::server::LatencyProbe>>,
    /// Why the runtime stopped the bot (a refusal every order of it would get), shown while
    /// it stays stopped.
    pub stop_reason: Option<String>,
}

/// At most one price per bot per this many milliseconds goes to the chart history.
const PRICE_SAMPLE_MS: i64 = 1000;

/// How often a silent market still wakes a bot, so time exits fire.
const TIMER: Duration = Duration::from_secs(1);

/// Spawns the actor and a supervisor that turns a panic into an error status.
pub(crate) fn spawn(
    engine: BotEngine,
    execution: Execution,
    feed: AssetFeed,
    context: BotContext,
    pending: Vec<ExecutionReport>,
) -> BotHandle {
    let (commands_tx, commands) = mpsc::channel(32);
    // Results of live orders come back here, off the loop that posted them.
    let (results_tx, results) = mpsc::unbounded_channel();
    // Outcomes learnt while restoring the bot are booked first, before any market data.
    for report in pending {
        let _ = results_tx.send(report);
    }
    let journal = live::Journal {
        db: context.db.clone(),
        bot_id: context.id.clone(),
        clock: context.clock.clone(),
    };
    let exec = execution_state(&execution, journal, results_tx);
    let first = summarize(
        &context,
        &engine,
        &exec,
        FeedState::Reconnecting,
        context.clock.now(),
    );
    let (summary_tx, summary) = watch::channel(first);
    let summary_tx = Arc::new(summary_tx);
    let events = context.events.clone();
    let id = context.id.clone();
    let db = context.db.clone();
    let clock = context.clock.clone();
    let supervised_summary = summary_tx.clone();
    let actor = tokio::spawn(run(
        engine, exec, results, feed, commands, summary_tx, context,
    ));
    tokio::spawn(async move {
        if let Err(error) = actor.await
            && error.is_panic()
        {
            let message = panic_message(error.into_panic());
            tracing::error!(bot = %id, %message, "bot crashed");
            supervised_summary.send_modify(|s| {
                s.status = "error".into();
                s.status_detail = Some(format!(
                    "the bot stopped after an internal error: {message}"
                ));
            });
            let _ = events.send(RuntimeEvent::BotStatus(Box::new(
                supervised_summary.borrow().clone(),
            )));
            // The next start restores the bot in error, not running into the same panic.
            let now = polyagent_store::Timestamp::from_millis(clock.now().millis());
            if let Err(error) = db.bots().set_status(&id, "error", now).await {
                tracing::error!(bot = %id, %error, "could not save the error status");
            }
        }
    });
    BotHandle {
        commands: commands_tx,
        summary,
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}

/// The executor's state, separate from the engine so the engine stays pure.
enum ExecutionState {
    Paper(PaperAccount),
    Live(live::LiveExecutor),
}

fn execution_state(
    execution: &Execution,
    journal: live::Journal,
    results: mpsc::UnboundedSender<ExecutionReport>,
) -> ExecutionState {
    match execution {
        Execution::Paper(account) => ExecutionState::Paper(account.clone()),
        Execution::Live(market) => {
            ExecutionState::Live(live::LiveExecutor::new(market.clone(), journal, results))
        }
    }
}

/// What one loop turn produced that must be saved.
#[derive(Debug, Default)]
struct Changes {
    /// Something a user would see changed (status, position, figures).
    visible: bool,
    /// The saved state changed: save before the next event.
    save: bool,
    fills: Vec<NewFill>,
    settlement: Option<IntentSettlement>,
    activity: Vec<NewActivity>,
}

async fn run(
    mut engine: BotEngine,
    mut exec: ExecutionState,
    mut results: mpsc::UnboundedReceiver<ExecutionReport>,
    mut feed: AssetFeed,
    mut commands: mpsc::Receiver<Command>,
    summary: Arc<watch::Sender<BotSummary>>,
    mut context: BotContext,
) {
    let mut timer = tokio::time::interval(TIMER);
    timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut health = FeedState::Reconnecting;
    let mut last_book_version = None;
    let mut last_sample_ms = i64::MIN;
    // The market's resolution is booked once.
    let mut resolved = false;
    loop {
        let mut changes = Changes::default();
        // A refusal that every order would get: the bot stops with it as the reason.
        let mut stop_with: Option<String> = None;
        let event = tokio::select! {
            biased;
            command = commands.recv() => match command {
                None | Some(Command::Shutdown) => {
                    settle_in_flight(&mut engine, &mut exec, &mut results, &context).await;
                    // What settling booked (a fill that landed while stopping) shows at once:
                    // the summary stays the bot's truth after its task ends.
                    let now = context.clock.now();
                    publish(&summary, &context, &engine, &exec, health, now, true);
                    if let ExecutionState::Live(executor) = &exec {
                        executor.disarm().await;
                    }
                    break;
                }
                Some(Command::Lifecycle(lifecycle, reply)) => {
                    let now = context.clock.now();
                    let result = engine.command(&lifecycle, now).map(|actions| {
                        handle(&mut engine, &mut exec, &context, actions, None, now, &mut changes);
                    });
                    // A stopped bot sends nothing more: an order still waiting out a pause of
                    // the exchange is not sent (resting ones the engine cancels itself).
                    if let (Ok(()), Lifecycle::Stop, ExecutionState::Live(executor), Some(open)) =
                        (&result, &lifecycle, &exec, engine.open_order())
                    {
                        executor.cancel(open.id);
                    }
                    if result.is_ok() {
                        changes.save = true;
                        if lifecycle == Lifecycle::Start {
                            context.stop_reason = None;
                        }
                    }
                    // Saved and published before the reply: whoever awaits it then reads the
                    // new status, here and after a restart.
                    save(&context, &engine, &exec, changes).await;
                    publish(&summary, &context, &engine, &exec, health, now, true);
                    let _ = reply.send(result.map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string())));
                    continue;
                }
                Some(Command::Manual(order, reply)) => {
                    let now = context.clock.now();
                    let global = context.global.borrow().clone();
                    let book = feed.state.borrow().live_book().cloned();
                    let result = engine.manual(&order, &global, now).map(|actions| {
                        handle(&mut engine, &mut exec, &context, actions, book.as_ref(), now, &mut changes);
                    });
                    changes.save = true;
                    save(&context, &engine, &exec, changes).await;
                    publish(&summary, &context, &engine, &exec, health, now, true);
                    let _ = reply.send(result.map_err(|e| ApiError::new(ErrorCode::Conflict, e.0)));
                    continue;
                }
                Some(Command::Reconfigure(spec, reply)) => {
                    let now = context.clock.now();
                    let result = reconfigure(&mut engine, &mut context, *spec);
                    if result.is_ok() {
                        changes.save = true;
                        save(&context, &engine, &exec, changes).await;
                        publish(&summary, &context, &engine, &exec, health, now, true);
                    }
                    let _ = reply.send(result);
                    continue;
                }
                #[cfg(feature = "fault-injection")]
                Some(Command::Panic) => panic!("injected fault"),
            },
            // Execution results before market data: a fill is booked before the next tick.
            Some(report) = results.recv() => {
                let now = context.clock.now();
                if let Some(note) = report.note {
                    record_activity(&context, &mut changes, ActivityKind::Order, now, note);
                }
                let Some(event) = report.event else {
                    // A line to tell, nothing to book: the order is still in flight.
                    save(&context, &engine, &exec, changes).await;
                    continue;
                };
                changes.save = true;
                changes.fills = report.fills;
                changes.settlement = report.settlement;
                stop_with = report.stop;
                Some((event, feed.state.borrow().live_book().cloned()))
            }
            changed = feed.state.changed() => {
                if changed.is_err() {
                    break;
                }
                let state = feed.state.borrow_and_update().clone();
                let new_health = FeedState::from(state.health);
                let now = context.clock.now();
                if new_health != health {
                    health = new_health;
                    publish(&summary, &context, &engine, &exec, health, now, true);
                }
                if let Some(resolution) = state.resolution.as_ref().filter(|_| !resolved) {
                    // The exchange paid the position out: book it, stop, tell the user.
                    resolved = true;
                    let primary_won = resolution.winning_asset_id == engine.config().token_id;
                    let actions = engine.settle_resolution(primary_won, &resolution.winning_outcome, now);
                    changes.save = true;
                    handle(&mut engine, &mut exec, &context, actions, None, now, &mut changes);
                    save(&context, &engine, &exec, changes).await;
                    publish(&summary, &context, &engine, &exec, health, now, true);
                    continue;
                }
                // The state is already our own copy: hand its book on rather than clone it again.
                match state.live_book().and_then(quote_of) {
                    Some(quote) if last_book_version != Some(state.version) => {
                        last_book_version = Some(state.version);
                        Some((Event::Tick(quote), Some(state.book)))
                    }
                    _ => None,
                }
            },
            _ = timer.tick() => Some((Event::Timer, feed.state.borrow().live_book().cloned())),
        };
        let Some((event, book)) = event else { continue };
        let now = context.clock.now();
        let global = context.global.borrow_and_update().clone();
        if let Event::Tick(quote) = &event {
            if now.millis().saturating_sub(last_sample_ms) >= PRICE_SAMPLE_MS {
                last_sample_ms = now.millis();
                let _ = context.prices.try_send(crate::history::SampledPrice {
                    bot_id: context.id.clone(),
                    at_ms: now.millis(),
                    price: quote.price,
                });
            }
            let _ = context.events.send(RuntimeEvent::BotPrice(BotPrice {
                bot_id: context.id.clone(),
                price: quote.price.to_string(),
                bid: quote.bid.map(|d| d.to_string()),
                ask: quote.ask.map(|d| d.to_string()),
                at_ms: now.millis(),
            }));
        }
        // Live fills arrive here (paper fills are announced where they are made).
        announce_fill(&context, &engine, &event, now, &mut changes);
        let actions = engine.on_event(&global, &event, now);
        if let (Event::Tick(_), Some(probe)) = (&event, &context.latency_probe) {
            probe.decision_made(&engine.config().token_id);
        }
        handle(
            &mut engine,
            &mut exec,
            &context,
            actions,
            book.as_ref(),
            now,
            &mut changes,
        );
        // A resting paper order meets each new book once the engine has seen its quote.
        let rested = match (&mut exec, &event, book.as_ref()) {
            (ExecutionState::Paper(account), Event::Tick(_), Some(live)) => {
                account.on_book(&paper_book(live))
            }
            _ => None,
        };
        if let Some((order, result)) = rested {
            changes.save = true;
            let actions = paper_result(
                &context,
                &mut engine,
                &exec,
                &order,
                &result,
                now,
                &mut changes,
            );
            handle(
                &mut engine,
                &mut exec,
                &context,
                actions,
                book.as_ref(),
                now,
                &mut changes,
            );
        }
        if let Some(reason) = stop_with
            && let Ok(actions) = engine.command(&Lifecycle::Stop, now)
        {
            handle(
                &mut engine,
                &mut exec,
                &context,
                actions,
                book.as_ref(),
                now,
                &mut changes,
            );
            record_activity(
                &context,
                &mut changes,
                ActivityKind::System,
                now,
                format!("stopped: {reason}"),
            );
            context.stop_reason = Some(reason);
            changes.save = true;
            changes.visible = true;
        }
        let visible = changes.visible;
        arm(&exec, &engine, &global, book.as_ref(), now);
        if changes.save || !changes.activity.is_empty() {
            save(&context, &engine, &exec, changes).await;
        }
        publish(&summary, &context, &engine, &exec, health, now, visible);
    }
}

/// Applies an edited spec: only while the bot is not trading, and never to another market,
/// wallet or mode (those are a new bot).
fn reconfigure(
    engine: &mut BotEngine,
    context: &mut BotContext,
    spec: BotSpec,
) -> Result<(), ApiError> {
    if matches!(
        engine.status(),
        BotStatus::Running | BotStatus::Paused { .. }
    ) {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "stop the bot before changing its settings",
        ));
    }
    let old = &context.saved.spec;
    if spec.token_id != old.token_id
        || spec.complement_token_id != old.complement_token_id
        || spec.wallet != old.wallet
    {
        return Err(ApiError::new(
            ErrorCode::InvalidConfig,
            "a bot keeps its market and wallet: create a new bot to trade another",
        ));
    }
    let config = spec
        .resolve()
        .map_err(|e| ApiError::new(ErrorCode::InvalidConfig, e.to_string()))?;
    if context.saved.execution.is_live() && config.params.dry_run {
        return Err(ApiError::new(
            ErrorCode::InvalidConfig,
            "a live bot cannot be a dry run: choose a live profile or set dry_run to false",
        ));
    }
    engine
        .reconfigure(config)
        .map_err(|e| ApiError::new(ErrorCode::InvalidConfig, e.to_string()))?;
    context.saved.spec = spec;
    Ok(())
}

/// Live bots sign and journal their next order ahead of its trigger (see `live.rs`).
fn arm(
    exec: &ExecutionState,
    engine: &BotEngine,
    global: &GlobalView,
    book: Option<&LocalBook>,
    now: Timestamp,
) {
    if let ExecutionState::Live(executor) = exec {
        let forecast = engine
            .next_order()
            .filter(|_| !global.killswitch.is_tripped());
        executor.arm(forecast, engine.config(), book, now);
    }
}

/// How long a stopping bot waits for the outcome of an order it has in flight.
const SETTLE_ON_SHUTDOWN: Duration = Duration::from_secs(10);

/// Books the outcome of the order in flight before the task ends, so a clean stop leaves
/// nothing for the next start to reconcile (a crash still can; the journal covers it).
async fn settle_in_flight(
    engine: &mut BotEngine,
    exec: &mut ExecutionState,
    results: &mut mpsc::UnboundedReceiver<ExecutionReport>,
    context: &BotContext,
) {
    let give_up = tokio::time::Instant::now() + SETTLE_ON_SHUTDOWN;
    let Some(waiting_for) = engine.open_order().map(|o| o.id) else {
        return;
    };
    // A resting order would wait out its time-to-live: take it off the book first.
    if engine.open_order().is_some_and(|o| o.style.rests()) {
        match exec {
            ExecutionState::Live(executor) => executor.cancel(waiting_for),
            ExecutionState::Paper(account) => {
                if let Some(result) = account.cancel(waiting_for) {
                    let now = context.clock.now();
                    let global = context.global.borrow().clone();
                    let _ = engine.on_event(&global, &result, now);
                    let changes = Changes {
                        save: true,
                        ..Changes::default()
                    };
                    save(context, engine, exec, changes).await;
                    return;
                }
            }
        }
    }
    // An order the engine decides on the way out is never sent (the next start rejects it).
    while engine.open_order().map(|o| o.id) == Some(waiting_for) {
        let Ok(Some(report)) = tokio::time::timeout_at(give_up, results.recv()).await else {
            return;
        };
        let now = context.clock.now();
        let mut changes = Changes {
            save: true,
            fills: report.fills,
            settlement: report.settlement,
            ..Changes::default()
        };
        if let Some(note) = report.note {
            record_activity(context, &mut changes, ActivityKind::Order, now, note);
        }
        let Some(event) = report.event else {
            save(context, engine, exec, changes).await;
            continue;
        };
        announce_fill(context, engine, &event, now, &mut changes);
        let global = context.global.borrow().clone();
        // No new orders on the way out: only the booking of this result.
        let actions: Vec<Action> = engine
            .on_event(&global, &event, now)
            .into_iter()
            .filter(|a| !matches!(a, Action::Place(_)))
            .collect();
        handle(engine, exec, context, actions, None, now, &mut changes);
        save(context, engine, exec, changes).await;
    }
}

/// Saves the bot's state with what changed it, then appends its activity lines. A failed
/// save is logged and told to the user; the bot carries on (its next save includes this one).
async fn save(context: &BotContext, engine: &BotEngine, exec: &ExecutionState, changes: Changes) {
    let now = polyagent_store::Timestamp::from_millis(context.clock.now().millis());
    if !changes.save {
        // Notes only: one commit for all of them.
        if !changes.activity.is_empty()
            && let Err(error) = context.db.activity().append_many(&changes.activity).await
        {
            tracing::warn!(bot = %context.id, %error, "could not append to the activity log");
        }
        return;
    }
    let mut saved = context.saved.clone();
    saved.engine = engine.clone();
    saved.paper = match exec {
        ExecutionState::Paper(account) => Some(account.clone()),
        ExecutionState::Live(_) => None,
    };
    let result = match persist::progress(&context.id, &saved, changes.fills, changes.settlement) {
        Ok(mut progress) => {
            // The step's activity lines go in the same commit as its state.
            progress.activity = changes.activity;
            context
                .db
                .save_bot_progress(&progress, now)
                .await
                .map_err(|e| e.to_string())
        }
        Err(error) => Err(error.message),
    };
    if let Err(error) = result {
        tracing::error!(bot = %context.id, %error, "could not save the bot");
        let _ = context.events.send(RuntimeEvent::BotActivity(BotActivity {
            bot_id: context.id.clone(),
            at_ms: now.as_millis(),
            text: format!("could not save the bot's state: {error}"),
            kind: ActivityKind::Error.as_str().to_owned(),
        }));
    }
}

/// Carries out the engine's actions; execution results are fed back at once.
fn handle(
    engine: &mut BotEngine,
    exec: &mut ExecutionState,
    context: &BotContext,
    actions: Vec<Action>,
    book: Option<&LocalBook>,
    now: Timestamp,
    changes: &mut Changes,
) {
    let mut queue = std::collections::VecDeque::from(actions);
    while let Some(action) = queue.pop_front() {
        if !matches!(action, Action::Target(_)) {
            changes.visible = true;
        }
        match action {
            Action::Place(order) => {
                let results = match exec {
                    ExecutionState::Paper(account) => match book {
                        Some(book) => account.place(&order, &paper_book(book)),
                        None => vec![Event::Rejected {
                            order: order.id,
                            reason: "no live order book to trade against".into(),
                        }],
                    },
                    // The order goes out on its own task; its result comes back as a report.
                    ExecutionState::Live(executor) => {
                        executor.place(&order, engine.config(), book, now);
                        continue;
                    }
                };
                changes.save = true;
                for result in results {
                    queue.extend(paper_result(
                        context, engine, exec, &order, &result, now, changes,
                    ));
                }
            }
            // Only resting orders stay on the book long enough to be cancelled.
            Action::Cancel { order } => {
                let cancelled = match exec {
                    ExecutionState::Paper(account) => {
                        let resting = account.resting.as_ref().map(|r| r.order.clone());
                        resting.zip(account.cancel(order))
                    }
                    ExecutionState::Live(executor) => {
                        executor.cancel(order);
                        None
                    }
                };
                if let Some((resting, result)) = cancelled {
                    changes.save = true;
                    queue.extend(paper_result(
                        context, engine, exec, &resting, &result, now, changes,
                    ));
                }
            }
            Action::Target(_) => {}
            Action::TradeClosed(_) => changes.save = true,
            Action::Activity(activity) => {
                let kind = match activity.topic {
                    Topic::System => ActivityKind::System,
                    Topic::Order => ActivityKind::Order,
                    Topic::Risk => ActivityKind::Risk,
                    Topic::Error => ActivityKind::Error,
                };
                record_activity(context, changes, kind, activity.at, activity.text);
            }
            Action::Spike(spike) => {
                let price = engine.quote().map(|q| q.price);
                let _ = context.events.send(RuntimeEvent::BotSpike(BotSpike {
                    bot_id: context.id.clone(),
                    pct: spike.pct.round_dp(2).to_string(),
                    direction: match spike.direction {
                        Direction::Up => "up".into(),
                        Direction::Down => "down".into(),
                    },
                    window_mins: spike.window_mins,
                    price: price.map(|p| p.to_string()),
                    at_ms: now.millis(),
                }));
                let text = format!(
                    "spike {:+}% in {} min{}",
                    spike.pct.round_dp(2),
                    spike.window_mins,
                    price.map(|p| format!(" (price {p})")).unwrap_or_default()
                );
                record_activity(context, changes, ActivityKind::Spike, now, text);
            }
            Action::Paused { reason } | Action::Resumed { reason } => {
                changes.save = true;
                record_activity(context, changes, ActivityKind::Risk, now, reason);
            }
        }
    }
}

/// Books one paper execution result (a fill or the order's end) and feeds it to the engine;
/// returns what the engine does next.
#[allow(clippy::too_many_arguments)] // the loop's own state, passed through
fn paper_result(
    context: &BotContext,
    engine: &mut BotEngine,
    exec: &ExecutionState,
    order: &polyagent_engine::event::OrderRequest,
    result: &Event,
    now: Timestamp,
    changes: &mut Changes,
) -> Vec<Action> {
    if let Event::Fill(fill) = result {
        let part = match exec {
            ExecutionState::Paper(account) if order.style.rests() => Some(account.resting_fills),
            _ => None,
        };
        changes
            .fills
            .push(paper_fill(context, engine, order, fill, part, now));
    }
    announce_fill(context, engine, result, now, changes);
    let global = context.global.borrow().clone();
    engine.on_event(&global, result, now)
}

fn record_activity(
    context: &BotContext,
    changes: &mut Changes,
    kind: ActivityKind,
    at: Timestamp,
    text: String,
) {
    let _ = context.events.send(RuntimeEvent::BotActivity(BotActivity {
        bot_id: context.id.clone(),
        at_ms: at.millis(),
        text: text.clone(),
        kind: kind.as_str().to_owned(),
    }));
    changes.activity.push(NewActivity {
        bot_id: Some(context.id.clone()),
        ts: polyagent_store::Timestamp::from_millis(at.millis()),
        kind,
        message: text,
        detail: None,
    });
}

/// A paper fill as a trade row: its id names the bot and the order (and, for a resting
/// order, which fill of the account's resting orders it is), so it is unique.
fn paper_fill(
    context: &BotContext,
    engine: &BotEngine,
    order: &polyagent_engine::event::OrderRequest,
    fill: &polyagent_engine::event::Fill,
    part: Option<u64>,
    now: Timestamp,
) -> NewFill {
    let config = engine.config();
    let token = match order.leg {
        polyagent_engine::event::Leg::Primary => config.token_id.clone(),
        polyagent_engine::event::Leg::Complement => {
            config.complement_token_id.clone().unwrap_or_default()
        }
    };
    NewFill {
        trade_id: match part {
            None => format!("paper:{}", persist::intent_id(&context.id, order.id)),
            Some(part) => format!("paper:{}#{part}", persist::intent_id(&context.id, order.id)),
        },
        exchange_order_id: "paper".to_owned(),
        bot_id: Some(context.id.clone()),
        token_id: token,
        side: persist::store_side(fill.side),
        price: fill.avg_price().round_dp(6),
        size: fill.shares,
        fee: fill.fee,
        status: FillStatus::Confirmed,
        ts: polyagent_store::Timestamp::from_millis(now.millis()),
    }
}

fn publish(
    summary: &watch::Sender<BotSummary>,
    context: &BotContext,
    engine: &BotEngine,
    exec: &ExecutionState,
    health: FeedState,
    now: Timestamp,
    announce: bool,
) {
    let next = summarize(context, engine, exec, health, now);
    let differs = *summary.borrow() != next;
    summary.send_replace(next.clone());
    if announce && differs {
        let _ = context.events.send(RuntimeEvent::BotStatus(Box::new(next)));
    }
}

/// Tells subscribers about a fill (the UI's activity, notifications) and logs it.
fn announce_fill(
    context: &BotContext,
    engine: &BotEngine,
    result: &Event,
    now: Timestamp,
    changes: &mut Changes,
) {
    if let Event::Fill(fill) = result {
        let text = format!(
            "{} {} shares at {} (fee {})",
            format!("{:?}", fill.side).to_lowercase(),
            fill.shares,
            fill.avg_price().round_dp(4),
            fill.fee
        );
        record_activity(context, changes, ActivityKind::Fill, now, text);
        let _ = context.events.send(RuntimeEvent::BotFill(BotFill {
            bot_id: context.id.clone(),
            bot_name: engine.config().name.clone(),
            side: format!("{:?}", fill.side).to_lowercase(),
            shares: fill.shares.to_string(),
            avg_price: fill.avg_price().round_dp(4).to_string(),
            fee: fill.fee.to_string(),
            at_ms: now.millis(),
        }));
    }
}

fn summarize(
    context: &BotContext,
    engine: &BotEngine,
    exec: &ExecutionState,
    feed: FeedState,
    now: Timestamp,
) -> BotSummary {
    let (mode, paper_cash) = match exec {
        ExecutionState::Paper(account) => ("paper", Some(account.cash.to_string())),
        ExecutionState::Live(_) => ("live", None),
    };
    let mut summary = summary_from(
        &context.id,
        &context.saved,
        engine,
        mode,
        paper_cash,
        feed,
        now,
    );
    if engine.status() == &BotStatus::Stopped {
        summary.status_detail.clone_from(&context.stop_reason);
    }
    summary
}

/// The primary outcome's quote from a live book: the displayed price (the midpoint while the
/// spread is at most 0.10, else the last trade), with the best bid and ask.
fn quote_of(book: &LocalBook) -> Option<Quote> {
    let (bid, ask) = (book.best_bid(), book.best_ask());
    let price = polyagent_venue::types::displayed_price(bid, ask, book.last_trade_price)?;
    Some(Quote { price, bid, ask })
}

fn paper_book(book: &LocalBook) -> Book {
    let levels = |levels: &[polyagent_venue::types::Level]| {
        levels
            .iter()
            .filter_map(|l| {
                Some(BookLevel {
                    price: polyagent_domain::money::Price::new(l.price).ok()?,
                    size: polyagent_domain::money::Shares::new(l.size).ok()?,
                })
            })
            .collect()
    };
    Book {
        bids: levels(book.bids()),
        asks: levels(book.asks()),
    }
}
