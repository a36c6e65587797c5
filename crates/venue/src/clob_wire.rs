//! Wire shapes of the CLOB REST answers and their parsing into [`crate::types`].
//!
//! Invariants: numbers are read exactly whether the server sent a JSON number or a decimal
//! string ([`LenientDecimal`]); nothing outside this module and [`crate::gamma`] sees a
//! `*Response` type.

use polyagent_domain::trading::{OrderType, Side, TickSize, TokenId};
use rust_decimal::Decimal;
use serde::Deserialize;
use zeroize::Zeroize;

pub use crate::gamma::LenientDecimal;
use crate::types::{
    BalanceAllowance, CancelOutcome, Level, OpenOrder, OrderAck, OrderBook, OrderStatus, Trade,
    TradeStatus,
};
use crate::venue_error::VenueError;

fn protocol(what: impl std::fmt::Display) -> VenueError {
    VenueError::Protocol(what.to_string())
}

fn token(text: &str) -> Result<TokenId, VenueError> {
    TokenId::new(text).map_err(protocol)
}

fn side(text: &str) -> Result<Side, VenueError> {
    text.parse().map_err(protocol)
}

/// `"123"` or `123` as an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LenientU64(pub u64);

impl<'de> Deserialize<'de> for LenientU64 {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw: &serde_json::value::RawValue = Deserialize::deserialize(deserializer)?;
        let text = raw.get().trim_matches('"');
        if text.is_empty() {
            return Ok(LenientU64(0));
        }
        text.parse()
            .map(LenientU64)
            .map_err(|_| serde::de::Error::custom(format!("not an integer: {text}")))
    }
}

/// An optional decimal: absent, `null` and `""` (which production sends for unset fee rates
/// and tops of book, PROTOCOL.md §13.6) are all `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OptionalDecimal(pub Option<Decimal>);

impl<'de> Deserialize<'de> for OptionalDecimal {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw: &serde_json::value::RawValue = Deserialize::deserialize(deserializer)?;
        let text = raw.get().trim_matches('"');
        if text.is_empty() || text == "null" {
            return Ok(OptionalDecimal(None));
        }
        Decimal::from_str_exact(text)
            .or_else(|_| Decimal::from_scientific(text))
            .map(|d| OptionalDecimal(Some(d)))
            .map_err(|_| serde::de::Error::custom(format!("not a decimal: {text}")))
    }
}

/// `GET /clob-markets/{condition_id}`: only the fee description is read here.
#[derive(Debug, Deserialize)]
pub struct ClobMarketResponse {
    #[serde(default)]
    pub fd: Option<FeeDescriptionResponse>,
}

/// `fd`: fee = shares × r × (p × (1 − p))^e, paid by takers when `to`.
#[derive(Debug, Deserialize)]
pub struct FeeDescriptionResponse {
    pub r: LenientDecimal,
    pub e: LenientU64,
    #[serde(default)]
    pub to: bool,
}

impl ClobMarketResponse {
    pub fn fee_curve(&self) -> crate::types::FeeCurve {
        match &self.fd {
            Some(fd) => crate::types::FeeCurve {
                rate: fd.r.0,
                exponent: u32::try_from(fd.e.0).unwrap_or(u32::MAX),
                taker_only: fd.to,
            },
            None => crate::types::FeeCurve::FREE,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct LevelResponse {
    pub price: LenientDecimal,
    pub size: LenientDecimal,
}

#[derive(Debug, Deserialize)]
pub struct BookResponse {
    #[serde(default)]
    pub market: String,
    pub asset_id: String,
    #[serde(default)]
    pub timestamp: Option<LenientU64>,
    #[serde(default)]
    pub hash: String,
    #[serde(default)]
    pub bids: Vec<LevelResponse>,
    #[serde(default)]
    pub asks: Vec<LevelResponse>,
    #[serde(default)]
    pub min_order_size: Option<LenientDecimal>,
    #[serde(default)]
    pub tick_size: Option<LenientDecimal>,
    #[serde(default)]
    pub neg_risk: Option<bool>,
    #[serde(default)]
    pub last_trade_price: Option<LenientDecimal>,
}

/// Sorts levels best first: bids high to low, asks low to high. The server's order is not
/// relied on (REST sends best last, the WS has sent both).
pub fn sorted_levels(levels: &[LevelResponse], bids: bool) -> Vec<Level> {
    let mut out: Vec<Level> = levels
        .iter()
        .filter(|l| !l.size.0.is_zero())
        .map(|l| Level {
            price: l.price.0,
            size: l.size.0,
        })
        .collect();
    if bids {
        out.sort_by_key(|l| std::cmp::Reverse(l.price));
    } else {
        out.sort_by_key(|l| l.price);
    }
    out
}

pub fn tick_from_decimal(value: Decimal) -> Result<TickSize, VenueError> {
    value
        .normalize()
        .to_string()
        .parse()
        .map_err(|_| protocol(format!("tick size {value} is not on a known grid")))
}

impl BookResponse {
    pub fn into_book(self) -> Result<OrderBook, VenueError> {
        Ok(OrderBook {
            token_id: token(&self.asset_id)?,
            condition_id: self.market,
            timestamp_ms: self.timestamp.map_or(0, |t| t.0),
            hash: self.hash,
            bids: sorted_levels(&self.bids, true),
            asks: sorted_levels(&self.asks, false),
            min_order_size: self.min_order_size.map(|m| m.0),
            tick_size: self.tick_size.map(|t| tick_from_decimal(t.0)).transpose()?,
            neg_risk: self.neg_risk,
            last_trade_price: self.last_trade_price.map(|p| p.0),
        })
    }
}

#[derive(Debug, Deserialize)]
pub struct MidpointResponse {
    pub mid: LenientDecimal,
}

#[derive(Debug, Deserialize)]
pub struct SpreadResponse {
    pub spread: LenientDecimal,
}

#[derive(Debug, Deserialize)]
pub struct LastTradeResponse {
    pub price: LenientDecimal,
    #[serde(default)]
    pub side: String,
}

#[derive(Debug, Deserialize)]
pub struct TickSizeResponse {
    pub minimum_tick_size: LenientDecimal,
}

#[derive(Debug, Deserialize)]
pub struct VersionResponse {
    #[serde(default)]
    pub version: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub struct HistoryPointResponse {
    pub t: u64,
    pub p: LenientDecimal,
}

#[derive(Debug, Deserialize)]
pub struct HistoryResponse {
    #[serde(default)]
    pub history: Vec<HistoryPointResponse>,
}

/// `{"apiKey","secret","passphrase"}`. Wiped on drop: it holds the secret as plain text
/// between parsing and wrapping into [`crate::auth::L2Credentials`].
#[derive(Deserialize)]
pub struct ApiKeyResponse {
    #[serde(rename = "apiKey", default)]
    pub api_key: String,
    #[serde(default)]
    pub secret: String,
    #[serde(default)]
    pub passphrase: String,
}

impl Drop for ApiKeyResponse {
    fn drop(&mut self) {
        self.secret.zeroize();
        self.passphrase.zeroize();
    }
}

impl std::fmt::Debug for ApiKeyResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeyResponse")
            .field("api_key", &self.api_key)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize)]
pub struct OpenOrderResponse {
    pub id: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub market: String,
    pub asset_id: String,
    pub side: String,
    #[serde(default)]
    pub original_size: LenientDecimal,
    #[serde(default)]
    pub size_matched: LenientDecimal,
    #[serde(default)]
    pub price: LenientDecimal,
    #[serde(default)]
    pub order_type: Option<String>,
    #[serde(default)]
    pub created_at: Option<LenientU64>,
    /// Deprecated (§13.2): may be absent, `null` or empty even on a filled order. Read only
    /// so that its shape is known to parse; fills are never counted from it.
    #[serde(default)]
    pub associate_trades: Option<Vec<String>>,
}

impl OpenOrderResponse {
    pub fn into_order(self) -> Result<OpenOrder, VenueError> {
        let (status, status_reason) = OrderStatus::parse_wire(&self.status);
        Ok(OpenOrder {
            status,
            status_reason,
            token_id: token(&self.asset_id)?,
            side: side(&self.side)?,
            price: self.price.0,
            original_size: self.original_size.0,
            size_matched: self.size_matched.0,
            order_type: self
                .order_type
                .as_deref()
                .and_then(|t| t.parse::<OrderType>().ok()),
            created_at_s: self.created_at.map(|c| c.0),
            market: self.market,
            id: self.id,
        })
    }
}

/// One maker order of a trade; only its id is used, the rest is read so that its `""`
/// decimals (`fee_rate_bps`, §13.6) are known to parse.
#[derive(Debug, Deserialize)]
pub struct MakerOrderResponse {
    pub order_id: String,
    #[serde(default)]
    pub matched_amount: OptionalDecimal,
    #[serde(default)]
    pub price: OptionalDecimal,
    #[serde(default)]
    pub fee_rate_bps: OptionalDecimal,
}

#[derive(Debug, Deserialize)]
pub struct TradeResponse {
    pub id: String,
    #[serde(default)]
    pub taker_order_id: String,
    #[serde(default)]
    pub market: String,
    pub asset_id: String,
    pub side: String,
    pub size: LenientDecimal,
    pub price: LenientDecimal,
    pub status: String,
    /// Spelled both ways by different docs versions (and the simulator sends both).
    #[serde(default)]
    pub match_time: Option<LenientU64>,
    #[serde(default)]
    pub matchtime: Option<LenientU64>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub maker_orders: Vec<MakerOrderResponse>,
    #[serde(default)]
    pub fee_rate_bps: OptionalDecimal,
}

/// `null` read as an empty list.
fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

impl TradeResponse {
    pub fn into_trade(self) -> Result<Trade, VenueError> {
        let (status, status_reason) = TradeStatus::parse_wire(&self.status);
        Ok(Trade {
            status,
            status_reason,
            fee_rate_bps: self.fee_rate_bps.0,
            token_id: token(&self.asset_id)?,
            side: side(&self.side)?,
            price: self.price.0,
            size: self.size.0,
            maker_order_ids: self.maker_orders.into_iter().map(|m| m.order_id).collect(),
            match_time_s: self.match_time.or(self.matchtime).map_or(0, |m| m.0),
            taker_order_id: self.taker_order_id,
            market: self.market,
            id: self.id,
        })
    }
}

#[derive(Debug, Deserialize)]
pub struct PageResponse<T> {
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// The cursor of the last page.
pub const END_CURSOR: &str = "LTE=";
/// The cursor of the first page.
pub const FIRST_CURSOR: &str = "MA==";

#[derive(Debug, Deserialize)]
pub struct CancelResponse {
    #[serde(default)]
    pub canceled: Vec<String>,
    #[serde(default)]
    pub not_canceled: std::collections::BTreeMap<String, serde_json::Value>,
}

impl CancelResponse {
    pub fn into_outcome(self) -> CancelOutcome {
        CancelOutcome {
            canceled: self.canceled,
            not_canceled: self
                .not_canceled
                .into_iter()
                .map(|(id, reason)| {
                    let reason = match reason {
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (id, reason)
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct BalanceAllowanceResponse {
    pub balance: LenientDecimal,
    #[serde(default)]
    /// Strings: an unlimited allowance is 2^256 - 1, beyond `Decimal`.
    pub allowances: std::collections::BTreeMap<String, String>,
}

/// 6-decimal base units to whole units.
fn from_base_units(value: Decimal) -> Decimal {
    let mut out = value;
    out.set_scale(out.scale() + 6)
        .map_or(value, |()| out.normalize())
}

impl BalanceAllowanceResponse {
    pub fn into_balance(self) -> BalanceAllowance {
        BalanceAllowance {
            balance: from_base_units(self.balance.0),
            allowances: self
                .allowances
                .into_iter()
                .map(|(spender, amount)| {
                    // Wider than Decimal means "unlimited" (2^256 - 1) in practice.
                    let amount =
                        Decimal::from_str_exact(&amount).map_or(Decimal::MAX, from_base_units);
                    (spender, amount)
                })
                .collect(),
        }
    }
}

/// `POST /order` success body, parsed into the domain ack.
pub fn ack_from(response: crate::wire::PostOrderResponse) -> Result<OrderAck, VenueError> {
    if !response.success {
        return Err(VenueError::classify(400, &response.error_msg));
    }
    let amount = |text: &str| {
        if text.is_empty() {
            None
        } else {
            Decimal::from_str_exact(text).ok()
        }
    };
    let (status, status_reason) = OrderStatus::parse_wire(&response.status);
    Ok(OrderAck {
        status,
        status_reason,
        making_amount: amount(&response.making_amount),
        taking_amount: amount(&response.taking_amount),
        trade_ids: response.trade_ids,
        order_id: response.order_id,
    })
}

/// The `error` text of a non-2xx answer (`{"error": "..."}` or a bare string).
pub fn error_text(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct ErrorBody {
        #[serde(default)]
        error: Option<String>,
        #[serde(default, rename = "errorMsg")]
        error_msg: Option<String>,
    }
    if let Ok(parsed) = serde_json::from_slice::<ErrorBody>(body)
        && let Some(text) = parsed.error.or(parsed.error_msg)
    {
        return text;
    }
    if let Ok(text) = serde_json::from_slice::<String>(body) {
        return text;
    }
    String::from_utf8_lossy(body).chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn empty_decimals_are_absent_in_trades_and_their_maker_orders() {
        // PROTOCOL.md §13.6: `fee_rate_bps` (trade and maker order) may arrive as "".
        let trade: TradeResponse = serde_json::from_str(
            r#"{"id":"t1","taker_order_id":"0xa","market":"0xc","asset_id":"1","side":"BUY","size":"5","price":"0.5","status":"MATCHED","match_time":"1767225600","fee_rate_bps":"","maker_orders":[{"order_id":"0xb","matched_amount":"5","price":"0.5","fee_rate_bps":"","asset_id":"1","outcome":"Yes","owner":"k","maker_address":"0x1","side":"SELL"}],"bucket_index":0,"trader_side":"TAKER","transaction_hash":"0x"}"#,
        )
        .unwrap();
        assert_eq!(trade.maker_orders[0].fee_rate_bps, OptionalDecimal(None));
        assert_eq!(
            trade.maker_orders[0].matched_amount,
            OptionalDecimal(Some(d("5")))
        );
        let trade = trade.into_trade().unwrap();
        assert_eq!(trade.fee_rate_bps, None);
        assert_eq!(trade.maker_order_ids, ["0xb"]);
        assert_eq!(trade.match_time_s, 1_767_225_600);
        let with_fee: TradeResponse = serde_json::from_str(
            r#"{"id":"t2","asset_id":"1","side":"SELL","size":"1","price":"0.4","status":"TRADE_STATUS_CONFIRMED","fee_rate_bps":"1000","maker_orders":null}"#,
        )
        .unwrap();
        let with_fee = with_fee.into_trade().unwrap();
        assert_eq!(with_fee.fee_rate_bps, Some(d("1000")));
        assert_eq!(with_fee.status, TradeStatus::Confirmed);
        assert!(with_fee.maker_order_ids.is_empty());
        for (text, value) in [("null", None), ("\"\"", None), ("12", Some(d("12")))] {
            let parsed: OptionalDecimal = serde_json::from_str(text).unwrap();
            assert_eq!(parsed.0, value, "{text}");
        }
        assert!(serde_json::from_str::<OptionalDecimal>("\"x\"").is_err());
    }
}
