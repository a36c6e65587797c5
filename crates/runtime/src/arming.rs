//! Armed orders: the next order signed and journaled ahead of its trigger (see the module
//! docs of [`crate::live`] for the rules), and retiring the ones never sent.
//!
//! Invariants:
//! - a set is usable only once its journal commit is done; an arming whose generation is no
//!   longer current retires what it journaled instead of installing it;
//! - a trigger takes the whole set (or claims the arming in progress); exactly one of its
//!   orders can be posted, the rest are retired (`failed`, [`RETIRED`]).

use std::sync::Arc;

use polyagent_domain::money::{Collateral, Shares};
use polyagent_domain::trading::{OrderType, TickSize, TokenId};
use polyagent_engine::bot::OrderForecast;
use polyagent_engine::event::{OrderId, OrderRequest, Side};
use polyagent_store::NewOrderIntent;
use polyagent_venue::amounts::MarketAmount;
use polyagent_venue::client::{AuthedClient, PreparedOrder};
use polyagent_venue::order_build::OrderSpec;
use rust_decimal::Decimal;
use std::time::Duration;

use crate::live::Journal;
use crate::persist;

/// How many tick-grid prices either side of the book's price an armed set covers.
pub(crate) const ARM_TICKS: i64 = 8;
/// How far (in ticks) the book may move from where a set was armed before it is re-armed.
pub(crate) const REARM_DRIFT_TICKS: i64 = 4;
/// How old an armed set may get before it is re-armed: the signed `timestamp` is the time of
/// arming, and an order should not reach the exchange much older than it says it is.
pub(crate) const ARM_MAX_AGE_MS: i64 = 120_000;
/// The depth of the one-level book an armed order is priced from: more than any order needs,
/// small enough that price × depth stays far inside a decimal.
pub(crate) const ARM_DEPTH: Decimal = Decimal::from_parts(0, 1, 0, false, 0); // 2^32 shares
/// The reason an armed intent that was never sent is retired with (its `failed` row is not an
/// order that failed: none was sent).
pub const RETIRED: &str = "armed ahead of a trigger, never sent";

/// The armed set and the arming in progress.
#[derive(Debug, Default)]
pub(crate) struct Armory {
    /// Bumped whenever the set is replaced or taken: an arming task whose generation is no
    /// longer current retires what it journaled instead of installing it.
    pub(crate) generation: u64,
    /// What the arming in progress (if any) or the installed set is for.
    pub(crate) wanted: Option<ArmKey>,
    pub(crate) set: Option<ArmedSet>,
    /// The arming task in progress, so a shutdown can wait for it.
    pub(crate) task: Option<tokio::task::JoinHandle<()>>,
    /// A trigger that came while its order was being armed: the arming hands the set over
    /// here instead of installing it. Dropped (the trigger then takes the slow path) whenever
    /// the generation moves on.
    pub(crate) claim: Option<tokio::sync::oneshot::Sender<ArmedSet>>,
}

/// What a trigger found in the armory.
pub(crate) enum Taken {
    /// The installed set.
    Set(ArmedSet),
    /// Its order is being armed: the set arrives here once it is journaled.
    Arming(tokio::sync::oneshot::Receiver<ArmedSet>),
    Nothing,
}

/// How long a trigger waits for the arming of its order to finish before it gives up on it
/// and signs and journals the order itself. Arming takes milliseconds; this bounds a stall.
pub(crate) const CLAIM_WAIT: Duration = Duration::from_secs(2);

/// What makes an armed order fit a trigger, besides its price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArmKey {
    pub(crate) forecast: OrderForecast,
    pub(crate) token: TokenId,
    pub(crate) tick: TickSize,
    pub(crate) order_type: OrderType,
    /// The book's price (best ask for a buy, best bid for a sale) when armed.
    pub(crate) center: Decimal,
    pub(crate) armed_at_ms: i64,
}

#[derive(Debug)]
pub(crate) struct ArmedSet {
    pub(crate) key: ArmKey,
    /// Price → the order priced there, journaled as `sent` under `intent_id`.
    pub(crate) orders: std::collections::BTreeMap<Decimal, ArmedOrder>,
}

#[derive(Debug, Clone)]
pub(crate) struct ArmedOrder {
    pub(crate) intent_id: String,
    pub(crate) prepared: PreparedOrder,
}

impl ArmedSet {
    pub(crate) fn intent_ids(&self) -> Vec<String> {
        self.orders.values().map(|o| o.intent_id.clone()).collect()
    }
}

pub(crate) fn armory_of(armory: &std::sync::Mutex<Armory>) -> std::sync::MutexGuard<'_, Armory> {
    armory
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The journal id of an armed order: the engine order it stands for, then its exchange id
/// (unique per signed order), so [`persist::order_of_intent`] still finds the engine order.
pub(crate) fn armed_intent_id(bot_id: &str, order: OrderId, exchange_id: &str) -> String {
    let digest = exchange_id.trim_start_matches("0x");
    format!(
        "{}/armed-{}",
        persist::intent_id(bot_id, order),
        &digest[..digest.len().min(16)]
    )
}

impl ArmKey {
    pub(crate) fn forecast_amount(&self) -> Result<MarketAmount, String> {
        Ok(match self.forecast.side {
            Side::Buy => MarketAmount::Collateral(
                Collateral::new(self.forecast.size).map_err(|e| e.to_string())?,
            ),
            Side::Sell => {
                MarketAmount::Shares(Shares::new(self.forecast.size).map_err(|e| e.to_string())?)
            }
        })
    }

    /// Whether a set armed as `self` still serves `now` (same order, book near, not too old).
    pub(crate) fn still_fits(&self, now: &ArmKey) -> bool {
        let drift = (now.center - self.center).abs();
        self.forecast == now.forecast
            && self.token == now.token
            && self.tick == now.tick
            && self.order_type == now.order_type
            && drift <= self.tick.as_decimal() * Decimal::from(REARM_DRIFT_TICKS)
            && now.armed_at_ms.saturating_sub(self.armed_at_ms) < ARM_MAX_AGE_MS
    }

    /// Whether the set is for the engine order `order` (its number, side, leg and size).
    pub(crate) fn forecast_fits(&self, order: &OrderRequest) -> bool {
        self.forecast.id == order.id
            && self.forecast.side == order.side
            && self.forecast.leg == order.leg
            && self.forecast.size == order.size
    }

    /// Whether an order of this set may stand for `order`, priced by the book as `spec`.
    pub(crate) fn fits(&self, order: &OrderRequest, spec: &OrderSpec) -> bool {
        self.forecast_fits(order)
            && self.token == spec.token_id
            && self.tick == spec.tick_size
            && self.order_type == spec.order_type
    }
}

/// Takes the installed set out for `order` (an order is being placed: the set was for it, or
/// is stale). When the set for this very order is still being armed, claims it instead: the
/// arming hands it over once journaled, which is sooner than signing and journaling anew.
pub(crate) fn armory_take(armory: &std::sync::Mutex<Armory>, order: &OrderRequest) -> Taken {
    let mut armory = armory_of(armory);
    let arming = armory.set.is_none()
        && armory.task.as_ref().is_some_and(|task| !task.is_finished())
        && armory
            .wanted
            .as_ref()
            .is_some_and(|key| key.forecast_fits(order));
    armory.wanted = None;
    if arming {
        // The generation stays: the arming in progress is still the one wanted.
        let (claim, arriving) = tokio::sync::oneshot::channel();
        armory.claim = Some(claim);
        return Taken::Arming(arriving);
    }
    armory.generation += 1;
    armory.claim = None;
    armory.set.take().map_or(Taken::Nothing, Taken::Set)
}

/// Signs the set, journals it (retiring the previous one in the same commit) and installs it
/// unless something newer was asked for meanwhile.
pub(crate) async fn arm_set(
    client: Arc<AuthedClient>,
    journal: Journal,
    slot: Arc<std::sync::Mutex<Armory>>,
    key: ArmKey,
    specs: Vec<(Decimal, OrderSpec)>,
    retire: Vec<String>,
    generation: u64,
) {
    // Signing is CPU work (tens of microseconds an order): off the runtime's workers.
    let signed = tokio::task::spawn_blocking(move || {
        specs
            .into_iter()
            .filter_map(|(price, spec)| Some((price, client.prepare_order(&spec).ok()?)))
            .collect::<Vec<_>>()
    })
    .await
    .unwrap_or_default();
    let orders: std::collections::BTreeMap<Decimal, ArmedOrder> = signed
        .into_iter()
        .map(|(price, prepared)| {
            let intent_id = armed_intent_id(&journal.bot_id, key.forecast.id, prepared.order_id());
            (
                price,
                ArmedOrder {
                    intent_id,
                    prepared,
                },
            )
        })
        .collect();
    let intents: Vec<NewOrderIntent> = orders
        .iter()
        .map(|(price, armed)| NewOrderIntent {
            intent_id: armed.intent_id.clone(),
            bot_id: Some(journal.bot_id.clone()),
            client_order_id: armed.prepared.order_id().to_owned(),
            side: persist::store_side(key.forecast.side),
            token_id: key.token.as_str().to_owned(),
            price: *price,
            size: key.forecast.size,
            order_type: key.order_type.as_str().to_owned(),
        })
        .collect();
    let entries = journal.db.order_journal();
    if let Err(error) = entries
        .record_armed(&intents, &retire, RETIRED, journal.now())
        .await
    {
        // Nothing armed: the trigger takes the slow path. The old set stays `sent` for the
        // next start to look up if retiring it failed too.
        tracing::warn!(bot = %journal.bot_id, %error, "could not arm the next order");
        let mut armory = armory_of(&slot);
        if armory.generation == generation {
            armory.wanted = None;
            // A trigger waiting for this set takes the slow path.
            armory.claim = None;
        }
        return;
    }
    if let Some(stale) = install_armed(&slot, generation, ArmedSet { key, orders }) {
        retire_armed(&journal, &stale.intent_ids()).await;
    }
}

/// Installs a journaled set armed as `generation`, or hands it to the trigger that claimed it;
/// returns it when it is of no use (something newer was asked for, or the claimant gave up
/// waiting), to be retired.
pub(crate) fn install_armed(
    slot: &std::sync::Mutex<Armory>,
    generation: u64,
    set: ArmedSet,
) -> Option<ArmedSet> {
    let mut armory = armory_of(slot);
    if armory.generation != generation {
        Some(set)
    } else if let Some(claim) = armory.claim.take() {
        claim.send(set).err()
    } else {
        armory.set = Some(set);
        None
    }
}

pub(crate) async fn retire_armed(journal: &Journal, intent_ids: &[String]) {
    if intent_ids.is_empty() {
        return;
    }
    if let Err(error) = journal
        .db
        .order_journal()
        .retire_armed(intent_ids, RETIRED, journal.now())
        .await
    {
        // Harmless: the next start looks them up on the exchange and finds them absent.
        tracing::warn!(bot = %journal.bot_id, %error, "could not retire armed orders");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polyagent_engine::Timestamp;
    use polyagent_engine::config::ExecutionStyle;
    use polyagent_engine::event::Leg;

    fn order(id: u64) -> OrderRequest {
        OrderRequest {
            id: OrderId(id),
            leg: Leg::Primary,
            side: Side::Buy,
            size: Decimal::TEN,
            limit: Decimal::new(46, 2),
            reason: "spike".into(),
            placed_at: Timestamp::from_secs(0),
            style: ExecutionStyle::default(),
        }
    }

    fn key(id: u64) -> ArmKey {
        ArmKey {
            forecast: OrderForecast {
                id: OrderId(id),
                leg: Leg::Primary,
                side: Side::Buy,
                size: Decimal::TEN,
            },
            token: TokenId::new("1001").unwrap(),
            tick: TickSize::Hundredth,
            order_type: OrderType::Fak,
            center: Decimal::new(51, 2),
            armed_at_ms: 0,
        }
    }

    fn set(id: u64) -> ArmedSet {
        ArmedSet {
            key: key(id),
            orders: Default::default(),
        }
    }

    /// An armory whose set for order `id` is being armed as generation 1.
    fn arming(id: u64) -> std::sync::Mutex<Armory> {
        std::sync::Mutex::new(Armory {
            generation: 1,
            wanted: Some(key(id)),
            set: None,
            task: Some(tokio::spawn(std::future::pending())),
            claim: None,
        })
    }

    #[tokio::test]
    async fn a_trigger_during_the_arming_of_its_order_gets_that_set_once_journaled() {
        let armory = arming(7);
        let Taken::Arming(arriving) = armory_take(&armory, &order(7)) else {
            panic!("the trigger should claim the arming in progress");
        };
        // The arming is still the current one: its set goes to the trigger, not the shelf.
        assert!(install_armed(&armory, 1, set(7)).is_none());
        assert_eq!(arriving.await.unwrap().key, key(7));
        assert!(armory_of(&armory).set.is_none());
    }

    #[tokio::test]
    async fn a_set_armed_for_another_order_or_too_late_is_handed_back_for_retiring() {
        // The arming is for order 7; order 8 comes: nothing to wait for, the arming goes stale.
        let armory = arming(7);
        assert!(matches!(armory_take(&armory, &order(8)), Taken::Nothing));
        assert_eq!(
            install_armed(&armory, 1, set(7)).map(|s| s.key),
            Some(key(7))
        );

        // The trigger gave up waiting (its claim dropped): the set comes back to be retired.
        let armory = arming(7);
        drop(armory_take(&armory, &order(7)));
        assert_eq!(
            install_armed(&armory, 1, set(7)).map(|s| s.key),
            Some(key(7))
        );

        // A re-arm or a stop moved the generation on: the claimant hears nothing more.
        let armory = arming(7);
        let Taken::Arming(arriving) = armory_take(&armory, &order(7)) else {
            panic!("claimed");
        };
        {
            let mut armory = armory_of(&armory);
            armory.generation += 1;
            armory.claim = None;
        }
        assert!(install_armed(&armory, 1, set(7)).is_some());
        assert!(arriving.await.is_err());
    }

    #[tokio::test]
    async fn an_installed_set_is_taken_whole() {
        let armory = arming(7);
        assert!(install_armed(&armory, 1, set(7)).is_none());
        let Taken::Set(taken) = armory_take(&armory, &order(7)) else {
            panic!("the installed set");
        };
        assert_eq!(taken.key, key(7));
        assert!(matches!(armory_take(&armory, &order(7)), Taken::Nothing));
    }
}
