//! The one retry policy of the REST clients: exponential backoff with jitter (the `backon`
//! crate's), bounded by a number of attempts *and* a total wait.
//!
//! Invariants:
//! - a request is retried only when its answer proves the exchange did nothing with it
//!   (see [`RetryClass`]); nothing here can turn an order post of unknown outcome into a
//!   second post;
//! - no loop retries forever: after `max_retries` waits, or once the next wait would take
//!   the total past `max_total_wait`, the last answer is returned to the caller, who decides
//!   (a bot waits for the exchange and resumes);
//! - a wait the server asked for (`Retry-After`, `retry_after_seconds`) is honoured: the wait
//!   is never shorter than it;
//! - the jitter is seeded, so a test replays exactly; clients started together are seeded
//!   apart and do not come back in lockstep.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// Which answers may be asked again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RetryClass {
    /// Reads, cancels and heartbeats: 429 (not over-burst) and 425 (engine restarting) are
    /// retried; asking again cannot do anything twice.
    Idempotent,
    /// `POST /order` and `POST /orders`: only a 429 (refused before processing) is retried.
    /// A 425 or a 503 is the caller's to handle: the runtime waits for the exchange and
    /// resumes, so one intent never has two posts in flight.
    Submit,
}

/// Bounds of [`RetryState`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// First backoff delay (before jitter).
    pub base: Duration,
    /// Largest backoff delay (before jitter).
    pub max_delay: Duration,
    /// Most waits (retries) for one request.
    pub max_retries: u32,
    /// Most time one request spends waiting between attempts.
    pub max_total_wait: Duration,
}

/// The waits of one request under a [`RetryPolicy`].
#[derive(Debug)]
pub(crate) struct RetryState {
    delays: backon::ExponentialBackoff,
    waited: Duration,
    max_total_wait: Duration,
}

impl RetryState {
    pub(crate) fn new(policy: RetryPolicy, seed: u64) -> Self {
        let delays = ExponentialBuilder::new()
            .with_min_delay(policy.base)
            .with_max_delay(policy.max_delay.max(policy.base))
            .with_max_times(usize::try_from(policy.max_retries).unwrap_or(usize::MAX))
            .with_jitter()
            .with_jitter_seed(seed)
            .build();
        Self {
            delays,
            waited: Duration::ZERO,
            max_total_wait: policy.max_total_wait,
        }
    }

    /// The wait before the next attempt, at least `server_hint`; `None` when the policy is
    /// spent (attempts used up, or the wait would take the total past its bound).
    pub(crate) fn next_wait(&mut self, server_hint: Option<Duration>) -> Option<Duration> {
        let delay = self.delays.next()?;
        let wait = server_hint.map_or(delay, |hint| hint.max(delay));
        let total = self.waited.checked_add(wait)?;
        if total > self.max_total_wait {
            return None;
        }
        self.waited = total;
        Some(wait)
    }

    /// Time waited so far.
    #[cfg(test)]
    pub(crate) fn waited(&self) -> Duration {
        self.waited
    }
}

/// Seconds as the exchange writes them (`"2"`, `"1.5"`); at most a day, else ignored (an
/// HTTP date or a silly value must not park a bot for ever).
pub(crate) fn parse_seconds(text: &str) -> Option<Duration> {
    let seconds = Decimal::from_str_exact(text.trim()).ok()?;
    if seconds.is_sign_negative() || seconds > Decimal::from(86_400) {
        return None;
    }
    let ms = (seconds * Decimal::from(1000)).ceil().to_u64()?;
    Some(Duration::from_millis(ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            base: Duration::from_millis(100),
            max_delay: Duration::from_millis(1_000),
            max_retries: 5,
            max_total_wait: Duration::from_secs(60),
        }
    }

    fn waits(state: &mut RetryState, hint: Option<Duration>) -> Vec<Duration> {
        std::iter::from_fn(|| state.next_wait(hint)).collect()
    }

    #[test]
    fn bounded_by_attempts_with_growing_jittered_delays() {
        let all = waits(&mut RetryState::new(policy(), 7), None);
        assert_eq!(all.len(), 5);
        for (n, wait) in all.iter().enumerate() {
            // backon adds up to one delay of jitter: [d, 2d), d = min(100 ms * 2^n, 1 s).
            let d = Duration::from_millis((100u64 << n).min(1_000));
            assert!(*wait >= d && *wait < d * 2, "{n}: {wait:?}");
        }
        // Same seed, same waits: tests replay exactly.
        assert_eq!(all, waits(&mut RetryState::new(policy(), 7), None));
        assert_ne!(all, waits(&mut RetryState::new(policy(), 8), None));
    }

    #[test]
    fn bounded_by_total_wait() {
        let mut state = RetryState::new(
            RetryPolicy {
                max_total_wait: Duration::from_millis(350),
                ..policy()
            },
            1,
        );
        let all = waits(&mut state, None);
        assert!(state.waited() <= Duration::from_millis(350));
        assert!(all.len() < 5, "{all:?}");
    }

    #[test]
    fn a_server_hint_is_never_cut_short_and_counts_against_the_bound() {
        let mut state = RetryState::new(
            RetryPolicy {
                max_total_wait: Duration::from_secs(5),
                ..policy()
            },
            3,
        );
        assert_eq!(
            state.next_wait(Some(Duration::from_secs(2))),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            state.next_wait(Some(Duration::from_secs(2))),
            Some(Duration::from_secs(2))
        );
        // A third 2 s wait would pass 5 s: the answer goes back to the caller instead.
        assert_eq!(state.next_wait(Some(Duration::from_secs(2))), None);
    }

    #[test]
    fn retry_after_seconds_are_read_exactly_or_not_at_all() {
        assert_eq!(parse_seconds("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_seconds(" 1.25 "), Some(Duration::from_millis(1_250)));
        assert_eq!(parse_seconds("0"), Some(Duration::ZERO));
        // An HTTP date, a negative or an absurd value is no wait at all.
        assert_eq!(parse_seconds("Wed, 21 Oct 2026 07:28:00 GMT"), None);
        assert_eq!(parse_seconds("-1"), None);
        assert_eq!(parse_seconds("1000000"), None);
    }
}
