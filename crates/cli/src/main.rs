//! `polyagent`: PolyAgent without a window. It drives the same runtime as the desktop app, so a
//! server needs no display. Subcommands grow with the product (`sim`, `backtest`, `run`, ...).

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use polyagent_runtime::{AppInfo, VERSION};

#[derive(Debug, Parser)]
#[command(
    name = "polyagent",
    version = VERSION,
    about = "Run Polymarket trading bots without a window",
    long_about = "PolyAgent runs many Polymarket trading bots at once. This is its headless \
                  command: the same runtime as the desktop app, for servers and scripts."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print what this build is: name, version, profile and platform.
    Info {
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Run the local Polymarket simulator until stopped (Ctrl-C). The first line printed is
    /// its base URL, the second its admin token (`admin-token TOKEN`, needed by `sim fault`
    /// in POLYAGENT_SIM_TOKEN); Gamma is under /gamma, the WebSockets under /ws/market and
    /// /ws/user.
    Sim(sim::SimArgs),
    /// Replay a recorded quote series through one bot's strategy, risk and paper execution,
    /// and print its trades and a summary.
    Backtest(backtest::BacktestArgs),
    /// Work with orders offline.
    #[command(subcommand)]
    Order(order::OrderCommand),
    /// Run every saved bot without a window until SIGINT or SIGTERM.
    Run(control::RunArgs),
    /// Create, list, show, start, stop and delete bots (they trade under `polyagent run`).
    #[command(subcommand)]
    Bot(control::BotCommand),
    /// Import, generate, list and delete wallets (keys stay in the encrypted vault).
    #[command(subcommand)]
    Wallet(control::WalletCommand),
    /// Cancel every wallet's open orders and stop every bot (on), or re-arm (off).
    #[command(subcommand)]
    Killswitch(killswitch::KillswitchCommand),
    /// Whether bots may trade: the killswitch, safety state that failed closed, the vault and
    /// the bots (from the running `polyagent run` or app when there is one).
    Status(control::StatusArgs),
    /// Show or set the daily limits every bot shares.
    #[command(subcommand)]
    Limits(limits::LimitsCommand),
    /// The activity log, newest first.
    Activity(control::ActivityArgs),
    /// Choose the exchange: `polymarket` or a simulator's URL.
    Exchange(control::ExchangeArgs),
    /// Export the activity log or the trade history as CSV.
    Export(control::ExportArgs),
    /// Soak test: 100 paper and 20 live bots on the demo simulator for minutes while faults
    /// are injected at random; fails unless memory and descriptors stay flat and the audit
    /// (no duplicate order, no lost fill, positions as the exchange's, errors told) passes.
    Soak(soak::SoakArgs),
    /// Bench row 5: many paper bots on many markets of an in-process simulator publishing a
    /// set rate of market messages; prints CPU, RSS, event-loop lag and tick-to-decision.
    Scale(scale::ScaleArgs),
}

mod backtest;
mod control;
mod harness;
mod killswitch;
mod limits;
mod order;
mod process;
mod scale;
mod sim;
mod soak;

fn main() -> ExitCode {
    // Before any key or passphrase is read: no core dumps, no same-user ptrace (Linux).
    let _ = polyagent_runtime::harden_process();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Info { json } => print_info(&AppInfo::current(), json),
        Command::Sim(args) => return sim::run(args),
        Command::Backtest(args) => return backtest::run(args),
        Command::Order(command) => return order::run(command),
        Command::Run(args) => return control::run(args),
        Command::Bot(command) => return control::bot(command),
        Command::Wallet(command) => return control::wallet(command),
        Command::Killswitch(command) => return killswitch::killswitch(command),
        Command::Status(args) => return killswitch::status(&args.folder),
        Command::Limits(command) => return limits::limits(command),
        Command::Activity(args) => return control::activity(args),
        Command::Exchange(args) => return control::exchange(args),
        Command::Export(args) => return control::export(args),
        Command::Soak(args) => return soak::run(args),
        Command::Scale(args) => return scale::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`polyagent info | head -0`) is not worth a panic or a message.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}

fn print_info(info: &AppInfo, json: bool) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        let text = serde_json::to_string(info).map_err(std::io::Error::other)?;
        writeln!(out, "{text}")
    } else {
        writeln!(
            out,
            "{} {} ({:?}, {})",
            info.name, info.version, info.profile, info.platform
        )
    }
}
