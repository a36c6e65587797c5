//! `polyagent soak`: many paper and live bots on the demo simulator for minutes while its fault
//! switches flip at random, then an audit. CI runs it for 5 minutes (`scripts/test`).
//!
//! What it checks, and fails on (exit code 1):
//! - memory and descriptors stay flat: after the warm-up (the first 20 % of the run), the
//!   highest RSS of the last third is at most 10 % + 8 MiB above the highest of the middle
//!   third, and the fewest open descriptors of the last third at most 8 above the fewest of
//!   the middle third. Descriptors are judged by their floor, not their peak: both ends of
//!   every loopback connection are in this process, and the HTTP pools swell for a minute or
//!   two after slow answers (idle connections close after 90 s), a swing of 20 or more that
//!   says nothing; a leak raises the floor;
//! - no duplicate order: every order the simulator holds for a live bot's wallet is one
//!   acknowledged intent of that bot's journal, no intent is left unresolved, and no failed
//!   intent is an order at the exchange;
//! - no lost fill: each live bot booked exactly the exchange's trades of its wallet;
//! - positions equal the simulator's balances, to within the dust below one 0.01-share sell
//!   lot that the ledger writes off each time it closes a position (as in the fault suite,
//!   which closes one position; here a bot may close several, so up to 0.01 per sell fill);
//! - no bot ended in error without the user being told (an activity line or a notice);
//! - no panic anywhere in the process.
//!
//! Each live bot has its own wallet (a throwaway key funded only inside this simulator), so
//! the exchange's view of a wallet is one bot's doing. The data folder is a temporary one and
//! the vault in it uses no keychain and a deliberately weak, fast KDF: safe only because the
//! folder and its keys live and die with this run. Nothing here touches the user's data.
//!
//! The random faults come from a seeded generator: the same `--seed` gives the same faults in
//! the same order (their timing relative to the market is wall-clock, so not exactly the same
//! run). The last 15 % of the run is quiet so every order in flight is reconciled before the
//! audit. `fail_trades` (a trade reversed on chain) and `clock_skew_ms` are not injected: a
//! reversed trade deliberately leaves the position for the user to check, which this audit
//! would count as a mismatch, and a skew is a setting, not an intermittent fault.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Args;
use polyagent_domain::secret::PrivateKey;
use polyagent_domain::trading::SignatureType;
use polyagent_engine::config::{BotSpec, Overrides, Profile};
use polyagent_runtime::{ExecutionPlan, NewBotRequest, Runtime, RuntimeConfig, SecretString};
use polyagent_simulator::scenario::{Scenario, WalletSpec};
use polyagent_simulator::server::{ClockMode, SimConfig, SimServer};
use polyagent_store::{Database, FillStatus, IntentState, Timestamp};
use polyagent_venue::client::{AuthedClient, ClientConfig, PublicClient};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Value, json};

use crate::process;
use polyagent_venue::rate::JitterRng;

#[derive(Debug, Args)]
pub struct SoakArgs {
    /// How long to run, in minutes (fractions allowed). CI runs 5; run longer by hand.
    #[arg(long, default_value_t = 5.0)]
    minutes: f64,
    /// Paper bots to run.
    #[arg(long, default_value_t = 100)]
    paper: u32,
    /// Live bots to run, each with its own simulator-funded wallet.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(0..=200))]
    live: u32,
    /// Seed of the fault schedule (printed, so a failing run can be repeated).
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Seconds between samples of memory and open descriptors.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=60))]
    sample_secs: u64,
    /// Print one JSON object instead of the summary.
    #[arg(long)]
    json: bool,
}

/// Panics anywhere in the process, bot tasks included (their supervisor catches them).
static PANICS: AtomicU64 = AtomicU64::new(0);

/// RSS growth allowed from the middle third to the last: 10 % plus 8 MiB.
const RSS_GROWTH_FRACTION: f64 = 0.10;
const RSS_GROWTH_BYTES: u64 = 8 * 1024 * 1024;
/// Growth of the descriptors' floor allowed from the middle third to the last.
const FD_GROWTH: u64 = 8;

#[derive(Debug, Clone, Copy, Serialize)]
struct Sample {
    at_secs: f64,
    rss_bytes: u64,
    fds: u64,
}

#[derive(Debug, Default, Serialize)]
struct Series {
    start: u64,
    end: u64,
    max: u64,
    /// Highest and lowest value in the middle and in the last third of the run.
    middle_max: u64,
    last_max: u64,
    middle_min: u64,
    last_min: u64,
    /// `max` (RSS: the last third's peak against the middle's) or `min` (descriptors: floors).
    judged_by: &'static str,
    limit: u64,
    flat: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    seed: u64,
    minutes: f64,
    paper_bots: u32,
    live_bots: u32,
    /// Orders the simulator holds for the live wallets; intents the journals hold.
    orders_at_exchange: u64,
    intents: u64,
    /// Fills booked by every bot (paper fills included).
    fills: u64,
    live_fills: u64,
    bot_status: BTreeMap<String, u32>,
    faults: BTreeMap<&'static str, u32>,
    samples: usize,
    rss: Series,
    fds: Series,
    panics: u64,
    problems: Vec<String>,
    passed: bool,
}

pub fn run(args: SoakArgs) -> ExitCode {
    if !(args.minutes > 0.0 && args.minutes <= 24.0 * 60.0) {
        let _ = writeln!(
            std::io::stdout(),
            "--minutes must be above 0 and at most a day"
        );
        return ExitCode::FAILURE;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        previous(info);
    }));
    let tokio = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(tokio) => tokio,
        Err(e) => {
            let _ = writeln!(std::io::stdout(), "the async runtime could not start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let json = args.json;
    let result = tokio.block_on(soak(&args));
    drop(tokio);
    let mut out = std::io::stdout().lock();
    match result {
        Ok(report) => {
            if json {
                let _ = writeln!(
                    out,
                    "{}",
                    serde_json::to_string(&report).unwrap_or_default()
                );
            } else {
                let _ = write!(out, "{}", summary(&report));
            }
            if report.passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(error) => {
            if json {
                let _ = writeln!(out, "{}", json!({"passed": false, "error": error}));
            } else {
                let _ = writeln!(out, "soak: could not run: {error}");
            }
            ExitCode::FAILURE
        }
    }
}

/// Simulator-only test keys: small scalars, valid secp256k1 keys nobody funds on a chain.
fn live_key(index: u32) -> String {
    format!("0x{:064x}", 0x50a4_0000_u64 + u64::from(index) + 1)
}

fn live_label(index: u32) -> String {
    format!("soak-live-{index:03}")
}

fn say(json: bool, text: &str) {
    if !json {
        let _ = writeln!(std::io::stdout(), "soak: {text}");
    }
}

async fn soak(args: &SoakArgs) -> Result<Report, String> {
    let duration = Duration::from_secs_f64(args.minutes * 60.0);
    say(
        args.json,
        &format!(
            "{} paper + {} live bots for {:.1} min, fault seed {}",
            args.paper, args.live, args.minutes, args.seed
        ),
    );

    // The demo scenario, plus one funded wallet per live bot.
    let mut scenario =
        Scenario::builtin("demo").ok_or("the demo scenario is missing from this build")?;
    for i in 0..args.live {
        scenario.wallets.push(WalletSpec {
            label: live_label(i),
            private_key: Some(live_key(i)),
            address: None,
            pusd: Decimal::from(1_000),
            pairs: BTreeMap::new(),
            ..WalletSpec::default()
        });
    }
    let slugs: Vec<String> = scenario.markets.iter().map(|m| m.slug.clone()).collect();
    let sim = SimServer::start(SimConfig {
        scenario,
        base_dir: std::path::PathBuf::from("data/scenarios"),
        clock: ClockMode::Wall { speed: 1 },
        port: 0,
        seed: polyagent_simulator::server::random_bytes(),
        latency_probe: None,
    })
    .await?;
    let base = sim.base_url();
    let tokens: Vec<String> = slugs.iter().flat_map(|s| sim.tokens(s)).collect();
    if tokens.is_empty() {
        return Err("the demo simulator lists no markets".into());
    }

    let dir = tempfile::tempdir().map_err(|e| format!("no temporary folder: {e}"))?;
    let mut config = RuntimeConfig::new(dir.path());
    // The user's own command (see `stepup::TypedCommand`).
    config.confirmer = std::sync::Arc::new(polyagent_runtime::stepup::TypedCommand);
    // Soak only: a throwaway folder, so no keychain and a fast (weak) KDF; see the module doc.
    config.vault = polyagent_vault::VaultConfig::new(dir.path())
        .no_keychain()
        .with_kdf(polyagent_vault::KdfParams::INSECURE_FAST);
    config.vault_passphrase =
        Some(SecretString::new("a soak vault passphrase").map_err(|e| e.to_string())?);
    config.request_timeout = Duration::from_secs(5);
    let runtime = Runtime::open(config).await.map_err(|e| e.message)?;
    crate::harness::use_simulator_without_daily_limits(&runtime, base.clone()).await?;
    for i in 0..args.live {
        let key = SecretString::new(live_key(i)).map_err(|e| e.to_string())?;
        runtime
            .import_test_key(&live_label(i), &key, 0, None)
            .await
            .map_err(|e| e.message)?;
    }

    // Bots that trade often: short windows and cooldowns, so minutes hold many decisions.
    let overrides = Overrides {
        trade_size: Some(Decimal::from(10)),
        cooldown_secs: Some(10),
        max_hold_secs: Some(90),
        spike_windows_mins: Some(vec![1, 3]),
        ..Overrides::default()
    };
    let mut live_bots = Vec::new();
    let total = args.paper + args.live;
    for n in 0..total {
        let live = n >= args.paper;
        let token = tokens[n as usize % tokens.len()].clone();
        let (wallet, execution) = if live {
            (live_label(n - args.paper), ExecutionPlan::Live)
        } else {
            (
                "paper".to_owned(),
                ExecutionPlan::Paper {
                    cash: "1000".into(),
                },
            )
        };
        let bot = runtime
            .create_bot(NewBotRequest {
                spec: BotSpec {
                    name: format!("soak {n:03}"),
                    wallet: wallet.clone(),
                    token_id: token.clone(),
                    complement_token_id: None,
                    strategy: "spike-sam".into(),
                    profile: Profile::Live,
                    overrides: overrides.clone(),
                },
                execution,
                start: true,
            })
            .await
            .map_err(|e| format!("bot {n}: {}", e.message))?;
        if live {
            live_bots.push((
                bot.id,
                live_label(n - args.paper),
                live_key(n - args.paper),
                token,
            ));
        }
    }
    say(args.json, &format!("{total} bots started on {base}"));

    let started = Instant::now();
    // The admin routes need the run's token and JSON bodies.
    let http = polyagent_simulator::operator::admin_client(sim.admin_token())?;
    let faults = tokio::spawn(inject_faults(
        http.clone(),
        base.clone(),
        args.seed,
        started + duration.mul_f64(0.85),
        args.json,
    ));
    let mut samples = Vec::new();
    let mut next = started;
    while started.elapsed() < duration {
        samples.push(Sample {
            at_secs: started.elapsed().as_secs_f64(),
            rss_bytes: process::rss_bytes().unwrap_or(0),
            fds: process::open_fds().unwrap_or(0),
        });
        next += Duration::from_secs(args.sample_secs);
        // The run's own pacing, not a wait for a condition.
        tokio::time::sleep_until(next.into()).await;
    }
    let faults = faults.await.map_err(|e| format!("the fault task: {e}"))?;
    // Every switch off before the audit.
    admin(&http, &base, "faults", json!({})).await?;
    say(args.json, "time is up: stopping every bot and auditing");

    let mut problems = Vec::new();
    // Told: a bot in error has a line in its activity log or a notice.
    let notices = runtime.recent_notices();
    let mut bot_status = BTreeMap::new();
    for bot in runtime.list_bots() {
        *bot_status.entry(bot.status.clone()).or_insert(0) += 1;
        if bot.status == "error" {
            let lines = runtime
                .activity(Some(&bot.id), None, 100)
                .await
                .map_err(|e| e.message)?;
            let told = lines.iter().any(|l| l.kind == "error" || l.kind == "risk")
                || notices.iter().any(|n| n.bot_id == bot.id);
            if !told {
                problems.push(format!(
                    "bot {} ({}) ended in error ({:?}) and the user was not told",
                    bot.name, bot.id, bot.status_detail
                ));
            }
        }
    }
    runtime.shutdown(false).await;

    let state: Value = http
        .get(format!("{base}/admin/state"))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let db = Database::open(dir.path().join(polyagent_runtime::DATABASE_FILE))
        .await
        .map_err(|e| e.to_string())?;
    let all_fills = db
        .fills()
        .list(
            None,
            Timestamp::from_millis(0),
            Timestamp::from_millis(i64::MAX),
        )
        .await
        .map_err(|e| e.to_string())?;
    let mut orders_at_exchange = 0;
    let mut intents_total = 0;
    let mut live_fills = 0;
    for (bot_id, label, key, token) in &live_bots {
        let audit = audit_live_bot(&runtime, &db, &state, &base, bot_id, label, key, token).await?;
        orders_at_exchange += audit.orders;
        intents_total += audit.intents;
        live_fills += audit.fills;
        problems.extend(audit.problems);
    }
    db.close().await;
    drop(runtime);
    sim.stop().await;

    let (rss, fds) = flatness(&samples, duration);
    if !rss.flat {
        problems.push(format!(
            "RSS grew: the last third peaked at {} MiB, above the {} MiB allowed (middle third peak {} MiB)",
            mib(rss.last_max),
            mib(rss.limit),
            mib(rss.middle_max)
        ));
    }
    if !fds.flat {
        problems.push(format!(
            "open descriptors grew: the last third never went below {}, above the {} allowed (middle third floor {})",
            fds.last_min, fds.limit, fds.middle_min
        ));
    }
    let panics = PANICS.load(Ordering::SeqCst);
    if panics > 0 {
        problems.push(format!(
            "{panics} panic(s) during the run (see the log above)"
        ));
    }
    Ok(Report {
        seed: args.seed,
        minutes: args.minutes,
        paper_bots: args.paper,
        live_bots: args.live,
        orders_at_exchange,
        intents: intents_total,
        fills: all_fills.len() as u64,
        live_fills,
        bot_status,
        faults,
        samples: samples.len(),
        rss,
        fds,
        panics,
        passed: problems.is_empty(),
        problems,
    })
}

async fn admin(http: &reqwest::Client, base: &str, path: &str, body: Value) -> Result<(), String> {
    let response = http
        .post(format!("{base}/admin/{path}"))
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| format!("admin {path}: {e}"))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("admin {path}: {}", response.status()))
    }
}

/// Flips the simulator's fault switches at random moments until `until`; answers how many of
/// each it injected.
async fn inject_faults(
    http: reqwest::Client,
    base: String,
    seed: u64,
    until: Instant,
    quiet: bool,
) -> BTreeMap<&'static str, u32> {
    let mut rng = JitterRng::new(seed);
    let mut counts = BTreeMap::new();
    loop {
        let pause = Duration::from_secs(between(&mut rng, 2, 8));
        let kind = between(&mut rng, 0, 7);
        // A matching-engine restart (PROTOCOL §13.4): 425 for a few seconds, then post-only
        // mode; held until both phases are over, so clearing the switches never cuts them short.
        let (restart_s, post_only_s) = (between(&mut rng, 3, 10), between(&mut rng, 5, 20));
        // Stalls up to 25 s: longer than the 15 s after which a feed counts as stale.
        let hold = Duration::from_millis(match kind {
            1 => between(&mut rng, 5_000, 25_000),
            7 => (restart_s + post_only_s) * 1_000 + 500,
            _ => between(&mut rng, 1_000, 12_000),
        });
        if Instant::now() + pause + hold >= until {
            break;
        }
        tokio::time::sleep(pause).await;
        let (name, switches) = match kind {
            0 => ("socket drop", None),
            1 => ("silent stall", Some(json!({"stall_ws": true}))),
            2 => (
                "429 storm",
                Some(json!({"http_429": between(&mut rng, 5, 40)})),
            ),
            3 => (
                "500 after accept",
                Some(json!({"post_500_after_accept": between(&mut rng, 1, 3)})),
            ),
            4 => (
                "500 before accept",
                Some(json!({"post_500_before_accept": between(&mut rng, 1, 3)})),
            ),
            5 => (
                "slow responses",
                Some(json!({"delay_ms": between(&mut rng, 100, 2_500)})),
            ),
            6 => (
                "balance refusal",
                Some(json!({"reject_balance": between(&mut rng, 1, 2)})),
            ),
            _ => (
                "engine restart then post-only",
                Some(json!({"restart_s": restart_s, "post_only_s": post_only_s})),
            ),
        };
        let set = match &switches {
            None => admin(&http, &base, "drop-ws", json!({})).await,
            Some(body) => admin(&http, &base, "faults", body.clone()).await,
        };
        if let Err(error) = set {
            say(quiet, &format!("could not inject {name}: {error}"));
            continue;
        }
        *counts.entry(name).or_insert(0) += 1;
        if switches.is_some() {
            tokio::time::sleep(hold).await;
            if let Err(error) = admin(&http, &base, "faults", json!({})).await {
                say(quiet, &format!("could not clear {name}: {error}"));
            }
        }
    }
    counts
}

struct LiveAudit {
    orders: u64,
    intents: u64,
    fills: u64,
    problems: Vec<String>,
}

/// The fault suite's audit (crates/runtime/tests/faults.rs) for one live bot and its wallet.
#[allow(
    clippy::too_many_arguments,
    reason = "one bot's identity and the sources it is checked against"
)]
async fn audit_live_bot(
    runtime: &Runtime,
    db: &Database,
    state: &Value,
    base: &str,
    bot_id: &str,
    label: &str,
    key: &str,
    token: &str,
) -> Result<LiveAudit, String> {
    let mut problems = Vec::new();
    let wallet = state["wallets"]
        .as_array()
        .and_then(|w| w.iter().find(|w| w["label"] == label))
        .ok_or_else(|| format!("the simulator has no wallet {label}"))?;
    let sim_orders = wallet["orders"].as_u64().unwrap_or(0);
    let sim_shares: Decimal = wallet["shares"][token]
        .as_str()
        .map_or(Ok(Decimal::ZERO), str::parse)
        .map_err(|e| format!("{label} shares: {e}"))?;
    let public = PublicClient::new(ClientConfig::simulator(base)).map_err(|e| e.to_string())?;
    let signer = polyagent_venue::signing::OrderSigner::new(
        &PrivateKey::from_hex(key).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let client = AuthedClient::connect(public, signer, SignatureType::Eoa, 0)
        .await
        .map_err(|e| e.to_string())?;
    let trades = client
        .trades(None, None, None)
        .await
        .map_err(|e| e.to_string())?;

    let intents = db
        .order_journal()
        .for_bot(bot_id)
        .await
        .map_err(|e| e.to_string())?;
    let booked = db
        .fills()
        .list(
            Some(bot_id),
            Timestamp::from_millis(0),
            Timestamp::from_millis(i64::MAX),
        )
        .await
        .map_err(|e| e.to_string())?;
    let name = runtime
        .get_bot(bot_id)
        .map(|b| b.name)
        .unwrap_or_else(|_| bot_id.to_owned());

    for intent in intents.iter().filter(|i| !i.state.is_final()) {
        problems.push(format!(
            "{name}: intent {} left {:?}",
            intent.intent_id, intent.state
        ));
    }
    let acknowledged: BTreeSet<&str> = intents
        .iter()
        .filter(|i| i.state == IntentState::Acknowledged)
        .map(|i| i.client_order_id.as_str())
        .collect();
    for id in &acknowledged {
        match client.order(id).await {
            Ok(Some(_)) => {}
            Ok(None) => problems.push(format!("{name}: the exchange has no order {id}")),
            Err(e) => return Err(format!("{name}: looking up order {id}: {e}")),
        }
    }
    // With every acknowledged id found at the exchange, equal counts make the exchange's orders
    // exactly the acknowledged intents: no failed (or retired armed) intent is an order there.
    if sim_orders != acknowledged.len() as u64 {
        problems.push(format!(
            "{name}: {sim_orders} orders at the exchange, {} acknowledged intents (a duplicate or a lost order)",
            acknowledged.len()
        ));
    }

    let exchange_trades: BTreeSet<(String, Decimal)> =
        trades.iter().map(|t| (t.id.clone(), t.size)).collect();
    let booked_trades: BTreeSet<(String, Decimal)> = booked
        .iter()
        .filter(|f| f.status != FillStatus::Failed)
        .map(|f| (f.trade_id.clone(), f.size))
        .collect();
    for missing in exchange_trades.difference(&booked_trades) {
        problems.push(format!(
            "{name}: exchange trade {} ({} shares) is not booked (a lost fill)",
            missing.0, missing.1
        ));
    }
    for extra in booked_trades.difference(&exchange_trades) {
        problems.push(format!(
            "{name}: booked fill {} ({} shares) is no trade at the exchange",
            extra.0, extra.1
        ));
    }

    let position = runtime
        .get_bot(bot_id)
        .ok()
        .and_then(|b| b.position_shares)
        .map_or(Ok(Decimal::ZERO), |s| s.parse::<Decimal>())
        .map_err(|e| format!("{name} position: {e}"))?;
    // Each position the bot closed may leave dust below one 0.01-share sell lot at the
    // exchange, which its ledger writes off; closing needs a sell, so the sells bound it.
    let sells = booked
        .iter()
        .filter(|f| f.status != FillStatus::Failed && f.side == polyagent_store::Side::Sell)
        .count();
    let dust = sim_shares - position;
    let matches = if sells == 0 && !position.is_zero() {
        dust.is_zero()
    } else {
        dust >= Decimal::ZERO && dust < Decimal::new(1, 2) * Decimal::from(sells.max(1))
    };
    if !matches {
        problems.push(format!(
            "{name}: holds {position} shares by its own books, {sim_shares} at the exchange ({sells} sell fills)"
        ));
    }
    Ok(LiveAudit {
        orders: sim_orders,
        intents: intents.len() as u64,
        fills: booked.len() as u64,
        problems,
    })
}

/// Splits the samples after the warm-up into the middle and the last third of the run.
fn flatness(samples: &[Sample], duration: Duration) -> (Series, Series) {
    let total = duration.as_secs_f64();
    let middle: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.at_secs >= (total * 0.2).max(total / 3.0) && s.at_secs < total * 2.0 / 3.0)
        .collect();
    let last: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.at_secs >= total * 2.0 / 3.0)
        .collect();
    let series = |value: fn(&Sample) -> u64, by_peak: bool, limit: &dyn Fn(u64) -> u64| {
        let max = |part: &[&Sample]| part.iter().map(|s| value(s)).max().unwrap_or(0);
        let min = |part: &[&Sample]| part.iter().map(|s| value(s)).min().unwrap_or(0);
        let (middle_max, last_max) = (max(&middle), max(&last));
        let (middle_min, last_min) = (min(&middle), min(&last));
        let (base, judged) = if by_peak {
            (middle_max, last_max)
        } else {
            (middle_min, last_min)
        };
        let limit = limit(base);
        Series {
            start: samples.first().map_or(0, value),
            end: samples.last().map_or(0, value),
            max: samples.iter().map(value).max().unwrap_or(0),
            middle_max,
            last_max,
            middle_min,
            last_min,
            judged_by: if by_peak { "max" } else { "min" },
            limit,
            // Too short a run to have both thirds proves nothing either way.
            flat: middle.is_empty() || last.is_empty() || judged <= limit,
        }
    };
    let rss = series(|s| s.rss_bytes, true, &|m| {
        m + (m as f64 * RSS_GROWTH_FRACTION) as u64 + RSS_GROWTH_BYTES
    });
    let fds = series(|s| s.fds, false, &|m| m + FD_GROWTH);
    (rss, fds)
}

fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / (1024.0 * 1024.0))
}

fn summary(report: &Report) -> String {
    let mut text = String::new();
    let status: Vec<String> = report
        .bot_status
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let faults: Vec<String> = report
        .faults
        .iter()
        .map(|(f, n)| format!("{f} ×{n}"))
        .collect();
    let injected: u32 = report.faults.values().sum();
    let lines = [
        format!(
            "soak: {:.1} min, seed {}: {} paper + {} live bots ({})",
            report.minutes,
            report.seed,
            report.paper_bots,
            report.live_bots,
            status.join(", ")
        ),
        format!(
            "  orders at the exchange {}, journal intents {}, fills booked {} ({} live)",
            report.orders_at_exchange, report.intents, report.fills, report.live_fills
        ),
        format!("  faults injected {injected}: {}", faults.join(", ")),
        format!(
            "  RSS MiB: start {}, end {}, max {}; middle-third max {}, last-third max {} (limit {})",
            mib(report.rss.start),
            mib(report.rss.end),
            mib(report.rss.max),
            mib(report.rss.middle_max),
            mib(report.rss.last_max),
            mib(report.rss.limit)
        ),
        format!(
            "  open FDs: start {}, end {}, max {}; floor of the middle third {}, of the last third {} (limit {}); peaks {} and {}",
            report.fds.start,
            report.fds.end,
            report.fds.max,
            report.fds.middle_min,
            report.fds.last_min,
            report.fds.limit,
            report.fds.middle_max,
            report.fds.last_max
        ),
        format!("  {} samples, {} panic(s)", report.samples, report.panics),
    ];
    for line in lines {
        text.push_str(&line);
        text.push('\n');
    }
    for problem in &report.problems {
        text.push_str(&format!("  FAIL: {problem}\n"));
    }
    text.push_str(if report.passed {
        "soak: PASSED\n"
    } else {
        "soak: FAILED\n"
    });
    text
}

/// Uniform in `low..=high`, from the venue's seeded generator (the same seed, the same schedule).
fn between(rng: &mut JitterRng, low: u64, high: u64) -> u64 {
    low + rng.below_or_equal(high - low)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(rss: impl Fn(f64) -> u64) -> Vec<Sample> {
        (0..=100)
            .map(|i| {
                let at_secs = f64::from(i) * 3.0;
                Sample {
                    at_secs,
                    rss_bytes: rss(at_secs),
                    fds: 40,
                }
            })
            .collect()
    }

    #[test]
    fn a_steady_process_is_flat_and_a_leaking_one_is_not() {
        let run = Duration::from_secs(300);
        let (rss, fds) = flatness(&samples(|_| 100 << 20), run);
        assert!(rss.flat && fds.flat);
        // Warm-up growth does not count.
        let (rss, _) = flatness(
            &samples(|t| if t < 60.0 { 50 << 20 } else { 100 << 20 }),
            run,
        );
        assert!(rss.flat, "{rss:?}");
        // 1 MiB every 3 s: 30+ MiB more in the last third.
        let (rss, _) = flatness(&samples(|t| (100 << 20) + (t as u64 / 3) * (1 << 20)), run);
        assert!(!rss.flat, "{rss:?}");
    }

    #[test]
    fn descriptors_are_judged_by_their_floor() {
        let run = Duration::from_secs(300);
        let with_fds = |fds: fn(f64) -> u64| -> Vec<Sample> {
            (0..=100)
                .map(|i| {
                    let at_secs = f64::from(i) * 3.0;
                    Sample {
                        at_secs,
                        rss_bytes: 100 << 20,
                        fds: fds(at_secs),
                    }
                })
                .collect()
        };
        // Pools swelling for a while in the last third: a peak, not a leak.
        let (_, fds) = flatness(
            &with_fds(|t| if (220.0..260.0).contains(&t) { 70 } else { 40 }),
            run,
        );
        assert!(fds.flat, "{fds:?}");
        // One descriptor lost every 6 s: the floor climbs.
        let (_, fds) = flatness(&with_fds(|t| 40 + t as u64 / 6), run);
        assert!(!fds.flat, "{fds:?}");
    }

    #[test]
    fn live_keys_are_distinct_valid_keys() {
        let keys: BTreeSet<String> = (0..200).map(live_key).collect();
        assert_eq!(keys.len(), 200);
        for key in &keys {
            PrivateKey::from_hex(key).unwrap();
        }
    }
}
