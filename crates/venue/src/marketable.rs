//! Production's rules for marketable (FOK/FAK) orders (PROTOCOL.md §13.1) and the fee-aware
//! BUY sizing of §2.9.
//!
//! Invariants:
//! - a marketable order's maker amount has at most [`MARKET_MAKER_DECIMALS`] (2) decimals
//!   and its taker amount at most [`MARKET_TAKER_DECIMALS`] (4), whatever the tick size:
//!   production refuses anything finer (`invalid amounts, the market buy orders maker amount
//!   supports a max accuracy of 2 decimals, taker amount a max of 4 decimals`);
//! - a price/size order sent as FOK/FAK keeps its exact amounts or is refused with
//!   [`AmountError::MarketablePrecision`], which names the largest size that fits: the
//!   user's price is never moved and the size never silently cut;
//! - the BUY sizing result is truncated to 2 decimals, so it can be a maker amount as is.

use polyagent_domain::money::{Collateral, Price, Shares};
use polyagent_domain::trading::{Side, TickSize};
use rust_decimal::Decimal;

use crate::amounts::{
    AmountError, LOT_DECIMALS, OrderAmounts, RoundingConfig, limit_order_amounts, truncate,
};

/// Most decimals production accepts on a marketable (FOK/FAK) order's maker amount (§13.1).
pub const MARKET_MAKER_DECIMALS: u32 = 2;

/// Most decimals production accepts on a marketable (FOK/FAK) order's taker amount (§13.1).
pub const MARKET_TAKER_DECIMALS: u32 = 4;

/// Which leg of an order an amount is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leg {
    Maker,
    Taker,
}

impl std::fmt::Display for Leg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Leg::Maker => "maker",
            Leg::Taker => "taker",
        })
    }
}

/// The size to suggest when a marketable price/size order is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeHint(pub Option<Decimal>);

impl std::fmt::Display for SizeHint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(size) => write!(
                f,
                "use a size of {size} shares (the largest below it that fits)"
            ),
            None => f.write_str("no smaller size fits at this price"),
        }
    }
}

/// Decimals of a marketable order's computed (taker) leg: production's cap of 4 (§13.1), or
/// fewer where the tick's own rule gives fewer (3 at tick 0.1, as the official SDKs send).
pub const fn market_taker_decimals(tick: TickSize) -> u32 {
    let own = RoundingConfig::for_tick(tick).amount;
    if own < MARKET_TAKER_DECIMALS {
        own
    } else {
        MARKET_TAKER_DECIMALS
    }
}

/// Amounts of a price/size order sent as FOK/FAK: the limit rule's exact amounts (size
/// truncated to the lot, collateral = size × price), held to production's marketable caps
/// (maker ≤ 2 decimals, taker ≤ 4). An order that breaks them is refused with
/// [`AmountError::MarketablePrecision`]: its price is never moved to make it fit.
pub fn marketable_limit_amounts(
    side: Side,
    price: Price,
    size: Shares,
    tick: TickSize,
) -> Result<OrderAmounts, AmountError> {
    let exact = limit_order_amounts(side, price, size, tick)?;
    let (price, shares) = (price.get(), truncate(size.get(), LOT_DECIMALS));
    let collateral = (shares * price).normalize();
    // The shares leg has 2 decimals and both caps allow at least 2: only the collateral leg
    // (a BUY's maker, a SELL's taker) can break a cap.
    let (leg, max_decimals) = match side {
        Side::Buy => (Leg::Maker, MARKET_MAKER_DECIMALS),
        Side::Sell => (Leg::Taker, MARKET_TAKER_DECIMALS),
    };
    if collateral.scale() > max_decimals {
        return Err(AmountError::MarketablePrecision {
            side,
            price,
            size: shares,
            leg,
            amount: collateral,
            max_decimals,
            hint: SizeHint(fitting_size(shares, price, max_decimals)),
        });
    }
    Ok(exact)
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The largest lot-multiple size at most `shares` whose `size × price` has at most
/// `max_decimals` decimals; `None` if only zero does.
fn fitting_size(shares: Decimal, price: Decimal, max_decimals: u32) -> Option<Decimal> {
    let price = price.normalize();
    let mut lots = shares;
    lots.rescale(LOT_DECIMALS);
    let lots = u128::try_from(lots.mantissa()).ok()?;
    let ticks = u128::try_from(price.mantissa()).ok()?;
    // size × price = lots × ticks / 10^(2 + price scale): it has at most `max_decimals`
    // decimals when lots × ticks is a multiple of 10^excess.
    let excess = (LOT_DECIMALS + price.scale()).saturating_sub(max_decimals);
    let modulus = 10u128.checked_pow(excess)?;
    let step = modulus / gcd(ticks, modulus);
    let fitted = lots / step * step;
    if fitted == 0 {
        return None;
    }
    let fitted = i64::try_from(fitted).ok()?;
    Some(Decimal::new(fitted, LOT_DECIMALS).normalize())
}

/// The fee-aware BUY sizing of PROTOCOL.md §2.9 (the SDKs' `adjustBuyAmountForBalance`):
/// when spending `amount` plus its fee would not fit in `balance`, spend
/// `balance − fee` instead. With `platform = rate × (p(1 − p))^exponent × (1 + slippage%)`,
/// `base = min(amount, balance)` and `fee = base / p × platform + base × builder_taker_rate`.
/// The result is truncated to 2 decimals: it becomes a marketable BUY's maker amount, which
/// production caps at 2 decimals (§13.1). Zero means nothing can be bought.
pub fn buy_amount_within_balance(
    amount: Collateral,
    balance: Collateral,
    price: Price,
    fees: &crate::types::FeeCurve,
    slippage_percent: Decimal,
    builder_taker_rate: Decimal,
) -> Result<Decimal, AmountError> {
    let (amount, balance, p) = (amount.get(), balance.get(), price.get());
    if p.is_zero() {
        return Err(AmountError::InvalidLevel {
            index: 0,
            reason: "price must be positive",
        });
    }
    for (what, value) in [
        ("slippage", slippage_percent),
        ("builder taker fee rate", builder_taker_rate),
    ] {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(AmountError::Negative { what, value });
        }
    }
    let overflow = || AmountError::Overflow(amount);
    let mut curve = Decimal::ONE;
    let base_curve = p * (Decimal::ONE - p);
    for _ in 0..fees.exponent {
        curve = curve.checked_mul(base_curve).ok_or_else(overflow)?;
    }
    let platform = fees
        .rate
        .checked_mul(curve)
        .and_then(|r| r.checked_mul(Decimal::ONE + slippage_percent / Decimal::ONE_HUNDRED))
        .ok_or_else(overflow)?;
    let base = amount.min(balance);
    let fee = (base / p)
        .checked_mul(platform)
        .and_then(|f| f.checked_add(base.checked_mul(builder_taker_rate)?))
        .ok_or_else(overflow)?;
    let spend = if balance <= amount + fee {
        (balance - fee).max(Decimal::ZERO)
    } else {
        amount
    };
    Ok(truncate(spend, MARKET_MAKER_DECIMALS))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amounts::test_support::*;
    use crate::amounts::{TOKEN_DECIMALS, market_order_amounts};

    /// Decimals of a base-unit amount once written as a decimal (6 decimals on chain).
    fn decimals(units: u128) -> u32 {
        Decimal::from_i128_with_scale(i128::try_from(units).unwrap(), TOKEN_DECIMALS)
            .normalize()
            .scale()
    }

    #[test]
    fn marketable_amounts_obey_production_caps_at_every_tick() {
        // PROTOCOL.md §13.1: the official SDKs truncate the taker leg to price decimals + 2
        // (5 or 6 on fine ticks), which production refuses; we truncate to at most 4.
        let cases = [
            // (side, amount, price, tick, maker, taker)
            (
                Side::Buy,
                "10",
                "0.003",
                TickSize::Thousandth,
                10_000_000,
                3_333_333_300,
            ),
            (
                Side::Buy,
                "7",
                "0.0003",
                TickSize::TenThousandth,
                7_000_000,
                23_333_333_300,
            ),
            (
                Side::Buy,
                "1",
                "0.0075",
                TickSize::QuarterCent,
                1_000_000,
                133_333_300,
            ),
            (
                Side::Buy,
                "1",
                "0.015",
                TickSize::HalfCent,
                1_000_000,
                66_666_600,
            ),
            (
                Side::Buy,
                "26.379",
                "0.997",
                TickSize::Thousandth,
                26_370_000,
                26_449_300,
            ),
            (
                Side::Sell,
                "12.37",
                "0.1234",
                TickSize::TenThousandth,
                12_370_000,
                1_526_400,
            ),
            (
                Side::Sell,
                "3.33",
                "0.0025",
                TickSize::QuarterCent,
                3_330_000,
                8_300,
            ),
            (
                Side::Sell,
                "1.01",
                "0.001",
                TickSize::Thousandth,
                1_010_000,
                1_000,
            ),
            // Tick 0.1 keeps the SDKs' 3 decimals (fewer than the cap): byte-identical.
            (
                Side::Buy,
                "500",
                "0.6",
                TickSize::Tenth,
                500_000_000,
                833_333_000,
            ),
            (
                Side::Buy,
                "500",
                "0.6",
                TickSize::Hundredth,
                500_000_000,
                833_333_300,
            ),
        ];
        for (side, amount, price, tick, maker, taker) in cases {
            let amount = match side {
                Side::Buy => usd(amount),
                Side::Sell => shares(amount),
            };
            let a = market_order_amounts(side, amount, p(price), tick).unwrap();
            assert_eq!((a.maker, a.taker), (maker, taker), "{side} {price} {tick}");
            assert!(decimals(a.maker) <= MARKET_MAKER_DECIMALS);
            assert!(decimals(a.taker) <= MARKET_TAKER_DECIMALS);
        }
    }

    #[test]
    fn a_marketable_buys_implied_price_still_crosses() {
        // Truncating the taker makes maker / taker a hair above the price: it still crosses.
        let a =
            market_order_amounts(Side::Buy, usd("10"), p("0.003"), TickSize::Thousandth).unwrap();
        let implied = Decimal::from(a.maker) / Decimal::from(a.taker);
        assert!(implied >= d("0.003"), "{implied}");
    }

    #[test]
    fn a_price_size_fok_is_held_to_the_marketable_caps() {
        let t = TickSize::Hundredth;
        let fits = marketable_limit_amounts(Side::Buy, p("0.57"), sh("10"), t).unwrap();
        assert_eq!((fits.maker, fits.taker), (5_700_000, 10_000_000));
        let sell = marketable_limit_amounts(Side::Sell, p("0.22"), sh("19.69"), t).unwrap();
        assert_eq!((sell.maker, sell.taker), (19_690_000, 4_331_800));
        // 10.5 × 0.57 = 5.985: a 3-decimal maker on a BUY; 10 shares fit.
        let refused = marketable_limit_amounts(Side::Buy, p("0.57"), sh("10.5"), t).unwrap_err();
        assert_eq!(
            refused,
            AmountError::MarketablePrecision {
                side: Side::Buy,
                price: d("0.57"),
                size: d("10.5"),
                leg: Leg::Maker,
                amount: d("5.985"),
                max_decimals: 2,
                hint: SizeHint(Some(d("10"))),
            }
        );
        let text = refused.to_string();
        assert!(text.contains("use a size of 10 shares"), "{text}");
        assert!(text.contains("GTC/GTD"), "{text}");
        // A SELL's taker: 10.01 × 0.0001 = 0.001001 (6 decimals); 10 shares fit.
        assert!(matches!(
            marketable_limit_amounts(Side::Sell, p("0.0001"), sh("10.01"), TickSize::TenThousandth),
            Err(AmountError::MarketablePrecision {
                leg: Leg::Taker,
                max_decimals: 4,
                hint: SizeHint(Some(size)),
                ..
            }) if size == d("10")
        ));
        // 3 × 0.333 = 0.999: no smaller lot multiple has a 2-decimal cost.
        assert!(matches!(
            marketable_limit_amounts(Side::Buy, p("0.333"), sh("3"), TickSize::Thousandth),
            Err(AmountError::MarketablePrecision {
                hint: SizeHint(None),
                ..
            })
        ));
        // The same order resting (GTC) keeps the limit rule.
        assert_eq!(limit(Side::Buy, "0.57", "10.5", t), (5_985_000, 10_500_000));
        // Off-grid prices are refused, never moved.
        assert!(matches!(
            marketable_limit_amounts(Side::Buy, p("0.575"), sh("10"), t),
            Err(AmountError::PriceOffTick { .. })
        ));
    }

    #[test]
    fn fitting_sizes_really_fit() {
        for (price, size, cap) in [
            ("0.57", "10.5", 2),
            ("0.0001", "10.01", 4),
            ("0.0025", "777.77", 2),
            ("0.123", "55.55", 2),
            ("0.9999", "1234.56", 4),
        ] {
            let fitted = fitting_size(d(size), d(price), cap).unwrap();
            assert!(fitted <= d(size));
            assert!(
                (fitted * d(price)).normalize().scale() <= cap,
                "{price} {size}"
            );
            // The next lot up does not fit (or is beyond the size).
            let next = fitted + d("0.01");
            assert!(next > d(size) || (next * d(price)).normalize().scale() > cap);
        }
    }

    #[test]
    fn fee_aware_buy_sizing_truncates_to_two_decimals() {
        let fees = crate::types::FeeCurve {
            rate: d("0.02"),
            exponent: 1,
            taker_only: true,
        };
        let c = |s: &str| -> Collateral { s.parse().unwrap() };
        // Enough balance: the amount stands.
        assert_eq!(
            buy_amount_within_balance(c("100"), c("1000"), p("0.5"), &fees, d("0"), d("0"))
                .unwrap(),
            d("100")
        );
        // fee = 100 / 0.5 × 0.02 × 0.25 = 1; 100.333 − 1 = 99.333, truncated to 99.33.
        assert_eq!(
            buy_amount_within_balance(c("100"), c("100.333"), p("0.5"), &fees, d("0"), d("0"))
                .unwrap(),
            d("99.33")
        );
        // Slippage 10% and a 1% builder fee: fee = 2 × 0.005 × 1.1 × 100... on base 50.
        let spend =
            buy_amount_within_balance(c("60"), c("50"), p("0.5"), &fees, d("10"), d("0.01"))
                .unwrap();
        // base 50: 100 × 0.0055 + 0.5 = 1.05 → 48.95.
        assert_eq!(spend, d("48.95"));
        assert!(spend.scale() <= MARKET_MAKER_DECIMALS);
        assert_eq!(
            buy_amount_within_balance(c("1"), c("0.001"), p("0.5"), &fees, d("0"), d("0")).unwrap(),
            d("0")
        );
        assert!(matches!(
            buy_amount_within_balance(c("1"), c("1"), p("0.5"), &fees, d("-1"), d("0")),
            Err(AmountError::Negative { .. })
        ));
    }
}
