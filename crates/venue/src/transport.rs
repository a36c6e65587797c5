//! The HTTP core under [`PublicClient`] and [`AuthedClient`]: one attempt, budgets, the retry
//! loop, L2 signing of each attempt, and the classification of non-2xx answers.
//!
//! Invariants:
//! - every request takes a token from the global budget before it is sent; an order or
//!   cancel route also takes its cost from the signer's order or cancel bucket (§13.3,
//!   [`crate::signer_rate`]) and feeds the answer's `Poly-RateLimit-*` headers back to it;
//!   any other authenticated request takes one from the wallet's budget;
//! - a 429 that says the request is over the burst is never retried: it can never pass;
//! - a retry happens only for answers that provably did nothing on the exchange, through
//!   the one bounded policy of [`crate::retry`]: 429, and 425 (engine restarting) on reads
//!   and cancels but never on an order post ([`RetryClass`]); a 401 re-derives the API key
//!   once; an attempt whose outcome is unknown is never repeated here
//!   (see [`SendFailure::Unknown`]);
//! - the wait an answer asks for (`Retry-After`, or a body `retry_after_seconds`) is read
//!   into [`Answer::retry_after`] and honoured by the retry and by the typed errors;
//! - L2 headers are signed per attempt so timestamps stay fresh.

use std::sync::atomic::{AtomicI64, AtomicU64};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use polyagent_domain::secret::SecretString;
use serde::de::DeserializeOwned;

use crate::auth::{HttpMethod, L2Credentials};
use crate::client::{AuthedClient, ClientConfig, PublicClient};
use crate::clob_wire::{self, ApiKeyResponse};
use crate::rate::{Clock, JitterRng, RateBudget, WallClock, acquire};
use crate::retry::{RetryClass, RetryPolicy, RetryState, parse_seconds};
use crate::signer_rate::{RateLimitHeaders, SignerLimits, TradingBucket};
use crate::signing::OrderSigner;
use crate::venue_error::VenueError;

/// Which service a request goes to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Host {
    Clob,
    Gamma,
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) http: reqwest::Client,
    pub(crate) config: ClientConfig,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) wall: Arc<dyn WallClock>,
    pub(crate) global: RateBudget,
    pub(crate) rng: Mutex<JitterRng>,
    /// Server minus local time, ms, as last measured by [`PublicClient::check_clock_skew`].
    pub(crate) skew_ms: AtomicI64,
    /// Cached `/version`; 0 = not read yet.
    pub(crate) version: AtomicU64,
}

/// One HTTP answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
    /// The wait the exchange asked for: the `Retry-After` header, else a body
    /// `retry_after_seconds` (read on non-2xx answers only).
    pub(crate) retry_after: Option<Duration>,
    /// The per-signer rate-limit headers (§13.3).
    pub(crate) rate: RateLimitHeaders,
}

/// Which budgets a request draws from, besides the global one.
#[derive(Clone, Copy)]
pub(crate) enum Pace<'a> {
    None,
    /// A wallet's reads.
    Wallet(&'a RateBudget),
    /// A trading route: `cost` tokens of one of the signer's buckets.
    Trading(&'a SignerLimits, TradingBucket, u64),
}

/// How an L2 request is paced and retried.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Route {
    pub(crate) class: RetryClass,
    pub(crate) bucket: Option<(TradingBucket, u64)>,
}

impl Route {
    /// A read: the wallet's budget, retried.
    pub(crate) const READ: Route = Route {
        class: RetryClass::Idempotent,
        bucket: None,
    };

    /// An order post of `cost` orders: the order bucket, never retried on 425.
    pub(crate) fn orders(cost: usize) -> Route {
        Route {
            class: RetryClass::Submit,
            bucket: Some((TradingBucket::Order, cost as u64)),
        }
    }

    /// A cancel of `cost` tokens: the cancel bucket, retried.
    pub(crate) fn cancels(cost: usize) -> Route {
        Route {
            class: RetryClass::Idempotent,
            bucket: Some((TradingBucket::Cancel, cost as u64)),
        }
    }
}

/// A 429 that says the request costs more than the bucket can ever hold: waiting cannot
/// help (§13.3), so it is not retried.
fn over_burst(answer: &Answer) -> bool {
    answer.status == 429
        && matches!(
            VenueError::classify(429, &clob_wire::error_text(&answer.body)),
            VenueError::OverBurst(_)
        )
}

/// A body's `retry_after_seconds` (a number or a numeric string), which may stand in for
/// `Retry-After` (§13.4).
fn body_retry_after(body: &[u8]) -> Option<Duration> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    match value.get("retry_after_seconds")? {
        serde_json::Value::Number(n) => parse_seconds(&n.to_string()),
        serde_json::Value::String(s) => parse_seconds(s),
        _ => None,
    }
}

/// Headers whose values authenticate: marked sensitive so HTTP/2 never indexes them
/// (HPACK) and `Debug` of a request never prints them.
const SENSITIVE_HEADERS: [&str; 3] = ["POLY_PASSPHRASE", "POLY_SIGNATURE", "POLY_API_KEY"];

/// One header value, sensitive when its name is in [`SENSITIVE_HEADERS`]. An invalid value
/// is refused before sending, without quoting it.
fn header_value(name: &str, value: &str) -> Result<reqwest::header::HeaderValue, SendFailure> {
    let mut value = reqwest::header::HeaderValue::from_str(value)
        .map_err(|_| SendFailure::NotSent(format!("header {name} holds invalid characters")))?;
    if SENSITIVE_HEADERS.contains(&name) {
        value.set_sensitive(true);
    }
    Ok(value)
}

/// How a failed send ended: before anything could reach the server, or possibly after.
pub(crate) enum SendFailure {
    NotSent(String),
    Unknown(String),
}

impl PublicClient {
    pub(crate) fn url(&self, host: Host, path: &str) -> String {
        let base = match host {
            Host::Clob => &self.shared.config.endpoints.clob,
            Host::Gamma => &self.shared.config.endpoints.gamma,
        };
        format!("{base}{path}")
    }

    /// The client's one retry policy (see [`crate::retry`]).
    pub fn retry_policy(&self) -> RetryPolicy {
        let config = &self.shared.config;
        RetryPolicy {
            base: config.backoff_base,
            max_delay: config.backoff_max,
            max_retries: config.max_retries,
            max_total_wait: config.max_retry_wait,
        }
    }

    /// A fresh retry state, its jitter seeded from the client's seeded sequence.
    fn retry_state(&self) -> RetryState {
        let seed = self
            .shared
            .rng
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .next_u64();
        RetryState::new(self.retry_policy(), seed)
    }

    /// One attempt: `Ok` for any HTTP answer, `Err` when none arrived.
    pub(crate) async fn send_once(
        &self,
        method: HttpMethod,
        url: &str,
        query: &[(&str, String)],
        body: Option<&str>,
        headers: &[(&'static str, String)],
    ) -> Result<Answer, SendFailure> {
        let method = match method {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Delete => reqwest::Method::DELETE,
            HttpMethod::Put => reqwest::Method::PUT,
        };
        let mut request = self.shared.http.request(method, url);
        if !query.is_empty() {
            request = request.query(query);
        }
        for (name, value) in headers {
            request = request.header(*name, header_value(name, value)?);
        }
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_owned());
        }
        let response = request.send().await.map_err(|e| {
            // A refused connection provably sent nothing; anything else may have reached
            // the server.
            if e.is_connect() && !e.is_timeout() {
                SendFailure::NotSent(e.to_string())
            } else {
                SendFailure::Unknown(e.to_string())
            }
        })?;
        let status = response.status().as_u16();
        let rate = RateLimitHeaders::read(response.headers());
        let header_wait = rate.retry_after;
        let body = response
            .bytes()
            .await
            .map_err(|e| SendFailure::Unknown(e.to_string()))?;
        let retry_after = if (200..300).contains(&status) {
            header_wait
        } else {
            header_wait.or_else(|| body_retry_after(&body))
        };
        Ok(Answer {
            status,
            body: body.to_vec(),
            retry_after,
            rate,
        })
    }

    /// [`PublicClient::send_classed`] for a read (or anything else idempotent).
    pub(crate) async fn send(
        &self,
        method: HttpMethod,
        url: &str,
        query: &[(&str, String)],
        body: Option<&str>,
        headers: &(dyn Fn() -> Vec<(&'static str, String)> + Send + Sync),
        wallet: Option<&RateBudget>,
    ) -> Result<Answer, SendFailure> {
        let pace = wallet.map_or(Pace::None, Pace::Wallet);
        self.send_classed(
            method,
            url,
            query,
            body,
            headers,
            pace,
            RetryClass::Idempotent,
        )
        .await
    }

    /// Sends with budgets and the retry policy. `headers` is called per attempt so that
    /// signed timestamps stay fresh.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn send_classed(
        &self,
        method: HttpMethod,
        url: &str,
        query: &[(&str, String)],
        body: Option<&str>,
        headers: &(dyn Fn() -> Vec<(&'static str, String)> + Send + Sync),
        pace: Pace<'_>,
        class: RetryClass,
    ) -> Result<Answer, SendFailure> {
        let mut retry = self.retry_state();
        let clock = self.shared.clock.as_ref();
        loop {
            acquire(&self.shared.global, clock).await;
            match pace {
                Pace::None => {}
                Pace::Wallet(wallet) => acquire(wallet, clock).await,
                Pace::Trading(limits, bucket, cost) => limits.acquire(bucket, cost, clock).await,
            }
            let answer = self.send_once(method, url, query, body, &headers()).await?;
            if let Pace::Trading(limits, bucket, _) = pace {
                limits.observe(bucket, &answer.rate, 0, clock, self.shared.wall.as_ref());
            }
            // Both are refusals before processing: asking again cannot do anything twice.
            // A 425 on an order post is still the caller's (see `RetryClass::Submit`), and
            // a request over the burst can never pass.
            let retryable = match answer.status {
                429 => !over_burst(&answer),
                425 => class == RetryClass::Idempotent,
                _ => false,
            };
            if !retryable {
                return Ok(answer);
            }
            let Some(wait) = retry.next_wait(answer.retry_after) else {
                // Spent, or the exchange asked for longer than the policy waits: the typed
                // error carries its wait to the caller.
                return Ok(answer);
            };
            tracing::debug!(
                url,
                status = answer.status,
                ?wait,
                "refused for now; retrying"
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// GET, parsed; non-2xx classified.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        host: Host,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, VenueError> {
        let url = self.url(host, path);
        let answer = self
            .send(HttpMethod::Get, &url, query, None, &Vec::new, None)
            .await
            .map_err(|f| match f {
                SendFailure::NotSent(e) | SendFailure::Unknown(e) => VenueError::Network(e),
            })?;
        parse_answer(&answer, self.shared.config.backoff_max)
    }
}

pub(crate) fn parse_answer<T: DeserializeOwned>(
    answer: &Answer,
    backoff_max: Duration,
) -> Result<T, VenueError> {
    if (200..300).contains(&answer.status) {
        serde_json::from_slice(&answer.body).map_err(|e| {
            VenueError::Protocol(format!(
                "{e}: {}",
                String::from_utf8_lossy(&answer.body)
                    .chars()
                    .take(200)
                    .collect::<String>()
            ))
        })
    } else {
        Err(error_of(answer, backoff_max))
    }
}

/// [`parse_answer`] for an answer that carries a secret (the API-key routes): a 2xx body
/// that does not parse is never quoted, not even serde's message (a type error quotes the
/// value it met); the error names only serde's category and position.
pub(crate) fn parse_secret_answer<T: DeserializeOwned>(
    answer: &Answer,
    backoff_max: Duration,
) -> Result<T, VenueError> {
    if (200..300).contains(&answer.status) {
        serde_json::from_slice(&answer.body).map_err(|e| {
            let category = match e.classify() {
                serde_json::error::Category::Io => "unreadable",
                serde_json::error::Category::Syntax => "not JSON",
                serde_json::error::Category::Data => "JSON of the wrong shape",
                serde_json::error::Category::Eof => "cut short",
            };
            VenueError::Protocol(format!(
                "the API-key answer was {category} (line {}, column {}); its text is not shown because it may hold the secret",
                e.line(),
                e.column()
            ))
        })
    } else {
        Err(error_of(answer, backoff_max))
    }
}

/// A body's machine-readable `code` (`{"error": "...", "code": "post_only_mode"}`), if any.
fn body_code(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value.get("code")?.as_str().map(str::to_owned)
}

pub(crate) fn error_of(answer: &Answer, backoff_max: Duration) -> VenueError {
    let mut text = clob_wire::error_text(&answer.body);
    // §13.4: the mode may be named by a `code` beside a generic message; the classifier
    // reads both.
    if let Some(code) = body_code(&answer.body)
        && !text.contains(&code)
    {
        text = format!("{text} ({code})");
    }
    match VenueError::classify_with_wait(answer.status, &text, answer.retry_after) {
        // No wait named: the policy's longest delay is a safe guess.
        VenueError::RateLimited { .. } if answer.retry_after.is_none() => VenueError::RateLimited {
            retry_after: backoff_max,
        },
        other => other,
    }
}

impl AuthedClient {
    pub(crate) async fn rederive(&self) -> Result<Arc<L2Credentials>, VenueError> {
        let fresh = Arc::new(create_or_derive(&self.public, &self.signer, self.nonce).await?);
        *self
            .credentials
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = fresh.clone();
        // The key id is not a secret but names the account on the exchange: info logs
        // (kept for days, attached to bug reports) say only that it happened.
        tracing::info!("re-derived the API key after a 401");
        Ok(fresh)
    }

    /// [`AuthedClient::l2_classed`] for a read, a cancel or anything else idempotent.
    pub(crate) async fn l2(
        &self,
        method: HttpMethod,
        path: &str,
        query: &[(&str, String)],
        body: &(dyn Fn(&L2Credentials) -> Option<String> + Send + Sync),
    ) -> Result<Answer, SendFailure> {
        self.l2_classed(method, path, query, body, Route::READ)
            .await
    }

    /// One L2 request; `body` is built from the credentials (the order `owner` is the API
    /// key, so a re-derived key means a new body). On 401, re-derives once and retries:
    /// a 401 is refused before anything happens.
    pub(crate) async fn l2_classed(
        &self,
        method: HttpMethod,
        path: &str,
        query: &[(&str, String)],
        body: &(dyn Fn(&L2Credentials) -> Option<String> + Send + Sync),
        route: Route,
    ) -> Result<Answer, SendFailure> {
        // Trading routes draw from the signer's order or cancel bucket (§13.3), everything
        // else from the wallet's budget.
        let pace = match route.bucket {
            Some((bucket, cost)) => Pace::Trading(&self.signer_limits, bucket, cost),
            None => Pace::Wallet(&self.wallet_budget),
        };
        let mut credentials = self.credentials();
        for attempt in 0..2 {
            let text = body(&credentials);
            let url = self.public.url(Host::Clob, path);
            let creds = credentials.clone();
            let public = self.public.clone();
            let text_for_headers = text.clone();
            let headers = move || {
                creds
                    .headers(
                        public.server_now_s(),
                        method,
                        path,
                        text_for_headers.as_deref(),
                    )
                    .pairs()
                    .iter()
                    .map(|(name, value)| (*name, (*value).to_owned()))
                    .collect::<Vec<_>>()
            };
            let answer = self
                .public
                .send_classed(
                    method,
                    &url,
                    query,
                    text.as_deref(),
                    &headers,
                    pace,
                    route.class,
                )
                .await?;
            if answer.status == 401 && attempt == 0 {
                match self.rederive().await {
                    Ok(fresh) => {
                        credentials = fresh;
                        continue;
                    }
                    Err(e) => return Err(SendFailure::NotSent(e.to_string())),
                }
            }
            return Ok(answer);
        }
        unreachable!("the loop returns on its second pass")
    }

    pub(crate) async fn l2_json<T: DeserializeOwned>(
        &self,
        method: HttpMethod,
        path: &str,
        query: &[(&str, String)],
        body: Option<String>,
    ) -> Result<T, VenueError> {
        let answer = self
            .l2(method, path, query, &move |_| body.clone())
            .await
            .map_err(|f| match f {
                SendFailure::NotSent(e) | SendFailure::Unknown(e) => VenueError::Network(e),
            })?;
        parse_answer(&answer, self.public.shared.config.backoff_max)
    }
}

/// `POST /auth/api-key`, falling back to `GET /auth/derive-api-key` (the SDKs'
/// createOrDerive).
pub(crate) async fn create_or_derive(
    public: &PublicClient,
    signer: &OrderSigner,
    nonce: u64,
) -> Result<L2Credentials, VenueError> {
    let chain = public.shared.config.chain;
    let attempt = |method: HttpMethod, path: &'static str| {
        let public = public.clone();
        let headers: Vec<(&'static str, String)> = signer
            .l1_headers(chain, public.server_now_s(), nonce)
            .pairs()
            .iter()
            .map(|(n, v)| (*n, (*v).to_owned()))
            .collect();
        async move {
            let url = public.url(Host::Clob, path);
            let headers_fn = move || headers.clone();
            let answer = public
                .send(method, &url, &[], None, &headers_fn, None)
                .await
                .map_err(|f| match f {
                    SendFailure::NotSent(e) | SendFailure::Unknown(e) => VenueError::Network(e),
                })?;
            parse_secret_answer::<ApiKeyResponse>(&answer, public.shared.config.backoff_max)
        }
    };
    let mut key = match attempt(HttpMethod::Post, "/auth/api-key").await {
        Ok(key) if !key.api_key.is_empty() => key,
        _ => attempt(HttpMethod::Get, "/auth/derive-api-key").await?,
    };
    // Moved, not copied: the answer wipes what is left when dropped.
    let secret = SecretString::new(std::mem::take(&mut key.secret))
        .map_err(|_| VenueError::Protocol("API key answer without a secret".into()))?;
    let passphrase = SecretString::new(std::mem::take(&mut key.passphrase))
        .map_err(|_| VenueError::Protocol("API key answer without a passphrase".into()))?;
    Ok(L2Credentials::new(
        signer.address(),
        key.api_key.clone(),
        secret,
        passphrase,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authenticating_headers_are_sensitive() {
        for name in SENSITIVE_HEADERS {
            assert!(
                header_value(name, "x").ok().unwrap().is_sensitive(),
                "{name}"
            );
        }
        assert!(
            !header_value("POLY_TIMESTAMP", "1")
                .ok()
                .unwrap()
                .is_sensitive()
        );
        let Err(SendFailure::NotSent(refusal)) = header_value("POLY_PASSPHRASE", "bad\nvalue")
        else {
            panic!("an invalid header value was accepted");
        };
        assert!(!refusal.contains("bad"), "{refusal}");
    }
}
