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

/// A client for `sim`'s admin routes: the run's token and JSON bodies on every request.
pub fn admin_http(sim: &SimServer) -> reqwest::Client {
    polyagent_simulator::operator::admin_client(sim.admin_token()).unwrap()
}

/// The simulator on a free port with a manual clock, from scenario JSON.
pub async fn simulator(scenario: serde_json::Value) -> SimServer {
    let scenario = Scenario::from_json(&scenario.to_string()).unwrap();
    SimServer::start(SimConfig::manual(scenario, START_MS))
        .await
        .unwrap()
}

/// The simulator on a free port with a manual clock that starts at this second: a wallet
/// connects only when the exchange's clock is within 30 s of this computer's.
pub async fn simulator_now(scenario: serde_json::Value) -> SimServer {
    let scenario = Scenario::from_json(&scenario.to_string()).unwrap();
    let now_ms = polyagent_simulator::server::unix_now_ms() / 1000 * 1000;
    SimServer::start(SimConfig::manual(scenario, now_ms))
        .await
        .unwrap()
}

/// A runtime on its own data folder, trading on `sim`: a passphrase vault (no keychain, fast
/// key derivation) and the simulator chosen as the exchange.
pub async fn open_runtime(dir: &std::path::Path, sim: &SimServer) -> polyagent_runtime::Runtime {
    let mut config = polyagent_runtime::RuntimeConfig::new(dir);
    // These tests act as the user at a terminal; the step-up questions have their own tests
    // (tests/stepup.rs at the repository root).
    config.confirmer = std::sync::Arc::new(polyagent_runtime::stepup::TypedCommand);
    config.vault = polyagent_vault::VaultConfig::new(dir)
        .no_keychain()
        .with_kdf(polyagent_vault::KdfParams::INSECURE_FAST);
    config.vault_passphrase =
        Some(polyagent_vault::SecretString::new("a test vault passphrase").unwrap());
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

/// REST reads the runtime made of single orders (`GET /data/order/…`) and of trades
/// (`GET /data/trades`), counted by [`CountingProxy`].
#[derive(Debug, Default)]
pub struct ReadCounts {
    pub order: std::sync::atomic::AtomicU64,
    pub trades: std::sync::atomic::AtomicU64,
}

impl ReadCounts {
    /// (order reads, trades reads) so far.
    pub fn now(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.order.load(Relaxed), self.trades.load(Relaxed))
    }
}

/// A byte-for-byte TCP proxy in front of the simulator (HTTP and WebSockets alike) that
/// counts the order and trade reads going through it. The simulator keeps no per-route
/// counts and the venue client none either, so the test measures at the wire. Request lines
/// are plain text; WebSocket frames from a client are masked, so they cannot match.
pub struct CountingProxy {
    pub url: String,
    pub counts: std::sync::Arc<ReadCounts>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl CountingProxy {
    pub async fn start(target: &str) -> Self {
        let upstream = target
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let own = listener.local_addr().unwrap().to_string();
        let url = format!("http://{own}");
        let counts = std::sync::Arc::new(ReadCounts::default());
        let counting = counts.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let counts = counting.clone();
                // The simulator answers only to its own `Host`: the proxy's is swapped for it.
                let hosts = (own.clone().into_bytes(), upstream.clone().into_bytes());
                tokio::spawn(async move {
                    let Ok(server) = tokio::net::TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let _ = client.set_nodelay(true);
                    let _ = server.set_nodelay(true);
                    pipe(client, server, &counts, &hosts).await;
                });
            }
        });
        Self { url, counts, task }
    }
}

/// `bytes` with every `from` replaced by `to`.
pub fn replace_all(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

async fn pipe(
    client: tokio::net::TcpStream,
    server: tokio::net::TcpStream,
    counts: &ReadCounts,
    (proxy_host, upstream_host): &(Vec<u8>, Vec<u8>),
) {
    use std::sync::atomic::Ordering::Relaxed;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let upward = async {
        let mut buffer = vec![0u8; 16 * 1024];
        // The end of the previous read, so a request line split across reads still counts.
        let mut carry: Vec<u8> = Vec::new();
        loop {
            let n = match client_read.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let mut seen = std::mem::take(&mut carry);
            let fresh_from = seen.len();
            seen.extend_from_slice(&buffer[..n]);
            for (pattern, counter) in [
                (&b"GET /data/order/"[..], &counts.order),
                (&b"GET /data/trades"[..], &counts.trades),
            ] {
                let hits = seen
                    .windows(pattern.len())
                    .enumerate()
                    .filter(|(i, w)| *w == pattern && i + pattern.len() > fresh_from)
                    .count();
                counter.fetch_add(hits as u64, Relaxed);
            }
            carry = seen[seen.len().saturating_sub(24)..].to_vec();
            let forwarded = replace_all(&buffer[..n], proxy_host, upstream_host);
            if server_write.write_all(&forwarded).await.is_err() {
                return;
            }
        }
    };
    let downward = tokio::io::copy(&mut server_read, &mut client_write);
    tokio::select! {
        () = upward => {}
        _ = downward => {}
    }
}

/// Polls `condition` until it holds or the deadline passes: waiting on an outcome, not a
/// fixed sleep (for state no event announces).
pub async fn eventually<F, Fut>(mut condition: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let give_up = tokio::time::Instant::now() + DEADLINE;
    loop {
        if condition().await {
            return true;
        }
        if tokio::time::Instant::now() >= give_up {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await; // poll interval
    }
}
