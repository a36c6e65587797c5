//! Maker/taker amounts of limit and market orders, in exact decimals.
//!
//! Invariants:
//! - no binary floats anywhere: prices, sizes and book levels are `Decimal`s parsed from text;
//! - limit orders (GTC/GTD, PROTOCOL.md §2.5): the user-given leg (shares) is truncated
//!   toward zero to 2 decimals (the lot size); the collateral leg is `shares × price`, at
//!   most `price decimals + 2` decimals ([`RoundingConfig::amount`]), exact by construction.
//!   This is the official Rust SDK's rule and matches the TypeScript clients; the Python
//!   clients' float `round_down` loses a unit on ~3% of orders and is deliberately not copied;
//! - marketable orders (FOK/FAK, PROTOCOL.md §13.1): production refuses a maker amount with
//!   more than 2 decimals or a taker amount with more than 4, *whatever the tick size*. So
//!   maker = truncate(amount, 2) and taker = truncate(maker / price (BUY) or maker × price
//!   (SELL), [`MARKET_TAKER_DECIMALS`]). The official SDKs truncate the taker leg to
//!   `price decimals + 2` (5 or 6 decimals on fine ticks, always refused); we take the smaller
//!   of the two, so ticks 0.1 and 0.01 keep the SDKs' exact bytes and fine ticks obey the
//!   exchange. Truncating (not rounding up) a BUY's taker keeps the implied price
//!   `maker / taker` at or above the limit, so the order still crosses;
//! - a price/size order sent as FOK/FAK is held to the same caps on its exact amounts and is
//!   refused ([`AmountError::MarketablePrecision`], naming a size that fits) when it cannot
//!   meet them: its price is never moved;
//! - the fee-aware BUY sizing of §2.9 ([`buy_amount_within_balance`]) yields a 2-decimal
//!   amount, the marketable maker cap;
//! - every amount leaves this module as integer base units (6 decimals), exactly;
//! - a limit price must lie on the tick grid and in `[tick, 1 - tick]`; off-grid prices are
//!   refused rather than rounded (silently moving a user's price is worse than an error).

use polyagent_domain::money::{Collateral, Price, Shares};
use polyagent_domain::trading::{OrderType, Side, TickSize};
use rust_decimal::{Decimal, RoundingStrategy};

pub use crate::marketable::{
    Leg, MARKET_MAKER_DECIMALS, MARKET_TAKER_DECIMALS, SizeHint, buy_amount_within_balance,
    market_taker_decimals, marketable_limit_amounts,
};

/// Decimals of both collateral and outcome tokens on chain.
pub const TOKEN_DECIMALS: u32 = 6;

/// Decimals of the user-given share/amount leg (the lot size 0.01).
pub const LOT_DECIMALS: u32 = 2;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("price {price} is not on the {tick} tick grid")]
    PriceOffTick { price: Decimal, tick: TickSize },
    #[error("price {price} is outside [{min}, {max}] for tick {tick}")]
    PriceOutOfRange {
        price: Decimal,
        min: Decimal,
        max: Decimal,
        tick: TickSize,
    },
    #[error("size must be a positive number of shares, got {0}")]
    SizeNotPositive(Decimal),
    #[error("size {0} is below the lot size 0.01 and would round to zero")]
    SizeBelowLot(Decimal),
    #[error("market order amount must be positive, got {0}")]
    AmountNotPositive(Decimal),
    #[error("market order amount {0} is below 0.01 and would round to zero")]
    AmountBelowLot(Decimal),
    #[error("the {0} side of the book is empty: no market price")]
    EmptyBook(&'static str),
    #[error("book depth {available} is less than the FOK amount {wanted}")]
    InsufficientLiquidity { wanted: Decimal, available: Decimal },
    #[error("book level {index} is invalid: {reason}")]
    InvalidLevel { index: usize, reason: &'static str },
    #[error("amount {0} is too large to encode")]
    Overflow(Decimal),
    #[error("a market {side} is sized in {expected}")]
    WrongAmountUnit { side: Side, expected: &'static str },
    /// A price/size order sent as FOK/FAK whose exact amounts break production's marketable
    /// caps (maker ≤ 2 decimals, taker ≤ 4; PROTOCOL.md §13.1).
    #[error(
        "a {side} FOK/FAK of {size} shares at {price} has a {leg} amount of {amount}, more than \
         the {max_decimals} decimals the exchange accepts on a marketable order's {leg} leg; \
         {hint}, send it as GTC/GTD, or give an amount instead of a size"
    )]
    MarketablePrecision {
        side: Side,
        price: Decimal,
        size: Decimal,
        leg: Leg,
        amount: Decimal,
        max_decimals: u32,
        hint: SizeHint,
    },
    #[error("{what} must not be negative, got {value}")]
    Negative { what: &'static str, value: Decimal },
}

/// Decimals allowed per leg for a tick size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundingConfig {
    pub price: u32,
    pub size: u32,
    pub amount: u32,
}

impl RoundingConfig {
    pub const fn for_tick(tick: TickSize) -> Self {
        let price = tick.price_decimals();
        Self {
            price,
            size: LOT_DECIMALS,
            amount: price + LOT_DECIMALS,
        }
    }
}

/// Both legs of an order in base units, plus the price they imply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderAmounts {
    pub maker: u128,
    pub taker: u128,
    /// The limit price the amounts encode (for a market order: the book price used).
    pub price: Decimal,
}

/// One price level of an order book.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookLevel {
    pub price: Price,
    pub size: Shares,
}

/// How much a marketable order trades: BUY spends collateral, SELL sells shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarketAmount {
    Collateral(Collateral),
    Shares(Shares),
}

impl MarketAmount {
    /// The amount in the unit `side` requires, or a typed error for the other unit.
    fn for_side(self, side: Side) -> Result<Decimal, AmountError> {
        match (side, self) {
            (Side::Buy, MarketAmount::Collateral(c)) => Ok(c.get()),
            (Side::Sell, MarketAmount::Shares(s)) => Ok(s.get()),
            (Side::Buy, MarketAmount::Shares(_)) => Err(AmountError::WrongAmountUnit {
                side,
                expected: "collateral",
            }),
            (Side::Sell, MarketAmount::Collateral(_)) => Err(AmountError::WrongAmountUnit {
                side,
                expected: "shares",
            }),
        }
    }
}

pub(crate) fn truncate(value: Decimal, decimals: u32) -> Decimal {
    value.round_dp_with_strategy(decimals, RoundingStrategy::ToZero)
}

/// Exact conversion to 6-decimal base units. Callers only pass values with at most 6
/// decimals, so nothing is rounded here.
fn to_base_units(value: Decimal) -> Result<u128, AmountError> {
    let mut scaled = value;
    scaled.rescale(TOKEN_DECIMALS);
    if scaled.scale() != TOKEN_DECIMALS || scaled.is_sign_negative() {
        return Err(AmountError::Overflow(value));
    }
    u128::try_from(scaled.mantissa()).map_err(|_| AmountError::Overflow(value))
}

/// Refuses prices off the grid or outside `[tick, 1 - tick]`.
pub fn check_price(price: Decimal, tick: TickSize) -> Result<(), AmountError> {
    let min = tick.as_decimal();
    let max = Decimal::ONE - min;
    if price < min || price > max {
        return Err(AmountError::PriceOutOfRange {
            price,
            min,
            max,
            tick,
        });
    }
    if !tick.contains(price) {
        return Err(AmountError::PriceOffTick { price, tick });
    }
    Ok(())
}

/// Amounts of a limit (GTC/GTD) order of `size` shares at `price`.
///
/// BUY gives `size × price` collateral for `size` shares; SELL the reverse.
pub fn limit_order_amounts(
    side: Side,
    price: Price,
    size: Shares,
    tick: TickSize,
) -> Result<OrderAmounts, AmountError> {
    let (price, size) = (price.get(), size.get());
    check_price(price, tick)?;
    if size <= Decimal::ZERO {
        return Err(AmountError::SizeNotPositive(size));
    }
    let rc = RoundingConfig::for_tick(tick);
    let shares = truncate(size, rc.size);
    if shares.is_zero() {
        return Err(AmountError::SizeBelowLot(size));
    }
    let collateral = truncate(
        shares
            .checked_mul(price)
            .ok_or(AmountError::Overflow(size))?,
        rc.amount,
    );
    let (maker, taker) = match side {
        Side::Buy => (collateral, shares),
        Side::Sell => (shares, collateral),
    };
    Ok(OrderAmounts {
        maker: to_base_units(maker)?,
        taker: to_base_units(taker)?,
        price,
    })
}

/// The price a marketable order must carry to fill `amount` against `levels`.
///
/// `levels` are in the REST `/book` order: best price LAST (asks descending, bids
/// ascending). BUY walks asks accumulating notional (`amount` is collateral); SELL walks
/// bids accumulating shares (`amount` is shares). The answer is the worst level needed.
/// When depth runs out, FOK fails and every other type takes the worst listed level, as
/// all official clients do.
pub fn market_price(
    side: Side,
    amount: MarketAmount,
    levels: &[BookLevel],
    order_type: OrderType,
) -> Result<Price, AmountError> {
    let amount = amount.for_side(side)?;
    let Some(worst) = levels.first() else {
        return Err(AmountError::EmptyBook(match side {
            Side::Buy => "ask",
            Side::Sell => "bid",
        }));
    };
    let mut filled = Decimal::ZERO;
    for (index, level) in levels.iter().enumerate().rev() {
        if level.price.is_zero() {
            return Err(AmountError::InvalidLevel {
                index,
                reason: "price must be positive",
            });
        }
        let step = match side {
            Side::Buy => level.size.get().checked_mul(level.price.get()),
            Side::Sell => Some(level.size.get()),
        };
        filled = step
            .and_then(|s| filled.checked_add(s))
            .ok_or(AmountError::Overflow(level.size.get()))?;
        if filled >= amount {
            return Ok(level.price);
        }
    }
    if order_type == OrderType::Fok {
        return Err(AmountError::InsufficientLiquidity {
            wanted: amount,
            available: filled,
        });
    }
    Ok(worst.price)
}

/// Amounts of a marketable (FOK/FAK) order at `price`.
///
/// BUY: `amount` is collateral to spend; maker = amount, taker = amount / price.
/// SELL: `amount` is shares to sell; maker = amount, taker = amount × price.
/// The price is first rounded down to the tick's decimals (a no-op for book prices). Maker
/// is truncated to 2 decimals, taker to [`market_taker_decimals`] (at most 4, §13.1).
pub fn market_order_amounts(
    side: Side,
    amount: MarketAmount,
    price: Price,
    tick: TickSize,
) -> Result<OrderAmounts, AmountError> {
    let amount = amount.for_side(side)?;
    let rc = RoundingConfig::for_tick(tick);
    let price = truncate(price.get(), rc.price);
    check_price(price, tick)?;
    if amount <= Decimal::ZERO {
        return Err(AmountError::AmountNotPositive(amount));
    }
    let maker = truncate(amount, MARKET_MAKER_DECIMALS);
    if maker.is_zero() {
        return Err(AmountError::AmountBelowLot(amount));
    }
    // rust_decimal keeps 28 significant digits and rounds the last one. A 2-decimal amount
    // divided by a ≤4-decimal price is a fraction n/k with k ≤ 10^6, so it is either exactly
    // on a 10^-6 truncation boundary or at least 10^-12 away from it, far more than that
    // last-digit rounding error for any amount below 10^12: truncation stays exact.
    let raw_taker = match side {
        Side::Buy => maker.checked_div(price),
        Side::Sell => maker.checked_mul(price),
    }
    .ok_or(AmountError::Overflow(amount))?;
    let taker = truncate(raw_taker, market_taker_decimals(tick));
    Ok(OrderAmounts {
        maker: to_base_units(maker)?,
        taker: to_base_units(taker)?,
        price,
    })
}

/// Test inputs written as text, shared by this module's tests and `marketable`'s.
#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    pub(crate) fn d(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    pub(crate) fn p(s: &str) -> Price {
        s.parse().unwrap()
    }

    pub(crate) fn sh(s: &str) -> Shares {
        s.parse().unwrap()
    }

    pub(crate) fn usd(s: &str) -> MarketAmount {
        MarketAmount::Collateral(s.parse().unwrap())
    }

    pub(crate) fn shares(s: &str) -> MarketAmount {
        MarketAmount::Shares(s.parse().unwrap())
    }

    pub(crate) fn limit(side: Side, price: &str, size: &str, tick: TickSize) -> (u128, u128) {
        let a = limit_order_amounts(side, p(price), sh(size), tick).unwrap();
        (a.maker, a.taker)
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;

    #[test]
    fn worked_examples_from_the_protocol() {
        assert_eq!(
            limit(Side::Buy, "0.57", "10.5", TickSize::Hundredth),
            (5_985_000, 10_500_000)
        );
        assert_eq!(
            limit(Side::Sell, "0.22", "19.69", TickSize::Hundredth),
            (19_690_000, 4_331_800)
        );
    }

    #[test]
    fn cases_where_python_float_rounding_loses_a_unit() {
        // From vectors/rounding_divergence_report.json: exact decimals agree with TS here.
        assert_eq!(
            limit(Side::Sell, "0.2646", "2581.7", TickSize::TenThousandth),
            (2_581_700_000, 683_117_820)
        );
        assert_eq!(
            limit(Side::Buy, "0.9275", "4940.19", TickSize::QuarterCent),
            (4_582_026_225, 4_940_190_000)
        );
        assert_eq!(
            limit(Side::Buy, "0.405", "604.56", TickSize::HalfCent),
            (244_846_800, 604_560_000)
        );
        // round_down(532.06, 2) is 532.05 in Python floats.
        assert_eq!(
            limit(Side::Sell, "0.5", "532.06", TickSize::Tenth),
            (532_060_000, 266_030_000)
        );
    }

    #[test]
    fn size_is_truncated_to_the_lot_not_rounded() {
        assert_eq!(
            limit(Side::Buy, "0.29", "33.337", TickSize::Hundredth),
            (9_665_700, 33_330_000)
        );
        assert_eq!(
            limit(Side::Buy, "0.5", "0.019", TickSize::Tenth),
            (5_000, 10_000)
        );
        assert_eq!(
            limit_order_amounts(Side::Buy, p("0.5"), sh("0.009"), TickSize::Tenth),
            Err(AmountError::SizeBelowLot(d("0.009")))
        );
    }

    #[test]
    fn bad_limit_inputs_are_typed_errors() {
        let t = TickSize::Hundredth;
        assert!(matches!(
            limit_order_amounts(Side::Buy, p("0.575"), sh("10"), t),
            Err(AmountError::PriceOffTick { .. })
        ));
        assert!(matches!(
            limit_order_amounts(Side::Buy, p("0"), sh("10"), t),
            Err(AmountError::PriceOutOfRange { .. })
        ));
        assert!(matches!(
            limit_order_amounts(Side::Buy, p("0.996"), sh("10"), TickSize::HalfCent),
            Err(AmountError::PriceOutOfRange { .. })
        ));
        assert!(matches!(
            limit_order_amounts(Side::Buy, p("1"), sh("10"), t),
            Err(AmountError::PriceOutOfRange { .. })
        ));
        // Negative prices and sizes cannot even be constructed.
        assert!("-0.5".parse::<Price>().is_err());
        assert!("-3".parse::<Shares>().is_err());
        assert_eq!(
            limit_order_amounts(Side::Buy, p("0.5"), sh("0"), t),
            Err(AmountError::SizeNotPositive(d("0")))
        );
        // Extremes of the grid are accepted.
        assert_eq!(limit(Side::Buy, "0.01", "1", t), (10_000, 1_000_000));
        assert_eq!(limit(Side::Sell, "0.99", "1", t), (1_000_000, 990_000));
        assert_eq!(
            limit(Side::Buy, "0.0001", "1", TickSize::TenThousandth),
            (100, 1_000_000)
        );
    }

    fn book() -> (Vec<BookLevel>, Vec<BookLevel>) {
        let lv = |price: &str, size: &str| BookLevel {
            price: p(price),
            size: sh(size),
        };
        let asks = vec![lv("0.60", "100"), lv("0.55", "100"), lv("0.52", "50")];
        let bids = vec![lv("0.40", "100"), lv("0.45", "100"), lv("0.48", "30")];
        (asks, bids)
    }

    #[test]
    fn market_price_walks_from_the_best_level() {
        let (asks, bids) = book();
        assert_eq!(
            market_price(Side::Buy, usd("40"), &asks, OrderType::Fok).unwrap(),
            p("0.55")
        );
        assert_eq!(
            market_price(Side::Buy, usd("26"), &asks, OrderType::Fok).unwrap(),
            p("0.52")
        );
        assert_eq!(
            market_price(Side::Sell, shares("120"), &bids, OrderType::Fok).unwrap(),
            p("0.45")
        );
        assert_eq!(
            market_price(Side::Buy, usd("500"), &asks, OrderType::Fak).unwrap(),
            p("0.60")
        );
        assert!(matches!(
            market_price(Side::Buy, usd("500"), &asks, OrderType::Fok),
            Err(AmountError::InsufficientLiquidity { .. })
        ));
        assert_eq!(
            market_price(Side::Sell, shares("1"), &[], OrderType::Fak),
            Err(AmountError::EmptyBook("bid"))
        );
        assert!(matches!(
            market_price(Side::Sell, usd("1"), &bids, OrderType::Fak),
            Err(AmountError::WrongAmountUnit { .. })
        ));
        assert!(matches!(
            market_order_amounts(Side::Buy, shares("1"), p("0.5"), TickSize::Tenth),
            Err(AmountError::WrongAmountUnit { .. })
        ));
    }

    #[test]
    fn market_amounts() {
        let a = market_order_amounts(Side::Buy, usd("40"), p("0.55"), TickSize::Hundredth).unwrap();
        assert_eq!((a.maker, a.taker), (40_000_000, 72_727_200));
        let a = market_order_amounts(Side::Sell, shares("120"), p("0.45"), TickSize::Hundredth)
            .unwrap();
        assert_eq!((a.maker, a.taker), (120_000_000, 54_000_000));
        let a = market_order_amounts(Side::Buy, usd("500"), p("0.6"), TickSize::Hundredth).unwrap();
        assert_eq!((a.maker, a.taker), (500_000_000, 833_333_300));
        // Float clients land just below the integer here; exact arithmetic does not.
        let a = market_order_amounts(Side::Buy, usd("4375.44"), p("0.001"), TickSize::Thousandth)
            .unwrap();
        assert_eq!((a.maker, a.taker), (4_375_440_000, 4_375_440_000_000));
        let a = market_order_amounts(
            Side::Buy,
            usd("2412.147"),
            p("0.0025"),
            TickSize::QuarterCent,
        )
        .unwrap();
        assert_eq!((a.maker, a.taker), (2_412_140_000, 964_856_000_000));
        assert_eq!(
            market_order_amounts(Side::Buy, usd("0"), p("0.5"), TickSize::Tenth),
            Err(AmountError::AmountNotPositive(d("0")))
        );
        assert_eq!(
            market_order_amounts(Side::Buy, usd("0.001"), p("0.5"), TickSize::Tenth),
            Err(AmountError::AmountBelowLot(d("0.001")))
        );
    }
}
