//! Market-WebSocket fan-out: messages per second the simulator delivers to 200 subscribers of
//! one market, over real loopback sockets. Prints one line of results; not a criterion bench
//! because what it measures is the whole server under many connections.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use polyagent_simulator::scenario::Scenario;
use polyagent_simulator::server::{SimConfig, SimServer};
use tokio_tungstenite::tungstenite::Message;

const SUBSCRIBERS: usize = 200;
/// Simulated time in one burst: 1,000 steps of 100 ms, nearly every one moving the price.
const BURST_MS: u64 = 100_000;

#[tokio::main]
async fn main() {
    let scenario = Scenario::from_json(
        r#"{"name":"fanout","step_ms":100,"markets":[{"slug":"m","question":"q",
            "liquidity":{"spread":"0.02","levels":3,"size":"100"},
            "path":{"kind":"random_walk","seed":3,"start":"0.5","step_volatility":"0.05","step_ms":100}}]}"#,
    )
    .unwrap();
    let server = SimServer::start(SimConfig::manual(scenario, 1_767_225_600_000))
        .await
        .unwrap();
    // The admin routes need the run's token and JSON bodies.
    let http = polyagent_simulator::operator::admin_client(server.admin_token()).unwrap();
    let base = server.base_url();
    let state: serde_json::Value = http
        .get(format!("{base}/admin/state"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = state["markets"][0]["tokens"][0]
        .as_str()
        .unwrap()
        .to_owned();

    let received = Arc::new(AtomicU64::new(0));
    let origin = Instant::now();
    let last_at_ns = Arc::new(AtomicU64::new(0));
    let mut readers = Vec::new();
    for _ in 0..SUBSCRIBERS {
        let (mut ws, _) = tokio_tungstenite::connect_async(format!("{}/market", server.ws_url()))
            .await
            .unwrap();
        ws.send(Message::Text(
            format!(r#"{{"assets_ids":["{token}"],"type":"market"}}"#).into(),
        ))
        .await
        .unwrap();
        // Wait for the snapshot so every subscriber is live before the clock starts.
        let _ = ws.next().await;
        let count = received.clone();
        let last = last_at_ns.clone();
        readers.push(tokio::spawn(async move {
            while let Ok(Some(Ok(message))) =
                tokio::time::timeout(Duration::from_secs(3), ws.next()).await
            {
                if matches!(message, Message::Text(_)) {
                    count.fetch_add(1, Ordering::Relaxed);
                    last.fetch_max(origin.elapsed().as_nanos() as u64, Ordering::Relaxed);
                }
            }
        }));
    }

    let started = origin.elapsed();
    http.post(format!("{base}/admin/clock"))
        .body(format!(r#"{{"advance_ms":{BURST_MS}}}"#))
        .send()
        .await
        .unwrap();
    for reader in readers {
        let _ = reader.await;
    }
    let total = received.load(Ordering::Relaxed);
    let elapsed = Duration::from_nanos(last_at_ns.load(Ordering::Relaxed)).saturating_sub(started);
    println!(
        "fanout: {SUBSCRIBERS} subscribers, one burst of {} messages each, {total} messages delivered in {:.3} s = {:.0} messages/s ({:.0} per subscriber per second)",
        total / SUBSCRIBERS as u64,
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64() / SUBSCRIBERS as f64
    );
    server.stop().await;
}
