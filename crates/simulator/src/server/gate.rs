//! What every trading request passes before it reaches the exchange: the signer's rate-limit
//! bucket (`limits`). An admitted request carries its `Poly-RateLimit-*` headers to the
//! answer, whatever the answer is.

// Refusals are ready `Response`s returned early; boxing them would only add noise.
#![allow(clippy::result_large_err)]

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;

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
