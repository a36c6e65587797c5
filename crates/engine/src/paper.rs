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
//! - the snapshot is not depleted between orders: the owner passes the book of the moment;
//! - a resting order (resting execution) first takes what the book offers up to its limit,
//!   as a taker (with fees); the rest waits at its limit and trades only when the book
//!   comes to it (a buy when the best ask is at or below its price, a sale when the best bid
//!   is at or above it), as a maker: at its own price, no fee, at most the size the crossing
//!   levels show. Its limit is put on the tick grid on the safe side (buys down, sales up).

use polyagent_domain::money::{Collateral, Price, Shares};
use polyagent_domain::trading::{Side as VenueSide, TickSize};
use polyagent_venue::amounts::{self, BookLevel, MarketAmount};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::config::ExecutionStyle;
use crate::event::{Event, Fill, Leg, OrderId, OrderRequest, Side};

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
    /// The resting order waiting on the book, if any (resting execution).
    #[serde(default)]
    pub resting: Option<RestingOrder>,
    /// Fills of resting orders so far: numbers their trades, which come in parts.
    #[serde(default)]
    pub resting_fills: u64,
}

/// A paper order resting at its limit, with what is left of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestingOrder {
    /// The order as placed, its limit on the tick grid.
    pub order: OrderRequest,
    /// pUSD left to spend (a buy) or shares left to sell.
    pub remaining: Decimal,
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
            resting: None,
            resting_fills: 0,
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

    /// Places `order` in its style: FAK trades what the book has now ([`Self::execute`]);
    /// FOK all of it or nothing; a resting order takes what crosses now and rests with the
    /// rest (see the module docs). Returns the results to feed back to the bot, in order;
    /// none when a resting order crossed nothing and just waits.
    pub fn place(&mut self, order: &OrderRequest, book: &Book) -> Vec<Event> {
        match order.style {
            ExecutionStyle::Fak => vec![self.execute(order, book)],
            ExecutionStyle::Fok => {
                let mut trial = self.clone();
                match trial.try_execute(order, book) {
                    Ok(fill) if self.fills_all(order, &fill) => {
                        *self = trial;
                        vec![Event::Fill(fill)]
                    }
                    Ok(_) => vec![Event::Rejected {
                        order: order.id,
                        reason: format!(
                            "fill-or-kill: the book cannot fill all of it at {} or better",
                            order.limit
                        ),
                    }],
                    Err(reason) => vec![Event::Rejected {
                        order: order.id,
                        reason,
                    }],
                }
            }
            ExecutionStyle::Resting { .. } => self.place_resting(order, book),
        }
    }

    /// Whether `fill` leaves less than one lot of `order` unfilled.
    fn fills_all(&self, order: &OrderRequest, fill: &Fill) -> bool {
        match order.side {
            Side::Buy => lot(order.size) - fill.notional < order.limit * LOT,
            Side::Sell => fill.shares >= lot(order.size),
        }
    }

    fn place_resting(&mut self, order: &OrderRequest, book: &Book) -> Vec<Event> {
        let reject = |reason: String| {
            vec![Event::Rejected {
                order: order.id,
                reason,
            }]
        };
        if self.resting.is_some() {
            return reject("another order is already resting".into());
        }
        let Ok(tick) = self.tick.parse::<TickSize>() else {
            return reject(format!("bad tick {}", self.tick));
        };
        let mut order = order.clone();
        order.limit = on_grid(order.limit, order.side, tick);
        let leg_book = book.for_leg(order.leg);
        let crosses = match order.side {
            Side::Buy => leg_book
                .asks
                .first()
                .is_some_and(|l| l.price.get() <= order.limit),
            Side::Sell => leg_book
                .bids
                .first()
                .is_some_and(|l| l.price.get() >= order.limit),
        };
        let mut remaining = match order.side {
            Side::Buy => lot(order.size),
            Side::Sell => lot(order.size.min(self.holding(order.leg))),
        };
        if order.side == Side::Buy && self.cash < remaining {
            return reject(format!(
                "cash {} cannot cover a resting buy of {remaining}",
                self.cash
            ));
        }
        if remaining <= Decimal::ZERO || (order.side == Side::Buy && remaining < order.limit * LOT)
        {
            return reject(format!("nothing to place: {} is below one lot", order.size));
        }
        let mut out = Vec::new();
        if crosses {
            match self.try_execute(&order, book) {
                Ok(mut fill) => {
                    remaining -= match order.side {
                        Side::Buy => fill.notional,
                        Side::Sell => fill.shares,
                    };
                    fill.last = !rest_left(order.side, remaining, order.limit);
                    self.resting_fills += 1;
                    let done = fill.last;
                    out.push(Event::Fill(fill));
                    if done {
                        return out;
                    }
                }
                Err(reason) => return reject(reason),
            }
        }
        self.resting = Some(RestingOrder { order, remaining });
        out
    }

    /// A new book for the resting order: what crosses its limit trades at its limit, as a
    /// maker (no fee), up to the crossing levels' size and what is left of it. Returns the
    /// order and the fill, if anything traded.
    pub fn on_book(&mut self, book: &Book) -> Option<(OrderRequest, Event)> {
        let resting = self.resting.clone()?;
        let order = resting.order.clone();
        let limit = order.limit;
        let leg_book = book.for_leg(order.leg);
        let shares = match order.side {
            Side::Buy => {
                let offered: Decimal = leg_book
                    .asks
                    .iter()
                    .take_while(|l| l.price.get() <= limit)
                    .map(|l| l.size.get())
                    .sum();
                lot(offered
                    .min(resting.remaining / limit)
                    .min(self.cash / limit))
            }
            Side::Sell => {
                let wanted: Decimal = leg_book
                    .bids
                    .iter()
                    .take_while(|l| l.price.get() >= limit)
                    .map(|l| l.size.get())
                    .sum();
                lot(wanted.min(resting.remaining).min(self.holding(order.leg)))
            }
        };
        if shares <= Decimal::ZERO {
            return None;
        }
        let notional = shares * limit;
        let remaining = match order.side {
            Side::Buy => {
                self.cash -= notional;
                *self.holding_mut(order.leg) += shares;
                resting.remaining - notional
            }
            Side::Sell => {
                self.cash += notional;
                *self.holding_mut(order.leg) -= shares;
                resting.remaining - shares
            }
        };
        let last = !rest_left(order.side, remaining, limit);
        self.resting = if last {
            None
        } else {
            Some(RestingOrder {
                order: order.clone(),
                remaining,
            })
        };
        self.resting_fills += 1;
        let fill = Fill {
            order: order.id,
            leg: order.leg,
            side: order.side,
            shares,
            notional,
            fee: Decimal::ZERO,
            last,
        };
        Some((order, Event::Fill(fill)))
    }

    /// Takes the resting order `id` off the book; the bot hears that it is over.
    pub fn cancel(&mut self, id: OrderId) -> Option<Event> {
        if self.resting.as_ref().is_none_or(|r| r.order.id != id) {
            return None;
        }
        self.resting = None;
        Some(Event::Rejected {
            order: id,
            reason: "cancelled: the rest of the resting order is off the book".into(),
        })
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

/// One lot of shares (0.01).
const LOT: Decimal = Decimal::from_parts(1, 0, 0, false, 2);

/// Whether at least a lot of an order is left: pUSD for a buy (at its limit), shares to sell.
fn rest_left(side: Side, remaining: Decimal, limit: Decimal) -> bool {
    match side {
        Side::Buy => remaining >= limit * LOT,
        Side::Sell => remaining >= LOT,
    }
}

/// `price` on the tick grid, on the safe side: a buy never pays more, a sale never takes less.
pub fn on_grid(price: Decimal, side: Side, tick: TickSize) -> Decimal {
    let step = tick.as_decimal();
    let steps = price / step;
    let steps = match side {
        Side::Buy => steps.floor(),
        Side::Sell => steps.ceil(),
    };
    (steps * step)
        .max(step)
        .min(Decimal::ONE - step)
        .round_dp(tick.price_decimals())
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
            style: ExecutionStyle::Fak,
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

    fn resting(side: Side, size: &str, limit: &str) -> OrderRequest {
        OrderRequest {
            style: ExecutionStyle::Resting { ttl_secs: 60 },
            ..order(side, size, limit)
        }
    }

    #[test]
    fn a_resting_buy_waits_for_the_ask_then_fills_at_its_price_in_parts() {
        let mut account = PaperAccount::new(d("100"), FeeCurve::FREE, TickSize::Hundredth);
        // 0.455 goes on the grid at 0.45 (a buy never pays more); the ask is 0.50: it rests.
        let placed = account.place(&resting(Side::Buy, "9", "0.455"), &book());
        assert!(placed.is_empty(), "{placed:?}");
        assert_eq!(account.resting.as_ref().unwrap().order.limit, d("0.45"));
        // The book comes down, but not to 0.45: nothing.
        let near = Book {
            bids: vec![level("0.44", "100")],
            asks: vec![level("0.46", "100")],
        };
        assert_eq!(account.on_book(&near), None);
        // 4 shares offered at 0.45: 4 of the 20 bought, at 0.45, no fee; the rest waits.
        let thin = Book {
            bids: vec![level("0.43", "100")],
            asks: vec![level("0.45", "4"), level("0.47", "100")],
        };
        let (_, first) = account.on_book(&thin).unwrap();
        let Event::Fill(first) = first else { panic!() };
        assert_eq!(
            (first.shares, first.notional, first.fee, first.last),
            (d("4"), d("1.80"), d("0"), false)
        );
        assert_eq!(account.resting.as_ref().unwrap().remaining, d("7.20"));
        // Deep enough now: the other 16 shares (7.20 / 0.45), and the order is done.
        let deep = Book {
            bids: vec![level("0.42", "100")],
            asks: vec![level("0.44", "1000")],
        };
        let (_, second) = account.on_book(&deep).unwrap();
        let Event::Fill(second) = second else {
            panic!()
        };
        assert_eq!(
            (second.shares, second.notional, second.last),
            (d("16"), d("7.20"), true)
        );
        assert_eq!((account.cash, account.primary), (d("91.00"), d("20")));
        assert!(account.resting.is_none());
    }

    #[test]
    fn a_resting_order_that_crosses_takes_the_book_first_and_a_cancel_ends_it() {
        let mut account = PaperAccount::new(d("100"), FeeCurve::FREE, TickSize::Hundredth);
        account.primary = d("30");
        // A sale at ≥ 0.47 of 30 shares: 10 at 0.48 and 20 at 0.47 cross now... all of it.
        let done = account.place(&resting(Side::Sell, "30", "0.47"), &book());
        let [Event::Fill(fill)] = done.as_slice() else {
            panic!("{done:?}")
        };
        assert!(fill.last && fill.shares == d("30"));
        // At ≥ 0.49 nothing crosses: it rests, and a cancel takes it off.
        account.primary = d("30");
        assert!(
            account
                .place(&resting(Side::Sell, "30", "0.49"), &book())
                .is_empty()
        );
        assert_eq!(account.cancel(OrderId(8)), None, "not this order");
        let cancelled = account.cancel(OrderId(7)).unwrap();
        assert!(matches!(cancelled, Event::Rejected { .. }));
        assert!(account.resting.is_none());
        assert_eq!(account.on_book(&book()), None);
    }

    #[test]
    fn fill_or_kill_fills_all_or_nothing() {
        let mut account = PaperAccount::new(d("100"), FeeCurve::FREE, TickSize::Hundredth);
        let fok = |size: &str, limit: &str| OrderRequest {
            style: ExecutionStyle::Fok,
            ..order(Side::Buy, size, limit)
        };
        // 10 shares up to 0.51 cost 5.06: a 6 pUSD FOK at ≤ 0.51 cannot fill; nothing moves.
        let refused = account.place(&fok("6", "0.51"), &book());
        assert!(
            matches!(refused.as_slice(), [Event::Rejected { .. }]),
            "{refused:?}"
        );
        assert_eq!((account.cash, account.primary), (d("100"), d("0")));
        let filled = account.place(&fok("5", "0.51"), &book());
        assert!(
            matches!(filled.as_slice(), [Event::Fill(f)] if f.last),
            "{filled:?}"
        );
    }

    #[test]
    fn prices_go_on_the_grid_on_the_safe_side() {
        assert_eq!(
            on_grid(d("0.4851"), Side::Buy, TickSize::Hundredth),
            d("0.48")
        );
        assert_eq!(
            on_grid(d("0.4851"), Side::Sell, TickSize::Hundredth),
            d("0.49")
        );
        assert_eq!(
            on_grid(d("0.48"), Side::Sell, TickSize::Hundredth),
            d("0.48")
        );
        assert_eq!(
            on_grid(d("0.001"), Side::Buy, TickSize::Hundredth),
            d("0.01")
        );
    }
}
