//! Positions, one per (bot, token). The engine computes them; the store keeps the latest state.

use rust_decimal::Decimal;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::StoreError;
use crate::database::Pools;
use crate::sql::{decimal_text, get_decimal, get_ts};
use crate::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub bot_id: String,
    pub token_id: String,
    /// Shares held (0 when flat; the row is kept for its realized P&L).
    pub size: Decimal,
    pub average_entry_price: Decimal,
    pub realized_pnl: Decimal,
    pub fees_paid: Decimal,
    pub updated_at: Timestamp,
}

/// The positions table.
#[derive(Debug, Clone, Copy)]
pub struct Positions<'db> {
    pools: &'db Pools,
}

impl<'db> Positions<'db> {
    pub(crate) fn new(pools: &'db Pools) -> Self {
        Self { pools }
    }

    /// Inserts or replaces the position of `(bot_id, token_id)`. The bot must exist.
    pub async fn upsert(&self, position: &Position) -> Result<(), StoreError> {
        let mut conn = self.pools.writer.acquire().await?;
        upsert_on(&mut conn, position).await
    }

    pub async fn get(&self, bot_id: &str, token_id: &str) -> Result<Option<Position>, StoreError> {
        sqlx::query("SELECT * FROM positions WHERE bot_id = ? AND token_id = ?")
            .bind(bot_id)
            .bind(token_id)
            .fetch_optional(&self.pools.reader)
            .await?
            .map(|row| position_from_row(&row))
            .transpose()
    }

    pub async fn for_bot(&self, bot_id: &str) -> Result<Vec<Position>, StoreError> {
        sqlx::query("SELECT * FROM positions WHERE bot_id = ? ORDER BY token_id")
            .bind(bot_id)
            .fetch_all(&self.pools.reader)
            .await?
            .iter()
            .map(position_from_row)
            .collect()
    }

    pub async fn all(&self) -> Result<Vec<Position>, StoreError> {
        sqlx::query("SELECT * FROM positions ORDER BY bot_id, token_id")
            .fetch_all(&self.pools.reader)
            .await?
            .iter()
            .map(position_from_row)
            .collect()
    }
}

fn position_from_row(row: &SqliteRow) -> Result<Position, StoreError> {
    Ok(Position {
        bot_id: row.try_get("bot_id")?,
        token_id: row.try_get("token_id")?,
        size: get_decimal(row, "size")?,
        average_entry_price: get_decimal(row, "average_entry_price")?,
        realized_pnl: get_decimal(row, "realized_pnl")?,
        fees_paid: get_decimal(row, "fees_paid")?,
        updated_at: get_ts(row, "updated_at")?,
    })
}

/// [`Positions::upsert`] on `conn` (a pooled connection or an open transaction).
pub(crate) async fn upsert_on(
    conn: &mut sqlx::SqliteConnection,
    position: &Position,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO positions (bot_id, token_id, size, average_entry_price, realized_pnl,
             fees_paid, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (bot_id, token_id) DO UPDATE SET
             size = excluded.size,
             average_entry_price = excluded.average_entry_price,
             realized_pnl = excluded.realized_pnl,
             fees_paid = excluded.fees_paid,
             updated_at = excluded.updated_at",
    )
    .bind(&position.bot_id)
    .bind(&position.token_id)
    .bind(decimal_text(position.size))
    .bind(decimal_text(position.average_entry_price))
    .bind(decimal_text(position.realized_pnl))
    .bind(decimal_text(position.fees_paid))
    .bind(position.updated_at.as_millis())
    .execute(&mut *conn)
    .await?;
    Ok(())
}
