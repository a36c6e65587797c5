//! Errors of the network half, classified so that callers can act on the kind, not the text.
//!
//! Invariants:
//! - [`VenueError::SubmitOutcomeUnknown`] is the only answer to a `POST /order` whose fate is
//!   unknown (timeout, connection lost after sending, 5xx). It carries the order id (the
//!   EIP-712 digest we computed) so the caller reconciles with
//!   [`crate::client::AuthedClient::reconcile_submission`] instead of posting again: two
//!   orders for one intent is the worst bug this crate can have;
//! - the exchange pausing (§13.4: matching-engine restart, post-only mode, cancel-only
//!   mode) is its own kind, [`VenueError::pause`], never a transient "exchange gone" error:
//!   the order was refused before anything happened, and a bot waits and resumes;
//! - messages never contain keys, secrets or passphrases.

use std::time::Duration;

use polyagent_domain::trading::SignatureType;

/// Why the exchange refuses some requests for a while (PROTOCOL.md §13.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PauseKind {
    /// The matching engine is restarting (HTTP 425, about 90 s weekly): every order route
    /// refuses.
    Restarting,
    /// Post-only mode (about 2 minutes after a restart): cancels work, and so do orders
    /// sent with `postOnly: true`; every other order is refused.
    PostOnly,
    /// Cancel-only mode: cancels work, every order is refused.
    CancelOnly,
}

/// A pause of the exchange, with the wait it asked for (`Retry-After` or a body
/// `retry_after_seconds`), if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExchangePause {
    pub kind: PauseKind,
    pub retry_after: Option<Duration>,
}

impl PauseKind {
    /// Whether a new order may be posted during this pause (`post_only`: the order carries
    /// `postOnly: true`).
    pub fn accepts_orders(self, post_only: bool) -> bool {
        matches!(self, PauseKind::PostOnly) && post_only
    }

    /// Whether cancels work during this pause.
    pub fn accepts_cancels(self) -> bool {
        !matches!(self, PauseKind::Restarting)
    }

    /// What a person sees on the bot: a state, not an error.
    pub fn user_sentence(self) -> &'static str {
        match self {
            PauseKind::Restarting => {
                "the exchange's matching engine is restarting; the bot waits and resumes"
            }
            PauseKind::PostOnly => {
                "exchange in post-only mode; the bot waits to take liquidity until it clears"
            }
            PauseKind::CancelOnly => {
                "exchange in cancel-only mode; the bot waits until orders are accepted again"
            }
        }
    }
}

/// Everything a venue call can fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VenueError {
    #[error("not enough balance or allowance: {0}")]
    InsufficientBalance(String),
    #[error("price is not on the market's tick grid: {0}")]
    InvalidTick(String),
    #[error("order is below the market's minimum size: {0}")]
    BelowMinimumSize(String),
    #[error("the exchange refused the order's signature, signer or funder: {0}")]
    InvalidSignature(String),
    #[error("this location is geoblocked by Polymarket: {0}")]
    Geoblocked(String),
    /// A close-only region (§13.8: the geoblock's "close-only on the web app and the API"
    /// group) or account: positions may be closed, no new ones opened. Distinct from
    /// [`VenueError::Geoblocked`], where nothing may be traded at all.
    #[error("this location or account may only close positions: {0}")]
    CloseOnly(String),
    /// §13.7: the account may not make orders from an EOA (new accounts trade through a
    /// deposit wallet).
    #[error("this account must trade through a deposit wallet: {0}")]
    DepositWalletRequired(String),
    /// §13.7: a deposit-wallet (signature type 3) order refused because the wallet is not
    /// deployed yet (the exchange's text speaks of the signer and the API key).
    #[error("the deposit wallet is not deployed yet: {0}")]
    DepositWalletNotDeployed(String),
    #[error("rate limited by the exchange; retry after {retry_after:?}")]
    RateLimited { retry_after: Duration },
    /// 429 for a request that costs more than the signer's bucket can ever hold (§13.3: a
    /// batch larger than the tier's burst, or a cancel-all of more orders than the cancel
    /// burst). Waiting cannot help: split it. Never retried.
    #[error("the request costs more than this signer's rate-limit burst; split it: {0}")]
    OverBurst(String),
    #[error("order protocol version mismatch (server {server:?}): {message}")]
    VersionMismatch {
        server: Option<u64>,
        message: String,
    },
    /// The exchange already has an order with this id: an earlier post of the same signed
    /// order landed. Not an error for the intent; reconcile to see its state.
    #[error("the exchange already has this order: {0}")]
    DuplicateOrder(String),
    #[error("market is closed or not accepting orders: {0}")]
    MarketClosed(String),
    #[error("market not found: {0}")]
    MarketNotFound(String),
    #[error("market is resolved: {0}")]
    MarketResolved(String),
    #[error("the L1/L2 credentials were refused: {0}")]
    Unauthorized(String),
    #[error("trading is disabled on the exchange: {0}")]
    TradingDisabled(String),
    /// HTTP 425 on an order route: the matching engine is restarting. Reads and cancels are
    /// retried inside the client; an order post is not (it was refused, nothing happened).
    #[error("the exchange's matching engine is restarting; retry after {retry_after:?}")]
    EngineRestarting { retry_after: Option<Duration> },
    /// HTTP 503 `post_only_mode` (or a batch entry with that code): only post-only orders
    /// are accepted for now.
    #[error("the exchange is in post-only mode; retry after {retry_after:?}")]
    PostOnlyMode { retry_after: Option<Duration> },
    /// HTTP 503 "cancel-only": only cancels are accepted for now.
    #[error("the exchange is in cancel-only mode; retry after {retry_after:?}")]
    CancelOnlyMode { retry_after: Option<Duration> },
    #[error("the outcome of POST order {order_id} is unknown ({reason}); reconcile, do not retry")]
    SubmitOutcomeUnknown { order_id: String, reason: String },
    #[error("the exchange rejected the request ({status}): {message}")]
    Rejected { status: u16, message: String },
    #[error("the exchange answered something unexpected: {0}")]
    Protocol(String),
    #[error("network error: {0}")]
    Network(String),
    /// This computer's clock is further from the exchange's than signatures may be corrected
    /// by ([`crate::client::MAX_SIGNING_SKEW`]): nothing is signed with such a correction, so
    /// an exchange cannot get signatures timed far in the future or past (issue #16).
    #[error(
        "this computer's clock is {} s {} the exchange's, more than the {} s PolyAgent allows \
         for signatures: set the clock right (turn on automatic time), then connect again",
        .skew_ms.unsigned_abs() / 1000,
        if *.skew_ms > 0 { "behind" } else { "ahead of" },
        crate::client::MAX_SIGNING_SKEW.as_secs()
    )]
    ClockSkew { skew_ms: i64 },
    #[error("invalid request: {0}")]
    InvalidInput(String),
    #[error(transparent)]
    Signing(#[from] SigningError),
}

/// The signing core's error, kept as text so [`VenueError`] stays `Clone + Eq`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SigningError(pub String);

impl From<crate::Error> for VenueError {
    fn from(error: crate::Error) -> Self {
        VenueError::Signing(SigningError(error.to_string()))
    }
}

impl VenueError {
    /// Classifies a non-2xx answer from its status and the server's `error` text.
    pub fn classify(status: u16, message: &str) -> Self {
        Self::classify_with_wait(status, message, None)
    }

    /// Like [`VenueError::classify`], with the wait the answer asked for (`Retry-After`
    /// header or a body `retry_after_seconds`).
    pub fn classify_with_wait(status: u16, message: &str, retry_after: Option<Duration>) -> Self {
        let lower = message.to_ascii_lowercase();
        let text = message.to_owned();
        if status == 429 && lower.contains("burst") {
            return VenueError::OverBurst(text);
        }
        if status == 429 {
            return VenueError::RateLimited {
                retry_after: retry_after.unwrap_or(Duration::ZERO),
            };
        }
        // §13.4. Batch entries carry the code with a 200 around them, so the text decides
        // whatever the status.
        if status == 425 || lower.contains("service not ready") {
            return VenueError::EngineRestarting { retry_after };
        }
        if lower.contains("post_only_mode") || lower.contains("post-only mode") {
            return VenueError::PostOnlyMode { retry_after };
        }
        if lower.contains("cancel-only")
            || lower.contains("cancel_only")
            || lower.contains("cancel only")
        {
            return VenueError::CancelOnlyMode { retry_after };
        }
        if lower.contains("order_version_mismatch") {
            return VenueError::VersionMismatch {
                server: None,
                message: text,
            };
        }
        if lower.contains("duplicated") || lower.contains("duplicate order") {
            return VenueError::DuplicateOrder(text);
        }
        if lower.contains("balance") && lower.contains("allowance")
            || lower.contains("not enough balance")
        {
            return VenueError::InsufficientBalance(text);
        }
        if lower.contains("lower than the minimum") || lower.contains("minimum size") {
            return VenueError::BelowMinimumSize(text);
        }
        if lower.contains("tick size")
            || lower.contains("breaks minimum tick")
            || lower.contains("max accuracy")
            || lower.contains("invalid price")
        {
            return VenueError::InvalidTick(text);
        }
        // §13.7, before the signature check that the "maker address" would otherwise hit.
        if lower.contains("deposit wallet flow") {
            return VenueError::DepositWalletRequired(text);
        }
        if lower.contains("signature")
            || lower.contains("signer")
            || lower.contains("funder")
            || lower.contains("maker address")
        {
            return VenueError::InvalidSignature(text);
        }
        // §13.8: a close-only region, or an account in closed-only mode, refuses opening
        // orders only; before the geoblock and "closed" (market) checks.
        if lower.contains("close-only")
            || lower.contains("close only")
            || lower.contains("closed-only")
            || lower.contains("closed only")
            || lower.contains("close_only")
        {
            return VenueError::CloseOnly(text);
        }
        if status == 403
            || lower.contains("geoblock")
            || lower.contains("restricted in your region")
        {
            return VenueError::Geoblocked(text);
        }
        if lower.contains("trading is currently disabled") {
            return VenueError::TradingDisabled(text);
        }
        if lower.contains("closed") || lower.contains("not accepting orders") {
            return VenueError::MarketClosed(text);
        }
        if lower.contains("resolved") {
            return VenueError::MarketResolved(text);
        }
        if status == 401 {
            return VenueError::Unauthorized(text);
        }
        if status == 404 && lower.contains("market not found") {
            return VenueError::MarketNotFound(text);
        }
        VenueError::Rejected {
            status,
            message: text,
        }
    }

    /// The same refusal as a client signing with `signature_type` understands it (§13.7):
    /// "the order signer address has to be the address of the API KEY" means, for a
    /// deposit wallet (type 3), that the wallet is not deployed yet; for the other types
    /// it stays a signer mismatch ([`VenueError::InvalidSignature`]).
    pub fn for_signature_type(self, signature_type: SignatureType) -> Self {
        match self {
            VenueError::InvalidSignature(text)
                if signature_type == SignatureType::Poly1271
                    && text
                        .to_ascii_lowercase()
                        .contains("signer address has to be the address of the api key") =>
            {
                VenueError::DepositWalletNotDeployed(text)
            }
            other => other,
        }
    }

    /// What happened and what to do, in words a person understands (no codes). Shown on a
    /// bot or a wallet instead of the technical message.
    pub fn user_sentence(&self) -> String {
        match self {
            VenueError::DepositWalletRequired(_) => "this Polymarket account must trade \
                through a deposit wallet; import or create the deposit wallet and choose it \
                as this bot's wallet"
                .into(),
            VenueError::DepositWalletNotDeployed(_) => "the deposit wallet is not deployed \
                yet: make one trade in Polymarket's web app or deploy it, then try again"
                .into(),
            VenueError::CloseOnly(_) => "Polymarket allows only closing positions from this \
                location or account: the bot may sell what it holds but cannot open new \
                positions"
                .into(),
            VenueError::Geoblocked(_) => "Polymarket does not allow trading from this \
                location; the bot cannot trade here"
                .into(),
            VenueError::EngineRestarting { .. }
            | VenueError::PostOnlyMode { .. }
            | VenueError::CancelOnlyMode { .. } => self
                .pause()
                .map(|p| p.kind.user_sentence().to_owned())
                .unwrap_or_default(),
            VenueError::OverBurst(_) => "the request was larger than this wallet's rate \
                limit ever allows at once; it has to be sent in smaller parts"
                .into(),
            VenueError::RateLimited { .. } => "the exchange asked to slow down; the bot \
                waits and tries again"
                .into(),
            VenueError::InsufficientBalance(_) => "not enough pUSD (or shares) in the \
                wallet, or the exchange is not approved to use them"
                .into(),
            VenueError::Unauthorized(_) => "the exchange refused this wallet's API key; \
                reconnect the wallet"
                .into(),
            other => other.to_string(),
        }
    }

    /// The exchange's pause behind this error, if it is one (§13.4). A pause is not
    /// [`VenueError::is_transient`]: the exchange is there and said when to come back.
    pub fn pause(&self) -> Option<ExchangePause> {
        let (kind, retry_after) = match self {
            VenueError::EngineRestarting { retry_after } => (PauseKind::Restarting, *retry_after),
            VenueError::PostOnlyMode { retry_after } => (PauseKind::PostOnly, *retry_after),
            VenueError::CancelOnlyMode { retry_after } => (PauseKind::CancelOnly, *retry_after),
            _ => return None,
        };
        Some(ExchangePause { kind, retry_after })
    }

    /// Whether waiting and asking again can help (rate limits, network trouble on reads).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            VenueError::RateLimited { .. } | VenueError::Network(_)
        ) || matches!(self, VenueError::Rejected { status, .. } if *status >= 500)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_polymarket_messages() {
        type Check = fn(&VenueError) -> bool;
        let cases: &[(u16, &str, Check)] = &[
            (400, "not enough balance / allowance", |e| {
                matches!(e, VenueError::InsufficientBalance(_))
            }),
            (
                400,
                "order 0xab is invalid. Size (1.08) lower than the minimum: 5",
                |e| matches!(e, VenueError::BelowMinimumSize(_)),
            ),
            (
                400,
                "invalid amounts, the buy orders maker amount supports a max accuracy of 5 decimals",
                |e| matches!(e, VenueError::InvalidTick(_)),
            ),
            (
                400,
                "the order signer address has to be the address of the API KEY",
                |e| matches!(e, VenueError::InvalidSignature(_)),
            ),
            // §13.7, production's exact text.
            (
                400,
                "maker address not allowed, please use the deposit wallet flow",
                |e| matches!(e, VenueError::DepositWalletRequired(_)),
            ),
            // §13.8: close-only, distinct from a geoblock and from a closed market.
            (
                403,
                "Trading restricted in your region: close-only mode, you may only close existing positions",
                |e| matches!(e, VenueError::CloseOnly(_)),
            ),
            (400, "account is in closed-only mode", |e| {
                matches!(e, VenueError::CloseOnly(_))
            }),
            (400, "order_version_mismatch: V2 only", |e| {
                matches!(e, VenueError::VersionMismatch { .. })
            }),
            (429, "Too Many Requests", |e| {
                matches!(e, VenueError::RateLimited { .. })
            }),
            // §13.3: a batch that costs more than the burst can never pass.
            (
                429,
                "request token cost 61 exceeds the order burst capacity 60",
                |e| matches!(e, VenueError::OverBurst(_)),
            ),
            (403, "Trading restricted in your region", |e| {
                matches!(e, VenueError::Geoblocked(_))
            }),
            (401, "Unauthorized/Invalid api key", |e| {
                matches!(e, VenueError::Unauthorized(_))
            }),
            (
                503,
                "Trading is currently disabled. Check polymarket.com for updates",
                |e| matches!(e, VenueError::TradingDisabled(_)),
            ),
            (400, "market is closed", |e| {
                matches!(e, VenueError::MarketClosed(_))
            }),
            (404, "market not found", |e| {
                matches!(e, VenueError::MarketNotFound(_))
            }),
        ];
        for (status, message, check) in cases {
            let error = VenueError::classify(*status, message);
            assert!(check(&error), "{status} {message} -> {error:?}");
        }
    }

    #[test]
    fn the_signer_refusal_means_an_undeployed_deposit_wallet_only_for_type_3() {
        let text = "the order signer address has to be the address of the API KEY";
        let refused = VenueError::classify(400, text);
        assert_eq!(
            refused.clone().for_signature_type(SignatureType::Poly1271),
            VenueError::DepositWalletNotDeployed(text.into())
        );
        for other in [
            SignatureType::Eoa,
            SignatureType::PolyProxy,
            SignatureType::PolyGnosisSafe,
        ] {
            assert_eq!(
                refused.clone().for_signature_type(other),
                VenueError::InvalidSignature(text.into())
            );
        }
        // Another signature refusal of a deposit wallet stays what it is.
        let bad = VenueError::classify(400, "invalid signature");
        assert_eq!(bad.clone().for_signature_type(SignatureType::Poly1271), bad);
    }

    #[test]
    fn refusals_come_with_a_sentence_that_says_what_to_do() {
        let sentence = |e: VenueError| e.user_sentence();
        assert_eq!(
            sentence(VenueError::DepositWalletRequired(String::new())),
            "this Polymarket account must trade through a deposit wallet; import or create \
             the deposit wallet and choose it as this bot's wallet"
        );
        assert_eq!(
            sentence(VenueError::DepositWalletNotDeployed(String::new())),
            "the deposit wallet is not deployed yet: make one trade in Polymarket's web app \
             or deploy it, then try again"
        );
        assert!(sentence(VenueError::CloseOnly(String::new())).contains("only closing"));
        assert_eq!(
            sentence(VenueError::PostOnlyMode { retry_after: None }),
            PauseKind::PostOnly.user_sentence()
        );
        // No sentence leaks a code or the exchange's wording.
        for error in [
            VenueError::DepositWalletRequired("maker address not allowed".into()),
            VenueError::CloseOnly("close-only".into()),
        ] {
            let text = error.user_sentence();
            assert!(!text.contains("maker address"), "{text}");
            assert!(!text.contains("close-only"), "{text}");
        }
    }

    #[test]
    fn engine_restarts_and_restricted_modes_are_pauses_not_failures() {
        let wait = Some(Duration::from_secs(30));
        let cases: &[(u16, &str, PauseKind)] = &[
            // §13.4: the body may be empty or `service not ready`.
            (425, "", PauseKind::Restarting),
            (425, "service not ready", PauseKind::Restarting),
            (503, "post_only_mode", PauseKind::PostOnly),
            // A batch entry: the code arrives in `errorMsg`, classified with status 400.
            (400, "post_only_mode", PauseKind::PostOnly),
            (
                503,
                "exchange is in cancel-only mode",
                PauseKind::CancelOnly,
            ),
        ];
        for (status, message, kind) in cases {
            let error = VenueError::classify_with_wait(*status, message, wait);
            assert_eq!(
                error.pause(),
                Some(ExchangePause {
                    kind: *kind,
                    retry_after: wait
                }),
                "{status} {message:?} -> {error:?}"
            );
            assert!(!error.is_transient(), "{error:?}");
        }
        // "Trading is currently disabled" stays its own (longer) condition.
        assert_eq!(
            VenueError::classify(
                503,
                "Trading is currently disabled. Check polymarket.com for updates"
            )
            .pause(),
            None
        );
        assert!(PauseKind::PostOnly.accepts_orders(true));
        assert!(!PauseKind::PostOnly.accepts_orders(false));
        assert!(!PauseKind::CancelOnly.accepts_orders(true));
        assert!(PauseKind::CancelOnly.accepts_cancels());
        assert!(!PauseKind::Restarting.accepts_cancels());
    }
}
