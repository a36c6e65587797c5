//! CLOB authentication headers.
//!
//! - L1 (`/auth/api-key`, `/auth/derive-api-key`): an EIP-712 `ClobAuth` signature by the
//!   wallet key, made by [`OrderSigner::l1_headers`].
//! - L2 (every trading/account endpoint): `base64url(HMAC-SHA256(base64url_decode(secret),
//!   timestamp ‖ METHOD ‖ path ‖ body))`, made by [`L2Credentials::headers`].
//!
//! Invariants:
//! - L2 headers can only come from an [`L2Credentials`] value: there is no free function
//!   taking a bare secret, so code holding only an [`OrderSigner`] cannot authenticate
//!   trading requests:
//!
//!   ```compile_fail
//!   # use polyagent_venue::{auth::HttpMethod, signing::OrderSigner};
//!   fn post(signer: &OrderSigner) {
//!       signer.headers(1_767_225_600, HttpMethod::Post, "/order", None); // no such method
//!   }
//!   ```
//! - the API secret and passphrase stay in `SecretString`s; the decoded HMAC key lives only
//!   on the stack of one call and is zeroized; header values that carry the passphrase are
//!   redacted in `Debug`;
//! - the HMAC covers the path without the query string and the exact body bytes sent,
//!   except that — like the Python clients and the official Rust SDK — every `'` in the body
//!   is hashed as `"` (the TypeScript clients hash it raw; JSON bodies we build never
//!   contain `'`, so both agree on them).

use std::borrow::Cow;
use std::fmt;

use alloy_primitives::{Address, B256, U256, b256, keccak256};
use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hmac::{Hmac, Mac};
use polyagent_domain::secret::SecretString;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::Error;
use crate::eip712::{Chain, typed_data_digest};
use crate::signing::OrderSigner;

/// The fixed text every L1 `ClobAuth` message carries.
pub const CLOB_AUTH_MESSAGE: &str = "This message attests that I control the given wallet";

/// `keccak256("ClobAuth(address address,string timestamp,uint256 nonce,string message)")`.
pub const CLOB_AUTH_TYPEHASH: B256 =
    b256!("52578c5c725a28a84fedc8c22aa47947822942f35b4dc350db028e45320e035c");

/// `keccak256("EIP712Domain(string name,string version,uint256 chainId)")`: the auth domain
/// has no verifying contract.
const AUTH_DOMAIN_TYPEHASH: B256 =
    b256!("c2f8787176b8ac6bf7215b4adcc1e069bf4ab82d9ab1df05a57a91d425935b6e");

/// The `ClobAuthDomain` separator for a chain.
pub fn clob_auth_domain_separator(chain: Chain) -> B256 {
    let mut buf = [0u8; 4 * 32];
    buf[..32].copy_from_slice(AUTH_DOMAIN_TYPEHASH.as_slice());
    buf[32..64].copy_from_slice(keccak256("ClobAuthDomain").as_slice());
    buf[64..96].copy_from_slice(keccak256("1").as_slice());
    buf[96..128].copy_from_slice(&U256::from(chain.id()).to_be_bytes::<32>());
    keccak256(buf)
}

/// The EIP-712 digest an L1 header signs.
pub fn clob_auth_digest(chain: Chain, address: Address, timestamp_s: u64, nonce: u64) -> B256 {
    let mut buf = [0u8; 5 * 32];
    buf[..32].copy_from_slice(CLOB_AUTH_TYPEHASH.as_slice());
    buf[44..64].copy_from_slice(address.as_slice());
    // `timestamp` is a `string` field in the struct, so its hash is over the decimal text.
    buf[64..96].copy_from_slice(keccak256(timestamp_s.to_string()).as_slice());
    buf[120..128].copy_from_slice(&nonce.to_be_bytes());
    buf[128..160].copy_from_slice(keccak256(CLOB_AUTH_MESSAGE).as_slice());
    typed_data_digest(&clob_auth_domain_separator(chain), &keccak256(buf))
}

/// L1 headers. None of them is secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L1Headers {
    /// `POLY_ADDRESS`, EIP-55 checksummed.
    pub address: String,
    /// `POLY_SIGNATURE`, 0x + 130 hex.
    pub signature: String,
    /// `POLY_TIMESTAMP`, unix seconds.
    pub timestamp: String,
    /// `POLY_NONCE`.
    pub nonce: String,
}

impl L1Headers {
    pub fn pairs(&self) -> [(&'static str, &str); 4] {
        [
            ("POLY_ADDRESS", &self.address),
            ("POLY_SIGNATURE", &self.signature),
            ("POLY_TIMESTAMP", &self.timestamp),
            ("POLY_NONCE", &self.nonce),
        ]
    }
}

impl OrderSigner {
    /// L1 headers for creating or deriving API credentials.
    pub fn l1_headers(&self, chain: Chain, timestamp_s: u64, nonce: u64) -> L1Headers {
        let address = self.address();
        let signature = self.sign_hash(&clob_auth_digest(chain, address, timestamp_s, nonce));
        L1Headers {
            address: address.to_checksum(None),
            signature: format!("0x{}", hex::encode(signature)),
            timestamp: timestamp_s.to_string(),
            nonce: nonce.to_string(),
        }
    }
}

/// HTTP methods the CLOB authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Post,
    Delete,
    Put,
}

impl HttpMethod {
    pub const fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Put => "PUT",
        }
    }
}

/// Accepts the URL-safe alphabet the CLOB issues, with or without padding.
const SECRET_DECODER: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Longest decoded secret we accept; issued secrets are 32 bytes.
const MAX_SECRET_BYTES: usize = 64;

/// API credentials bound to the address that owns them: the only source of L2 headers.
pub struct L2Credentials {
    address: Address,
    address_text: String,
    api_key: String,
    secret: SecretString,
    passphrase: SecretString,
}

impl fmt::Debug for L2Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("L2Credentials")
            .field("address", &self.address_text)
            .field("api_key", &self.api_key)
            .finish_non_exhaustive()
    }
}

impl L2Credentials {
    /// `address` is the signer EOA the key was issued to (not the funder). The secret is
    /// checked to decode here so that making headers cannot fail later.
    pub fn new(
        address: Address,
        api_key: impl Into<String>,
        secret: SecretString,
        passphrase: SecretString,
    ) -> Result<Self, Error> {
        decode_secret(&secret)?;
        Ok(Self {
            address,
            address_text: address.to_checksum(None),
            api_key: api_key.into(),
            secret,
            passphrase,
        })
    }

    pub fn address(&self) -> Address {
        self.address
    }

    /// The API key (a UUID); it is also the `owner` of posted orders.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// `POLY_SIGNATURE` for one request. `path` must exclude the query string; `body` is
    /// the exact text sent, `None` when there is no body.
    pub fn signature(
        &self,
        timestamp_s: u64,
        method: HttpMethod,
        path: &str,
        body: Option<&str>,
    ) -> String {
        let key = decode_secret(&self.secret).expect("secret was validated in L2Credentials::new");
        let mut mac = Hmac::<Sha256>::new_from_slice(&key.0[..key.1])
            .expect("HMAC-SHA256 accepts keys of any length");
        mac.update(timestamp_s.to_string().as_bytes());
        mac.update(method.as_str().as_bytes());
        mac.update(path.as_bytes());
        if let Some(body) = body {
            let hashed: Cow<'_, str> = if body.contains('\'') {
                Cow::Owned(body.replace('\'', "\""))
            } else {
                Cow::Borrowed(body)
            };
            mac.update(hashed.as_bytes());
        }
        base64::engine::general_purpose::URL_SAFE.encode(mac.finalize().into_bytes())
    }

    /// The user channel's `auth` object, `{"apiKey","secret","passphrase"}`: the one place
    /// the secret leaves this type, so it is returned as a [`SecretString`].
    pub fn user_channel_auth(&self) -> SecretString {
        // Written straight into the one buffer that becomes the SecretString: no
        // intermediate `Value` or temporary copies of the secret.
        let mut text = String::with_capacity(
            48 + self.api_key.len()
                + self.secret.expose_str().len()
                + self.passphrase.expose_str().len(),
        );
        text.push_str("{\"apiKey\":");
        push_json_str(&mut text, &self.api_key);
        text.push_str(",\"secret\":");
        push_json_str(&mut text, self.secret.expose_str());
        text.push_str(",\"passphrase\":");
        push_json_str(&mut text, self.passphrase.expose_str());
        text.push('}');
        SecretString::new(text).expect("the JSON object is never empty")
    }

    /// All five L2 headers for one request.
    pub fn headers(
        &self,
        timestamp_s: u64,
        method: HttpMethod,
        path: &str,
        body: Option<&str>,
    ) -> L2Headers<'_> {
        L2Headers {
            address: &self.address_text,
            signature: self.signature(timestamp_s, method, path, body),
            timestamp: timestamp_s.to_string(),
            api_key: &self.api_key,
            passphrase: &self.passphrase,
        }
    }
}

/// Appends `value` as a JSON string literal, escaping in place.
fn push_json_str(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = std::fmt::Write::write_fmt(out, format_args!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Decodes the secret into a zeroized stack buffer: (bytes, used length).
fn decode_secret(
    secret: &SecretString,
) -> Result<Zeroizing<([u8; MAX_SECRET_BYTES], usize)>, Error> {
    let text = secret.expose_str().trim().as_bytes();
    // Maximum encoded length of 64 bytes is 88 characters; anything longer is not a secret
    // we issue.
    let mut normalized = Zeroizing::new([0u8; 96]);
    if text.len() > normalized.len() {
        return Err(Error::ApiSecret);
    }
    // Old clients issued standard-alphabet secrets; map them onto the URL-safe alphabet.
    for (dst, &src) in normalized.iter_mut().zip(text) {
        *dst = match src {
            b'+' => b'-',
            b'/' => b'_',
            other => other,
        };
    }
    let mut out = Zeroizing::new(([0u8; MAX_SECRET_BYTES], 0usize));
    let used = SECRET_DECODER
        .decode_slice(&normalized[..text.len()], &mut out.0)
        .map_err(|_| Error::ApiSecret)?;
    out.1 = used;
    Ok(out)
}

/// L2 headers of one request. The passphrase is borrowed from the credentials and only
/// readable through [`L2Headers::pairs`].
pub struct L2Headers<'c> {
    address: &'c str,
    signature: String,
    timestamp: String,
    api_key: &'c str,
    passphrase: &'c SecretString,
}

impl L2Headers<'_> {
    /// `POLY_SIGNATURE`.
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// Header name/value pairs, in the order the official clients send them. Exposes the
    /// passphrase: hand the result straight to the HTTP client.
    pub fn pairs(&self) -> [(&'static str, &str); 5] {
        [
            ("POLY_ADDRESS", self.address),
            ("POLY_SIGNATURE", &self.signature),
            ("POLY_TIMESTAMP", &self.timestamp),
            ("POLY_API_KEY", self.api_key),
            ("POLY_PASSPHRASE", self.passphrase.expose_str()),
        ]
    }
}

impl fmt::Debug for L2Headers<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("L2Headers")
            .field("POLY_ADDRESS", &self.address)
            .field("POLY_SIGNATURE", &self.signature)
            .field("POLY_TIMESTAMP", &self.timestamp)
            .field("POLY_API_KEY", &self.api_key)
            .field("POLY_PASSPHRASE", &"[redacted]")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use alloy_primitives::address;

    #[test]
    fn user_channel_auth_is_valid_json() {
        let credentials = L2Credentials::new(
            Address::ZERO,
            "key\"1",
            SecretString::new("CzBVep_E6Q4zWH2ix-wRNluApcrvFDleg6jN8hc8YYY=").unwrap(),
            SecretString::new("pass\\phrase\n").unwrap(),
        )
        .unwrap();
        let auth = credentials.user_channel_auth();
        let value: serde_json::Value = serde_json::from_str(auth.expose_str()).unwrap();
        assert_eq!(value["apiKey"], "key\"1");
        assert_eq!(
            value["secret"],
            "CzBVep_E6Q4zWH2ix-wRNluApcrvFDleg6jN8hc8YYY="
        );
        assert_eq!(value["passphrase"], "pass\\phrase\n");
    }

    fn creds(secret: &str) -> Result<L2Credentials, Error> {
        L2Credentials::new(
            address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
            "3f2c8a51-6b7d-4e09-9a12-5c4b3e2d1f00",
            SecretString::new(secret).unwrap(),
            SecretString::new("test-passphrase-0123456789abcdef").unwrap(),
        )
    }

    #[test]
    fn auth_typehashes() {
        assert_eq!(
            keccak256("ClobAuth(address address,string timestamp,uint256 nonce,string message)"),
            CLOB_AUTH_TYPEHASH
        );
        assert_eq!(
            keccak256("EIP712Domain(string name,string version,uint256 chainId)"),
            AUTH_DOMAIN_TYPEHASH
        );
        assert_eq!(
            clob_auth_domain_separator(Chain::Polygon).to_string(),
            "0xcfc66be2a3b30464cb3b588324101f660c9a205fa76e8e5f83ee16a528e1c4cb"
        );
    }

    #[test]
    fn secret_alphabets_and_padding() {
        let url = creds("CzBVep_E6Q4zWH2ix-wRNluApcrvFDleg6jN8hc8YYY=").unwrap();
        let std = creds("CzBVep/E6Q4zWH2ix+wRNluApcrvFDleg6jN8hc8YYY=").unwrap();
        let bare = creds("CzBVep_E6Q4zWH2ix-wRNluApcrvFDleg6jN8hc8YYY").unwrap();
        let sig =
            |c: &L2Credentials| c.signature(1767225600, HttpMethod::Get, "/data/orders", None);
        assert_eq!(sig(&url), "6qrjb1F6wn60WfxjWMMt1VK6-2tPN5ZFTgIp2UBYFTA=");
        assert_eq!(sig(&std), sig(&url));
        assert_eq!(sig(&bare), sig(&url));
        assert!(matches!(creds("not base64!"), Err(Error::ApiSecret)));
    }

    #[test]
    fn debug_redacts_the_passphrase_and_secret() {
        let c = creds("CzBVep_E6Q4zWH2ix-wRNluApcrvFDleg6jN8hc8YYY=").unwrap();
        let h = c.headers(1, HttpMethod::Get, "/x", None);
        let printed = format!("{c:?} {h:?}");
        assert!(!printed.contains("test-passphrase"));
        assert!(!printed.contains("CzBVep"));
        assert_eq!(h.pairs()[4].1, "test-passphrase-0123456789abcdef");
    }
}
