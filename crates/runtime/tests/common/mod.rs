//! What the runtime's end-to-end tests share: waiting on events with a deadline, and a
//! simulator with a manual clock.

#![allow(dead_code)]

use std::time::Duration;

use polyagent_runtime::RuntimeEvent;
use polyagent_simulator::scenario::Scenario;
use polyagent_simulator::server::{SimConfig, SimServer};
use tokio::sync::broadcast;

pub const DEADLINE: Duration = Duration::from_secs(20);
pub const START_MS: u64 = 1_767_225_600_000;

/// Waits for the first event `wanted` accepts, or fails after the deadline.
pub async fn wait_for<T>(
    events: &mut broadcast::Receiver<RuntimeEvent>,
    mut wanted: impl FnMut(&RuntimeEvent) -> Option<T>,
) -> T {
    let give_up = tokio::time::Instant::now() + DEADLINE;
    loop {
        let left = give_up.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, events.recv()).await {
            Ok(Ok(event)) => {
                if let Some(found) = wanted(&event) {
                    return found;
                }
            }
            Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(broadcast::error::RecvError::Closed)) | Err(_) => {
                panic!("no matching event within {DEADLINE:?}")
            }
        }
    }
}

/// The simulator on a free port with a manual clock, from scenario JSON.
pub async fn simulator(scenario: serde_json::Value) -> SimServer {
    let scenario = Scenario::from_json(&scenario.to_string()).unwrap();
    SimServer::start(SimConfig::manual(scenario, START_MS))
        .await
        .unwrap()
}
