//! Bots: name, the engine-owned config (opaque JSON here) and a status word.
//!
//! The store does not interpret `config` or `status`; the engine owns both. Deleting a bot
//! deletes its positions, and leaves its journal, fills and activity with `bot_id = NULL`.

use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::StoreError;
use crate::database::Pools;
use crate::sql::{get_json, get_ts, is_unique_violation};
use crate::time::Timestamp;

#[derive(Debug, Clone, PartialEq)]
pub struct Bot {
    pub id: String,
    pub name: String,
    pub config: serde_json::Value,
    pub status: String,
    /// The runtime's saved state of the bot (JSON text), written by
    /// [`crate::Database::save_bot_progress`]; `None` until first saved.
    pub state: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewBot {
    pub id: String,
    pub name: String,
    pub config: serde_json::Value,
    pub status: String,
}

/// The bots table.
#[derive(Debug, Clone, Copy)]
pub struct Bots<'db> {
    pools: &'db Pools,
}

impl<'db> Bots<'db> {
    pub(crate) fn new(pools: &'db Pools) -> Self {
        Self { pools }
    }

    /// Inserts a bot; [`StoreError::AlreadyExists`] if the id is taken.
    pub async fn create(&self, bot: &NewBot, now: Timestamp) -> Result<Bot, StoreError> {
        let result = sqlx::query(
            "INSERT INTO bots (id, name, config, status, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&bot.id)
        .bind(&bot.name)
        .bind(serde_json::to_string(&bot.config)?)
        .bind(&bot.status)
        .bind(now.as_millis())
        .bind(now.as_millis())
        .execute(&self.pools.writer)
        .await;
        match result {
            Err(e) if is_unique_violation(&e) => Err(StoreError::AlreadyExists {
                what: "bot",
                id: bot.id.clone(),
            }),
            other => other.map(drop).map_err(StoreError::from),
        }?;
        Ok(Bot {
            id: bot.id.clone(),
            name: bot.name.clone(),
            config: bot.config.clone(),
            status: bot.status.clone(),
            state: None,
            created_at: now,
            updated_at: now,
        })
    }

    pub async fn get(&self, id: &str) -> Result<Option<Bot>, StoreError> {
        sqlx::query("SELECT * FROM bots WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pools.reader)
            .await?
            .map(|row| bot_from_row(&row))
            .transpose()
    }

    /// All bots, oldest first (ties by id, so the order is stable).
    pub async fn list(&self) -> Result<Vec<Bot>, StoreError> {
        sqlx::query("SELECT * FROM bots ORDER BY created_at, id")
            .fetch_all(&self.pools.reader)
            .await?
            .iter()
            .map(bot_from_row)
            .collect()
    }

    pub async fn rename(&self, id: &str, name: &str, now: Timestamp) -> Result<(), StoreError> {
        self.update(id, "name", name.to_owned(), now).await
    }

    pub async fn set_config(
        &self,
        id: &str,
        config: &serde_json::Value,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.update(id, "config", serde_json::to_string(config)?, now)
            .await
    }

    pub async fn set_status(
        &self,
        id: &str,
        status: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.update(id, "status", status.to_owned(), now).await
    }

    /// Deletes the bot and its positions; history rows keep existing with no bot.
    pub async fn delete(&self, id: &str) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM bots WHERE id = ?")
            .bind(id)
            .execute(&self.pools.writer)
            .await?;
        if done.rows_affected() == 0 {
            return Err(not_found(id));
        }
        Ok(())
    }

    async fn update(
        &self,
        id: &str,
        column: &'static str,
        value: String,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        // `column` is one of this module's literals, never caller input.
        let sql = format!("UPDATE bots SET {column} = ?, updated_at = ? WHERE id = ?");
        let done = sqlx::query(&sql)
            .bind(value)
            .bind(now.as_millis())
            .bind(id)
            .execute(&self.pools.writer)
            .await?;
        if done.rows_affected() == 0 {
            return Err(not_found(id));
        }
        Ok(())
    }
}

fn not_found(id: &str) -> StoreError {
    StoreError::NotFound {
        what: "bot",
        id: id.to_owned(),
    }
}

fn bot_from_row(row: &SqliteRow) -> Result<Bot, StoreError> {
    Ok(Bot {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        config: get_json(row, "config")?,
        status: row.try_get("status")?,
        state: row.try_get("state")?,
        created_at: get_ts(row, "created_at")?,
        updated_at: get_ts(row, "updated_at")?,
    })
}
