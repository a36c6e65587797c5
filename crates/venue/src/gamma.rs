//! Gamma (market discovery): what a user may type to name a market, and Gamma's market
//! JSON turned into a [`MarketInfo`].
//!
//! Invariants:
//! - the token ids of a market come from the field its Gamma `version` names (`"v1"` ->
//!   `clobTokenIds`, `"v2"` -> `positionIds`), never from whichever field happens to be
//!   present, because signing for the wrong exchange makes every order invalid;
//! - Gamma's doubly-encoded fields (`outcomes`, `clobTokenIds`) are decoded here, at the
//!   edge; nothing past this module sees Gamma's wire shape.

use polyagent_domain::trading::{TickSize, TokenId};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::types::{MarketInfo, Outcome, ProtocolVersion};
use crate::venue_error::VenueError;

/// How a user named a market.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarketRef {
    /// A market slug (`will-x-happen`).
    Slug(String),
    /// An event slug with, optionally, the market slug inside it (from an event URL).
    Event {
        event_slug: String,
        market_slug: Option<String>,
    },
    /// `0x` + 64 hex.
    ConditionId(String),
    /// An outcome token id (a long decimal number), as the CLI and saved bots name a market.
    Token(String),
    /// Free text for `/public-search`.
    Search(String),
}

impl MarketRef {
    /// Reads what a user typed: a polymarket.com URL (`/event/<e>[/<m>]`, `/market/<m>`),
    /// a condition id, a bare slug (lowercase, digits and dashes) or else search text.
    pub fn parse(input: &str) -> Result<Self, VenueError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(VenueError::InvalidInput("empty market reference".into()));
        }
        if let Some(rest) = strip_polymarket_host(text) {
            let path = rest.split(['?', '#']).next().unwrap_or_default();
            let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
            // Locale prefixes ("/fr/event/...") are skipped.
            let start = parts
                .iter()
                .position(|p| *p == "event" || *p == "market")
                .ok_or_else(|| {
                    VenueError::InvalidInput(format!(
                        "not a polymarket.com event or market URL: {text}"
                    ))
                })?;
            let kind = parts[start];
            let first = parts.get(start + 1).copied();
            let second = parts.get(start + 2).copied();
            return match (kind, first) {
                ("market", Some(slug)) => Ok(MarketRef::Slug(slug.to_owned())),
                ("event", Some(event)) => Ok(MarketRef::Event {
                    event_slug: event.to_owned(),
                    market_slug: second.map(str::to_owned),
                }),
                _ => Err(VenueError::InvalidInput(format!(
                    "the URL names no market: {text}"
                ))),
            };
        }
        if text.len() == 66
            && text.starts_with("0x")
            && text[2..].bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Ok(MarketRef::ConditionId(text.to_ascii_lowercase()));
        }
        // Token ids are uint256 in decimal; 20+ digits cannot be meant as search text.
        if text.len() >= 20 && text.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(MarketRef::Token(text.to_owned()));
        }
        if text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && text.contains('-')
        {
            return Ok(MarketRef::Slug(text.to_owned()));
        }
        Ok(MarketRef::Search(text.to_owned()))
    }
}

fn strip_polymarket_host(text: &str) -> Option<&str> {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .unwrap_or(text);
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    rest.strip_prefix("polymarket.com/")
}

/// A Gamma number that may arrive as a JSON number or a decimal string; kept exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LenientDecimal(pub Decimal);

impl<'de> Deserialize<'de> for LenientDecimal {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // `arbitrary_precision` is off workspace-wide, so read the raw token text to avoid a
        // float round trip.
        let raw: &serde_json::value::RawValue = Deserialize::deserialize(deserializer)?;
        let text = raw.get().trim_matches('"');
        Decimal::from_str_exact(text)
            .or_else(|_| Decimal::from_scientific(text))
            .map(LenientDecimal)
            .map_err(|_| serde::de::Error::custom(format!("not a decimal: {text}")))
    }
}

/// Gamma market JSON (the fields a trading client needs).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GammaMarketResponse {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub question: String,
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub condition_id: String,
    #[serde(default)]
    pub outcomes: Option<String>,
    #[serde(default)]
    pub clob_token_ids: Option<String>,
    #[serde(default)]
    pub position_ids: Option<Vec<String>>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub neg_risk: Option<bool>,
    #[serde(default)]
    pub order_price_min_tick_size: Option<LenientDecimal>,
    #[serde(default)]
    pub order_min_size: Option<LenientDecimal>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub closed: Option<bool>,
    #[serde(default)]
    pub accepting_orders: Option<bool>,
    #[serde(default)]
    pub enable_order_book: Option<bool>,
    #[serde(default)]
    pub end_date: Option<String>,
    #[serde(default)]
    pub uma_resolution_status: Option<String>,
    /// Resting liquidity in pUSD, as Gamma reports it.
    #[serde(default)]
    pub liquidity_num: Option<LenientDecimal>,
    /// Traded volume in pUSD, as Gamma reports it.
    #[serde(default)]
    pub volume_num: Option<LenientDecimal>,
}

/// Gamma event JSON.
#[derive(Debug, Clone, Deserialize)]
pub struct GammaEventResponse {
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub markets: Vec<GammaMarketResponse>,
}

/// `/public-search` answer.
#[derive(Debug, Clone, Deserialize)]
pub struct GammaSearchResponse {
    #[serde(default)]
    pub events: Vec<GammaEventResponse>,
}

impl GammaMarketResponse {
    /// Whether the market is resolved (Gamma says so, or it closed with a resolution).
    pub fn is_resolved(&self) -> bool {
        self.uma_resolution_status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("resolved"))
    }

    /// Parses into a [`MarketInfo`]; the version picks the token-id field.
    pub fn to_market_info(&self) -> Result<MarketInfo, VenueError> {
        let bad =
            |what: &str| VenueError::Protocol(format!("Gamma market {:?}: {what}", self.slug));
        let names: Vec<String> = serde_json::from_str(self.outcomes.as_deref().unwrap_or("[]"))
            .map_err(|_| bad("outcomes is not a JSON-encoded list"))?;
        let protocol = match self.version.as_deref().unwrap_or("v1") {
            "v1" => ProtocolVersion::V1,
            "v2" => ProtocolVersion::V2,
            other => return Err(bad(&format!("unknown version {other:?}"))),
        };
        let ids: Vec<String> = match protocol {
            ProtocolVersion::V1 => {
                serde_json::from_str(self.clob_token_ids.as_deref().unwrap_or("[]"))
                    .map_err(|_| bad("clobTokenIds is not a JSON-encoded list"))?
            }
            ProtocolVersion::V2 => self
                .position_ids
                .clone()
                .ok_or_else(|| bad("a v2 market without positionIds"))?,
        };
        if ids.len() != names.len() || ids.is_empty() {
            return Err(bad("outcomes and token ids differ in number"));
        }
        let outcomes = names
            .into_iter()
            .zip(ids)
            .map(|(name, id)| {
                Ok(Outcome {
                    name,
                    token_id: TokenId::new(id).map_err(|e| bad(&e.to_string()))?,
                })
            })
            .collect::<Result<Vec<_>, VenueError>>()?;
        let tick = self
            .order_price_min_tick_size
            .map_or(Decimal::new(1, 2), |t| t.0);
        let tick_size: TickSize = tick
            .to_string()
            .parse()
            .map_err(|_| bad(&format!("tick size {tick} is not on a known grid")))?;
        Ok(MarketInfo {
            gamma_id: self.id.clone(),
            slug: self.slug.clone(),
            question: self.question.clone(),
            condition_id: self.condition_id.clone(),
            outcomes,
            tick_size,
            min_order_size: self.order_min_size.map_or(Decimal::from(5), |m| m.0),
            neg_risk: self.neg_risk.unwrap_or(false),
            protocol,
            end_date: self.end_date.clone(),
            active: self.active.unwrap_or(false),
            closed: self.closed.unwrap_or(false),
            accepting_orders: self.accepting_orders.unwrap_or(false)
                && self.enable_order_book.unwrap_or(true),
        })
    }
}

/// Turns a found market into a tradable one or the precise reason it is not.
pub fn require_tradable(market: &GammaMarketResponse) -> Result<MarketInfo, VenueError> {
    let info = market.to_market_info()?;
    if market.is_resolved() {
        return Err(VenueError::MarketResolved(info.slug));
    }
    if info.closed || !info.active || !info.accepting_orders {
        return Err(VenueError::MarketClosed(format!(
            "{} (active: {}, closed: {}, accepting orders: {})",
            info.slug, info.active, info.closed, info.accepting_orders
        )));
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_references() {
        assert_eq!(
            MarketRef::parse("https://polymarket.com/event/fed-july/fed-july-no-change?tid=1")
                .unwrap(),
            MarketRef::Event {
                event_slug: "fed-july".into(),
                market_slug: Some("fed-july-no-change".into())
            }
        );
        assert_eq!(
            MarketRef::parse("polymarket.com/event/fed-july").unwrap(),
            MarketRef::Event {
                event_slug: "fed-july".into(),
                market_slug: None
            }
        );
        assert_eq!(
            MarketRef::parse("https://www.polymarket.com/market/will-it-rain").unwrap(),
            MarketRef::Slug("will-it-rain".into())
        );
        let cid = format!("0x{}", "Ab".repeat(32));
        assert_eq!(
            MarketRef::parse(&cid).unwrap(),
            MarketRef::ConditionId(cid.to_ascii_lowercase())
        );
        assert_eq!(
            MarketRef::parse("will-it-rain").unwrap(),
            MarketRef::Slug("will-it-rain".into())
        );
        assert_eq!(
            MarketRef::parse("rain in London").unwrap(),
            MarketRef::Search("rain in London".into())
        );
        assert!(MarketRef::parse("https://polymarket.com/profile/x").is_err());
        assert!(MarketRef::parse("  ").is_err());
    }

    fn market(version: &str) -> GammaMarketResponse {
        serde_json::from_str(&format!(
            r#"{{"id":"1","question":"Q?","slug":"q","conditionId":"0xc","outcomes":"[\"Yes\", \"No\"]",
            "clobTokenIds":"[\"11\", \"22\"]","positionIds":["33","44"],"version":"{version}",
            "negRisk":false,"orderPriceMinTickSize":0.001,"orderMinSize":"5","active":true,
            "closed":false,"acceptingOrders":true,"enableOrderBook":true,"endDate":"2027-01-01T00:00:00Z"}}"#
        ))
        .unwrap()
    }

    #[test]
    fn version_picks_the_token_field() {
        let v1 = market("v1").to_market_info().unwrap();
        assert_eq!(v1.outcomes[0].token_id.as_str(), "11");
        assert_eq!(v1.protocol, ProtocolVersion::V1);
        assert_eq!(v1.tick_size, TickSize::Thousandth);
        let v2 = market("v2").to_market_info().unwrap();
        assert_eq!(v2.outcomes[1].token_id.as_str(), "44");
        assert_eq!(v2.protocol, ProtocolVersion::V2);
        assert_eq!(v2.token("no").unwrap().as_str(), "44");
    }

    #[test]
    fn closed_and_resolved_are_typed() {
        let mut m = market("v1");
        m.closed = Some(true);
        assert!(matches!(
            require_tradable(&m),
            Err(VenueError::MarketClosed(_))
        ));
        m.uma_resolution_status = Some("resolved".into());
        assert!(matches!(
            require_tradable(&m),
            Err(VenueError::MarketResolved(_))
        ));
    }
}
