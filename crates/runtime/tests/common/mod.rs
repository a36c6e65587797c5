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

/// A runtime on its own data folder, trading on `sim`: a passphrase vault (no keychain, fast
/// key derivation) and the simulator chosen as the exchange.
pub async fn open_runtime(dir: &std::path::Path, sim: &SimServer) -> polyagent_runtime::Runtime {
    let mut config = polyagent_runtime::RuntimeConfig::new(dir);
    config.vault = polyagent_vault::VaultConfig::new(dir)
        .no_keychain()
        .with_kdf(polyagent_vault::KdfParams::INSECURE_FAST);
    config.vault_passphrase = Some(polyagent_vault::SecretString::new("test passphrase").unwrap());
    let runtime = polyagent_runtime::Runtime::open(config).await.unwrap();
    runtime
        .update_settings(polyagent_runtime::AppSettings {
            exchange: polyagent_runtime::ExchangeChoice::Simulator {
                url: sim.base_url(),
            },
            ..polyagent_runtime::AppSettings::default()
        })
        .await
        .unwrap();
    runtime
}

/// A paper bot request with $100 of virtual cash.
pub fn paper(spec: polyagent_engine::config::BotSpec) -> polyagent_runtime::NewBotRequest {
    polyagent_runtime::NewBotRequest {
        spec,
        execution: polyagent_runtime::ExecutionPlan::Paper { cash: "100".into() },
        start: false,
    }
}
