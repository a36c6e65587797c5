//! App-wide settings, kept in the store's settings table.

use polyagent_domain::text::quoted;
use polyagent_engine::config::DailyLimits;
use serde::{Deserialize, Serialize};

use crate::api_error::{ApiError, ErrorCode};

/// Which exchange the app talks to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ExchangeChoice {
    /// Production Polymarket.
    Polymarket,
    /// A PolyAgent simulator (for demos and offline paper trading) at `url`
    /// (`http://127.0.0.1:PORT`).
    Simulator { url: String },
    /// The demo simulator the app starts itself on 127.0.0.1 (a port of its choosing, each
    /// start): invented and replayed markets for paper bots, no account needed.
    Demo,
}

impl ExchangeChoice {
    fn validate(&self) -> Result<(), ApiError> {
        if let ExchangeChoice::Simulator { url } = self
            && !is_loopback_simulator(url)
        {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!(
                    "a simulator must run on this computer: use an address such as \
                     http://127.0.0.1:4100 (127.0.0.1, ::1 or localhost, with no user, path or \
                     query), not {}",
                    quoted(url)
                ),
            ));
        }
        Ok(())
    }
}

/// Whether `text` is a simulator address on this computer: `http(s)://` with host
/// `127.0.0.1`, `::1` or `localhost`, an optional port, and nothing else (no user, path,
/// query or fragment). Anything that is not Polymarket must be local: a "paper server"
/// elsewhere could relay what the app signs for it to Polymarket (issue #16).
pub(crate) fn is_loopback_simulator(text: &str) -> bool {
    if text.len() > 200 || text.chars().any(char::is_whitespace) {
        return false;
    }
    let Ok(parsed) = url::Url::parse(text) else {
        return false;
    };
    let local_host = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => ip == std::net::Ipv4Addr::LOCALHOST,
        Some(url::Host::Ipv6(ip)) => ip == std::net::Ipv6Addr::LOCALHOST,
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    matches!(parsed.scheme(), "http" | "https")
        && local_host
        && parsed.username().is_empty()
        && parsed.password().is_none()
        && parsed.path() == "/"
        && parsed.query().is_none()
        && parsed.fragment().is_none()
}

/// Which desktop notifications to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NotificationChoices {
    pub fills: bool,
    pub bot_errors: bool,
    pub daily_limits: bool,
    pub stale_feeds: bool,
}

impl Default for NotificationChoices {
    fn default() -> Self {
        Self {
            fills: true,
            bot_errors: true,
            daily_limits: true,
            stale_feeds: true,
        }
    }
}

/// The settings a user changes: an object whose absent fields take their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", default, remote = "Self")]
pub struct AppSettings {
    pub exchange: ExchangeChoice,
    /// Cancel every open order of every wallet when the app or `polyagent run` stops.
    pub cancel_orders_on_shutdown: bool,
    pub notifications: NotificationChoices,
}

impl Serialize for AppSettings {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        AppSettings::serialize(self, serializer)
    }
}

/// From an object only. Serde's derive also reads a struct from a list of its fields in order,
/// and with every field defaulted an empty list would reset every setting: bad input that
/// changes something.
impl<'de> Deserialize<'de> for AppSettings {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectOnly;
        impl<'de> serde::de::Visitor<'de> for ObjectOnly {
            type Value = AppSettings;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("the settings as an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<AppSettings, A::Error> {
                AppSettings::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        deserializer.deserialize_map(ObjectOnly)
    }
}

impl Default for AppSettings {
    fn default() -> Self {
        Self {
            exchange: ExchangeChoice::Polymarket,
            cancel_orders_on_shutdown: true,
            notifications: NotificationChoices::default(),
        }
    }
}

impl AppSettings {
    pub(crate) fn validate(&self) -> Result<(), ApiError> {
        self.exchange.validate()
    }
}

pub(crate) const SETTINGS_KEY: &str = "app_settings";

pub(crate) fn validate_limits(limits: &DailyLimits) -> Result<(), ApiError> {
    limits
        .validate()
        .map_err(|e| ApiError::new(ErrorCode::InvalidConfig, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_read_from_an_object_only() {
        for list in ["[]", "[{\"kind\":\"polymarket\"}]"] {
            assert!(serde_json::from_str::<AppSettings>(list).is_err(), "{list}");
        }
        let partial: AppSettings =
            serde_json::from_str(r#"{"cancelOrdersOnShutdown": false}"#).unwrap();
        assert!(!partial.cancel_orders_on_shutdown);
        assert_eq!(
            partial.exchange,
            ExchangeChoice::Polymarket,
            "the rest defaults"
        );
        let text = serde_json::to_string(&partial).unwrap();
        assert!(text.contains("\"cancelOrdersOnShutdown\":false"), "{text}");
        assert_eq!(serde_json::from_str::<AppSettings>(&text).unwrap(), partial);
    }

    #[test]
    fn a_simulator_is_only_ever_on_this_computer() {
        let simulator = |url: &str| ExchangeChoice::Simulator {
            url: url.to_owned(),
        };
        for local in [
            "http://127.0.0.1:4100",
            "http://127.0.0.1:4100/",
            "https://localhost:8443",
            "http://LOCALHOST:1",
            "http://[::1]:4100",
        ] {
            assert!(simulator(local).validate().is_ok(), "{local}");
        }
        // A "paper server" elsewhere could relay what the app signs to Polymarket.
        for elsewhere in [
            "http://192.168.1.20:4100",
            "https://paper-trading.example.com",
            "http://127.0.0.1.example.com:4100",
            "http://localhost.example.com",
            "http://user:pass@127.0.0.1:4100",
            "http://127.0.0.1@example.com",
            "http://127.0.0.1:4100/relay",
            "http://127.0.0.1:4100?to=polymarket",
            "http://127.0.0.1:4100#x",
            "http://127.0.0.2:4100",
            "ws://127.0.0.1:4100",
            "file:///tmp/sim",
            "127.0.0.1:4100",
            "",
        ] {
            let refused = simulator(elsewhere).validate().unwrap_err();
            assert_eq!(refused.code, ErrorCode::InvalidInput, "{elsewhere}");
            assert!(
                refused.message.contains("on this computer"),
                "{}",
                refused.message
            );
        }
    }
}
