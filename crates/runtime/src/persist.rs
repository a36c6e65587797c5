//! What the runtime saves of a bot, and when.
//!
//! Invariants:
//! - a bot's whole state (spec, execution plan, market terms, engine, paper account) is one
//!   JSON document in the store, replaced in the same transaction as the fills and journal
//!   settlement that changed it ([`polyagent_store::Database::save_bot_progress`]);
//! - it is saved after every lifecycle command, every execution result (fill or rejection),
//!   and every pause or resume; ticks alone are not saved (the next tick rebuilds the quote),
//!   so persistence costs nothing on the market-data path;
//! - live order ids in the journal are `"{bot id}:{engine order number}"`: engine order
//!   numbers are saved with the engine and never reused, so an intent id names one order
//!   for ever.

use polyagent_domain::text::quoted;
use polyagent_domain::trading::TickSize;
use polyagent_engine::bot::BotEngine;
use polyagent_engine::config::BotSpec;
use polyagent_engine::event::{Leg, OrderId};
use polyagent_engine::paper::{FeeCurve, PaperAccount};
use polyagent_store::{BotProgress, IntentSettlement, NewFill, PositionState};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::api_error::{ApiError, ErrorCode};

/// How a bot executes, as saved and as the wizard and `polyagent bot create` choose it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "mode", rename_all = "camelCase")]
pub enum ExecutionPlan {
    /// Simulated fills against the live book from a virtual balance of `cash` pUSD
    /// (a decimal as text).
    Paper { cash: String },
    /// Real orders from the wallet the spec names.
    Live,
}

impl ExecutionPlan {
    pub fn is_live(&self) -> bool {
        matches!(self, ExecutionPlan::Live)
    }

    pub(crate) fn paper_cash(&self) -> Result<Option<Decimal>, ApiError> {
        match self {
            ExecutionPlan::Live => Ok(None),
            ExecutionPlan::Paper { cash } => {
                let value = Decimal::from_str_exact(cash.trim()).map_err(|_| {
                    ApiError::new(
                        ErrorCode::InvalidConfig,
                        format!(
                            "paper cash must be a decimal amount of pUSD, got {}",
                            quoted(cash)
                        ),
                    )
                })?;
                if value <= Decimal::ZERO {
                    return Err(ApiError::new(
                        ErrorCode::InvalidConfig,
                        format!("paper cash must be above 0 pUSD, got {value}"),
                    ));
                }
                Ok(Some(value))
            }
        }
    }
}

/// The market facts orders need, looked up when the bot is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketTerms {
    pub condition_id: String,
    pub question: String,
    /// The outcome the bot's token stands for ("Yes", "No", a team…).
    pub outcome: String,
    /// The tick as text (`"0.01"`).
    pub tick: String,
    pub neg_risk: bool,
    /// 2 (Exchange V2 contracts) or 3 (Exchange V3).
    pub order_protocol: u64,
    pub fees: FeeCurve,
}

impl MarketTerms {
    pub(crate) fn tick(&self) -> TickSize {
        self.tick.parse().unwrap_or(TickSize::Hundredth)
    }
}

/// Everything saved about one bot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedBot {
    pub spec: BotSpec,
    pub execution: ExecutionPlan,
    pub market: MarketTerms,
    /// The wallet address live orders are signed with (lowercase `0x…`); `None` on paper.
    pub wallet_address: Option<String>,
    pub engine: BotEngine,
    pub paper: Option<PaperAccount>,
}

/// The store's spelling of an engine side.
pub(crate) fn store_side(side: polyagent_engine::event::Side) -> polyagent_store::Side {
    match side {
        polyagent_engine::event::Side::Buy => polyagent_store::Side::Buy,
        polyagent_engine::event::Side::Sell => polyagent_store::Side::Sell,
    }
}

/// The journal's id for an engine order of a bot.
pub(crate) fn intent_id(bot_id: &str, order: OrderId) -> String {
    format!("{bot_id}:{}", order.0)
}

/// The engine order an intent id of this bot names, if it is one of this bot's.
/// Armed intents (`"{bot id}:{number}/armed-…"`, see `live.rs`) name their engine order too.
pub(crate) fn order_of_intent(bot_id: &str, intent_id: &str) -> Option<OrderId> {
    let rest = intent_id.strip_prefix(bot_id)?.strip_prefix(':')?;
    let number = rest.split_once('/').map_or(rest, |(number, _)| number);
    number.parse().ok().map(OrderId)
}

/// Whether an intent id names an armed order (signed and journaled ahead of its trigger).
pub(crate) fn is_armed_intent(intent_id: &str) -> bool {
    intent_id.contains("/armed-")
}

/// The progress record for the bot as it stands, with what changed it.
pub(crate) fn progress(
    bot_id: &str,
    saved: &SavedBot,
    fills: Vec<NewFill>,
    settlement: Option<IntentSettlement>,
) -> Result<BotProgress, ApiError> {
    let state = serde_json::to_string(saved).map_err(|e| {
        ApiError::new(
            ErrorCode::Internal,
            format!("the bot's state could not be saved: {e}"),
        )
    })?;
    let ledger = saved.engine.ledger();
    let total = ledger.total();
    let held = ledger.position();
    let token_of = |leg: Leg| match leg {
        Leg::Primary => Some(saved.spec.token_id.clone()),
        Leg::Complement => saved.spec.complement_token_id.clone(),
    };
    // One row per token the bot trades; the held one carries the shares.
    let mut positions = Vec::new();
    for leg in [Leg::Primary, Leg::Complement] {
        let Some(token_id) = token_of(leg) else {
            continue;
        };
        let holding = held.filter(|p| p.leg == leg);
        positions.push(PositionState {
            token_id,
            size: holding.map_or(Decimal::ZERO, |p| p.shares),
            average_entry_price: holding.map_or(Decimal::ZERO, |p| p.avg_entry().round_dp(6)),
            realized_pnl: if leg == Leg::Primary {
                total.realized_pnl
            } else {
                Decimal::ZERO
            },
            fees_paid: if leg == Leg::Primary {
                total.fees
            } else {
                Decimal::ZERO
            },
        });
    }
    Ok(BotProgress {
        bot_id: bot_id.to_owned(),
        status: saved.engine.status().name().to_owned(),
        state,
        fills,
        settlement,
        positions,
        activity: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intent_ids_name_one_order_of_one_bot() {
        let id = intent_id("bot-0007", OrderId(12));
        assert_eq!(id, "bot-0007:12");
        assert_eq!(order_of_intent("bot-0007", &id), Some(OrderId(12)));
        assert_eq!(order_of_intent("bot-0070", &id), None);
        assert_eq!(order_of_intent("bot-000", &id), None);
        let armed = crate::arming::armed_intent_id("bot-0007", OrderId(12), "0xabcdef0123456789ff");
        assert_eq!(armed, "bot-0007:12/armed-abcdef0123456789");
        assert_eq!(order_of_intent("bot-0007", &armed), Some(OrderId(12)));
        assert!(is_armed_intent(&armed) && !is_armed_intent(&id));
    }

    #[test]
    fn a_manual_amount_is_a_positive_decimal_or_the_trade_size() {
        use crate::Runtime;
        assert_eq!(Runtime::parse_amount(None).unwrap(), None);
        assert_eq!(Runtime::parse_amount(Some(" ")).unwrap(), None);
        assert_eq!(
            Runtime::parse_amount(Some("12.5")).unwrap(),
            Some(Decimal::new(125, 1))
        );
        for bad in ["0", "-1", "1e3", "NaN", "ten"] {
            let error = Runtime::parse_amount(Some(bad)).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidInput, "{bad}");
        }
    }

    #[test]
    fn paper_cash_must_be_a_positive_decimal() {
        let plan = |cash: &str| ExecutionPlan::Paper { cash: cash.into() };
        assert_eq!(plan("100").paper_cash().unwrap(), Some(Decimal::from(100)));
        for bad in ["0", "-5", "abc", "", "NaN", "1e3"] {
            let error = plan(bad).paper_cash().unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidConfig, "{bad}");
        }
        assert_eq!(ExecutionPlan::Live.paper_cash().unwrap(), None);
    }
}
