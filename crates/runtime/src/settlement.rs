//! Each wallet's user WebSocket: its events routed to the live orders that own them (see
//! [`crate::routing`]), and its booked trades moved from MATCHED to MINED to CONFIRMED (or
//! FAILED), as the exchange reports them.
//!
//! Invariants:
//! - the watcher routes every trade and order event to the order's executor, which books
//!   each trade id once (the bot books its fills with their status at that time, in the same
//!   transaction as its state); the watcher itself never books a fill, so a trade is never
//!   counted twice;
//! - it only advances the status of trades already booked;
//! - the user feed re-reads trades over REST after every reconnect, so a fill or a status
//!   change made while disconnected still arrives; each registered order is also told of
//!   the reconnect (`Reconciled`) and checks itself once;
//! - a confirmed or failed trade is told to the user (activity and event); a failed one is an
//!   error the user must look at.

use std::sync::Arc;

use polyagent_store::{ActivityKind, Database, FillStatus, NewActivity};
use polyagent_venue::client::AuthedClient;
use polyagent_venue::types::TradeStatus;
use polyagent_venue::user_ws::{UserEvent, UserFeed, UserFeedConfig};

use crate::routing::FillRouter;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use crate::bots::{BotActivity, Clock};
use crate::events::RuntimeEvent;

/// Starts the watcher of one wallet and returns its router; abort the handle to stop it
/// (the router then is never live again).
pub(crate) fn watch(
    client: Arc<AuthedClient>,
    user_ws: String,
    db: Database,
    events: broadcast::Sender<RuntimeEvent>,
    clock: Arc<dyn Clock>,
) -> (JoinHandle<()>, FillRouter) {
    let mut feed = UserFeed::start(client, UserFeedConfig::new(user_ws));
    let router = FillRouter::new(feed.health.clone());
    let routes = router.clone();
    let task = tokio::spawn(async move {
        while let Some(event) = feed.events.recv().await {
            let trade = match event {
                UserEvent::Trade(trade) => trade,
                UserEvent::Order(order) => {
                    routes.order(&order);
                    continue;
                }
                UserEvent::Reconciled { .. } => {
                    routes.reconciled();
                    continue;
                }
            };
            routes.trade(&trade);
            let status = match trade.status {
                TradeStatus::Mined => FillStatus::Mined,
                TradeStatus::Confirmed => FillStatus::Confirmed,
                TradeStatus::Failed => FillStatus::Failed,
                _ => continue,
            };
            let now = polyagent_store::Timestamp::from_millis(clock.now().millis());
            let changed = match db.fills().advance_status(&trade.id, status, now).await {
                Ok(changed) => changed,
                Err(error) => {
                    tracing::warn!(trade = %trade.id, %error, "trade status not saved");
                    continue;
                }
            };
            if changed.is_none() || status == FillStatus::Mined {
                continue;
            }
            let Ok(Some(fill)) = db.fills().get(&trade.id).await else {
                continue;
            };
            let Some(bot_id) = fill.bot_id else { continue };
            let (kind, text) = if status == FillStatus::Failed {
                (
                    ActivityKind::Error,
                    format!(
                        "trade {} FAILED on chain: {} {} shares at {} did not settle; check the wallet's position",
                        trade.id,
                        fill.side.as_str(),
                        fill.size,
                        fill.price
                    ),
                )
            } else {
                (
                    ActivityKind::Fill,
                    format!(
                        "trade {} confirmed on chain: {} {} shares at {}",
                        trade.id,
                        fill.side.as_str(),
                        fill.size,
                        fill.price
                    ),
                )
            };
            let entry = NewActivity {
                bot_id: Some(bot_id.clone()),
                ts: now,
                kind,
                message: text.clone(),
                detail: None,
            };
            if let Err(error) = db.activity().append(&entry).await {
                tracing::warn!(%error, "could not append to the activity log");
            }
            let _ = events.send(RuntimeEvent::BotActivity(BotActivity {
                bot_id,
                at_ms: now.as_millis(),
                text,
                kind: kind.as_str().to_owned(),
            }));
        }
    });
    (task, router)
}
