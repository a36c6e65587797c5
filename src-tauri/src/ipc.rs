//! Commands and events between the runtime and the webview, and the bindings generated from them.
//!
//! The TypeScript in `ui/src/bindings.ts` is generated from this module by
//! `scripts/gen-bindings` (a test checks it is current). Add a command or an event here and
//! regenerate; never edit the bindings by hand.

use std::time::Duration;

use polyagent_runtime::config::{BotSpec, DailyLimits};
use polyagent_runtime::{
    ActivityCursor, ActivityLine, ApiError, AppInfo, AppSettings, BacktestRequest, BacktestResult,
    BookSummary, BotActivity, BotFill, BotPrice, BotSpike, BotSummary, Catalog, ChartPoint,
    ErrorCode, FieldIssue, GeneratedWallet, Heartbeat, KillswitchState, MarketSummary,
    NewBotRequest, Notice, Runtime, RuntimeEvent, SecretString, SeriesInfo, TimeRange, TradeRow,
    TrayStatus, VaultStatus, WalletBalance, WalletInfo,
};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime as TauriRuntime, State};
use tauri_specta::{Builder, Event, collect_commands, collect_events};
use tokio::sync::broadcast;

use crate::coalesce::Coalescer;

// Each command is one call into the runtime, which validates, decides and answers
// `{code, message}`; the shell only moves arguments and answers across the IPC boundary.

/// What this build is.
#[tauri::command]
#[specta::specta]
pub fn app_info(runtime: State<'_, Runtime>) -> Result<AppInfo, ApiError> {
    Ok(runtime.app_info())
}

// --- bots ---------------------------------------------------------------------------------------

/// Every bot, by id.
#[tauri::command]
#[specta::specta]
pub fn list_bots(runtime: State<'_, Runtime>) -> Result<Vec<BotSummary>, ApiError> {
    Ok(runtime.list_bots())
}

/// One bot; `BOT_NOT_FOUND` for an unknown id.
#[tauri::command]
#[specta::specta]
pub fn get_bot(runtime: State<'_, Runtime>, id: String) -> Result<BotSummary, ApiError> {
    runtime.get_bot(&id)
}

/// Creates a bot (and starts it when the request says so); `INVALID_CONFIG` names every bad
/// field, and nothing is saved on error.
#[tauri::command]
#[specta::specta]
pub async fn create_bot(
    runtime: State<'_, Runtime>,
    request: NewBotRequest,
) -> Result<BotSummary, ApiError> {
    runtime.create_bot(request).await
}

#[tauri::command]
#[specta::specta]
pub async fn start_bot(runtime: State<'_, Runtime>, id: String) -> Result<(), ApiError> {
    runtime.start_bot(&id).await
}

#[tauri::command]
#[specta::specta]
pub async fn stop_bot(runtime: State<'_, Runtime>, id: String) -> Result<(), ApiError> {
    runtime.stop_bot(&id).await
}

#[tauri::command]
#[specta::specta]
pub async fn pause_bot(runtime: State<'_, Runtime>, id: String) -> Result<(), ApiError> {
    runtime.pause_bot(&id).await
}

#[tauri::command]
#[specta::specta]
pub async fn resume_bot(runtime: State<'_, Runtime>, id: String) -> Result<(), ApiError> {
    runtime.resume_bot(&id).await
}

/// Stops and deletes a bot; its history stays. `CONFLICT` while it holds a position.
#[tauri::command]
#[specta::specta]
pub async fn delete_bot(runtime: State<'_, Runtime>, id: String) -> Result<(), ApiError> {
    runtime.delete_bot(&id).await
}

// --- settings, killswitch, daily limits ---------------------------------------------------------

#[tauri::command]
#[specta::specta]
pub fn get_settings(runtime: State<'_, Runtime>) -> Result<AppSettings, ApiError> {
    Ok(runtime.settings())
}

/// Saves the settings and answers what was saved; `CONFLICT` for an exchange switch while
/// bots run.
#[tauri::command]
#[specta::specta]
pub async fn update_settings(
    runtime: State<'_, Runtime>,
    settings: AppSettings,
) -> Result<AppSettings, ApiError> {
    runtime.update_settings(settings).await
}

/// Stops every bot and cancels every live wallet's open orders; answers the cancelled order
/// ids. The tripped state survives a restart.
#[tauri::command]
#[specta::specta]
pub async fn trip_killswitch(
    runtime: State<'_, Runtime>,
    reason: String,
) -> Result<Vec<String>, ApiError> {
    runtime.trip_killswitch(&reason).await
}

/// Re-arms the killswitch; stopped bots stay stopped.
#[tauri::command]
#[specta::specta]
pub async fn arm_killswitch(runtime: State<'_, Runtime>) -> Result<(), ApiError> {
    runtime.arm_killswitch().await
}

/// Whether the killswitch is tripped.
#[tauri::command]
#[specta::specta]
pub fn killswitch_tripped(runtime: State<'_, Runtime>) -> Result<bool, ApiError> {
    Ok(runtime.killswitch_tripped())
}

#[tauri::command]
#[specta::specta]
pub fn get_daily_limits(runtime: State<'_, Runtime>) -> Result<DailyLimits, ApiError> {
    Ok(runtime.daily_limits())
}

/// Replaces the daily limits; `INVALID_CONFIG` names every bad field and changes nothing.
#[tauri::command]
#[specta::specta]
pub async fn set_daily_limits(
    runtime: State<'_, Runtime>,
    limits: DailyLimits,
) -> Result<(), ApiError> {
    runtime.set_daily_limits(limits).await
}

// --- vault and wallets --------------------------------------------------------------------------
//
// Keys and passphrases arrive as plain strings (JSON is all the webview can send). Each is
// moved into a `SecretString` before anything else happens, so that `String` is wiped when
// dropped and prints as redacted; none of these commands logs or echoes its arguments. Tauri's
// request body and the JSON value it is parsed from are not wiped (nor can the webview's own
// strings be): they are freed, not overwritten (review L-6).

/// Every wallet: addresses and labels, never keys.
#[tauri::command]
#[specta::specta]
pub async fn list_wallets(runtime: State<'_, Runtime>) -> Result<Vec<WalletInfo>, ApiError> {
    runtime.list_wallets().await
}

/// Imports a private key (64 hex digits, with or without `0x`) into the vault; answers the
/// wallet's public data only. `signature_type`: 0 EOA, 1 proxy, 2 Safe, 3 deposit wallet, with
/// the `funder` address for 1-3. `test_key`: a key made for testing, which may also trade live
/// on a simulator or the demo (any other key trades live on Polymarket only).
#[tauri::command]
#[specta::specta]
pub async fn import_wallet(
    runtime: State<'_, Runtime>,
    label: String,
    key: String,
    signature_type: u8,
    funder: Option<String>,
    test_key: bool,
) -> Result<WalletInfo, ApiError> {
    let key = secret("key", key)?;
    if test_key {
        runtime
            .import_test_key(&label, &key, signature_type, funder.as_deref())
            .await
    } else {
        runtime
            .import_wallet(&label, &key, signature_type, funder.as_deref())
            .await
    }
}

/// Generates a new key (an EOA) in the vault; answers it once, to be shown for a backup (the
/// wallet trades live only after `confirm_wallet_backup`).
#[tauri::command]
#[specta::specta]
pub async fn generate_wallet(
    runtime: State<'_, Runtime>,
    label: String,
) -> Result<GeneratedWallet, ApiError> {
    runtime.generate_wallet(&label).await
}

/// Deletes a wallet's key and record after checking the vault's passphrase (in Rust: the
/// webview alone cannot delete a key); `CONFLICT` while a bot trades from it.
#[tauri::command]
#[specta::specta]
pub async fn delete_wallet(
    runtime: State<'_, Runtime>,
    address_or_label: String,
    passphrase: String,
) -> Result<(), ApiError> {
    runtime
        .delete_wallet(&address_or_label, &secret("passphrase", passphrase)?)
        .await
}

/// `missing`, `locked` or `open`, and how the vault keeps its data key.
#[tauri::command]
#[specta::specta]
pub fn vault_status(runtime: State<'_, Runtime>) -> Result<VaultStatus, ApiError> {
    Ok(runtime.vault_status())
}

/// Creates the vault with a passphrase (at least 12 characters and hard to guess: the refusal
/// carries the strength estimator's feedback).
#[tauri::command]
#[specta::specta]
pub async fn create_vault(
    runtime: State<'_, Runtime>,
    passphrase: String,
) -> Result<VaultStatus, ApiError> {
    runtime
        .create_vault(secret("passphrase", passphrase)?.expose_str())
        .await
}

/// Unlocks the vault; bots waiting for their wallet start.
#[tauri::command]
#[specta::specta]
pub async fn unlock_vault(
    runtime: State<'_, Runtime>,
    passphrase: String,
) -> Result<VaultStatus, ApiError> {
    runtime
        .unlock_vault(secret("passphrase", passphrase)?.expose_str())
        .await
}

/// Gives a wallet a new label.
#[tauri::command]
#[specta::specta]
pub async fn rename_wallet(
    runtime: State<'_, Runtime>,
    address_or_label: String,
    label: String,
) -> Result<WalletInfo, ApiError> {
    runtime.rename_wallet(&address_or_label, &label).await
}

/// Replaces the vault's passphrase; the current one must be given.
#[tauri::command]
#[specta::specta]
pub fn change_vault_passphrase(
    runtime: State<'_, Runtime>,
    current_passphrase: String,
    new_passphrase: String,
) -> Result<VaultStatus, ApiError> {
    runtime.change_vault_passphrase(
        &secret("current passphrase", current_passphrase)?,
        secret("new passphrase", new_passphrase)?.expose_str(),
    )
}

/// Moves a secret that came over IPC into a [`SecretString`]; the error names the argument,
/// never its value.
fn secret(argument: &str, text: String) -> Result<SecretString, ApiError> {
    SecretString::new(text)
        .map_err(|_| ApiError::new(ErrorCode::InvalidInput, format!("the {argument} is empty")))
}

// --- manual orders, history, exports --------------------------------------------------------------

/// Buys by hand at the ask for `amount` pUSD (decimal text; the bot's trade size when absent).
/// `CONFLICT` with the reason when the rules refuse it.
#[tauri::command]
#[specta::specta]
pub async fn manual_buy(
    runtime: State<'_, Runtime>,
    id: String,
    amount: Option<String>,
) -> Result<(), ApiError> {
    runtime
        .manual_buy(&id, Runtime::parse_amount(amount.as_deref())?)
        .await
}

/// Sells the bot's whole position at the bid.
#[tauri::command]
#[specta::specta]
pub async fn close_position(runtime: State<'_, Runtime>, id: String) -> Result<(), ApiError> {
    runtime.close_position(&id).await
}

/// A bot's chart points in a time range, oldest first.
#[tauri::command]
#[specta::specta]
pub async fn price_history(
    runtime: State<'_, Runtime>,
    bot_id: String,
    range: TimeRange,
) -> Result<Vec<ChartPoint>, ApiError> {
    runtime
        .price_history(&bot_id, range.from_ms, range.to_ms)
        .await
}

/// Every trade (of one bot or all) as CSV, for taxes and reviews.
#[tauri::command]
#[specta::specta]
pub async fn export_trades_csv(
    runtime: State<'_, Runtime>,
    bot_id: Option<String>,
) -> Result<String, ApiError> {
    runtime.export_trades_csv(bot_id.as_deref()).await
}

/// The activity log (of one bot or all) as CSV.
#[tauri::command]
#[specta::specta]
pub async fn export_activity_csv(
    runtime: State<'_, Runtime>,
    bot_id: Option<String>,
) -> Result<String, ApiError> {
    runtime.export_activity_csv(bot_id.as_deref()).await
}

// --- activity -----------------------------------------------------------------------------------

/// The newest activity lines, newest first: of one bot or all, of one kind (`order`, `fill`,
/// `spike`, `risk`, `error`, `system`) or all; `limit` is clamped to 1-1000. With `before`
/// (the oldest line already read), the page of lines older than it.
#[tauri::command]
#[specta::specta]
pub async fn activity(
    runtime: State<'_, Runtime>,
    bot_id: Option<String>,
    kind: Option<String>,
    limit: u32,
    before: Option<ActivityCursor>,
) -> Result<Vec<ActivityLine>, ApiError> {
    runtime
        .activity_before(bot_id.as_deref(), kind.as_deref(), limit, before)
        .await
}

// --- bots: editing, the wizard's catalog and checks ----------------------------------------------

/// Edits a stopped bot's name, strategy, profile and overrides (not its market, wallet or
/// mode); `CONFLICT` while it runs, `INVALID_CONFIG` naming every bad field.
#[tauri::command]
#[specta::specta]
pub async fn update_bot(
    runtime: State<'_, Runtime>,
    id: String,
    spec: BotSpec,
) -> Result<BotSummary, ApiError> {
    runtime.update_bot(&id, spec).await
}

/// Strategies, profiles with their numbers, and a one-line meaning for every field.
#[tauri::command]
#[specta::specta]
pub fn catalog(runtime: State<'_, Runtime>) -> Result<Catalog, ApiError> {
    Ok(runtime.catalog())
}

/// What `create_bot` would refuse in a spec, field by field (empty: valid). Local only: cheap
/// enough for every keystroke.
#[tauri::command]
#[specta::specta]
pub fn validate_bot_spec(
    runtime: State<'_, Runtime>,
    spec: BotSpec,
    live: bool,
) -> Result<Vec<FieldIssue>, ApiError> {
    Ok(runtime.validate_bot_spec(&spec, live))
}

/// Pauses every running bot; answers how many.
#[tauri::command]
#[specta::specta]
pub async fn pause_all(runtime: State<'_, Runtime>) -> Result<u32, ApiError> {
    Ok(runtime.pause_all().await)
}

/// The newest trades (fills) of one bot or all, newest first; `limit` 1-10,000.
#[tauri::command]
#[specta::specta]
pub async fn list_trades(
    runtime: State<'_, Runtime>,
    bot_id: Option<String>,
    limit: u32,
) -> Result<Vec<TradeRow>, ApiError> {
    runtime.list_trades(bot_id.as_deref(), limit).await
}

// --- markets ------------------------------------------------------------------------------------

/// Markets matching search text, tradable ones first (closed ones flagged).
#[tauri::command]
#[specta::specta]
pub async fn search_markets(
    runtime: State<'_, Runtime>,
    query: String,
) -> Result<Vec<MarketSummary>, ApiError> {
    runtime.search_markets(&query).await
}

/// One market from a polymarket.com URL, a slug, a condition id or a token id.
#[tauri::command]
#[specta::specta]
pub async fn lookup_market(
    runtime: State<'_, Runtime>,
    input: String,
) -> Result<MarketSummary, ApiError> {
    runtime.lookup_market(&input).await
}

/// Spread, depth and liquidity of an outcome's book, fresh from the exchange.
#[tauri::command]
#[specta::specta]
pub async fn book_summary(
    runtime: State<'_, Runtime>,
    token_id: String,
) -> Result<BookSummary, ApiError> {
    runtime.book_summary(&token_id).await
}

/// Streams an outcome's book metrics over `channel` (at most 10 a second) until another book
/// is watched or `unwatch_book` is called. High-rate data: a channel, not events.
#[tauri::command]
#[specta::specta]
pub fn watch_book(
    runtime: State<'_, Runtime>,
    token_id: String,
    channel: tauri::ipc::Channel<BookSummary>,
) -> Result<(), ApiError> {
    runtime.watch_book(&token_id, Box::new(move |book| channel.send(book).is_ok()))
}

/// Stops the book stream.
#[tauri::command]
#[specta::specta]
pub fn unwatch_book(runtime: State<'_, Runtime>) -> Result<(), ApiError> {
    runtime.unwatch_book();
    Ok(())
}

// --- wallets, backtests, the demo, the desktop ---------------------------------------------------

/// A wallet's pUSD on the exchange and whether its allowances let buys settle.
#[tauri::command]
#[specta::specta]
pub async fn wallet_balance(
    runtime: State<'_, Runtime>,
    address_or_label: String,
) -> Result<WalletBalance, ApiError> {
    runtime.wallet_balance(&address_or_label).await
}

/// The recorded series a backtest can replay.
#[tauri::command]
#[specta::specta]
pub fn list_series(runtime: State<'_, Runtime>) -> Result<Vec<SeriesInfo>, ApiError> {
    runtime.list_series()
}

/// Replays a recorded series through a bot built from the request (paper fills).
#[tauri::command]
#[specta::specta]
pub async fn run_backtest(
    runtime: State<'_, Runtime>,
    request: BacktestRequest,
) -> Result<BacktestResult, ApiError> {
    runtime.run_backtest(request).await
}

/// Starts the built-in demo simulator and makes it the exchange (paper bots, no account).
#[tauri::command]
#[specta::specta]
pub async fn start_demo(runtime: State<'_, Runtime>) -> Result<AppSettings, ApiError> {
    runtime.start_demo().await
}

/// Whether the killswitch is tripped, why and since when.
#[tauri::command]
#[specta::specta]
pub fn killswitch_state(runtime: State<'_, Runtime>) -> Result<KillswitchState, ApiError> {
    Ok(runtime.killswitch_state())
}

/// The tray's state and tooltip.
#[tauri::command]
#[specta::specta]
pub fn tray_status(runtime: State<'_, Runtime>) -> Result<TrayStatus, ApiError> {
    Ok(runtime.tray_status())
}

/// The newest desktop notifications, newest first.
#[tauri::command]
#[specta::specta]
pub fn recent_notices(runtime: State<'_, Runtime>) -> Result<Vec<Notice>, ApiError> {
    Ok(runtime.recent_notices())
}

/// The folder the app writes its log files to.
#[tauri::command]
#[specta::specta]
pub fn log_folder(logs: State<'_, crate::desktop::LogFolder>) -> Result<String, ApiError> {
    Ok(logs.0.display().to_string())
}

/// Opens the log folder in the system's file manager.
#[tauri::command]
#[specta::specta]
pub fn open_log_folder(logs: State<'_, crate::desktop::LogFolder>) -> Result<(), ApiError> {
    crate::desktop::open_folder(&logs.0)
}

/// Quits the app: bots stop (their state is saved), and open orders are cancelled when the
/// settings say so. The UI asks first when bots are running.
#[tauri::command]
#[specta::specta]
pub fn quit_app(quit: State<'_, crate::desktop::Quit>) -> Result<(), ApiError> {
    (quit.0)();
    Ok(())
}

// --- events -------------------------------------------------------------------------------------

/// Sent once a second while the backend is alive.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, Event)]
#[serde(transparent)]
pub struct HeartbeatEvent(pub Heartbeat);

/// A bot's status or figures changed.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, Event)]
#[serde(transparent)]
pub struct BotStatusEvent(pub BotSummary);

/// One of a bot's orders (partly) filled.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, Event)]
#[serde(transparent)]
pub struct BotFillEvent(pub BotFill);

/// A line for a bot's activity log.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, Event)]
#[serde(transparent)]
pub struct BotActivityEvent(pub BotActivity);

/// The newest price a bot saw: at most 10 a second per bot (`PRICE_EVENTS_PER_SECOND`), and
/// the last price of a burst always arrives, a tenth of a second after the one before at most.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, Event)]
#[serde(transparent)]
pub struct BotPriceEvent(pub BotPrice);

/// A move beyond a bot's spike threshold (a marker on its chart).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, Event)]
#[serde(transparent)]
pub struct BotSpikeEvent(pub BotSpike);

/// The killswitch was tripped or re-armed.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, Event)]
#[serde(transparent)]
pub struct KillswitchEvent(pub KillswitchState);

/// The settings changed.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, Event)]
#[serde(transparent)]
pub struct SettingsEvent(pub AppSettings);

/// A desktop notification was shown (also listed by `recent_notices`).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, Event)]
#[serde(transparent)]
pub struct NoticeEvent(pub Notice);

/// The tray's state changed.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, Event)]
#[serde(transparent)]
pub struct TrayEvent(pub TrayStatus);

/// The vault was locked (by the user or after idling) or unlocked.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, Event)]
#[serde(transparent)]
pub struct VaultEvent(pub VaultStatus);

/// The tray menu asks the window to confirm an action: `killswitch` or `quit`.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmRequestEvent {
    pub action: String,
    /// Bots running now (the question says how many a quit stops).
    pub running: u32,
}

/// The most price events one bot sends the webview per second: enough for a live chart and a
/// ticking figure, and no more than the webview can draw.
pub const PRICE_EVENTS_PER_SECOND: u32 = 10;

const PRICE_INTERVAL: Duration = Duration::from_millis(1000 / PRICE_EVENTS_PER_SECOND as u64);

/// The command and event registry. `invoke_handler` and `mount_events` come from here, and so
/// do the TypeScript bindings, so the three cannot disagree.
pub fn bindings<R: TauriRuntime>() -> Builder<R> {
    Builder::<R>::new()
        .commands(collect_commands![
            app_info,
            list_bots,
            get_bot,
            create_bot,
            start_bot,
            stop_bot,
            pause_bot,
            resume_bot,
            delete_bot,
            get_settings,
            update_settings,
            trip_killswitch,
            arm_killswitch,
            killswitch_tripped,
            get_daily_limits,
            set_daily_limits,
            list_wallets,
            import_wallet,
            generate_wallet,
            delete_wallet,
            vault_status,
            create_vault,
            unlock_vault,
            rename_wallet,
            change_vault_passphrase,
            manual_buy,
            close_position,
            price_history,
            export_trades_csv,
            export_activity_csv,
            activity,
            update_bot,
            catalog,
            validate_bot_spec,
            pause_all,
            list_trades,
            search_markets,
            lookup_market,
            book_summary,
            watch_book,
            unwatch_book,
            wallet_balance,
            list_series,
            run_backtest,
            start_demo,
            killswitch_state,
            tray_status,
            recent_notices,
            log_folder,
            open_log_folder,
            quit_app,
            crate::vault_ipc::lock_vault,
            crate::vault_ipc::vault_prefs,
            crate::vault_ipc::set_vault_prefs,
            crate::vault_ipc::vault_activity,
            crate::vault_ipc::reveal_wallet_key,
            crate::vault_ipc::confirm_wallet_backup,
        ])
        .events(collect_events![
            HeartbeatEvent,
            BotStatusEvent,
            BotFillEvent,
            BotActivityEvent,
            BotPriceEvent,
            BotSpikeEvent,
            KillswitchEvent,
            SettingsEvent,
            NoticeEvent,
            TrayEvent,
            ConfirmRequestEvent,
            VaultEvent
        ])
        .typ::<ApiError>()
}

/// Forwards runtime events to the webview until the runtime stops.
///
/// Prices are coalesced per bot ([`Coalescer`]): each turn takes every event already queued,
/// then sends each bot's newest price if its last one went out at least [`PRICE_INTERVAL`]
/// ago; a price that has to wait goes out when its interval ends, unless a newer one replaced
/// it. The runtime's broadcast never waits for this task: when it falls behind it skips old
/// events (`Lagged`), so the engine never slows down for the webview, and since prices are
/// sent only after the queue is drained, a slow webview gets the newest price, not a backlog.
pub fn forward_events<R: TauriRuntime>(
    app: AppHandle<R>,
    mut events: broadcast::Receiver<RuntimeEvent>,
) {
    use broadcast::error::{RecvError, TryRecvError};
    tauri::async_runtime::spawn(async move {
        let mut prices = Coalescer::new(PRICE_INTERVAL);
        loop {
            // Waiting prices first: under a flood, `recv` is always ready.
            let received = tokio::select! {
                biased;
                () = until(prices.next_due()) => None,
                received = events.recv() => Some(received),
            };
            let mut open = true;
            if let Some(received) = received {
                match received {
                    Ok(event) => forward(&app, &mut prices, event),
                    // The webview fell behind and skipped old events; newer ones follow.
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => open = false,
                }
                let mut drained = 0;
                while open && drained < DRAIN_LIMIT {
                    drained += 1;
                    match events.try_recv() {
                        Ok(event) => forward(&app, &mut prices, event),
                        Err(TryRecvError::Lagged(_)) => {}
                        Err(TryRecvError::Empty) => break,
                        Err(TryRecvError::Closed) => open = false,
                    }
                }
            }
            for price in prices.take_due(std::time::Instant::now()) {
                report(BotPriceEvent(price).emit(&app));
            }
            if !open {
                break;
            }
        }
    });
}

/// The most events taken in one turn before the due prices are sent, so a flood of other
/// events never holds prices back for long (the runtime buffers 1024 per subscriber).
const DRAIN_LIMIT: usize = 1024;

/// Sends one runtime event to the webview; prices are only offered to the coalescer.
fn forward<R: TauriRuntime>(
    app: &AppHandle<R>,
    prices: &mut Coalescer<String, BotPrice>,
    event: RuntimeEvent,
) {
    let sent = match event {
        RuntimeEvent::Heartbeat(beat) => HeartbeatEvent(beat).emit(app),
        RuntimeEvent::BotStatus(bot) => BotStatusEvent(*bot).emit(app),
        RuntimeEvent::BotFill(fill) => BotFillEvent(fill).emit(app),
        RuntimeEvent::BotActivity(line) => BotActivityEvent(line).emit(app),
        RuntimeEvent::BotSpike(spike) => BotSpikeEvent(spike).emit(app),
        RuntimeEvent::Killswitch(state) => KillswitchEvent(state).emit(app),
        RuntimeEvent::Settings(settings) => SettingsEvent(settings).emit(app),
        RuntimeEvent::Notice(notice) => NoticeEvent(notice).emit(app),
        RuntimeEvent::Vault(status) => VaultEvent(status).emit(app),
        RuntimeEvent::BotPrice(price) => {
            prices.offer(price.bot_id.clone(), price, std::time::Instant::now());
            return;
        }
    };
    report(sent);
}

/// Sleeps until `deadline`, or for ever without one.
async fn until(deadline: Option<std::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
        None => std::future::pending().await,
    }
}

fn report(sent: tauri::Result<()>) {
    if let Err(error) = sent {
        tracing::warn!(%error, "could not send an event to the webview");
    }
}

/// The TypeScript the bindings are exported as. Shared by `scripts/gen-bindings` and the drift
/// test so both produce the same bytes.
pub fn typescript() -> specta_typescript::Typescript {
    specta_typescript::Typescript::default().header(
        "// Generated from src-tauri/src/ipc.rs by scripts/gen-bindings. Do not edit by hand.\n\
         /* eslint-disable */",
    )
}

/// Where the generated bindings live, relative to the repository root.
pub const BINDINGS_PATH: &str = "ui/src/bindings.ts";
