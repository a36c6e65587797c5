//! The demo exchange: the project's Polymarket simulator, started inside the app on
//! 127.0.0.1 with the built-in `demo` scenario (a replayed market, a calm one with regular
//! spikes, a choppy one), so a new user can run paper bots with no account and no network.
//!
//! Invariants: at most one demo simulator per runtime; it listens on loopback only; its
//! markets and token ids are the same at every start (the scenario is fixed and read from the
//! binary only), so saved paper bots find their markets again after a restart; its credential
//! seed and admin token are random per start and never leave the process.

use polyagent_simulator::scenario::Scenario;
use polyagent_simulator::server::{ClockMode, SimConfig, SimServer};

use crate::{ApiError, ErrorCode};

/// The running demo simulator, if any.
#[derive(Debug, Default)]
pub(crate) struct DemoSlot(
    tokio::sync::Mutex<Option<SimServer>>,
    std::sync::Mutex<Option<String>>,
);

/// The demo simulator's base URL while it runs.
pub(crate) fn url(slot: &DemoSlot) -> Option<String> {
    crate::lock(&slot.1).clone()
}

/// Starts the demo simulator unless it runs already.
pub(crate) async fn start(slot: &DemoSlot) -> Result<(), ApiError> {
    let mut server = slot.0.lock().await;
    if server.is_some() {
        return Ok(());
    }
    let scenario = Scenario::builtin("demo").ok_or_else(|| {
        ApiError::new(
            ErrorCode::Internal,
            "the demo scenario is missing from this build",
        )
    })?;
    let config = SimConfig {
        scenario,
        // The scenario's replay file is read from the binary only, never from the working
        // folder (a file planted there must not change what the demo shows).
        base_dir: std::path::PathBuf::from(polyagent_simulator::scenario::EMBEDDED_ONLY),
        clock: ClockMode::Wall { speed: 1 },
        port: 0,
        // A fresh seed per start: nobody can compute the credentials the demo issues. Its
        // admin token is random too and stays in this process (in the `SimServer`).
        seed: polyagent_simulator::server::random_bytes(),
        latency_probe: None,
    };
    let started = SimServer::start(config).await.map_err(|e| {
        ApiError::new(
            ErrorCode::Internal,
            format!("the demo simulator could not start: {e}"),
        )
    })?;
    tracing::info!(url = %started.base_url(), "demo simulator started");
    *crate::lock(&slot.1) = Some(started.base_url());
    *server = Some(started);
    Ok(())
}

/// Stops the demo simulator if it runs.
pub(crate) async fn stop(slot: &DemoSlot) {
    let server = slot.0.lock().await.take();
    *crate::lock(&slot.1) = None;
    if let Some(server) = server {
        server.stop().await;
    }
}
