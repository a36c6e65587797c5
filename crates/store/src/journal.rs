//! The order journal: every order is recorded as an intent BEFORE it leaves the process, so a
//! crash can never leave an order on the exchange that PolyAgent does not know about.
//!
//! State machine (anything else is [`StoreError::InvalidTransition`]):
//!
//! | from \ call   | `mark_sent` | `mark_acknowledged` | `mark_failed` | `mark_unknown` |
//! |---------------|-------------|---------------------|---------------|----------------|
//! | pending       | → sent      | refused             | → failed      | → unknown      |
//! | sent          | refused     | → acknowledged      | → failed      | → unknown      |
//! | unknown       | refused     | → acknowledged      | → failed      | no-op          |
//! | acknowledged  | refused     | no-op if same id    | refused       | refused        |
//! | failed        | refused     | refused             | no-op         | refused        |
//!
//! - `pending`: recorded, not yet handed to the network. After a crash it was never sent.
//! - armed orders ([`OrderJournal::record_armed`]) are signed before they are needed and
//!   recorded straight as `sent`, so their POST needs no write at all; the unused ones are
//!   retired to `failed` (only ever from `sent`: a retired intent was never handed to the
//!   network).
//!   ([`OrderJournal::record_sending`] records an intent directly as `sent`, in one commit,
//!   when the request goes out right after it: the hot path's single write.)
//! - `sent`: `mark_sent` is called immediately before the request goes out; after a crash the
//!   outcome is unknown and must be reconciled with the exchange by `client_order_id`.
//! - `unknown`: the request went out but no answer arrived (timeout, connection reset).
//! - `acknowledged` / `failed` are final. Repeating the same final mark is a no-op, so
//!   reconciliation can be retried safely.

use std::fmt;

use rust_decimal::Decimal;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::StoreError;
use crate::database::Pools;
use crate::sql::{Side, decimal_text, get_decimal, get_ts, is_unique_violation, parse_word};
use crate::time::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntentState {
    Pending,
    Sent,
    Acknowledged,
    Failed,
    Unknown,
}

const STATE_WORDS: &[(&str, IntentState)] = &[
    ("pending", IntentState::Pending),
    ("sent", IntentState::Sent),
    ("acknowledged", IntentState::Acknowledged),
    ("failed", IntentState::Failed),
    ("unknown", IntentState::Unknown),
];

impl IntentState {
    pub const fn as_str(self) -> &'static str {
        match self {
            IntentState::Pending => "pending",
            IntentState::Sent => "sent",
            IntentState::Acknowledged => "acknowledged",
            IntentState::Failed => "failed",
            IntentState::Unknown => "unknown",
        }
    }

    /// True for `acknowledged` and `failed`.
    pub const fn is_final(self) -> bool {
        matches!(self, IntentState::Acknowledged | IntentState::Failed)
    }
}

impl fmt::Display for IntentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the engine is about to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrderIntent {
    pub intent_id: String,
    pub bot_id: Option<String>,
    /// The id PolyAgent puts on the order (salt / client id) to find it again after a crash.
    pub client_order_id: String,
    pub side: Side,
    pub token_id: String,
    pub price: Decimal,
    pub size: Decimal,
    /// GTC, GTD, FOK, FAK … as the exchange spells it.
    pub order_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderIntent {
    pub intent_id: String,
    pub bot_id: Option<String>,
    pub client_order_id: String,
    pub side: Side,
    pub token_id: String,
    pub price: Decimal,
    pub size: Decimal,
    pub order_type: String,
    pub state: IntentState,
    pub exchange_order_id: Option<String>,
    pub failure_reason: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The order_intents table.
#[derive(Debug, Clone, Copy)]
pub struct OrderJournal<'db> {
    pools: &'db Pools,
}

impl<'db> OrderJournal<'db> {
    pub(crate) fn new(pools: &'db Pools) -> Self {
        Self { pools }
    }

    /// Records an intent in state `pending`. Must complete before the order is sent.
    /// Duplicate intent or client order ids are [`StoreError::AlreadyExists`].
    pub async fn record_intent(
        &self,
        intent: &NewOrderIntent,
        now: Timestamp,
    ) -> Result<OrderIntent, StoreError> {
        self.insert(intent, IntentState::Pending, now).await
    }

    async fn insert(
        &self,
        intent: &NewOrderIntent,
        state: IntentState,
        now: Timestamp,
    ) -> Result<OrderIntent, StoreError> {
        let result = sqlx::query(
            "INSERT INTO order_intents (intent_id, bot_id, client_order_id, side, token_id, price,
                 size, order_type, state, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&intent.intent_id)
        .bind(&intent.bot_id)
        .bind(&intent.client_order_id)
        .bind(intent.side.as_str())
        .bind(&intent.token_id)
        .bind(decimal_text(intent.price))
        .bind(decimal_text(intent.size))
        .bind(&intent.order_type)
        .bind(state.as_str())
        .bind(now.as_millis())
        .bind(now.as_millis())
        .execute(&self.pools.writer)
        .await;
        match result {
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::AlreadyExists {
                    what: "order intent",
                    id: intent.intent_id.clone(),
                });
            }
            other => other?,
        };
        Ok(OrderIntent {
            intent_id: intent.intent_id.clone(),
            bot_id: intent.bot_id.clone(),
            client_order_id: intent.client_order_id.clone(),
            side: intent.side,
            token_id: intent.token_id.clone(),
            price: intent.price,
            size: intent.size,
            order_type: intent.order_type.clone(),
            state,
            exchange_order_id: None,
            failure_reason: None,
            created_at: now,
            updated_at: now,
        })
    }

    /// Records an intent directly in state `sent`: for a caller that sends the request right
    /// after this returns (one commit instead of `record_intent` + `mark_sent`).
    pub async fn record_sending(
        &self,
        intent: &NewOrderIntent,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.insert(intent, IntentState::Sent, now).await.map(drop)
    }

    /// Arms a set of orders in one commit: each intent is recorded as `sent` (its POST may
    /// follow at any moment, with no further write), and the intents in `retire` (an earlier
    /// armed set, none of them sent) are marked failed with `reason`.
    ///
    /// After a crash an armed intent is reconciled like any `sent` one: looked up on the
    /// exchange by its order id, found → booked, absent → failed. Retiring is never needed
    /// for safety, only to spare that look-up.
    pub async fn record_armed(
        &self,
        intents: &[NewOrderIntent],
        retire: &[String],
        reason: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pools.writer.begin().await?;
        for intent in intents {
            let result = sqlx::query(
                "INSERT INTO order_intents (intent_id, bot_id, client_order_id, side, token_id,
                     price, size, order_type, state, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'sent', ?, ?)",
            )
            .bind(&intent.intent_id)
            .bind(&intent.bot_id)
            .bind(&intent.client_order_id)
            .bind(intent.side.as_str())
            .bind(&intent.token_id)
            .bind(decimal_text(intent.price))
            .bind(decimal_text(intent.size))
            .bind(&intent.order_type)
            .bind(now.as_millis())
            .bind(now.as_millis())
            .execute(&mut *tx)
            .await;
            match result {
                Err(e) if is_unique_violation(&e) => {
                    return Err(StoreError::AlreadyExists {
                        what: "order intent",
                        id: intent.intent_id.clone(),
                    });
                }
                other => other?,
            };
        }
        retire_on(&mut tx, retire, reason, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Marks armed intents that were never sent as failed, in one commit (see
    /// [`OrderJournal::record_armed`]). Intents already final are left as they are.
    pub async fn retire_armed(
        &self,
        intent_ids: &[String],
        reason: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        if intent_ids.is_empty() {
            return Ok(());
        }
        let mut tx = self.pools.writer.begin().await?;
        retire_on(&mut tx, intent_ids, reason, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// pending → sent. Call immediately before the request goes to the network.
    pub async fn mark_sent(&self, intent_id: &str, now: Timestamp) -> Result<(), StoreError> {
        self.transition(
            intent_id,
            IntentState::Sent,
            &[IntentState::Pending],
            now,
            None,
            None,
        )
        .await
    }

    /// sent | unknown → acknowledged, with the exchange's order id. Repeating it with the same
    /// exchange id is a no-op; a different id is [`StoreError::ConflictingExchangeOrderId`].
    pub async fn mark_acknowledged(
        &self,
        intent_id: &str,
        exchange_order_id: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let from = [IntentState::Sent, IntentState::Unknown];
        let result = self
            .transition(
                intent_id,
                IntentState::Acknowledged,
                &from,
                now,
                Some(exchange_order_id),
                None,
            )
            .await;
        if let Err(StoreError::InvalidTransition {
            from: IntentState::Acknowledged,
            ..
        }) = result
        {
            let current = self.require(intent_id).await?;
            let existing = current.exchange_order_id.unwrap_or_default();
            if existing == exchange_order_id {
                return Ok(());
            }
            return Err(StoreError::ConflictingExchangeOrderId {
                intent_id: intent_id.to_owned(),
                existing,
                requested: exchange_order_id.to_owned(),
            });
        }
        result
    }

    /// pending | sent | unknown → failed, with a human-readable reason. Repeating it is a no-op
    /// (the first reason is kept).
    pub async fn mark_failed(
        &self,
        intent_id: &str,
        reason: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let from = [
            IntentState::Pending,
            IntentState::Sent,
            IntentState::Unknown,
        ];
        let result = self
            .transition(
                intent_id,
                IntentState::Failed,
                &from,
                now,
                None,
                Some(reason),
            )
            .await;
        match result {
            Err(StoreError::InvalidTransition {
                from: IntentState::Failed,
                ..
            }) => Ok(()),
            other => other,
        }
    }

    /// pending | sent → unknown: the request may have reached the exchange but no answer came.
    pub async fn mark_unknown(&self, intent_id: &str, now: Timestamp) -> Result<(), StoreError> {
        let from = [IntentState::Pending, IntentState::Sent];
        let result = self
            .transition(intent_id, IntentState::Unknown, &from, now, None, None)
            .await;
        match result {
            Err(StoreError::InvalidTransition {
                from: IntentState::Unknown,
                ..
            }) => Ok(()),
            other => other,
        }
    }

    pub async fn get(&self, intent_id: &str) -> Result<Option<OrderIntent>, StoreError> {
        sqlx::query("SELECT * FROM order_intents WHERE intent_id = ?")
            .bind(intent_id)
            .fetch_optional(&self.pools.reader)
            .await?
            .map(|row| intent_from_row(&row))
            .transpose()
    }

    pub async fn find_by_client_order_id(
        &self,
        client_order_id: &str,
    ) -> Result<Option<OrderIntent>, StoreError> {
        sqlx::query("SELECT * FROM order_intents WHERE client_order_id = ?")
            .bind(client_order_id)
            .fetch_optional(&self.pools.reader)
            .await?
            .map(|row| intent_from_row(&row))
            .transpose()
    }

    /// Intents without a final outcome, oldest first, for crash-recovery reconciliation:
    /// `pending` ones were never sent (fail them); `sent` and `unknown` ones must be looked up
    /// on the exchange by `client_order_id` and then acknowledged or failed.
    pub async fn unresolved(&self) -> Result<Vec<OrderIntent>, StoreError> {
        sqlx::query(
            "SELECT * FROM order_intents WHERE state IN ('pending', 'sent', 'unknown')
             ORDER BY created_at, intent_id",
        )
        .fetch_all(&self.pools.reader)
        .await?
        .iter()
        .map(intent_from_row)
        .collect()
    }

    /// Every intent of a bot, oldest first (an audit of what it ever tried to send).
    pub async fn for_bot(&self, bot_id: &str) -> Result<Vec<OrderIntent>, StoreError> {
        sqlx::query("SELECT * FROM order_intents WHERE bot_id = ? ORDER BY created_at, intent_id")
            .bind(bot_id)
            .fetch_all(&self.pools.reader)
            .await?
            .iter()
            .map(intent_from_row)
            .collect()
    }

    async fn require(&self, intent_id: &str) -> Result<OrderIntent, StoreError> {
        self.get(intent_id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "order intent",
                id: intent_id.to_owned(),
            })
    }

    /// One conditional UPDATE, so two racing writers cannot both move the same intent; when it
    /// matches nothing, the current row says whether the id is unknown or the move is illegal.
    async fn transition(
        &self,
        intent_id: &str,
        to: IntentState,
        allowed_from: &[IntentState],
        now: Timestamp,
        exchange_order_id: Option<&str>,
        failure_reason: Option<&str>,
    ) -> Result<(), StoreError> {
        let placeholders = vec!["?"; allowed_from.len()].join(", ");
        let sql = format!(
            "UPDATE order_intents
             SET state = ?, updated_at = ?,
                 exchange_order_id = COALESCE(?, exchange_order_id),
                 failure_reason = COALESCE(?, failure_reason)
             WHERE intent_id = ? AND state IN ({placeholders})"
        );
        let mut query = sqlx::query(&sql)
            .bind(to.as_str())
            .bind(now.as_millis())
            .bind(exchange_order_id)
            .bind(failure_reason)
            .bind(intent_id);
        for state in allowed_from {
            query = query.bind(state.as_str());
        }
        let done = query.execute(&self.pools.writer).await;
        let done = match done {
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::AlreadyExists {
                    what: "exchange order id",
                    id: exchange_order_id.unwrap_or_default().to_owned(),
                });
            }
            other => other?,
        };
        if done.rows_affected() == 1 {
            return Ok(());
        }
        let current = self.require(intent_id).await?;
        Err(StoreError::InvalidTransition {
            intent_id: intent_id.to_owned(),
            from: current.state,
            to,
        })
    }
}

async fn retire_on(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    intent_ids: &[String],
    reason: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    for intent_id in intent_ids {
        sqlx::query(
            "UPDATE order_intents SET state = 'failed', failure_reason = ?, updated_at = ?
             WHERE intent_id = ? AND state = 'sent'",
        )
        .bind(reason)
        .bind(now.as_millis())
        .bind(intent_id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

fn intent_from_row(row: &SqliteRow) -> Result<OrderIntent, StoreError> {
    let side: String = row.try_get("side")?;
    let state: String = row.try_get("state")?;
    Ok(OrderIntent {
        intent_id: row.try_get("intent_id")?,
        bot_id: row.try_get("bot_id")?,
        client_order_id: row.try_get("client_order_id")?,
        side: Side::parse(&side)?,
        token_id: row.try_get("token_id")?,
        price: get_decimal(row, "price")?,
        size: get_decimal(row, "size")?,
        order_type: row.try_get("order_type")?,
        state: parse_word("order_intents.state", &state, STATE_WORDS)?,
        exchange_order_id: row.try_get("exchange_order_id")?,
        failure_reason: row.try_get("failure_reason")?,
        created_at: get_ts(row, "created_at")?,
        updated_at: get_ts(row, "updated_at")?,
    })
}
