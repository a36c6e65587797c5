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
//! Before each trigger the bench waits until the bot has armed its next order (a `sent` armed
//! row for an order number not yet used is in the journal), as it has in use: a bot's cooldown
//! (60 s and more in every profile) is far longer than arming takes (a few milliseconds). With
//! no cooldown and triggers a millisecond after the last fill, the trigger would otherwise race
//! the arming and measure the slow path, which `POLYAGENT_BENCH_ARM=0` measures on purpose.
//!
//! The wallet's request budget is raised for the bench: at the default (20 requests/s per
//! wallet, two requests per order) a bot trading this often is paced by it, by design.
//!
//! Each order is then looked up in the bot's journal, so the report also splits the delays by
//! the path the order took: an armed order (signed and journaled before its trigger) or the
//! slow path (signed and journaled after it), and by side.
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
use polyagent_store::Side;
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
    let samples = &samples[WARMUP.min(samples.len())..];
    report(
        "tick-to-order over loopback",
        &samples.iter().map(|s| s.delay).collect::<Vec<_>>(),
    );
    for (path, armed) in [("armed", true), ("slow path", false)] {
        for side in [Side::Buy, Side::Sell] {
            let delays: Vec<Duration> = samples
                .iter()
                .filter(|s| s.armed == Some(armed) && s.side == Some(side))
                .map(|s| s.delay)
                .collect();
            report(&format!("  {path}, {side:?}"), &delays);
        }
    }
    let unmatched = samples.iter().filter(|s| s.armed.is_none()).count();
    if unmatched > 0 {
        println!("  {unmatched} orders not found in the journal");
    }
}

/// One timed order and the path it took, from the journal.
struct Timed {
    delay: Duration,
    armed: Option<bool>,
    side: Option<Side>,
}

async fn run(triggers: usize) -> Vec<Timed> {
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
    // Starting now: a wallet connects only within 30 s of the exchange's clock.
    let now_ms = polyagent_simulator::server::unix_now_ms() / 1000 * 1000;
    let mut config = SimConfig::manual(scenario, now_ms);
    config.latency_probe = Some(probe.clone());
    let sim = SimServer::start(config).await.unwrap();
    let base = sim.base_url();
    // The admin routes need the run's token and JSON bodies.
    let http = polyagent_simulator::operator::admin_client(sim.admin_token()).unwrap();
    let token = sim.tokens("bench")[0].clone();

    let dir = tempfile::tempdir().unwrap();
    let mut config = RuntimeConfig::new(dir.path());
    // The bench is the user's own command: it confirms its guarded actions (see `stepup`).
    config.confirmer = std::sync::Arc::new(polyagent_runtime::stepup::TypedCommand);
    config.vault = polyagent_vault::VaultConfig::new(dir.path())
        .no_keychain()
        .with_kdf(polyagent_vault::KdfParams::INSECURE_FAST);
    config.vault_passphrase = Some(polyagent_vault::SecretString::new("bench passphrase").unwrap());
    // The default budgets (20 reads/s per wallet, the Standard tier's 40 orders/s per signer)
    // deliberately pace a bot that trades on every other tick, as this one does; the bench
    // measures the path, not the pacing.
    config.rate_limits = polyagent_venue::rate::RateLimits {
        global_per_second: 10_000,
        global_burst: 10_000,
        wallet_per_second: 10_000,
        wallet_burst: 10_000,
        signer_pacing: false,
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
        .import_test_key(
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
            max_daily_loss: polyagent_engine::ceilings::MAX_DAILY_LOSS,
            max_trades_per_day: polyagent_engine::ceilings::MAX_TRADES_PER_DAY,
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
    let journal = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(dir.path().join(polyagent_runtime::DATABASE_FILE))
                .read_only(true),
        )
        .await
        .unwrap();
    let armed = |journal: sqlx::SqlitePool, bot: String, side: &'static str| async move {
        if config_armed {
            wait_until_armed(&journal, &bot, side).await;
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
            armed(journal.clone(), bot.id.clone(), side).await;
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
    let database =
        polyagent_store::Database::open(dir.path().join(polyagent_runtime::DATABASE_FILE))
            .await
            .unwrap();
    let intents: std::collections::HashMap<String, (bool, Side)> = database
        .order_journal()
        .for_bot(&bot.id)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|intent| {
            let armed = intent.intent_id.contains("/armed-");
            Some((intent.exchange_order_id?, (armed, intent.side)))
        })
        .collect();
    probe
        .named_samples()
        .into_iter()
        .map(|sample| {
            let path = sample.order_id.and_then(|id| intents.get(&id).copied());
            Timed {
                delay: sample.delay,
                armed: path.map(|(armed, _)| armed),
                side: path.map(|(_, side)| side),
            }
        })
        .collect()
}

/// Waits (up to 5 s, then goes on: the trigger then takes the slow path, and the report's
/// split shows it) until the journal holds an armed `side` order for an order number not yet
/// used. The side matters: the fill of the last order is announced before its row is
/// marked acknowledged, so the rest of its own set still looks unused for a moment.
async fn wait_until_armed(journal: &sqlx::SqlitePool, bot: &str, side: &str) {
    // An armed row `{bot}:{n}/armed-…` is unused while no row of order n was acknowledged.
    // Index lookups only (the few `sent` rows by state, with `+` keeping the planner off the
    // bot's index; then the primary key's range for the armed ids of order n): the journal
    // grows by a set per order, and this is asked every 200 us.
    const READY: &str = "SELECT EXISTS (SELECT 1 FROM order_intents a
        WHERE a.state = 'sent' AND +a.bot_id = ?1 AND +a.side = ?2
          AND a.intent_id LIKE '%/armed-%'
          AND NOT EXISTS (SELECT 1 FROM order_intents b
            WHERE b.intent_id = substr(a.intent_id, 1, instr(a.intent_id, '/armed-') - 1)
              AND b.state = 'acknowledged')
          AND NOT EXISTS (SELECT 1 FROM order_intents b
            WHERE b.intent_id >= substr(a.intent_id, 1, instr(a.intent_id, '/armed-') + 6)
              AND b.intent_id < substr(a.intent_id, 1, instr(a.intent_id, '/armed-') + 5) || '.'
              AND b.state = 'acknowledged'))";
    let give_up = Instant::now() + Duration::from_secs(5);
    while Instant::now() < give_up {
        let ready: bool = sqlx::query_scalar(READY)
            .bind(bot)
            .bind(side.to_uppercase())
            .fetch_one(journal)
            .await
            .unwrap();
        if ready {
            return;
        }
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
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

fn report(label: &str, samples: &[Duration]) {
    if samples.is_empty() {
        println!("{label} (0 orders)");
        return;
    }
    let mut sorted = samples.to_vec();
    sorted.sort();
    let at = |q: f64| {
        let index = ((sorted.len() as f64 - 1.0) * q).round() as usize;
        sorted.get(index).copied().unwrap_or_default()
    };
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "{label} ({} orders): p50 {:.0} us, p90 {:.0} us, p99 {:.0} us, max {:.0} us",
        sorted.len(),
        micros(at(0.5)),
        micros(at(0.9)),
        micros(at(0.99)),
        micros(sorted.last().copied().unwrap_or_default()),
    );
}
