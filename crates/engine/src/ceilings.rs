//! Hard upper bounds on the numbers that decide how much money can be lost: the daily limits
//! and each bot's own risk numbers.
//!
//! Invariants:
//! - a value above its ceiling is refused with an error naming the field and the ceiling,
//!   never clamped (a typo such as 100000 for 100 must be seen, not silently "fixed");
//! - the ceilings are constants of the build, not settings: nothing the webview, a file or
//!   an old data folder says can raise them. A limit saved by an older version above its
//!   ceiling is no longer valid and the runtime treats it as unreadable safety state.

use rust_decimal::Decimal;

use crate::config::FieldError;

/// The highest daily loss limit, pUSD.
pub const MAX_DAILY_LOSS: Decimal = Decimal::from_parts(100_000, 0, 0, false, 0);
/// The most fills per day over all bots.
pub const MAX_TRADES_PER_DAY: u32 = 100_000;
/// The highest cost basis one bot may be allowed to hold, pUSD.
pub const MAX_EXPOSURE_PER_BOT: Decimal = Decimal::from_parts(100_000, 0, 0, false, 0);
/// The highest cost basis all bots together may be allowed to hold, pUSD.
pub const MAX_EXPOSURE_TOTAL: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);
/// The largest trade a bot may be configured for, pUSD.
pub const MAX_TRADE_SIZE: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);
/// The highest take profit, percent: a price cannot rise more than from 0.01 to 1 (9,900 %),
/// so anything above never triggers and the position is held unguarded.
pub const MAX_TAKE_PROFIT_PCT: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);

/// The problem with `value` for `field` when it is above `ceiling`.
pub(crate) fn above(field: &'static str, value: Decimal, ceiling: Decimal) -> Option<FieldError> {
    (value > ceiling).then(|| FieldError {
        field,
        reason: format!("{value} is above the highest allowed, {ceiling}"),
    })
}

/// The same for a count.
pub(crate) fn above_count(field: &'static str, value: u32, ceiling: u32) -> Option<FieldError> {
    (value > ceiling).then(|| FieldError {
        field,
        reason: format!("{value} is above the highest allowed, {ceiling}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DailyLimits, TradingParams};

    fn at_ceilings() -> DailyLimits {
        DailyLimits {
            max_daily_loss: MAX_DAILY_LOSS,
            max_trades_per_day: MAX_TRADES_PER_DAY,
            max_exposure_per_bot: MAX_EXPOSURE_PER_BOT,
            max_exposure_total: MAX_EXPOSURE_TOTAL,
        }
    }

    #[test]
    fn daily_limits_above_their_ceilings_are_refused_field_by_field() {
        assert!(at_ceilings().validate().is_ok());
        let cent = Decimal::new(1, 2);
        let over = DailyLimits {
            max_daily_loss: MAX_DAILY_LOSS + cent,
            max_trades_per_day: MAX_TRADES_PER_DAY + 1,
            max_exposure_per_bot: MAX_EXPOSURE_PER_BOT + cent,
            max_exposure_total: MAX_EXPOSURE_TOTAL + cent,
        };
        let refused = over.validate().unwrap_err();
        for field in [
            "max_daily_loss",
            "max_trades_per_day",
            "max_exposure_per_bot",
            "max_exposure_total",
        ] {
            assert!(refused.mentions(field), "{field} in {refused}");
        }
        assert!(
            refused
                .to_string()
                .contains("above the highest allowed, 100000"),
            "{refused}"
        );
        // One field over: only it is named.
        let one = DailyLimits {
            max_trades_per_day: u32::MAX,
            ..at_ceilings()
        };
        let refused = one.validate().unwrap_err();
        assert_eq!(refused.problems.len(), 1, "{refused}");
        assert!(refused.mentions("max_trades_per_day"));
    }

    #[test]
    fn a_bots_trade_size_and_take_profit_have_ceilings() {
        let mut params = TradingParams::defaults();
        params.trade_size = MAX_TRADE_SIZE;
        params.take_profit_pct = MAX_TAKE_PROFIT_PCT;
        assert!(params.problems().is_empty(), "{:?}", params.problems());
        params.trade_size = MAX_TRADE_SIZE + Decimal::ONE;
        params.take_profit_pct = MAX_TAKE_PROFIT_PCT + Decimal::ONE;
        let fields: Vec<&str> = params.problems().iter().map(|p| p.field).collect();
        assert_eq!(fields, ["trade_size", "take_profit_pct"]);
    }
}
