//! Price history for charts, bounded in size.
//!
//! A series belongs to a bot or to a token. Ticks are stored raw; [`PriceHistory::compact`]
//! folds old ticks into buckets so a series that ticks every second forever stays small:
//!
//! | age (default [`RetentionPolicy`]) | kept as                    | rows per series      |
//! |-----------------------------------|----------------------------|----------------------|
//! | newer than 1 day                  | raw ticks                  | ≤ 86 400 at 1 tick/s |
//! | 1 to 7 days                       | 1-minute buckets           | ≤ 8 640              |
//! | older than 7 days                 | 1-hour buckets             | 24 per day           |
//!
//! so a year of 1-second ticks is at most about 86 400 + 8 640 + 358 × 24 ≈ 103 700 rows
//! instead of 31.5 million. A bucket keeps the last price in it (`price`, observed at
//! `close_ts`) and the bucket's high and low, so charts keep spikes. Compaction only folds whole
//! buckets (cut-offs are rounded down to the bucket size) and merges late ticks into existing
//! buckets, so running it at any time and any number of times gives the same result.
//!
//! Time is never read here: the caller passes `now`.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};

use crate::StoreError;
use crate::database::Pools;
use crate::sql::{decimal_text, get_decimal, get_ts};
use crate::time::Timestamp;

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;

/// Whose prices these are.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PriceSeries {
    Bot(String),
    Token(String),
}

impl PriceSeries {
    fn kind(&self) -> &'static str {
        match self {
            PriceSeries::Bot(_) => "bot",
            PriceSeries::Token(_) => "token",
        }
    }

    fn key(&self) -> &str {
        match self {
            PriceSeries::Bot(key) | PriceSeries::Token(key) => key,
        }
    }
}

/// How finely a stored point samples time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resolution {
    Raw,
    Minute,
    Hour,
}

impl Resolution {
    const fn seconds(self) -> i64 {
        match self {
            Resolution::Raw => 0,
            Resolution::Minute => 60,
            Resolution::Hour => 3600,
        }
    }

    fn from_seconds(seconds: i64) -> Result<Self, StoreError> {
        match seconds {
            0 => Ok(Resolution::Raw),
            60 => Ok(Resolution::Minute),
            3600 => Ok(Resolution::Hour),
            other => Err(crate::sql::corrupt(
                "price_history.resolution_s",
                &other.to_string(),
            )),
        }
    }
}

/// One price observation to append.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceTick {
    pub ts: Timestamp,
    pub price: Decimal,
}

/// A stored point: a raw tick (high = low = price) or a bucket starting at `ts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PricePoint {
    pub ts: Timestamp,
    pub resolution: Resolution,
    /// The last price in the bucket (the tick's price for a raw point).
    pub price: Decimal,
    /// When `price` was observed.
    pub close_ts: Timestamp,
    pub high: Decimal,
    pub low: Decimal,
}

/// How long each resolution is kept before it is folded into the next coarser one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Raw ticks younger than this stay raw.
    pub raw_for_ms: i64,
    /// 1-minute buckets younger than this stay; older ones become 1-hour buckets.
    /// Must be at least `raw_for_ms`.
    pub minute_buckets_for_ms: i64,
}

impl Default for RetentionPolicy {
    /// Raw for 1 day, 1-minute buckets up to 7 days, 1-hour buckets beyond.
    fn default() -> Self {
        Self {
            raw_for_ms: DAY_MS,
            minute_buckets_for_ms: 7 * DAY_MS,
        }
    }
}

/// What one compaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CompactionReport {
    /// Raw ticks folded into minute buckets.
    pub raw_folded: u64,
    /// Minute buckets folded into hour buckets.
    pub minute_buckets_folded: u64,
    /// Buckets created or updated.
    pub buckets_written: u64,
}

/// The price_history table.
#[derive(Debug, Clone, Copy)]
pub struct PriceHistory<'db> {
    pools: &'db Pools,
}

impl<'db> PriceHistory<'db> {
    pub(crate) fn new(pools: &'db Pools) -> Self {
        Self { pools }
    }

    /// Appends one raw tick. A second tick at the same millisecond replaces the first.
    pub async fn append(&self, series: &PriceSeries, tick: PriceTick) -> Result<(), StoreError> {
        self.append_many(series, &[tick]).await
    }

    /// Appends raw ticks in one transaction (one fsync for the batch).
    pub async fn append_many(
        &self,
        series: &PriceSeries,
        ticks: &[PriceTick],
    ) -> Result<(), StoreError> {
        let mut tx = self.pools.writer.begin_with("BEGIN IMMEDIATE").await?;
        for tick in ticks {
            let price = decimal_text(tick.price);
            sqlx::query(
                "INSERT INTO price_history
                     (series_kind, series_key, resolution_s, ts, close_ts, price, high, low)
                 VALUES (?1, ?2, 0, ?3, ?3, ?4, ?4, ?4)
                 ON CONFLICT (series_kind, series_key, resolution_s, ts) DO UPDATE SET
                     price = excluded.price, high = excluded.high, low = excluded.low",
            )
            .bind(series.kind())
            .bind(series.key())
            .bind(tick.ts.as_millis())
            .bind(price)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Stored points with `from <= ts < to`, oldest first, at whatever resolution each period is
    /// kept (hour buckets, then minute buckets, then raw ticks for a long range).
    pub async fn range(
        &self,
        series: &PriceSeries,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<PricePoint>, StoreError> {
        sqlx::query(
            "SELECT * FROM price_history
             WHERE series_kind = ? AND series_key = ? AND ts >= ? AND ts < ?
             ORDER BY ts, resolution_s DESC",
        )
        .bind(series.kind())
        .bind(series.key())
        .bind(from.as_millis())
        .bind(to.as_millis())
        .fetch_all(&self.pools.reader)
        .await?
        .iter()
        .map(point_from_row)
        .collect()
    }

    /// Number of stored points of a series (every resolution).
    pub async fn point_count(&self, series: &PriceSeries) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query(
            "SELECT COUNT(*) FROM price_history WHERE series_kind = ? AND series_key = ?",
        )
        .bind(series.kind())
        .bind(series.key())
        .fetch_one(&self.pools.reader)
        .await?
        .try_get(0)?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Removes a whole series (e.g. after deleting its bot).
    pub async fn delete_series(&self, series: &PriceSeries) -> Result<u64, StoreError> {
        let done =
            sqlx::query("DELETE FROM price_history WHERE series_kind = ? AND series_key = ?")
                .bind(series.kind())
                .bind(series.key())
                .execute(&self.pools.writer)
                .await?;
        Ok(done.rows_affected())
    }

    /// Compacts every series with the default [`RetentionPolicy`]; see the module docs.
    pub async fn compact(&self, now: Timestamp) -> Result<CompactionReport, StoreError> {
        self.compact_with(now, RetentionPolicy::default()).await
    }

    /// Compacts every series with an explicit policy, in one transaction.
    pub async fn compact_with(
        &self,
        now: Timestamp,
        policy: RetentionPolicy,
    ) -> Result<CompactionReport, StoreError> {
        let minute_for = policy.minute_buckets_for_ms.max(policy.raw_for_ms);
        let raw_cutoff = floor_to(now.as_millis() - policy.raw_for_ms, MINUTE_MS);
        let minute_cutoff = floor_to(now.as_millis() - minute_for, HOUR_MS);

        let mut report = CompactionReport::default();
        let mut tx = self.pools.writer.begin_with("BEGIN IMMEDIATE").await?;
        let (folded, written) =
            fold(&mut tx, Resolution::Raw, Resolution::Minute, raw_cutoff).await?;
        report.raw_folded = folded;
        report.buckets_written += written;
        let (folded, written) =
            fold(&mut tx, Resolution::Minute, Resolution::Hour, minute_cutoff).await?;
        report.minute_buckets_folded = folded;
        report.buckets_written += written;
        tx.commit().await?;
        Ok(report)
    }
}

fn floor_to(millis: i64, step: i64) -> i64 {
    millis.div_euclid(step) * step
}

/// A bucket being built: the merge of every point that falls in it.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    close_ts: i64,
    price: Decimal,
    high: Decimal,
    low: Decimal,
}

impl Bucket {
    fn merge(&mut self, other: &Bucket) {
        self.high = self.high.max(other.high);
        self.low = self.low.min(other.low);
        if other.close_ts >= self.close_ts {
            self.close_ts = other.close_ts;
            self.price = other.price;
        }
    }
}

type BucketKey = (String, String, i64);

/// Folds every `source` point older than `cutoff` into `target` buckets, merging with buckets
/// already stored. Returns (points folded, buckets written).
async fn fold(
    tx: &mut Transaction<'static, Sqlite>,
    source: Resolution,
    target: Resolution,
    cutoff: i64,
) -> Result<(u64, u64), StoreError> {
    let step = target.seconds() * 1000;
    let rows = sqlx::query(
        "SELECT series_kind, series_key, ts, close_ts, price, high, low FROM price_history
         WHERE resolution_s = ? AND ts < ?",
    )
    .bind(source.seconds())
    .bind(cutoff)
    .fetch_all(&mut **tx)
    .await?;
    if rows.is_empty() {
        return Ok((0, 0));
    }
    let mut buckets: BTreeMap<BucketKey, Bucket> = BTreeMap::new();
    for row in &rows {
        let key = (
            row.try_get::<String, _>("series_kind")?,
            row.try_get::<String, _>("series_key")?,
            floor_to(row.try_get::<i64, _>("ts")?, step),
        );
        let point = bucket_from_row(row)?;
        buckets
            .entry(key)
            .and_modify(|b| b.merge(&point))
            .or_insert(point);
    }
    for ((kind, key, start), bucket) in &mut buckets {
        let existing = sqlx::query(
            "SELECT ts, close_ts, price, high, low FROM price_history
             WHERE series_kind = ? AND series_key = ? AND resolution_s = ? AND ts = ?",
        )
        .bind(kind.as_str())
        .bind(key.as_str())
        .bind(target.seconds())
        .bind(*start)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(row) = existing {
            bucket.merge(&bucket_from_row(&row)?);
        }
        sqlx::query(
            "INSERT INTO price_history
                 (series_kind, series_key, resolution_s, ts, close_ts, price, high, low)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (series_kind, series_key, resolution_s, ts) DO UPDATE SET
                 close_ts = excluded.close_ts, price = excluded.price,
                 high = excluded.high, low = excluded.low",
        )
        .bind(kind.as_str())
        .bind(key.as_str())
        .bind(target.seconds())
        .bind(*start)
        .bind(bucket.close_ts)
        .bind(decimal_text(bucket.price))
        .bind(decimal_text(bucket.high))
        .bind(decimal_text(bucket.low))
        .execute(&mut **tx)
        .await?;
    }
    let deleted = sqlx::query("DELETE FROM price_history WHERE resolution_s = ? AND ts < ?")
        .bind(source.seconds())
        .bind(cutoff)
        .execute(&mut **tx)
        .await?;
    Ok((deleted.rows_affected(), buckets.len() as u64))
}

fn bucket_from_row(row: &SqliteRow) -> Result<Bucket, StoreError> {
    Ok(Bucket {
        close_ts: row.try_get("close_ts")?,
        price: get_decimal(row, "price")?,
        high: get_decimal(row, "high")?,
        low: get_decimal(row, "low")?,
    })
}

fn point_from_row(row: &SqliteRow) -> Result<PricePoint, StoreError> {
    Ok(PricePoint {
        ts: get_ts(row, "ts")?,
        resolution: Resolution::from_seconds(row.try_get("resolution_s")?)?,
        price: get_decimal(row, "price")?,
        close_ts: get_ts(row, "close_ts")?,
        high: get_decimal(row, "high")?,
        low: get_decimal(row, "low")?,
    })
}
