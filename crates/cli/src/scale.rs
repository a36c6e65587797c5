//! `polyagent scale`: bench row 5. Many paper bots on many markets of an in-process simulator
//! that publishes a set rate of market messages; measures what running them costs.
//!
//! - The market: `--markets` random walks (seeded by their index, so every run sees the same
//!   prices), all stepped every `markets × 1000 / rate` ms. Each step requotes every market,
//!   which publishes one `price_change` (both outcomes) per market: `--rate` of them a second.
//!   A step that moves a best price also publishes `best_bid_ask` messages (custom-feature
//!   subscribers only), so all messages published are somewhat more; both that rate and the
//!   frames delivered to the bots' feed are measured and printed, not assumed.
//! - The bots: `--bots` paper Spike Sam bots, one per outcome token (market i % markets, the
//!   YES token first, then the NO tokens), through the same runtime as the app.
//! - CPU: the process's user + system time over the measured window, split by thread: the
//!   simulator runs on its own runtime whose threads are named `simulator`, and PolyAgent's
//!   share is the rest (bot actors, market feed, SQLite, the main thread).
//! - RSS: the whole process's, simulator included (also printed before any bot existed).
//! - Event-loop lag: a task on the bots' runtime sleeps 10 ms in a loop; how late it wakes.
//! - Tick to decision: the simulator's latency probe (the one that times tick-to-order in
//!   bench row 4) notes when each market frame is written to the socket, per asset, and each
//!   bot reports when its strategy has decided on a tick (`RuntimeConfig::latency_probe`);
//!   timed from the newest frame before the decision (see `LatencyProbe`).
//!
//! A warm-up (5 s and two decisions per bot) precedes the measured window. The data folder is
//! temporary; the runtime's request budget is raised (500 bots look their markets up at
//! start), as the tick-to-order bench does.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::Args;
use polyagent_engine::config::{BotSpec, Overrides, Profile};
use polyagent_runtime::{ExecutionPlan, NewBotRequest, Runtime, RuntimeConfig, SecretString};
use polyagent_simulator::scenario::Scenario;
use polyagent_simulator::server::{ClockMode, LatencyProbe, SimConfig, SimServer};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::json;

use crate::process;

#[derive(Debug, Args)]
pub struct ScaleArgs {
    /// Paper bots to run (one per outcome token; at most twice the markets).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    bots: u32,
    /// Markets the simulator lists.
    #[arg(long, default_value_t = 250, value_parser = clap::value_parser!(u32).range(1..=5_000))]
    markets: u32,
    /// `price_change` messages the simulator publishes per second, over all markets.
    #[arg(long, default_value_t = 5_000, value_parser = clap::value_parser!(u32).range(1..=200_000))]
    rate: u32,
    /// Length of the measured window, after the warm-up.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    seconds: u64,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Percentiles of a set of delays, in microseconds.
#[derive(Debug, Default, Serialize)]
struct Spread {
    count: usize,
    p50_us: u64,
    p99_us: u64,
    max_us: u64,
}

impl Spread {
    fn of(mut values: Vec<Duration>) -> Self {
        values.sort();
        let us = |d: Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        Self {
            count: values.len(),
            p50_us: us(process::percentile(&values, 0.5)),
            p99_us: us(process::percentile(&values, 0.99)),
            max_us: us(values.last().copied().unwrap_or_default()),
        }
    }
}

#[derive(Debug, Serialize)]
struct Report {
    bots: u32,
    markets: u32,
    target_rate: u32,
    seconds: f64,
    /// Market messages the simulator published, and frames it wrote to our sockets, per second.
    published_per_second: f64,
    delivered_per_second: f64,
    /// CPU cores used over the window: the whole process, the simulator's threads, the rest.
    cpu_cores_process: f64,
    cpu_cores_simulator: f64,
    cpu_cores_polyagent: f64,
    rss_before_bots_mib: f64,
    rss_max_mib: f64,
    rss_end_mib: f64,
    event_loop_lag: Spread,
    tick_to_decision: Spread,
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

pub fn run(args: ScaleArgs) -> ExitCode {
    let mut out = std::io::stdout().lock();
    if args.bots > args.markets * 2 {
        let _ = writeln!(
            out,
            "--bots is at most twice --markets (one bot per outcome token)"
        );
        return ExitCode::FAILURE;
    }
    let runtimes = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("simulator")
        .enable_all()
        .build()
        .and_then(|sim| {
            tokio::runtime::Builder::new_multi_thread()
                .thread_name("polyagent")
                .enable_all()
                .build()
                .map(|bots| (sim, bots))
        });
    let (sim_runtime, bots_runtime) = match runtimes {
        Ok(both) => both,
        Err(e) => {
            let _ = writeln!(out, "the async runtime could not start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let probe = Arc::new(LatencyProbe::default());
    let sim = match scenario(&args).and_then(|scenario| {
        let mut config = SimConfig::manual(scenario, 0);
        config.clock = ClockMode::Wall { speed: 1 };
        config.latency_probe = Some(probe.clone());
        sim_runtime.block_on(SimServer::start(config))
    }) {
        Ok(sim) => sim,
        Err(e) => {
            let _ = writeln!(out, "the simulator could not start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = bots_runtime.block_on(measure(&args, &sim, probe));
    sim_runtime.block_on(sim.stop());
    match result {
        Ok(report) => {
            let text = if args.json {
                serde_json::to_string(&report).unwrap_or_default()
            } else {
                summary(&report)
            };
            let _ = writeln!(out, "{text}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            let _ = writeln!(out, "scale: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `markets` seeded random walks, stepped so that they publish `rate` messages a second.
fn scenario(args: &ScaleArgs) -> Result<Scenario, String> {
    let step_ms = (u64::from(args.markets) * 1000 / u64::from(args.rate)).max(1);
    let markets: Vec<serde_json::Value> = (0..args.markets)
        .map(|i| {
            json!({
                "slug": format!("scale-{i:04}"),
                "question": format!("Scale market {i}?"),
                // No random trades: one price_change per market per step, nothing else.
                "liquidity": {"spread": "0.02", "levels": 3, "size": "1000"},
                "path": {"kind": "random_walk", "seed": i + 1,
                         "start": format!("0.{}", 30 + i % 40), "step_volatility": "0.003",
                         "step_ms": step_ms}
            })
        })
        .collect();
    Scenario::from_json(
        &json!({"name": "scale", "step_ms": step_ms, "markets": markets}).to_string(),
    )
}

async fn measure(
    args: &ScaleArgs,
    sim: &SimServer,
    probe: Arc<LatencyProbe>,
) -> Result<Report, String> {
    let rss_before_bots = process::rss_bytes().unwrap_or(0);
    let dir = tempfile::tempdir().map_err(|e| format!("no temporary folder: {e}"))?;
    let mut config = RuntimeConfig::new(dir.path());
    // The user's own command (see `stepup::TypedCommand`).
    config.confirmer = Arc::new(polyagent_runtime::stepup::TypedCommand);
    // A throwaway folder with paper bots only: no keychain, a fast (weak) KDF.
    config.vault = polyagent_vault::VaultConfig::new(dir.path())
        .no_keychain()
        .with_kdf(polyagent_vault::KdfParams::INSECURE_FAST);
    config.vault_passphrase =
        Some(SecretString::new("a scale bench passphrase").map_err(|e| e.to_string())?);
    config.rate_limits = polyagent_venue::rate::RateLimits {
        global_per_second: 10_000,
        global_burst: 10_000,
        wallet_per_second: 10_000,
        wallet_burst: 10_000,
        signer_pacing: false,
    };
    config.latency_probe = Some(probe.clone());
    let runtime = Runtime::open(config).await.map_err(|e| e.message)?;
    crate::harness::use_simulator_without_daily_limits(&runtime, sim.base_url()).await?;
    for i in 0..args.bots {
        let market = i % args.markets;
        let outcome = (i / args.markets) as usize;
        let token = sim
            .tokens(&format!("scale-{market:04}"))
            .get(outcome)
            .cloned()
            .ok_or_else(|| format!("market {market} has no token {outcome}"))?;
        runtime
            .create_bot(NewBotRequest {
                spec: BotSpec {
                    name: format!("scale {i:04}"),
                    wallet: "paper".into(),
                    token_id: token,
                    complement_token_id: None,
                    strategy: "spike-sam".into(),
                    profile: Profile::Live,
                    overrides: Overrides {
                        trade_size: Some(Decimal::from(10)),
                        ..Overrides::default()
                    },
                },
                execution: ExecutionPlan::Paper {
                    cash: "1000".into(),
                },
                start: true,
            })
            .await
            .map_err(|e| format!("bot {i}: {}", e.message))?;
    }

    // Warm-up: at least 5 s and two decisions per bot (or 60 s), so first ticks, timed from
    // frames written before their bot existed, stay out of the window.
    let warm = Instant::now();
    while (probe.decisions().len() < 2 * args.bots as usize
        || warm.elapsed() < Duration::from_secs(5))
        && warm.elapsed() < Duration::from_secs(60)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let stop = Arc::new(AtomicBool::new(false));
    let lag = tokio::spawn({
        let stop = stop.clone();
        async move {
            let period = Duration::from_millis(10);
            let mut late = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let asked = Instant::now();
                tokio::time::sleep(period).await;
                late.push(asked.elapsed().saturating_sub(period));
            }
            late
        }
    });
    let decided_before = probe.decisions().len();
    let published_before = sim.market_messages_published();
    let delivered_before = probe.frames_sent();
    let cpu_before = process::cpu_time().unwrap_or_default();
    let sim_cpu_before = process::cpu_time_of_threads("simulator");
    let started = Instant::now();
    let window = Duration::from_secs(args.seconds);
    let mut rss_max = 0;
    while started.elapsed() < window {
        rss_max = rss_max.max(process::rss_bytes().unwrap_or(0));
        // The bench's own sampling pace.
        tokio::time::sleep(
            Duration::from_millis(500).min(window.saturating_sub(started.elapsed())),
        )
        .await;
    }
    let wall = started.elapsed().as_secs_f64();
    let cpu = process::cpu_time()
        .unwrap_or_default()
        .saturating_sub(cpu_before);
    let sim_cpu = process::cpu_time_of_threads("simulator").saturating_sub(sim_cpu_before);
    let published = sim.market_messages_published() - published_before;
    let delivered = probe.frames_sent() - delivered_before;
    let decisions = probe.decisions().split_off(decided_before);
    let rss_end = process::rss_bytes().unwrap_or(0);
    stop.store(true, Ordering::Relaxed);
    let lag = lag.await.map_err(|e| format!("the lag probe: {e}"))?;
    runtime.shutdown(false).await;

    Ok(Report {
        bots: args.bots,
        markets: args.markets,
        target_rate: args.rate,
        seconds: wall,
        published_per_second: published as f64 / wall,
        delivered_per_second: delivered as f64 / wall,
        cpu_cores_process: cpu.as_secs_f64() / wall,
        cpu_cores_simulator: sim_cpu.as_secs_f64() / wall,
        cpu_cores_polyagent: cpu.saturating_sub(sim_cpu).as_secs_f64() / wall,
        rss_before_bots_mib: mib(rss_before_bots),
        rss_max_mib: mib(rss_max.max(rss_end)),
        rss_end_mib: mib(rss_end),
        event_loop_lag: Spread::of(lag),
        tick_to_decision: Spread::of(decisions),
    })
}

fn summary(r: &Report) -> String {
    let ms = |us: u64| format!("{:.2} ms", us as f64 / 1000.0);
    [
        format!(
            "scale: {} paper bots on {} markets for {:.0} s; {:.0} market messages/s published, {:.0}/s delivered to the bots' feed",
            r.bots, r.markets, r.seconds, r.published_per_second, r.delivered_per_second
        ),
        format!(
            "  CPU: PolyAgent {:.2} cores (process {:.2}, of which the in-process simulator {:.2})",
            r.cpu_cores_polyagent, r.cpu_cores_process, r.cpu_cores_simulator
        ),
        format!(
            "  RSS: max {:.0} MiB, end {:.0} MiB (simulator alone before the bots: {:.0} MiB)",
            r.rss_max_mib, r.rss_end_mib, r.rss_before_bots_mib
        ),
        format!(
            "  event-loop lag: p50 {}, p99 {}, max {} ({} wake-ups)",
            ms(r.event_loop_lag.p50_us),
            ms(r.event_loop_lag.p99_us),
            ms(r.event_loop_lag.max_us),
            r.event_loop_lag.count
        ),
        format!(
            "  tick to decision: p50 {}, p99 {}, max {} ({} decisions)",
            ms(r.tick_to_decision.p50_us),
            ms(r.tick_to_decision.p99_us),
            ms(r.tick_to_decision.max_us),
            r.tick_to_decision.count
        ),
    ]
    .join("\n")
}
