//! Positions and P&L of one bot, from its fills alone.
//!
//! Conventions (and why):
//! - a position's cost basis is what was paid: Σ notional of buys + their fees. Realized
//!   P&L of a sale is its proceeds − its fee − the cost basis of the shares sold, so once
//!   flat, realized P&L = Σ sell proceeds − Σ buy notional − Σ fees exactly, as the fills
//!   imply, to the last decimal;
//! - a partial sale releases a proportional share of the basis and the remainder stays, so
//!   the released parts always add up to the whole basis (no drift from rounding);
//! - unrealized P&L marks at the displayed price (as the Polymarket UI does) and does not
//!   deduct a future exit fee; P&L % is relative to the cost basis;
//! - one position at a time, on one leg: a buy of the other leg while holding is an error,
//!   so is selling more than is held (the engine never asks for either);
//! - "today" is the UTC day of the injected `now`; today's figures reset when it changes.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::event::{Fill, Leg, Side};

/// Shares below one lot (0.01) cannot be sold on the venue.
const DUST_BELOW: Decimal = Decimal::from_parts(1, 0, 0, false, 2);
/// Decimal places of the cost basis a partial sale carries out of a position.
const BASIS_SCALE: u32 = 12;

/// What the bot holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub leg: Leg,
    pub shares: Decimal,
    /// Σ shares × price paid for the shares still held.
    pub notional: Decimal,
    /// Buy fees on the shares still held.
    pub fees: Decimal,
    pub opened_at: Timestamp,
}

impl Position {
    pub fn cost_basis(&self) -> Decimal {
        self.notional + self.fees
    }

    /// Average price paid per share, fees excluded.
    pub fn avg_entry(&self) -> Decimal {
        if self.shares.is_zero() {
            Decimal::ZERO
        } else {
            self.notional / self.shares
        }
    }

    pub fn unrealized(&self, mark: Decimal) -> Decimal {
        self.shares * mark - self.cost_basis()
    }

    /// Unrealized P&L as a percentage of the cost basis.
    pub fn unrealized_pct(&self, mark: Decimal) -> Decimal {
        pct(self.unrealized(mark), self.cost_basis())
    }
}

fn pct(part: Decimal, whole: Decimal) -> Decimal {
    if whole.is_zero() {
        Decimal::ZERO
    } else {
        part * Decimal::ONE_HUNDRED / whole
    }
}

/// Counters over a period (all time, or one UTC day).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub realized_pnl: Decimal,
    pub fees: Decimal,
    /// Σ notional of all fills.
    pub volume: Decimal,
    pub fills: u32,
    /// Closed round trips (flat again).
    pub trades: u32,
    pub wins: u32,
    /// Σ cost basis of closed round trips, for the realized P&L %.
    pub invested: Decimal,
}

impl Stats {
    pub fn win_rate_pct(&self) -> Decimal {
        pct(Decimal::from(self.wins), Decimal::from(self.trades))
    }

    pub fn realized_pct(&self) -> Decimal {
        pct(self.realized_pnl, self.invested)
    }

    /// Adds another bot's figures (for portfolio totals).
    pub fn add(&mut self, other: &Stats) {
        self.realized_pnl += other.realized_pnl;
        self.fees += other.fees;
        self.volume += other.volume;
        self.fills += other.fills;
        self.trades += other.trades;
        self.wins += other.wins;
        self.invested += other.invested;
    }
}

/// A finished round trip, from first buy to the sale that made the bot flat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosedTrade {
    pub leg: Leg,
    pub opened_at: Timestamp,
    pub closed_at: Timestamp,
    pub shares: Decimal,
    pub entry_notional: Decimal,
    pub exit_notional: Decimal,
    /// Buy and sell fees together.
    pub fees: Decimal,
    pub pnl: Decimal,
    /// `pnl` over the cost basis, in percent, rounded to 4 decimals (it is for display; the
    /// money figures are exact).
    pub pnl_pct: Decimal,
    /// Why the closing sale was placed (take profit, a spike up, ...).
    pub exit_reason: String,
}

impl ClosedTrade {
    pub fn avg_entry(&self) -> Decimal {
        self.entry_notional / self.shares
    }

    pub fn avg_exit(&self) -> Decimal {
        self.exit_notional / self.shares
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("a {0:?} buy arrived while holding the other outcome")]
    WrongLeg(Leg),
    #[error("a sale of {sold} shares exceeds the {held} held")]
    Oversold { sold: Decimal, held: Decimal },
    #[error("a fill must have positive shares and non-negative notional and fee")]
    BadFill,
}

/// The round trip in progress: the figures a [`ClosedTrade`] needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct OpenTrade {
    shares_bought: Decimal,
    entry_notional: Decimal,
    exit_notional: Decimal,
    fees: Decimal,
    realized: Decimal,
    basis: Decimal,
}

/// One bot's books.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    position: Option<Position>,
    open: OpenTrade,
    total: Stats,
    today: Stats,
    day: i64,
}

impl Ledger {
    pub fn position(&self) -> Option<&Position> {
        self.position.as_ref()
    }

    pub fn total(&self) -> &Stats {
        &self.total
    }

    /// Today's figures as of `now` (zero if the last fill was on an earlier UTC day).
    pub fn today(&self, now: Timestamp) -> Stats {
        if now.utc_day() == self.day {
            self.today.clone()
        } else {
            Stats::default()
        }
    }

    /// Cost basis currently at risk.
    pub fn exposure(&self) -> Decimal {
        self.position
            .as_ref()
            .map_or(Decimal::ZERO, Position::cost_basis)
    }

    /// Books a fill; returns the round trip it closed, if it made the bot flat.
    pub fn apply(
        &mut self,
        fill: &Fill,
        now: Timestamp,
        reason: &str,
    ) -> Result<Option<ClosedTrade>, LedgerError> {
        if fill.shares <= Decimal::ZERO || fill.notional < Decimal::ZERO || fill.fee < Decimal::ZERO
        {
            return Err(LedgerError::BadFill);
        }
        if now.utc_day() != self.day {
            self.day = now.utc_day();
            self.today = Stats::default();
        }
        match fill.side {
            Side::Buy => {
                match &mut self.position {
                    Some(p) if p.leg != fill.leg => return Err(LedgerError::WrongLeg(fill.leg)),
                    Some(p) => {
                        p.shares += fill.shares;
                        p.notional += fill.notional;
                        p.fees += fill.fee;
                    }
                    None => {
                        self.open = OpenTrade::default();
                        self.position = Some(Position {
                            leg: fill.leg,
                            shares: fill.shares,
                            notional: fill.notional,
                            fees: fill.fee,
                            opened_at: now,
                        });
                    }
                }
                self.open.shares_bought += fill.shares;
                self.open.entry_notional += fill.notional;
                self.open.fees += fill.fee;
                self.open.basis += fill.notional + fill.fee;
                self.book(fill, Decimal::ZERO);
                Ok(None)
            }
            Side::Sell => {
                let held = self
                    .position
                    .as_ref()
                    .filter(|p| p.leg == fill.leg)
                    .map_or(Decimal::ZERO, |p| p.shares);
                if fill.shares > held {
                    return Err(LedgerError::Oversold {
                        sold: fill.shares,
                        held,
                    });
                }
                let Some(p) = self.position.as_mut() else {
                    unreachable_flat()
                };
                let (notional_out, fees_out) = if fill.shares == p.shares {
                    (p.notional, p.fees)
                } else {
                    // Rounded to a fixed scale so every later subtraction is exact: the parts
                    // then sum to the whole, and a round trip's P&L equals its cash flows
                    // exactly (unrounded quotients carry 28 digits, and the remainders drift).
                    let n = (p.notional * fill.shares / p.shares).round_dp(BASIS_SCALE);
                    let f = (p.fees * fill.shares / p.shares).round_dp(BASIS_SCALE);
                    (n, f)
                };
                p.shares -= fill.shares;
                p.notional -= notional_out;
                p.fees -= fees_out;
                let mut realized = fill.notional - fill.fee - notional_out - fees_out;
                // A market buy can leave a fraction of a share below the venue's 0.01 lot that
                // no sell can carry. When the sell is complete, that dust is written off at its
                // cost, so P&L matches the wallet's pUSD to the cent and the trade closes.
                if fill.last && !p.shares.is_zero() && p.shares < DUST_BELOW {
                    realized -= p.notional + p.fees;
                    p.shares = Decimal::ZERO;
                    p.notional = Decimal::ZERO;
                    p.fees = Decimal::ZERO;
                }
                self.open.exit_notional += fill.notional;
                self.open.fees += fill.fee;
                self.open.realized += realized;
                let (flat, opened_at, leg) = (p.shares.is_zero(), p.opened_at, p.leg);
                self.book(fill, realized);
                if !flat {
                    return Ok(None);
                }
                self.position = None;
                let o = std::mem::take(&mut self.open);
                let win = o.realized > Decimal::ZERO;
                for s in [&mut self.total, &mut self.today] {
                    s.trades += 1;
                    s.wins += u32::from(win);
                    s.invested += o.basis;
                }
                Ok(Some(ClosedTrade {
                    leg,
                    opened_at,
                    closed_at: now,
                    shares: o.shares_bought,
                    entry_notional: o.entry_notional,
                    exit_notional: o.exit_notional,
                    fees: o.fees,
                    pnl: o.realized,
                    pnl_pct: pct(o.realized, o.basis).round_dp(4),
                    exit_reason: reason.to_owned(),
                }))
            }
        }
    }

    fn book(&mut self, fill: &Fill, realized: Decimal) {
        for s in [&mut self.total, &mut self.today] {
            s.realized_pnl += realized;
            s.fees += fill.fee;
            s.volume += fill.notional;
            s.fills += 1;
        }
    }

    /// A snapshot for the UI, marked at `mark` (the leg's displayed price).
    pub fn report(&self, mark: Option<Decimal>, now: Timestamp) -> PnlReport {
        let position = self.position.clone();
        let (unrealized, unrealized_pct) = match (&position, mark) {
            (Some(p), Some(m)) => (p.unrealized(m), p.unrealized_pct(m)),
            _ => (Decimal::ZERO, Decimal::ZERO),
        };
        PnlReport {
            position,
            unrealized,
            unrealized_pct,
            total: self.total.clone(),
            win_rate_pct: self.total.win_rate_pct(),
            today: self.today(now),
        }
    }
}

// Kept out of line: the caller has just checked `held > 0`, which implies a position.
#[cold]
fn unreachable_flat() -> ! {
    panic!("a sale passed the holdings check without a position")
}

/// P&L of one bot (or, summed with [`PnlReport::add`], of all bots).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PnlReport {
    pub position: Option<Position>,
    pub unrealized: Decimal,
    pub unrealized_pct: Decimal,
    pub total: Stats,
    pub win_rate_pct: Decimal,
    pub today: Stats,
}

impl PnlReport {
    /// Portfolio totals: sums the figures, drops the (per-bot) position.
    pub fn totals<'a>(reports: impl IntoIterator<Item = &'a PnlReport>) -> PnlReport {
        let mut out = PnlReport::default();
        let mut basis = Decimal::ZERO;
        for r in reports {
            out.unrealized += r.unrealized;
            basis += r
                .position
                .as_ref()
                .map_or(Decimal::ZERO, Position::cost_basis);
            out.total.add(&r.total);
            out.today.add(&r.today);
        }
        out.unrealized_pct = pct(out.unrealized, basis);
        out.win_rate_pct = out.total.win_rate_pct();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::OrderId;
    use proptest::prelude::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn fill(side: Side, shares: &str, price: &str, fee: &str) -> Fill {
        Fill {
            order: OrderId(1),
            leg: Leg::Primary,
            side,
            shares: d(shares),
            notional: d(shares) * d(price),
            fee: d(fee),
            last: true,
        }
    }

    #[test]
    fn dust_below_one_lot_is_written_off_when_the_sell_completes() {
        let mut l = Ledger::default();
        let t = Timestamp::from_secs(1_000);
        // A $10 market buy at 0.46: 21.7391 shares; only 21.73 can be sold.
        l.apply(&fill(Side::Buy, "21.7391", "0.46", "0"), t, "")
            .unwrap();
        let mut partial = fill(Side::Sell, "21.73", "0.49", "0");
        partial.last = false;
        assert!(
            l.apply(&partial, t, "").unwrap().is_none(),
            "more fills may come"
        );
        let mut l = Ledger::default();
        l.apply(&fill(Side::Buy, "21.7391", "0.46", "0"), t, "")
            .unwrap();
        let closed = l
            .apply(&fill(Side::Sell, "21.73", "0.49", "0"), t, "")
            .unwrap()
            .expect("flat");
        // Realized = proceeds − everything paid, dust included: the wallet's pUSD change.
        assert_eq!(
            closed.pnl,
            d("21.73") * d("0.49") - d("21.7391") * d("0.46")
        );
        assert!(l.position().is_none());
        // A sell that leaves a whole lot keeps the position open.
        let mut l = Ledger::default();
        l.apply(&fill(Side::Buy, "10", "0.46", "0"), t, "").unwrap();
        assert!(
            l.apply(&fill(Side::Sell, "9.99", "0.49", "0"), t, "")
                .unwrap()
                .is_none()
        );
        assert_eq!(l.position().unwrap().shares, d("0.01"));
    }

    #[test]
    fn a_round_trip_realizes_what_the_fills_imply() {
        let mut l = Ledger::default();
        let t = Timestamp::from_secs(1_000);
        l.apply(&fill(Side::Buy, "10", "0.40", "0.012"), t, "")
            .unwrap();
        l.apply(&fill(Side::Buy, "10", "0.50", "0.0125"), t, "")
            .unwrap();
        let p = l.position().unwrap();
        assert_eq!(p.avg_entry(), d("0.45"));
        assert_eq!(p.cost_basis(), d("9.0245"));
        assert_eq!(p.unrealized(d("0.50")), d("0.9755"));
        assert!(l.apply(&fill(Side::Sell, "21", "0.5", "0"), t, "").is_err());
        assert!(
            l.apply(&fill(Side::Sell, "5", "0.60", "0.012"), t, "tp")
                .unwrap()
                .is_none()
        );
        let closed = l
            .apply(
                &fill(Side::Sell, "15", "0.60", "0.036"),
                t.plus_secs(60),
                "tp",
            )
            .unwrap()
            .unwrap();
        // 20 × 0.60 − (4 + 5) − (0.012 + 0.0125 + 0.012 + 0.036)
        assert_eq!(closed.pnl, d("2.9275"));
        assert_eq!(l.total().realized_pnl, d("2.9275"));
        assert_eq!(l.total().fees, d("0.0725"));
        assert_eq!(
            (l.total().trades, l.total().wins, l.total().fills),
            (1, 1, 4)
        );
        assert_eq!(closed.avg_entry(), d("0.45"));
        assert_eq!(closed.avg_exit(), d("0.60"));
        assert!(l.position().is_none());
        assert_eq!(l.today(t.plus_secs(86_400)), Stats::default());
    }

    #[test]
    fn totals_add_up_bots() {
        let t = Timestamp::from_secs(1_000);
        let mut a = Ledger::default();
        a.apply(&fill(Side::Buy, "10", "0.40", "0"), t, "").unwrap();
        a.apply(&fill(Side::Sell, "10", "0.50", "0"), t, "")
            .unwrap();
        let mut b = Ledger::default();
        b.apply(&fill(Side::Buy, "10", "0.50", "0.01"), t, "")
            .unwrap();
        b.apply(&fill(Side::Sell, "10", "0.45", "0.01"), t, "")
            .unwrap();
        b.apply(&fill(Side::Buy, "20", "0.50", "0"), t, "").unwrap();
        let reports = [a.report(None, t), b.report(Some(d("0.55")), t)];
        let all = PnlReport::totals(&reports);
        assert_eq!(all.total.realized_pnl, d("1") + d("-0.52"));
        assert_eq!((all.total.trades, all.total.wins), (2, 1));
        assert_eq!(all.win_rate_pct, d("50"));
        assert_eq!(all.unrealized, d("1"));
        assert_eq!(all.unrealized_pct, d("10"));
        assert_eq!(all.today.fills, 5);
        assert!(all.position.is_none());
    }

    #[test]
    fn the_other_leg_cannot_be_bought_while_holding() {
        let mut l = Ledger::default();
        l.apply(&fill(Side::Buy, "10", "0.40", "0"), Timestamp(0), "")
            .unwrap();
        let mut other = fill(Side::Buy, "1", "0.6", "0");
        other.leg = Leg::Complement;
        assert_eq!(
            l.apply(&other, Timestamp(0), ""),
            Err(LedgerError::WrongLeg(Leg::Complement))
        );
    }

    proptest! {
        /// Whatever the order of partial buys and sells, once flat the realized P&L equals
        /// proceeds − costs − fees exactly, and so to the cent.
        #[test]
        fn realized_pnl_equals_the_cash_flows(
            buys in proptest::collection::vec((1u32..5_000, 1u32..99, 0u32..5_000), 1..6),
            cuts in proptest::collection::vec((1u32..100, 1u32..99, 0u32..5_000), 0..5),
        ) {
            let mut l = Ledger::default();
            let mut cash = Decimal::ZERO;
            let t = Timestamp(0);
            for (cents, price, fee) in &buys {
                let f = Fill {
                    order: OrderId(1), leg: Leg::Primary, side: Side::Buy,
                    shares: Decimal::new(i64::from(*cents), 2),
                    notional: Decimal::new(i64::from(*cents), 2) * Decimal::new(i64::from(*price), 2),
                    fee: Decimal::new(i64::from(*fee), 5), last: true,
                };
                cash -= f.notional + f.fee;
                l.apply(&f, t, "").unwrap();
            }
            let mut sell = |share: Decimal, price: u32, fee: u32, l: &mut Ledger| {
                let f = Fill {
                    order: OrderId(2), leg: Leg::Primary, side: Side::Sell, shares: share,
                    notional: share * Decimal::new(i64::from(price), 2),
                    fee: Decimal::new(i64::from(fee), 5), last: true,
                };
                cash += f.notional - f.fee;
                l.apply(&f, t, "").unwrap()
            };
            for (pct, price, fee) in &cuts {
                let held = l.position().unwrap().shares;
                let part = (held * Decimal::from(*pct) / Decimal::ONE_HUNDRED).round_dp(2);
                if part > Decimal::ZERO && part < held {
                    prop_assert!(sell(part, *price, *fee, &mut l).is_none());
                }
            }
            let rest = l.position().unwrap().shares;
            let closed = sell(rest, 50, 0, &mut l).unwrap();
            prop_assert_eq!(closed.pnl.round_dp(2), cash.round_dp(2));
            prop_assert_eq!(l.total().realized_pnl.round_dp(2), cash.round_dp(2));
            prop_assert!((closed.pnl - cash).abs() < Decimal::new(1, 18));
        }
    }
}
