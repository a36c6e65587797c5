//! What the simulator checks before it lets a request trade, as Polymarket does:
//! L1 (ClobAuth EIP-712 signatures) for key creation, L2 (HMAC over the raw body) for every
//! private call, and the order's own EIP-712 signature, signer and funder.

use std::collections::HashMap;

use alloy_primitives::{Address, B256, Signature, U256, keccak256};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use polyagent_domain::trading::{Side, SignatureType};
use polyagent_venue::auth::clob_auth_digest;
use polyagent_venue::eip712::{
    Chain, Exchange as ExchangeContract, ExchangeDomain, ORDER_TYPE_STRING, OrderV2,
};
use polyagent_venue::signing::{proxy_wallet_address, safe_wallet_address};
use sha2::Sha256;

/// API credentials the simulator issued.
#[derive(Clone)]
pub struct IssuedKey {
    pub api_key: String,
    /// The address the key belongs to (the signer EOA, or a deposit wallet).
    pub address: Address,
    pub secret: String,
    pub passphrase: String,
}

impl std::fmt::Debug for IssuedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedKey")
            .field("api_key", &self.api_key)
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

/// Keys by API key, derived deterministically from (address, nonce) so that `derive` returns
/// what `create` gave, across restarts of the same scenario.
#[derive(Debug, Default)]
pub struct KeyRegistry {
    seed: [u8; 32],
    by_key: HashMap<String, IssuedKey>,
}

/// Why a request is refused; `Display` is Polymarket's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("Unauthorized/Invalid api key")]
    InvalidApiKey,
    #[error("Invalid L1 Request headers")]
    InvalidL1,
}

impl KeyRegistry {
    pub fn new(seed: [u8; 32]) -> Self {
        Self {
            seed,
            by_key: HashMap::new(),
        }
    }

    /// The key for (address, nonce), issuing it on first use.
    pub fn issue(&mut self, address: Address, nonce: u64) -> IssuedKey {
        let material = |label: &str| {
            let mut input = Vec::with_capacity(96);
            input.extend_from_slice(&self.seed);
            input.extend_from_slice(label.as_bytes());
            input.extend_from_slice(address.as_slice());
            input.extend_from_slice(&nonce.to_be_bytes());
            keccak256(input)
        };
        let id = material("api-key");
        let b = id.as_slice();
        let api_key = format!(
            "{}-{}-{}-{}-{}",
            hex::encode(&b[0..4]),
            hex::encode(&b[4..6]),
            hex::encode(&b[6..8]),
            hex::encode(&b[8..10]),
            hex::encode(&b[10..16])
        );
        let issued = IssuedKey {
            api_key: api_key.clone(),
            address,
            secret: base64::engine::general_purpose::URL_SAFE.encode(material("secret")),
            passphrase: hex::encode(material("passphrase")),
        };
        self.by_key.insert(api_key, issued.clone());
        issued
    }

    /// (secret, passphrase) of every key issued.
    pub fn issued_secrets(&self) -> Vec<(String, String)> {
        self.by_key
            .values()
            .map(|k| (k.secret.clone(), k.passphrase.clone()))
            .collect()
    }

    pub fn get(&self, api_key: &str) -> Option<&IssuedKey> {
        self.by_key.get(api_key)
    }

    /// Registers credentials issued elsewhere (tests replaying recorded requests).
    pub fn insert(&mut self, key: IssuedKey) {
        self.by_key.insert(key.api_key.clone(), key);
    }

    pub fn revoke(&mut self, api_key: &str) -> bool {
        self.by_key.remove(api_key).is_some()
    }

    pub fn keys_of(&self, address: Address) -> Vec<String> {
        let mut keys: Vec<String> = self
            .by_key
            .values()
            .filter(|k| k.address == address)
            .map(|k| k.api_key.clone())
            .collect();
        keys.sort();
        keys
    }
}

/// Checks L1 headers (lower-case names → values): the ClobAuth signature must recover to
/// POLY_ADDRESS. Returns (address, nonce).
pub fn verify_l1(
    headers: &HashMap<String, String>,
    chain: Chain,
) -> Result<(Address, u64), AuthError> {
    let get = |name: &str| {
        headers
            .get(name)
            .map(String::as_str)
            .ok_or(AuthError::InvalidL1)
    };
    let address: Address = get("poly_address")?
        .parse()
        .map_err(|_| AuthError::InvalidL1)?;
    let timestamp: u64 = get("poly_timestamp")?
        .parse()
        .map_err(|_| AuthError::InvalidL1)?;
    let nonce: u64 = headers
        .get("poly_nonce")
        .map_or(Ok(0), |n| n.parse())
        .map_err(|_| AuthError::InvalidL1)?;
    let digest = clob_auth_digest(chain, address, timestamp, nonce);
    let recovered = recover(get("poly_signature")?, &digest).ok_or(AuthError::InvalidL1)?;
    if recovered == address {
        Ok((address, nonce))
    } else {
        Err(AuthError::InvalidL1)
    }
}

/// Checks L2 headers against an issued key: passphrase, address and the HMAC over
/// `timestamp + METHOD + path + body` (the raw bytes received; clients that replace `'` with
/// `"` before hashing are accepted too, as Polymarket accepts the Python clients).
pub fn verify_l2<'r>(
    registry: &'r KeyRegistry,
    headers: &HashMap<String, String>,
    method: &str,
    path: &str,
    body: &[u8],
) -> Result<&'r IssuedKey, AuthError> {
    let get = |name: &str| {
        headers
            .get(name)
            .map(String::as_str)
            .ok_or(AuthError::InvalidApiKey)
    };
    let key = registry
        .get(get("poly_api_key")?)
        .ok_or(AuthError::InvalidApiKey)?;
    if get("poly_passphrase")? != key.passphrase {
        return Err(AuthError::InvalidApiKey);
    }
    let claimed: Address = get("poly_address")?
        .parse()
        .map_err(|_| AuthError::InvalidApiKey)?;
    if claimed != key.address {
        return Err(AuthError::InvalidApiKey);
    }
    let timestamp = get("poly_timestamp")?;
    let signature = get("poly_signature")?;
    let secret = decode_secret(&key.secret).ok_or(AuthError::InvalidApiKey)?;
    let expected = |body: &[u8]| {
        let mut mac = Hmac::<Sha256>::new_from_slice(&secret).expect("any key length");
        mac.update(timestamp.as_bytes());
        mac.update(method.as_bytes());
        mac.update(path.as_bytes());
        mac.update(body);
        base64::engine::general_purpose::URL_SAFE.encode(mac.finalize().into_bytes())
    };
    let quirk;
    let candidates: &[&[u8]] = if body.contains(&b'\'') {
        quirk = String::from_utf8_lossy(body).replace('\'', "\"");
        &[body, quirk.as_bytes()]
    } else {
        &[body]
    };
    if candidates
        .iter()
        .any(|b| constant_time_eq(expected(b).as_bytes(), signature.as_bytes()))
    {
        Ok(key)
    } else {
        Err(AuthError::InvalidApiKey)
    }
}

fn decode_secret(secret: &str) -> Option<Vec<u8>> {
    let normalized: String = secret
        .trim()
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            other => other,
        })
        .collect();
    base64::engine::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    )
    .decode(normalized)
    .ok()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Recovers the signer of a 65-byte r‖s‖v signature (v 27/28 or 0/1) over a prehash.
pub fn recover(signature_hex: &str, digest: &B256) -> Option<Address> {
    let bytes = hex::decode(signature_hex.strip_prefix("0x").unwrap_or(signature_hex)).ok()?;
    recover_bytes(&bytes, digest)
}

fn recover_bytes(bytes: &[u8], digest: &B256) -> Option<Address> {
    if bytes.len() != 65 {
        return None;
    }
    let signature = Signature::from_raw(bytes).ok()?;
    signature.recover_address_from_prehash(digest).ok()
}

/// The wire shape of a posted order (V2/V3). Parsed strictly: unknown fields are refused.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OrderWire {
    salt: u64,
    maker: String,
    signer: String,
    token_id: String,
    maker_amount: String,
    taker_amount: String,
    side: String,
    expiration: String,
    signature_type: u64,
    timestamp: String,
    metadata: String,
    builder: String,
    signature: String,
}

/// A posted order after parsing: the signed struct plus what travels beside it.
#[derive(Debug, Clone)]
pub struct ParsedOrder {
    pub posted: PostedOrder,
    pub token_id: String,
    /// Unix seconds, 0 = none. Not part of the V2 signature.
    pub expiration: u64,
}

/// Parses the `order` object of a POST /order body. Errors are Polymarket's texts; a V1-shaped
/// order (with `taker`, `nonce` or `feeRateBps`) gets the version-mismatch error clients key on.
pub fn parse_order(value: &serde_json::Value) -> Result<ParsedOrder, String> {
    if value.get("nonce").is_some()
        || value.get("feeRateBps").is_some()
        || value.get("taker").is_some()
    {
        return Err("order_version_mismatch: this exchange accepts V2 orders only".to_owned());
    }
    let wire: OrderWire =
        serde_json::from_value(value.clone()).map_err(|e| format!("Invalid order payload: {e}"))?;
    let address = |text: &str| {
        text.parse::<Address>()
            .map_err(|_| format!("Invalid order payload: '{text}' is not an address"))
    };
    let amount = |text: &str| {
        text.parse::<u128>()
            .map_err(|_| format!("Invalid order payload: '{text}' is not an amount"))
    };
    let bytes32 = |text: &str| {
        text.parse::<B256>()
            .map_err(|_| format!("Invalid order payload: '{text}' is not bytes32"))
    };
    let order = OrderV2 {
        salt: wire.salt,
        maker: address(&wire.maker)?,
        signer: address(&wire.signer)?,
        token_id: wire
            .token_id
            .parse::<U256>()
            .map_err(|_| "Invalid token id".to_owned())?,
        maker_amount: amount(&wire.maker_amount)?,
        taker_amount: amount(&wire.taker_amount)?,
        side: parse_side(&wire.side)
            .ok_or_else(|| format!("Invalid order payload: side '{}'", wire.side))?,
        signature_type: SignatureType::from_code(wire.signature_type)
            .map_err(|e| format!("Invalid order payload: {e}"))?,
        timestamp_ms: wire
            .timestamp
            .parse()
            .map_err(|_| "Invalid order payload: timestamp".to_owned())?,
        metadata: bytes32(&wire.metadata)?,
        builder: bytes32(&wire.builder)?,
    };
    let expiration = wire
        .expiration
        .parse()
        .map_err(|_| "Invalid order payload: expiration".to_owned())?;
    Ok(ParsedOrder {
        posted: PostedOrder {
            order,
            signature: wire.signature,
        },
        token_id: wire.token_id,
        expiration,
    })
}

/// The signed part of a posted order, parsed from its JSON.
#[derive(Debug, Clone)]
pub struct PostedOrder {
    pub order: OrderV2,
    pub signature: String,
}

/// Why an order's signature is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderAuthError {
    #[error("invalid signature")]
    BadSignature,
    #[error("the order signer address has to be the address of the API KEY")]
    SignerNotKeyOwner,
    #[error("invalid signature type: the maker {0} is not the {1} wallet of the signer")]
    WrongFunder(String, &'static str),
    #[error(
        "invalid signature type: POLY_1271 orders must have signer = maker = the deposit wallet"
    )]
    DepositWalletMismatch,
}

/// Verifies an order's signature for its exchange domain and the funder rules of its
/// signature type; returns the order hash (the order id).
pub fn verify_order(
    posted: &PostedOrder,
    domain: &ExchangeDomain,
    key_owner: Address,
    chain: Chain,
    deposit_wallet_owner: impl Fn(Address) -> Option<Address>,
) -> Result<B256, OrderAuthError> {
    let order = &posted.order;
    let struct_hash = order.struct_hash();
    let digest = domain.digest(&struct_hash);
    if order.signer != key_owner {
        return Err(OrderAuthError::SignerNotKeyOwner);
    }
    let bytes = hex::decode(
        posted
            .signature
            .strip_prefix("0x")
            .unwrap_or(&posted.signature),
    )
    .map_err(|_| OrderAuthError::BadSignature)?;
    match order.signature_type {
        SignatureType::Eoa | SignatureType::PolyProxy | SignatureType::PolyGnosisSafe => {
            if recover_bytes(&bytes, &digest) != Some(order.signer) {
                return Err(OrderAuthError::BadSignature);
            }
            let expected_maker = match order.signature_type {
                SignatureType::Eoa => Some(order.signer),
                // Amoy has no proxy factory; the official clients derive the Polygon address.
                SignatureType::PolyProxy => proxy_wallet_address(order.signer, chain)
                    .or_else(|| proxy_wallet_address(order.signer, Chain::Polygon)),
                _ => Some(safe_wallet_address(order.signer)),
            };
            if expected_maker != Some(order.maker) {
                let kind = match order.signature_type {
                    SignatureType::Eoa => "EOA",
                    SignatureType::PolyProxy => "proxy",
                    _ => "Safe",
                };
                return Err(OrderAuthError::WrongFunder(
                    format!("{:#x}", order.maker),
                    kind,
                ));
            }
        }
        SignatureType::Poly1271 => {
            if order.maker != order.signer {
                return Err(OrderAuthError::DepositWalletMismatch);
            }
            let owner = deposit_wallet_owner(order.maker).ok_or(OrderAuthError::BadSignature)?;
            verify_erc7739(&bytes, domain, &struct_hash, order, owner)?;
        }
    }
    Ok(digest)
}

/// Unwraps an ERC-7739 TypedDataSign blob and checks its inner signature is the wallet owner's.
fn verify_erc7739(
    blob: &[u8],
    domain: &ExchangeDomain,
    struct_hash: &B256,
    order: &OrderV2,
    owner: Address,
) -> Result<(), OrderAuthError> {
    let type_len = ORDER_TYPE_STRING.len();
    if blob.len() != 65 + 32 + 32 + type_len + 2 {
        return Err(OrderAuthError::BadSignature);
    }
    let (inner, rest) = blob.split_at(65);
    let (app_separator, rest) = rest.split_at(32);
    let (contents, rest) = rest.split_at(32);
    let (type_string, len) = rest.split_at(type_len);
    let declared_len = usize::from(u16::from_be_bytes([len[0], len[1]]));
    if app_separator != domain.separator.as_slice()
        || contents != struct_hash.as_slice()
        || type_string != ORDER_TYPE_STRING.as_bytes()
        || declared_len != type_len
    {
        return Err(OrderAuthError::BadSignature);
    }
    let typehash = keccak256(format!(
        "TypedDataSign(Order contents,string name,string version,uint256 chainId,address verifyingContract,bytes32 salt){ORDER_TYPE_STRING}"
    ));
    let mut encoded = Vec::with_capacity(7 * 32);
    encoded.extend_from_slice(typehash.as_slice());
    encoded.extend_from_slice(struct_hash.as_slice());
    encoded.extend_from_slice(keccak256("DepositWallet").as_slice());
    encoded.extend_from_slice(keccak256("1").as_slice());
    encoded.extend_from_slice(&U256::from(domain.chain.id()).to_be_bytes::<32>());
    let mut wallet = [0u8; 32];
    wallet[12..].copy_from_slice(order.signer.as_slice());
    encoded.extend_from_slice(&wallet);
    encoded.extend_from_slice(&[0u8; 32]);
    let typed_data_sign_hash = keccak256(encoded);
    let digest =
        polyagent_venue::eip712::typed_data_digest(&domain.separator, &typed_data_sign_hash);
    if recover_bytes(inner, &digest) == Some(owner) {
        Ok(())
    } else {
        Err(OrderAuthError::BadSignature)
    }
}

/// The exchange domain for a market: Gamma version "v2" markets use Exchange V3 (domain "3").
pub fn domain_for(chain: Chain, version: &str, neg_risk: bool) -> &'static ExchangeDomain {
    let contract = if version == "v2" {
        ExchangeContract::V3
    } else if neg_risk {
        ExchangeContract::NegRiskCtfV2
    } else {
        ExchangeContract::CtfV2
    };
    ExchangeDomain::get(chain, contract)
}

/// Side as the order JSON spells it.
pub fn parse_side(text: &str) -> Option<Side> {
    text.parse().ok()
}
