//! The bounded retries of the exchange reads and cancels of live orders.
//!
//! The venue's client already waits out, under its own bounded policy (`backon`, jittered),
//! every answer that proves the exchange did nothing (429 rate limits, 425 restarts) for
//! reads and cancels. This layer adds what it leaves to its caller: a read or cancel that got
//! no answer (network trouble) or a 5xx, which for a read or a cancel is just as safe to ask
//! again.
//!
//! Invariants:
//! - only those errors are retried (network, 5xx); anything else, including what the client
//!   already retried, is answered at once;
//! - a call is tried at most `attempts` times and never past `total` (the delay that would
//!   cross it is not slept), with exponential backoff and jitter (`backon`, as the venue) so
//!   many bots refused together do not come back together;
//! - nothing here loops forever: a caller that still has no answer gives up for now, keeps
//!   the journal's `unknown`, and asks again later (a reconnect, the next start, a slow
//!   periodic check). Order POSTs never come through here: they are sent once.

use std::future::Future;
use std::time::Duration;

use backon::BackoffBuilder;
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
        let mut delays = backon::ExponentialBuilder::default()
            .with_min_delay(self.base)
            .with_max_delay(self.max_delay)
            .with_max_times(usize::try_from(self.attempts.saturating_sub(1)).unwrap_or(0))
            .with_jitter()
            .build();
        loop {
            let error = match op().await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            if !retried_here(&error) {
                return Err(error);
            }
            let Some(delay) = delays.next() else {
                return Err(error);
            };
            if started.elapsed() + delay > self.total {
                return Err(error);
            }
            tracing::debug!(%error, ?delay, "exchange call failed; trying again");
            tokio::time::sleep(delay).await;
        }
    }
}

/// What this layer asks again: no answer at all, or a 5xx. (429 and 425 the client waited
/// out already; a pause or a refusal is not cured by asking again at once.)
fn retried_here(error: &VenueError) -> bool {
    matches!(error, VenueError::Network(_))
        || matches!(error, VenueError::Rejected { status, .. } if *status >= 500)
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

        // Refusals, and what the client already waited out, are answered at once.
        for refusal in [
            VenueError::Unauthorized("no".into()),
            VenueError::RateLimited {
                retry_after: Duration::ZERO,
            },
            VenueError::EngineRestarting { retry_after: None },
        ] {
            calls.store(0, Ordering::Relaxed);
            let result: Result<(), _> = FAST
                .call(|| async {
                    calls.fetch_add(1, Ordering::Relaxed);
                    Err(refusal.clone())
                })
                .await;
            assert_eq!(result, Err(refusal));
            assert_eq!(calls.load(Ordering::Relaxed), 1);
        }

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
