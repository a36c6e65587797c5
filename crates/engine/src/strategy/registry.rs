//! The strategy registry: one line per strategy.
//!
//! The macro builds [`AnyStrategy`] (an enum, so a bot's strategy state stays `Clone` +
//! serde, tagged by the strategy's registered name), [`names`], [`is_known`] and [`build`].

use serde::{Deserialize, Serialize};

use super::{Strategy, View};
use crate::Timestamp;
use crate::config::BotConfig;
use crate::event::{Decision, Event};

macro_rules! registry {
    ($($name:literal => $variant:ident($ty:ty),)*) => {
        /// Any registered strategy, with its state.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "strategy")]
        pub enum AnyStrategy {
            $(#[serde(rename = $name)] $variant($ty),)*
        }

        /// Registered names, as configs spell them.
        pub fn names() -> &'static [&'static str] {
            &[$($name),*]
        }

        /// A fresh strategy named `name`, or `None` if no such strategy is registered.
        pub fn build(name: &str, config: &BotConfig) -> Option<AnyStrategy> {
            match name {
                $($name => Some(AnyStrategy::$variant(<$ty as Strategy>::from_config(config))),)*
                _ => None,
            }
        }

        impl AnyStrategy {
            pub fn name(&self) -> &'static str {
                match self {
                    $(AnyStrategy::$variant(_) => $name,)*
                }
            }

            pub fn on_event(&mut self, view: &View<'_>, event: &Event, now: Timestamp) -> Vec<Decision> {
                match self {
                    $(AnyStrategy::$variant(s) => s.on_event(view, event, now),)*
                }
            }
        }
    };
}

registry! {
    "spike-sam" => SpikeSam(super::spike_sam::SpikeSam),
    "train-of-trade" => TrainOfTrade(super::train::TrainOfTrade),
}

pub fn is_known(name: &str) -> bool {
    names().contains(&name)
}
