//! What the runtime keeps of the past: each bot's price history (for its chart), and the
//! activity and trade exports users ask for (taxes, reviews).
//!
//! Invariants:
//! - price history never slows a bot: ticks are sampled (at most one per bot per second),
//!   handed to one recorder task through a bounded queue, and dropped when the queue is full
//!   (a chart with a gap beats a late order);
//! - the recorder writes in batches and compacts the table every hour (raw ticks for a day,
//!   then minute and hour buckets; see `polyagent_store::RetentionPolicy`), so a year of
//!   running stays small.

use std::time::Duration;

use polyagent_store::{Database, PriceSeries, PriceTick, Timestamp};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::Runtime;
use crate::api_error::{ApiError, ErrorCode};
use crate::wallets::store_error;

/// Ticks waiting to be written, over all bots.
const QUEUE: usize = 4096;
/// How often queued ticks are written.
const FLUSH_EVERY: Duration = Duration::from_millis(500);
/// How often old ticks are folded into buckets.
const COMPACT_EVERY: Duration = Duration::from_secs(3600);

/// One sampled price of one bot.
#[derive(Debug, Clone)]
pub(crate) struct SampledPrice {
    pub bot_id: String,
    pub at_ms: i64,
    pub price: Decimal,
}

/// The sending side the bots hold.
pub(crate) type PriceSink = mpsc::Sender<SampledPrice>;

/// Starts the recorder; it ends when every sink is dropped.
pub(crate) fn start_recorder(db: Database, clock: std::sync::Arc<dyn crate::Clock>) -> PriceSink {
    let (sink, mut queue) = mpsc::channel::<SampledPrice>(QUEUE);
    tokio::spawn(async move {
        let mut flush = tokio::time::interval(FLUSH_EVERY);
        let mut compact = tokio::time::interval(COMPACT_EVERY);
        flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        compact.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut pending: Vec<SampledPrice> = Vec::new();
        loop {
            tokio::select! {
                received = queue.recv() => match received {
                    Some(sample) => pending.push(sample),
                    None => {
                        write(&db, &mut pending).await;
                        return;
                    }
                },
                _ = flush.tick() => write(&db, &mut pending).await,
                _ = compact.tick() => {
                    let now = Timestamp::from_millis(clock.now().millis());
                    if let Err(error) = db.price_history().compact(now).await {
                        tracing::warn!(%error, "price history compaction failed");
                    }
                }
            }
        }
    });
    sink
}

async fn write(db: &Database, pending: &mut Vec<SampledPrice>) {
    if pending.is_empty() {
        return;
    }
    pending.sort_by(|a, b| a.bot_id.cmp(&b.bot_id).then(a.at_ms.cmp(&b.at_ms)));
    for chunk in pending.chunk_by(|a, b| a.bot_id == b.bot_id) {
        let series = PriceSeries::Bot(chunk[0].bot_id.clone());
        let ticks: Vec<PriceTick> = chunk
            .iter()
            .map(|s| PriceTick {
                ts: Timestamp::from_millis(s.at_ms),
                price: s.price,
            })
            .collect();
        if let Err(error) = db.price_history().append_many(&series, &ticks).await {
            tracing::warn!(bot = %chunk[0].bot_id, %error, "price history not written");
        }
    }
    pending.clear();
}

/// One point of a bot's chart: a tick, or a minute or hour bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ChartPoint {
    #[specta(type = u32)]
    pub at_ms: i64,
    /// The last price of the point (decimal text).
    pub price: String,
    pub high: String,
    pub low: String,
}

/// A span of time for a chart, in unix milliseconds (exact as JavaScript numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TimeRange {
    #[specta(type = u32)]
    pub from_ms: i64,
    #[specta(type = u32)]
    pub to_ms: i64,
}

/// The longest id a bot could have, in characters (ids are `bot-0001` and so on).
const BOT_ID_CHARS: usize = 64;

/// Refuses a bot id no bot could have: blank, overlong or with hidden characters. A read of
/// history by an id no bot has now answers nothing rather than an error: a deleted bot's
/// history stays readable by its id.
pub(crate) fn check_bot_filter(bot_id: Option<&str>) -> Result<(), ApiError> {
    let Some(id) = bot_id else { return Ok(()) };
    match polyagent_domain::text::name_problem(id, BOT_ID_CHARS) {
        None => Ok(()),
        Some(problem) => Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!("a bot id {problem}"),
        )),
    }
}

impl Runtime {
    /// A bot's price history between two instants (unix ms), oldest first.
    pub async fn price_history(
        &self,
        bot_id: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<ChartPoint>, ApiError> {
        check_bot_filter(Some(bot_id))?;
        if from_ms < 0 || to_ms < 0 {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "a chart's times are milliseconds since 1970, never negative",
            ));
        }
        if from_ms > to_ms {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "the chart's start is after its end",
            ));
        }
        let points = self
            .db()
            .price_history()
            .range(
                &PriceSeries::Bot(bot_id.to_owned()),
                Timestamp::from_millis(from_ms),
                Timestamp::from_millis(to_ms),
            )
            .await
            .map_err(|e| store_error(&e))?;
        Ok(points
            .into_iter()
            .map(|p| ChartPoint {
                at_ms: p.ts.as_millis(),
                price: p.price.to_string(),
                high: p.high.to_string(),
                low: p.low.to_string(),
            })
            .collect())
    }

    /// The activity log as CSV (all bots or one), oldest first.
    pub async fn export_activity_csv(&self, bot_id: Option<&str>) -> Result<String, ApiError> {
        check_bot_filter(bot_id)?;
        let mut out = Vec::new();
        self.db()
            .activity()
            .export_csv(&mut out, bot_id, &[])
            .await
            .map_err(|e| store_error(&e))?;
        String::from_utf8(out).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))
    }

    /// Every trade (fill) as CSV (all bots or one), oldest first: time, side, size, price,
    /// fee, status, order and trade ids.
    pub async fn export_trades_csv(&self, bot_id: Option<&str>) -> Result<String, ApiError> {
        check_bot_filter(bot_id)?;
        let mut out = Vec::new();
        self.db()
            .fills()
            .export_csv(
                &mut out,
                bot_id,
                Timestamp::from_millis(0),
                Timestamp::from_millis(i64::MAX),
            )
            .await
            .map_err(|e| store_error(&e))?;
        String::from_utf8(out).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))
    }
}

/// One fill as the trades table shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TradeRow {
    pub trade_id: String,
    pub bot_id: Option<String>,
    /// `buy` or `sell`.
    pub side: String,
    pub shares: String,
    pub price: String,
    pub fee: String,
    /// `matched`, `mined`, `confirmed`, `retrying` or `failed` (paper fills are confirmed).
    pub status: String,
    #[specta(type = u32)]
    pub at_ms: i64,
}

/// Most trades one call returns.
const TRADES_LIMIT: u32 = 10_000;

impl Runtime {
    /// The newest `limit` fills (of one bot, or all), newest first.
    ///
    /// # Errors
    /// `INVALID_INPUT` for a limit of 0 or above 10,000.
    pub async fn list_trades(
        &self,
        bot_id: Option<&str>,
        limit: u32,
    ) -> Result<Vec<TradeRow>, ApiError> {
        check_bot_filter(bot_id)?;
        if limit == 0 || limit > TRADES_LIMIT {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("limit must be 1 to {TRADES_LIMIT}, got {limit}"),
            ));
        }
        let fills = self
            .db()
            .fills()
            .list(
                bot_id,
                Timestamp::from_millis(0),
                Timestamp::from_millis(i64::MAX),
            )
            .await
            .map_err(|e| store_error(&e))?;
        Ok(fills
            .into_iter()
            .rev()
            .take(limit as usize)
            .map(|f| TradeRow {
                trade_id: f.trade_id,
                bot_id: f.bot_id,
                side: f.side.as_str().to_lowercase(),
                shares: f.size.normalize().to_string(),
                price: f.price.normalize().to_string(),
                fee: f.fee.normalize().to_string(),
                status: f.status.as_str().to_lowercase(),
                at_ms: f.ts.as_millis(),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_reads_refuse_ids_no_bot_could_have() {
        for id in [None, Some("bot-0001"), Some("'; DROP TABLE fills; --")] {
            assert_eq!(check_bot_filter(id), Ok(()), "{id:?}");
        }
        let huge = "b".repeat(1 << 20);
        for id in ["", "  ", "bot\0", "\u{202e}1000-tob", huge.as_str()] {
            let error = check_bot_filter(Some(id)).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidInput);
            assert!(error.message.len() < 100, "{}", error.message);
        }
    }
}
