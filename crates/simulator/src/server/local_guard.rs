//! Who may talk to the simulator: this computer's programs, not web pages, and only its
//! owner may drive the admin controls.
//!
//! Invariants, checked before any route runs (WebSocket upgrades included):
//! - the `Host` header names this server: `127.0.0.1:PORT`, `localhost:PORT` or
//!   `[::1]:PORT` with the port it listens on; anything else (DNS rebinding: a web page's
//!   own name pointed at 127.0.0.1) gets 421;
//! - an `Origin`, when sent (browsers send it; programs usually do not), is one of those same
//!   hosts over `http`; any other origin, `null` included, gets 403, so a web page can neither
//!   open the WebSockets nor send requests that act;
//! - a request with a body, and every admin `POST`, is `application/json`; anything else gets
//!   415, so no "simple" cross-site form or `text/plain` request is ever parsed;
//! - every `/admin/*` route needs `Authorization: Bearer TOKEN`, the random token of this
//!   run ([`AdminToken`]); without it, 401.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;

use super::http::error;

/// The admin token of one run: 32 random bytes, hex. Its `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminToken(String);

impl AdminToken {
    /// A fresh token from the OS's random source.
    pub fn random() -> Self {
        Self(hex::encode(random_bytes::<32>()))
    }

    /// The token, for the `Authorization: Bearer` header.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `offered` is this token, compared in time independent of where they differ.
    fn matches(&self, offered: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), offered.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken([redacted])")
    }
}

/// `N` bytes from the OS's random source (tokens and credential seeds).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    bytes
}

#[derive(Debug)]
struct Guard {
    token: AdminToken,
    port: u16,
}

/// Wraps `router` in the checks above for a server on `port`.
pub(super) fn apply(router: Router, token: AdminToken, port: u16) -> Router {
    router.layer(middleware::from_fn_with_state(
        Arc::new(Guard { token, port }),
        check,
    ))
}

async fn check(State(guard): State<Arc<Guard>>, request: Request, next: Next) -> Response {
    match refusal(
        &guard,
        request.method(),
        request.uri().path(),
        request.headers(),
    ) {
        Some((status, message)) => error(status, message),
        None => next.run(request).await,
    }
}

/// The hosts this server answers to.
fn local_hosts(port: u16) -> [String; 3] {
    [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ]
}

/// Why a request is refused, if it is.
fn refusal(
    guard: &Guard,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> Option<(StatusCode, &'static str)> {
    let hosts = local_hosts(guard.port);
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_ascii_lowercase);
    if !host.is_some_and(|h| hosts.contains(&h)) {
        return Some((
            StatusCode::MISDIRECTED_REQUEST,
            "this simulator answers only to 127.0.0.1, localhost or [::1] with its own port",
        ));
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let allowed = origin.to_str().ok().is_some_and(|o| {
            let o = o.to_ascii_lowercase();
            hosts.iter().any(|h| o == format!("http://{h}"))
        });
        if !allowed {
            return Some((StatusCode::FORBIDDEN, "requests from web pages are refused"));
        }
    }
    let admin = path == "/admin" || path.starts_with("/admin/");
    let has_body = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|l| l.to_str().ok())
        .is_some_and(|l| l.trim() != "0")
        || headers.contains_key(header::TRANSFER_ENCODING);
    if (has_body || (admin && method == Method::POST)) && !is_json(headers) {
        return Some((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "request bodies must be application/json",
        ));
    }
    if admin {
        let offered = headers
            .get(header::AUTHORIZATION)
            .and_then(|a| a.to_str().ok())
            .and_then(|a| a.strip_prefix("Bearer "));
        if !offered.is_some_and(|t| guard.token.matches(t.trim())) {
            return Some((
                StatusCode::UNAUTHORIZED,
                "admin routes need the token `polyagent sim` printed (Authorization: Bearer TOKEN)",
            ));
        }
    }
    None
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|c| c.to_str().ok())
        .and_then(|c| c.split(';').next())
        .is_some_and(|c| c.trim().eq_ignore_ascii_case("application/json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard() -> Guard {
        Guard {
            token: AdminToken("t0k3n".into()),
            port: 4100,
        }
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        map
    }

    fn status(method: Method, path: &str, pairs: &[(&str, &str)]) -> Option<StatusCode> {
        refusal(&guard(), &method, path, &headers(pairs)).map(|(s, _)| s)
    }

    #[test]
    fn hosts() {
        for host in [
            "127.0.0.1:4100",
            "localhost:4100",
            "[::1]:4100",
            "LOCALHOST:4100",
        ] {
            assert_eq!(
                status(Method::GET, "/book", &[("host", host)]),
                None,
                "{host}"
            );
        }
        for host in [
            "evil.example:4100",
            "127.0.0.1:4101",
            "127.0.0.1",
            "localhost",
        ] {
            assert_eq!(
                status(Method::GET, "/book", &[("host", host)]),
                Some(StatusCode::MISDIRECTED_REQUEST),
                "{host}"
            );
        }
        assert_eq!(
            status(Method::GET, "/book", &[]),
            Some(StatusCode::MISDIRECTED_REQUEST)
        );
    }

    #[test]
    fn origins() {
        let host = ("host", "127.0.0.1:4100");
        assert_eq!(
            status(
                Method::GET,
                "/ws/user",
                &[host, ("origin", "http://127.0.0.1:4100")]
            ),
            None
        );
        for origin in ["https://evil.example", "null", "http://127.0.0.1:1420"] {
            assert_eq!(
                status(Method::GET, "/ws/user", &[host, ("origin", origin)]),
                Some(StatusCode::FORBIDDEN),
                "{origin}"
            );
        }
    }

    #[test]
    fn bodies_and_tokens() {
        let host = ("host", "127.0.0.1:4100");
        let json = ("content-type", "application/json; charset=utf-8");
        let bearer = ("authorization", "Bearer t0k3n");
        let len = ("content-length", "2");
        assert_eq!(
            status(
                Method::POST,
                "/order",
                &[host, len, ("content-type", "text/plain")]
            ),
            Some(StatusCode::UNSUPPORTED_MEDIA_TYPE)
        );
        assert_eq!(status(Method::POST, "/order", &[host, len, json]), None);
        // An empty POST (`/auth/api-key`) needs no type.
        assert_eq!(status(Method::POST, "/auth/api-key", &[host]), None);
        assert_eq!(
            status(Method::POST, "/admin/price", &[host, bearer]),
            Some(StatusCode::UNSUPPORTED_MEDIA_TYPE)
        );
        assert_eq!(
            status(Method::POST, "/admin/price", &[host, len, json]),
            Some(StatusCode::UNAUTHORIZED)
        );
        assert_eq!(
            status(
                Method::POST,
                "/admin/price",
                &[host, len, json, ("authorization", "Bearer t0k3m")]
            ),
            Some(StatusCode::UNAUTHORIZED)
        );
        assert_eq!(
            status(Method::POST, "/admin/price", &[host, len, json, bearer]),
            None
        );
        assert_eq!(
            status(Method::GET, "/admin/state", &[host]),
            Some(StatusCode::UNAUTHORIZED)
        );
        assert_eq!(status(Method::GET, "/admin/state", &[host, bearer]), None);
        assert!(!format!("{:?}", guard().token).contains("t0k3n"));
    }
}
