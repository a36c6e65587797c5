//! Backtests from the app: the shipped CC BY quote series (embedded in the binary, so an
//! installed app has it without a checkout) replayed through the same engine, risk and paper
//! code the bots run (`polyagent_engine::backtest`).
//!
//! Invariants: a run is pure and CPU-bound, so it runs on a blocking thread and never stalls
//! the bots; the chart points are thinned to at most [`CHART_POINTS`] (the trades are exact).

use std::sync::OnceLock;

use polyagent_domain::text::quoted;
use polyagent_engine::backtest::{self, Options, Series};
use polyagent_engine::config::{BotSpec, Overrides, Profile};
use polyagent_engine::event::Leg;
use serde::{Deserialize, Serialize};

use crate::history::ChartPoint;
use crate::{ApiError, ErrorCode};

/// The shipped series (see `data/market/polymarket-orderbook-ccby/NOTICE.txt`).
const SHIPPED: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/market/polymarket-orderbook-ccby/quotes_8markets_2026-07-10_to_07-17.csv.gz"
));

/// At most this many price points go back for the chart.
const CHART_POINTS: usize = 2_000;

/// One recorded market a backtest can replay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SeriesInfo {
    /// The market's slug; what [`BacktestRequest::series`] names.
    pub id: String,
    pub points: u32,
    #[specta(type = u32)]
    pub from_ms: i64,
    #[specta(type = u32)]
    pub to_ms: i64,
    /// Whose data it is and under which licence.
    pub attribution: String,
}

/// What to replay.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BacktestRequest {
    pub strategy: String,
    pub profile: Profile,
    #[serde(default)]
    pub overrides: Overrides,
    /// A [`SeriesInfo::id`].
    pub series: String,
}

/// A run's outcome, as the backtest view shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BacktestResult {
    pub ticks: u32,
    pub orders: u32,
    pub trades: u32,
    pub wins: u32,
    pub win_rate_pct: String,
    pub realized_pnl: String,
    pub fees: String,
    pub return_pct: String,
    pub max_drawdown: String,
    pub starting_cash: String,
    pub final_equity: String,
    pub round_trips: Vec<BacktestTrade>,
    pub points: Vec<ChartPoint>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BacktestTrade {
    /// `primary` or `complement`: which outcome was held.
    pub leg: String,
    #[specta(type = u32)]
    pub opened_at_ms: i64,
    #[specta(type = u32)]
    pub closed_at_ms: i64,
    pub shares: String,
    pub entry_price: String,
    pub exit_price: String,
    pub pnl: String,
    pub pnl_pct: String,
    pub exit_reason: String,
}

const ATTRIBUTION: &str = "Polymarket order-book quotes, 2026-07-10 to 07-17, CC BY 4.0 (see data/market/polymarket-orderbook-ccby/NOTICE.txt)";

fn shipped_text() -> Result<&'static str, ApiError> {
    static TEXT: OnceLock<Result<String, String>> = OnceLock::new();
    TEXT.get_or_init(|| {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(SHIPPED), &mut text)
            .map(|_| text)
            .map_err(|e| e.to_string())
    })
    .as_deref()
    .map_err(|e| ApiError::new(ErrorCode::Internal, format!("the shipped series: {e}")))
}

/// Every market in the shipped series.
pub fn list_series() -> Result<Vec<SeriesInfo>, ApiError> {
    static LIST: OnceLock<Vec<SeriesInfo>> = OnceLock::new();
    if let Some(list) = LIST.get() {
        return Ok(list.clone());
    }
    let text = shipped_text()?;
    let mut slugs: Vec<String> = Vec::new();
    for line in text.lines().skip(1) {
        if let Some(slug) = line.split(',').nth(1).map(|s| s.trim().trim_matches('"'))
            && !slugs.iter().any(|s| s == slug)
        {
            slugs.push(slug.to_owned());
        }
    }
    let mut list = Vec::new();
    for slug in slugs {
        let series = load(&slug)?;
        list.push(SeriesInfo {
            id: slug,
            points: u32::try_from(series.rows.len()).unwrap_or(u32::MAX),
            from_ms: series.rows.first().map_or(0, |r| r.at.millis()),
            to_ms: series.rows.last().map_or(0, |r| r.at.millis()),
            attribution: ATTRIBUTION.to_owned(),
        });
    }
    Ok(LIST.get_or_init(|| list).clone())
}

fn load(slug: &str) -> Result<Series, ApiError> {
    backtest::parse_series(shipped_text()?, Some(slug))
        .map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string()))
}

/// Replays one shipped series through a bot built from the request.
pub fn run(request: &BacktestRequest) -> Result<BacktestResult, ApiError> {
    if !list_series()?.iter().any(|s| s.id == request.series) {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!("no recorded series named {}", quoted(&request.series)),
        ));
    }
    let spec = BotSpec {
        name: "backtest".into(),
        wallet: "paper".into(),
        // Placeholders: a backtest trades no real token, but configs are validated alike.
        token_id: "1".into(),
        complement_token_id: Some("2".into()),
        strategy: request.strategy.clone(),
        profile: request.profile,
        overrides: request.overrides.clone(),
    };
    let config = spec
        .resolve()
        .map_err(|e| ApiError::new(ErrorCode::InvalidConfig, e.to_string()))?;
    let series = load(&request.series)?;
    let opts = Options::default();
    let report = backtest::run(&config, &series, &opts)
        .map_err(|e| ApiError::new(ErrorCode::InvalidConfig, e.to_string()))?;
    let tick = opts
        .validate()
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    let quotes: Vec<ChartPoint> = series
        .rows
        .iter()
        .filter_map(|row| {
            let quote = backtest::quote_of(row, &opts, tick)?;
            let price = quote.price.normalize().to_string();
            Some(ChartPoint {
                at_ms: row.at.millis(),
                high: price.clone(),
                low: price.clone(),
                price,
            })
        })
        .collect();
    let step = quotes.len().div_ceil(CHART_POINTS).max(1);
    let points = quotes.into_iter().step_by(step).collect();
    let s = &report.summary;
    let count = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    let per_share = |notional: rust_decimal::Decimal, shares: rust_decimal::Decimal| {
        if shares.is_zero() {
            "0".to_owned()
        } else {
            (notional / shares).round_dp(4).normalize().to_string()
        }
    };
    Ok(BacktestResult {
        ticks: count(s.ticks),
        orders: count(s.orders),
        trades: s.trades,
        wins: s.wins,
        win_rate_pct: s.win_rate_pct.round_dp(1).to_string(),
        realized_pnl: s.realized_pnl.to_string(),
        fees: s.fees.to_string(),
        return_pct: s.return_pct.round_dp(2).to_string(),
        max_drawdown: s.max_drawdown.to_string(),
        starting_cash: s.starting_cash.to_string(),
        final_equity: s.final_equity.to_string(),
        round_trips: report
            .trades
            .iter()
            .map(|t| BacktestTrade {
                leg: match t.leg {
                    Leg::Primary => "primary".into(),
                    Leg::Complement => "complement".into(),
                },
                opened_at_ms: t.opened_at.millis(),
                closed_at_ms: t.closed_at.millis(),
                shares: t.shares.to_string(),
                entry_price: per_share(t.entry_notional, t.shares),
                exit_price: per_share(t.exit_notional, t.shares),
                pnl: t.pnl.to_string(),
                pnl_pct: t.pnl_pct.round_dp(2).to_string(),
                exit_reason: t.exit_reason.clone(),
            })
            .collect(),
        points,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_series_lists_its_eight_markets() {
        let list = list_series().unwrap();
        assert_eq!(list.len(), 8, "{list:?}");
        assert!(list.iter().all(|s| s.points > 0 && s.from_ms < s.to_ms));
    }

    #[test]
    fn a_run_replays_a_shipped_market_and_thins_the_chart() {
        let series = list_series().unwrap().remove(0);
        let request = BacktestRequest {
            strategy: "spike-sam".into(),
            profile: Profile::Edge,
            overrides: Overrides::default(),
            series: series.id.clone(),
        };
        let result = run(&request).unwrap();
        assert!(result.ticks > 0);
        assert!(result.points.len() <= CHART_POINTS);
        assert_eq!(result.trades as usize, result.round_trips.len());
        // The same inputs give the same result.
        assert_eq!(run(&request).unwrap(), result);
    }

    #[test]
    fn an_unknown_series_or_a_bad_override_is_refused() {
        let mut request = BacktestRequest {
            strategy: "spike-sam".into(),
            profile: Profile::Normal,
            overrides: Overrides::default(),
            series: "no-such-market".into(),
        };
        assert_eq!(run(&request).unwrap_err().code, ErrorCode::InvalidInput);
        request.series = list_series().unwrap().remove(0).id;
        request.overrides.take_profit_pct = Some(rust_decimal::Decimal::ZERO);
        assert_eq!(run(&request).unwrap_err().code, ErrorCode::InvalidConfig);
    }
}
