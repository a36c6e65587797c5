//! Request budgets and backoff.
//!
//! Invariants:
//! - a [`RateBudget`] never lets more than `burst` tokens through at once nor more than
//!   `per_second` on average (a batch costs its size, all or nothing); the defaults sit well
//!   under Polymarket's documented limits (§4: thousands per 10 s per IP) so that many bots
//!   on one machine never trip them; orders and cancels are paced by the signer's tier
//!   (§13.3, [`crate::signer_rate`]);
//! - time and randomness are injected ([`Clock`], [`JitterRng`]) so tests are exact;
//! - [`Backoff`] delays grow exponentially up to a cap, with full jitter, so that many
//!   clients refused at the same moment do not come back at the same moment.

use std::sync::Mutex;
use std::time::Duration;

/// A monotonic millisecond clock. Production uses [`MonotonicClock`].
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now_ms(&self) -> u64;
}

/// Milliseconds since the clock was created.
#[derive(Debug)]
pub struct MonotonicClock(std::time::Instant);

impl Default for MonotonicClock {
    fn default() -> Self {
        Self(std::time::Instant::now())
    }
}

impl Clock for MonotonicClock {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.0.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

/// Unix wall time in milliseconds (L2 timestamps, order timestamps).
pub trait WallClock: Send + Sync + std::fmt::Debug {
    fn unix_ms(&self) -> u64;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemWallClock;

impl WallClock for SystemWallClock {
    fn unix_ms(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }
}

/// A seeded SplitMix64: cheap, reproducible jitter. Not for anything secret.
#[derive(Debug, Clone)]
pub struct JitterRng(u64);

impl JitterRng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// Seeded from the wall clock and the address of a stack value: varied enough that
    /// clients started together do not retry in lockstep.
    pub fn from_entropy() -> Self {
        let marker = 0u8;
        let address = std::ptr::addr_of!(marker) as usize as u64;
        Self(SystemWallClock.unix_ms().rotate_left(17) ^ address)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..=max`.
    pub fn below_or_equal(&mut self, max: u64) -> u64 {
        if max == u64::MAX {
            return self.next_u64();
        }
        self.next_u64() % (max + 1)
    }
}

/// Exponential backoff with full jitter: attempt `n` waits uniformly in
/// `[base·2ⁿ/2, base·2ⁿ]`, capped at `max`.
#[derive(Debug, Clone)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
    rng: JitterRng,
    attempt: u32,
}

impl Backoff {
    pub fn new(base: Duration, max: Duration, rng: JitterRng) -> Self {
        Self {
            base,
            max,
            rng,
            attempt: 0,
        }
    }

    /// The next delay; each call doubles the ceiling.
    pub fn next_delay(&mut self) -> Duration {
        let base_ms = u64::try_from(self.base.as_millis()).unwrap_or(u64::MAX);
        let max_ms = u64::try_from(self.max.as_millis()).unwrap_or(u64::MAX);
        let ceiling = base_ms
            .saturating_mul(1u64 << self.attempt.min(30))
            .min(max_ms);
        self.attempt = self.attempt.saturating_add(1);
        // Half fixed, half random: never zero, so a storm always spreads out.
        let half = ceiling / 2;
        Duration::from_millis(half + self.rng.below_or_equal(ceiling - half))
    }

    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    pub fn attempts(&self) -> u32 {
        self.attempt
    }
}

/// A token bucket: `burst` tokens, refilled at `per_second`. A request may cost several
/// tokens (a batch), the balance may be driven below zero after the fact (a cancel-all that
/// cancelled more than was left), the limits may change (a new tier), and the exchange may
/// ask for a pause (`Retry-After`).
#[derive(Debug)]
pub struct RateBudget {
    state: Mutex<BucketState>,
}

#[derive(Debug)]
struct BucketState {
    /// Capacity in thousandths of a token: integer arithmetic, exact and float-free.
    burst_milli: i64,
    per_second: u64,
    tokens_milli: i64,
    last_ms: u64,
    /// No token is handed out before this instant (clock milliseconds).
    blocked_until_ms: u64,
}

impl BucketState {
    fn refill(&mut self, now_ms: u64) {
        let elapsed = now_ms.saturating_sub(self.last_ms);
        // per_second tokens per 1000 ms = per_second milli-tokens per ms.
        let gained = i64::try_from(elapsed.saturating_mul(self.per_second)).unwrap_or(i64::MAX);
        self.tokens_milli = self
            .tokens_milli
            .saturating_add(gained)
            .min(self.burst_milli);
        self.last_ms = self.last_ms.max(now_ms);
    }
}

impl RateBudget {
    /// `per_second` must be positive; `burst` at least 1.
    pub fn new(per_second: u64, burst: u64, now_ms: u64) -> Self {
        let burst_milli = milli(burst.max(1));
        Self {
            state: Mutex::new(BucketState {
                burst_milli,
                per_second: per_second.max(1),
                tokens_milli: burst_milli,
                last_ms: now_ms,
                blocked_until_ms: 0,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, BucketState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes one token if there is one; otherwise says how long until there will be.
    pub fn try_take(&self, now_ms: u64) -> Result<(), Duration> {
        self.try_take_n(1, now_ms)
    }

    /// Takes `cost` tokens if they are all there (all or nothing, as the exchange counts a
    /// batch); otherwise says how long until they will be. A cost above the burst is
    /// capped at the burst: callers split batches so that it never happens.
    pub fn try_take_n(&self, cost: u64, now_ms: u64) -> Result<(), Duration> {
        let mut state = self.state();
        state.refill(now_ms);
        let blocked = state.blocked_until_ms.saturating_sub(now_ms);
        let cost_milli = milli(cost).min(state.burst_milli);
        if blocked == 0 && state.tokens_milli >= cost_milli {
            state.tokens_milli -= cost_milli;
            return Ok(());
        }
        let missing = u64::try_from(cost_milli.saturating_sub(state.tokens_milli)).unwrap_or(0);
        let refill = missing.div_ceil(state.per_second);
        Err(Duration::from_millis(blocked.max(refill).max(1)))
    }

    /// Charges `cost` tokens after the fact. With `may_go_negative` the balance can fall
    /// below zero (requests then wait for the refill); else it stops at zero.
    pub fn debit(&self, cost: u64, now_ms: u64, may_go_negative: bool) {
        let mut state = self.state();
        state.refill(now_ms);
        let after = state.tokens_milli.saturating_sub(milli(cost));
        state.tokens_milli = if may_go_negative { after } else { after.max(0) };
    }

    /// Lowers the balance to at most `tokens_milli` (the exchange's own count); never
    /// raises it.
    pub fn at_most(&self, tokens_milli: i64, now_ms: u64) {
        let mut state = self.state();
        state.refill(now_ms);
        state.tokens_milli = state.tokens_milli.min(tokens_milli);
    }

    /// Hands out nothing for `wait` from `now_ms`.
    pub fn block_for(&self, wait: Duration, now_ms: u64) {
        let mut state = self.state();
        let until = now_ms.saturating_add(u64::try_from(wait.as_millis()).unwrap_or(u64::MAX));
        state.blocked_until_ms = state.blocked_until_ms.max(until);
    }

    /// New rate and capacity (a new tier); the balance is kept, capped at the new burst.
    pub fn reconfigure(&self, per_second: u64, burst: u64, now_ms: u64) {
        let mut state = self.state();
        state.refill(now_ms);
        state.per_second = per_second.max(1);
        state.burst_milli = milli(burst.max(1));
        state.tokens_milli = state.tokens_milli.min(state.burst_milli);
    }

    /// Whole tokens held now (rounded down; may be negative).
    pub fn tokens(&self, now_ms: u64) -> i64 {
        let mut state = self.state();
        state.refill(now_ms);
        state.tokens_milli.div_euclid(1000)
    }
}

fn milli(tokens: u64) -> i64 {
    i64::try_from(tokens.saturating_mul(1000)).unwrap_or(i64::MAX)
}

/// Budgets for one client: a global one shared by every wallet, one per wallet for its
/// reads, and the exchange's per-signer order and cancel buckets for its trading routes
/// (see [`crate::signer_rate`]; sized by the signer's tier, not here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    pub global_per_second: u64,
    pub global_burst: u64,
    pub wallet_per_second: u64,
    pub wallet_burst: u64,
    /// Pace orders and cancels by the signer's tier locally (on by default). Off only for
    /// benches against the simulator; the exchange's headers are read either way.
    pub signer_pacing: bool,
}

impl Default for RateLimits {
    /// Polymarket documents ~9,000 requests / 10 s for the CLOB overall and 3,500 / 10 s
    /// burst for POST /order; staying at a small fraction leaves room for other tools.
    fn default() -> Self {
        Self {
            global_per_second: 100,
            global_burst: 200,
            wallet_per_second: 20,
            wallet_burst: 40,
            signer_pacing: true,
        }
    }
}

/// Waits (on the tokio timer) until `budget` grants a token.
pub async fn acquire(budget: &RateBudget, clock: &dyn Clock) {
    acquire_n(budget, 1, clock).await;
}

/// Waits (on the tokio timer) until `budget` grants `cost` tokens at once.
pub async fn acquire_n(budget: &RateBudget, cost: u64, clock: &dyn Clock) {
    loop {
        match budget.try_take_n(cost, clock.now_ms()) {
            Ok(()) => return,
            Err(wait) => tokio::time::sleep(wait).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_refills_exactly() {
        let budget = RateBudget::new(10, 2, 0);
        assert!(budget.try_take(0).is_ok());
        assert!(budget.try_take(0).is_ok());
        assert_eq!(budget.try_take(0), Err(Duration::from_millis(100)));
        assert_eq!(budget.try_take(50), Err(Duration::from_millis(50)));
        assert!(budget.try_take(100).is_ok());
        // Never more than the burst, however long it rested.
        assert!(budget.try_take(100_000).is_ok());
        assert!(budget.try_take(100_000).is_ok());
        assert!(budget.try_take(100_000).is_err());
    }

    #[test]
    fn backoff_grows_with_jitter_and_cap() {
        let mut backoff = Backoff::new(
            Duration::from_millis(100),
            Duration::from_millis(1000),
            JitterRng::new(7),
        );
        let delays: Vec<u64> = (0..6)
            .map(|_| u64::try_from(backoff.next_delay().as_millis()).unwrap())
            .collect();
        for (n, d) in delays.iter().enumerate() {
            let ceiling = (100u64 << n).min(1000);
            assert!(*d >= ceiling / 2 && *d <= ceiling, "{n}: {d}");
        }
        // Same seed, same delays.
        let mut again = Backoff::new(
            Duration::from_millis(100),
            Duration::from_millis(1000),
            JitterRng::new(7),
        );
        let replay: Vec<u64> = (0..6)
            .map(|_| u64::try_from(again.next_delay().as_millis()).unwrap())
            .collect();
        assert_eq!(delays, replay);
    }
}
