//! What the headless CLI's end-to-end tests share: the `polyagent` binary on a data folder,
//! a simulator with a spiking market, a live bot trading it, and a market driver.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use polyagent_simulator::scenario::Scenario;
use polyagent_simulator::server::{SimConfig, SimServer};
use serde_json::{Value, json};

/// Hardhat test account #1: a public test key, funded only inside the simulator.
pub const KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
pub const PASSPHRASE: &str = "crash test passphrase";
pub const DEADLINE: Duration = Duration::from_secs(30);

pub fn polyagent(dir: &Path, args: &[&str]) -> Command {
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

pub fn run_ok(mut command: Command, stdin: Option<&str>) -> String {
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

/// A running `polyagent run --json`: the child, and every line it printed (collected by a
/// reader thread) once it has ended.
pub struct Running {
    pub child: Child,
    pub lines: std::sync::mpsc::Receiver<String>,
}

/// Starts `polyagent run` and waits for its ready line; logs go where `stderr` says.
pub fn start_run(dir: &Path, log_level: &str, stderr: Stdio) -> Running {
    let mut child = polyagent(dir, &["run", "--json"])
        .env("POLYAGENT_LOG", log_level)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (lines_tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line.contains("\"ready\"") {
                let _ = ready_tx.send(());
            }
            let _ = lines_tx.send(line);
        }
    });
    ready_rx
        .recv_timeout(DEADLINE)
        .expect("polyagent run printed its ready line");
    Running { child, lines }
}

/// Sends SIGTERM and waits for a clean exit.
pub fn stop_run(running: &mut Running) {
    let status = Command::new("kill")
        .args(["-TERM", &running.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = running.child.wait().unwrap();
    assert!(exit.success(), "a clean stop on SIGTERM");
}

/// A simulator with one market (manual clock) and a funded trader wallet.
pub fn spiky_simulator(tokio: &tokio::runtime::Runtime) -> (SimServer, String) {
    let scenario = Scenario::from_json(
        &json!({
            "name": "crash", "step_ms": 25,
            "markets": [{"slug": "spiky", "question": "Spiky?",
                "liquidity": {"spread": "0.02", "levels": 3, "size": "5000"},
                "path": {"kind": "scripted", "points": [[0, "0.50"]]}}],
            "wallets": [{"label": "trader", "private_key": KEY, "pusd": "100000"}]
        })
        .to_string(),
    )
    .unwrap();
    let sim = tokio
        // Starting now: a wallet connects only within 30 s of the exchange's clock.
        .block_on(SimServer::start(SimConfig::manual(
            scenario,
            polyagent_simulator::server::unix_now_ms() / 1000 * 1000,
        )))
        .unwrap();
    let token = sim.tokens("spiky")[0].clone();
    (sim, token)
}

/// Points the folder at the simulator, imports the trader's key and creates a running live
/// Spike Sam bot; returns its id.
pub fn live_bot(dir: &Path, base: &str, token: &str) -> String {
    run_ok(polyagent(dir, &["exchange", base]), None);
    run_ok(
        polyagent(
            dir,
            &["wallet", "import", "--label", "trader", "--test-key"],
        ),
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
    assert_eq!(bot["status"], "running", "{created}");
    bot["id"].as_str().unwrap().to_owned()
}

/// A data folder with a running live bot on a simulator of its own. Fields drop in order:
/// the simulator stops before the async runtime it runs on.
pub struct LiveFolder {
    pub sim: SimServer,
    pub base: String,
    pub token: String,
    pub bot_id: String,
    pub folder: tempfile::TempDir,
    pub tokio: tokio::runtime::Runtime,
}

impl LiveFolder {
    pub fn new() -> Self {
        let tokio = tokio::runtime::Runtime::new().unwrap();
        let (sim, token) = spiky_simulator(&tokio);
        let base = sim.base_url();
        let folder = tempfile::tempdir().unwrap();
        let bot_id = live_bot(folder.path(), &base, &token);
        Self {
            sim,
            base,
            token,
            bot_id,
            folder,
            tokio,
        }
    }

    pub fn dir(&self) -> &Path {
        self.folder.path()
    }
}

/// A blocking client for a simulator's admin routes: its run's token and JSON bodies on every
/// request.
pub fn admin_client(admin_token: &str) -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .default_headers(polyagent_simulator::operator::admin_headers(admin_token).unwrap())
        .build()
        .unwrap()
}

/// Moves the market until dropped: calm, a sudden drop (Spike Sam buys), the bounce (it takes
/// profit), again.
pub struct MarketDriver {
    driving: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl MarketDriver {
    pub fn start(base: &str, admin_token: &str) -> Self {
        let driving = Arc::new(AtomicBool::new(true));
        let thread = {
            let driving = driving.clone();
            let base = base.to_owned();
            let http = admin_client(admin_token);
            std::thread::spawn(move || {
                let cycle = [
                    "0.50", "0.51", "0.50", "0.51", "0.50", "0.45", "0.45", "0.50", "0.50",
                ];
                let mut step = 0usize;
                let mut last = std::time::Instant::now();
                while driving.load(Ordering::Relaxed) {
                    let price = cycle[step % cycle.len()];
                    let _ = http
                        .post(format!("{base}/admin/price"))
                        .body(json!({"slug": "spiky", "price": price}).to_string())
                        .send();
                    // The exchange's clock keeps pace with this computer's: a wallet connects
                    // (and reconnects after each kill) only within 30 s of it.
                    let elapsed = u64::try_from(last.elapsed().as_millis()).unwrap_or(u64::MAX);
                    last = std::time::Instant::now();
                    let _ = http
                        .post(format!("{base}/admin/clock"))
                        .body(json!({"advance_ms": elapsed.max(1)}).to_string())
                        .send();
                    step += 1;
                    // Paces the market (a load generator, not a synchronisation).
                    std::thread::sleep(Duration::from_millis(30));
                }
            })
        };
        Self {
            driving,
            thread: Some(thread),
        }
    }
}

impl Drop for MarketDriver {
    fn drop(&mut self) {
        self.driving.store(false, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
