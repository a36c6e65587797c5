//! The main window stays on the app's own pages (review finding L-9).
//!
//! Invariants:
//! - the main window navigates only to the app's own origin: `tauri://localhost`, or
//!   `http(s)://tauri.localhost` where the platform serves custom schemes over http (Windows,
//!   Android); in a dev build (no `custom-protocol`) also the Vite dev server's origin
//!   (`devUrl`). Anything else (a dropped link, an `<a href>` to a web page, a redirect) is
//!   refused, so a remote page can never load in the window that holds the app's trust;
//! - no new windows: `window.open` and `target="_blank"` are refused. The app has no external
//!   links; one added later must open the system browser from Rust.
//!
//! The dev server is a risk of dev builds only: another local user who binds its port first
//! serves the dev app's page (docs/ARCHITECTURE.md, "Webview hardening").

use tauri::Url;
use tauri::webview::NewWindowResponse;
use tauri::{Runtime as TauriRuntime, WebviewWindowBuilder};

/// Whether the main window may show `url`. `dev_url` is the dev server's address in a dev
/// build, `None` in a release build.
pub fn is_own_page(url: &Url, dev_url: Option<&Url>) -> bool {
    let own = match (url.scheme(), url.host_str()) {
        ("tauri", Some("localhost")) => url.port().is_none(),
        ("http" | "https", Some("tauri.localhost")) => url.port().is_none(),
        _ => false,
    };
    (own && url.username().is_empty() && url.password().is_none())
        || dev_url.is_some_and(|dev| dev.origin() == url.origin() && url.origin().is_tuple())
}

/// `builder` with the guards: navigation only to [`is_own_page`], no new windows.
pub fn guard<'a, R: TauriRuntime, M: tauri::Manager<R>>(
    builder: WebviewWindowBuilder<'a, R, M>,
    dev_url: Option<Url>,
) -> WebviewWindowBuilder<'a, R, M> {
    builder
        .on_navigation(move |url| {
            let allowed = is_own_page(url, dev_url.as_ref());
            if !allowed {
                // The host only: a URL can carry anything in its path or query.
                tracing::warn!(
                    host = url.host_str().unwrap_or(""),
                    "a navigation away from the app was refused"
                );
            }
            allowed
        })
        .on_new_window(|url, _features| {
            tracing::warn!(
                host = url.host_str().unwrap_or(""),
                "a new window was refused"
            );
            NewWindowResponse::Deny
        })
}

/// The dev server's address when this build loads it (a dev build), else `None`.
pub fn dev_url<R: TauriRuntime>(app: &tauri::AppHandle<R>) -> Option<Url> {
    if tauri::is_dev() {
        app.config().build.dev_url.clone()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        text.parse().unwrap()
    }

    #[test]
    fn the_app_s_own_pages_are_allowed_and_nothing_else() {
        for own in [
            "tauri://localhost",
            "tauri://localhost/",
            "tauri://localhost/index.html#/bots",
            "http://tauri.localhost/",
            "https://tauri.localhost/index.html",
        ] {
            assert!(is_own_page(&url(own), None), "{own}");
        }
        for foreign in [
            "https://polymarket.com/",
            "https://evil.example/tauri.localhost",
            "http://tauri.localhost.evil.example/",
            "http://tauri.localhost:8080/",
            "tauri://localhost:1/",
            "tauri://evil.example/",
            "http://user@tauri.localhost/",
            "http://127.0.0.1:1420/",
            "file:///etc/passwd",
            "data:text/html,<h1>x</h1>",
            "javascript:alert(1)",
            "about:blank",
        ] {
            assert!(!is_own_page(&url(foreign), None), "{foreign}");
        }
    }

    #[test]
    fn a_dev_build_also_allows_its_dev_server_s_origin_only() {
        let dev = url("http://127.0.0.1:1420");
        assert!(is_own_page(&url("http://127.0.0.1:1420/"), Some(&dev)));
        assert!(is_own_page(
            &url("http://127.0.0.1:1420/src/main.tsx"),
            Some(&dev)
        ));
        assert!(is_own_page(&url("tauri://localhost/"), Some(&dev)));
        for foreign in [
            "http://127.0.0.1:1421/",
            "https://127.0.0.1:1420/",
            "http://localhost:1420/",
            "https://polymarket.com/",
        ] {
            assert!(!is_own_page(&url(foreign), Some(&dev)), "{foreign}");
        }
        // An opaque dev origin (a data: URL as devUrl) never matches anything.
        let opaque = url("data:text/html,x");
        assert!(!is_own_page(&url("data:text/html,x"), Some(&opaque)));
    }
}
