//! What the bot wizard offers and checks: strategies, profiles with their numbers, a one-line
//! meaning for every field, and validation with the same rules `create_bot` applies.
//!
//! Invariants: every registered strategy has a description here (a test keeps the table
//! complete), and [`validate_spec`] never touches the network or the store, so the wizard can
//! call it on every keystroke.

use polyagent_engine::config::{BotSpec, Overrides, Profile, TradingParams, field_docs};
use polyagent_engine::strategy::registry;
use serde::Serialize;

/// Everything the wizard needs to explain and pre-fill a bot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Catalog {
    pub strategies: Vec<StrategyInfo>,
    pub profiles: Vec<ProfileInfo>,
    /// One line per configurable field, in the order a form shows them.
    pub fields: Vec<FieldInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StrategyInfo {
    /// As configs spell it (`spike-sam`).
    pub id: String,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ProfileInfo {
    pub id: Profile,
    pub description: String,
    /// The profile's values for every field (all present), in the shape overrides take.
    pub params: Overrides,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FieldInfo {
    /// The field's key in a spec or in `overrides` (`take_profit_pct`).
    pub key: String,
    /// `%`, `pUSD`, `s`, `min`, `ratio` or empty.
    pub unit: String,
    pub meaning: String,
}

/// One problem with a field, for the form to show under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FieldIssue {
    /// `name`, `wallet`, `token_id`, `strategy`, or `overrides.<key>` for a trading field.
    pub field: String,
    pub message: String,
}

const STRATEGIES: &[(&str, &str, &str)] = &[
    (
        "spike-sam",
        "Spike Sam",
        "Fades sudden moves: buys after a sharp drop (expecting a bounce), sells or takes the other side after a sharp rise; ignores moves inside choppy windows.",
    ),
    (
        "train-of-trade",
        "Train of Trade",
        "Cycles on targets: sets a buy target below the current price, buys when it is reached, then sells at the take-profit target or on a risk exit, and repeats.",
    ),
];

const PROFILE_WORDS: &[(Profile, &str)] = &[
    (
        Profile::Conservative,
        "Wide thresholds, long holds and cooldowns: only large moves, few trades.",
    ),
    (
        Profile::Normal,
        "The everyday profile: 3% spikes, 5% take profit, 3% stop loss, $5 trades, paper money.",
    ),
    (
        Profile::Live,
        "Tuned for real money: 2.5% spikes, 4% take profit, 2.5% stop loss, $10 trades, not a dry run.",
    ),
    (
        Profile::Edge,
        "Tight thresholds and short holds: many small trades, the most sensitive to fees.",
    ),
];

/// The strategies, profiles and field meanings.
pub fn catalog() -> Catalog {
    let strategies = registry::names()
        .iter()
        .map(|id| {
            let (name, description) = STRATEGIES
                .iter()
                .find(|(known, _, _)| known == id)
                .map_or((*id, ""), |(_, name, words)| (*name, *words));
            StrategyInfo {
                id: (*id).to_owned(),
                name: name.to_owned(),
                description: description.to_owned(),
            }
        })
        .collect();
    let profiles = PROFILE_WORDS
        .iter()
        .map(|(profile, words)| ProfileInfo {
            id: *profile,
            description: (*words).to_owned(),
            params: all_values(&profile.params()),
        })
        .collect();
    let fields = field_docs()
        .iter()
        .map(|doc| FieldInfo {
            key: doc.field.to_owned(),
            unit: doc.unit.to_owned(),
            meaning: doc.doc.to_owned(),
        })
        .collect();
    Catalog {
        strategies,
        profiles,
        fields,
    }
}

/// Every value of `params`, as overrides that would set them all.
pub fn all_values(params: &TradingParams) -> Overrides {
    Overrides {
        spike_threshold_pct: Some(params.spike_threshold_pct),
        take_profit_pct: Some(params.take_profit_pct),
        stop_loss_pct: Some(params.stop_loss_pct),
        trade_size: Some(params.trade_size),
        max_hold_secs: Some(params.max_hold_secs),
        cooldown_secs: Some(params.cooldown_secs),
        dry_run: Some(params.dry_run),
        spike_windows_mins: Some(params.spike_windows_mins.clone()),
        min_window_samples: Some(params.min_window_samples),
        max_window_cv: Some(params.max_window_cv),
        trade_both_sides: Some(params.trade_both_sides),
        execution: Some(params.execution),
    }
}

/// The problems `create_bot` would refuse the spec for, field by field (empty: it is valid).
/// Checks the spec alone; whether the market is open and the wallet exists is checked on
/// creation.
pub fn validate_spec(spec: &BotSpec, live: bool) -> Vec<FieldIssue> {
    let top_level = [
        "name",
        "wallet",
        "token_id",
        "complement_token_id",
        "strategy",
    ];
    let mut issues: Vec<FieldIssue> = match spec.resolve() {
        Ok(_) => Vec::new(),
        Err(error) => error
            .problems
            .into_iter()
            .filter(|p| live || p.field != "wallet")
            .map(|p| FieldIssue {
                field: if top_level.contains(&p.field) {
                    p.field.to_owned()
                } else {
                    format!("overrides.{}", p.field)
                },
                message: p.reason,
            })
            .collect(),
    };
    if live && spec.overrides.apply(spec.profile.params()).dry_run {
        issues.push(FieldIssue {
            field: "overrides.dry_run".into(),
            message: "a live bot cannot be a dry run: choose a live profile or turn dry run off"
                .into(),
        });
    }
    issues
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> BotSpec {
        BotSpec {
            name: "Dip buyer".into(),
            wallet: "paper".into(),
            token_id: "123456".into(),
            complement_token_id: None,
            strategy: "spike-sam".into(),
            profile: Profile::Normal,
            overrides: Overrides::default(),
        }
    }

    #[test]
    fn every_registered_strategy_is_described() {
        let catalog = catalog();
        assert_eq!(catalog.strategies.len(), registry::names().len());
        for strategy in &catalog.strategies {
            assert!(
                !strategy.description.is_empty(),
                "{} has no description",
                strategy.id
            );
        }
        assert_eq!(catalog.profiles.len(), Profile::ALL.len());
    }

    #[test]
    fn profiles_carry_every_number_the_form_shows() {
        let normal = catalog()
            .profiles
            .into_iter()
            .find(|p| p.id == Profile::Normal)
            .unwrap();
        assert_eq!(
            normal.params.take_profit_pct,
            Some(rust_decimal::Decimal::from(5))
        );
        assert_eq!(normal.params.max_hold_secs, Some(3600));
        assert_eq!(normal.params.dry_run, Some(true));
    }

    #[test]
    fn a_zero_take_profit_is_named_by_its_field_and_a_paper_bot_needs_no_wallet() {
        let mut bad = spec();
        bad.wallet = String::new();
        bad.overrides.take_profit_pct = Some(rust_decimal::Decimal::ZERO);
        let issues = validate_spec(&bad, false);
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].field, "overrides.take_profit_pct");
        assert!(issues[0].message.contains("above 0"));
        let live = validate_spec(&bad, true);
        let fields: Vec<&str> = live.iter().map(|i| i.field.as_str()).collect();
        assert!(fields.contains(&"wallet"), "{fields:?}");
        assert!(fields.contains(&"overrides.dry_run"), "{fields:?}");
    }

    #[test]
    fn a_valid_spec_has_no_issues() {
        assert!(validate_spec(&spec(), false).is_empty());
    }
}
