//! One step of a bot's progress, saved atomically: its new state, the fills that produced it,
//! the journal entry they settle and its position.
//!
//! Invariant: either everything in a [`BotProgress`] is committed or nothing is. A crash
//! between an order's fills arriving and the bot's state being saved therefore leaves the
//! order's intent unsettled (`sent`/`unknown`), and the next start reconciles it with the
//! exchange instead of losing or double-counting the fills.

use rust_decimal::Decimal;

use crate::StoreError;
use crate::database::Database;
use crate::fills::NewFill;
use crate::time::Timestamp;

/// How a journal intent ends with this step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntentSettlement {
    /// The exchange has the order (its fills, if any, are in the same step).
    Acknowledged {
        intent_id: String,
        exchange_order_id: String,
    },
    /// The order never reached the exchange, or was refused.
    Failed { intent_id: String, reason: String },
}

/// A bot's position after this step, for the positions table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionState {
    pub token_id: String,
    pub size: Decimal,
    pub average_entry_price: Decimal,
    pub realized_pnl: Decimal,
    pub fees_paid: Decimal,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BotProgress {
    pub bot_id: String,
    pub status: String,
    /// The runtime's state of the bot, as JSON text.
    pub state: String,
    pub fills: Vec<NewFill>,
    pub settlement: Option<IntentSettlement>,
    /// Positions of the bot after the step (a flat position is kept with size 0 for its
    /// realized P&L).
    pub positions: Vec<PositionState>,
    /// Activity lines of the step, appended in the same commit.
    pub activity: Vec<crate::NewActivity>,
}

impl Database {
    /// Commits `progress` in one transaction. A fill already recorded (same trade id) is kept
    /// as it is; settling an intent that is already final with the same outcome is a no-op.
    pub async fn save_bot_progress(
        &self,
        progress: &BotProgress,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pools().writer.begin().await?;
        let updated =
            sqlx::query("UPDATE bots SET status = ?, state = ?, updated_at = ? WHERE id = ?")
                .bind(&progress.status)
                .bind(&progress.state)
                .bind(now.as_millis())
                .bind(&progress.bot_id)
                .execute(&mut *tx)
                .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: "bot",
                id: progress.bot_id.clone(),
            });
        }
        for fill in &progress.fills {
            crate::fills::insert_on(&mut tx, fill, now).await?;
        }
        match &progress.settlement {
            None => {}
            Some(IntentSettlement::Acknowledged {
                intent_id,
                exchange_order_id,
            }) => {
                sqlx::query(
                    "UPDATE order_intents SET state = 'acknowledged', exchange_order_id = ?,
                         updated_at = ?
                     WHERE intent_id = ? AND state IN ('pending', 'sent', 'unknown')",
                )
                .bind(exchange_order_id)
                .bind(now.as_millis())
                .bind(intent_id)
                .execute(&mut *tx)
                .await?;
            }
            Some(IntentSettlement::Failed { intent_id, reason }) => {
                sqlx::query(
                    "UPDATE order_intents SET state = 'failed', failure_reason = ?, updated_at = ?
                     WHERE intent_id = ? AND state IN ('pending', 'sent', 'unknown')",
                )
                .bind(reason)
                .bind(now.as_millis())
                .bind(intent_id)
                .execute(&mut *tx)
                .await?;
            }
        }
        for position in &progress.positions {
            let row = crate::Position {
                bot_id: progress.bot_id.clone(),
                token_id: position.token_id.clone(),
                size: position.size,
                average_entry_price: position.average_entry_price,
                realized_pnl: position.realized_pnl,
                fees_paid: position.fees_paid,
                updated_at: now,
            };
            crate::positions::upsert_on(&mut tx, &row).await?;
        }
        for entry in &progress.activity {
            crate::activity::insert(&mut tx, entry).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
