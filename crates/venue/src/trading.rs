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
//! - `order_version_mismatch` is retried once, after re-reading `/version`, and only while
//!   the server still speaks our order format.

use polyagent_domain::trading::{OrderType, TokenId};

use crate::auth::{HttpMethod, L2Credentials};
use crate::client::{AuthedClient, ORDER_FORMAT_VERSION};
use crate::clob_wire::{self, CancelResponse};
use crate::order_build::OrderSpec;
use crate::retry::RetryClass;
use crate::transport::{SendFailure, error_of, parse_answer};
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
                .l2_classed(HttpMethod::Post, "/order", &[], &body, RetryClass::Submit)
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
                    .and_then(clob_wire::ack_from);
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

    /// Posts up to 15 orders in one request; one result per order, in order. A 5xx or
    /// timeout makes every order's outcome unknown.
    pub async fn post_orders(
        &self,
        specs: &[OrderSpec],
    ) -> Result<Vec<Result<OrderAck, VenueError>>, VenueError> {
        if specs.is_empty() || specs.len() > MAX_BATCH_ORDERS {
            return Err(VenueError::InvalidInput(format!(
                "a batch holds 1 to {MAX_BATCH_ORDERS} orders, not {}",
                specs.len()
            )));
        }
        let signed: Vec<_> = specs
            .iter()
            .map(|s| self.sign(s))
            .collect::<Result<_, _>>()?;
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
            .l2_classed(HttpMethod::Post, "/orders", &[], &body, RetryClass::Submit)
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
            parse_answer(&answer, self.public.shared.config.backoff_max)?;
        let results: Vec<Result<OrderAck, VenueError>> =
            responses.into_iter().map(clob_wire::ack_from).collect();
        for ack in results.iter().flatten() {
            if ack.status == OrderStatus::Live {
                self.track_live(&ack.order_id);
            }
        }
        Ok(results)
    }

    async fn cancel(&self, path: &str, body: Option<String>) -> Result<CancelOutcome, VenueError> {
        let outcome = self
            .l2_json::<CancelResponse>(HttpMethod::Delete, path, &[], body)
            .await?
            .into_outcome();
        self.untrack(&outcome.canceled);
        Ok(outcome)
    }

    pub async fn cancel_order(&self, order_id: &str) -> Result<CancelOutcome, VenueError> {
        let body = serde_json::json!({ "orderID": order_id }).to_string();
        self.cancel("/order", Some(body)).await
    }

    pub async fn cancel_orders(&self, order_ids: &[String]) -> Result<CancelOutcome, VenueError> {
        let body = serde_json::to_string(order_ids)
            .map_err(|e| VenueError::InvalidInput(e.to_string()))?;
        self.cancel("/orders", Some(body)).await
    }

    pub async fn cancel_all(&self) -> Result<CancelOutcome, VenueError> {
        let outcome = self.cancel("/cancel-all", None).await?;
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
        )
        .await
    }
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
