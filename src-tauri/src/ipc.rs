//! Commands and events between the runtime and the webview, and the bindings generated from them.
//!
//! The TypeScript in `ui/src/bindings.ts` is generated from this module by
//! `scripts/gen-bindings` (a test checks it is current). Add a command or an event here and
//! regenerate; never edit the bindings by hand.

use polyagent_runtime::{
    ApiError, AppInfo, BotActivity, BotFill, BotSummary, Heartbeat, Runtime, RuntimeEvent,
};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime as TauriRuntime, State};
use tauri_specta::{Builder, Event, collect_commands, collect_events};
use tokio::sync::broadcast;

/// What this build is.
#[tauri::command]
#[specta::specta]
pub fn app_info(runtime: State<'_, Runtime>) -> Result<AppInfo, ApiError> {
    Ok(runtime.app_info())
}

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

/// The command and event registry. `invoke_handler` and `mount_events` come from here, and so
/// do the TypeScript bindings, so the three cannot disagree.
pub fn bindings<R: TauriRuntime>() -> Builder<R> {
    Builder::<R>::new()
        .commands(collect_commands![app_info])
        .events(collect_events![
            HeartbeatEvent,
            BotStatusEvent,
            BotFillEvent,
            BotActivityEvent
        ])
        .typ::<ApiError>()
}

/// Forwards runtime events to the webview until the runtime stops.
pub fn forward_events<R: TauriRuntime>(
    app: AppHandle<R>,
    mut events: broadcast::Receiver<RuntimeEvent>,
) {
    tauri::async_runtime::spawn(async move {
        loop {
            let sent = match events.recv().await {
                Ok(RuntimeEvent::Heartbeat(beat)) => HeartbeatEvent(beat).emit(&app),
                Ok(RuntimeEvent::BotStatus(bot)) => BotStatusEvent(*bot).emit(&app),
                Ok(RuntimeEvent::BotFill(fill)) => BotFillEvent(fill).emit(&app),
                Ok(RuntimeEvent::BotActivity(line)) => BotActivityEvent(line).emit(&app),
                // Prices come many times a second per bot; the price channel with per-bot
                // coalescing is the shell's next step, so the webview gets none yet.
                Ok(RuntimeEvent::BotPrice(_)) => continue,
                // The webview fell behind; it only ever needs the newest state.
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => break,
            };
            if let Err(error) = sent {
                tracing::warn!(%error, "could not send an event to the webview");
            }
        }
    });
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
