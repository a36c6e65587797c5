//! One-shot order building from the JSON shape of the shared test vectors' `input` objects.
//!
//! [`build_from_input`] takes one input object (limit: `price` + `size`; market: `amount` +
//! `bids`/`asks`), computes the amounts, signs, serializes the POST body and, when
//! `api_creds` and `l2_timestamp` are given, the L2 headers for `POST /order`.
//!
//! Invariants:
//! - numbers are read from their JSON text as exact decimals, never through `f64`
//!   (`0.57` is 57/100, and `10.5` cannot turn into `10.4999…`);
//! - unknown fields are refused, so a misspelt option cannot be silently ignored;
//! - the function is pure: no clock, no IO; every time value is an input.

use alloy_primitives::{Address, B256, U256};
use polyagent_domain::money::{Collateral, Price, Shares};
use polyagent_domain::secret::{PrivateKey, SecretString};
use polyagent_domain::trading::{OrderType, Side, SignatureType, TickSize, TokenId};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::Error;
use crate::amounts::{
    BookLevel, MarketAmount, OrderAmounts, limit_order_amounts, market_order_amounts, market_price,
    marketable_limit_amounts,
};
use crate::auth::{HttpMethod, L2Credentials};
use crate::eip712::{Chain, Exchange, ExchangeDomain, OrderV2};
use crate::signing::{OrderSigner, SignedOrder};
use crate::wire::PostOrderRequest;

/// Largest salt a JSON number carries exactly (JavaScript's `Number.MAX_SAFE_INTEGER`).
pub const MAX_SALT: u64 = (1 << 53) - 1;

/// A JSON number (or numeric string) kept as its exact text.
struct ExactDecimal(Decimal);

impl<'de> Deserialize<'de> for ExactDecimal {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        parse_exact(raw.get())
            .map(ExactDecimal)
            .map_err(serde::de::Error::custom)
    }
}

fn parse_exact(token: &str) -> Result<Decimal, String> {
    let text = match token.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) => inner,
        None => token,
    };
    let parsed = if text.contains(['e', 'E']) {
        Decimal::from_scientific(text)
    } else {
        Decimal::from_str_exact(text)
    };
    parsed.map_err(|_| format!("{token} is not an exact decimal number"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LevelInput {
    price: ExactDecimal,
    size: ExactDecimal,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApiCredsInput {
    key: String,
    secret: String,
    passphrase: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderInput {
    #[serde(default)]
    version: Option<u64>,
    chain_id: u64,
    #[serde(default)]
    neg_risk: bool,
    tick_size: String,
    token_id: String,
    side: String,
    #[serde(default)]
    price: Option<ExactDecimal>,
    #[serde(default)]
    size: Option<ExactDecimal>,
    #[serde(default)]
    amount: Option<ExactDecimal>,
    #[serde(default)]
    bids: Option<Vec<LevelInput>>,
    #[serde(default)]
    asks: Option<Vec<LevelInput>>,
    #[serde(default)]
    signature_type: Option<u64>,
    #[serde(default)]
    funder: Option<String>,
    salt: u64,
    timestamp: u64,
    #[serde(default)]
    expiration: Option<u64>,
    #[serde(default)]
    metadata: Option<String>,
    #[serde(default)]
    builder_code: Option<String>,
    #[serde(default)]
    order_type: Option<String>,
    #[serde(default)]
    post_only: Option<bool>,
    #[serde(default)]
    defer_exec: Option<bool>,
    #[serde(default)]
    api_creds: Option<ApiCredsInput>,
    #[serde(default)]
    l2_timestamp: Option<u64>,
}

/// What to trade and how: a limit order or a marketable order priced from a book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderSize {
    /// `size` shares at `price`: GTC/GTD (resting), or FOK/FAK held to the marketable
    /// amount caps (maker ≤ 2 decimals, taker ≤ 4; PROTOCOL.md §13.1).
    Limit { price: Price, size: Shares },
    /// FOK/FAK: BUY spends collateral, SELL sells shares, priced from the book (levels
    /// best-last, as REST `/book` returns them).
    Market {
        amount: MarketAmount,
        bids: Vec<BookLevel>,
        asks: Vec<BookLevel>,
    },
}

/// A fully validated order request, ready to be signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSpec {
    pub chain: Chain,
    pub exchange: Exchange,
    pub tick_size: TickSize,
    pub token_id: TokenId,
    pub side: Side,
    pub size: OrderSize,
    pub signature_type: SignatureType,
    pub funder: Option<Address>,
    pub salt: u64,
    pub timestamp_ms: u64,
    pub expiration: u64,
    pub metadata: B256,
    pub builder: B256,
    pub order_type: OrderType,
    pub post_only: bool,
    pub defer_exec: bool,
}

impl OrderSpec {
    /// Checks the combination rules the venue enforces and computes the amounts.
    pub fn amounts(&self) -> Result<OrderAmounts, Error> {
        match &self.size {
            OrderSize::Limit { price, size } => {
                // A price/size order sent as FOK/FAK is marketable: production holds it to
                // the marketable caps (PROTOCOL.md §13.1) and refuses it otherwise.
                let amounts = if self.order_type.may_rest() {
                    limit_order_amounts
                } else {
                    marketable_limit_amounts
                };
                Ok(amounts(self.side, *price, *size, self.tick_size)?)
            }
            OrderSize::Market { amount, bids, asks } => {
                if self.order_type.may_rest() {
                    return Err(Error::InvalidField {
                        field: "order_type",
                        reason: format!(
                            "{} rests on the book; an amount/book order must be FOK or FAK",
                            self.order_type
                        ),
                    });
                }
                let levels = match self.side {
                    Side::Buy => asks,
                    Side::Sell => bids,
                };
                let price = market_price(self.side, *amount, levels, self.order_type)?;
                Ok(market_order_amounts(
                    self.side,
                    *amount,
                    price,
                    self.tick_size,
                )?)
            }
        }
    }

    fn check_flags(&self) -> Result<(), Error> {
        if self.post_only && !self.order_type.may_rest() {
            return Err(Error::UnexpectedField {
                field: "post_only",
                reason: "post-only applies to GTC and GTD orders only",
            });
        }
        if self.expiration != 0 && self.order_type != OrderType::Gtd {
            return Err(Error::UnexpectedField {
                field: "expiration",
                reason: "only GTD orders carry an expiration",
            });
        }
        if self.expiration == 0 && self.order_type == OrderType::Gtd {
            return Err(Error::MissingField {
                field: "expiration",
            });
        }
        if self.salt > MAX_SALT {
            return Err(Error::InvalidField {
                field: "salt",
                reason: format!("{} exceeds 2^53 - 1 and would not survive JSON", self.salt),
            });
        }
        Ok(())
    }

    /// Computes amounts and signs the order.
    pub fn sign(&self, signer: &OrderSigner) -> Result<(SignedOrder, OrderAmounts), Error> {
        self.check_flags()?;
        let amounts = self.amounts()?;
        let parties = signer.parties(self.signature_type, self.funder, self.chain)?;
        let token_id =
            U256::from_str_radix(self.token_id.as_str(), 10).map_err(|_| Error::InvalidField {
                field: "token_id",
                reason: "does not fit in uint256".into(),
            })?;
        let order = OrderV2 {
            salt: self.salt,
            maker: parties.maker,
            signer: parties.signer,
            token_id,
            maker_amount: amounts.maker,
            taker_amount: amounts.taker,
            side: self.side,
            signature_type: self.signature_type,
            timestamp_ms: self.timestamp_ms,
            metadata: self.metadata,
            builder: self.builder,
        };
        let domain = ExchangeDomain::get(self.chain, self.exchange);
        Ok((signer.sign_order(order, domain), amounts))
    }
}

fn parse_b256(field: &'static str, text: Option<&str>) -> Result<B256, Error> {
    match text {
        None => Ok(B256::ZERO),
        Some(t) => t.parse::<B256>().map_err(|_| Error::InvalidField {
            field,
            reason: format!("{t:?} is not 0x + 64 hex digits"),
        }),
    }
}

fn levels(input: Option<Vec<LevelInput>>) -> Result<Vec<BookLevel>, Error> {
    input
        .unwrap_or_default()
        .into_iter()
        .map(|l| {
            Ok(BookLevel {
                price: Price::new(l.price.0)?,
                size: Shares::new(l.size.0)?,
            })
        })
        .collect()
}

/// Parsed input: the order plus the optional L2 material.
struct ParsedInput {
    spec: OrderSpec,
    api_creds: Option<ApiCredsInput>,
    l2_timestamp: Option<u64>,
}

fn parse_input(input_json: &str) -> Result<ParsedInput, Error> {
    let input: OrderInput =
        serde_json::from_str(input_json).map_err(|e| Error::InputJson(e.to_string()))?;
    let chain = Chain::from_id(input.chain_id)?;
    let exchange = Exchange::for_market(input.version.unwrap_or(2), input.neg_risk)?;
    let side: Side = input.side.parse()?;
    let size = match (input.price, input.size, input.amount) {
        (Some(price), Some(size), None) => {
            if input.bids.is_some() || input.asks.is_some() {
                return Err(Error::UnexpectedField {
                    field: "bids/asks",
                    reason: "a limit order (price + size) takes no book",
                });
            }
            OrderSize::Limit {
                price: Price::new(price.0)?,
                size: Shares::new(size.0)?,
            }
        }
        (None, None, Some(amount)) => {
            if input.bids.is_none() && input.asks.is_none() {
                return Err(Error::MissingField { field: "bids/asks" });
            }
            // BUY spends collateral, SELL sells shares (the official clients' convention).
            let amount = match side {
                Side::Buy => MarketAmount::Collateral(Collateral::new(amount.0)?),
                Side::Sell => MarketAmount::Shares(Shares::new(amount.0)?),
            };
            OrderSize::Market {
                amount,
                bids: levels(input.bids)?,
                asks: levels(input.asks)?,
            }
        }
        (_, _, Some(_)) => {
            return Err(Error::UnexpectedField {
                field: "amount",
                reason: "give either price + size (limit) or amount + book (market)",
            });
        }
        (None, _, None) => return Err(Error::MissingField { field: "price" }),
        (Some(_), None, None) => return Err(Error::MissingField { field: "size" }),
    };
    let default_type = match size {
        OrderSize::Limit { .. } => OrderType::Gtc,
        OrderSize::Market { .. } => OrderType::Fak,
    };
    let order_type = match input.order_type.as_deref() {
        Some(t) => t.parse()?,
        None => default_type,
    };
    let funder = match input.funder.as_deref() {
        None => None,
        Some(text) => Some(text.parse::<Address>().map_err(|_| Error::InvalidField {
            field: "funder",
            reason: format!("{text:?} is not a 0x address"),
        })?),
    };
    let spec = OrderSpec {
        chain,
        exchange,
        tick_size: input.tick_size.parse()?,
        token_id: TokenId::new(input.token_id)?,
        side,
        size,
        signature_type: SignatureType::from_code(input.signature_type.unwrap_or(0))?,
        funder,
        salt: input.salt,
        timestamp_ms: input.timestamp,
        expiration: input.expiration.unwrap_or(0),
        metadata: parse_b256("metadata", input.metadata.as_deref())?,
        builder: parse_b256("builder_code", input.builder_code.as_deref())?,
        order_type,
        post_only: input.post_only.unwrap_or(false),
        defer_exec: input.defer_exec.unwrap_or(false),
    };
    Ok(ParsedInput {
        spec,
        api_creds: input.api_creds,
        l2_timestamp: input.l2_timestamp,
    })
}

/// Parses a vector-shaped input object into a validated [`OrderSpec`] (no signing).
pub fn parse_order_spec(input_json: &str) -> Result<OrderSpec, Error> {
    Ok(parse_input(input_json)?.spec)
}

#[derive(Serialize)]
struct PostHeadersOutput<'a> {
    #[serde(rename = "POLY_ADDRESS")]
    address: &'a str,
    #[serde(rename = "POLY_SIGNATURE")]
    signature: &'a str,
    #[serde(rename = "POLY_TIMESTAMP")]
    timestamp: &'a str,
    #[serde(rename = "POLY_API_KEY")]
    api_key: &'a str,
    #[serde(rename = "POLY_PASSPHRASE")]
    passphrase: &'a str,
}

#[derive(Serialize)]
struct BuildOutput<'a> {
    #[serde(rename = "makerAmount")]
    maker_amount: String,
    #[serde(rename = "takerAmount")]
    taker_amount: String,
    digest: String,
    signature: String,
    post_body: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    post_headers: Option<PostHeadersOutput<'a>>,
}

/// Builds and signs one order described by a vector-shaped JSON object.
///
/// Output: `{"makerAmount","takerAmount","digest","signature","post_body"[,"post_headers"]}`.
/// `post_body` is the exact text to POST; its `owner` is `api_creds.key`, or `""` when no
/// credentials are given. `post_headers` (the L2 headers of `POST /order` over that body)
/// needs `api_creds` and `l2_timestamp`.
pub fn build_from_input(input_json: &str, key: &PrivateKey) -> Result<String, Error> {
    let ParsedInput {
        spec,
        api_creds,
        l2_timestamp,
    } = parse_input(input_json)?;
    // Checked before any signing work so that a half-configured call fails fast.
    match (&api_creds, l2_timestamp) {
        (Some(_), None) => {
            return Err(Error::MissingField {
                field: "l2_timestamp",
            });
        }
        (None, Some(_)) => return Err(Error::MissingField { field: "api_creds" }),
        _ => {}
    }
    let signer = OrderSigner::new(key)?;
    let (signed, amounts) = spec.sign(&signer)?;

    let credentials = match api_creds {
        None => None,
        Some(ApiCredsInput {
            key,
            secret,
            passphrase,
        }) => Some(L2Credentials::new(
            signer.address(),
            key,
            SecretString::new(secret)?,
            SecretString::new(passphrase)?,
        )?),
    };
    let owner = credentials.as_ref().map_or("", |c| c.api_key());
    let body = PostOrderRequest {
        order: &signed,
        expiration: spec.expiration,
        owner,
        order_type: spec.order_type,
        defer_exec: spec.defer_exec,
        post_only: spec.post_only,
    }
    .to_json();

    let headers = match (&credentials, l2_timestamp) {
        (Some(c), Some(ts)) => Some(c.headers(ts, HttpMethod::Post, "/order", Some(&body))),
        _ => None,
    };
    let pairs = headers.as_ref().map(|h| h.pairs());
    let output = BuildOutput {
        maker_amount: amounts.maker.to_string(),
        taker_amount: amounts.taker.to_string(),
        digest: signed.digest.to_string(),
        signature: signed.signature.to_hex(),
        post_body: &body,
        post_headers: pairs.as_ref().map(|p| PostHeadersOutput {
            address: p[0].1,
            signature: p[1].1,
            timestamp: p[2].1,
            api_key: p[3].1,
            passphrase: p[4].1,
        }),
    };
    Ok(serde_json::to_string(&output).expect("output is plain strings"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_decimal_tokens() {
        assert_eq!(parse_exact("0.57").unwrap().to_string(), "0.57");
        assert_eq!(parse_exact("10.5").unwrap().to_string(), "10.5");
        assert_eq!(parse_exact("\"0.60\"").unwrap().to_string(), "0.60");
        assert_eq!(parse_exact("1e-3").unwrap().to_string(), "0.001");
        assert_eq!(parse_exact("33.337").unwrap().to_string(), "33.337");
        assert!(parse_exact("true").is_err());
    }
}
