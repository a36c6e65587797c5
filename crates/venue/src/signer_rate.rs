//! Per-signer trading rate limits (PROTOCOL.md §13.3): the exchange keeps two token buckets
//! per signer address, one for orders and one for cancels, sized by the signer's tier.
//!
//! Invariants:
//! - the order bucket is charged 1 per `POST /order` and n per `POST /orders` of n orders;
//!   the cancel bucket 1 per `DELETE /order`, n per `DELETE /orders` of n ids, and 1 plus
//!   the orders cancelled for `DELETE /cancel-all` / `/cancel-market-orders` (which may take
//!   it below zero on the tiers that allow it: cancels then wait until it refills);
//! - until the exchange names a tier, the lowest (Standard: orders 40/s burst 60, cancels
//!   80/s burst 120) is assumed: it is the tightest, so it can only be too careful;
//! - every trading answer's `Poly-RateLimit-*` and `Retry-After` headers update the state:
//!   a `Remaining` lower than ours wins (never a higher one: a late answer cannot give
//!   back tokens), a `Retry-After` blocks the bucket that long, and an exhausted bucket
//!   waits for `Poly-RateLimit-Reset`, unless that reset is now or past (then nothing
//!   is slept on);
//! - batches are split by the callers so that no request costs more than the burst of the
//!   tier in force: such a request could never pass.

use std::sync::Mutex;
use std::time::Duration;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::rate::{Clock, RateBudget, WallClock};
use crate::retry::parse_seconds;

/// The exchange's per-signer trading tier, set from the signer's 30-day volume.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RateLimitTier {
    Standard,
    Copper,
    Bronze,
    Silver,
    Gold,
    Platinum,
    Diamond,
    Elite,
    /// A name this version does not know, kept as sent; its limits are assumed to be
    /// Standard's.
    Unknown(String),
}

impl RateLimitTier {
    /// Case-insensitive; anything else is kept as [`RateLimitTier::Unknown`].
    pub fn parse(text: &str) -> Self {
        let text = text.trim();
        match text.to_ascii_lowercase().as_str() {
            "standard" => Self::Standard,
            "copper" => Self::Copper,
            "bronze" => Self::Bronze,
            "silver" => Self::Silver,
            "gold" => Self::Gold,
            "platinum" => Self::Platinum,
            "diamond" => Self::Diamond,
            "elite" => Self::Elite,
            _ => Self::Unknown(text.to_owned()),
        }
    }

    /// The tier's name as the exchange spells it.
    pub fn name(&self) -> &str {
        match self {
            Self::Standard => "Standard",
            Self::Copper => "Copper",
            Self::Bronze => "Bronze",
            Self::Silver => "Silver",
            Self::Gold => "Gold",
            Self::Platinum => "Platinum",
            Self::Diamond => "Diamond",
            Self::Elite => "Elite",
            Self::Unknown(name) => name,
        }
    }

    /// The documented rates and bursts ("Trading rate limits").
    pub fn limits(&self) -> TierLimits {
        let (order, order_burst, cancel, cancel_burst, negative) = match self {
            Self::Standard | Self::Unknown(_) => (40, 60, 80, 120, true),
            Self::Copper => (60, 90, 120, 180, true),
            Self::Bronze => (80, 120, 160, 240, true),
            Self::Silver => (200, 300, 400, 600, true),
            Self::Gold => (400, 600, 800, 1_200, true),
            Self::Platinum => (450, 675, 900, 1_350, false),
            Self::Diamond => (525, 787, 1_050, 1_575, false),
            Self::Elite => (600, 900, 1_200, 1_800, false),
        };
        TierLimits {
            order: BucketLimits {
                per_second: order,
                burst: order_burst,
            },
            cancel: BucketLimits {
                per_second: cancel,
                burst: cancel_burst,
            },
            cancel_may_go_negative: negative,
        }
    }
}

impl std::fmt::Display for RateLimitTier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One bucket's refill rate and capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketLimits {
    pub per_second: u64,
    pub burst: u64,
}

/// A tier's two buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TierLimits {
    pub order: BucketLimits,
    pub cancel: BucketLimits,
    /// Whether a cancel-all may leave the cancel bucket below zero (tiers up to Gold).
    pub cancel_may_go_negative: bool,
}

impl TierLimits {
    pub fn bucket(&self, bucket: TradingBucket) -> BucketLimits {
        match bucket {
            TradingBucket::Order => self.order,
            TradingBucket::Cancel => self.cancel,
        }
    }
}

/// Which of a signer's two buckets a request draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TradingBucket {
    Order,
    Cancel,
}

/// The rate-limit headers of one answer. Absent or unreadable headers are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateLimitHeaders {
    /// `Poly-RateLimit-Remaining`: tokens left after this request (may be negative).
    pub remaining: Option<Decimal>,
    /// `Poly-RateLimit-Reset`: when the wait ends, unix milliseconds.
    pub reset_unix_ms: Option<u64>,
    /// `Poly-RateLimit-Tier`.
    pub tier: Option<RateLimitTier>,
    /// `Poly-RateLimit-Warning: true`: this request would have been refused once the
    /// limiter enforces (warning mode).
    pub warning: bool,
    /// `Retry-After` (seconds; fractions allowed).
    pub retry_after: Option<Duration>,
}

impl RateLimitHeaders {
    pub(crate) fn read(headers: &reqwest::header::HeaderMap) -> Self {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let number = |name: &str| text(name).and_then(|v| Decimal::from_str_exact(v).ok());
        Self {
            remaining: number("Poly-RateLimit-Remaining"),
            reset_unix_ms: number("Poly-RateLimit-Reset")
                .filter(|s| !s.is_sign_negative())
                .and_then(|s| (s * Decimal::from(1000)).trunc().to_u64()),
            tier: text("Poly-RateLimit-Tier").map(RateLimitTier::parse),
            warning: text("Poly-RateLimit-Warning").is_some_and(|v| v.eq_ignore_ascii_case("true")),
            retry_after: text("Retry-After").and_then(parse_seconds),
        }
    }

    /// Whether the answer carried any per-signer header.
    pub fn is_empty(&self) -> bool {
        self.remaining.is_none()
            && self.reset_unix_ms.is_none()
            && self.tier.is_none()
            && !self.warning
            && self.retry_after.is_none()
    }
}

/// One bucket as last seen, for display.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BucketStatus {
    /// The exchange's last `Remaining` for this bucket.
    pub remaining: Option<Decimal>,
    /// The exchange's last `Reset`, unix milliseconds.
    pub reset_unix_ms: Option<u64>,
    /// Tokens our own bucket holds now (whole tokens, may be negative).
    pub local_tokens: i64,
}

/// A wallet's trading limits as last seen: what a caller shows per wallet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitStatus {
    /// The tier the exchange last named; `None` until it has.
    pub tier: Option<RateLimitTier>,
    /// The limits in force locally (Standard's until a tier is known).
    pub limits: TierLimits,
    pub order: BucketStatus,
    pub cancel: BucketStatus,
    /// The last trading answer carried `Poly-RateLimit-Warning: true`.
    pub warning: bool,
}

/// The client side of one signer's buckets.
#[derive(Debug)]
pub(crate) struct SignerLimits {
    /// When false, requests are not paced locally (benches against the simulator); the
    /// headers are still read and shown.
    pacing: bool,
    order: RateBudget,
    cancel: RateBudget,
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    tier: Option<RateLimitTier>,
    order: BucketStatus,
    cancel: BucketStatus,
    warning: bool,
}

impl SignerLimits {
    pub(crate) fn new(pacing: bool, now_ms: u64) -> Self {
        let limits = RateLimitTier::Standard.limits();
        Self {
            pacing,
            order: RateBudget::new(limits.order.per_second, limits.order.burst, now_ms),
            cancel: RateBudget::new(limits.cancel.per_second, limits.cancel.burst, now_ms),
            seen: Mutex::new(Seen::default()),
        }
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn budget(&self, bucket: TradingBucket) -> &RateBudget {
        match bucket {
            TradingBucket::Order => &self.order,
            TradingBucket::Cancel => &self.cancel,
        }
    }

    /// The tier in force (Standard until the exchange names one).
    pub(crate) fn limits(&self) -> TierLimits {
        self.seen()
            .tier
            .as_ref()
            .map_or_else(|| RateLimitTier::Standard.limits(), RateLimitTier::limits)
    }

    /// The largest batch one request may carry in `bucket`.
    pub(crate) fn burst(&self, bucket: TradingBucket) -> u64 {
        self.limits().bucket(bucket).burst
    }

    /// Records a tier (from a header or `GET /v1/user/rate-limit-tier`).
    pub(crate) fn set_tier(&self, tier: RateLimitTier, now_ms: u64) {
        let limits = tier.limits();
        let mut seen = self.seen();
        if seen.tier.as_ref() == Some(&tier) {
            return;
        }
        seen.tier = Some(tier);
        drop(seen);
        self.order
            .reconfigure(limits.order.per_second, limits.order.burst, now_ms);
        self.cancel
            .reconfigure(limits.cancel.per_second, limits.cancel.burst, now_ms);
    }

    /// Waits until `cost` tokens are there and takes them.
    pub(crate) async fn acquire(&self, bucket: TradingBucket, cost: u64, clock: &dyn Clock) {
        if self.pacing {
            crate::rate::acquire_n(self.budget(bucket), cost, clock).await;
        }
    }

    /// Reads one trading answer's headers. `extra_cost` is charged after the fact (the
    /// orders a cancel-all cancelled).
    pub(crate) fn observe(
        &self,
        bucket: TradingBucket,
        headers: &RateLimitHeaders,
        extra_cost: u64,
        clock: &dyn Clock,
        wall: &dyn WallClock,
    ) {
        let now_ms = clock.now_ms();
        if let Some(tier) = &headers.tier {
            self.set_tier(tier.clone(), now_ms);
        }
        // Only the cancel bucket of the lower tiers may be overdrawn (a cancel-all).
        let may_go_negative =
            bucket == TradingBucket::Cancel && self.limits().cancel_may_go_negative;
        let budget = self.budget(bucket);
        if extra_cost > 0 {
            budget.debit(extra_cost, now_ms, may_go_negative);
        }
        if let Some(remaining) = headers.remaining {
            let milli = (remaining * Decimal::from(1000))
                .trunc()
                .to_i64()
                .unwrap_or(0);
            budget.at_most(milli, now_ms);
        }
        if let Some(wait) = headers.retry_after {
            budget.block_for(wait, now_ms);
        }
        let exhausted = headers.remaining.is_some_and(|r| r <= Decimal::ZERO);
        if exhausted && let Some(reset) = headers.reset_unix_ms {
            // A reset at or before now (the exchange sends "now" on success) is no wait.
            let wait = reset.saturating_sub(wall.unix_ms());
            if wait > 0 {
                budget.block_for(Duration::from_millis(wait), now_ms);
            }
        }
        let mut seen = self.seen();
        seen.warning = headers.warning;
        let status = match bucket {
            TradingBucket::Order => &mut seen.order,
            TradingBucket::Cancel => &mut seen.cancel,
        };
        if headers.remaining.is_some() {
            status.remaining = headers.remaining;
        }
        if headers.reset_unix_ms.is_some() {
            status.reset_unix_ms = headers.reset_unix_ms;
        }
        if headers.warning {
            tracing::warn!(
                ?bucket,
                remaining = ?headers.remaining,
                "the exchange warns that this signer's trading rate is over its tier's limit"
            );
        }
    }

    pub(crate) fn status(&self, now_ms: u64) -> RateLimitStatus {
        let limits = self.limits();
        let seen = self.seen();
        let mut order = seen.order.clone();
        order.local_tokens = self.order.tokens(now_ms);
        let mut cancel = seen.cancel.clone();
        cancel.local_tokens = self.cancel.tokens(now_ms);
        RateLimitStatus {
            tier: seen.tier.clone(),
            limits,
            order,
            cancel,
            warning: seen.warning,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default)]
    struct Fixed(std::sync::atomic::AtomicU64);
    impl Clock for Fixed {
        fn now_ms(&self) -> u64 {
            self.0.load(std::sync::atomic::Ordering::SeqCst)
        }
    }
    impl WallClock for Fixed {
        fn unix_ms(&self) -> u64 {
            1_800_000_000_000 + self.0.load(std::sync::atomic::Ordering::SeqCst)
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> RateLimitHeaders {
        let mut map = reqwest::header::HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        RateLimitHeaders::read(&map)
    }

    #[test]
    fn tiers_parse_and_unknown_names_are_kept() {
        assert_eq!(RateLimitTier::parse("gold"), RateLimitTier::Gold);
        assert_eq!(RateLimitTier::parse(" Standard "), RateLimitTier::Standard);
        let odd = RateLimitTier::parse("Mithril");
        assert_eq!(odd, RateLimitTier::Unknown("Mithril".into()));
        assert_eq!(odd.name(), "Mithril");
        // An unknown tier is paced like the tightest one.
        assert_eq!(odd.limits(), RateLimitTier::Standard.limits());
        let standard = RateLimitTier::Standard.limits();
        assert_eq!((standard.order.per_second, standard.order.burst), (40, 60));
        assert_eq!(
            (standard.cancel.per_second, standard.cancel.burst),
            (80, 120)
        );
        let elite = RateLimitTier::Elite.limits();
        assert_eq!((elite.order.burst, elite.cancel.burst), (900, 1_800));
        assert!(!elite.cancel_may_go_negative);
    }

    #[test]
    fn headers_are_read_exactly() {
        let read = headers(&[
            ("Poly-RateLimit-Remaining", "-2.5"),
            ("Poly-RateLimit-Reset", "1800000001.25"),
            ("Poly-RateLimit-Tier", "Silver"),
            ("Poly-RateLimit-Warning", "true"),
            ("Retry-After", "1.2"),
        ]);
        assert_eq!(read.remaining, Some(Decimal::new(-25, 1)));
        assert_eq!(read.reset_unix_ms, Some(1_800_000_001_250));
        assert_eq!(read.tier, Some(RateLimitTier::Silver));
        assert!(read.warning);
        assert_eq!(read.retry_after, Some(Duration::from_millis(1_200)));
        assert!(headers(&[]).is_empty());
        // An HTTP date is not a number of seconds: ignored rather than misread.
        assert_eq!(
            headers(&[("Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT")]).retry_after,
            None
        );
    }

    #[test]
    fn separate_buckets_follow_the_tier_and_the_headers() {
        let clock = Fixed::default();
        let limits = SignerLimits::new(true, 0);
        assert_eq!(limits.burst(TradingBucket::Order), 60);
        assert_eq!(limits.burst(TradingBucket::Cancel), 120);
        limits.observe(
            TradingBucket::Order,
            &headers(&[
                ("Poly-RateLimit-Tier", "Bronze"),
                ("Poly-RateLimit-Remaining", "7"),
            ]),
            0,
            &clock,
            &clock,
        );
        let status = limits.status(0);
        assert_eq!(status.tier, Some(RateLimitTier::Bronze));
        assert_eq!(status.limits.order.burst, 120);
        assert_eq!(status.order.remaining, Some(Decimal::from(7)));
        // The exchange's lower count wins; the cancel bucket is untouched.
        assert_eq!(status.order.local_tokens, 7);
        assert_eq!(status.cancel.local_tokens, 120);
        assert_eq!(status.limits.cancel.burst, 240);
        // A stale, higher count gives nothing back.
        limits.observe(
            TradingBucket::Order,
            &headers(&[("Poly-RateLimit-Remaining", "50")]),
            0,
            &clock,
            &clock,
        );
        assert_eq!(limits.status(0).order.local_tokens, 7);
    }

    #[test]
    fn a_reset_equal_to_now_is_not_waited_on_but_a_future_one_is() {
        let clock = Fixed::default();
        let limits = SignerLimits::new(true, 0);
        // Exhausted, reset "now": the refill rate alone decides (25 ms for one order).
        limits.observe(
            TradingBucket::Order,
            &headers(&[
                ("Poly-RateLimit-Remaining", "0"),
                ("Poly-RateLimit-Reset", "1800000000"),
            ]),
            0,
            &clock,
            &clock,
        );
        assert_eq!(
            limits.order.try_take_n(1, 0),
            Err(Duration::from_millis(25))
        );
        // Exhausted until a reset 2 s ahead: blocked until then.
        limits.observe(
            TradingBucket::Order,
            &headers(&[
                ("Poly-RateLimit-Remaining", "0"),
                ("Poly-RateLimit-Reset", "1800000002"),
            ]),
            0,
            &clock,
            &clock,
        );
        assert_eq!(
            limits.order.try_take_n(1, 0),
            Err(Duration::from_millis(2_000))
        );
        assert!(limits.order.try_take_n(1, 2_000).is_ok());
    }

    #[test]
    fn cancel_all_may_overdraw_the_cancel_bucket_on_low_tiers() {
        let clock = Fixed::default();
        let limits = SignerLimits::new(true, 0);
        limits.observe(
            TradingBucket::Cancel,
            &RateLimitHeaders::default(),
            130,
            &clock,
            &clock,
        );
        assert_eq!(limits.status(0).cancel.local_tokens, -10);
        // 11 tokens at 80/s: 137.5 ms until one is there again.
        assert_eq!(
            limits.cancel.try_take_n(1, 0),
            Err(Duration::from_millis(138))
        );
        let platinum = SignerLimits::new(true, 0);
        platinum.set_tier(RateLimitTier::Platinum, 0);
        platinum.observe(
            TradingBucket::Cancel,
            &RateLimitHeaders::default(),
            2_000,
            &clock,
            &clock,
        );
        assert_eq!(platinum.status(0).cancel.local_tokens, 0);
    }
}
