//! `polyagent sim`: the local Polymarket simulator as a long-running process.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use polyagent_simulator::scenario::Scenario;
use polyagent_simulator::server::{ClockMode, SimConfig, SimServer};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SimArgs {
    #[command(subcommand)]
    control: Option<Control>,
    /// A built-in scenario name (`demo`) or the path of a scenario JSON file.
    #[arg(long, default_value = "demo")]
    scenario: String,
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// How many times faster than the wall clock simulated time runs.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    speed: u32,
}

/// Controls for a running simulator (over its admin routes).
#[derive(Debug, clap::Subcommand)]
enum Control {
    /// Set fault switches on a running simulator; unset switches are cleared.
    Fault(FaultArgs),
}

#[derive(Debug, Args)]
struct FaultArgs {
    /// The simulator's base URL (the first line `polyagent sim` printed). Its admin token
    /// (the second line, after `admin-token`) is read from `POLYAGENT_SIM_TOKEN`: a command
    /// line is visible to every user of the computer, an environment is not.
    #[arg(long)]
    url: String,
    /// Answer 429 Too Many Requests to the next N requests.
    #[arg(long, default_value_t = 0)]
    http_429: u32,
    /// Delay every response by this many milliseconds.
    #[arg(long, default_value_t = 0)]
    delay_ms: u64,
    /// Accept the next N orders, then answer 500 "could not run the execution".
    #[arg(long, default_value_t = 0)]
    post_500_after_accept: u32,
    /// Answer 500 to the next N order posts without accepting them.
    #[arg(long, default_value_t = 0)]
    post_500_before_accept: u32,
    /// Refuse the next N orders with "not enough balance / allowance".
    #[arg(long, default_value_t = 0)]
    reject_balance: u32,
    /// The next N trades go RETRYING, then FAILED.
    #[arg(long, default_value_t = 0)]
    fail_trades: u32,
    /// Make every WebSocket go silent (no data, no PONG) until cleared.
    #[arg(long)]
    stall_ws: bool,
    /// Make `GET /time` answer this many milliseconds off.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    clock_skew_ms: i64,
    /// A matching-engine restart: every trading route answers 425 for N seconds from now...
    #[arg(long, default_value_t = 0, value_name = "N")]
    restart_s: u64,
    /// ...then post-only mode for M seconds: cancels work, orders without postOnly are refused
    /// 503 `post_only_mode`.
    #[arg(long, default_value_t = 0, value_name = "M")]
    post_only_s: u64,
    /// Cancel-only mode for K seconds from now: orders are refused 503, cancels work.
    #[arg(long, default_value_t = 0, value_name = "K")]
    cancel_only_s: u64,
    /// Close every WebSocket now.
    #[arg(long)]
    drop_ws: bool,
    /// Change a market's tick size: SLUG=TICK (e.g. demo-btc-above-150k-2027=0.001).
    #[arg(long, value_name = "SLUG=TICK")]
    tick_size: Option<String>,
    /// Resolve a market: SLUG=OUTCOME (e.g. demo-btc-above-150k-2027=Yes).
    #[arg(long, value_name = "SLUG=OUTCOME")]
    resolve: Option<String>,
}

pub fn run(args: SimArgs) -> ExitCode {
    match args.control {
        Some(Control::Fault(fault)) => return set_faults(&fault),
        None => {}
    }
    let (scenario, base_dir) = match load(&args.scenario) {
        Ok(found) => found,
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "polyagent sim: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "polyagent sim: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let name = scenario.name.clone();
        let config = SimConfig {
            scenario,
            base_dir,
            clock: ClockMode::Wall { speed: args.speed },
            port: args.port,
            // A fresh seed per run: nobody can compute the credentials it issues.
            seed: polyagent_simulator::server::random_bytes(),
            latency_probe: None,
        };
        let server = match SimServer::start(config).await {
            Ok(server) => server,
            Err(message) => {
                let _ = writeln!(std::io::stderr(), "polyagent sim: {message}");
                return ExitCode::FAILURE;
            }
        };
        let mut out = std::io::stdout().lock();
        // The base URL comes first so a script can read one line and connect; the admin
        // token second (`polyagent sim fault` reads it from POLYAGENT_SIM_TOKEN).
        let _ = writeln!(out, "{}", server.base_url());
        let _ = writeln!(out, "admin-token {}", server.admin_token());
        let _ = writeln!(
            out,
            "scenario {name}: gamma {0}/gamma, market ws {1}/market, user ws {1}/user",
            server.base_url(),
            server.ws_url()
        );
        for (label, address) in server.wallets() {
            let _ = writeln!(out, "wallet {label}: {address}");
        }
        let _ = writeln!(out, "running; stop with Ctrl-C");
        let _ = out.flush();
        drop(out);
        wait_for_stop().await;
        server.stop().await;
        ExitCode::SUCCESS
    })
}

fn load(name_or_path: &str) -> Result<(Scenario, PathBuf), String> {
    let path = PathBuf::from(name_or_path);
    if path.is_file() {
        return Scenario::load(&path);
    }
    match Scenario::builtin(name_or_path) {
        // Built-in scenarios resolve their files next to data/scenarios/ when a checkout is
        // around and from the binary otherwise.
        Some(scenario) => Ok((
            scenario,
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/scenarios")),
        )),
        None => Err(format!(
            "no scenario file '{name_or_path}' and no built-in scenario of that name (built in: {})",
            Scenario::builtin_names().join(", ")
        )),
    }
}

async fn wait_for_stop() {
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Where `polyagent sim fault` reads the admin token from.
const TOKEN_VAR: &str = "POLYAGENT_SIM_TOKEN";

fn set_faults(args: &FaultArgs) -> ExitCode {
    let Some(token) = std::env::var(TOKEN_VAR)
        .ok()
        .filter(|t| !t.trim().is_empty())
    else {
        let _ = writeln!(
            std::io::stderr(),
            "polyagent sim fault: set {TOKEN_VAR} to the admin token `polyagent sim` printed \
             (the line starting with admin-token)"
        );
        return ExitCode::from(2);
    };
    let http = reqwest::blocking::Client::new();
    let base = args.url.trim_end_matches('/');
    let post = |path: &str, body: serde_json::Value| -> Result<serde_json::Value, String> {
        let response = http
            .post(format!("{base}/admin/{path}"))
            .bearer_auth(token.trim())
            .json(&body)
            .send()
            .map_err(|e| format!("cannot reach the simulator at {base}: {e}"))?;
        let status = response.status();
        let answer: serde_json::Value = response.json().unwrap_or_default();
        if status.is_success() {
            Ok(answer)
        } else {
            Err(format!("{path}: {status}: {answer}"))
        }
    };
    let split = |pair: &str, what: &str| -> Result<(String, String), String> {
        pair.split_once('=')
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
            .ok_or(format!("--{what} takes SLUG=VALUE"))
    };
    let result = (|| -> Result<Vec<serde_json::Value>, String> {
        let mut answers = vec![post(
            "faults",
            serde_json::json!({
                "http_429": args.http_429, "delay_ms": args.delay_ms,
                "post_500_after_accept": args.post_500_after_accept,
                "post_500_before_accept": args.post_500_before_accept,
                "reject_balance": args.reject_balance, "fail_trades": args.fail_trades,
                "stall_ws": args.stall_ws, "clock_skew_ms": args.clock_skew_ms,
                "restart_s": args.restart_s, "post_only_s": args.post_only_s,
                "cancel_only_s": args.cancel_only_s,
            }),
        )?];
        if args.drop_ws {
            answers.push(post("drop-ws", serde_json::json!({}))?);
        }
        if let Some(pair) = &args.tick_size {
            let (slug, tick) = split(pair, "tick-size")?;
            answers.push(post(
                "tick-size",
                serde_json::json!({"slug": slug, "tick_size": tick}),
            )?);
        }
        if let Some(pair) = &args.resolve {
            let (slug, winner) = split(pair, "resolve")?;
            answers.push(post(
                "resolve",
                serde_json::json!({"slug": slug, "winner": winner}),
            )?);
        }
        Ok(answers)
    })();
    match result {
        Ok(answers) => {
            let mut out = std::io::stdout().lock();
            for answer in answers {
                let _ = writeln!(out, "{answer}");
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "polyagent sim fault: {message}");
            ExitCode::from(2)
        }
    }
}
