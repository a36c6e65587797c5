//! Trading primitives shared by every venue: sides, order lifetimes, signature schemes,
//! token ids and tick sizes.
//!
//! Invariants:
//! - every enum has exactly the variants the exchange protocol knows; numeric codes are the
//!   ones signed on-chain, so they must never be renumbered;
//! - text forms (`"BUY"`, `"GTC"`, `"0.01"`) are the canonical wire spellings, parsed
//!   case-sensitively because the venue is case-sensitive;
//! - a [`TickSize`] is one of the grids the venue accepts, so price-grid arithmetic never
//!   sees an arbitrary decimal.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

/// Why a trading primitive could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TradingParseError {
    #[error("side must be BUY or SELL, got {}", crate::text::quoted(.0))]
    Side(String),
    #[error("order type must be one of GTC, GTD, FOK, FAK, got {}", crate::text::quoted(.0))]
    OrderType(String),
    #[error(
        "signature type must be 0 (EOA), 1 (POLY_PROXY), 2 (POLY_GNOSIS_SAFE) or 3 (POLY_1271), got {0}"
    )]
    SignatureType(u64),
    #[error("tick size must be one of 0.1, 0.01, 0.005, 0.0025, 0.001, 0.0001, got {}", crate::text::quoted(.0))]
    TickSize(String),
    #[error("token id must be a non-empty string of decimal digits, got {}", crate::text::quoted(.0))]
    TokenId(String),
}

/// Which way an order trades the outcome token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// Pay collateral, receive outcome tokens.
    Buy,
    /// Give outcome tokens, receive collateral.
    Sell,
}

impl Side {
    /// The `uint8` the exchange contracts sign: 0 = BUY, 1 = SELL.
    pub const fn code(self) -> u8 {
        match self {
            Side::Buy => 0,
            Side::Sell => 1,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "BUY",
            Side::Sell => "SELL",
        }
    }
}

impl FromStr for Side {
    type Err = TradingParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "BUY" => Ok(Side::Buy),
            "SELL" => Ok(Side::Sell),
            other => Err(TradingParseError::Side(other.to_owned())),
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How long an order lives and whether it may rest on the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderType {
    /// Good till cancelled: rests until filled or cancelled.
    Gtc,
    /// Good till date: rests until its expiration.
    Gtd,
    /// Fill or kill: fills completely at once or not at all.
    Fok,
    /// Fill and kill: fills what it can at once, the rest is cancelled.
    Fak,
}

impl OrderType {
    pub const fn as_str(self) -> &'static str {
        match self {
            OrderType::Gtc => "GTC",
            OrderType::Gtd => "GTD",
            OrderType::Fok => "FOK",
            OrderType::Fak => "FAK",
        }
    }

    /// True for the types that may rest on the book (and therefore may be post-only).
    pub const fn may_rest(self) -> bool {
        matches!(self, OrderType::Gtc | OrderType::Gtd)
    }
}

impl FromStr for OrderType {
    type Err = TradingParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "GTC" => Ok(OrderType::Gtc),
            "GTD" => Ok(OrderType::Gtd),
            "FOK" => Ok(OrderType::Fok),
            "FAK" => Ok(OrderType::Fak),
            other => Err(TradingParseError::OrderType(other.to_owned())),
        }
    }
}

impl fmt::Display for OrderType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who holds the funds of an order and how its signature is checked on-chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureType {
    /// The signing key's own address holds the funds; plain ECDSA.
    Eoa,
    /// A Polymarket proxy wallet owned by the signing key (email/Magic accounts).
    PolyProxy,
    /// A Polymarket Gnosis Safe owned by the signing key (browser-wallet accounts).
    PolyGnosisSafe,
    /// A smart-contract "deposit wallet" that validates an ERC-1271/ERC-7739 wrapped signature.
    Poly1271,
}

impl SignatureType {
    /// The `uint8` signed in the order struct.
    pub const fn code(self) -> u8 {
        match self {
            SignatureType::Eoa => 0,
            SignatureType::PolyProxy => 1,
            SignatureType::PolyGnosisSafe => 2,
            SignatureType::Poly1271 => 3,
        }
    }

    pub const fn from_code(code: u64) -> Result<Self, TradingParseError> {
        match code {
            0 => Ok(SignatureType::Eoa),
            1 => Ok(SignatureType::PolyProxy),
            2 => Ok(SignatureType::PolyGnosisSafe),
            3 => Ok(SignatureType::Poly1271),
            other => Err(TradingParseError::SignatureType(other)),
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            SignatureType::Eoa => "EOA",
            SignatureType::PolyProxy => "POLY_PROXY",
            SignatureType::PolyGnosisSafe => "POLY_GNOSIS_SAFE",
            SignatureType::Poly1271 => "POLY_1271",
        }
    }
}

impl fmt::Display for SignatureType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An outcome token (or, for Protocol-V2 markets, position) id: a uint256 written in decimal.
///
/// Kept as text because that is how every API carries it and because it exceeds `u128`;
/// the constructor guarantees it is non-empty decimal digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenId(String);

impl TokenId {
    pub fn new(text: impl Into<String>) -> Result<Self, TradingParseError> {
        let text = text.into();
        // 78 digits is the width of 2^256 - 1; the exact bound is checked where it is encoded.
        if text.is_empty() || text.len() > 78 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TradingParseError::TokenId(text));
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for TokenId {
    type Err = TradingParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl fmt::Display for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The price grid of a market.
///
/// The classic venues use 0.1, 0.01, 0.001 and 0.0001; CLOB V2 added 0.005 and 0.0025, which
/// current markets do use, so all six exist here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TickSize {
    Tenth,
    Hundredth,
    HalfCent,
    QuarterCent,
    Thousandth,
    TenThousandth,
}

impl TickSize {
    pub const ALL: [TickSize; 6] = [
        TickSize::Tenth,
        TickSize::Hundredth,
        TickSize::HalfCent,
        TickSize::QuarterCent,
        TickSize::Thousandth,
        TickSize::TenThousandth,
    ];

    /// The tick as an exact decimal (its scale equals [`TickSize::price_decimals`]).
    pub const fn as_decimal(self) -> Decimal {
        match self {
            TickSize::Tenth => Decimal::from_parts(1, 0, 0, false, 1),
            TickSize::Hundredth => Decimal::from_parts(1, 0, 0, false, 2),
            TickSize::HalfCent => Decimal::from_parts(5, 0, 0, false, 3),
            TickSize::QuarterCent => Decimal::from_parts(25, 0, 0, false, 4),
            TickSize::Thousandth => Decimal::from_parts(1, 0, 0, false, 3),
            TickSize::TenThousandth => Decimal::from_parts(1, 0, 0, false, 4),
        }
    }

    /// How many decimals a price on this grid can have.
    pub const fn price_decimals(self) -> u32 {
        match self {
            TickSize::Tenth => 1,
            TickSize::Hundredth => 2,
            TickSize::HalfCent | TickSize::Thousandth => 3,
            TickSize::QuarterCent | TickSize::TenThousandth => 4,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            TickSize::Tenth => "0.1",
            TickSize::Hundredth => "0.01",
            TickSize::HalfCent => "0.005",
            TickSize::QuarterCent => "0.0025",
            TickSize::Thousandth => "0.001",
            TickSize::TenThousandth => "0.0001",
        }
    }

    /// Whether `price` lies exactly on this grid.
    pub fn contains(self, price: Decimal) -> bool {
        (price % self.as_decimal()).is_zero()
    }
}

impl FromStr for TickSize {
    type Err = TradingParseError;
    /// Accepts the canonical spellings and any decimal equal to one of them ("0.010").
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let value =
            Decimal::from_str_exact(s.trim()).map_err(|_| TradingParseError::TickSize(s.into()))?;
        Self::ALL
            .into_iter()
            .find(|tick| tick.as_decimal() == value)
            .ok_or_else(|| TradingParseError::TickSize(s.to_owned()))
    }
}

impl fmt::Display for TickSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_signed_values() {
        assert_eq!(Side::Buy.code(), 0);
        assert_eq!(Side::Sell.code(), 1);
        for code in 0..4 {
            assert_eq!(
                u64::from(SignatureType::from_code(code).unwrap().code()),
                code
            );
        }
        assert!(SignatureType::from_code(4).is_err());
    }

    #[test]
    fn text_forms_round_trip() {
        for side in [Side::Buy, Side::Sell] {
            assert_eq!(side.as_str().parse::<Side>().unwrap(), side);
        }
        for ty in [
            OrderType::Gtc,
            OrderType::Gtd,
            OrderType::Fok,
            OrderType::Fak,
        ] {
            assert_eq!(ty.as_str().parse::<OrderType>().unwrap(), ty);
        }
        for tick in TickSize::ALL {
            assert_eq!(tick.as_str().parse::<TickSize>().unwrap(), tick);
            assert_eq!(tick.as_decimal().to_string(), tick.as_str());
            assert_eq!(tick.as_decimal().scale(), tick.price_decimals());
        }
        assert!("buy".parse::<Side>().is_err());
        assert!("0.02".parse::<TickSize>().is_err());
        assert_eq!("0.010".parse::<TickSize>().unwrap(), TickSize::Hundredth);
    }

    #[test]
    fn token_ids_are_decimal_digits() {
        assert!(TokenId::new("123").is_ok());
        assert!(TokenId::new("").is_err());
        assert!(TokenId::new("0x12").is_err());
        assert!(TokenId::new("-1").is_err());
    }

    #[test]
    fn tick_grid_membership() {
        let p = |s: &str| Decimal::from_str_exact(s).unwrap();
        assert!(TickSize::Hundredth.contains(p("0.57")));
        assert!(TickSize::Hundredth.contains(p("0.570")));
        assert!(!TickSize::Hundredth.contains(p("0.575")));
        assert!(TickSize::HalfCent.contains(p("0.505")));
        assert!(!TickSize::HalfCent.contains(p("0.504")));
        assert!(TickSize::QuarterCent.contains(p("0.0525")));
    }
}
