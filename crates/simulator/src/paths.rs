//! Price paths the liquidity providers quote around.
//!
//! Every path is a pure function of simulated time (milliseconds since the scenario started),
//! so a run is reproducible: the random walk draws from a seeded generator in fixed steps, a
//! replay reads a recorded series, a script interpolates given points.

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::units::{PIPS_PER_UNIT, Pips};

/// How a market's fair price moves.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PathSpec {
    /// A calm random walk with spikes injected at given times.
    RandomWalk {
        seed: u64,
        start: Decimal,
        /// Standard deviation of one step, as a fraction of the price (e.g. 0.002).
        step_volatility: Decimal,
        /// Milliseconds between steps.
        step_ms: u64,
        #[serde(default)]
        spikes: Vec<SpikeSpec>,
    },
    /// A recorded series: `ts,slug,...,mid,...` CSV rows (the shipped CC BY 4.0 shape).
    Replay {
        /// Path of the CSV (optionally .gz), relative to the scenario file.
        file: String,
        slug: String,
        /// Simulated milliseconds per recorded millisecond (1 = real time, 60 = a minute a second).
        #[serde(default = "one")]
        speed: u64,
    },
    /// Fixed points (seconds since start, price); the price holds between points.
    Scripted { points: Vec<(u64, Decimal)> },
}

fn one() -> u64 {
    1
}

/// A jump of `move_pct` percent at `at_s`, decaying back over `revert_s` seconds (0 = stays),
/// repeated every `every_s` seconds when that is set (a lively demo market).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpikeSpec {
    pub at_s: u64,
    pub move_pct: Decimal,
    #[serde(default)]
    pub revert_s: u64,
    #[serde(default)]
    pub every_s: u64,
}

/// A path ready to evaluate.
#[derive(Debug, Clone)]
pub enum PricePath {
    Walk(Walk),
    Points(Vec<(u64, Pips)>),
}

/// A seeded walk evaluated by stepping a cursor forward.
///
/// Invariant: `(step, value, state)` is exactly what stepping from `(0, start, seed)` gives, so
/// memory stays constant however long a scenario runs; asking for an earlier time than the
/// cursor's restarts from the seed (the same answer, paid for in time, never in memory).
#[derive(Debug, Clone)]
pub struct Walk {
    seed: u64,
    start: i128,
    step_ms: u64,
    /// One step's standard deviation in parts per million of the price.
    volatility_ppm: i128,
    /// (at ms, move in ppm, revert over ms, repeat every ms or 0)
    spikes: Vec<(u64, i128, u64, u64)>,
    /// The cursor: step number, walk value there in units of 1e-8, generator state after it.
    step: u64,
    value: i128,
    state: u64,
}

/// The shortest walk step: one world step then costs at most `step_ms / 10` draws.
pub const MIN_WALK_STEP_MS: u64 = 10;

/// Fixed-point scale of walk values: 1.0 = 10^8.
const SCALE: i128 = 100_000_000;
const PPM: i128 = 1_000_000;

/// SplitMix64: small, fast, and stable across versions (a dependency's generator may change
/// its stream between releases and silently change every recorded scenario).
fn next_u64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A standard normal draw in parts per million (Box-Muller). The draw is the only float in
/// the path: prices themselves stay in fixed point.
fn normal_ppm(state: &mut u64) -> i128 {
    let u1 = ((next_u64(state) >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
    let u2 = (next_u64(state) >> 11) as f64 / (1u64 << 53) as f64;
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    (z * 1e6).round() as i128
}

/// A decimal scaled by `scale` to an integer (e.g. 0.002 at 10^6 -> 2000).
fn scaled(value: Decimal, scale: i128) -> i128 {
    (value * Decimal::from_i128_with_scale(scale, 0))
        .round()
        .mantissa()
}

impl PricePath {
    pub fn from_points(points: Vec<(u64, Pips)>) -> Self {
        PricePath::Points(points)
    }

    /// A seeded random walk. Refuses a start outside (0, 1), a step volatility outside [0, 1],
    /// a spike outside -100..=1000 percent, or steps shorter than [`MIN_WALK_STEP_MS`].
    pub fn walk(
        seed: u64,
        start: Decimal,
        step_volatility: Decimal,
        step_ms: u64,
        spikes: &[SpikeSpec],
    ) -> Result<Self, String> {
        if start <= Decimal::ZERO || start >= Decimal::ONE {
            return Err(format!("the walk's start {start} must lie between 0 and 1"));
        }
        if step_volatility < Decimal::ZERO || step_volatility > Decimal::ONE {
            return Err(format!(
                "the walk's step_volatility {step_volatility} must lie between 0 and 1"
            ));
        }
        if step_ms < MIN_WALK_STEP_MS {
            return Err(format!(
                "the walk's step_ms must be at least {MIN_WALK_STEP_MS} (it is {step_ms})"
            ));
        }
        let (low, high) = (Decimal::from(-100), Decimal::from(1000));
        if let Some(spike) = spikes
            .iter()
            .find(|s| s.move_pct < low || s.move_pct > high)
        {
            return Err(format!(
                "a spike's move_pct {} must lie between -100 and 1000",
                spike.move_pct
            ));
        }
        let start = scaled(start, SCALE);
        Ok(PricePath::Walk(Walk {
            seed,
            start,
            step_ms,
            volatility_ppm: scaled(step_volatility, PPM),
            spikes: spikes
                .iter()
                .map(|s| {
                    (
                        s.at_s.saturating_mul(1000),
                        scaled(s.move_pct, PPM / 100),
                        s.revert_s.saturating_mul(1000),
                        s.every_s.saturating_mul(1000),
                    )
                })
                .collect(),
            step: 0,
            value: start,
            state: seed,
        }))
    }

    /// The fair price at `t_ms` after the start, clamped to [0.01, 0.99].
    pub fn price_at(&mut self, t_ms: u64) -> Pips {
        match self {
            PricePath::Points(points) => {
                let index = points.partition_point(|(t, _)| t.saturating_mul(1000) <= t_ms);
                let (_, price) =
                    points[index.saturating_sub(1).min(points.len().saturating_sub(1))];
                clamp(price)
            }
            PricePath::Walk(walk) => {
                let value = walk.at(t_ms);
                let pips = (value * i128::from(PIPS_PER_UNIT) + SCALE / 2) / SCALE;
                clamp(Pips(u32::try_from(pips.max(0)).unwrap_or(PIPS_PER_UNIT)))
            }
        }
    }
}

impl Walk {
    fn at(&mut self, t_ms: u64) -> i128 {
        let step = t_ms / self.step_ms;
        if step < self.step {
            (self.step, self.value, self.state) = (0, self.start, self.seed);
        }
        while self.step < step {
            let last = self.value;
            let shock = normal_ppm(&mut self.state) * self.volatility_ppm * last / (PPM * PPM);
            // A slight pull toward the middle keeps a calm market calm for days.
            let pull = (SCALE / 2 - last) * 5 / 10_000;
            self.value = (last + shock + pull).clamp(SCALE / 50, SCALE - SCALE / 50);
            self.step += 1;
        }
        let mut value = self.value;
        for &(at, size_ppm, revert, every) in &self.spikes {
            if t_ms < at {
                continue;
            }
            let since = t_ms - at;
            let age = i128::from(if every > 0 { since % every } else { since });
            let weight_ppm = if revert == 0 {
                PPM
            } else {
                (PPM - age * PPM / i128::from(revert)).max(0)
            };
            value = value * (PPM + size_ppm * weight_ppm / PPM) / PPM;
        }
        value
    }
}

fn clamp(price: Pips) -> Pips {
    Pips(price.0.clamp(100, PIPS_PER_UNIT - 100))
}

/// Reads a recorded quote series (`ts,slug,category,bid,ask,mid,spread,segment`) for one slug
/// into (milliseconds since the first row, mid price) points.
pub fn read_series(csv: &str, slug: &str, speed: u64) -> Result<Vec<(u64, Pips)>, String> {
    let mut lines = csv.lines();
    let header = lines.next().ok_or("the series file is empty")?;
    let columns: Vec<&str> = header
        .split(',')
        .map(|c| c.trim().trim_matches('"'))
        .collect();
    let find = |name: &str| {
        columns
            .iter()
            .position(|c| *c == name)
            .ok_or(format!("the series has no '{name}' column"))
    };
    let (ts_col, slug_col, mid_col) = (find("ts")?, find("slug")?, find("mid")?);
    let mut points = Vec::new();
    let mut first: Option<u64> = None;
    for (number, line) in lines.enumerate() {
        let fields: Vec<&str> = line
            .split(',')
            .map(|f| f.trim().trim_matches('"'))
            .collect();
        if fields.get(slug_col).map(|s| s.trim()) != Some(slug) {
            continue;
        }
        let ts = fields
            .get(ts_col)
            .ok_or(format!("line {}: no ts", number + 2))?;
        let ts_ms = parse_timestamp_ms(ts)
            .ok_or(format!("line {}: '{ts}' is not a timestamp", number + 2))?;
        let mid = fields
            .get(mid_col)
            .ok_or(format!("line {}: no mid", number + 2))?;
        // The recorder left the mid empty while a book was one-sided; hold the last price.
        if mid.is_empty() {
            continue;
        }
        let mid: Decimal = mid
            .trim()
            .parse()
            .map_err(|_| format!("line {}: '{mid}' is not a price", number + 2))?;
        let Ok(price) = Pips::from_decimal(mid.round_dp(4)) else {
            continue;
        };
        let start = *first.get_or_insert(ts_ms);
        points.push((ts_ms.saturating_sub(start) / speed.max(1) / 1000, price));
    }
    if points.is_empty() {
        return Err(format!("the series has no rows for '{slug}'"));
    }
    Ok(points)
}

/// Accepts unix seconds, unix milliseconds, or `YYYY-MM-DD HH:MM:SS[.fff][+00:00]` (UTC).
fn parse_timestamp_ms(text: &str) -> Option<u64> {
    let text = text.trim();
    if let Ok(n) = text.parse::<u64>() {
        return Some(if n > 100_000_000_000 { n } else { n * 1000 });
    }
    let text = text.trim_end_matches("+00:00").trim_end_matches('Z');
    let (date, time) = text.split_once([' ', 'T'])?;
    let mut d = date.split('-').map(|p| p.parse::<i64>());
    let (y, m, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let mut t = hms.split(':').map(|p| p.parse::<i64>());
    let (h, min, s) = (t.next()?.ok()?, t.next()?.ok()?, t.next()?.ok()?);
    let frac = frac.get(..frac.len().min(3))?;
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let millis: i64 = format!("{frac:0<3}").parse().ok()?;
    // Years outside 0..=9999 are not timestamps; bounding them keeps the arithmetic in range.
    if !(0..=9999).contains(&y) || [m, day, h, min, s].iter().any(|v| !(0..=99).contains(v)) {
        return None;
    }
    let days = days_from_civil(y, m, day);
    u64::try_from(((days * 24 + h) * 60 + min) * 60 + s)
        .ok()
        .map(|secs| secs * 1000 + millis as u64)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A uniform draw in 0..1_000_000 from the path generator's stream.
pub(crate) fn draw_ppm(state: &mut u64) -> u64 {
    next_u64(state) % 1_000_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_is_reproducible_and_spikes_where_told() {
        let spikes = [SpikeSpec {
            at_s: 60,
            move_pct: Decimal::new(-10, 0),
            revert_s: 0,
            every_s: 0,
        }];
        let mut a = PricePath::walk(7, Decimal::new(50, 2), Decimal::ZERO, 1000, &spikes).unwrap();
        let mut b = PricePath::walk(7, Decimal::new(50, 2), Decimal::ZERO, 1000, &spikes).unwrap();
        assert_eq!(a.price_at(59_000), Pips(5000));
        assert_eq!(a.price_at(60_000), Pips(4500));
        assert_eq!(b.price_at(60_000), Pips(4500));
        let mut noisy =
            PricePath::walk(7, Decimal::new(50, 2), Decimal::new(2, 3), 1000, &[]).unwrap();
        let mut again =
            PricePath::walk(7, Decimal::new(50, 2), Decimal::new(2, 3), 1000, &[]).unwrap();
        let first: Vec<Pips> = (0..100).map(|s| noisy.price_at(s * 1000)).collect();
        let second: Vec<Pips> = (0..100).map(|s| again.price_at(s * 1000)).collect();
        assert_eq!(first, second);
        assert!(first.iter().any(|p| *p != Pips(5000)));
    }

    #[test]
    fn a_reverting_spike_fades_back() {
        let spikes = [SpikeSpec {
            at_s: 10,
            move_pct: Decimal::new(20, 0),
            revert_s: 10,
            every_s: 0,
        }];
        let mut path =
            PricePath::walk(1, Decimal::new(50, 2), Decimal::ZERO, 1000, &spikes).unwrap();
        assert_eq!(path.price_at(10_000), Pips(6000));
        assert_eq!(path.price_at(15_000), Pips(5500));
        assert_eq!(path.price_at(25_000), Pips(5000));
        let repeating = [SpikeSpec {
            at_s: 10,
            move_pct: Decimal::new(-10, 0),
            revert_s: 5,
            every_s: 60,
        }];
        let mut path =
            PricePath::walk(1, Decimal::new(50, 2), Decimal::ZERO, 1000, &repeating).unwrap();
        assert_eq!(path.price_at(70_000), Pips(4500));
        assert_eq!(path.price_at(80_000), Pips(5000));
        assert_eq!(path.price_at(130_000), Pips(4500));
    }

    #[test]
    fn scripted_points_hold_between_changes() {
        let mut path = PricePath::from_points(vec![(0, Pips(5000)), (10, Pips(4000))]);
        assert_eq!(path.price_at(9_999), Pips(5000));
        assert_eq!(path.price_at(10_000), Pips(4000));
        assert_eq!(path.price_at(99_000), Pips(4000));
    }

    #[test]
    fn reads_the_recorded_series_shape() {
        let csv = "\"ts\",\"slug\",\"category\",\"bid\",\"ask\",\"mid\",\"spread\",\"segment\"\n\
                   2026-07-10 20:25:01.123+00:00,\"fed\",x,0.55,0.57,0.56,0.02,1\n\
                   2026-07-10 20:27:03+00:00,other,x,0.1,0.2,0.15,0.1,1\n\
                   2026-07-10 20:27:03+00:00,fed,x,0.58,0.6,0.59,0.02,1\n";
        let points = read_series(csv, "fed", 1).unwrap();
        assert_eq!(points, vec![(0, Pips(5600)), (121, Pips(5900))]);
        assert!(read_series(csv, "nope", 1).is_err());
        assert!(read_series("", "fed", 1).is_err());
    }

    #[test]
    fn a_walk_asked_about_the_past_answers_as_before_without_keeping_its_history() {
        let mut path =
            PricePath::walk(9, Decimal::new(40, 2), Decimal::new(5, 3), 10, &[]).unwrap();
        let early: Vec<Pips> = (0..50).map(|s| path.price_at(s * 10)).collect();
        // A day of 10 ms steps: the old walk kept 8.6 M values; this one keeps a cursor.
        let day = path.price_at(86_400_000);
        let again: Vec<Pips> = (0..50).map(|s| path.price_at(s * 10)).collect();
        assert_eq!(early, again);
        assert_eq!(path.price_at(86_400_000), day);
    }

    #[test]
    fn a_walk_refuses_what_it_cannot_evaluate() {
        let half = Decimal::new(50, 2);
        let spike = |move_pct| SpikeSpec {
            at_s: u64::MAX,
            move_pct,
            revert_s: u64::MAX,
            every_s: u64::MAX,
        };
        for (start, vol, step_ms, spikes) in [
            (Decimal::ONE, Decimal::ZERO, 1000, vec![]),
            (half, Decimal::TWO, 1000, vec![]),
            (half, Decimal::ZERO, 1, vec![]),
            (half, Decimal::ZERO, 1000, vec![spike(Decimal::from(-101))]),
            (half, Decimal::ZERO, 1000, vec![spike(Decimal::MAX)]),
        ] {
            assert!(PricePath::walk(1, start, vol, step_ms, &spikes).is_err());
        }
        let far = PricePath::walk(1, half, Decimal::ZERO, 1000, &[spike(Decimal::TEN)]);
        assert_eq!(far.unwrap().price_at(5_000), Pips(5000));
    }

    #[test]
    fn odd_timestamps_are_refused_rather_than_overflowing() {
        assert_eq!(
            parse_timestamp_ms("9223372036854775807-01-01 00:00:00"),
            None
        );
        assert_eq!(parse_timestamp_ms("2026-01-01 00:00:00.\u{e9}\u{e9}"), None);
        assert_eq!(parse_timestamp_ms("2026-01-01 00:00:00.-5"), None);
        assert_eq!(parse_timestamp_ms("1970-01-01 00:00:01.5"), Some(1_500));
    }
}
