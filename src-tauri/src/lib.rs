//! The desktop shell: a thin Tauri adapter over `polyagent-runtime`.
//!
//! Invariants:
//! - every command is a one-line call into the runtime; logic lives below the shell;
//! - every runtime event is forwarded as a typed event declared in [`ipc`], so the generated
//!   TypeScript bindings (`ui/src/bindings.ts`) describe all traffic to the webview; prices are
//!   coalesced per bot ([`coalesce`]) so the webview gets at most ten a second of each;
//! - nothing below this crate imports Tauri.

pub mod coalesce;
pub mod desktop;
pub mod ipc;
pub mod markup;
pub mod navigation;
pub mod stepup;
pub mod vault_ipc;

use polyagent_runtime::{Runtime, RuntimeConfig};
use tauri::Manager as _;

/// The window icon of debug builds: the app icon with a DEV badge (`icons/dev/`, drawn by
/// `scripts/icons`), so a dev build is never mistaken for the installed app. Release builds keep
/// the bundle icon from `tauri.conf.json`.
#[cfg(debug_assertions)]
pub const DEV_WINDOW_ICON: tauri::image::Image<'static> =
    tauri::include_image!("icons/dev/128x128.png");

/// The app's configuration, assets and icons from `tauri.conf.json`, with the dev icon in debug
/// builds.
pub fn context<R: tauri::Runtime>() -> tauri::Context<R> {
    #[cfg_attr(not(debug_assertions), allow(unused_mut))] // only debug builds change it
    let mut context = tauri::generate_context!("tauri.conf.json");
    #[cfg(debug_assertions)]
    context.set_default_window_icon(Some(DEV_WINDOW_ICON));
    context
}

/// Builds and runs the desktop app until the user quits.
pub fn run() {
    // Before any key or passphrase is read: no core dumps, no same-user ptrace (Linux; see
    // `polyagent_vault::harden_process` for the other systems).
    let hardening = polyagent_runtime::harden_process();
    let bindings = ipc::bindings();
    tauri::Builder::default()
        // First: a second launch only focuses the running app (and exits).
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            desktop::show_window(app);
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(bindings.invoke_handler())
        .setup(move |app| {
            let logs = tauri::Manager::path(app).app_log_dir()?;
            if let Some(guard) = desktop::init_logging(&logs) {
                tauri::Manager::manage(app, LogGuard(guard));
            }
            tauri::Manager::manage(app, desktop::LogFolder(logs));
            let handle = app.handle().clone();
            tauri::Manager::manage(app, desktop::Quit(Box::new(move || desktop::quit(&handle))));
            tracing::info!(?hardening, "process hardening");
            bindings.mount_events(app);
            let config = runtime_config(app)?;
            // `block_on` enters Tauri's Tokio runtime so the runtime's tasks are spawned on it.
            let runtime = match tauri::async_runtime::block_on(Runtime::open(config)) {
                Ok(runtime) => runtime,
                Err(error) => {
                    // Nothing is changed; the user is told why the app cannot start, and it
                    // ends when the message is closed.
                    tracing::error!(%error, "the data folder could not be opened");
                    desktop::tell_startup_failure(app.handle(), &error);
                    return Ok(());
                }
            };
            ipc::forward_events(app.handle().clone(), runtime.subscribe());
            desktop::follow_runtime(app.handle().clone(), runtime.clone());
            let status = runtime.tray_status();
            tauri::Manager::manage(app, runtime);
            // The window is made only now (`"create": false` in tauri.conf.json), so its first
            // command already finds the runtime.
            if let Some(window) = app.config().app.windows.iter().find(|w| w.label == "main") {
                let builder = tauri::WebviewWindowBuilder::from_config(app.handle(), window)?;
                let dev_url = navigation::dev_url(app.handle());
                navigation::guard(builder, dev_url).build()?;
            }
            if let Err(error) = desktop::build_tray(app.handle(), &status) {
                // A desktop without a tray still runs bots; the window stays the way in.
                tracing::warn!(%error, "no tray icon");
            }
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the window keeps the bots running in the tray; Quit is in its menu.
            if let tauri::WindowEvent::CloseRequested { api, .. } = event
                && window.label() == "main"
                && window.app_handle().tray_by_id(desktop::TRAY_ID).is_some()
            {
                api.prevent_close();
                let _ = window.hide();
            }
        })
        .run(context())
        .expect("the PolyAgent window could not be started");
}

/// Flushes the log file when the app ends.
struct LogGuard(
    #[allow(dead_code, reason = "held for its Drop")] tracing_appender::non_blocking::WorkerGuard,
);

/// Names an owner-only file holding the vault passphrase (preferred to the passphrase itself
/// in `POLYAGENT_VAULT_PASSPHRASE`, which stays in the environment: the workspace forbids the
/// `unsafe` that removing it needs; the non-dumpable process hides `/proc/PID/environ` from
/// other processes, and the folder opener is started without it).
pub const VAULT_PASSPHRASE_FILE_ENV: &str = "POLYAGENT_VAULT_PASSPHRASE_FILE";

/// The data folder is the OS app-data folder, unless `POLYAGENT_DATA_DIR` names another (tests,
/// portable installs). `POLYAGENT_VAULT_PASSPHRASE_FILE` (or `POLYAGENT_VAULT_PASSPHRASE`)
/// unlocks the vault without asking.
fn runtime_config(app: &tauri::App) -> Result<RuntimeConfig, Box<dyn std::error::Error>> {
    let data_dir = match std::env::var_os("POLYAGENT_DATA_DIR") {
        Some(dir) => std::path::PathBuf::from(dir),
        None => tauri::Manager::path(app).app_data_dir()?,
    };
    let mut config = RuntimeConfig::new(data_dir);
    config.vault_passphrase = match std::env::var_os(VAULT_PASSPHRASE_FILE_ENV) {
        Some(path) => {
            match polyagent_runtime::secret_input::read_passphrase_file(path.as_ref()) {
                Ok(passphrase) => Some(passphrase),
                Err(error) => {
                    // The window asks for the passphrase instead.
                    tracing::warn!(%error, "the vault passphrase file was not used");
                    None
                }
            }
        }
        None => std::env::var(polyagent_runtime::VAULT_PASSPHRASE_ENV)
            .ok()
            .and_then(|p| polyagent_runtime::SecretString::new(p).ok()),
    };
    // The guarded actions are confirmed in a native dialog the webview cannot answer.
    config.confirmer = std::sync::Arc::new(stepup::NativeDialog::new(app.handle().clone()));
    Ok(config)
}

#[cfg(test)]
mod tests {
    #[cfg(debug_assertions)]
    #[test]
    fn debug_builds_wear_the_dev_window_icon() {
        let context = super::context::<tauri::test::MockRuntime>();
        let icon = context
            .default_window_icon()
            .expect("a default window icon");
        assert_eq!(icon.rgba(), super::DEV_WINDOW_ICON.rgba());
        assert_eq!((icon.width(), icon.height()), (128, 128));
    }
}
