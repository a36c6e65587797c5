//! Backtests: a recorded quote series replayed through the same engine, risk and paper code
//! that live and paper bots run.
//!
//! Invariants:
//! - the series is read as exact decimals; a row's bid and ask become a one-level book of
//!   `depth` shares each side; a row with only a mid (or every row, with `mid_only`) gets
//!   `mid ∓ spread / 2` snapped outward to the tick grid; a row with neither is skipped (the
//!   recorder's one-sided books);
//! - the displayed price is the mid (or the bid/ask midpoint), as Polymarket shows it;
//! - orders execute against the book of the tick that produced them, and their fills are fed
//!   back to the bot at that same instant;
//! - the run is a pure function of (config, series, options): the same inputs give the same
//!   report, byte for byte.
//!
//! Reading the file ([`load_series`]) is this crate's only IO.

use std::io::Read;
use std::path::Path;

use polyagent_domain::trading::TickSize;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::bot::{BotEngine, Lifecycle};
use crate::config::{BotConfig, ConfigError, DailyLimits};
use crate::event::{Action, Event, Quote};
use crate::ledger::ClosedTrade;
use crate::paper::{Book, FeeCurve, PaperAccount};
use crate::risk::GlobalView;

/// Where the shipped CC BY series lives, relative to a checkout's root.
pub const SHIPPED_SERIES: &str =
    "data/market/polymarket-orderbook-ccby/quotes_8markets_2026-07-10_to_07-17.csv.gz";

#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("series: {0}")]
    Series(String),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("backtest options: {0}")]
    Options(String),
}

/// One recorded quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub at: Timestamp,
    pub bid: Option<Decimal>,
    pub ask: Option<Decimal>,
    pub mid: Option<Decimal>,
}

/// One market's recorded quotes, in time order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub slug: String,
    pub rows: Vec<Row>,
}

/// Reads a series file, gzip-compressed or not (sniffed from the magic bytes).
pub fn load_series(path: &Path, slug: Option<&str>) -> Result<Series, BacktestError> {
    let read_err = |source| BacktestError::Read {
        path: path.display().to_string(),
        source,
    };
    let bytes = std::fs::read(path).map_err(read_err)?;
    let text = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .map_err(read_err)?;
        text
    } else {
        String::from_utf8(bytes)
            .map_err(|_| BacktestError::Series("the file is not UTF-8 text".into()))?
    };
    parse_series(&text, slug)
}

fn field(s: &str) -> &str {
    s.trim().trim_matches('"')
}

fn optional_decimal(
    text: &str,
    line: usize,
    column: &str,
) -> Result<Option<Decimal>, BacktestError> {
    let text = field(text);
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<Decimal>().map(Some).map_err(|_| {
        BacktestError::Series(format!("line {line}: {column} {text:?} is not a decimal"))
    })
}

/// Parses the recorded CSV (`"ts","slug",...,"bid","ask","mid",...`), keeping `slug`'s rows
/// (the first slug in the file when `None`).
pub fn parse_series(csv: &str, slug: Option<&str>) -> Result<Series, BacktestError> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines
        .next()
        .ok_or(BacktestError::Series("the file is empty".into()))?
        .split(',')
        .map(field)
        .collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|c| *c == name)
            .ok_or_else(|| BacktestError::Series(format!("no {name:?} column")))
    };
    let (ts_c, slug_c, bid_c, ask_c, mid_c) = (
        col("ts")?,
        col("slug")?,
        col("bid")?,
        col("ask")?,
        col("mid")?,
    );
    let mut chosen = slug.map(str::to_owned);
    let mut rows = Vec::new();
    for (i, line) in lines.enumerate() {
        let number = i + 2;
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        let get = |c: usize| {
            fields
                .get(c)
                .copied()
                .ok_or_else(|| BacktestError::Series(format!("line {number}: too few fields")))
        };
        let row_slug = field(get(slug_c)?);
        match &chosen {
            Some(s) if s != row_slug => continue,
            Some(_) => {}
            None => chosen = Some(row_slug.to_owned()),
        }
        let ts = field(get(ts_c)?);
        let at = Timestamp::parse(ts).ok_or_else(|| {
            BacktestError::Series(format!("line {number}: {ts:?} is not a timestamp"))
        })?;
        rows.push(Row {
            at,
            bid: optional_decimal(get(bid_c)?, number, "bid")?,
            ask: optional_decimal(get(ask_c)?, number, "ask")?,
            mid: optional_decimal(get(mid_c)?, number, "mid")?,
        });
    }
    let slug = chosen.ok_or(BacktestError::Series("the file has no rows".into()))?;
    if rows.is_empty() {
        return Err(BacktestError::Series(format!("no rows for slug {slug:?}")));
    }
    rows.sort_by_key(|r| r.at);
    Ok(Series { slug, rows })
}

/// How the replay simulates the market and the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Options {
    pub starting_cash: Decimal,
    /// Shares at the bid and at the ask of the synthetic book.
    pub depth: Decimal,
    /// Spread assumed for rows that carry only a mid.
    pub spread: Decimal,
    pub fees: FeeCurve,
    /// The market's tick, as text (`"0.01"`).
    pub tick: String,
    pub limits: DailyLimits,
    /// Ignore recorded bid/ask and quote every row as `mid ∓ spread / 2`.
    pub mid_only: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            starting_cash: Decimal::from(1000),
            depth: Decimal::from(1000),
            spread: Decimal::new(2, 2),
            fees: FeeCurve::FREE,
            tick: "0.01".into(),
            limits: DailyLimits::default(),
            mid_only: false,
        }
    }
}

impl Options {
    /// Refuses settings that would make the paper account dishonest (negative fees, no cash).
    pub fn validate(&self) -> Result<TickSize, BacktestError> {
        let bad = |m: String| Err(BacktestError::Options(m));
        if self.starting_cash <= Decimal::ZERO {
            return bad(format!(
                "starting cash must be positive, got {}",
                self.starting_cash
            ));
        }
        if self.depth <= Decimal::ZERO {
            return bad(format!("book depth must be positive, got {}", self.depth));
        }
        if self.spread < Decimal::ZERO || self.spread >= Decimal::ONE {
            return bad(format!("spread must be in [0, 1), got {}", self.spread));
        }
        if self.fees.rate < Decimal::ZERO
            || self.fees.rate > Decimal::ONE
            || self.fees.exponent == 0
        {
            return bad(format!(
                "fee rate must be in [0, 1] and the exponent at least 1, got {} and {}",
                self.fees.rate, self.fees.exponent
            ));
        }
        self.limits.validate()?;
        self.tick
            .parse()
            .map_err(|e| BacktestError::Options(format!("tick: {e}")))
    }
}

/// The synthetic one-level book behind a quote (built only when an order needs it).
pub fn book_of(quote: &Quote, opts: &Options) -> Book {
    Book::top(quote.bid, quote.ask, opts.depth)
}

/// The quote a row stands for, or `None` for a row with no usable price.
pub fn quote_of(row: &Row, opts: &Options, tick: TickSize) -> Option<Quote> {
    let valid = |p: Decimal| p > Decimal::ZERO && p < Decimal::ONE;
    let recorded = |p: Option<Decimal>| p.filter(|p| valid(*p) && !opts.mid_only);
    let (bid, ask) = match (recorded(row.bid), recorded(row.ask)) {
        (Some(b), Some(a)) if b < a => (b, a),
        _ => {
            let mid = row.mid.filter(|p| valid(*p))?;
            let half = opts.spread / Decimal::TWO;
            let t = tick.as_decimal();
            let bid = ((mid - half) / t)
                .round_dp_with_strategy(0, RoundingStrategy::ToNegativeInfinity)
                * t;
            let ask = ((mid + half) / t)
                .round_dp_with_strategy(0, RoundingStrategy::ToPositiveInfinity)
                * t;
            (bid.max(t), ask.min(Decimal::ONE - t))
        }
    };
    let price = row
        .mid
        .filter(|m| valid(*m) && *m >= bid && *m <= ask)
        .unwrap_or((bid + ask) / Decimal::TWO);
    Some(Quote {
        price,
        bid: Some(bid),
        ask: Some(ask),
    })
}

/// The headline numbers of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub slug: String,
    pub strategy: String,
    pub profile: String,
    pub ticks: u64,
    pub from: Timestamp,
    pub to: Timestamp,
    pub orders: u64,
    pub rejected: u64,
    pub fills: u32,
    pub trades: u32,
    pub wins: u32,
    pub win_rate_pct: Decimal,
    pub realized_pnl: Decimal,
    pub realized_pct: Decimal,
    pub fees: Decimal,
    pub volume: Decimal,
    /// Shares still held at the end, and their P&L marked at the last price.
    pub open_shares: Decimal,
    pub unrealized_pnl: Decimal,
    pub starting_cash: Decimal,
    pub final_cash: Decimal,
    pub final_equity: Decimal,
    pub return_pct: Decimal,
    /// Largest fall of equity from a previous peak, in pUSD.
    pub max_drawdown: Decimal,
    pub final_status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub summary: Summary,
    pub trades: Vec<ClosedTrade>,
}

/// Replays `series` through a fresh bot built from `config`.
pub fn run(config: &BotConfig, series: &Series, opts: &Options) -> Result<Report, BacktestError> {
    let tick = opts.validate()?;
    let mut bot = BotEngine::new(config.clone())?;
    let first = series.rows.first().map_or(Timestamp(0), |r| r.at);
    bot.command(&Lifecycle::Start, first)
        .map_err(|e| BacktestError::Series(e.to_string()))?;
    let global = GlobalView {
        limits: opts.limits.clone(),
        ..GlobalView::default()
    };
    let mut account = PaperAccount::new(opts.starting_cash, opts.fees, tick);
    let mut trades = Vec::new();
    let (mut ticks, mut orders, mut rejected) = (0u64, 0u64, 0u64);
    let (mut peak, mut max_drawdown) = (opts.starting_cash, Decimal::ZERO);
    let mut last_price = None;
    let mut pending = Vec::new();
    for row in &series.rows {
        let Some(quote) = quote_of(row, opts, tick) else {
            continue;
        };
        ticks += 1;
        last_price = Some(quote.price);
        pending.push(Event::Tick(quote));
        while let Some(event) = pending.pop() {
            for action in bot.on_event(&global, &event, row.at) {
                match action {
                    Action::Place(order) => {
                        orders += 1;
                        let result = account.execute(&order, &book_of(&quote, opts));
                        rejected += u64::from(matches!(result, Event::Rejected { .. }));
                        pending.push(result);
                    }
                    Action::TradeClosed(trade) => trades.push(trade),
                    _ => {}
                }
            }
        }
        let equity = account.equity(quote.price);
        peak = peak.max(equity);
        max_drawdown = max_drawdown.max(peak - equity);
    }
    let last = series.rows.last().map_or(first, |r| r.at);
    let report = bot.report(last);
    let final_equity = last_price.map_or(account.cash, |p| account.equity(p));
    let total = report.total;
    Ok(Report {
        summary: Summary {
            slug: series.slug.clone(),
            strategy: config.strategy.clone(),
            profile: config.profile.to_string(),
            ticks,
            from: first,
            to: last,
            orders,
            rejected,
            fills: total.fills,
            trades: total.trades,
            wins: total.wins,
            win_rate_pct: total.win_rate_pct().round_dp(2),
            realized_pnl: total.realized_pnl.round_dp(6),
            realized_pct: total.realized_pct().round_dp(4),
            fees: total.fees,
            volume: total.volume,
            open_shares: report.position.as_ref().map_or(Decimal::ZERO, |p| p.shares),
            unrealized_pnl: report.unrealized.round_dp(6),
            starting_cash: opts.starting_cash,
            final_cash: account.cash.round_dp(6),
            final_equity: final_equity.round_dp(6),
            return_pct: ((final_equity - opts.starting_cash) * Decimal::ONE_HUNDRED
                / opts.starting_cash)
                .round_dp(4),
            max_drawdown: max_drawdown.round_dp(6),
            final_status: bot.status().name().to_owned(),
        },
        trades,
    })
}
