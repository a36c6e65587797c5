//! The activity log: an append-only feed of what happened (orders, fills, spikes, risk events,
//! errors, system messages), shown newest first in the UI and exportable as CSV.
//!
//! Paging is by cursor (keyset), not offset: a page ends at a `(ts, seq)` position and the next
//! page starts strictly after it, so rows appended while the user scrolls never shift or repeat
//! entries. `seq` is the insertion order and breaks ties between equal timestamps.

use std::fmt;
use std::io::Write;

use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};

use crate::StoreError;
use crate::csv::{text_cell, write_record};
use crate::database::Pools;
use crate::sql::{get_ts, parse_word};
use crate::time::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActivityKind {
    Order,
    Fill,
    Spike,
    Risk,
    Error,
    System,
}

const KIND_WORDS: &[(&str, ActivityKind)] = &[
    ("order", ActivityKind::Order),
    ("fill", ActivityKind::Fill),
    ("spike", ActivityKind::Spike),
    ("risk", ActivityKind::Risk),
    ("error", ActivityKind::Error),
    ("system", ActivityKind::System),
];

impl ActivityKind {
    /// The kind a word names (`"fill"`), as [`ActivityKind::as_str`] spells it.
    pub fn parse(word: &str) -> Option<Self> {
        KIND_WORDS.iter().find(|(w, _)| *w == word).map(|(_, k)| *k)
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            ActivityKind::Order => "order",
            ActivityKind::Fill => "fill",
            ActivityKind::Spike => "spike",
            ActivityKind::Risk => "risk",
            ActivityKind::Error => "error",
            ActivityKind::System => "system",
        }
    }
}

impl fmt::Display for ActivityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewActivity {
    /// `None` for app-wide events.
    pub bot_id: Option<String>,
    pub ts: Timestamp,
    pub kind: ActivityKind,
    pub message: String,
    pub detail: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActivityEntry {
    /// Insertion order, unique.
    pub seq: i64,
    pub bot_id: Option<String>,
    pub ts: Timestamp,
    pub kind: ActivityKind,
    pub message: String,
    pub detail: Option<serde_json::Value>,
}

/// Where a page ended; pass it back as [`ActivityQuery::before`] for the next (older) page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityCursor {
    pub ts: Timestamp,
    pub seq: i64,
}

/// Which entries to read, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityQuery {
    /// Only this bot's entries; `None` for every entry.
    pub bot_id: Option<String>,
    /// Only these kinds; empty for every kind.
    pub kinds: Vec<ActivityKind>,
    /// Only entries older than this cursor; `None` starts at the newest.
    pub before: Option<ActivityCursor>,
    /// Page size (at least 1).
    pub limit: u32,
}

impl ActivityQuery {
    /// The first page of everything, `limit` entries.
    pub fn newest(limit: u32) -> Self {
        Self {
            bot_id: None,
            kinds: Vec::new(),
            before: None,
            limit,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActivityPage {
    pub entries: Vec<ActivityEntry>,
    /// `Some` when older entries may exist.
    pub next: Option<ActivityCursor>,
}

/// The activity table.
#[derive(Debug, Clone, Copy)]
pub struct ActivityLog<'db> {
    pools: &'db Pools,
}

impl<'db> ActivityLog<'db> {
    pub(crate) fn new(pools: &'db Pools) -> Self {
        Self { pools }
    }

    /// Appends an entry and returns its `seq`.
    pub async fn append(&self, entry: &NewActivity) -> Result<i64, StoreError> {
        let mut conn = self.pools.writer.acquire().await?;
        insert(&mut conn, entry).await
    }

    /// Appends entries in one commit.
    pub async fn append_many(&self, entries: &[NewActivity]) -> Result<(), StoreError> {
        let mut tx = self.pools.writer.begin().await?;
        for entry in entries {
            insert(&mut tx, entry).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// One page, newest first.
    pub async fn page(&self, query: &ActivityQuery) -> Result<ActivityPage, StoreError> {
        let limit = query.limit.max(1);
        let mut sql = QueryBuilder::<Sqlite>::new("SELECT * FROM activity");
        push_filter(
            &mut sql,
            query.bot_id.as_deref(),
            &query.kinds,
            query.before,
        );
        sql.push(" ORDER BY ts DESC, seq DESC LIMIT ");
        // One extra row tells whether an older page exists.
        sql.push_bind(i64::from(limit) + 1);
        let rows = sql.build().fetch_all(&self.pools.reader).await?;
        let mut entries = rows
            .iter()
            .map(entry_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let more = entries.len() > limit as usize;
        entries.truncate(limit as usize);
        let next = match entries.last() {
            Some(last) if more => Some(ActivityCursor {
                ts: last.ts,
                seq: last.seq,
            }),
            _ => None,
        };
        Ok(ActivityPage { entries, next })
    }

    /// Every matching entry as CSV, oldest first (header `time,bot_id,kind,message,detail`).
    /// Returns the number of entries written.
    pub async fn export_csv<W: Write + ?Sized>(
        &self,
        out: &mut W,
        bot_id: Option<&str>,
        kinds: &[ActivityKind],
    ) -> Result<usize, StoreError> {
        let mut sql = QueryBuilder::<Sqlite>::new("SELECT * FROM activity");
        push_filter(&mut sql, bot_id, kinds, None);
        sql.push(" ORDER BY ts, seq");
        let rows = sql.build().fetch_all(&self.pools.reader).await?;
        write_record(out, &["time", "bot_id", "kind", "message", "detail"])?;
        for row in &rows {
            let entry = entry_from_row(row)?;
            let detail = entry
                .detail
                .as_ref()
                .map(|d| d.to_string())
                .unwrap_or_default();
            write_record(
                out,
                &[
                    &entry.ts.to_string(),
                    &text_cell(entry.bot_id.as_deref().unwrap_or("")),
                    entry.kind.as_str(),
                    &text_cell(&entry.message),
                    &text_cell(&detail),
                ],
            )?;
        }
        out.flush()?;
        Ok(rows.len())
    }
}

fn push_filter(
    sql: &mut QueryBuilder<'_, Sqlite>,
    bot_id: Option<&str>,
    kinds: &[ActivityKind],
    before: Option<ActivityCursor>,
) {
    sql.push(" WHERE 1 = 1");
    if let Some(bot_id) = bot_id {
        sql.push(" AND bot_id = ").push_bind(bot_id.to_owned());
    }
    if !kinds.is_empty() {
        sql.push(" AND kind IN (");
        let mut list = sql.separated(", ");
        for kind in kinds {
            list.push_bind(kind.as_str());
        }
        list.push_unseparated(")");
    }
    if let Some(cursor) = before {
        sql.push(" AND (ts, seq) < (")
            .push_bind(cursor.ts.as_millis())
            .push(", ")
            .push_bind(cursor.seq)
            .push(")");
    }
}

fn entry_from_row(row: &SqliteRow) -> Result<ActivityEntry, StoreError> {
    let kind: String = row.try_get("kind")?;
    let detail: Option<String> = row.try_get("detail")?;
    Ok(ActivityEntry {
        seq: row.try_get("seq")?,
        bot_id: row.try_get("bot_id")?,
        ts: get_ts(row, "ts")?,
        kind: parse_word("activity.kind", &kind, KIND_WORDS)?,
        message: row.try_get("message")?,
        detail: detail.as_deref().map(serde_json::from_str).transpose()?,
    })
}

/// Inserts one entry on `conn` (a pooled connection or an open transaction); returns its `seq`.
pub(crate) async fn insert(
    conn: &mut sqlx::SqliteConnection,
    entry: &NewActivity,
) -> Result<i64, StoreError> {
    let detail = entry
        .detail
        .as_ref()
        .map(serde_json::to_string)
        .transpose()?;
    let done = sqlx::query(
        "INSERT INTO activity (bot_id, ts, kind, message, detail) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(&entry.bot_id)
    .bind(entry.ts.as_millis())
    .bind(entry.kind.as_str())
    .bind(&entry.message)
    .bind(detail)
    .execute(&mut *conn)
    .await?;
    Ok(done.last_insert_rowid())
}
