//! Spike detection over several lookback windows in O(1) amortized work per tick per window.
//!
//! For each window (say 10, 30 and 60 minutes) holding at least `min_samples` prices:
//! `spike % = (current − oldest) / oldest × 100`. A window whose prices *before the current
//! one* have a coefficient of variation (std / mean) above `max_cv` is too choppy to read a
//! move from and is skipped. The spike is the largest |spike %| among the remaining windows.
//!
//! Why the CV excludes the current price: a clean jump out of a flat market must count, yet
//! the jump itself would raise a CV taken over the whole window; the question is whether the
//! market was calm *before* the move.
//!
//! Invariants:
//! - samples live once, in one queue, shared by all windows; each window keeps the index of
//!   its oldest sample and running sums of prices and squared prices, so a tick adds once
//!   and evicts each sample once per window: no rescans;
//! - prices are held in integer fixed point (micro-units, 6 decimals) and the sums in
//!   `i128`, so the running sums are exact (integer addition does not round) and a rolling
//!   window equals a fresh `Decimal` rescan (a property test checks); integers also make the
//!   per-tick work a handful of machine additions;
//! - a window covers samples with `ts ≥ now − span`; timestamps must not go backwards, and a
//!   sample older than the newest is dropped rather than reordering history.

use std::collections::VecDeque;

use rust_decimal::{Decimal, MathematicalOps};
use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// Decimals a price keeps in the detector (see [`SpikeDetector::push`]).
pub const PRICE_DECIMALS: u32 = 6;

/// The largest |price| the detector takes, in micro-units (a million, far above any
/// outcome price), so every product below fits its integer type with room to spare.
const MAX_MICROS: i64 = 1_000_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Sample {
    at: Timestamp,
    /// The price in millionths.
    micros: i64,
}

impl Sample {
    fn price(self) -> Decimal {
        Decimal::new(self.micros, PRICE_DECIMALS)
    }
}

/// A price in millionths, rounded to 6 decimals; `None` if beyond [`MAX_MICROS`].
fn to_micros(price: Decimal) -> Option<i64> {
    let mut fixed = price.round_dp(PRICE_DECIMALS);
    fixed.rescale(PRICE_DECIMALS);
    if fixed.scale() != PRICE_DECIMALS {
        return None;
    }
    i64::try_from(fixed.mantissa())
        .ok()
        .filter(|m| m.abs() <= MAX_MICROS)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Window {
    minutes: u32,
    span_ms: i64,
    /// Sequence number of the window's oldest sample.
    start: u64,
    /// Σ micros and Σ micros² over the window.
    #[serde(with = "i128_text")]
    sum: i128,
    #[serde(with = "i128_text")]
    sum_sq: i128,
}

/// `i128` as a JSON string: serde_json cannot read 128-bit numbers back.
mod i128_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &i128, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i128, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl Window {
    /// Whether the window's samples before the current one are too choppy to read.
    fn too_volatile(&self, n: u64, current: i64, max_cv_sq: Decimal) -> bool {
        let c = i128::from(current);
        too_volatile_fixed(n - 1, self.sum - c, self.sum_sq - c * c, max_cv_sq)
    }
}

/// Which way a price moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Up,
    Down,
}

/// The strongest clean move, if any window has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spike {
    /// Signed move in percent: negative for a drop.
    pub pct: Decimal,
    pub direction: Direction,
    pub window_mins: u32,
}

/// Why a window gave no reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Skip {
    NotEnoughSamples,
    TooVolatile,
    ZeroPrice,
}

/// One window's view of the latest tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowReading {
    pub window_mins: u32,
    pub samples: u64,
    pub oldest: Decimal,
    pub current: Decimal,
    /// `Some` only when the window is usable.
    pub spike_pct: Option<Decimal>,
    pub skipped: Option<Skip>,
}

/// Rolling prices for several windows. `Clone` + serde so a bot's state can be persisted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpikeDetector {
    windows: Vec<Window>,
    samples: VecDeque<Sample>,
    /// Sequence number of `samples[0]`.
    base: u64,
    min_samples: u64,
    max_cv_sq: Decimal,
}

impl SpikeDetector {
    /// `windows_mins` must be non-empty and positive, `min_samples ≥ 2`, `max_cv > 0`
    /// (a validated [`crate::config::TradingParams`] guarantees all three).
    pub fn new(windows_mins: &[u32], min_samples: u32, max_cv: Decimal) -> Self {
        Self {
            windows: windows_mins
                .iter()
                .map(|&m| Window {
                    minutes: m,
                    span_ms: i64::from(m) * 60_000,
                    start: 0,
                    sum: 0,
                    sum_sq: 0,
                })
                .collect(),
            samples: VecDeque::new(),
            base: 0,
            min_samples: u64::from(min_samples.max(2)),
            max_cv_sq: max_cv * max_cv,
        }
    }

    fn end(&self) -> u64 {
        self.base + self.samples.len() as u64
    }

    fn at(&self, seq: u64) -> Sample {
        self.samples[(seq - self.base) as usize]
    }

    /// Adds the price seen at `now` and drops what every window has left behind.
    ///
    /// The price is rounded to 6 decimals first (venue prices have at most 4, midpoints 5)
    /// and kept as an integer count of millionths; an absurd price (beyond a million) is
    /// ignored like an out-of-order one.
    pub fn push(&mut self, now: Timestamp, price: Decimal) {
        if self.samples.back().is_some_and(|last| last.at > now) {
            return;
        }
        let Some(micros) = to_micros(price) else {
            return;
        };
        self.samples.push_back(Sample { at: now, micros });
        let (value, square) = (i128::from(micros), i128::from(micros) * i128::from(micros));
        for i in 0..self.windows.len() {
            self.windows[i].sum += value;
            self.windows[i].sum_sq += square;
            let cutoff = now.0 - self.windows[i].span_ms;
            while self.at(self.windows[i].start).at.0 < cutoff {
                let old = i128::from(self.at(self.windows[i].start).micros);
                let w = &mut self.windows[i];
                w.sum -= old;
                w.sum_sq -= old * old;
                w.start += 1;
            }
        }
        let keep_from = self
            .windows
            .iter()
            .map(|w| w.start)
            .min()
            .unwrap_or(self.end());
        while self.base < keep_from {
            self.samples.pop_front();
            self.base += 1;
        }
    }

    /// Every window's reading of the latest sample, in configuration order.
    pub fn readings(&self) -> impl Iterator<Item = WindowReading> + '_ {
        let current_micros = self.samples.back().map_or(0, |s| s.micros);
        let current = Decimal::new(current_micros, PRICE_DECIMALS);
        self.windows.iter().map(move |w| {
            let samples = self.end() - w.start;
            let oldest = if samples > 0 {
                self.at(w.start).price()
            } else {
                Decimal::ZERO
            };
            let skipped = if samples < self.min_samples {
                Some(Skip::NotEnoughSamples)
            } else if oldest.is_zero() {
                Some(Skip::ZeroPrice)
            } else if w.too_volatile(samples, current_micros, self.max_cv_sq) {
                Some(Skip::TooVolatile)
            } else {
                None
            };
            WindowReading {
                window_mins: w.minutes,
                samples,
                oldest,
                current,
                spike_pct: skipped.is_none().then(|| spike_pct(oldest, current)),
                skipped,
            }
        })
    }

    /// The largest clean move across windows (ties: the first window listed), if any.
    pub fn spike(&self) -> Option<Spike> {
        let mut best: Option<Spike> = None;
        for r in self.readings() {
            let Some(pct) = r.spike_pct else { continue };
            if best.is_none_or(|b| pct.abs() > b.pct.abs()) {
                best = Some(Spike {
                    pct,
                    direction: if pct.is_sign_negative() {
                        Direction::Down
                    } else {
                        Direction::Up
                    },
                    window_mins: r.window_mins,
                });
            }
        }
        best.filter(|b| !b.pct.is_zero())
    }

    /// The largest clean move of at least `threshold_pct` in size: the same answer as
    /// `spike().filter(|s| s.pct.abs() >= threshold_pct)` (a property test checks), cheaper
    /// on the hot path: a window whose raw move is under the threshold, or under the best so
    /// far, is dismissed by cross-multiplying (exact, no division) before its volatility
    /// check, and only the winner's percentage is divided out.
    pub fn spike_beyond(&self, threshold_pct: Decimal) -> Option<Spike> {
        let current = self.samples.back()?.micros;
        let mut best: Option<(u32, i64)> = None;
        for w in &self.windows {
            let n = self.end() - w.start;
            if n < self.min_samples {
                continue;
            }
            let oldest = self.at(w.start).micros;
            if oldest == 0 {
                continue;
            }
            // Both ≤ 2·MAX_MICROS: the products below fit i64 / i128 with room to spare.
            let moved = (current - oldest).abs();
            // |move| / |oldest| × 100 ≥ threshold  ⇔  |move| × 100 ≥ threshold × |oldest|
            if Decimal::from(moved * 100) < threshold_pct * Decimal::from(oldest.abs()) {
                continue;
            }
            // Strictly larger than the best so far (ties keep the earlier window).
            if let Some((_, best_oldest)) = best
                && i128::from(moved) * i128::from(best_oldest.abs())
                    <= i128::from((current - best_oldest).abs()) * i128::from(oldest.abs())
            {
                continue;
            }
            if w.too_volatile(n, current, self.max_cv_sq) {
                continue;
            }
            best = Some((w.minutes, oldest));
        }
        let (window_mins, oldest) = best?;
        let pct = spike_pct(
            Decimal::new(oldest, PRICE_DECIMALS),
            Decimal::new(current, PRICE_DECIMALS),
        );
        (!pct.is_zero()).then_some(Spike {
            pct,
            direction: if pct.is_sign_negative() {
                Direction::Down
            } else {
                Direction::Up
            },
            window_mins,
        })
    }

    /// Running sums of window `index` (for tests and diagnostics).
    pub fn sums(&self, index: usize) -> (u64, Decimal, Decimal) {
        let w = &self.windows[index];
        (
            self.end() - w.start,
            Decimal::from_i128_with_scale(w.sum, PRICE_DECIMALS),
            Decimal::from_i128_with_scale(w.sum_sq, 2 * PRICE_DECIMALS),
        )
    }
}

/// `(current − oldest) / oldest × 100`.
pub fn spike_pct(oldest: Decimal, current: Decimal) -> Decimal {
    (current - oldest) * Decimal::ONE_HUNDRED / oldest
}

/// Whether `n` prices with sum `s` and sum of squares `q` have std/mean above `sqrt(max_cv_sq)`.
///
/// Compared squared and cross-multiplied, `n·q − s² > max_cv² · s²`, so the decision needs
/// no square root and no division: exact.
pub fn too_volatile(n: u64, s: Decimal, q: Decimal, max_cv_sq: Decimal) -> bool {
    if n < 2 || s <= Decimal::ZERO {
        return false;
    }
    let n = Decimal::from(n);
    n * q - s * s > max_cv_sq * s * s
}

/// [`too_volatile`] on fixed-point sums (`s` in millionths, `q` in millionths squared): the
/// common 10⁻¹² factor cancels, so the comparison is the same, made on integers; only the
/// final product with `max_cv²` is decimal. A window too large to compare counts as choppy.
fn too_volatile_fixed(n: u64, s: i128, q: i128, max_cv_sq: Decimal) -> bool {
    if n < 2 || s <= 0 {
        return false;
    }
    let spread = i128::from(n) * q - s * s;
    let (Ok(spread), Ok(s_sq)) = (
        Decimal::try_from_i128_with_scale(spread, 0),
        Decimal::try_from_i128_with_scale(s * s, 0),
    ) else {
        return true;
    };
    max_cv_sq
        .checked_mul(s_sq)
        .is_none_or(|bound| spread > bound)
}

/// std / mean of `n` prices from their sums; for display only (the decision is exact above).
pub fn coefficient_of_variation(n: u64, s: Decimal, q: Decimal) -> Option<Decimal> {
    if n == 0 || s <= Decimal::ZERO {
        return None;
    }
    let n = Decimal::from(n);
    let variance = ((n * q - s * s) / (n * n)).max(Decimal::ZERO);
    Some(variance.sqrt()? * n / s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn minute(m: i64) -> Timestamp {
        Timestamp(m * 60_000)
    }

    #[test]
    fn a_clean_drop_out_of_a_calm_market_is_a_spike() {
        let mut det = SpikeDetector::new(&[10, 30, 60], 3, d("0.05"));
        for m in 0..30 {
            det.push(minute(m), d("0.50"));
        }
        det.push(minute(30), d("0.47"));
        let spike = det.spike().unwrap();
        assert_eq!(spike.direction, Direction::Down);
        assert_eq!(spike.pct, d("-6"));
    }

    #[test]
    fn a_move_inside_a_choppy_window_is_skipped() {
        let mut det = SpikeDetector::new(&[10], 3, d("0.05"));
        for m in 0..10 {
            det.push(minute(m), if m % 2 == 0 { d("0.45") } else { d("0.55") });
        }
        det.push(minute(10), d("0.40"));
        let r: Vec<_> = det.readings().collect();
        assert_eq!(r[0].skipped, Some(Skip::TooVolatile));
        assert_eq!(det.spike(), None);
    }

    #[test]
    fn the_largest_clean_window_wins_and_thin_windows_wait() {
        let mut det = SpikeDetector::new(&[10, 60], 3, d("0.05"));
        det.push(minute(0), d("0.40"));
        det.push(minute(1), d("0.40"));
        assert_eq!(det.spike(), None, "two samples are not enough");
        for m in 2..55 {
            det.push(minute(m), d("0.40") + Decimal::from(m / 10) * d("0.002"));
        }
        det.push(minute(55), d("0.44"));
        let s = det.spike().unwrap();
        assert_eq!((s.window_mins, s.direction), (60, Direction::Up));
        assert_eq!(s.pct, d("10"));
    }

    #[test]
    fn old_samples_leave_the_window() {
        let mut det = SpikeDetector::new(&[10], 2, d("0.05"));
        det.push(minute(0), d("0.90"));
        for m in 1..=20 {
            det.push(minute(m), d("0.50"));
        }
        assert_eq!(det.sums(0).0, 11, "minutes 10..=20");
        assert_eq!(det.spike(), None);
        assert!(det.samples.len() <= 11);
        assert_eq!(
            coefficient_of_variation(2, d("1"), d("0.5")),
            Some(Decimal::ZERO)
        );
    }

    #[test]
    fn long_prices_are_rounded_so_the_sums_stay_exact() {
        let mut det = SpikeDetector::new(&[1], 2, d("0.05"));
        let third = Decimal::ONE / Decimal::from(3);
        for s in 0..1000 {
            det.push(Timestamp(s * 1000), third);
        }
        let (n, sum, sum_sq) = det.sums(0);
        assert_eq!(n, 61);
        assert_eq!(sum, d("0.333333") * Decimal::from(61));
        assert_eq!(sum_sq, d("0.333333") * d("0.333333") * Decimal::from(61));
    }

    fn naive(samples: &[(i64, Decimal)], minutes: u32, min: u64, max_cv: Decimal) -> WindowReading {
        let now = samples.last().unwrap().0;
        let inside: Vec<Decimal> = samples
            .iter()
            .filter(|(t, _)| *t >= now - i64::from(minutes) * 60_000)
            .map(|(_, p)| *p)
            .collect();
        let n = inside.len() as u64;
        let current = *inside.last().unwrap();
        let oldest = inside[0];
        let before = &inside[..inside.len() - 1];
        let s: Decimal = before.iter().sum();
        let q: Decimal = before.iter().map(|p| p * p).sum();
        let skipped = if n < min {
            Some(Skip::NotEnoughSamples)
        } else if oldest.is_zero() {
            Some(Skip::ZeroPrice)
        } else if too_volatile(n - 1, s, q, max_cv * max_cv) {
            Some(Skip::TooVolatile)
        } else {
            None
        };
        WindowReading {
            window_mins: minutes,
            samples: n,
            oldest,
            current,
            spike_pct: skipped.is_none().then(|| spike_pct(oldest, current)),
            skipped,
        }
    }

    proptest! {
        #[test]
        fn rolling_windows_match_a_naive_rescan(
            steps in proptest::collection::vec((0i64..400_000, 1u32..10_000), 1..300),
            cv in 1u32..200,
        ) {
            let windows = [1u32, 5, 10];
            let max_cv = Decimal::new(i64::from(cv), 3);
            let mut det = SpikeDetector::new(&windows, 3, max_cv);
            let mut seen = Vec::new();
            let mut now = 1_700_000_000_000i64;
            for (gap, pips) in steps {
                now += gap;
                let price = Decimal::new(i64::from(pips), 4);
                det.push(Timestamp(now), price);
                seen.push((now, price));
                let rolling: Vec<_> = det.readings().collect();
                for (i, &m) in windows.iter().enumerate() {
                    prop_assert_eq!(rolling[i], naive(&seen, m, 3, max_cv));
                }
                for threshold in [Decimal::ZERO, Decimal::ONE, Decimal::new(3, 0), Decimal::new(125, 1)] {
                    prop_assert_eq!(
                        det.spike_beyond(threshold),
                        det.spike().filter(|s| s.pct.abs() >= threshold)
                    );
                }
            }
        }
    }
}
