//! `polyagent sim`: the local Polymarket simulator as a long-running process.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use polyagent_simulator::scenario::Scenario;
use polyagent_simulator::server::{ClockMode, SimConfig, SimServer};

#[derive(Debug, Args)]
pub struct SimArgs {
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

pub fn run(args: SimArgs) -> ExitCode {
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
            seed: *b"polyagent-simulator-credentials!",
        };
        let server = match SimServer::start(config).await {
            Ok(server) => server,
            Err(message) => {
                let _ = writeln!(std::io::stderr(), "polyagent sim: {message}");
                return ExitCode::FAILURE;
            }
        };
        let mut out = std::io::stdout().lock();
        // The base URL comes first so a script can read one line and connect.
        let _ = writeln!(out, "{}", server.base_url());
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
