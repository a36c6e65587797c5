//! Where the runtime's exchange calls go, and which chain its signatures are for.
//!
//! Invariants (issue #16, first point):
//! - only Polymarket itself gets signatures for Polygon (chain 137) and the mainnet exchange
//!   contracts; every other exchange (a simulator on this computer, the in-app demo) gets
//!   signatures for Amoy (chain 80002), which Polymarket's production CLOB never accepts, so
//!   nothing a simulator receives (L1 `ClobAuth` headers, signed orders) can be relayed to
//!   Polymarket;
//! - the endpoints and the chain come from one read of the settings, so a client can never pair
//!   one exchange's addresses with another's chain;
//! - a simulator off this computer is refused here too, not only when the settings are saved:
//!   a settings row written elsewhere never sends a request (or a signature) off loopback;
//! - the demo has no placeholder address: while it is not running, asking for its endpoints is
//!   a `VENUE_UNAVAILABLE` error that says so, never a call to some port that happens to answer.

use polyagent_domain::text::quoted;
use polyagent_venue::client::{AuthedClient, Endpoints};
use polyagent_venue::eip712::Chain;

use crate::settings::{ExchangeChoice, is_loopback_simulator};
use crate::{ApiError, ErrorCode};

/// The chain whose EIP-712 domains an exchange's signatures are made for.
pub(crate) fn chain_of(exchange: &ExchangeChoice) -> Chain {
    match exchange {
        ExchangeChoice::Polymarket => Chain::Polygon,
        ExchangeChoice::Simulator { .. } | ExchangeChoice::Demo => Chain::Amoy,
    }
}

/// One exchange's addresses and signing chain, resolved together.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub endpoints: Endpoints,
    pub chain: Chain,
}

/// Resolves `exchange`; `demo_url` is where the app's own demo simulator listens, if it runs.
///
/// # Errors
/// `VENUE_UNAVAILABLE` for the demo while it is not running.
pub(crate) fn resolve(
    exchange: &ExchangeChoice,
    demo_url: Option<&str>,
) -> Result<Target, ApiError> {
    let endpoints = match exchange {
        ExchangeChoice::Polymarket => Endpoints::polymarket(),
        // Checked again where it is used, whatever the settings row says: nothing is sent to a
        // "simulator" off this computer.
        ExchangeChoice::Simulator { url } if is_loopback_simulator(url) => {
            Endpoints::simulator(url)
        }
        ExchangeChoice::Simulator { url } => {
            return Err(ApiError::new(
                ErrorCode::VenueUnavailable,
                format!(
                    "the saved simulator address {} is not on this computer, so nothing is sent \
                     to it: choose the exchange again in Settings",
                    quoted(url)
                ),
            ));
        }
        ExchangeChoice::Demo => Endpoints::simulator(demo_url.ok_or_else(demo_not_running)?),
    };
    Ok(Target {
        endpoints,
        chain: chain_of(exchange),
    })
}

/// The user-channel WebSocket of the exchange `client` was built for (L-8: never read again
/// from the settings, which may have changed while the wallet connected). It must be on the
/// same host and port as the client's CLOB: the user feed is sent the wallet's API secret.
///
/// # Errors
/// `INTERNAL` when the two do not share a host (a bug: the addresses come from one place).
pub(crate) fn user_ws_of(client: &AuthedClient) -> Result<String, ApiError> {
    let endpoints = client.public().endpoints();
    if same_origin_host(&endpoints.clob, &endpoints.user_ws) {
        Ok(endpoints.user_ws.clone())
    } else {
        Err(ApiError::new(
            ErrorCode::Internal,
            "the exchange's user feed is not on the exchange's host; the wallet was not connected",
        ))
    }
}

/// Whether two URLs name the same host and port, or, for Polymarket, the same registrable
/// domain's known hosts (its user feed is on `ws-subscriptions-clob.polymarket.com`).
fn same_origin_host(clob: &str, user_ws: &str) -> bool {
    let (Ok(clob), Ok(ws)) = (url::Url::parse(clob), url::Url::parse(user_ws)) else {
        return false;
    };
    let polymarket = Endpoints::polymarket();
    if clob.as_str().trim_end_matches('/') == polymarket.clob {
        return user_ws == polymarket.user_ws;
    }
    clob.host() == ws.host() && clob.port_or_known_default() == ws.port_or_known_default()
}

fn demo_not_running() -> ApiError {
    ApiError::new(
        ErrorCode::VenueUnavailable,
        "the demo exchange is not running: start it again with \"Try the demo\" (or choose \
         another exchange in Settings)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_polymarket_is_signed_for_polygon() {
        assert_eq!(chain_of(&ExchangeChoice::Polymarket), Chain::Polygon);
        assert_eq!(chain_of(&ExchangeChoice::Demo), Chain::Amoy);
        let simulator = ExchangeChoice::Simulator {
            url: "http://127.0.0.1:4100".into(),
        };
        let target = resolve(&simulator, None).unwrap();
        assert_eq!(target.chain, Chain::Amoy);
        assert_eq!(target.endpoints.clob, "http://127.0.0.1:4100");
        let demo = resolve(&ExchangeChoice::Demo, Some("http://127.0.0.1:5100")).unwrap();
        assert_eq!(demo.chain, Chain::Amoy);
        assert_eq!(demo.endpoints.clob, "http://127.0.0.1:5100");
    }

    #[test]
    fn a_simulator_off_this_computer_is_refused_where_it_is_used() {
        let elsewhere = ExchangeChoice::Simulator {
            url: "http://paper-trading.example.com".into(),
        };
        let error = resolve(&elsewhere, None).unwrap_err();
        assert_eq!(error.code, ErrorCode::VenueUnavailable);
        assert!(error.message.contains("not on this computer"), "{error}");
    }

    #[test]
    fn a_user_feed_must_be_on_its_exchange_host() {
        let polymarket = Endpoints::polymarket();
        assert!(same_origin_host(&polymarket.clob, &polymarket.user_ws));
        let sim = Endpoints::simulator("http://127.0.0.1:4100");
        assert!(same_origin_host(&sim.clob, &sim.user_ws));
        assert!(!same_origin_host(&sim.clob, "ws://127.0.0.1:4200/ws/user"));
        assert!(!same_origin_host(&polymarket.clob, &sim.user_ws));
        assert!(!same_origin_host(&sim.clob, &polymarket.user_ws));
    }

    #[test]
    fn a_demo_that_is_not_running_is_an_error_not_a_placeholder_port() {
        let error = resolve(&ExchangeChoice::Demo, None).unwrap_err();
        assert_eq!(error.code, ErrorCode::VenueUnavailable);
        assert!(
            error.message.contains("demo exchange is not running"),
            "{error}"
        );
    }
}
