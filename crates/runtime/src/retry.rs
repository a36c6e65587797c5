//! One bounded retry policy for the exchange reads and cancels of live orders.
//!
//! Invariants:
//! - only errors that waiting can cure are retried ([`VenueError::is_transient`]: network
//!   trouble, 429, 5xx); anything else is answered at once;
//! - a call is tried at most `attempts` times and never past `total` (the delay that would
//!   cross it is not slept), with exponential backoff and full jitter (the venue's
//!   [`Backoff`]) so many bots refused together do not come back together;
//! - nothing here loops forever: a caller that still has no answer gives up for now, keeps
//!   the journal's `unknown`, and asks again later (a reconnect, the next start, a slow
//!   periodic check). Order POSTs never come through here: they are sent once.
//!
//! Kept on the venue's `Backoff` (already a dependency, seeded, tested) rather than a retry
//! crate until the venue offers its own bounded policy; switching is one function.

use std::future::Future;
use std::time::Duration;

use polyagent_venue::rate::{Backoff, JitterRng};
use polyagent_venue::venue_error::VenueError;

/// How often and for how long a call is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bounded {
    pub attempts: u32,
    pub total: Duration,
    pub base: Duration,
    pub max_delay: Duration,
}

/// Reads (an order, its trades) and cancels of a live order.
pub(crate) const EXCHANGE_CALLS: Bounded = Bounded {
    attempts: 5,
    total: Duration::from_secs(10),
    base: Duration::from_millis(200),
    max_delay: Duration::from_secs(3),
};

impl Bounded {
    /// Calls `op` until it answers, fails for good, or the bound is reached; the last error
    /// then.
    pub(crate) async fn call<T, F, Fut>(&self, mut op: F) -> Result<T, VenueError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, VenueError>>,
    {
        let started = tokio::time::Instant::now();
        let mut backoff = Backoff::new(self.base, self.max_delay, JitterRng::from_entropy());
        let mut attempt = 1;
        loop {
            match op().await {
                Ok(value) => return Ok(value),
                Err(error) if !error.is_transient() || attempt >= self.attempts => {
                    return Err(error);
                }
                Err(error) => {
                    let mut delay = backoff.next_delay();
                    if let VenueError::RateLimited { retry_after } = &error {
                        delay = delay.max(*retry_after);
                    }
                    if started.elapsed() + delay > self.total {
                        return Err(error);
                    }
                    tracing::debug!(%error, ?delay, attempt, "exchange call failed; trying again");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    const FAST: Bounded = Bounded {
        attempts: 4,
        total: Duration::from_secs(60),
        base: Duration::from_millis(1),
        max_delay: Duration::from_millis(2),
    };

    #[tokio::test]
    async fn transient_errors_are_retried_up_to_the_bound_and_others_not_at_all() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = FAST
            .call(|| async {
                calls.fetch_add(1, Ordering::Relaxed);
                Err(VenueError::Network("reset".into()))
            })
            .await;
        assert!(matches!(result, Err(VenueError::Network(_))));
        assert_eq!(calls.load(Ordering::Relaxed), 4);

        calls.store(0, Ordering::Relaxed);
        let result: Result<(), _> = FAST
            .call(|| async {
                calls.fetch_add(1, Ordering::Relaxed);
                Err(VenueError::Unauthorized("no".into()))
            })
            .await;
        assert!(matches!(result, Err(VenueError::Unauthorized(_))));
        assert_eq!(calls.load(Ordering::Relaxed), 1);

        calls.store(0, Ordering::Relaxed);
        let answer = FAST
            .call(|| async {
                if calls.fetch_add(1, Ordering::Relaxed) < 2 {
                    Err(VenueError::Rejected {
                        status: 502,
                        message: "bad gateway".into(),
                    })
                } else {
                    Ok(7)
                }
            })
            .await;
        assert_eq!(answer, Ok(7));
    }

    #[tokio::test(start_paused = true)]
    async fn the_total_time_bounds_the_retries() {
        let bound = Bounded {
            attempts: 1000,
            total: Duration::from_secs(5),
            base: Duration::from_secs(1),
            max_delay: Duration::from_secs(2),
        };
        let calls = AtomicU32::new(0);
        let started = tokio::time::Instant::now();
        let result: Result<(), _> = bound
            .call(|| async {
                calls.fetch_add(1, Ordering::Relaxed);
                Err(VenueError::Network("down".into()))
            })
            .await;
        assert!(result.is_err());
        assert!(started.elapsed() <= Duration::from_secs(5));
        assert!(calls.load(Ordering::Relaxed) < 10);
    }
}
