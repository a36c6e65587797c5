//! `polyagent backtest`: replays a recorded quote series through one bot (strategy, risk and
//! paper execution: the same code a running bot uses) and prints its trades and a summary.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use polyagent_engine::backtest::{self, Options, Report, SHIPPED_SERIES};
use polyagent_engine::config::{BotSpec, Overrides, Profile};
use polyagent_engine::paper::FeeCurve;
use rust_decimal::Decimal;

#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// A registered strategy: spike-sam or train-of-trade.
    #[arg(long, default_value = "spike-sam")]
    strategy: String,
    /// Trading profile: conservative, normal, live or edge.
    #[arg(long, default_value = "normal")]
    profile: String,
    /// Series file (.csv or .csv.gz) with ts, slug, bid, ask and mid columns. Defaults to the
    /// shipped CC BY series when run from a checkout.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Market slug in the series; defaults to the first one in the file.
    #[arg(long)]
    slug: Option<String>,
    /// Per-bot override, repeatable: --set take_profit_pct=4 --set spike_windows_mins=5,15
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    set: Vec<String>,
    /// Starting paper balance, pUSD.
    #[arg(long, default_value = "1000")]
    cash: Decimal,
    /// V2 taker fee rate (fee = shares × rate × (p(1−p))^exponent).
    #[arg(long, default_value = "0")]
    fee_rate: Decimal,
    /// The exponent of the fee curve.
    #[arg(long, default_value_t = 1)]
    fee_exponent: u32,
    /// Shares at the bid and at the ask of the synthetic one-level book.
    #[arg(long, default_value = "1000")]
    depth: Decimal,
    /// Spread assumed for rows that only carry a mid.
    #[arg(long, default_value = "0.02")]
    spread: Decimal,
    /// Quote every row as mid ∓ spread / 2, ignoring the recorded bid and ask.
    #[arg(long)]
    mid_only: bool,
    /// The market's tick size.
    #[arg(long, default_value = "0.01")]
    tick: String,
    /// Print one JSON object (summary and trades) instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: BacktestArgs) -> ExitCode {
    match execute(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "polyagent backtest: {message}");
            ExitCode::from(2)
        }
    }
}

fn execute(args: &BacktestArgs) -> Result<(), String> {
    let spec = BotSpec {
        name: "backtest".into(),
        wallet: "paper".into(),
        // Placeholders: a backtest trades no real token, but configs are validated alike.
        token_id: "1".into(),
        complement_token_id: Some("2".into()),
        strategy: args.strategy.clone(),
        profile: Profile::parse(&args.profile).map_err(|e| e.to_string())?,
        overrides: overrides(&args.set)?,
    };
    let config = spec.resolve().map_err(|e| e.to_string())?;
    let path = match &args.data {
        Some(path) => path.clone(),
        None => default_data().ok_or_else(|| {
            format!("no --data given and {SHIPPED_SERIES} is not under the current directory")
        })?,
    };
    let series = backtest::load_series(&path, args.slug.as_deref()).map_err(|e| e.to_string())?;
    let opts = Options {
        starting_cash: args.cash,
        depth: args.depth,
        spread: args.spread,
        fees: FeeCurve {
            rate: args.fee_rate,
            exponent: args.fee_exponent,
        },
        tick: args.tick.clone(),
        mid_only: args.mid_only,
        ..Options::default()
    };
    let report = backtest::run(&config, &series, &opts).map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        serde_json::to_string(&report)
            .map_err(std::io::Error::other)
            .and_then(|text| writeln!(out, "{text}"))
    } else {
        print_text(&mut out, &report)
    };
    match written {
        // A closed pipe (`| head`) is the reader's choice, not an error.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.to_string()),
        _ => Ok(()),
    }
}

/// `FIELD=VALUE` pairs as [`Overrides`], typed by the field (serde names the bad ones).
fn overrides(pairs: &[String]) -> Result<Overrides, String> {
    let mut map = serde_json::Map::new();
    for pair in pairs {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("--set {pair:?}: expected FIELD=VALUE"))?;
        let (key, value) = (key.trim(), value.trim());
        let json = if key == "spike_windows_mins" {
            let minutes: Result<Vec<u32>, _> =
                value.split(',').map(|m| m.trim().parse::<u32>()).collect();
            serde_json::json!(
                minutes.map_err(|_| format!("--set {key}: expected minutes like 10,30,60"))?
            )
        } else if value == "true" || value == "false" {
            serde_json::Value::Bool(value == "true")
        } else if key.ends_with("_secs") || key == "min_window_samples" {
            serde_json::json!(
                value
                    .parse::<u64>()
                    .map_err(|_| format!("--set {key}: expected a whole number"))?
            )
        } else {
            serde_json::Value::String(value.to_owned())
        };
        map.insert(key.to_owned(), json);
    }
    serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| format!("--set: {e}"))
}

/// The shipped series under the current directory or one of its parents, else next to
/// this crate's sources (a `cargo run` from anywhere in the checkout).
fn default_data() -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    cwd.ancestors()
        .chain(std::iter::once(built_from.as_path()))
        .map(|dir| dir.join(SHIPPED_SERIES))
        .find(|path| path.is_file())
}

fn print_text(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    let s = &report.summary;
    writeln!(
        out,
        "{} on {} ({} profile), {} ticks from {} to {} UTC",
        s.strategy, s.slug, s.profile, s.ticks, s.from, s.to
    )?;
    writeln!(
        out,
        "{:>4}  {:>19}  {:>19}  {:>9}  {:>7}  {:>7}  {:>10}  {:>8}  reason",
        "#", "opened", "closed", "shares", "entry", "exit", "P&L", "P&L %"
    )?;
    for (i, t) in report.trades.iter().enumerate() {
        writeln!(
            out,
            "{:>4}  {}  {}  {:>9}  {:>7}  {:>7}  {:>10}  {:>8}  {}",
            i + 1,
            t.opened_at,
            t.closed_at,
            t.shares.round_dp(2),
            t.avg_entry().round_dp(4),
            t.avg_exit().round_dp(4),
            t.pnl.round_dp(4),
            t.pnl_pct.round_dp(2),
            t.exit_reason
        )?;
    }
    writeln!(
        out,
        "trades {}  wins {}  win rate {}%",
        s.trades, s.wins, s.win_rate_pct
    )?;
    writeln!(
        out,
        "realized P&L {} pUSD ({}%), fees {}, volume {}",
        s.realized_pnl.round_dp(4),
        s.realized_pct.round_dp(2),
        s.fees,
        s.volume.round_dp(4)
    )?;
    writeln!(
        out,
        "open shares {}  unrealized {}",
        s.open_shares,
        s.unrealized_pnl.round_dp(4)
    )?;
    writeln!(
        out,
        "equity {} → {} ({}%), max drawdown {}, orders {} ({} rejected), bot {}",
        s.starting_cash,
        s.final_equity.round_dp(4),
        s.return_pct.round_dp(2),
        s.max_drawdown.round_dp(4),
        s.orders,
        s.rejected,
        s.final_status
    )
}
