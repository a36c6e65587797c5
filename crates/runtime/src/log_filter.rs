//! The log filter of the desktop app and the CLI: `POLYAGENT_LOG`'s directives (`info` when
//! unset or unreadable), with every third-party crate capped at `info` whatever they say.
//!
//! Invariant: no crate outside this project (tungstenite, hyper, h2, reqwest, rustls, sqlx,
//! ...) can log below `info`, not even with `POLYAGENT_LOG=trace` or a directive naming that
//! crate or one of its modules. Their debug and trace output prints what goes over the wire,
//! which includes the user channel's auth frame (API secret and passphrase) and the L2
//! headers. The cap is a second filter after the user's, not another directive, so no
//! directive (however specific) can lift it.

use tracing::{Level, Metadata};
use tracing_subscriber::filter::{EnvFilter, FilterExt, FilterFn, filter_fn};
use tracing_subscriber::layer::Filter;

/// The environment variable that holds the user's directives.
pub const LOG_VAR: &str = "POLYAGENT_LOG";

/// Whether `target` (a module path, or a `log` record's target) belongs to this project.
fn ours(target: &str) -> bool {
    target.starts_with("polyagent")
}

/// Whether an event or span may be logged at all: ours at any level, anything else at
/// `info` or above.
fn within_cap(meta: &Metadata<'_>) -> bool {
    ours(meta.target()) || *meta.level() <= Level::INFO
}

/// The cap on third-party crates, on its own (to combine with another filter).
pub fn third_party_cap() -> FilterFn<fn(&Metadata<'_>) -> bool> {
    filter_fn(within_cap as fn(&Metadata<'_>) -> bool)
}

/// The filter for `directives` (`POLYAGENT_LOG`'s value; `None` or unreadable means `info`)
/// with third-party crates capped at `info`.
pub fn log_filter<S>(directives: Option<&str>) -> impl Filter<S> + Send + Sync + use<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    let user = directives
        .and_then(|d| EnvFilter::try_new(d).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    user.and(third_party_cap())
}

/// [`log_filter`] of the `POLYAGENT_LOG` environment variable.
pub fn log_filter_from_env<S>() -> impl Filter<S> + Send + Sync + use<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    log_filter(std::env::var(LOG_VAR).ok().as_deref())
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// What the filter of `directives` lets through of one event per (target, level).
    fn logged(directives: &str) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::registry().with(
            tracing_subscriber::fmt::layer()
                .with_writer(move || writer.clone())
                .with_ansi(false)
                .with_filter(log_filter(Some(directives))),
        );
        tracing::subscriber::with_default(subscriber, || {
            tracing::trace!(target: "tungstenite::protocol", "frame-trace");
            tracing::debug!(target: "hyper::proto", "hyper-debug");
            tracing::info!(target: "reqwest::connect", "reqwest-info");
            tracing::trace!(target: "polyagent_venue::user_ws", "ours-trace");
        });
        String::from_utf8(captured.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn trace_everywhere_still_caps_third_party_crates() {
        for directives in [
            "trace",
            "tungstenite=trace,hyper=trace,polyagent_venue=trace",
            "tungstenite::protocol=trace,polyagent_venue=trace",
            "tungstenite[{x}]=trace,trace",
        ] {
            let text = logged(directives);
            assert!(!text.contains("frame-trace"), "{directives}: {text}");
            assert!(!text.contains("hyper-debug"), "{directives}: {text}");
            assert!(text.contains("ours-trace"), "{directives}: {text}");
        }
        assert!(logged("trace").contains("reqwest-info"));
    }

    #[test]
    fn unset_or_unreadable_means_info() {
        let text = logged("not a [valid directive");
        assert!(text.contains("reqwest-info"), "{text}");
        assert!(!text.contains("ours-trace"), "{text}");
    }
}
