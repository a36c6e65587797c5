//! Tick to order, end to end over loopback: from the simulator writing a market frame to its
//! socket, to the signed order that frame triggers arriving at the simulator. Everything a
//! live bot does on the way runs for real: the market WebSocket, the local book, the strategy
//! and risk, pricing from the book, EIP-712 signing, the journal commit (SQLite, WAL,
//! `synchronous = FULL`) and the authenticated POST.
//!
//! A live Spike Sam bot (no cooldown) watches one quiet market; the bench moves it calm → drop
//! (the bot buys) → bounce (it takes profit), and waits for each fill to be booked before the
//! next move. The simulator's latency probe times every order.
//!
//! The wallet's request budget is raised for the bench: at the default (20 requests/s per
//! wallet, two requests per order) a bot trading this often is paced by it, by design.
//!
//! `POLYAGENT_BENCH_TRIGGERS` sets how many orders to time (default 10,000).
//! `POLYAGENT_BENCH_ARM=0` turns off armed orders (each order is then journaled when it is
//! placed, as before they existed), to compare the two under the same load.
//! Run: `cargo bench -p polyagent-runtime --bench tick_to_order`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use polyagent_engine::config::{BotSpec, DailyLimits, Overrides, Profile};
use polyagent_runtime::{
    AppSettings, ExchangeChoice, ExecutionPlan, NewBotRequest, Runtime, RuntimeConfig, RuntimeEvent,
};
use polyagent_simulator::scenario::Scenario;
use polyagent_simulator::server::{LatencyProbe, SimConfig, SimServer};
use rust_decimal::Decimal;
use serde_json::json;
use tokio::sync::broadcast;

/// Hardhat test account #1: a public test key, funded only inside the simulator.
const KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const WARMUP: usize = 20;

fn main() {
    let triggers: usize = std::env::var("POLYAGENT_BENCH_TRIGGERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let samples = tokio.block_on(run(triggers + WARMUP));
    report(&samples[WARMUP.min(samples.len())..]);
}

async fn run(triggers: usize) -> Vec<Duration> {
    let probe = Arc::new(LatencyProbe::default());
    let scenario = Scenario::from_json(
        &json!({
            "name": "bench", "step_ms": 500,
            "markets": [{"slug": "bench", "question": "Bench?",
                "liquidity": {"spread": "0.02", "levels": 3, "size": "1000000"},
                "path": {"kind": "scripted", "points": [[0, "0.50"]]}}],
            "wallets": [{"label": "trader", "private_key": KEY, "pusd": "1000000000"}]
        })
        .to_string(),
    )
    .unwrap();
    let mut config = SimConfig::manual(scenario, 1_767_225_600_000);
    config.latency_probe = Some(probe.clone());
    let sim = SimServer::start(config).await.unwrap();
    let base = sim.base_url();
    let http = reqwest::Client::new();
    let token = sim.tokens("bench")[0].clone();

    let dir = tempfile::tempdir().unwrap();
    let mut config = RuntimeConfig::new(dir.path());
    config.vault = polyagent_vault::VaultConfig::new(dir.path())
        .no_keychain()
        .with_kdf(polyagent_vault::KdfParams::INSECURE_FAST);
    config.vault_passphrase = Some(polyagent_vault::SecretString::new("bench passphrase").unwrap());
    // The default budget (20 requests/s per wallet) deliberately paces a bot that trades on
    // every other tick, as this one does; the bench measures the path, not the pacing.
    config.rate_limits = polyagent_venue::rate::RateLimits {
        global_per_second: 10_000,
        global_burst: 10_000,
        wallet_per_second: 10_000,
        wallet_burst: 10_000,
    };
    config.arm_orders = std::env::var("POLYAGENT_BENCH_ARM").map_or(true, |v| v != "0");
    let config_armed = config.arm_orders;
    let runtime = Runtime::open(config).await.unwrap();
    runtime
        .update_settings(AppSettings {
            exchange: ExchangeChoice::Simulator { url: base.clone() },
            ..AppSettings::default()
        })
        .await
        .unwrap();
    runtime
        .import_wallet(
            "trader",
            &polyagent_vault::SecretString::new(KEY).unwrap(),
            0,
            None,
        )
        .await
        .unwrap();
    // Thousands of trades in a day: far past the default daily limits.
    runtime
        .set_daily_limits(DailyLimits {
            max_daily_loss: Decimal::from(1_000_000),
            max_trades_per_day: u32::MAX,
            max_exposure_per_bot: Decimal::from(1_000),
            max_exposure_total: Decimal::from(1_000),
        })
        .await
        .unwrap();
    let mut events = runtime.subscribe();
    let bot = runtime
        .create_bot(NewBotRequest {
            spec: BotSpec {
                name: "Bench".into(),
                wallet: "trader".into(),
                token_id: token,
                complement_token_id: None,
                strategy: "spike-sam".into(),
                profile: Profile::Live,
                overrides: Overrides {
                    trade_size: Some(Decimal::from(10)),
                    cooldown_secs: Some(0),
                    ..Overrides::default()
                },
            },
            execution: ExecutionPlan::Live,
            start: true,
        })
        .await
        .unwrap();

    let move_to = |price: &'static str| {
        let http = http.clone();
        let base = base.clone();
        async move {
            http.post(format!("{base}/admin/price"))
                .body(json!({"slug": "bench", "price": price}).to_string())
                .send()
                .await
                .unwrap();
            http.post(format!("{base}/admin/clock"))
                .body(json!({"advance_ms": 500}).to_string())
                .send()
                .await
                .unwrap();
        }
    };
    let started = Instant::now();
    let mut stalls = 0;
    while probe.count() < triggers {
        for price in ["0.51", "0.50", "0.51", "0.50"] {
            move_to(price).await;
            seen_price(&mut events, &bot.id, price).await;
        }
        // The drop: the bot buys. The bounce: it takes profit.
        for (price, side) in [("0.45", "buy"), ("0.50", "sell")] {
            move_to(price).await;
            if !filled(&mut events, &bot.id, side).await {
                stalls += 1;
                break;
            }
        }
        if stalls > 20 {
            panic!("the bot stopped trading after {} orders", probe.count());
        }
    }
    println!(
        "{} orders in {:.1} s ({stalls} cycles without a fill), armed orders {}",
        probe.count(),
        started.elapsed().as_secs_f64(),
        if config_armed { "on" } else { "off" },
    );
    runtime.shutdown(false).await;
    probe.samples()
}

async fn seen_price(events: &mut broadcast::Receiver<RuntimeEvent>, bot: &str, price: &str) {
    wait(
        events,
        |e| matches!(e, RuntimeEvent::BotPrice(p) if p.bot_id == bot && p.price == price),
    )
    .await;
}

async fn filled(events: &mut broadcast::Receiver<RuntimeEvent>, bot: &str, side: &str) -> bool {
    wait(
        events,
        |e| matches!(e, RuntimeEvent::BotFill(f) if f.bot_id == bot && f.side == side),
    )
    .await
}

/// Waits for an event `wanted` accepts, up to 5 s; says whether it came.
async fn wait(
    events: &mut broadcast::Receiver<RuntimeEvent>,
    mut wanted: impl FnMut(&RuntimeEvent) -> bool,
) -> bool {
    let give_up = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        match tokio::time::timeout_at(give_up, events.recv()).await {
            Ok(Ok(event)) if wanted(&event) => return true,
            Ok(Ok(_) | Err(broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(broadcast::error::RecvError::Closed)) | Err(_) => return false,
        }
    }
}

fn report(samples: &[Duration]) {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let at = |q: f64| {
        let index = ((sorted.len() as f64 - 1.0) * q).round() as usize;
        sorted.get(index).copied().unwrap_or_default()
    };
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "tick-to-order over loopback ({} orders): p50 {:.0} us, p90 {:.0} us, p99 {:.0} us, max {:.0} us",
        sorted.len(),
        micros(at(0.5)),
        micros(at(0.9)),
        micros(at(0.99)),
        micros(sorted.last().copied().unwrap_or_default()),
    );
}
