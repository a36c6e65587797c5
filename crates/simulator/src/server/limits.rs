//! Per-signer trading rate limits (PROTOCOL.md §13.3): each signer (the address of the API key)
//! has an order bucket and a cancel bucket, refilled continuously at its tier's rate up to the
//! tier's burst. `POST /order` costs 1 order token and `POST /orders` one per entry;
//! `DELETE /order` 1 cancel token, `DELETE /orders` one per id, and `DELETE /cancel-all` and
//! `/cancel-market-orders` 1 up front plus 1 per order they cancelled, charged afterwards,
//! which may leave the bucket in debt on tiers that allow it.
//!
//! Invariants: time is the server's clock (a manual-clock server stays deterministic); a
//! request is admitted whole or not at all; a cost above the burst is never admitted, however
//! long the client waits; a bucket never holds more than its burst.
//!
//! Hand-written rather than `governor`: production's cancel bucket goes negative after the
//! fact (a debt `governor`'s GCRA cannot hold), and the answers need the exact level and the
//! time enough tokens return, in simulated milliseconds rather than a real clock's instants.

use std::collections::HashMap;

use serde::Deserialize;

/// Levels are kept in thousandths of a token: a rate in tokens per second times a span in
/// milliseconds is then an exact integer.
const MILLI: i64 = 1_000;

/// A signer's volume tier, which sets both buckets (production's table, 2026).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    #[default]
    Standard,
    Copper,
    Bronze,
    Silver,
    Gold,
    Platinum,
    Diamond,
    Elite,
}

/// Which of a signer's two buckets a request draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BucketKind {
    Order,
    Cancel,
}

impl Tier {
    /// (tokens per second, burst) of a bucket.
    pub fn bucket(self, kind: BucketKind) -> (i64, i64) {
        let (order_rate, order_burst) = match self {
            Self::Standard => (40, 60),
            Self::Copper => (60, 90),
            Self::Bronze => (80, 120),
            Self::Silver => (200, 300),
            Self::Gold => (400, 600),
            Self::Platinum => (450, 675),
            Self::Diamond => (525, 787),
            Self::Elite => (600, 900),
        };
        let (cancel_rate, cancel_burst) = match self {
            Self::Standard => (80, 120),
            Self::Copper => (120, 180),
            Self::Bronze => (160, 240),
            Self::Silver => (400, 600),
            Self::Gold => (800, 1_200),
            Self::Platinum => (900, 1_350),
            Self::Diamond => (1_050, 1_575),
            Self::Elite => (1_200, 1_800),
        };
        match kind {
            BucketKind::Order => (order_rate, order_burst),
            BucketKind::Cancel => (cancel_rate, cancel_burst),
        }
    }

    /// Whether a cancel-all may leave the cancel bucket in debt (the lower tiers).
    fn allows_debt(self) -> bool {
        !matches!(self, Self::Platinum | Self::Diamond | Self::Elite)
    }

    /// Every tier, lowest first.
    pub const ALL: [Self; 8] = [
        Self::Standard,
        Self::Copper,
        Self::Bronze,
        Self::Silver,
        Self::Gold,
        Self::Platinum,
        Self::Diamond,
        Self::Elite,
    ];

    /// The tier named `name` (case-insensitive), as [`Tier::name`] spells it.
    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.trim();
        Self::ALL
            .into_iter()
            .find(|tier| tier.name().eq_ignore_ascii_case(name))
    }

    /// The name `Poly-RateLimit-Tier` carries.
    pub fn name(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Copper => "copper",
            Self::Bronze => "bronze",
            Self::Silver => "silver",
            Self::Gold => "gold",
            Self::Platinum => "platinum",
            Self::Diamond => "diamond",
            Self::Elite => "elite",
        }
    }
}

/// Whether the limiter refuses, only warns, or is off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LimitMode {
    /// Production since enforcement began: an empty bucket answers 429.
    #[default]
    Enforce,
    /// Production's rollout: everything is admitted; what enforcement would refuse carries
    /// `Poly-RateLimit-Warning: true`.
    Warn,
    /// No per-signer limits and no headers.
    Off,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    level: i64,
    at_ms: u64,
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Not enough tokens now; enough return after this many milliseconds.
    Empty { wait_ms: u64 },
    /// The request costs more than the bucket can ever hold: it must be split.
    OverBurst { cost: i64, burst: i64 },
}

/// What the answer to an evaluated request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub kind: BucketKind,
    /// Whole tokens left (negative when in debt).
    pub remaining: i64,
    /// Unix seconds: now when admitted, when enough tokens return when refused.
    pub reset_s: u64,
    pub tier: Tier,
    /// Set in warning mode when enforcement would have refused the request.
    pub warning: bool,
    pub refused: Option<Refused>,
}

impl Report {
    /// `Poly-RateLimit-*` (and `Retry-After` on a refusal that waiting can cure), named in
    /// lower case as HTTP/2 sends them (names are case-insensitive).
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = vec![
            ("poly-ratelimit-remaining", self.remaining.to_string()),
            ("poly-ratelimit-reset", self.reset_s.to_string()),
            ("poly-ratelimit-tier", self.tier.name().to_owned()),
        ];
        if self.warning {
            headers.push(("poly-ratelimit-warning", "true".to_owned()));
        }
        if let Some(Refused::Empty { wait_ms }) = self.refused {
            headers.push(("retry-after", wait_ms.div_ceil(1_000).max(1).to_string()));
        }
        headers
    }

    /// The 429 body text of a refusal.
    pub fn message(&self) -> Option<String> {
        let bucket = match self.kind {
            BucketKind::Order => "order",
            BucketKind::Cancel => "cancel",
        };
        self.refused.map(|refused| match refused {
            Refused::Empty { wait_ms } => format!(
                "Too Many Requests: the signer's {bucket} rate limit is exhausted, retry after {} s",
                wait_ms.div_ceil(1_000).max(1)
            ),
            Refused::OverBurst { cost, burst } => format!(
                "Too Many Requests: this request costs {cost} {bucket} tokens, more than the burst of {burst} of the {} tier; split it into smaller batches",
                self.tier.name()
            ),
        })
    }
}

/// Every signer's buckets.
#[derive(Debug, Default)]
pub struct SignerLimits {
    pub mode: LimitMode,
    /// Tier by lowercase 0x address; anyone else is Standard.
    pub tiers: HashMap<String, Tier>,
    buckets: HashMap<(String, BucketKind), Bucket>,
}

impl SignerLimits {
    pub fn new(mode: LimitMode, tiers: HashMap<String, Tier>) -> Self {
        Self {
            mode,
            tiers,
            buckets: HashMap::new(),
        }
    }

    pub fn tier_of(&self, signer: &str) -> Tier {
        self.tiers.get(signer).copied().unwrap_or_default()
    }

    /// The bucket refilled up to `now_ms`.
    fn bucket(&mut self, signer: &str, kind: BucketKind, now_ms: u64) -> (&mut Bucket, Tier) {
        let tier = self.tier_of(signer);
        let (rate, burst) = tier.bucket(kind);
        let bucket = self
            .buckets
            .entry((signer.to_owned(), kind))
            .or_insert(Bucket {
                level: burst * MILLI,
                at_ms: now_ms,
            });
        let elapsed = i64::try_from(now_ms.saturating_sub(bucket.at_ms)).unwrap_or(i64::MAX);
        bucket.level = bucket
            .level
            .saturating_add(elapsed.saturating_mul(rate))
            .min(burst * MILLI);
        bucket.at_ms = bucket.at_ms.max(now_ms);
        (bucket, tier)
    }

    /// Evaluates a request costing `cost` tokens; `None` when the limiter is off. A refused
    /// request takes nothing from the bucket.
    pub fn admit(
        &mut self,
        signer: &str,
        kind: BucketKind,
        cost: i64,
        now_ms: u64,
    ) -> Option<Report> {
        let mode = self.mode;
        if mode == LimitMode::Off {
            return None;
        }
        let (bucket, tier) = self.bucket(signer, kind, now_ms);
        let (rate, burst) = tier.bucket(kind);
        let refused = if cost > burst {
            Some(Refused::OverBurst { cost, burst })
        } else if bucket.level < cost * MILLI {
            let missing = u64::try_from(cost * MILLI - bucket.level).unwrap_or(0);
            Some(Refused::Empty {
                wait_ms: missing.div_ceil(u64::try_from(rate).unwrap_or(1)),
            })
        } else {
            None
        };
        let enforced = mode == LimitMode::Enforce && refused.is_some();
        if !enforced {
            bucket.level -= cost * MILLI;
        }
        let reset_ms = match refused {
            Some(Refused::Empty { wait_ms }) if enforced => now_ms + wait_ms,
            _ => now_ms,
        };
        Some(Report {
            kind,
            remaining: bucket.level.div_euclid(MILLI),
            reset_s: reset_ms.div_ceil(1_000),
            tier,
            warning: mode == LimitMode::Warn && refused.is_some(),
            refused: refused.filter(|_| enforced),
        })
    }

    /// Charges `cost` more cancel tokens after the fact (a cancel-all's cancelled orders): the
    /// bucket may go into debt on the tiers that allow it, else it stops at zero.
    pub fn charge_after(&mut self, signer: &str, cost: i64, now_ms: u64, report: &mut Report) {
        if self.mode == LimitMode::Off {
            return;
        }
        let (bucket, tier) = self.bucket(signer, BucketKind::Cancel, now_ms);
        bucket.level -= cost * MILLI;
        if !tier.allows_debt() {
            bucket.level = bucket.level.max(0);
        }
        report.remaining = bucket.level.div_euclid(MILLI);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_refills_at_its_rate_up_to_its_burst_and_refuses_whole_requests() {
        let mut limits = SignerLimits::default();
        let report = limits.admit("0xa", BucketKind::Order, 60, 0).unwrap();
        assert_eq!((report.remaining, report.refused), (0, None));
        let refused = limits.admit("0xa", BucketKind::Order, 2, 0).unwrap();
        assert_eq!(refused.refused, Some(Refused::Empty { wait_ms: 50 }));
        assert_eq!(refused.remaining, 0, "a refusal takes nothing");
        // 40 tokens a second: one every 25 ms.
        let later = limits.admit("0xa", BucketKind::Order, 2, 50).unwrap();
        assert_eq!((later.remaining, later.refused), (0, None));
        let over = limits.admit("0xb", BucketKind::Order, 61, 0).unwrap();
        assert_eq!(
            over.refused,
            Some(Refused::OverBurst {
                cost: 61,
                burst: 60
            })
        );
        let full = limits
            .admit("0xa", BucketKind::Order, 1, 1_000_000)
            .unwrap();
        assert_eq!(full.remaining, 59, "never more than the burst");
    }

    #[test]
    fn a_cancel_all_may_leave_debt_on_low_tiers_only() {
        let mut limits = SignerLimits::default();
        limits.tiers.insert("0xe".into(), Tier::Elite);
        let mut low = limits.admit("0xa", BucketKind::Cancel, 1, 0).unwrap();
        limits.charge_after("0xa", 200, 0, &mut low);
        assert_eq!(low.remaining, -81);
        let mut high = limits.admit("0xe", BucketKind::Cancel, 1, 0).unwrap();
        limits.charge_after("0xe", 5_000, 0, &mut high);
        assert_eq!(high.remaining, 0);
    }
}
