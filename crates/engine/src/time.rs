//! Time as the engine sees it: a UTC instant passed in by the caller.
//!
//! Invariant: nothing in this crate reads a clock. Live callers pass the wall clock, backtests
//! pass the recorded timestamps, tests pass whatever they need; the same code runs for all.

use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch, UTC.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

const MS_PER_DAY: i64 = 86_400_000;

impl Timestamp {
    pub const fn from_secs(secs: i64) -> Self {
        Self(secs * 1000)
    }

    pub const fn millis(self) -> i64 {
        self.0
    }

    /// `self + secs` seconds, saturating rather than wrapping on absurd inputs.
    pub const fn plus_secs(self, secs: u64) -> Self {
        // `as` would wrap a huge `secs` to a negative span; saturate instead.
        let secs = if secs > i64::MAX as u64 {
            i64::MAX
        } else {
            secs as i64
        };
        Self(self.0.saturating_add(secs.saturating_mul(1000)))
    }

    /// Whole seconds from `earlier` to `self` (0 if `earlier` is later).
    pub const fn secs_since(self, earlier: Timestamp) -> u64 {
        let ms = self.0.saturating_sub(earlier.0);
        if ms <= 0 { 0 } else { (ms / 1000) as u64 }
    }

    /// The UTC day number (days since 1970-01-01); "today" for daily figures and limits.
    pub const fn utc_day(self) -> i64 {
        self.0.div_euclid(MS_PER_DAY)
    }

    /// Parses unix seconds, unix milliseconds, or `YYYY-MM-DD[ T]HH:MM:SS[.ffffff][Z|+00:00]`
    /// read as UTC (the recorded series' shape).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Ok(n) = text.parse::<i64>() {
            // Anything past year 5138 in seconds is surely milliseconds.
            return Some(Self(if n.abs() > 100_000_000_000 {
                n
            } else {
                n * 1000
            }));
        }
        let text = text.trim_end_matches("+00:00").trim_end_matches('Z');
        let (date, time) = text.split_once([' ', 'T'])?;
        let mut d = date.splitn(3, '-');
        let year: i64 = d.next()?.parse().ok()?;
        let month: i64 = d.next()?.parse().ok()?;
        let day: i64 = d.next()?.parse().ok()?;
        let mut t = time.splitn(3, ':');
        let hour: i64 = t.next()?.parse().ok()?;
        let minute: i64 = t.next()?.parse().ok()?;
        let sec_text = t.next()?;
        let (sec, frac) = sec_text.split_once('.').unwrap_or((sec_text, ""));
        let sec: i64 = sec.parse().ok()?;
        let mut ms = 0i64;
        for (i, c) in frac.bytes().take(3).enumerate() {
            if !c.is_ascii_digit() {
                return None;
            }
            ms += i64::from(c - b'0') * [100, 10, 1][i];
        }
        // Four-digit years and in-range fields only: anything else is not a recorded time,
        // and a huge year would overflow the millisecond count.
        if !(0..=9999).contains(&year)
            || !(1..=12).contains(&month)
            || !(1..=31).contains(&day)
            || !(0..=23).contains(&hour)
            || !(0..=59).contains(&minute)
            || !(0..=60).contains(&sec)
        {
            return None;
        }
        let days = days_from_civil(year, month, day);
        Some(Self(
            ((days * 24 + hour) * 60 + minute) * 60_000 + sec * 1000 + ms,
        ))
    }
}

/// `YYYY-MM-DD HH:MM:SS` in UTC (milliseconds dropped), for logs and reports.
impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (y, m, d) = civil_from_days(self.utc_day());
        let secs = self.0.div_euclid(1000).rem_euclid(86_400);
        write!(
            f,
            "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

/// The date of a day number (the inverse of [`days_from_civil`]).
const fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + if m <= 2 { 1 } else { 0 }, m, d)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
const fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_span_saturates_instead_of_wrapping_into_the_past() {
        let now = Timestamp::from_secs(1_783_715_146);
        assert!(now.plus_secs(u64::MAX) > now);
        assert_eq!(now.plus_secs(u64::MAX), Timestamp(i64::MAX));
    }

    #[test]
    fn parses_the_recorded_shape_as_utc() {
        let t = Timestamp::parse("2026-07-10 20:25:46.000000").unwrap();
        // date -u -d '2026-07-10 20:25:46' +%s
        assert_eq!(t, Timestamp::from_secs(1_783_715_146));
        assert_eq!(Timestamp::parse("1783715146"), Some(t));
        assert_eq!(Timestamp::parse("2026-07-10T20:25:46Z"), Some(t));
        assert_eq!(
            Timestamp::parse("2026-07-10 20:25:46.250")
                .unwrap()
                .millis(),
            t.millis() + 250
        );
        assert_eq!(Timestamp::parse("yesterday"), None);
        assert_eq!(t.to_string(), "2026-07-10 20:25:46");
        for text in [
            "1970-01-01 00:00:00",
            "2000-02-29 23:59:59",
            "2024-12-31 12:00:00",
            "1969-12-31 23:59:59",
        ] {
            assert_eq!(Timestamp::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn out_of_range_fields_are_refused_not_overflowed() {
        // Found by the price_series fuzz target: a 15-digit year overflowed the product.
        for text in [
            "200000000000026-07-10 00:00:00+00:00",
            "10000-01-01 00:00:00",
            "2026-07-10 -1:00:00",
            "2026-07-10 00:-5:00",
            "2026-07-10 00:00:-7",
            "2026-07-10 00:00:61",
            "2026-07-10 00:00:9223372036854775807",
        ] {
            assert_eq!(Timestamp::parse(text), None, "{text}");
        }
        assert!(Timestamp::parse("9999-12-31 23:59:60").is_some());
        assert!(Timestamp::parse("0000-01-01 00:00:00").is_some());
    }

    #[test]
    fn the_day_turns_at_utc_midnight() {
        let before = Timestamp::parse("2026-07-10 23:59:59").unwrap();
        let after = Timestamp::parse("2026-07-11 00:00:00").unwrap();
        assert_eq!(before.utc_day() + 1, after.utc_day());
        assert_eq!(after.secs_since(before), 1);
        assert_eq!(before.secs_since(after), 0);
    }
}
