//! Secret material: private keys, API secrets, passphrases.
//!
//! Every type here:
//! - has a `Debug` that prints `[redacted]` and no `Display`;
//! - implements neither `Serialize` nor `Clone`-by-accident into logs (cloning is explicit and
//!   the clone is zeroized too);
//! - overwrites its memory on drop (`zeroize`).
//!
//! The only way to read the material is an `expose_*` method, so a reviewer can grep for
//! every place a secret is used.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Why a secret could not be parsed. Never contains the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretParseError {
    #[error(
        "a private key is 32 bytes written as 64 hex digits, with or without 0x; got {0} digits"
    )]
    KeyLength(usize),
    #[error("a private key may contain only hex digits 0-9 and a-f")]
    KeyNotHex,
    #[error("a private key of all zeros, or not below the curve order, is not a valid key")]
    KeyOutOfRange,
    #[error("this secret may not be empty")]
    Empty,
}

/// A secp256k1 private key (32 bytes).
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct PrivateKey([u8; 32]);

/// secp256k1 group order n, big-endian. A key must be in 1..n.
const SECP256K1_ORDER: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE,
    0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48, 0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x41,
];

impl PrivateKey {
    /// Parses 64 hex digits, with or without a `0x` prefix and surrounding whitespace.
    pub fn from_hex(text: &str) -> Result<Self, SecretParseError> {
        let trimmed = text.trim();
        let digits = trimmed
            .strip_prefix("0x")
            .or_else(|| trimmed.strip_prefix("0X"))
            .unwrap_or(trimmed);
        if digits.len() != 64 {
            return Err(SecretParseError::KeyLength(digits.len()));
        }
        let mut bytes = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(digits, bytes.as_mut()).map_err(|_| SecretParseError::KeyNotHex)?;
        Self::from_bytes(*bytes)
    }

    /// Takes 32 raw bytes; refuses zero and values not below the curve order.
    pub fn from_bytes(mut bytes: [u8; 32]) -> Result<Self, SecretParseError> {
        let valid = bytes != [0u8; 32] && bytes < SECP256K1_ORDER;
        let key = Self(bytes);
        bytes.zeroize();
        if valid {
            Ok(key)
        } else {
            Err(SecretParseError::KeyOutOfRange)
        }
    }

    /// The raw key bytes. Callers must not copy them into anything that outlives the call.
    pub fn expose_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKey([redacted])")
    }
}

/// A secret held as text: an API secret, an API passphrase, a vault passphrase.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a non-empty secret.
    pub fn new(text: impl Into<String>) -> Result<Self, SecretParseError> {
        let text = text.into();
        if text.is_empty() {
            Err(SecretParseError::Empty)
        } else {
            Ok(Self(text))
        }
    }

    pub fn expose_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANVIL0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    #[test]
    fn parses_with_and_without_prefix() {
        let a = PrivateKey::from_hex(ANVIL0).unwrap();
        let b = PrivateKey::from_hex(&format!("  {}\n", &ANVIL0[2..])).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.expose_bytes()[0], 0xac);
    }

    #[test]
    fn refuses_bad_keys_without_echoing_them() {
        let short = PrivateKey::from_hex("0xabcdef").unwrap_err();
        assert_eq!(short, SecretParseError::KeyLength(6));
        let not_hex = PrivateKey::from_hex(&"zz".repeat(32)).unwrap_err();
        assert!(!not_hex.to_string().contains("zz"));
        assert_eq!(
            PrivateKey::from_hex(&"00".repeat(32)).unwrap_err(),
            SecretParseError::KeyOutOfRange
        );
        assert_eq!(
            PrivateKey::from_hex(&"ff".repeat(32)).unwrap_err(),
            SecretParseError::KeyOutOfRange
        );
    }

    #[test]
    fn debug_never_prints_the_secret() {
        let key = PrivateKey::from_hex(ANVIL0).unwrap();
        let printed = format!("{key:?}");
        assert!(!printed.contains("ac0974"));
        let secret = SecretString::new("hunter2").unwrap();
        assert_eq!(format!("{secret:?}"), "SecretString([redacted])");
        assert!(SecretString::new("").is_err());
    }
}
