//! Wire formats of `POST /order`: the request body we send and the response we read.
//!
//! Invariants:
//! - [`PostOrderRequest::to_json`] emits compact JSON with the key order of
//!   `py_clob_client_v2` (the vectors' `post_body`), byte for byte:
//!   `{"order":{salt,maker,signer,tokenId,makerAmount,takerAmount,side,expiration,
//!   signatureType,timestamp,metadata,builder,signature},"owner","orderType","deferExec","postOnly"}`;
//!   the server does not depend on key order, but the L2 HMAC covers these exact bytes, so
//!   the same string must be both signed and sent;
//! - `salt` and `signatureType` are JSON numbers, every other scalar a string; addresses
//!   are EIP-55 checksummed, hashes lowercase hex;
//! - wire types (`*Request`, `*Response`) are separate from the domain and signing types.

use std::fmt::Write as _;

use polyagent_domain::trading::OrderType;
use serde::Deserialize;

use crate::signing::SignedOrder;

/// Body of `POST /order` (one element of `POST /orders`).
#[derive(Debug, Clone, Copy)]
pub struct PostOrderRequest<'a> {
    pub order: &'a SignedOrder,
    /// Unix seconds, `0` = none. Not signed in V2/V3.
    pub expiration: u64,
    /// The API key of the L2 credentials.
    pub owner: &'a str,
    pub order_type: OrderType,
    pub defer_exec: bool,
    pub post_only: bool,
}

impl PostOrderRequest<'_> {
    /// The exact body text.
    pub fn to_json(&self) -> String {
        let order = &self.order.order;
        let mut out = String::with_capacity(1100);
        out.push_str("{\"order\":{\"salt\":");
        // Writing into a String cannot fail.
        let _ = write!(out, "{}", order.salt);
        out.push_str(",\"maker\":\"");
        out.push_str(order.maker.to_checksum_buffer(None).as_str());
        out.push_str("\",\"signer\":\"");
        out.push_str(order.signer.to_checksum_buffer(None).as_str());
        let _ = write!(
            out,
            "\",\"tokenId\":\"{}\",\"makerAmount\":\"{}\",\"takerAmount\":\"{}\",\"side\":\"{}\",\"expiration\":\"{}\",\"signatureType\":{},\"timestamp\":\"{}\",\"metadata\":\"{}\",\"builder\":\"{}\",\"signature\":\"",
            order.token_id,
            order.maker_amount,
            order.taker_amount,
            order.side.as_str(),
            self.expiration,
            order.signature_type.code(),
            order.timestamp_ms,
            order.metadata,
            order.builder,
        );
        self.order.signature.push_hex(&mut out);
        out.push_str("\"},\"owner\":");
        push_json_string(&mut out, self.owner);
        let _ = write!(
            out,
            ",\"orderType\":\"{}\",\"deferExec\":{},\"postOnly\":{}}}",
            self.order_type.as_str(),
            self.defer_exec,
            self.post_only
        );
        out
    }
}

/// Body of `POST /orders`: a JSON array of [`PostOrderRequest`] bodies, each with its own
/// owner and flags. The CLOB takes at most [`MAX_BATCH_ORDERS`] per request.
pub fn post_orders_body(orders: &[PostOrderRequest<'_>]) -> String {
    let mut out = String::with_capacity(2 + orders.len() * 1100);
    out.push('[');
    for (index, order) in orders.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str(&order.to_json());
    }
    out.push(']');
    out
}

/// Most orders one `POST /orders` accepts.
pub const MAX_BATCH_ORDERS: usize = 15;

/// Appends a JSON string literal. API keys are plain UUIDs, so the escaping path is cold.
fn push_json_string(out: &mut String, text: &str) {
    if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(text);
        out.push('"');
    } else {
        out.push_str(&serde_json::to_string(text).expect("a str always serializes"));
    }
}

/// Success body of `POST /order`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct PostOrderResponse {
    pub success: bool,
    /// Spelled `errorMsg` by the docs and `error_msg` by some servers.
    #[serde(rename = "errorMsg", alias = "error_msg")]
    pub error_msg: String,
    #[serde(rename = "orderID", alias = "orderId")]
    pub order_id: String,
    /// `live`, `matched`, `delayed` or `unmatched`.
    pub status: String,
    /// Decimal text, `""` when nothing matched.
    #[serde(rename = "makingAmount")]
    pub making_amount: String,
    #[serde(rename = "takingAmount")]
    pub taking_amount: String,
    /// Spelled with a double "s" by the server.
    #[serde(rename = "transactionsHashes")]
    pub transactions_hashes: Vec<String>,
    #[serde(rename = "tradeIDs")]
    pub trade_ids: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_is_escaped_when_needed() {
        let mut out = String::new();
        push_json_string(&mut out, "a\"b\\c\n");
        assert_eq!(out, r#""a\"b\\c\n""#);
    }

    #[test]
    fn parses_both_error_spellings() {
        let a: PostOrderResponse = serde_json::from_str(
            r#"{"success":true,"errorMsg":"","orderID":"0xab","status":"live","makingAmount":"","takingAmount":"","transactionsHashes":[],"tradeIDs":[]}"#,
        )
        .unwrap();
        assert!(a.success);
        assert_eq!(a.order_id, "0xab");
        let b: PostOrderResponse =
            serde_json::from_str(r#"{"success":false,"error_msg":"not enough balance"}"#).unwrap();
        assert_eq!(b.error_msg, "not enough balance");
    }
}
