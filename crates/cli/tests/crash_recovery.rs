//! Crash recovery, for real: `polyagent run` trades live against the simulator and is killed
//! with SIGKILL at arbitrary points, again and again, then restarted. At the end the exchange
//! and the data folder must agree: every order the exchange ever received is one journaled
//! intent (never two orders for one intent), every trade is booked once, and the bot's
//! position is what the wallet holds.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use polyagent_simulator::scenario::Scenario;
use polyagent_simulator::server::{SimConfig, SimServer};
use polyagent_store::{Database, IntentState, Timestamp};
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// Hardhat test account #1: a public test key, funded only inside the simulator.
const KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const PASSPHRASE: &str = "crash test passphrase";
const RESTARTS: u64 = 20;
const DEADLINE: Duration = Duration::from_secs(30);

fn polyagent(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_polyagent"));
    command
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .arg("--no-keychain")
        .env("POLYAGENT_VAULT_PASSPHRASE", PASSPHRASE)
        .env("POLYAGENT_LOG", "warn");
    command
}

fn run_ok(mut command: Command, stdin: Option<&str>) -> String {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Starts `polyagent run` and waits for its ready line.
fn start_run(dir: &Path) -> Child {
    let mut child = polyagent(dir, &["run", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line.contains("\"ready\"") {
                let _ = ready_tx.send(());
            }
        }
    });
    ready_rx
        .recv_timeout(DEADLINE)
        .expect("polyagent run printed its ready line");
    child
}

/// A deterministic spread of kill delays (an LCG), from just after start to mid-trade.
fn kill_delay(round: u64) -> Duration {
    let mixed = round
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    Duration::from_millis(50 + (mixed >> 33) % 1200)
}

#[test]
#[allow(clippy::print_stderr, reason = "prints what the run did: the numbers behind the claim")]
fn killed_at_random_points_the_headless_runner_never_duplicates_or_loses_an_order() {
    let tokio = tokio::runtime::Runtime::new().unwrap();
    let scenario = Scenario::from_json(
        &json!({
            "name": "crash", "step_ms": 500,
            "markets": [{"slug": "spiky", "question": "Spiky?",
                "liquidity": {"spread": "0.02", "levels": 3, "size": "5000"},
                "path": {"kind": "scripted", "points": [[0, "0.50"]]}}],
            "wallets": [{"label": "trader", "private_key": KEY, "pusd": "100000"}]
        })
        .to_string(),
    )
    .unwrap();
    let sim = tokio
        .block_on(SimServer::start(SimConfig::manual(
            scenario,
            1_767_225_600_000,
        )))
        .unwrap();
    let base = sim.base_url();
    let state: Value = reqwest::blocking::get(format!("{base}/admin/state"))
        .unwrap()
        .json()
        .unwrap();
    let token = state["markets"][0]["tokens"][0]
        .as_str()
        .unwrap()
        .to_owned();

    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path();
    run_ok(polyagent(dir, &["exchange", &base]), None);
    run_ok(
        polyagent(dir, &["wallet", "import", "--label", "trader"]),
        Some(KEY),
    );
    let request = json!({
        "spec": {"name": "Crash dummy", "wallet": "trader", "token_id": token,
                 "strategy": "spike-sam", "profile": "live",
                 "overrides": {"trade_size": "10", "cooldown_secs": 1}},
        "execution": {"mode": "live"},
        "start": true
    });
    let request_file = dir.join("bot.json");
    std::fs::write(&request_file, request.to_string()).unwrap();
    let created = run_ok(
        polyagent(
            dir,
            &["bot", "create", request_file.to_str().unwrap(), "--json"],
        ),
        None,
    );
    let bot: Value = serde_json::from_str(created.trim()).unwrap();
    let bot_id = bot["id"].as_str().unwrap().to_owned();
    assert_eq!(bot["status"], "running", "{created}");

    // The market: calm, a sudden drop (the bot buys), the bounce (it takes profit), again.
    let driving = Arc::new(AtomicBool::new(true));
    let driver = {
        let driving = driving.clone();
        let base = base.clone();
        std::thread::spawn(move || {
            let http = reqwest::blocking::Client::new();
            let cycle = [
                "0.50", "0.51", "0.50", "0.51", "0.50", "0.45", "0.45", "0.50", "0.50",
            ];
            let mut step = 0usize;
            while driving.load(Ordering::Relaxed) {
                let price = cycle[step % cycle.len()];
                let _ = http
                    .post(format!("{base}/admin/price"))
                    .body(json!({"slug": "spiky", "price": price}).to_string())
                    .send();
                let _ = http
                    .post(format!("{base}/admin/clock"))
                    .body(json!({"advance_ms": 500}).to_string())
                    .send();
                step += 1;
                // Paces the market (a load generator, not a synchronisation).
                std::thread::sleep(Duration::from_millis(30));
            }
        })
    };

    for round in 0..RESTARTS {
        let mut child = start_run(dir);
        std::thread::sleep(kill_delay(round));
        child.kill().unwrap(); // SIGKILL: no chance to clean up
        child.wait().unwrap();
    }
    // A last run restores and reconciles what the last kill left, trades a little, and is
    // stopped cleanly.
    let mut child = start_run(dir);
    std::thread::sleep(Duration::from_millis(500));
    driving.store(false, Ordering::Relaxed);
    driver.join().unwrap();
    let stopped = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "a clean stop on SIGTERM");
    assert!(stopped.elapsed() < DEADLINE);

    tokio.block_on(async {
        let db = Database::open(dir.join("polyagent.db")).await.unwrap();
        let state: Value = reqwest::get(format!("{base}/admin/state"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();

        // Every intent has a final outcome after a clean stop.
        let unresolved = db.order_journal().unresolved().await.unwrap();
        assert!(unresolved.is_empty(), "unsettled intents: {unresolved:?}");

        // Orders: the exchange received exactly the acknowledged intents, each once.
        let intents = db.order_journal().for_bot(&bot_id).await.unwrap();
        let acknowledged: Vec<_> = intents
            .iter()
            .filter(|i| i.state == IntentState::Acknowledged)
            .collect();
        let distinct: std::collections::BTreeSet<_> =
            acknowledged.iter().map(|i| &i.client_order_id).collect();
        assert_eq!(
            distinct.len(),
            acknowledged.len(),
            "one exchange order per intent"
        );
        let wallet = &state["wallets"][0];
        let exchange_orders = wallet["orders"].as_u64().unwrap();
        assert_eq!(
            exchange_orders,
            acknowledged.len() as u64,
            "every order at the exchange is one acknowledged intent"
        );
        eprintln!(
            "{RESTARTS} kills: {} intents ({} acknowledged), {} trades booked",
            intents.len(),
            acknowledged.len(),
            wallet["taker_trades"]
        );
        assert!(
            acknowledged.len() >= 4,
            "the run traded across the restarts ({} orders)",
            acknowledged.len()
        );

        // Trades: every exchange trade is booked once.
        let fills = db
            .fills()
            .list(
                Some(&bot_id),
                Timestamp::from_millis(0),
                Timestamp::from_millis(i64::MAX),
            )
            .await
            .unwrap();
        assert_eq!(
            fills.len() as u64,
            wallet["taker_trades"].as_u64().unwrap(),
            "every trade booked, none twice"
        );

        // Position: what the fills add up to is what the wallet holds at the exchange.
        let held: Decimal = fills
            .iter()
            .map(|f| match f.side {
                polyagent_store::Side::Buy => f.size,
                polyagent_store::Side::Sell => -f.size,
            })
            .sum();
        let shares: Decimal = wallet["shares"][&token]
            .as_str()
            .map_or(Decimal::ZERO, |s| s.parse().unwrap());
        assert_eq!(held, shares, "booked position = the wallet's shares");
        let position = db.positions().get(&bot_id, &token).await.unwrap().unwrap();
        let round_trips = Decimal::from(acknowledged.len() as u64);
        assert!(
            (shares - position.size).abs() < Decimal::new(1, 2) * round_trips,
            "the bot's position ({}) is the wallet's, less sub-lot dust ({shares})",
            position.size
        );
        db.close().await;
    });
}
