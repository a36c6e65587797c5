//! The risk layer: exits, cooldown, exposure and daily limits, and the killswitch, as pure
//! functions the engine applies on every event, whatever the strategy.
//!
//! Invariants:
//! - exits (take profit, stop loss, time exit) are checked on every tick while holding and
//!   are never blocked by cooldown, limits or a pause: getting out is always allowed;
//! - entries are blocked by the first of: killswitch, cooldown, daily loss, trades per day,
//!   exposure per bot, overall exposure; the block says why;
//! - an entry whose price is so far above the displayed price that the position would open
//!   already past its stop loss is refused ([`spread_block`]): on wide books it would be
//!   bought at the ask and sold at the bid on the very same tick;
//! - reaching the daily loss or trade count pauses the bot until the next UTC day;
//! - nothing here reads a clock or keeps hidden state: [`RiskState`] is the whole state.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::config::{DailyLimits, TradingParams};
use crate::ledger::{Position, Stats};

/// Why an open position must be sold now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExitReason {
    TakeProfit { pnl_pct: Decimal },
    StopLoss { pnl_pct: Decimal },
    TimeExit { held_secs: u64 },
}

impl ExitReason {
    pub fn describe(&self) -> String {
        match self {
            ExitReason::TakeProfit { pnl_pct } => {
                format!("take profit at {:+}%", pnl_pct.round_dp(2))
            }
            ExitReason::StopLoss { pnl_pct } => format!("stop loss at {:+}%", pnl_pct.round_dp(2)),
            ExitReason::TimeExit { held_secs } => format!("time exit after {held_secs} s"),
        }
    }
}

/// Take profit, then stop loss, then time exit; `mark` is the leg's displayed price.
pub fn exit_signal(
    params: &TradingParams,
    position: &Position,
    mark: Decimal,
    now: Timestamp,
) -> Option<ExitReason> {
    let pnl_pct = position.unrealized_pct(mark);
    if pnl_pct >= params.take_profit_pct {
        return Some(ExitReason::TakeProfit { pnl_pct });
    }
    if pnl_pct <= -params.stop_loss_pct {
        return Some(ExitReason::StopLoss { pnl_pct });
    }
    let held_secs = now.secs_since(position.opened_at);
    (held_secs >= params.max_hold_secs).then_some(ExitReason::TimeExit { held_secs })
}

/// The portfolio-wide emergency stop. The runtime acts on it (cancels, flattens); the
/// engine only refuses to place new orders while it is tripped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Killswitch {
    #[default]
    Armed,
    Tripped {
        reason: String,
        at: Timestamp,
    },
}

impl Killswitch {
    pub fn is_tripped(&self) -> bool {
        matches!(self, Killswitch::Tripped { .. })
    }
}

/// What the other bots contribute to the global limits (the runtime sums them). A backtest
/// of one bot passes the default: nobody else.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Others {
    pub realized_pnl_today: Decimal,
    pub fills_today: u32,
    pub exposure: Decimal,
}

/// The view of the world beyond this bot that risk needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlobalView {
    pub limits: DailyLimits,
    pub others: Others,
    pub killswitch: Killswitch,
}

/// Why a new entry was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    Killswitch {
        reason: String,
    },
    Cooldown {
        until: Timestamp,
    },
    DailyLoss {
        loss: Decimal,
        limit: Decimal,
    },
    TradesPerDay {
        fills: u32,
        limit: u32,
    },
    ExposurePerBot {
        after: Decimal,
        limit: Decimal,
    },
    ExposureTotal {
        after: Decimal,
        limit: Decimal,
    },
    SpreadTooWide {
        limit: Decimal,
        price: Decimal,
        loss_pct: Decimal,
    },
}

impl Block {
    pub fn describe(&self) -> String {
        match self {
            Block::Killswitch { reason } => format!("killswitch tripped: {reason}"),
            Block::Cooldown { until } => format!("cooling down until {until} UTC"),
            Block::DailyLoss { loss, limit } => {
                format!("daily loss {loss} pUSD reached the {limit} pUSD limit")
            }
            Block::TradesPerDay { fills, limit } => {
                format!("{fills} fills today reached the {limit} per-day limit")
            }
            Block::ExposurePerBot { after, limit } => {
                format!("exposure would be {after} pUSD, above this bot's {limit} pUSD limit")
            }
            Block::ExposureTotal { after, limit } => {
                format!("total exposure would be {after} pUSD, above the {limit} pUSD limit")
            }
            Block::SpreadTooWide {
                limit,
                price,
                loss_pct,
            } => format!(
                "buying at {limit} with the price at {price} opens {:+}% down, past the stop loss",
                (-*loss_pct).round_dp(2)
            ),
        }
    }

    /// Daily limits pause the bot for the day; the others only skip this entry.
    pub fn pauses_for_the_day(&self) -> bool {
        matches!(self, Block::DailyLoss { .. } | Block::TradesPerDay { .. })
    }
}

/// The risk layer's own memory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskState {
    pub cooldown_until: Option<Timestamp>,
}

impl RiskState {
    /// Starts the cooldown after a fill.
    pub fn note_fill(&mut self, params: &TradingParams, now: Timestamp) {
        self.cooldown_until = Some(now.plus_secs(params.cooldown_secs));
    }
}

/// A daily limit reached by this bot's `today` plus the others', if any.
pub fn daily_limit(global: &GlobalView, today: &Stats) -> Option<Block> {
    let loss = -(today.realized_pnl + global.others.realized_pnl_today);
    if loss >= global.limits.max_daily_loss {
        return Some(Block::DailyLoss {
            loss,
            limit: global.limits.max_daily_loss,
        });
    }
    let fills = today.fills + global.others.fills_today;
    if fills >= global.limits.max_trades_per_day {
        return Some(Block::TradesPerDay {
            fills,
            limit: global.limits.max_trades_per_day,
        });
    }
    None
}

/// Refuses a buy at `limit` when marking it at the displayed `price` would already be a
/// stop loss (fees not counted: this is about the spread alone).
pub fn spread_block(params: &TradingParams, limit: Decimal, price: Decimal) -> Option<Block> {
    if limit <= Decimal::ZERO {
        return None;
    }
    let loss_pct = (limit - price) * Decimal::ONE_HUNDRED / limit;
    (loss_pct >= params.stop_loss_pct).then_some(Block::SpreadTooWide {
        limit,
        price,
        loss_pct,
    })
}

/// Whether a buy of `amount` pUSD may be placed now.
pub fn entry_block(
    state: &RiskState,
    global: &GlobalView,
    today: &Stats,
    own_exposure: Decimal,
    amount: Decimal,
    now: Timestamp,
) -> Option<Block> {
    if let Killswitch::Tripped { reason, .. } = &global.killswitch {
        return Some(Block::Killswitch {
            reason: reason.clone(),
        });
    }
    if let Some(until) = state.cooldown_until.filter(|u| now < *u) {
        return Some(Block::Cooldown { until });
    }
    if let Some(block) = daily_limit(global, today) {
        return Some(block);
    }
    let after = own_exposure + amount;
    if after > global.limits.max_exposure_per_bot {
        return Some(Block::ExposurePerBot {
            after,
            limit: global.limits.max_exposure_per_bot,
        });
    }
    let after = after + global.others.exposure;
    if after > global.limits.max_exposure_total {
        return Some(Block::ExposureTotal {
            after,
            limit: global.limits.max_exposure_total,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Leg;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn held(price: &str) -> Position {
        Position {
            leg: Leg::Primary,
            shares: d("10"),
            notional: d("10") * d(price),
            fees: Decimal::ZERO,
            opened_at: Timestamp(0),
        }
    }

    #[test]
    fn exits_fire_at_their_thresholds() {
        let p = TradingParams::defaults();
        let pos = held("0.50");
        let t = Timestamp::from_secs(60);
        assert_eq!(exit_signal(&p, &pos, d("0.52"), t), None);
        assert!(matches!(
            exit_signal(&p, &pos, d("0.525"), t),
            Some(ExitReason::TakeProfit { .. })
        ));
        assert_eq!(exit_signal(&p, &pos, d("0.486"), t), None);
        assert!(matches!(
            exit_signal(&p, &pos, d("0.485"), t),
            Some(ExitReason::StopLoss { .. })
        ));
        assert_eq!(
            exit_signal(&p, &pos, d("0.50"), Timestamp::from_secs(3599)),
            None
        );
        assert_eq!(
            exit_signal(&p, &pos, d("0.50"), Timestamp::from_secs(3600)),
            Some(ExitReason::TimeExit { held_secs: 3600 })
        );
    }

    #[test]
    fn entries_are_blocked_with_a_reason() {
        let global = GlobalView::default();
        let mut state = RiskState::default();
        let now = Timestamp::from_secs(1000);
        assert_eq!(
            entry_block(
                &state,
                &global,
                &Stats::default(),
                Decimal::ZERO,
                d("5"),
                now
            ),
            None
        );
        state.note_fill(&TradingParams::defaults(), now);
        assert_eq!(
            entry_block(
                &state,
                &global,
                &Stats::default(),
                Decimal::ZERO,
                d("5"),
                now.plus_secs(119)
            ),
            Some(Block::Cooldown {
                until: now.plus_secs(120)
            })
        );
        let later = now.plus_secs(120);
        assert_eq!(
            entry_block(
                &state,
                &global,
                &Stats::default(),
                Decimal::ZERO,
                d("5"),
                later
            ),
            None
        );
        let lost = Stats {
            realized_pnl: d("-50"),
            ..Stats::default()
        };
        let b = entry_block(&state, &global, &lost, Decimal::ZERO, d("5"), later).unwrap();
        assert!(
            b.pauses_for_the_day() && b.describe().contains("daily loss 50"),
            "{}",
            b.describe()
        );
        assert!(matches!(
            entry_block(&state, &global, &Stats::default(), d("46"), d("5"), later),
            Some(Block::ExposurePerBot { .. })
        ));
        let crowded = GlobalView {
            others: Others {
                exposure: d("246"),
                ..Others::default()
            },
            ..GlobalView::default()
        };
        assert!(matches!(
            entry_block(
                &state,
                &crowded,
                &Stats::default(),
                Decimal::ZERO,
                d("5"),
                later
            ),
            Some(Block::ExposureTotal { .. })
        ));
        let busy = GlobalView {
            others: Others {
                fills_today: 100,
                ..Others::default()
            },
            ..GlobalView::default()
        };
        assert!(matches!(
            entry_block(
                &state,
                &busy,
                &Stats::default(),
                Decimal::ZERO,
                d("5"),
                later
            ),
            Some(Block::TradesPerDay { .. })
        ));
        let p = TradingParams::defaults();
        assert_eq!(spread_block(&p, d("0.51"), d("0.50")), None);
        assert!(matches!(
            spread_block(&p, d("0.37"), d("0.35")),
            Some(Block::SpreadTooWide { .. })
        ));
        let killed = GlobalView {
            killswitch: Killswitch::Tripped {
                reason: "user".into(),
                at: now,
            },
            ..GlobalView::default()
        };
        assert!(matches!(
            entry_block(
                &state,
                &killed,
                &Stats::default(),
                Decimal::ZERO,
                d("5"),
                later
            ),
            Some(Block::Killswitch { .. })
        ));
    }
}
