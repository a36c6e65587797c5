//! The app outside its window: the tray, desktop notifications, the log files, quitting.
//!
//! Invariants:
//! - what the tray shows and which notices are raised is decided by the runtime
//!   ([`polyagent_runtime::TrayStatus`], [`polyagent_runtime::notices`]); this module only draws
//!   and displays them;
//! - closing the window hides it: bots keep running in the tray until the user quits;
//! - actions that stop trading (killswitch, quitting with bots running) are confirmed in the
//!   window ([`ConfirmRequestEvent`]), never done by one stray click on a menu.

use std::path::{Path, PathBuf};

use polyagent_runtime::{ApiError, ErrorCode, Runtime, RuntimeEvent, TrayState, TrayStatus};
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Runtime as TauriRuntime};
use tauri_plugin_notification::NotificationExt;
use tauri_specta::Event;
use tokio::sync::broadcast;

use crate::ipc::{ConfirmRequestEvent, TrayEvent};

/// Quits the app (see [`quit`]); managed so commands need not know the Tauri runtime type.
pub struct Quit(pub Box<dyn Fn() + Send + Sync>);

impl std::fmt::Debug for Quit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Quit")
    }
}

/// Where the log files are written (the app-log folder).
#[derive(Debug, Clone)]
pub struct LogFolder(pub PathBuf);

/// The tray's id (also its D-Bus menu path on Linux).
pub const TRAY_ID: &str = "main";

const IDLE: Image<'static> = tauri::include_image!("icons/tray/idle/32x32.png");
const RUNNING: Image<'static> = tauri::include_image!("icons/tray/running/32x32.png");
const ALERT: Image<'static> = tauri::include_image!("icons/tray/alert/32x32.png");

fn icon(state: TrayState) -> Image<'static> {
    match state {
        TrayState::Idle => IDLE,
        TrayState::Running => RUNNING,
        TrayState::Alert => ALERT,
    }
}

/// Menu item ids.
const SHOW: &str = "show";
const PAUSE_ALL: &str = "pause-all";
const KILLSWITCH: &str = "killswitch";
const QUIT: &str = "quit";

/// Builds the tray with its menu.
///
/// # Errors
/// When the platform has no tray support at all (Linux without libayatana-appindicator).
pub fn build_tray<R: TauriRuntime>(
    app: &AppHandle<R>,
    status: &TrayStatus,
) -> tauri::Result<TrayIcon<R>> {
    let menu = Menu::with_items(
        app,
        &[
            &MenuItem::with_id(app, SHOW, "Show / hide window", true, None::<&str>)?,
            &PredefinedMenuItem::separator(app)?,
            &MenuItem::with_id(app, PAUSE_ALL, "Pause all bots", true, None::<&str>)?,
            &MenuItem::with_id(app, KILLSWITCH, "Killswitch…", true, None::<&str>)?,
            &PredefinedMenuItem::separator(app)?,
            &MenuItem::with_id(app, QUIT, "Quit PolyAgent", true, None::<&str>)?,
        ],
    )?;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon(status.state))
        .tooltip(&status.tooltip)
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()))
        .build(app)
}

/// What a tray menu item does.
pub fn on_menu<R: TauriRuntime>(app: &AppHandle<R>, item: &str) {
    let runtime = app.state::<Runtime>().inner().clone();
    match item {
        SHOW => toggle_window(app),
        PAUSE_ALL => {
            tauri::async_runtime::spawn(async move {
                let paused = runtime.pause_all().await;
                tracing::info!(paused, "paused from the tray");
            });
        }
        KILLSWITCH => ask(app, "killswitch", &runtime),
        QUIT => {
            if runtime.tray_status().running > 0 {
                ask(app, "quit", &runtime);
            } else {
                quit(app);
            }
        }
        _ => {}
    }
}

fn ask<R: TauriRuntime>(app: &AppHandle<R>, action: &str, runtime: &Runtime) {
    show_window(app);
    let request = ConfirmRequestEvent {
        action: action.to_owned(),
        running: runtime.tray_status().running,
    };
    if let Err(error) = request.emit(app) {
        tracing::warn!(%error, "could not ask the window to confirm");
    }
}

/// Shows, unminimizes and focuses the main window.
pub fn show_window<R: TauriRuntime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

fn toggle_window<R: TauriRuntime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        if window.is_visible().unwrap_or(false) {
            let _ = window.hide();
        } else {
            show_window(app);
        }
    }
}

/// Stops every bot (their state is saved; open orders are cancelled when the settings say
/// so), then exits.
pub fn quit<R: TauriRuntime>(app: &AppHandle<R>) {
    let runtime = app.state::<Runtime>().inner().clone();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let cancel = runtime.settings().cancel_orders_on_shutdown;
        let cancelled = runtime.shutdown(cancel).await;
        tracing::info!(cancelled = cancelled.len(), "PolyAgent stopped");
        app.exit(0);
    });
}

/// Keeps the tray current and shows the runtime's notices on the desktop, until the runtime
/// stops.
pub fn follow_runtime<R: TauriRuntime>(app: AppHandle<R>, runtime: Runtime) {
    // Subscribed before the task starts, so nothing sent from now on is missed; the runtime is
    // handed over rather than read from the app's state, which it may not be in yet.
    let mut events = runtime.subscribe();
    tauri::async_runtime::spawn(async move {
        let mut shown = runtime.tray_status();
        loop {
            let event = match events.recv().await {
                Ok(event) => event,
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return,
            };
            match event {
                RuntimeEvent::Notice(notice) => {
                    if let Err(error) = app
                        .notification()
                        .builder()
                        .title(&notice.title)
                        .body(crate::markup::notification_body(&notice.body))
                        .show()
                    {
                        tracing::warn!(%error, "could not show a notification");
                    }
                }
                RuntimeEvent::BotStatus(_) | RuntimeEvent::Killswitch(_) => {
                    let next = runtime.tray_status();
                    if next != shown {
                        if let Some(tray) = app.tray_by_id(TRAY_ID) {
                            let _ = tray.set_icon(Some(icon(next.state)));
                            let _ = tray.set_tooltip(Some(&next.tooltip));
                        }
                        let _ = TrayEvent(next.clone()).emit(&app);
                        shown = next;
                    }
                }
                _ => {}
            }
        }
    });
}

/// Opens a folder in the system's file manager.
///
/// # Errors
/// `INTERNAL` when no file manager could be started.
pub fn open_folder(folder: &Path) -> Result<(), ApiError> {
    #[cfg(target_os = "macos")]
    let opener = "open";
    #[cfg(target_os = "windows")]
    let opener = "explorer";
    #[cfg(not(any(target_os = "macos", target_os = "windows")))]
    let opener = "xdg-open";
    std::process::Command::new(opener)
        .arg(folder)
        // The file manager has no use for the vault passphrase a headless start may carry.
        .env_remove(polyagent_runtime::VAULT_PASSPHRASE_ENV)
        .env_remove(crate::VAULT_PASSPHRASE_FILE_ENV)
        .spawn()
        // Reaped off the caller's thread, so opening the folder again and again leaves no
        // zombie processes behind.
        .map(|mut opener| {
            std::thread::spawn(move || opener.wait());
        })
        .map_err(|e| {
            ApiError::new(
                ErrorCode::Internal,
                format!("could not open {}: {e}", folder.display()),
            )
        })
}

/// How many daily log files are kept.
const LOG_FILES_KEPT: usize = 14;

/// Logs to stderr and to a file in `folder` that rotates daily (the newest
/// [`LOG_FILES_KEPT`] are kept). `POLYAGENT_LOG` sets the filter (`info` by default;
/// third-party crates never below `info`). The folder and its files are owner-only.
/// Returns the guard that flushes the file on drop; keep it for the app's life.
pub fn init_logging(folder: &Path) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    // Third-party crates are capped at info whatever POLYAGENT_LOG says (their trace
    // output prints the user channel's auth frame).
    use polyagent_runtime::log_filter::log_filter_from_env as filter;
    // Owner-only: the folder 0700, earlier logs 0600, and (the appender offers no mode)
    // every file this process creates from here on 0600 through the umask.
    polyagent_runtime::private_logs::private_log_folder(folder);
    let file = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("polyagent")
        .filename_suffix("log")
        .max_log_files(LOG_FILES_KEPT)
        .build(folder);
    let (file_layer, guard) = match file {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let layer = tracing_subscriber::fmt::layer()
                .with_writer(writer)
                .with_ansi(false)
                .with_filter(filter());
            (Some(layer), Some(guard))
        }
        Err(_) => (None, None),
    };
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_filter(filter()))
        .with(file_layer)
        .try_init();
    guard
}

/// What a user reads when the app cannot open its data folder.
pub fn startup_failure_text(error: &ApiError) -> (String, String) {
    let title = "PolyAgent cannot start".to_owned();
    let body = match error.code {
        ErrorCode::DataFromNewerVersion => format!(
            "Your data was saved by a newer PolyAgent. This version cannot read it and has changed \
             nothing. Install the newer version again to open it.\n\n({})",
            error.message
        ),
        ErrorCode::Conflict => format!(
            "Another PolyAgent (the app or `polyagent run`) is using the same data folder. Close \
             it first; one process at a time runs your bots.\n\n({})",
            error.message
        ),
        _ => format!("The data folder could not be opened.\n\n{}", error.message),
    };
    (title, body)
}

/// Hides the window, shows [`startup_failure_text`] in a message box, and exits (code 1) when
/// the user closes it.
pub fn tell_startup_failure<R: TauriRuntime>(app: &AppHandle<R>, error: &ApiError) {
    use tauri_plugin_dialog::{DialogExt, MessageDialogKind};
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.hide();
    }
    let (title, body) = startup_failure_text(error);
    let app_to_end = app.clone();
    app.dialog()
        .message(body)
        .title(title)
        .kind(MessageDialogKind::Error)
        .show(move |_| app_to_end.exit(1));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_database_is_explained_in_words_a_user_can_act_on() {
        let error = ApiError::new(ErrorCode::DataFromNewerVersion, "schema 9 > 2");
        let (title, body) = startup_failure_text(&error);
        assert_eq!(title, "PolyAgent cannot start");
        assert!(
            body.starts_with("Your data was saved by a newer PolyAgent."),
            "{body}"
        );
        assert!(body.contains("changed nothing"));
        let busy = startup_failure_text(&ApiError::new(ErrorCode::Conflict, "locked"));
        assert!(busy.1.contains("Another PolyAgent"), "{}", busy.1);
    }
}
