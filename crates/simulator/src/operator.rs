//! The operator's side of the admin routes: what a client sends so that a simulator's
//! `/admin/*` routes answer it (the checks themselves are in `server::local_guard`).
//!
//! Invariant: the token only ever travels in a header marked sensitive, never in a URL.

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, InvalidHeaderValue};

/// The headers every admin request carries: the run's token and a JSON body type (the
/// simulator parses nothing else). Set them as a client's default headers; the public routes
/// ignore them.
///
/// # Errors
/// When `admin_token` holds characters a header cannot carry.
pub fn admin_headers(admin_token: &str) -> Result<HeaderMap, InvalidHeaderValue> {
    let mut bearer = HeaderValue::from_str(&format!("Bearer {admin_token}"))?;
    bearer.set_sensitive(true);
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, bearer);
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(headers)
}

/// An HTTP client for a simulator run whose admin token is `admin_token`.
///
/// # Errors
/// When the token cannot be a header, or the HTTP client cannot be built.
pub fn admin_client(admin_token: &str) -> Result<reqwest::Client, String> {
    let headers = admin_headers(admin_token).map_err(|e| format!("admin token: {e}"))?;
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .map_err(|e| format!("HTTP client: {e}"))
}
