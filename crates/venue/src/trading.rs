//! The order routes of [`AuthedClient`]: signing, `POST /order`, `POST /orders` and the
//! cancels.
//!
//! Invariants:
//! - a `POST /order` (or `/orders`) whose outcome is unknown (timeout, connection lost after
//!   the request may have been written, any 5xx) is never retried: it fails with
//!   [`VenueError::SubmitOutcomeUnknown`] carrying the order id (our EIP-712 digest) and the
//!   caller settles it with [`AuthedClient::reconcile_submission`];
//! - a 425 (engine restarting) or a 503 in post-only / cancel-only mode was refused before
//!   anything happened: it is a typed pause ([`VenueError::pause`]), never an unknown
//!   outcome, and it is not retried here: the caller waits for the exchange and resumes;
//! - a refusal is classified with the client's signature type (§13.7: the signer / API key
//!   text means an undeployed deposit wallet for type 3), see
//!   [`VenueError::for_signature_type`];
//! - batches are split so that no request carries more than its route allows (15 orders,
//!   1000 cancel ids) nor more than the signer's burst (§13.3); all orders of a call are
//!   signed before its first request leaves;
//! - `order_version_mismatch` is retried once, after re-reading `/version`, and only while
//!   the server still speaks our order format.

use polyagent_domain::trading::{OrderType, TokenId};

use crate::auth::{HttpMethod, L2Credentials};
use crate::client::{AuthedClient, ORDER_FORMAT_VERSION};
use crate::clob_wire::{self, CancelResponse};
use crate::order_build::OrderSpec;
use crate::signer_rate::{RateLimitHeaders, RateLimitStatus, RateLimitTier, TradingBucket};
use crate::transport::{Route, SendFailure, error_of, parse_answer};
use crate::types::{CancelOutcome, OrderAck, OrderStatus};
use crate::venue_error::VenueError;
use crate::wire::{MAX_BATCH_ORDERS, PostOrderRequest, PostOrderResponse, post_orders_body};

/// A signed order not yet sent (see [`AuthedClient::prepare_order`]).
#[derive(Debug, Clone)]
pub struct PreparedOrder {
    order_id: String,
    signed: crate::signing::SignedOrder,
    expiration: u64,
    order_type: OrderType,
    defer_exec: bool,
    post_only: bool,
}

impl PreparedOrder {
    /// The exchange's id for this order: `0x` + the EIP-712 digest in hex.
    pub fn order_id(&self) -> &str {
        &self.order_id
    }
}

impl AuthedClient {
    // --- orders -------------------------------------------------------------------------------

    fn sign(&self, spec: &OrderSpec) -> Result<crate::signing::SignedOrder, VenueError> {
        // An order signed for another chain than the exchange's is never signed here, let
        // alone sent: a simulator's client (Amoy) cannot carry a mainnet-valid order.
        let chain = self.public.shared.config.chain;
        if spec.chain != chain {
            return Err(VenueError::InvalidInput(format!(
                "the order is for chain {} but this exchange's client signs for chain {}",
                spec.chain.id(),
                chain.id()
            )));
        }
        if spec.signature_type != self.signature_type {
            return Err(VenueError::InvalidInput(format!(
                "order signature type {} differs from the client's {}",
                spec.signature_type, self.signature_type
            )));
        }
        Ok(spec.sign(&self.signer)?.0)
    }

    /// Signs and posts one order. See the module docs for what is retried; an unknown
    /// outcome is [`VenueError::SubmitOutcomeUnknown`].
    pub async fn post_order(&self, spec: &OrderSpec) -> Result<OrderAck, VenueError> {
        let prepared = self.prepare_order(spec)?;
        self.submit(&prepared).await
    }

    /// Signs an order without sending it. Its [`PreparedOrder::order_id`] (the EIP-712
    /// digest, which the exchange uses as the order id) is known before anything leaves the
    /// process, so a caller can journal it first and find the order again after a crash.
    pub fn prepare_order(&self, spec: &OrderSpec) -> Result<PreparedOrder, VenueError> {
        let signed = self.sign(spec)?;
        Ok(PreparedOrder {
            order_id: format!("{:#x}", signed.digest),
            signed,
            expiration: spec.expiration,
            order_type: spec.order_type,
            defer_exec: spec.defer_exec,
            post_only: spec.post_only,
        })
    }

    /// Posts a prepared order once (see [`AuthedClient::post_order`]).
    pub async fn submit(&self, prepared: &PreparedOrder) -> Result<OrderAck, VenueError> {
        let signed = &prepared.signed;
        let order_id = prepared.order_id.clone();
        let spec = prepared;
        let body = |creds: &L2Credentials| {
            Some(
                PostOrderRequest {
                    order: signed,
                    expiration: spec.expiration,
                    owner: creds.api_key(),
                    order_type: spec.order_type,
                    defer_exec: spec.defer_exec,
                    post_only: spec.post_only,
                }
                .to_json(),
            )
        };
        let mut version_retried = false;
        loop {
            let answer = self
                .l2_classed(HttpMethod::Post, "/order", &[], &body, Route::orders(1))
                .await
                .map_err(|f| submit_failure(f, &order_id))?;
            if answer.status >= 500 {
                // §13.4: post-only / cancel-only mode refused the order before anything
                // happened: a pause for the caller, not an unknown outcome.
                let error = error_of(&answer, self.public.shared.config.backoff_max);
                if error.pause().is_some() {
                    return Err(error);
                }
                return Err(VenueError::SubmitOutcomeUnknown {
                    order_id,
                    reason: format!(
                        "HTTP {}: {}",
                        answer.status,
                        clob_wire::error_text(&answer.body)
                    ),
                });
            }
            let result =
                parse_answer::<PostOrderResponse>(&answer, self.public.shared.config.backoff_max)
                    .and_then(clob_wire::ack_from)
                    .map_err(|e| e.for_signature_type(self.signature_type));
            match result {
                Err(VenueError::VersionMismatch { message, .. }) if !version_retried => {
                    // §2.10: re-read /version; retry once only if our order is still in the
                    // server's format (a stale cache on its side), else report the mismatch.
                    version_retried = true;
                    let server = self.public.refresh_version().await?;
                    if server != ORDER_FORMAT_VERSION {
                        return Err(VenueError::VersionMismatch {
                            server: Some(server),
                            message,
                        });
                    }
                }
                Err(e) => return Err(e),
                Ok(ack) => {
                    if ack.status == OrderStatus::Live {
                        self.track_live(&ack.order_id);
                    }
                    return Ok(ack);
                }
            }
        }
    }

    /// Posts orders in batches: at most 15 per request and never more than the signer's
    /// order burst (§13.3: a batch over the burst can never pass). One result per order, in
    /// order. A 5xx or timeout makes every order of that request's outcome unknown; an
    /// error of one request of several is the result of each of its orders.
    pub async fn post_orders(
        &self,
        specs: &[OrderSpec],
    ) -> Result<Vec<Result<OrderAck, VenueError>>, VenueError> {
        if specs.is_empty() {
            return Err(VenueError::InvalidInput(
                "a batch holds at least one order".into(),
            ));
        }
        // Every order is signed before the first request leaves: a bad one refuses the
        // whole call rather than half of it.
        let signed: Vec<_> = specs
            .iter()
            .map(|s| self.sign(s))
            .collect::<Result<_, _>>()?;
        let size = self.batch_size(TradingBucket::Order, MAX_BATCH_ORDERS);
        if specs.len() <= size {
            return self.post_batch(specs, &signed).await;
        }
        let mut results = Vec::with_capacity(specs.len());
        for (specs, signed) in specs.chunks(size).zip(signed.chunks(size)) {
            match self.post_batch(specs, signed).await {
                Ok(batch) => results.extend(batch),
                Err(error) => results.extend(specs.iter().map(|_| Err(error.clone()))),
            }
        }
        Ok(results)
    }

    /// The most entries one request of `bucket` may carry: the route's own cap, and never
    /// more than the tier's burst.
    fn batch_size(&self, bucket: TradingBucket, route_cap: usize) -> usize {
        let burst = usize::try_from(self.signer_limits.burst(bucket)).unwrap_or(usize::MAX);
        route_cap.min(burst).max(1)
    }

    /// One `POST /orders` of already-signed orders.
    async fn post_batch(
        &self,
        specs: &[OrderSpec],
        signed: &[crate::signing::SignedOrder],
    ) -> Result<Vec<Result<OrderAck, VenueError>>, VenueError> {
        let ids: Vec<String> = signed.iter().map(|s| format!("{:#x}", s.digest)).collect();
        let body = |creds: &L2Credentials| {
            let requests: Vec<PostOrderRequest<'_>> = signed
                .iter()
                .zip(specs)
                .map(|(order, spec)| PostOrderRequest {
                    order,
                    expiration: spec.expiration,
                    owner: creds.api_key(),
                    order_type: spec.order_type,
                    defer_exec: spec.defer_exec,
                    post_only: spec.post_only,
                })
                .collect();
            Some(post_orders_body(&requests))
        };
        let unknown = |reason: String| {
            Ok(ids
                .iter()
                .map(|id| {
                    Err(VenueError::SubmitOutcomeUnknown {
                        order_id: id.clone(),
                        reason: reason.clone(),
                    })
                })
                .collect())
        };
        let answer = match self
            .l2_classed(
                HttpMethod::Post,
                "/orders",
                &[],
                &body,
                Route::orders(specs.len()),
            )
            .await
        {
            Ok(answer) => answer,
            Err(SendFailure::NotSent(e)) => return Err(VenueError::Network(e)),
            Err(SendFailure::Unknown(e)) => return unknown(e),
        };
        if answer.status >= 500 {
            let error = error_of(&answer, self.public.shared.config.backoff_max);
            if error.pause().is_some() {
                return Err(error);
            }
            return unknown(format!("HTTP {}", answer.status));
        }
        let responses: Vec<PostOrderResponse> =
            parse_answer(&answer, self.public.shared.config.backoff_max)
                .map_err(|e| e.for_signature_type(self.signature_type))?;
        let results: Vec<Result<OrderAck, VenueError>> = responses
            .into_iter()
            .map(|r| clob_wire::ack_from(r).map_err(|e| e.for_signature_type(self.signature_type)))
            .collect();
        for ack in results.iter().flatten() {
            if ack.status == OrderStatus::Live {
                self.track_live(&ack.order_id);
            }
        }
        Ok(results)
    }

    /// One cancel request costing `cost` tokens of the cancel bucket. `charged_per_cancel`:
    /// the exchange also charges one per order cancelled (cancel-all, cancel-market), which
    /// is charged here after the fact unless the answer already told the balance.
    async fn cancel(
        &self,
        path: &str,
        body: Option<String>,
        cost: usize,
        charged_per_cancel: bool,
    ) -> Result<CancelOutcome, VenueError> {
        let answer = self
            .l2_classed(
                HttpMethod::Delete,
                path,
                &[],
                &move |_| body.clone(),
                Route::cancels(cost),
            )
            .await
            .map_err(|f| match f {
                SendFailure::NotSent(e) | SendFailure::Unknown(e) => VenueError::Network(e),
            })?;
        let outcome =
            parse_answer::<CancelResponse>(&answer, self.public.shared.config.backoff_max)?
                .into_outcome();
        if charged_per_cancel && answer.rate.remaining.is_none() {
            let shared = &self.public.shared;
            self.signer_limits.observe(
                TradingBucket::Cancel,
                &RateLimitHeaders::default(),
                outcome.canceled.len() as u64,
                shared.clock.as_ref(),
                shared.wall.as_ref(),
            );
        }
        self.untrack(&outcome.canceled);
        Ok(outcome)
    }

    pub async fn cancel_order(&self, order_id: &str) -> Result<CancelOutcome, VenueError> {
        let body = serde_json::json!({ "orderID": order_id }).to_string();
        self.cancel("/order", Some(body), 1, false).await
    }

    /// Cancels orders by id, in requests of at most 1000 ids and never more than the
    /// signer's cancel burst (120 on the lowest tier); the outcomes are merged. An error of
    /// any request is the call's error (the orders of earlier requests are cancelled; a
    /// second call cancels the rest and reports the first ones as already cancelled).
    pub async fn cancel_orders(&self, order_ids: &[String]) -> Result<CancelOutcome, VenueError> {
        let size = self.batch_size(TradingBucket::Cancel, MAX_CANCEL_IDS);
        let mut merged = CancelOutcome::default();
        for ids in order_ids.chunks(size) {
            let body =
                serde_json::to_string(ids).map_err(|e| VenueError::InvalidInput(e.to_string()))?;
            let outcome = self.cancel("/orders", Some(body), ids.len(), false).await?;
            merged.canceled.extend(outcome.canceled);
            merged.not_canceled.extend(outcome.not_canceled);
        }
        Ok(merged)
    }

    pub async fn cancel_all(&self) -> Result<CancelOutcome, VenueError> {
        let outcome = self.cancel("/cancel-all", None, 1, true).await?;
        self.live_orders
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
        Ok(outcome)
    }

    /// Cancels every order in a market (condition id) and/or of one token.
    pub async fn cancel_market(
        &self,
        condition_id: Option<&str>,
        token: Option<&TokenId>,
    ) -> Result<CancelOutcome, VenueError> {
        let mut body = serde_json::Map::new();
        if let Some(market) = condition_id {
            body.insert("market".into(), market.into());
        }
        if let Some(token) = token {
            body.insert("asset_id".into(), token.as_str().into());
        }
        self.cancel(
            "/cancel-market-orders",
            Some(serde_json::Value::Object(body).to_string()),
            1,
            true,
        )
        .await
    }

    // --- per-signer rate limits (§13.3) ----------------------------------------------------

    /// This wallet's trading limits as last seen: the tier, each bucket's remaining tokens
    /// and reset as the exchange last told them, and whether it is warning. No request.
    pub fn rate_limit_status(&self) -> RateLimitStatus {
        self.signer_limits.status(self.public.shared.clock.now_ms())
    }

    /// `GET /v1/user/rate-limit-tier`: the signer's tier (refreshed by the exchange every
    /// 3 h); it also sizes the local buckets from now on.
    pub async fn rate_limit_tier(&self) -> Result<RateLimitTier, VenueError> {
        let answer = self
            .l2(HttpMethod::Get, "/v1/user/rate-limit-tier", &[], &|_| None)
            .await
            .map_err(|f| match f {
                SendFailure::NotSent(e) | SendFailure::Unknown(e) => VenueError::Network(e),
            })?;
        let body: serde_json::Value = parse_answer(&answer, self.public.shared.config.backoff_max)?;
        let tier = tier_from_answer(&body)?;
        self.signer_limits
            .set_tier(tier.clone(), self.public.shared.clock.now_ms());
        Ok(tier)
    }
}

/// `DELETE /orders` takes at most 1000 ids (changelog 2026-06-15; the OpenAPI page still
/// says 3000: production wins).
pub const MAX_CANCEL_IDS: usize = 1000;

/// The tier from `GET /v1/user/rate-limit-tier`: `{"tier": "Standard"}` (other key
/// spellings and a bare string are read too: the shape is documented loosely).
fn tier_from_answer(body: &serde_json::Value) -> Result<RateLimitTier, VenueError> {
    let name = match body {
        serde_json::Value::String(name) => Some(name.as_str()),
        serde_json::Value::Object(fields) => ["tier", "rate_limit_tier", "rateLimitTier", "name"]
            .iter()
            .find_map(|key| fields.get(*key).and_then(serde_json::Value::as_str)),
        _ => None,
    };
    name.filter(|n| !n.trim().is_empty())
        .map(RateLimitTier::parse)
        .ok_or_else(|| {
            VenueError::Protocol(format!("no tier in the rate-limit-tier answer: {body}"))
        })
}

fn submit_failure(failure: SendFailure, order_id: &str) -> VenueError {
    match failure {
        SendFailure::NotSent(e) => VenueError::Network(e),
        SendFailure::Unknown(reason) => VenueError::SubmitOutcomeUnknown {
            order_id: order_id.to_owned(),
            reason,
        },
    }
}
