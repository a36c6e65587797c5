//! Exact, non-negative quantities: prices, share counts and collateral amounts.
//!
//! Invariants:
//! - values are `rust_decimal::Decimal`, never binary floats, so `0.1 + 0.2 == 0.3` and a
//!   price typed by a user is the price signed;
//! - every constructor rejects negative values; zero is allowed at this level (a venue decides
//!   whether a zero-sized order is meaningful);
//! - the newtypes keep shares and collateral from being mixed up in arithmetic.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

/// Why a quantity could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("{what} must not be negative, got {value}")]
    Negative { what: &'static str, value: Decimal },
    #[error("{what} is not an exact decimal number: {text:?}")]
    NotDecimal { what: &'static str, text: String },
}

macro_rules! quantity {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(Decimal);

        impl $name {
            pub const ZERO: Self = Self(Decimal::ZERO);

            pub fn new(value: Decimal) -> Result<Self, MoneyError> {
                if value.is_sign_negative() && !value.is_zero() {
                    Err(MoneyError::Negative { what: $what, value })
                } else {
                    Ok(Self(value))
                }
            }

            pub const fn get(self) -> Decimal {
                self.0
            }

            pub fn is_zero(self) -> bool {
                self.0.is_zero()
            }
        }

        impl FromStr for $name {
            type Err = MoneyError;
            /// Parses plain decimal text ("0.57", "10", "1e-3" is refused) exactly.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let value = Decimal::from_str_exact(s.trim()).map_err(|_| MoneyError::NotDecimal {
                    what: $what,
                    text: s.to_owned(),
                })?;
                Self::new(value)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    };
}

quantity!(
    /// A price per share in collateral units (for binary outcomes, between 0 and 1).
    Price,
    "price"
);
quantity!(
    /// A number of outcome-token shares.
    Shares,
    "share count"
);
quantity!(
    /// An amount of collateral (pUSD / USDC), in whole currency units, not base units.
    Collateral,
    "collateral amount"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly_and_refuses_negatives() {
        let p: Price = "0.57".parse().unwrap();
        assert_eq!(p.get().to_string(), "0.57");
        let a: Collateral = "0.1".parse().unwrap();
        let b: Collateral = "0.2".parse().unwrap();
        assert_eq!(
            a.get() + b.get(),
            "0.3".parse::<Collateral>().unwrap().get()
        );
        assert!(matches!(
            "-1".parse::<Shares>(),
            Err(MoneyError::Negative { .. })
        ));
        assert!(matches!(
            "abc".parse::<Shares>(),
            Err(MoneyError::NotDecimal { .. })
        ));
        assert!("-0".parse::<Shares>().unwrap().is_zero());
    }
}
