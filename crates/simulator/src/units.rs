//! Exact integer units for the matching engine.
//!
//! - [`Pips`]: a price in units of 0.0001 (every Polymarket tick, 0.1 down to 0.0001 including
//!   0.005 and 0.0025, is a whole number of pips). A probability price lies in 1..=9999.
//! - [`Micros`]: an amount of pUSD or of outcome shares in base units of 0.000001 (both have six
//!   decimals on chain).
//!
//! Integers keep the hot path free of decimal arithmetic; conversions to and from the wire's
//! decimal strings are exact and refuse anything that does not fit.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Pips in one unit of price (1.0).
pub const PIPS_PER_UNIT: u32 = 10_000;
/// Micros in one pUSD or one share.
pub const MICROS_PER_UNIT: u64 = 1_000_000;

/// A price in 0.0001 steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Pips(pub u32);

/// An amount in 0.000001 steps.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Micros(pub u64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    #[error("'{0}' is not a decimal number")]
    NotANumber(String),
    #[error("'{0}' has more decimals than allowed ({1})")]
    TooPrecise(String, u32),
    #[error("'{0}' is out of range")]
    OutOfRange(String),
}

impl Pips {
    /// The same price seen from the other outcome of a binary market: 1 - p.
    pub fn complement(self) -> Self {
        Pips(PIPS_PER_UNIT - self.0)
    }

    pub fn to_decimal(self) -> Decimal {
        Decimal::new(i64::from(self.0), 4).normalize()
    }

    /// Parses a decimal price with at most 4 decimals, in 0..=1.
    pub fn parse(text: &str) -> Result<Self, UnitError> {
        let value = parse_scaled(text, 4)?;
        u32::try_from(value)
            .ok()
            .filter(|v| *v <= PIPS_PER_UNIT)
            .map(Pips)
            .ok_or_else(|| UnitError::OutOfRange(text.to_owned()))
    }

    pub fn from_decimal(value: Decimal) -> Result<Self, UnitError> {
        Self::parse(&value.to_string())
    }
}

impl fmt::Display for Pips {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_decimal())
    }
}

impl Micros {
    pub const ZERO: Micros = Micros(0);

    /// Whole units: `Micros::units(5)` is 5 pUSD or 5 shares.
    pub const fn units(n: u64) -> Self {
        Micros(n * MICROS_PER_UNIT)
    }

    pub fn to_decimal(self) -> Decimal {
        Decimal::from_i128_with_scale(i128::from(self.0), 6).normalize()
    }

    /// Parses a decimal amount (e.g. `"12.5"`) with at most 6 decimals.
    pub fn parse(text: &str) -> Result<Self, UnitError> {
        parse_scaled(text, 6).map(Micros)
    }

    /// Parses an integer count of base units, as order amounts travel (`"5985000"`).
    pub fn parse_base_units(text: &str) -> Result<Self, UnitError> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(UnitError::NotANumber(text.to_owned()));
        }
        text.parse::<u64>()
            .map(Micros)
            .map_err(|_| UnitError::OutOfRange(text.to_owned()))
    }

    /// Number of decimals this amount needs (0..=6).
    pub fn decimals(self) -> u32 {
        let mut value = self.0;
        let mut decimals = 6;
        while decimals > 0 && value.is_multiple_of(10) {
            value /= 10;
            decimals -= 1;
        }
        decimals
    }

    pub fn saturating_sub(self, other: Micros) -> Micros {
        Micros(self.0.saturating_sub(other.0))
    }
}

impl fmt::Display for Micros {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_decimal())
    }
}

impl std::ops::Add for Micros {
    type Output = Micros;
    fn add(self, other: Micros) -> Micros {
        Micros(self.0 + other.0)
    }
}

impl std::ops::Sub for Micros {
    type Output = Micros;
    /// Panics on underflow: a negative amount is always a ledger bug.
    fn sub(self, other: Micros) -> Micros {
        Micros(self.0.checked_sub(other.0).expect("amount went negative"))
    }
}

impl FromStr for Micros {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Collateral for `shares` at `price`: shares × price, in micros, rounded half up.
///
/// Rounding happens once per fill and both sides of a fill use the same number, so no pUSD is
/// created or destroyed by it.
pub fn notional(shares: Micros, price: Pips) -> Micros {
    let exact = u128::from(shares.0) * u128::from(price.0);
    let half = u128::from(PIPS_PER_UNIT / 2);
    Micros(u64::try_from((exact + half) / u128::from(PIPS_PER_UNIT)).unwrap_or(u64::MAX))
}

/// Collateral for `shares` at `price`, rounded up: what a resting BUY reserves.
pub fn notional_ceil(shares: Micros, price: Pips) -> Micros {
    let exact = u128::from(shares.0) * u128::from(price.0);
    Micros(u64::try_from(exact.div_ceil(u128::from(PIPS_PER_UNIT))).unwrap_or(u64::MAX))
}

fn parse_scaled(text: &str, max_decimals: u32) -> Result<u64, UnitError> {
    let bad = || UnitError::NotANumber(text.to_owned());
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, f),
        None => (text, ""),
    };
    if whole.is_empty() && frac.is_empty() {
        return Err(bad());
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let frac = frac.trim_end_matches('0');
    let frac_len = u32::try_from(frac.len()).map_err(|_| bad())?;
    if frac_len > max_decimals {
        return Err(UnitError::TooPrecise(text.to_owned(), max_decimals));
    }
    let scale = 10u64.pow(max_decimals);
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole
            .parse()
            .map_err(|_| UnitError::OutOfRange(text.to_owned()))?
    };
    let frac_value: u64 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| bad())?
    };
    let frac_scaled = frac_value * 10u64.pow(max_decimals - frac_len);
    whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(frac_scaled))
        .ok_or_else(|| UnitError::OutOfRange(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_exactly() {
        assert_eq!(Pips::parse("0.57").unwrap(), Pips(5700));
        assert_eq!(Pips::parse("0.0025").unwrap(), Pips(25));
        assert_eq!(Pips(5700).to_string(), "0.57");
        assert_eq!(Micros::parse("10.5").unwrap(), Micros(10_500_000));
        assert_eq!(Micros(4_331_800).to_string(), "4.3318");
        assert_eq!(
            Micros::parse_base_units("5985000").unwrap(),
            Micros(5_985_000)
        );
        assert_eq!(Micros(72_727_200).decimals(), 4);
        assert_eq!(Micros::units(5).decimals(), 0);
    }

    #[test]
    fn refuses_what_does_not_fit() {
        assert!(matches!(
            Pips::parse("0.00001"),
            Err(UnitError::TooPrecise(..))
        ));
        assert!(matches!(Pips::parse("1.5"), Err(UnitError::OutOfRange(_))));
        assert!(matches!(Pips::parse("-0.5"), Err(UnitError::NotANumber(_))));
        assert!(matches!(
            Micros::parse("1e3"),
            Err(UnitError::NotANumber(_))
        ));
        assert!(matches!(
            Micros::parse_base_units("12.5"),
            Err(UnitError::NotANumber(_))
        ));
        assert!(matches!(
            Micros::parse_base_units("99999999999999999999"),
            Err(UnitError::OutOfRange(_))
        ));
    }

    #[test]
    fn notional_matches_the_protocol_examples() {
        // BUY 10.5 @ 0.57 costs 5.985; SELL 19.69 @ 0.22 yields 4.3318.
        assert_eq!(
            notional(Micros::parse("10.5").unwrap(), Pips(5700)),
            Micros(5_985_000)
        );
        assert_eq!(
            notional(Micros::parse("19.69").unwrap(), Pips(2200)),
            Micros(4_331_800)
        );
        assert_eq!(notional_ceil(Micros(1), Pips(1)), Micros(1));
        assert_eq!(notional(Micros(1), Pips(1)), Micros(0));
    }
}
