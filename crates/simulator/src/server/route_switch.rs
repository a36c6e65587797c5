//! Test-only switch that takes routes away, to prove the conformance suite notices.
//!
//! `POLYAGENT_SIM_DISABLED_ROUTES` is a comma-separated list of exact paths (e.g. `/midpoints`);
//! each answers `404 {"error":"not found"}`, as an unknown route does, whatever the method. Read
//! once when a server starts. Unset or empty (the normal case) leaves every route in place.
//! `tests/conformance/run --expect-failure-without /midpoints` uses it: the suite must fail.

use std::collections::HashSet;
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};

use super::Shared;
use super::http::error;

/// The environment variable that names the disabled routes.
pub const DISABLED_ROUTES_ENV: &str = "POLYAGENT_SIM_DISABLED_ROUTES";

/// The paths named by [`DISABLED_ROUTES_ENV`].
fn disabled_from_env() -> HashSet<String> {
    std::env::var(DISABLED_ROUTES_ENV)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Wraps `router` so the disabled routes answer 404; `router` unchanged when none is disabled.
pub(super) fn apply(router: Router<Arc<Shared>>) -> Router<Arc<Shared>> {
    let disabled = Arc::new(disabled_from_env());
    if disabled.is_empty() {
        return router;
    }
    tracing::warn!(routes = ?disabled, "simulator routes disabled by {DISABLED_ROUTES_ENV} (test only)");
    router.layer(middleware::from_fn(move |request: Request, next: Next| {
        let disabled = disabled.clone();
        async move {
            if disabled.contains(request.uri().path()) {
                return error(StatusCode::NOT_FOUND, "not found");
            }
            next.run(request).await
        }
    }))
}
