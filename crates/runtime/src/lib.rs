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
mod events;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast;
use tokio::task::JoinHandle;

pub use api_error::{ApiError, ErrorCode};
pub use app_info::{AppInfo, BuildProfile, VERSION};
pub use events::{Heartbeat, RuntimeEvent};

/// How the runtime is started. Tests shorten the heartbeat; the app uses the default.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// Interval between [`Heartbeat`] events; the UI shows the backend as alive while they come.
    pub heartbeat_interval: Duration,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            heartbeat_interval: Duration::from_secs(1),
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
    events: broadcast::Sender<RuntimeEvent>,
    heartbeat: JoinHandle<()>,
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
        Self {
            inner: Arc::new(Inner { events, heartbeat }),
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
}
