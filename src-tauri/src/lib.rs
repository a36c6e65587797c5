//! The desktop shell: a thin Tauri adapter over `polyagent-runtime`.
//!
//! Invariants:
//! - every command is a one-line call into the runtime; logic lives below the shell;
//! - every runtime event is forwarded as a typed event declared in [`ipc`], so the generated
//!   TypeScript bindings (`ui/src/bindings.ts`) describe all traffic to the webview;
//! - nothing below this crate imports Tauri.

pub mod ipc;

use polyagent_runtime::{Runtime, RuntimeConfig};

/// Builds and runs the desktop app until the user quits.
pub fn run() {
    init_logging();
    let bindings = ipc::bindings();
    tauri::Builder::default()
        .invoke_handler(bindings.invoke_handler())
        .setup(move |app| {
            bindings.mount_events(app);
            // `block_on` enters Tauri's Tokio runtime so the runtime's tasks are spawned on it.
            let runtime =
                tauri::async_runtime::block_on(async { Runtime::start(RuntimeConfig::default()) });
            ipc::forward_events(app.handle().clone(), runtime.subscribe());
            tauri::Manager::manage(app, runtime);
            Ok(())
        })
        .run(tauri::generate_context!("tauri.conf.json"))
        .expect("the PolyAgent window could not be started");
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("POLYAGENT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
}
