//! What every trading request passes before it reaches the exchange: the matching engine's
//! restricted modes (a restart answers 425, cancel-only mode refuses orders 503; post-only
//! mode is checked per order, [`post_only_refusal`]) and the signer's rate-limit bucket
//! (`limits`). An admitted request carries its `Poly-RateLimit-*` headers to the answer,
//! whatever the answer is. The modes are timed by the server's clock.

// Refusals are ready `Response`s returned early; boxing them would only add noise.
#![allow(clippy::result_large_err)]

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Guard;
use super::auth::IssuedKey;
use super::http::{address_text, error};
use super::limits::{BucketKind, Report};

/// A request let through, with what its answer must carry.
#[derive(Debug)]
pub(super) struct Admitted {
    signer: String,
    report: Option<Report>,
}

/// Lets a trading request of `key` costing `cost` tokens through, or answers for it.
pub(super) fn admit(
    sim: &mut Guard<'_>,
    key: &IssuedKey,
    kind: BucketKind,
    cost: usize,
) -> Result<Admitted, Response> {
    let signer = address_text(key.address);
    let now = sim.now_ms();
    let engine = sim.engine;
    if now < engine.restart_until_ms {
        return Err(unavailable(
            StatusCode::from_u16(425).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
            RESTARTING,
            None,
            engine.restart_until_ms - now,
        ));
    }
    if kind == BucketKind::Order && now < engine.cancel_only_until_ms {
        return Err(unavailable(
            StatusCode::SERVICE_UNAVAILABLE,
            CANCEL_ONLY,
            Some(CANCEL_ONLY_CODE),
            engine.cancel_only_until_ms - now,
        ));
    }
    let cost = i64::try_from(cost).unwrap_or(i64::MAX);
    let report = sim.limits.admit(&signer, kind, cost, now);
    if let Some(message) = report.as_ref().and_then(Report::message) {
        return Err(stamp(
            error(StatusCode::TOO_MANY_REQUESTS, &message),
            report.as_ref(),
        ));
    }
    Ok(Admitted { signer, report })
}

/// What a restarting engine answers (production may also send an empty body).
pub(super) const RESTARTING: &str = "service not ready";
/// Cancel-only mode's refusal of an order.
const CANCEL_ONLY: &str =
    "the matching engine is in cancel-only mode: orders are refused, cancels are accepted";
const CANCEL_ONLY_CODE: &str = "cancel_only_mode";
/// Post-only mode's refusal of an order without `postOnly: true`.
const POST_ONLY: &str =
    "the matching engine is in post-only mode: only orders with postOnly true are accepted";
const POST_ONLY_CODE: &str = "post_only_mode";

/// Whole seconds to wait for `ms` milliseconds (at least 1).
fn seconds(ms: u64) -> u64 {
    ms.div_ceil(1_000).max(1)
}

/// A 425/503 answer with `Retry-After` and `retry_after_seconds`.
fn unavailable(status: StatusCode, message: &str, code: Option<&str>, wait_ms: u64) -> Response {
    let wait = seconds(wait_ms);
    let mut body = json!({"error": message, "retry_after_seconds": wait});
    if let Some(code) = code {
        body["code"] = json!(code);
    }
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// In post-only mode, an order posted without `postOnly: true` is refused: `Some` holds the
/// refusal as a whole answer (`POST /order`) and as a batch entry (`POST /orders`).
pub(super) fn post_only_refusal(sim: &Guard<'_>, item: &Value) -> Option<(Response, Value)> {
    let now = sim.now_ms();
    let until = sim.engine.post_only_until_ms;
    let in_mode = now >= sim.engine.restart_until_ms && now < until;
    let post_only = item.get("postOnly").and_then(Value::as_bool) == Some(true);
    if !in_mode || post_only {
        return None;
    }
    let wait = seconds(until - now);
    let entry = json!({
        "success": false, "errorMsg": POST_ONLY, "code": POST_ONLY_CODE,
        "retry_after_seconds": wait, "orderID": "", "status": "",
        "makingAmount": "", "takingAmount": "", "transactionsHashes": [], "tradeIDs": [],
    });
    let whole = unavailable(
        StatusCode::SERVICE_UNAVAILABLE,
        POST_ONLY,
        Some(POST_ONLY_CODE),
        until - now,
    );
    Some((whole, entry))
}

impl Admitted {
    /// Charges the orders a cancel-all actually cancelled to the cancel bucket.
    pub(super) fn charge_cancelled(&mut self, sim: &mut Guard<'_>, cancelled: usize) {
        let now = sim.now_ms();
        if let Some(report) = &mut self.report {
            let cost = i64::try_from(cancelled).unwrap_or(i64::MAX);
            sim.limits.charge_after(&self.signer, cost, now, report);
        }
    }

    /// The answer with the rate-limit headers.
    pub(super) fn answer(&self, response: Response) -> Response {
        stamp(response, self.report.as_ref())
    }
}

fn stamp(mut response: Response, report: Option<&Report>) -> Response {
    for (name, value) in report.map(Report::headers).unwrap_or_default() {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response
                .headers_mut()
                .insert(HeaderName::from_static(name), value);
        }
    }
    response
}
