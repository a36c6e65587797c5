//! Settings: a key → JSON value table (killswitch state, daily limits, UI preferences).
//!
//! The store does not know the shape of a value; callers read and write their own serde types.

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;

use crate::StoreError;
use crate::database::Pools;
use crate::time::Timestamp;

/// Well-known setting keys, so the engine and the UI agree on spelling.
pub mod setting_keys {
    /// The global killswitch state.
    pub const KILLSWITCH: &str = "killswitch";
    /// Daily loss/volume limits.
    pub const DAILY_LIMITS: &str = "daily_limits";
}

/// The settings table.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'db> {
    pools: &'db Pools,
}

impl<'db> Settings<'db> {
    pub(crate) fn new(pools: &'db Pools) -> Self {
        Self { pools }
    }

    /// The value under `key`, decoded as `T`; `None` if never set.
    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        let row = sqlx::query("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pools.reader)
            .await?;
        match row {
            None => Ok(None),
            Some(row) => {
                let text: String = row.try_get("value")?;
                Ok(Some(serde_json::from_str(&text)?))
            }
        }
    }

    /// Sets `key` to `value` (insert or replace).
    pub async fn put<T: Serialize + ?Sized>(
        &self,
        key: &str,
        value: &T,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(key)
        .bind(serde_json::to_string(value)?)
        .bind(now.as_millis())
        .execute(&self.pools.writer)
        .await?;
        Ok(())
    }

    /// Removes `key`; returns whether it existed.
    pub async fn remove(&self, key: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM settings WHERE key = ?")
            .bind(key)
            .execute(&self.pools.writer)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
