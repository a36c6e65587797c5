//! `polyagent run` and the commands that manage a data folder without a window: `bot`,
//! `wallet`, `activity`, `exchange` (`killswitch` and `status` are in `killswitch.rs`).
//!
//! Invariants:
//! - every command opens the data folder through the same runtime as the desktop app, so
//!   rules, validation and error codes are the app's own;
//! - only `run` runs bots. The other commands open the folder to manage it: lifecycle changes
//!   are saved and take effect at the next `run` (the folder's lock keeps two processes from
//!   using one folder at once);
//! - private keys are read from standard input only, never from an argument (arguments show
//!   in `ps` and shell history); output carries addresses only;
//! - errors print `{code, message}` (with `--json`) or `error [CODE]: message`, and the exit
//!   status is 1; 2 is for usage errors (clap's).

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use polyagent_runtime::{
    ApiError, AppSettings, ErrorCode, ExchangeChoice, NewBotRequest, Runtime, RuntimeConfig,
    RuntimeEvent, SecretString, VAULT_PASSPHRASE_ENV,
};
use serde::Serialize;

/// Where and how to open the data folder.
#[derive(Debug, Args, Clone)]
pub struct FolderArgs {
    /// The data folder (database and key vault). Default: the desktop app's app-data folder.
    #[arg(long, global = true)]
    pub(crate) data_dir: Option<PathBuf>,
    /// Do not use the OS keychain: the vault's passphrase comes from --passphrase-file (or
    /// POLYAGENT_VAULT_PASSPHRASE).
    #[arg(long, global = true)]
    pub(crate) no_keychain: bool,
    /// Read the vault's passphrase from this owner-only file (e.g. systemd's
    /// $CREDENTIALS_DIRECTORY/NAME with LoadCredential=), rather than from the environment.
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) passphrase_file: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub(crate) folder: FolderArgs,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    folder: FolderArgs,
}

#[derive(Debug, Subcommand)]
pub enum BotCommand {
    /// Create a bot from the wizard's JSON (`{"spec": …, "execution": …, "start": …}`), read
    /// from FILE or from standard input with `-`.
    Create {
        file: PathBuf,
        #[command(flatten)]
        folder: FolderArgs,
    },
    /// Every bot with its status and figures.
    List {
        #[command(flatten)]
        folder: FolderArgs,
    },
    /// One bot.
    Show {
        id: String,
        #[command(flatten)]
        folder: FolderArgs,
    },
    /// Mark a bot to run (it trades at the next `polyagent run`).
    Start {
        id: String,
        #[command(flatten)]
        folder: FolderArgs,
    },
    /// Stop a bot.
    Stop {
        id: String,
        #[command(flatten)]
        folder: FolderArgs,
    },
    /// Delete a bot (its trades stay in the history).
    Delete {
        id: String,
        #[command(flatten)]
        folder: FolderArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum WalletCommand {
    /// Import a private key read from standard input (hex, with or without 0x).
    Import {
        #[arg(long)]
        label: String,
        /// 0 EOA, 1 proxy, 2 Safe, 3 deposit wallet.
        #[arg(long, default_value_t = 0)]
        signature_type: u8,
        /// The address that holds the funds (proxy, Safe and deposit wallets).
        #[arg(long)]
        funder: Option<String>,
        /// A key made for testing, with no real funds: it may also trade live on a simulator
        /// or the demo (other keys trade live on Polymarket only).
        #[arg(long)]
        test_key: bool,
        #[command(flatten)]
        folder: FolderArgs,
    },
    /// Generate a new wallet. Its key is not printed: `wallet export` shows it (and confirms
    /// the backup); until then the wallet does not trade live.
    Generate {
        #[arg(long)]
        label: String,
        #[command(flatten)]
        folder: FolderArgs,
    },
    /// Every wallet (addresses and labels; never keys).
    List {
        #[command(flatten)]
        folder: FolderArgs,
    },
    /// Give a wallet a new label.
    Rename {
        /// Address or current label.
        wallet: String,
        #[arg(long)]
        label: String,
        #[command(flatten)]
        folder: FolderArgs,
    },
    /// Print a wallet's private key, for a backup (this confirms a generated wallet's backup).
    /// The vault's passphrase is read from standard input (it is asked again even when the
    /// keychain unlocked the vault).
    Export {
        /// Address or label.
        wallet: String,
        #[command(flatten)]
        folder: FolderArgs,
    },
    /// Delete a wallet and its key. Needs --yes and the vault's passphrase on standard input:
    /// the key is gone for good, and the vault's data key is rotated.
    Delete {
        /// Address or label.
        wallet: String,
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        folder: FolderArgs,
    },
}

#[derive(Debug, Args)]
pub struct ActivityArgs {
    /// Only this bot.
    #[arg(long)]
    bot: Option<String>,
    /// Only this kind: order, fill, spike, risk, error or system.
    #[arg(long)]
    kind: Option<String>,
    #[arg(long, default_value_t = 50)]
    limit: u32,
    #[command(flatten)]
    folder: FolderArgs,
}

/// What to export.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ExportKind {
    /// The activity log.
    Activity,
    /// Every trade (fill) with price, size, fee and ids: for taxes and reviews.
    Trades,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    kind: ExportKind,
    /// Only this bot.
    #[arg(long)]
    bot: Option<String>,
    /// Write the CSV here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    folder: FolderArgs,
}

#[derive(Debug, Args)]
pub struct ExchangeArgs {
    /// `polymarket`, `demo` (the built-in demo simulator, which `polyagent run` and the app start
    /// themselves) or the base URL of a PolyAgent simulator (`http://127.0.0.1:PORT`).
    target: String,
    #[command(flatten)]
    folder: FolderArgs,
}

/// The desktop app's app-data folder (Tauri's `app_data_dir` for our identifier).
fn default_data_dir() -> PathBuf {
    const IDENTIFIER: &str = "app.polyagent.desktop";
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    if cfg!(target_os = "macos") {
        return home.join("Library/Application Support").join(IDENTIFIER);
    }
    if cfg!(windows) {
        let roaming = std::env::var_os("APPDATA")
            .map(PathBuf::from)
            .unwrap_or(home);
        return roaming.join(IDENTIFIER);
    }
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| home.join(".local/share"))
        .join(IDENTIFIER)
}

/// The data folder the command works on: `--data-dir`, else the desktop app's.
pub(crate) fn data_dir(folder: &FolderArgs) -> PathBuf {
    folder.data_dir.clone().unwrap_or_else(default_data_dir)
}

pub(crate) fn config(folder: &FolderArgs, run_bots: bool) -> Result<RuntimeConfig, ApiError> {
    let dir = data_dir(folder);
    let mut config = RuntimeConfig::new(&dir);
    if folder.no_keychain {
        config.vault = polyagent_vault::VaultConfig::new(&dir).no_keychain();
    }
    config.vault_passphrase = match &folder.passphrase_file {
        Some(path) => Some(polyagent_runtime::secret_input::read_passphrase_file(path)?),
        // Kept for existing setups; the README shows the file instead (no shell history, no
        // `/proc/PID/environ`).
        None => std::env::var(VAULT_PASSPHRASE_ENV)
            .ok()
            .and_then(|p| SecretString::new(p).ok()),
    };
    config.run_bots = run_bots;
    // A command typed in the user's own terminal is the confirmation of what it asks for:
    // there is no webview between the user and the CLI, and whatever can run it as the user
    // can read the data folder anyway (see `polyagent_runtime::stepup`).
    config.confirmer = std::sync::Arc::new(polyagent_runtime::stepup::TypedCommand);
    // No window here could unlock the vault again: the desktop's auto-lock does not apply.
    config.auto_lock = false;
    Ok(config)
}

pub(crate) fn tokio() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("the async runtime could not start: {e}"))
}

pub(crate) fn print<T: Serialize>(
    json: bool,
    value: &T,
    text: impl FnOnce(&T) -> String,
) -> ExitCode {
    let line = if json {
        serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    } else {
        text(value)
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    ExitCode::SUCCESS
}

pub(crate) fn fail(json: bool, error: &ApiError) -> ExitCode {
    if json {
        let text = serde_json::to_string(error).unwrap_or_default();
        let _ = writeln!(std::io::stdout().lock(), "{text}");
    } else {
        let code = serde_json::to_value(error.code)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let _ = writeln!(
            std::io::stderr().lock(),
            "error [{code}]: {}",
            error.message
        );
    }
    ExitCode::FAILURE
}

/// Opens the folder for management, runs `work`, and closes it.
pub(crate) fn manage<T: Serialize>(
    folder: &FolderArgs,
    work: impl AsyncFnOnce(&Runtime) -> Result<T, ApiError>,
    text: impl FnOnce(&T) -> String,
) -> ExitCode {
    let result = tokio().block_on(async {
        let runtime = Runtime::open(config(folder, false)?).await?;
        let result = work(&runtime).await;
        runtime.shutdown(false).await;
        result
    });
    match result {
        Ok(value) => print(folder.json, &value, text),
        Err(error) => fail(folder.json, &error),
    }
}

fn bot_line(b: &polyagent_runtime::BotSummary) -> String {
    format!(
        "{}  {:<8} {:<5} {:<24} P&L {} ({} trades)",
        b.id, b.status, b.mode, b.name, b.realized_pnl, b.trades
    )
}

pub fn bot(command: BotCommand) -> ExitCode {
    match command {
        BotCommand::Create { file, folder } => {
            let text = if file.as_os_str() == "-" {
                let mut text = String::new();
                std::io::stdin().read_to_string(&mut text).map(|_| text)
            } else {
                std::fs::read_to_string(&file)
            };
            let request: NewBotRequest = match text
                .map_err(|e| e.to_string())
                .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
            {
                Ok(request) => request,
                Err(e) => {
                    return fail(
                        folder.json,
                        &ApiError::new(
                            ErrorCode::InvalidConfig,
                            format!("{}: {e}", file.display()),
                        ),
                    );
                }
            };
            manage(&folder, async |rt| rt.create_bot(request).await, bot_line)
        }
        BotCommand::List { folder } => manage(
            &folder,
            async |rt| Ok(rt.list_bots()),
            |bots| bots.iter().map(bot_line).collect::<Vec<_>>().join("\n"),
        ),
        BotCommand::Show { id, folder } => {
            manage(&folder, async |rt| rt.get_bot(&id), |b| format!("{b:#?}"))
        }
        BotCommand::Start { id, folder } => manage(
            &folder,
            async |rt| {
                rt.start_bot(&id).await?;
                rt.get_bot(&id)
            },
            bot_line,
        ),
        BotCommand::Stop { id, folder } => manage(
            &folder,
            async |rt| {
                rt.stop_bot(&id).await?;
                rt.get_bot(&id)
            },
            bot_line,
        ),
        BotCommand::Delete { id, folder } => manage(
            &folder,
            async |rt| rt.delete_bot(&id).await.map(|()| id.clone()),
            |id| format!("deleted {id}"),
        ),
    }
}

fn wallet_line(w: &polyagent_runtime::WalletInfo) -> String {
    format!(
        "{}  {:<16} type {}{}{}",
        w.address,
        w.label,
        w.signature_type,
        if w.test_key { "  test key" } else { "" },
        if w.has_key {
            ""
        } else {
            "  (no key in the vault)"
        }
    )
}

pub fn wallet(command: WalletCommand) -> ExitCode {
    match command {
        WalletCommand::Import {
            label,
            signature_type,
            funder,
            test_key,
            folder,
        } => {
            let Some(key) = read_secret(folder.json, "the private key") else {
                return ExitCode::FAILURE;
            };
            manage(
                &folder,
                async |rt| {
                    if test_key {
                        rt.import_test_key(&label, &key, signature_type, funder.as_deref())
                            .await
                    } else {
                        rt.import_wallet(&label, &key, signature_type, funder.as_deref())
                            .await
                    }
                },
                wallet_line,
            )
        }
        WalletCommand::Generate { label, folder } => manage(
            &folder,
            // The key is not printed here (a terminal keeps scrollback): `wallet export`, with
            // the passphrase, shows it and confirms the backup.
            async |rt| rt.generate_wallet(&label).await.map(|g| g.wallet),
            |w| {
                format!(
                    "{}\nback its key up before it trades live: polyagent wallet export {}",
                    wallet_line(w),
                    w.label
                )
            },
        ),
        WalletCommand::Rename {
            wallet,
            label,
            folder,
        } => manage(
            &folder,
            async |rt| rt.rename_wallet(&wallet, &label).await,
            wallet_line,
        ),
        WalletCommand::Export { wallet, folder } => {
            let Some(passphrase) = read_secret(folder.json, "the vault's passphrase") else {
                return ExitCode::FAILURE;
            };
            let result = tokio().block_on(async {
                let runtime = Runtime::open(config(&folder, false)?).await?;
                let key = runtime.export_wallet_key(&wallet, &passphrase).await;
                runtime.shutdown(false).await;
                key
            });
            match result {
                Ok(key) => {
                    // The one place a key is shown: to the user who asked, on their terminal.
                    let _ = writeln!(std::io::stdout().lock(), "{}", key.expose_str());
                    ExitCode::SUCCESS
                }
                Err(error) => fail(folder.json, &error),
            }
        }
        WalletCommand::List { folder } => manage(
            &folder,
            async |rt| rt.list_wallets().await,
            |ws| ws.iter().map(wallet_line).collect::<Vec<_>>().join("\n"),
        ),
        WalletCommand::Delete {
            wallet,
            yes,
            folder,
        } => {
            if !yes {
                return fail(
                    folder.json,
                    &ApiError::new(
                        ErrorCode::InvalidInput,
                        "deleting a wallet destroys its key: add --yes to confirm",
                    ),
                );
            }
            let Some(passphrase) = read_secret(folder.json, "the vault's passphrase") else {
                return ExitCode::FAILURE;
            };
            manage(
                &folder,
                async |rt| {
                    rt.delete_wallet(&wallet, &passphrase)
                        .await
                        .map(|()| wallet.clone())
                },
                |w| format!("deleted {w}"),
            )
        }
    }
}

/// Reads a secret from standard input (trailing line break removed) into a wiped buffer (see
/// `polyagent_runtime::secret_input`); reports and gives `None` when there is none.
fn read_secret(json: bool, what: &str) -> Option<SecretString> {
    let secret = polyagent_runtime::secret_input::read_secret(std::io::stdin().lock());
    if secret.is_none() {
        fail(
            json,
            &ApiError::new(
                ErrorCode::InvalidInput,
                format!("pipe {what} on standard input"),
            ),
        );
    }
    secret
}

pub fn export(args: ExportArgs) -> ExitCode {
    let result = tokio().block_on(async {
        let runtime = Runtime::open(config(&args.folder, false)?).await?;
        let csv = match args.kind {
            ExportKind::Activity => runtime.export_activity_csv(args.bot.as_deref()).await,
            ExportKind::Trades => runtime.export_trades_csv(args.bot.as_deref()).await,
        };
        runtime.shutdown(false).await;
        csv
    });
    let csv = match result {
        Ok(csv) => csv,
        Err(error) => return fail(args.folder.json, &error),
    };
    let written = match &args.out {
        Some(path) => std::fs::write(path, csv.as_bytes()),
        None => std::io::stdout().lock().write_all(csv.as_bytes()),
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(
            args.folder.json,
            &ApiError::new(
                ErrorCode::InvalidInput,
                format!("cannot write the CSV: {e}"),
            ),
        ),
    }
}

pub fn activity(args: ActivityArgs) -> ExitCode {
    manage(
        &args.folder,
        async |rt| {
            rt.activity(args.bot.as_deref(), args.kind.as_deref(), args.limit)
                .await
        },
        |lines| {
            lines
                .iter()
                .map(|l| {
                    format!(
                        "{} {:<6} {} {}",
                        l.at_ms,
                        l.kind,
                        l.bot_id.as_deref().unwrap_or("-"),
                        l.message
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        },
    )
}

pub fn exchange(args: ExchangeArgs) -> ExitCode {
    let choice = if args.target.eq_ignore_ascii_case("polymarket") {
        ExchangeChoice::Polymarket
    } else if args.target.eq_ignore_ascii_case("demo") {
        ExchangeChoice::Demo
    } else {
        ExchangeChoice::Simulator {
            url: args.target.clone(),
        }
    };
    manage(
        &args.folder,
        async |rt| {
            let settings = AppSettings {
                exchange: choice,
                ..rt.settings()
            };
            rt.update_settings(settings).await
        },
        |s| format!("exchange: {:?}", s.exchange),
    )
}

/// `polyagent run`: runs every saved bot until SIGINT or SIGTERM, then stops cleanly
/// (cancelling open orders when the settings say so). Prints one JSON line per fill and
/// status change with `--json`; logs go to standard error (`POLYAGENT_LOG` sets the level).
pub fn run(args: RunArgs) -> ExitCode {
    {
        use tracing_subscriber::Layer as _;
        use tracing_subscriber::layer::SubscriberExt as _;
        use tracing_subscriber::util::SubscriberInitExt as _;
        // Third-party crates are capped at info whatever POLYAGENT_LOG says (their trace
        // output prints the user channel's auth frame).
        let _ = tracing_subscriber::registry()
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_filter(polyagent_runtime::log_filter::log_filter_from_env()),
            )
            .try_init();
    }
    let json = args.folder.json;
    let result: Result<Vec<String>, ApiError> = tokio().block_on(async {
        let runtime = Runtime::open(config(&args.folder, true)?).await?;
        let mut events = runtime.subscribe();
        let bots = runtime.list_bots();
        let running = bots.iter().filter(|b| b.status == "running").count();
        let ready = serde_json::json!({"event": "ready", "bots": bots.len(), "running": running});
        let _ = writeln!(std::io::stdout().lock(), "{ready}");
        let stop = stop_requested();
        tokio::pin!(stop);
        loop {
            tokio::select! {
                requested = &mut stop => {
                    requested?;
                    break;
                }
                event = events.recv() => {
                    if json && let Ok(event) = event && let Some(line) = event_line(&event) {
                        let _ = writeln!(std::io::stdout().lock(), "{line}");
                    }
                }
            }
        }
        tracing::info!("stopping");
        let cancel = runtime.settings().cancel_orders_on_shutdown;
        let cancelled = runtime.shutdown(cancel).await;
        Ok(cancelled)
    });
    match result {
        Ok(cancelled) => {
            let done = serde_json::json!({"event": "stopped", "cancelled_orders": cancelled.len()});
            let _ = writeln!(std::io::stdout().lock(), "{done}");
            ExitCode::SUCCESS
        }
        Err(error) => fail(json, &error),
    }
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C elsewhere).
async fn stop_requested() -> Result<(), ApiError> {
    let failed = |e: std::io::Error| ApiError::new(ErrorCode::Internal, format!("signals: {e}"));
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate()).map_err(failed)?;
        let mut interrupt = signal(SignalKind::interrupt()).map_err(failed)?;
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.map_err(failed)
    }
}

fn event_line(event: &RuntimeEvent) -> Option<String> {
    let value = match event {
        RuntimeEvent::BotFill(fill) => serde_json::json!({"event": "fill", "fill": fill}),
        RuntimeEvent::BotStatus(bot) => serde_json::json!({"event": "status", "bot": bot}),
        RuntimeEvent::BotActivity(a) => serde_json::json!({"event": "activity", "activity": a}),
        RuntimeEvent::BotSpike(s) => serde_json::json!({"event": "spike", "spike": s}),
        RuntimeEvent::Killswitch(k) => serde_json::json!({"event": "killswitch", "killswitch": k}),
        RuntimeEvent::Notice(n) => serde_json::json!({"event": "notice", "notice": n}),
        RuntimeEvent::Vault(v) => serde_json::json!({"event": "vault", "vault": v}),
        RuntimeEvent::Heartbeat(_) | RuntimeEvent::BotPrice(_) | RuntimeEvent::Settings(_) => {
            return None;
        }
    };
    Some(value.to_string())
}
