//! Fills (exchange trades), stored once per exchange trade id.
//!
//! The exchange reports a trade several times as it settles (MATCHED → MINED → CONFIRMED, or
//! FAILED). [`Fills::record`] is idempotent on the trade id: the first report inserts the row,
//! later reports only move its status forward, and a repeated or stale report changes nothing.
//! The returned [`FillRecorded`] tells the engine whether this is a new trade (apply it to the
//! position) or not (do not count it twice). Price, size and fee are those of the first report.

use std::io::Write;

use rust_decimal::Decimal;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::StoreError;
use crate::csv::{text_cell, write_record};
use crate::database::Pools;
use crate::sql::{Side, decimal_text, get_decimal, get_ts, parse_word};
use crate::time::Timestamp;

/// Settlement status of a trade, as the exchange reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FillStatus {
    Matched,
    Mined,
    Confirmed,
    Failed,
}

const STATUS_WORDS: &[(&str, FillStatus)] = &[
    ("MATCHED", FillStatus::Matched),
    ("MINED", FillStatus::Mined),
    ("CONFIRMED", FillStatus::Confirmed),
    ("FAILED", FillStatus::Failed),
];

impl FillStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            FillStatus::Matched => "MATCHED",
            FillStatus::Mined => "MINED",
            FillStatus::Confirmed => "CONFIRMED",
            FillStatus::Failed => "FAILED",
        }
    }

    /// How far settlement has progressed; CONFIRMED and FAILED are both final.
    const fn rank(self) -> u8 {
        match self {
            FillStatus::Matched => 0,
            FillStatus::Mined => 1,
            FillStatus::Confirmed | FillStatus::Failed => 2,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFill {
    /// The exchange's trade id: the idempotency key.
    pub trade_id: String,
    pub exchange_order_id: String,
    pub bot_id: Option<String>,
    pub token_id: String,
    pub side: Side,
    pub price: Decimal,
    pub size: Decimal,
    pub fee: Decimal,
    pub status: FillStatus,
    /// When the trade happened (exchange time).
    pub ts: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fill {
    pub trade_id: String,
    pub exchange_order_id: String,
    pub bot_id: Option<String>,
    pub token_id: String,
    pub side: Side,
    pub price: Decimal,
    pub size: Decimal,
    pub fee: Decimal,
    pub status: FillStatus,
    pub ts: Timestamp,
    pub updated_at: Timestamp,
}

/// What [`Fills::record`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FillRecorded {
    /// First time this trade id was seen.
    Inserted,
    /// Already known; its status moved forward.
    StatusAdvanced { from: FillStatus, to: FillStatus },
    /// Already known with the same or a later status: nothing changed.
    Unchanged,
}

/// The fills table.
#[derive(Debug, Clone, Copy)]
pub struct Fills<'db> {
    pools: &'db Pools,
}

impl<'db> Fills<'db> {
    pub(crate) fn new(pools: &'db Pools) -> Self {
        Self { pools }
    }

    /// Records a trade report; see the module docs for the idempotency rules.
    pub async fn record(&self, fill: &NewFill, now: Timestamp) -> Result<FillRecorded, StoreError> {
        let inserted = {
            let mut conn = self.pools.writer.acquire().await?;
            insert_on(&mut conn, fill, now).await?
        };
        if inserted {
            return Ok(FillRecorded::Inserted);
        }
        // A known trade: only its status can move, and only forward.
        Ok(
            match self
                .advance_status(&fill.trade_id, fill.status, now)
                .await?
            {
                Some((from, to)) => FillRecorded::StatusAdvanced { from, to },
                None => FillRecorded::Unchanged,
            },
        )
    }

    /// Moves a known trade's settlement status forward (MATCHED → MINED → CONFIRMED, or
    /// FAILED); an unknown trade or a status that is not later is left alone. Returns the
    /// change made, if any.
    pub async fn advance_status(
        &self,
        trade_id: &str,
        status: FillStatus,
        now: Timestamp,
    ) -> Result<Option<(FillStatus, FillStatus)>, StoreError> {
        loop {
            let Some(current) = self.get(trade_id).await? else {
                return Ok(None);
            };
            // Compare-and-set on the old status, so concurrent reports cannot regress it.
            if status.rank() <= current.status.rank() {
                return Ok(None);
            }
            let updated = sqlx::query(
                "UPDATE fills SET status = ?, updated_at = ? WHERE trade_id = ? AND status = ?",
            )
            .bind(status.as_str())
            .bind(now.as_millis())
            .bind(trade_id)
            .bind(current.status.as_str())
            .execute(&self.pools.writer)
            .await?;
            if updated.rows_affected() == 1 {
                return Ok(Some((current.status, status)));
            }
        }
    }

    pub async fn get(&self, trade_id: &str) -> Result<Option<Fill>, StoreError> {
        sqlx::query("SELECT * FROM fills WHERE trade_id = ?")
            .bind(trade_id)
            .fetch_optional(&self.pools.reader)
            .await?
            .map(|row| fill_from_row(&row))
            .transpose()
    }

    /// Fills in `[from, to)`, optionally of one bot, oldest first.
    pub async fn list(
        &self,
        bot_id: Option<&str>,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Fill>, StoreError> {
        sqlx::query(
            "SELECT * FROM fills WHERE (?1 IS NULL OR bot_id = ?1) AND ts >= ?2 AND ts < ?3
             ORDER BY ts, trade_id",
        )
        .bind(bot_id)
        .bind(from.as_millis())
        .bind(to.as_millis())
        .fetch_all(&self.pools.reader)
        .await?
        .iter()
        .map(fill_from_row)
        .collect()
    }

    /// Trade history as CSV (header + one line per fill in `[from, to)`, oldest first).
    /// Returns the number of fills written.
    pub async fn export_csv<W: Write + ?Sized>(
        &self,
        out: &mut W,
        bot_id: Option<&str>,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<usize, StoreError> {
        let fills = self.list(bot_id, from, to).await?;
        write_record(
            out,
            &[
                "time", "trade_id", "order_id", "bot_id", "token_id", "side", "price", "size",
                "fee", "status",
            ],
        )?;
        for fill in &fills {
            write_record(
                out,
                &[
                    &fill.ts.to_string(),
                    &text_cell(&fill.trade_id),
                    &text_cell(&fill.exchange_order_id),
                    &text_cell(fill.bot_id.as_deref().unwrap_or("")),
                    &text_cell(&fill.token_id),
                    fill.side.as_str(),
                    &decimal_text(fill.price),
                    &decimal_text(fill.size),
                    &decimal_text(fill.fee),
                    fill.status.as_str(),
                ],
            )?;
        }
        out.flush()?;
        Ok(fills.len())
    }
}

fn fill_from_row(row: &SqliteRow) -> Result<Fill, StoreError> {
    let side: String = row.try_get("side")?;
    let status: String = row.try_get("status")?;
    Ok(Fill {
        trade_id: row.try_get("trade_id")?,
        exchange_order_id: row.try_get("exchange_order_id")?,
        bot_id: row.try_get("bot_id")?,
        token_id: row.try_get("token_id")?,
        side: Side::parse(&side)?,
        price: get_decimal(row, "price")?,
        size: get_decimal(row, "size")?,
        fee: get_decimal(row, "fee")?,
        status: parse_word("fills.status", &status, STATUS_WORDS)?,
        ts: get_ts(row, "ts")?,
        updated_at: get_ts(row, "updated_at")?,
    })
}

/// Inserts a trade on `conn` (a pooled connection or an open transaction) unless its trade id
/// is known; says whether it was new.
pub(crate) async fn insert_on(
    conn: &mut sqlx::SqliteConnection,
    fill: &NewFill,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO fills (trade_id, exchange_order_id, bot_id, token_id, side, price, size,
             fee, status, ts, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (trade_id) DO NOTHING",
    )
    .bind(&fill.trade_id)
    .bind(&fill.exchange_order_id)
    .bind(&fill.bot_id)
    .bind(&fill.token_id)
    .bind(fill.side.as_str())
    .bind(decimal_text(fill.price))
    .bind(decimal_text(fill.size))
    .bind(decimal_text(fill.fee))
    .bind(fill.status.as_str())
    .bind(fill.ts.as_millis())
    .bind(now.as_millis())
    .execute(&mut *conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}
