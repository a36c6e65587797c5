//! Spike Sam fades sudden moves.
//!
//! - a drop beyond the threshold: buy the outcome (expecting a bounce), or, when holding the
//!   other outcome, sell it (for it, the same move was a rise);
//! - a rise beyond the threshold: sell an open position, or buy the other outcome when the
//!   bot trades both sides;
//! - smaller moves, and moves inside choppy windows (see [`crate::spike`]), are ignored.
//!
//! Invariant: a spike is traded once. When an order of ours completes, the price history
//! that produced the spike is dropped, so the same move cannot trigger again after the
//! cooldown; the next trade needs a new move measured from after the fill.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Strategy, View, buy_at_ask, sell_all_at_bid};
use crate::Timestamp;
use crate::config::BotConfig;
use crate::event::{Decision, Event, Leg};
use crate::spike::{Direction, Spike, SpikeDetector};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpikeSam {
    detector: SpikeDetector,
    threshold_pct: Decimal,
    both_sides: bool,
    /// Whether the move beyond the threshold now in progress was already reported, so it is
    /// reported once rather than on every tick it lasts.
    #[serde(default)]
    reported: bool,
}

impl SpikeSam {
    pub fn detector(&self) -> &SpikeDetector {
        &self.detector
    }

    fn react(&self, view: &View<'_>, spike: Spike) -> Option<Decision> {
        let quote = view.quote?;
        let what = format!(
            "spike {:+}% in {} min",
            spike.pct.round_dp(2),
            spike.window_mins
        );
        match (spike.direction, view.position.map(|p| p.leg)) {
            (Direction::Down, None) => {
                buy_at_ask(view, quote, Leg::Primary, format!("{what}: buy the dip"))
            }
            (Direction::Down, Some(Leg::Complement)) | (Direction::Up, Some(Leg::Primary)) => {
                sell_all_at_bid(view.position?, quote, format!("{what}: fade it, sell"))
            }
            (Direction::Up, None) if self.both_sides => buy_at_ask(
                view,
                quote,
                Leg::Complement,
                format!("{what}: fade it, buy the other outcome"),
            ),
            _ => None,
        }
    }
}

impl Strategy for SpikeSam {
    fn from_config(config: &BotConfig) -> Self {
        let p = &config.params;
        Self {
            detector: SpikeDetector::new(
                &p.spike_windows_mins,
                p.min_window_samples,
                p.max_window_cv,
            ),
            threshold_pct: p.spike_threshold_pct,
            both_sides: p.trade_both_sides,
            reported: false,
        }
    }

    fn on_event(&mut self, view: &View<'_>, event: &Event, now: Timestamp) -> Vec<Decision> {
        match event {
            Event::Tick(q) => {
                self.detector.push(now, q.price);
                let spike = self.detector.spike_beyond(self.threshold_pct);
                let mut out = Vec::new();
                match spike {
                    Some(s) if !self.reported => {
                        self.reported = true;
                        out.push(Decision::Spike(s));
                    }
                    Some(_) => {}
                    None => self.reported = false,
                }
                if !view.order_open {
                    out.extend(spike.and_then(|s| self.react(view, s)));
                }
                out
            }
            Event::Fill(f) if f.last => {
                self.detector = SpikeDetector::new(
                    &view.config.params.spike_windows_mins,
                    view.config.params.min_window_samples,
                    view.config.params.max_window_cv,
                );
                Vec::new()
            }
            _ => Vec::new(),
        }
    }
}
