//! A bot's configuration: defaults → trading profile → per-bot overrides → validated config.
//!
//! Invariants:
//! - a [`BotConfig`] only exists validated: [`BotSpec::resolve`] is its only constructor
//!   (serde can read one back, and [`BotConfig::validate`] is public for that path);
//! - invalid values are refused with a field-named error, never clamped: a spike threshold of
//!   0 or a negative trade size is a mistake the user must see, not silently "fixed";
//! - every field of [`TradingParams`] has a one-line description in [`field_docs`], which the
//!   UI shows next to the input (a test keeps the table complete);
//! - percentages are in percent (`5` means 5 %), sizes in pUSD, durations in seconds, all
//!   decimals exact and written as JSON strings so no float parser ever touches them.

use std::fmt;

use polyagent_domain::trading::TokenId;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ceilings;

/// The trading profiles, from the most patient to the fastest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// Wide thresholds, long holds, long cooldowns: fewer and larger-moves-only trades.
    Conservative,
    /// The everyday profile; paper money by default.
    Normal,
    /// Tuned for real money: a little tighter and faster than `normal`, and not a dry run.
    Live,
    /// Tight thresholds and short holds: many small trades, most sensitive to fees.
    Edge,
}

impl Profile {
    pub const ALL: [Profile; 4] = [
        Profile::Conservative,
        Profile::Normal,
        Profile::Live,
        Profile::Edge,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Profile::Conservative => "conservative",
            Profile::Normal => "normal",
            Profile::Live => "live",
            Profile::Edge => "edge",
        }
    }

    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == text.trim())
            .ok_or_else(|| {
                ConfigError::single(
                    "profile",
                    format!(
                        "unknown profile {text:?}; expected one of conservative, normal, live, edge"
                    ),
                )
            })
    }

    /// The profile's parameters before any per-bot override.
    pub fn params(self) -> TradingParams {
        let base = TradingParams::defaults();
        match self {
            Profile::Normal => base,
            Profile::Live => TradingParams {
                spike_threshold_pct: dec(25, 1),
                take_profit_pct: dec(4, 0),
                stop_loss_pct: dec(25, 1),
                trade_size: dec(10, 0),
                max_hold_secs: 1800,
                cooldown_secs: 60,
                dry_run: false,
                ..base
            },
            Profile::Edge => TradingParams {
                spike_threshold_pct: dec(15, 1),
                take_profit_pct: dec(25, 1),
                stop_loss_pct: dec(15, 1),
                trade_size: dec(5, 0),
                max_hold_secs: 900,
                cooldown_secs: 30,
                spike_windows_mins: vec![5, 15, 30],
                max_window_cv: dec(4, 2),
                ..base
            },
            Profile::Conservative => TradingParams {
                spike_threshold_pct: dec(5, 0),
                take_profit_pct: dec(8, 0),
                stop_loss_pct: dec(4, 0),
                trade_size: dec(5, 0),
                max_hold_secs: 7200,
                cooldown_secs: 600,
                spike_windows_mins: vec![30, 60, 120],
                max_window_cv: dec(3, 2),
                ..base
            },
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

const fn dec(mantissa: u32, scale: u32) -> Decimal {
    Decimal::from_parts(mantissa, 0, 0, false, scale)
}

/// How a bot's orders meet the book.
///
/// Serialized as `{"style": "fak"}`, `{"style": "fok"}` or
/// `{"style": "resting", "ttl_secs": 300}`; a config without it is FAK (as every bot was
/// before the setting existed).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, specta::Type,
)]
#[serde(tag = "style", rename_all = "snake_case", deny_unknown_fields)]
pub enum ExecutionStyle {
    /// Marketable, fill-and-kill: takes what the book has up to the limit, cancels the rest.
    #[default]
    Fak,
    /// Marketable, fill-or-kill: all of it up to the limit, or nothing.
    Fok,
    /// A resting GTC limit order at the target (or limit) price: it trades as the market
    /// comes to it, partial fills are booked as they happen, and what is left after
    /// `ttl_secs` is cancelled. Risk exits still sell marketable (FAK).
    Resting {
        #[specta(type = u32)]
        ttl_secs: u64,
    },
}

impl ExecutionStyle {
    /// The style of an order that must trade now (risk exits, closing by hand).
    pub fn marketable(self) -> ExecutionStyle {
        match self {
            ExecutionStyle::Resting { .. } => ExecutionStyle::Fak,
            other => other,
        }
    }

    pub fn rests(self) -> bool {
        matches!(self, ExecutionStyle::Resting { .. })
    }
}

/// What a strategy and the risk layer need to trade one market.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TradingParams {
    pub spike_threshold_pct: Decimal,
    pub take_profit_pct: Decimal,
    pub stop_loss_pct: Decimal,
    pub trade_size: Decimal,
    pub max_hold_secs: u64,
    pub cooldown_secs: u64,
    pub dry_run: bool,
    pub spike_windows_mins: Vec<u32>,
    pub min_window_samples: u32,
    pub max_window_cv: Decimal,
    pub trade_both_sides: bool,
    /// Absent in configs saved before it existed: FAK, as they traded.
    #[serde(default)]
    pub execution: ExecutionStyle,
}

impl TradingParams {
    /// The defaults every profile starts from (they are the `normal` profile).
    pub fn defaults() -> Self {
        Self {
            spike_threshold_pct: dec(3, 0),
            take_profit_pct: dec(5, 0),
            stop_loss_pct: dec(3, 0),
            trade_size: dec(5, 0),
            max_hold_secs: 3600,
            cooldown_secs: 120,
            dry_run: true,
            spike_windows_mins: vec![10, 30, 60],
            min_window_samples: 3,
            // 5 %: a market quoted at 0.50 wobbling a cent either way has a CV near 1 %, one
            // swinging between 0.45 and 0.55 near 10 %.
            max_window_cv: dec(5, 2),
            trade_both_sides: false,
            execution: ExecutionStyle::Fak,
        }
    }

    /// Every problem with these parameters, field by field.
    pub fn problems(&self) -> Vec<FieldError> {
        let mut out = Vec::new();
        let mut bad = |field: &'static str, reason: String| out.push(FieldError { field, reason });
        let pct = |v: Decimal| v > Decimal::ZERO;
        if !pct(self.spike_threshold_pct) || self.spike_threshold_pct >= Decimal::ONE_HUNDRED {
            bad(
                "spike_threshold_pct",
                format!(
                    "must be above 0 and below 100, got {}",
                    self.spike_threshold_pct
                ),
            );
        }
        if !pct(self.take_profit_pct) {
            bad(
                "take_profit_pct",
                format!("must be above 0, got {}", self.take_profit_pct),
            );
        }
        if !pct(self.stop_loss_pct) || self.stop_loss_pct >= Decimal::ONE_HUNDRED {
            bad(
                "stop_loss_pct",
                format!("must be above 0 and below 100, got {}", self.stop_loss_pct),
            );
        }
        if self.trade_size <= Decimal::ZERO {
            bad(
                "trade_size",
                format!("must be a positive pUSD amount, got {}", self.trade_size),
            );
        } else if self.trade_size < dec(1, 2) {
            bad(
                "trade_size",
                format!(
                    "{} is below the 0.01 lot and would round to nothing",
                    self.trade_size
                ),
            );
        }
        for ceiling in [
            ceilings::above("trade_size", self.trade_size, ceilings::MAX_TRADE_SIZE),
            ceilings::above(
                "take_profit_pct",
                self.take_profit_pct,
                ceilings::MAX_TAKE_PROFIT_PCT,
            ),
        ]
        .into_iter()
        .flatten()
        {
            bad(ceiling.field, ceiling.reason);
        }
        if self.max_hold_secs == 0 {
            bad("max_hold_secs", "must be at least 1 second".into());
        }
        for (field, secs) in [
            ("max_hold_secs", self.max_hold_secs),
            ("cooldown_secs", self.cooldown_secs),
        ] {
            if secs > MAX_SECS {
                bad(
                    field,
                    format!("must be at most {MAX_SECS} seconds (365 days)"),
                );
            }
        }
        for (field, v) in [
            ("spike_threshold_pct", self.spike_threshold_pct),
            ("take_profit_pct", self.take_profit_pct),
            ("stop_loss_pct", self.stop_loss_pct),
            ("trade_size", self.trade_size),
            ("max_window_cv", self.max_window_cv),
        ] {
            if let Some(reason) = too_precise(v) {
                bad(field, reason);
            }
        }
        if self.spike_windows_mins.is_empty() {
            bad("spike_windows_mins", "needs at least one window".into());
        } else if self.spike_windows_mins.contains(&0) {
            bad(
                "spike_windows_mins",
                "a window of 0 minutes holds no history".into(),
            );
        }
        if self.min_window_samples < 2 {
            bad(
                "min_window_samples",
                format!(
                    "a move needs at least 2 samples, got {}",
                    self.min_window_samples
                ),
            );
        }
        if let ExecutionStyle::Resting { ttl_secs: 0 } = self.execution {
            bad(
                "execution",
                "a resting order needs a time-to-live of at least 1 second".into(),
            );
        }
        if self.max_window_cv <= Decimal::ZERO {
            bad(
                "max_window_cv",
                format!(
                    "must be above 0 (0 would skip every window), got {}",
                    self.max_window_cv
                ),
            );
        }
        out
    }
}

/// Per-bot changes on top of a profile; absent fields keep the profile's value.
///
/// For the generated TypeScript, decimals are `string` (serde writes them as text) and
/// durations in seconds `number` (specta refuses 64-bit integers; none comes near 2^53).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields, default)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[specta(type = Option<String>)]
    pub spike_threshold_pct: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[specta(type = Option<String>)]
    pub take_profit_pct: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[specta(type = Option<String>)]
    pub stop_loss_pct: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[specta(type = Option<String>)]
    pub trade_size: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[specta(type = Option<u32>)]
    pub max_hold_secs: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[specta(type = Option<u32>)]
    pub cooldown_secs: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spike_windows_mins: Option<Vec<u32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_window_samples: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[specta(type = Option<String>)]
    pub max_window_cv: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trade_both_sides: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution: Option<ExecutionStyle>,
}

impl Overrides {
    pub fn apply(&self, mut p: TradingParams) -> TradingParams {
        macro_rules! take {
            ($($f:ident),*) => { $( if let Some(v) = &self.$f { p.$f = v.clone(); } )* };
        }
        take!(
            spike_threshold_pct,
            take_profit_pct,
            stop_loss_pct,
            trade_size,
            max_hold_secs,
            cooldown_secs,
            dry_run,
            spike_windows_mins,
            min_window_samples,
            max_window_cv,
            trade_both_sides,
            execution
        );
        p
    }
}

/// What the wizard and `polyagent bot create` write: a bot before its profile is applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct BotSpec {
    pub name: String,
    /// The wallet label or address the bot trades from (resolved to keys by the vault).
    pub wallet: String,
    /// The outcome token the bot watches and buys.
    pub token_id: String,
    /// The other outcome of the same market, needed only to trade both sides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complement_token_id: Option<String>,
    /// A name from the strategy registry, e.g. `spike-sam`.
    pub strategy: String,
    pub profile: Profile,
    #[serde(default)]
    pub overrides: Overrides,
}

/// A validated bot configuration: the spec with its profile and overrides applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BotConfig {
    pub name: String,
    pub wallet: String,
    pub token_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complement_token_id: Option<String>,
    pub strategy: String,
    pub profile: Profile,
    pub params: TradingParams,
}

impl BotSpec {
    /// Defaults → profile → overrides, then validation of the result.
    pub fn resolve(&self) -> Result<BotConfig, ConfigError> {
        let config = BotConfig {
            name: self.name.clone(),
            wallet: self.wallet.clone(),
            token_id: self.token_id.clone(),
            complement_token_id: self.complement_token_id.clone(),
            strategy: self.strategy.clone(),
            profile: self.profile,
            params: self.overrides.apply(self.profile.params()),
        };
        config.validate()?;
        Ok(config)
    }
}

/// The most decimals a configured number has: pUSD's own precision. More is refused rather
/// than rounded, since text with more decimals than `Decimal` holds (28) is rounded when it is
/// read, and the user would trade with a number they did not type.
pub const DECIMALS: u32 = 6;

/// The longest hold or cooldown: a year. Longer is a typing mistake, and `u64` seconds beyond
/// `i64` milliseconds would wrap.
pub const MAX_SECS: u64 = 365 * 24 * 3600;

fn too_precise(v: Decimal) -> Option<String> {
    (v.scale() > DECIMALS).then(|| format!("has more than {DECIMALS} decimals"))
}

/// The longest bot name, in characters.
pub const NAME_CHARS: usize = 64;

impl BotConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        if let Some(reason) = polyagent_domain::text::name_problem(&self.name, NAME_CHARS) {
            problems.push(FieldError {
                field: "name",
                reason,
            });
        }
        if self.wallet.trim().is_empty() {
            problems.push(FieldError {
                field: "wallet",
                reason: "must not be empty".into(),
            });
        }
        if let Err(e) = TokenId::new(self.token_id.clone()) {
            problems.push(FieldError {
                field: "token_id",
                reason: e.to_string(),
            });
        }
        match &self.complement_token_id {
            Some(other) => {
                if let Err(e) = TokenId::new(other.clone()) {
                    problems.push(FieldError {
                        field: "complement_token_id",
                        reason: e.to_string(),
                    });
                } else if *other == self.token_id {
                    problems.push(FieldError {
                        field: "complement_token_id",
                        reason: "must differ from token_id".into(),
                    });
                }
            }
            None if self.params.trade_both_sides => problems.push(FieldError {
                field: "trade_both_sides",
                reason: "needs complement_token_id (the other outcome) to buy".into(),
            }),
            None => {}
        }
        if !crate::strategy::registry::is_known(&self.strategy) {
            problems.push(FieldError {
                field: "strategy",
                reason: format!(
                    "unknown strategy {}; known: {}",
                    polyagent_domain::text::quoted(&self.strategy),
                    crate::strategy::registry::names().join(", ")
                ),
            });
        }
        problems.extend(self.params.problems());
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError { problems })
        }
    }
}

/// Limits over all bots for one UTC day; reaching one pauses bots and says why. Decimals are
/// `string` in the generated TypeScript, as serde writes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct DailyLimits {
    /// Realized loss (pUSD, positive number) after which new entries stop for the day.
    #[specta(type = String)]
    pub max_daily_loss: Decimal,
    /// Completed buys and sells per day, over all bots.
    pub max_trades_per_day: u32,
    /// Cost basis one bot may hold at once, pUSD.
    #[specta(type = String)]
    pub max_exposure_per_bot: Decimal,
    /// Cost basis all bots together may hold at once, pUSD.
    #[specta(type = String)]
    pub max_exposure_total: Decimal,
}

impl Default for DailyLimits {
    fn default() -> Self {
        Self {
            max_daily_loss: dec(50, 0),
            max_trades_per_day: 100,
            max_exposure_per_bot: dec(50, 0),
            max_exposure_total: dec(250, 0),
        }
    }
}

impl DailyLimits {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        for (field, v) in [
            ("max_daily_loss", self.max_daily_loss),
            ("max_exposure_per_bot", self.max_exposure_per_bot),
            ("max_exposure_total", self.max_exposure_total),
        ] {
            if v <= Decimal::ZERO {
                problems.push(FieldError {
                    field,
                    reason: format!("must be a positive pUSD amount, got {v}"),
                });
            } else if let Some(reason) = too_precise(v) {
                problems.push(FieldError { field, reason });
            }
        }
        if self.max_trades_per_day == 0 {
            problems.push(FieldError {
                field: "max_trades_per_day",
                reason: "must be at least 1".into(),
            });
        }
        problems.extend(
            [
                ceilings::above(
                    "max_daily_loss",
                    self.max_daily_loss,
                    ceilings::MAX_DAILY_LOSS,
                ),
                ceilings::above(
                    "max_exposure_per_bot",
                    self.max_exposure_per_bot,
                    ceilings::MAX_EXPOSURE_PER_BOT,
                ),
                ceilings::above(
                    "max_exposure_total",
                    self.max_exposure_total,
                    ceilings::MAX_EXPOSURE_TOTAL,
                ),
                ceilings::above_count(
                    "max_trades_per_day",
                    self.max_trades_per_day,
                    ceilings::MAX_TRADES_PER_DAY,
                ),
            ]
            .into_iter()
            .flatten(),
        );
        if self.max_exposure_per_bot > self.max_exposure_total {
            problems.push(FieldError {
                field: "max_exposure_per_bot",
                reason: format!(
                    "{} is above max_exposure_total {}",
                    self.max_exposure_per_bot, self.max_exposure_total
                ),
            });
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError { problems })
        }
    }
}

/// One refused field and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub reason: String,
}

/// Every problem found, so a form can mark all bad fields at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct ConfigError {
    pub problems: Vec<FieldError>,
}

impl ConfigError {
    fn single(field: &'static str, reason: String) -> Self {
        Self {
            problems: vec![FieldError { field, reason }],
        }
    }

    /// Whether `field` is among the problems.
    pub fn mentions(&self, field: &str) -> bool {
        self.problems.iter().any(|p| p.field == field)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid bot configuration: ")?;
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", p.field, p.reason)?;
        }
        Ok(())
    }
}

/// One line of help for a configuration field, for the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FieldDoc {
    pub field: &'static str,
    pub unit: &'static str,
    pub doc: &'static str,
}

/// Descriptions of every [`BotSpec`], [`TradingParams`] and [`DailyLimits`] field.
pub fn field_docs() -> &'static [FieldDoc] {
    const DOCS: &[FieldDoc] = &[
        FieldDoc {
            field: "name",
            unit: "",
            doc: "What the bot is called in the app.",
        },
        FieldDoc {
            field: "wallet",
            unit: "",
            doc: "The wallet the bot trades from.",
        },
        FieldDoc {
            field: "token_id",
            unit: "",
            doc: "The outcome token the bot watches and buys (a long decimal id).",
        },
        FieldDoc {
            field: "complement_token_id",
            unit: "",
            doc: "The market's other outcome; only needed to trade both sides.",
        },
        FieldDoc {
            field: "strategy",
            unit: "",
            doc: "How the bot decides when to trade (spike-sam, train-of-trade).",
        },
        FieldDoc {
            field: "profile",
            unit: "",
            doc: "Preset numbers (conservative, normal, live, edge) that overrides adjust.",
        },
        FieldDoc {
            field: "overrides",
            unit: "",
            doc: "This bot's own values for any of the profile's fields.",
        },
        FieldDoc {
            field: "spike_threshold_pct",
            unit: "%",
            doc: "How far the price must move within a window to count as a spike (Train of Trade: how far below the current price the buy target sits).",
        },
        FieldDoc {
            field: "take_profit_pct",
            unit: "%",
            doc: "Sell when the open position is up by this much.",
        },
        FieldDoc {
            field: "stop_loss_pct",
            unit: "%",
            doc: "Sell when the open position is down by this much.",
        },
        FieldDoc {
            field: "trade_size",
            unit: "pUSD",
            doc: "How much collateral each buy spends.",
        },
        FieldDoc {
            field: "max_hold_secs",
            unit: "s",
            doc: "Sell a position held this long, whatever its P&L.",
        },
        FieldDoc {
            field: "cooldown_secs",
            unit: "s",
            doc: "Wait this long after a fill before opening a new position.",
        },
        FieldDoc {
            field: "dry_run",
            unit: "",
            doc: "Trade paper money against live prices instead of placing real orders.",
        },
        FieldDoc {
            field: "spike_windows_mins",
            unit: "min",
            doc: "Lookback windows in which spikes are measured; the largest clean move wins.",
        },
        FieldDoc {
            field: "min_window_samples",
            unit: "",
            doc: "Prices a window must hold before its move is trusted.",
        },
        FieldDoc {
            field: "max_window_cv",
            unit: "ratio",
            doc: "A window whose prices before the latest vary more than this (std / mean) is too choppy to read a spike from.",
        },
        FieldDoc {
            field: "trade_both_sides",
            unit: "",
            doc: "On a spike up with nothing to sell, buy the other outcome instead of waiting.",
        },
        FieldDoc {
            field: "execution",
            unit: "",
            doc: "How orders meet the book: fak (take what is there now, the default), fok (all or nothing), or resting (a limit order at the target price that waits for the market, cancelled after its time-to-live in seconds).",
        },
        FieldDoc {
            field: "max_daily_loss",
            unit: "pUSD",
            doc: "Pause all bots for the rest of the UTC day once realized losses reach this.",
        },
        FieldDoc {
            field: "max_trades_per_day",
            unit: "",
            doc: "Pause all bots for the rest of the UTC day after this many fills.",
        },
        FieldDoc {
            field: "max_exposure_per_bot",
            unit: "pUSD",
            doc: "The most one bot may have invested at once.",
        },
        FieldDoc {
            field: "max_exposure_total",
            unit: "pUSD",
            doc: "The most all bots together may have invested at once.",
        },
    ];
    DOCS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(overrides: Overrides) -> BotSpec {
        BotSpec {
            name: "sam".into(),
            wallet: "main".into(),
            token_id: "123".into(),
            complement_token_id: None,
            strategy: "spike-sam".into(),
            profile: Profile::Normal,
            overrides,
        }
    }

    #[test]
    fn profiles_carry_the_documented_numbers() {
        let n = Profile::Normal.params();
        assert_eq!(
            (n.spike_threshold_pct, n.take_profit_pct, n.stop_loss_pct),
            (dec(3, 0), dec(5, 0), dec(3, 0))
        );
        assert_eq!(
            (n.trade_size, n.max_hold_secs, n.cooldown_secs, n.dry_run),
            (dec(5, 0), 3600, 120, true)
        );
        let l = Profile::Live.params();
        assert_eq!(
            (l.spike_threshold_pct, l.take_profit_pct, l.stop_loss_pct),
            (dec(25, 1), dec(4, 0), dec(25, 1))
        );
        assert_eq!(
            (l.trade_size, l.max_hold_secs, l.cooldown_secs, l.dry_run),
            (dec(10, 0), 1800, 60, false)
        );
        let (e, c) = (Profile::Edge.params(), Profile::Conservative.params());
        assert!(e.spike_threshold_pct < l.spike_threshold_pct && e.max_hold_secs < l.max_hold_secs);
        assert!(c.spike_threshold_pct > n.spike_threshold_pct && c.cooldown_secs > n.cooldown_secs);
        for p in Profile::ALL {
            assert!(p.params().problems().is_empty(), "{p}");
            assert_eq!(Profile::parse(p.as_str()).unwrap(), p);
        }
    }

    #[test]
    fn overrides_win_over_the_profile() {
        let o = Overrides {
            take_profit_pct: Some(dec(7, 0)),
            dry_run: Some(false),
            ..Overrides::default()
        };
        let c = spec(o).resolve().unwrap();
        assert_eq!(c.params.take_profit_pct, dec(7, 0));
        assert!(!c.params.dry_run);
        assert_eq!(c.params.stop_loss_pct, dec(3, 0));
    }

    #[test]
    fn zero_threshold_and_negative_size_are_refused_not_clamped() {
        let o = Overrides {
            spike_threshold_pct: Some(Decimal::ZERO),
            trade_size: Some(Decimal::from(-5)),
            ..Overrides::default()
        };
        let err = spec(o).resolve().unwrap_err();
        assert!(err.mentions("spike_threshold_pct"), "{err}");
        assert!(err.mentions("trade_size"), "{err}");
        assert_eq!(err.problems.len(), 2, "{err}");
        assert!(
            err.to_string()
                .contains("spike_threshold_pct: must be above 0"),
            "{err}"
        );
    }

    #[test]
    fn other_mistakes_name_their_field() {
        let mut s = spec(Overrides {
            spike_windows_mins: Some(vec![]),
            max_window_cv: Some(Decimal::ZERO),
            trade_both_sides: Some(true),
            stop_loss_pct: Some(dec(100, 0)),
            ..Overrides::default()
        });
        s.strategy = "moon-shot".into();
        s.token_id = "0xabc".into();
        let err = s.resolve().unwrap_err();
        for f in [
            "spike_windows_mins",
            "max_window_cv",
            "trade_both_sides",
            "stop_loss_pct",
            "strategy",
            "token_id",
        ] {
            assert!(err.mentions(f), "{f} missing from {err}");
        }
        assert!(Profile::parse("yolo").unwrap_err().mentions("profile"));
        let limits = DailyLimits {
            max_trades_per_day: 0,
            max_exposure_total: dec(10, 0),
            ..DailyLimits::default()
        };
        let err = limits.validate().unwrap_err();
        assert!(
            err.mentions("max_trades_per_day") && err.mentions("max_exposure_per_bot"),
            "{err}"
        );
    }

    #[test]
    fn names_and_unknown_values_are_checked_and_never_echoed_whole() {
        for bad in ["", "  ", "bot\0", "\u{202e}dcba"] {
            let mut s = spec(Overrides::default());
            s.name = bad.into();
            assert!(s.resolve().unwrap_err().mentions("name"), "{bad:?}");
        }
        let mut s = spec(Overrides::default());
        s.name = "n".repeat(NAME_CHARS + 1);
        s.strategy = "s".repeat(1 << 20);
        s.token_id = "t".repeat(1 << 20);
        let err = s.resolve().unwrap_err();
        assert!(err.mentions("name") && err.mentions("strategy") && err.mentions("token_id"));
        assert!(
            err.to_string().len() < 1000,
            "{} chars",
            err.to_string().len()
        );
    }

    #[test]
    fn numbers_beyond_their_precision_or_a_year_are_refused_not_rounded() {
        let forty_decimals: Decimal = format!("0.{}", "1".repeat(40)).parse().unwrap();
        assert!(
            forty_decimals.scale() > DECIMALS,
            "read rounded to {forty_decimals}"
        );
        let err = spec(Overrides {
            trade_size: Some(forty_decimals),
            take_profit_pct: Some(dec(1_234_567, 7)),
            cooldown_secs: Some(u64::MAX),
            max_hold_secs: Some(MAX_SECS + 1),
            ..Overrides::default()
        })
        .resolve()
        .unwrap_err();
        for f in [
            "trade_size",
            "take_profit_pct",
            "cooldown_secs",
            "max_hold_secs",
        ] {
            assert!(err.mentions(f), "{f} missing from {err}");
        }
        let ok = spec(Overrides {
            trade_size: Some(dec(123_456, 6)),
            cooldown_secs: Some(MAX_SECS),
            ..Overrides::default()
        });
        assert!(ok.resolve().is_ok());
        let limits = DailyLimits {
            max_daily_loss: forty_decimals,
            ..DailyLimits::default()
        };
        assert!(limits.validate().unwrap_err().mentions("max_daily_loss"));
    }

    #[test]
    fn specs_round_trip_through_json_with_decimal_strings() {
        let text = r#"{"name":"sam","wallet":"main","token_id":"123","strategy":"spike-sam",
            "profile":"edge","overrides":{"trade_size":"7.5"}}"#;
        let s: BotSpec = serde_json::from_str(text).unwrap();
        let c = s.resolve().unwrap();
        assert_eq!(c.params.trade_size, dec(75, 1));
        let back: BotConfig = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
        assert!(
            serde_json::to_string(&c)
                .unwrap()
                .contains(r#""trade_size":"7.5""#)
        );
        assert!(
            serde_json::from_str::<BotSpec>(&text.replace("trade_size", "trade_sise")).is_err()
        );
    }

    #[test]
    fn every_field_has_a_doc() {
        let params = serde_json::to_value(TradingParams::defaults()).unwrap();
        let limits = serde_json::to_value(DailyLimits::default()).unwrap();
        let spec = serde_json::to_value(spec(Overrides::default())).unwrap();
        let with_complement = ["complement_token_id".to_owned()];
        let fields: Vec<&String> = params
            .as_object()
            .unwrap()
            .keys()
            .chain(limits.as_object().unwrap().keys())
            .chain(spec.as_object().unwrap().keys())
            .chain(with_complement.iter())
            .collect();
        assert_eq!(fields.len(), field_docs().len());
        for f in fields {
            assert!(
                field_docs()
                    .iter()
                    .any(|d| d.field == f && !d.doc.is_empty()),
                "{f}"
            );
        }
    }
}
