//! Paper execution: fills simulated against an order-book snapshot, with a virtual balance.
//!
//! Invariants (so paper results are honest):
//! - an order trades only against the snapshot's levels at or better than its limit, level
//!   by level, best first; what the book cannot fill at the limit is cancelled (FAK), so
//!   partial fills happen exactly when the book is thin;
//! - sizes follow the venue's lot: shares and pUSD amounts are truncated to 0.01, and a limit
//!   must lie on the market's tick grid (checked with `polyagent_venue::amounts`);
//! - every level traded pays the V2 taker fee `shares × rate × (p(1 − p))^exponent`, floored
//!   to 5 decimals per level as the venue (and the simulator's `FeeCurve::fee`) does; buys
//!   pay it on top, sales out of the proceeds;
//! - the account never goes negative: a buy is shrunk to what the cash covers with its fee,
//!   a sale to the shares held;
//! - the snapshot is not depleted between orders: the owner passes the book of the moment.

use polyagent_domain::money::{Collateral, Price, Shares};
use polyagent_domain::trading::{Side as VenueSide, TickSize};
use polyagent_venue::amounts::{self, BookLevel, MarketAmount};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::event::{Event, Fill, Leg, OrderRequest, Side};

/// The V2 fee curve of a market.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeCurve {
    pub rate: Decimal,
    pub exponent: u32,
}

impl FeeCurve {
    pub const FREE: FeeCurve = FeeCurve {
        rate: Decimal::ZERO,
        exponent: 1,
    };

    /// The taker fee in pUSD for `shares` traded at `price`, floored to 5 decimals.
    pub fn fee(&self, shares: Decimal, price: Decimal) -> Decimal {
        if self.rate.is_zero() {
            return Decimal::ZERO;
        }
        let base = price * (Decimal::ONE - price);
        let mut factor = Decimal::ONE;
        for _ in 0..self.exponent {
            factor *= base;
        }
        (shares * self.rate * factor).round_dp_with_strategy(5, RoundingStrategy::ToZero)
    }
}

/// An order-book snapshot of the primary outcome, best level first on each side.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Book {
    pub bids: Vec<BookLevel>,
    pub asks: Vec<BookLevel>,
}

impl Book {
    /// A one-level book: `depth` shares at the bid and at the ask.
    pub fn top(bid: Option<Decimal>, ask: Option<Decimal>, depth: Decimal) -> Book {
        let level = |p: Decimal| {
            Some(BookLevel {
                price: Price::new(p).ok()?,
                size: Shares::new(depth).ok()?,
            })
        };
        Book {
            bids: bid.and_then(level).into_iter().collect(),
            asks: ask.and_then(level).into_iter().collect(),
        }
    }

    /// The book of `leg`: the other outcome's bids are 1 − our asks, and vice versa.
    pub fn for_leg(&self, leg: Leg) -> Book {
        let flip = |levels: &[BookLevel]| {
            levels
                .iter()
                .filter_map(|l| {
                    Some(BookLevel {
                        price: Price::new(Decimal::ONE - l.price.get()).ok()?,
                        size: l.size,
                    })
                })
                .collect()
        };
        match leg {
            Leg::Primary => self.clone(),
            Leg::Complement => Book {
                bids: flip(&self.asks),
                asks: flip(&self.bids),
            },
        }
    }
}

/// A virtual account: cash and the shares of each outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperAccount {
    pub cash: Decimal,
    pub primary: Decimal,
    pub complement: Decimal,
    pub fees: FeeCurve,
    /// The market's tick as text (`"0.01"`), so the account stays serde-able.
    pub tick: String,
}

fn lot(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(amounts::LOT_DECIMALS, RoundingStrategy::ToZero)
}

impl PaperAccount {
    pub fn new(cash: Decimal, fees: FeeCurve, tick: TickSize) -> Self {
        Self {
            cash,
            primary: Decimal::ZERO,
            complement: Decimal::ZERO,
            fees,
            tick: tick.as_str().to_owned(),
        }
    }

    pub fn holding(&self, leg: Leg) -> Decimal {
        match leg {
            Leg::Primary => self.primary,
            Leg::Complement => self.complement,
        }
    }

    fn holding_mut(&mut self, leg: Leg) -> &mut Decimal {
        match leg {
            Leg::Primary => &mut self.primary,
            Leg::Complement => &mut self.complement,
        }
    }

    /// Cash plus holdings marked at `primary_price` (the complement at 1 − it).
    pub fn equity(&self, primary_price: Decimal) -> Decimal {
        self.cash + self.primary * primary_price + self.complement * (Decimal::ONE - primary_price)
    }

    /// Executes `order` against `book` (the primary outcome's book); returns the fill, or
    /// the rejection, to feed back to the bot.
    pub fn execute(&mut self, order: &OrderRequest, book: &Book) -> Event {
        match self.try_execute(order, book) {
            Ok(fill) => Event::Fill(fill),
            Err(reason) => Event::Rejected {
                order: order.id,
                reason,
            },
        }
    }

    fn try_execute(&mut self, order: &OrderRequest, book: &Book) -> Result<Fill, String> {
        let tick: TickSize = self.tick.parse().map_err(|e| format!("{e}"))?;
        let limit = Price::new(order.limit).map_err(|e| e.to_string())?;
        let book = book.for_leg(order.leg);
        let (mut shares, mut notional, mut fee) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
        match order.side {
            Side::Buy => {
                // The venue's own checks: limit on the grid, amount at least one lot.
                amounts::check_price(limit.get(), tick).map_err(|e| e.to_string())?;
                let amount = Collateral::new(order.size).map_err(|e| e.to_string())?;
                amounts::market_order_amounts(
                    VenueSide::Buy,
                    MarketAmount::Collateral(amount),
                    limit,
                    tick,
                )
                .map_err(|e| e.to_string())?;
                let budget = lot(order.size);
                // Per share, price plus fee never exceeds price × (1 + rate): p(1−p)^e ≤ p.
                let per_share_bound = Decimal::ONE + self.fees.rate;
                for level in book.asks.iter().take_while(|l| l.price <= limit) {
                    let p = level.price.get();
                    let by_budget = lot((budget - notional) / p);
                    let by_cash = lot((self.cash - notional - fee) / (p * per_share_bound));
                    let take = level.size.get().min(by_budget).min(by_cash);
                    if take <= Decimal::ZERO {
                        break;
                    }
                    shares += take;
                    notional += take * p;
                    fee += self.fees.fee(take, p);
                }
                if shares.is_zero() {
                    return Err(if book.asks.first().is_none_or(|l| l.price > limit) {
                        format!("no ask at or below {limit}")
                    } else {
                        format!("cash {} cannot buy a lot", self.cash)
                    });
                }
                self.cash -= notional + fee;
                *self.holding_mut(order.leg) += shares;
            }
            Side::Sell => {
                amounts::check_price(limit.get(), tick).map_err(|e| e.to_string())?;
                let wanted = lot(order.size.min(self.holding(order.leg)));
                if wanted <= Decimal::ZERO {
                    return Err(format!(
                        "holding {} shares, cannot sell {}",
                        self.holding(order.leg),
                        order.size
                    ));
                }
                for level in book.bids.iter().take_while(|l| l.price >= limit) {
                    let p = level.price.get();
                    let take = level.size.get().min(wanted - shares);
                    if take <= Decimal::ZERO {
                        break;
                    }
                    shares += take;
                    notional += take * p;
                    fee += self.fees.fee(take, p);
                }
                if shares.is_zero() {
                    return Err(format!("no bid at or above {limit}"));
                }
                self.cash += notional - fee;
                *self.holding_mut(order.leg) -= shares;
            }
        }
        Ok(Fill {
            order: order.id,
            leg: order.leg,
            side: order.side,
            shares,
            notional,
            fee,
            last: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::OrderId;
    use polyagent_simulator::units::{Micros, Pips};

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn level(p: &str, s: &str) -> BookLevel {
        BookLevel {
            price: p.parse().unwrap(),
            size: s.parse().unwrap(),
        }
    }

    fn order(side: Side, size: &str, limit: &str) -> OrderRequest {
        OrderRequest {
            id: OrderId(7),
            leg: Leg::Primary,
            side,
            size: d(size),
            limit: d(limit),
            reason: String::new(),
            placed_at: crate::Timestamp(0),
        }
    }

    fn book() -> Book {
        Book {
            bids: vec![level("0.48", "10"), level("0.47", "100")],
            asks: vec![
                level("0.50", "4"),
                level("0.51", "6"),
                level("0.53", "1000"),
            ],
        }
    }

    #[test]
    fn a_buy_walks_the_asks_up_to_its_limit_and_pays_fees_per_level() {
        let fees = FeeCurve {
            rate: d("0.02"),
            exponent: 1,
        };
        let mut acct = PaperAccount::new(d("100"), fees, TickSize::Hundredth);
        let Event::Fill(f) = acct.execute(&order(Side::Buy, "10", "0.52"), &book()) else {
            panic!()
        };
        // 4 @ 0.50 + 6 @ 0.51; the 0.53 level is above the limit: partial fill.
        assert_eq!((f.shares, f.notional), (d("10"), d("5.06")));
        // 4 × 0.02 × 0.25 = 0.02; 6 × 0.02 × 0.2499 = 0.029988 → 0.02998
        assert_eq!(f.fee, d("0.04998"));
        assert_eq!(acct.cash, d("100") - d("5.06") - d("0.04998"));
        assert_eq!(acct.primary, d("10"));

        let Event::Fill(s) = acct.execute(&order(Side::Sell, "20", "0.47"), &book()) else {
            panic!()
        };
        assert_eq!(
            (s.shares, s.notional),
            (d("10"), d("4.80")),
            "sells only what is held"
        );
        assert_eq!(acct.primary, Decimal::ZERO);
    }

    #[test]
    fn refusals_are_rejections_with_reasons() {
        let mut acct = PaperAccount::new(d("1"), FeeCurve::FREE, TickSize::Hundredth);
        let no_ask = acct.execute(&order(Side::Buy, "1", "0.49"), &book());
        assert!(
            matches!(&no_ask, Event::Rejected { reason, .. } if reason.contains("no ask")),
            "{no_ask:?}"
        );
        assert!(matches!(
            acct.execute(&order(Side::Buy, "1", "0.505"), &book()),
            Event::Rejected { .. }
        ));
        assert!(matches!(
            acct.execute(&order(Side::Sell, "1", "0.47"), &book()),
            Event::Rejected { .. }
        ));
        let Event::Fill(f) = acct.execute(&order(Side::Buy, "5", "0.53"), &book()) else {
            panic!()
        };
        assert_eq!(f.shares, d("2"), "cash caps the buy");
    }

    #[test]
    fn the_other_outcome_trades_on_the_mirrored_book() {
        let mut acct = PaperAccount::new(d("100"), FeeCurve::FREE, TickSize::Hundredth);
        let mut o = order(Side::Buy, "2.6", "0.52");
        o.leg = Leg::Complement;
        let Event::Fill(f) = acct.execute(&o, &book()) else {
            panic!()
        };
        // Complement asks are 1 − our bids: 0.52 (10 shares).
        assert_eq!((f.shares, f.notional), (d("5"), d("2.60")));
        assert_eq!(acct.complement, d("5"));
        assert_eq!(acct.equity(d("0.5")), d("99.90"));
    }

    #[test]
    fn fees_match_the_simulators_v2_curve() {
        for (rate, exponent) in [("0.02", 1u32), ("0.25", 2), ("0.1", 1)] {
            let ours = FeeCurve {
                rate: d(rate),
                exponent,
            };
            let sim = polyagent_simulator::exchange::FeeCurve {
                rate: d(rate),
                exponent,
                taker_only: true,
            };
            for pips in [100u32, 1234, 5000, 7777, 9900] {
                for micros in [10_000u64, 1_234_567, 500_000_000] {
                    let shares = Decimal::new(micros as i64, 6);
                    let price = Decimal::new(i64::from(pips), 4);
                    assert_eq!(
                        ours.fee(shares, price),
                        sim.fee(Micros(micros), Pips(pips)).to_decimal()
                    );
                }
            }
        }
    }
}
