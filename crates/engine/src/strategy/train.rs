//! Train of Trade: a fixed cycle of targets.
//!
//! WANT_TO_BUY with a buy target of `price × (1 − spike threshold)`, set from the price when
//! the bot is (or becomes) flat; when the displayed price reaches it, buy. HAVE_BOUGHT with a
//! sell target of `average entry × (1 + take profit)`; when the price reaches it, sell (the
//! risk layer may sell earlier: stop loss, time exit). Then WANT_TO_BUY again.
//!
//! Invariant: the phase follows the position, not the orders: holding means HAVE_BOUGHT,
//! flat means WANT_TO_BUY, so a rejected or partial order can never desynchronize it.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Strategy, View, buy_at_ask, sell_all_at_bid};
use crate::Timestamp;
use crate::config::BotConfig;
use crate::event::{Decision, Event, Leg, Side, Target};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Phase {
    Idle,
    WantToBuy { target: Decimal },
    HaveBought { target: Decimal },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainOfTrade {
    phase: Phase,
}

impl TrainOfTrade {
    pub fn phase(&self) -> Phase {
        self.phase
    }
}

fn pct_of(value: Decimal, pct: Decimal) -> Decimal {
    value * pct / Decimal::ONE_HUNDRED
}

impl Strategy for TrainOfTrade {
    fn from_config(_: &BotConfig) -> Self {
        Self { phase: Phase::Idle }
    }

    fn on_event(&mut self, view: &View<'_>, event: &Event, _now: Timestamp) -> Vec<Decision> {
        let Some(quote) = view.quote else {
            return Vec::new();
        };
        let p = &view.config.params;
        let mut out = Vec::new();
        // Re-derive the phase from the position (see the module invariant).
        match (view.position, self.phase) {
            (Some(pos), Phase::Idle | Phase::WantToBuy { .. }) => {
                let target = pos.avg_entry() + pct_of(pos.avg_entry(), p.take_profit_pct);
                self.phase = Phase::HaveBought { target };
                out.push(Decision::SetTarget(Target {
                    side: Side::Sell,
                    leg: pos.leg,
                    price: target,
                }));
            }
            (None, Phase::Idle | Phase::HaveBought { .. }) => {
                let target = quote.price - pct_of(quote.price, p.spike_threshold_pct);
                self.phase = Phase::WantToBuy { target };
                out.push(Decision::SetTarget(Target {
                    side: Side::Buy,
                    leg: Leg::Primary,
                    price: target,
                }));
            }
            _ => {}
        }
        if view.order_open || !matches!(event, Event::Tick(_)) {
            return out;
        }
        match (self.phase, view.position) {
            (Phase::WantToBuy { target }, None) if quote.price <= target => {
                out.extend(buy_at_ask(
                    view,
                    quote,
                    Leg::Primary,
                    format!(
                        "price {} reached the buy target {}",
                        quote.price,
                        target.round_dp(4)
                    ),
                ));
            }
            (Phase::HaveBought { target }, Some(pos)) if quote.for_leg(pos.leg).price >= target => {
                out.extend(sell_all_at_bid(
                    pos,
                    quote,
                    format!("price reached the sell target {}", target.round_dp(4)),
                ));
            }
            _ => {}
        }
        out
    }
}
