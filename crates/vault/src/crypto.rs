//! Key derivation and authenticated encryption primitives used by the vault file.

use std::fmt;

use aes_gcm::aead::rand_core::RngCore;
use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use argon2::{Algorithm, Argon2, Params, Version};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::SecretString;

pub(crate) const NONCE_LEN: usize = 12;
pub(crate) const TAG_LEN: usize = 16;
pub(crate) const KEY_LEN: usize = 32;
pub(crate) const SALT_LEN: usize = 16;

/// The 32-byte key that encrypts the private keys (or, derived from a passphrase, the key that
/// wraps it). Redacted `Debug`, zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct DataKey([u8; KEY_LEN]);

impl DataKey {
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(bytes)
    }

    /// Copies 32 bytes straight into the key, leaving no unwiped copy on the stack; `None`
    /// for any other length.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        let mut key = Self([0; KEY_LEN]);
        (bytes.len() == KEY_LEN).then(|| {
            key.0.copy_from_slice(bytes);
            key
        })
    }

    pub(crate) fn random() -> Self {
        let mut bytes = [0u8; KEY_LEN];
        OsRng.fill_bytes(&mut bytes);
        let key = Self(bytes);
        bytes.zeroize();
        key
    }

    /// The raw bytes, for a [`crate::Keychain`] implementation to store.
    pub fn expose_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&self.0))
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey([redacted])")
    }
}

/// Argon2id cost parameters, stored in the vault header so a file always opens with the
/// parameters it was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl KdfParams {
    /// Ceilings a file may ask for: a modified header must not make opening take minutes or
    /// exhaust memory (4 GiB, 64 passes, 64 lanes).
    const MAX_MEMORY_KIB: u32 = 4 * 1024 * 1024;
    const MAX_ITERATIONS: u32 = 64;
    const MAX_PARALLELISM: u32 = 64;

    /// The cheapest parameters Argon2 accepts. Only for tests: they give no brute-force
    /// protection. A file carrying them opens only under a [`crate::VaultConfig`] that itself
    /// asks for them (`with_kdf`); a file can never lower the floor.
    pub const INSECURE_FAST: KdfParams = KdfParams {
        memory_kib: 8,
        iterations: 1,
        parallelism: 1,
    };

    /// The weakest parameters a release vault accepts from a file: OWASP's current minimum
    /// for Argon2id (19 MiB, 2 passes, 1 lane). A header below it is refused at a keychain
    /// unlock and re-wrapped with the configured parameters at a passphrase unlock.
    pub const RELEASE_FLOOR: KdfParams = KdfParams {
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
    };

    /// Whether these parameters cost at least as much as `floor` (memory and passes; more
    /// lanes never make Argon2id cheaper to attack per guess than the same memory with one).
    pub fn is_at_least(&self, floor: &KdfParams) -> bool {
        self.memory_kib >= floor.memory_kib && self.iterations >= floor.iterations
    }

    pub(crate) fn is_within_limits(&self) -> bool {
        self.memory_kib <= Self::MAX_MEMORY_KIB
            && (1..=Self::MAX_ITERATIONS).contains(&self.iterations)
            && (1..=Self::MAX_PARALLELISM).contains(&self.parallelism)
            && self.memory_kib >= 8 * self.parallelism
    }

    /// Derives the passphrase key. Returns `None` only for parameters Argon2 refuses.
    pub(crate) fn derive(&self, passphrase: &SecretString, salt: &[u8]) -> Option<DataKey> {
        let params = Params::new(
            self.memory_kib,
            self.iterations,
            self.parallelism,
            Some(KEY_LEN),
        )
        .ok()?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let mut out = Zeroizing::new([0u8; KEY_LEN]);
        argon
            .hash_password_into(passphrase.expose_str().as_bytes(), salt, out.as_mut())
            .ok()?;
        Some(DataKey::from_bytes(*out))
    }
}

impl Default for KdfParams {
    /// 64 MiB, 3 passes, 1 lane (≈0.2-0.5 s on a laptop in a release build): RFC 9106's
    /// lower-memory option uses the same memory and passes with 4 lanes; one lane costs an
    /// attacker the same per guess and suits a one-off unlock. Well above
    /// [`KdfParams::RELEASE_FLOOR`].
    fn default() -> Self {
        Self {
            memory_kib: 64 * 1024,
            iterations: 3,
            parallelism: 1,
        }
    }
}

/// Fills `out` from the OS random generator. Callers hand in a buffer they wipe (or that
/// holds no secret), so no unzeroized copy is returned by value.
pub(crate) fn fill_random(out: &mut [u8]) {
    OsRng.fill_bytes(out);
}

/// Random bytes that are not secret (ids, salts, nonces).
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

/// The length of the entry-list MAC (HMAC-SHA256).
pub(crate) const MAC_LEN: usize = 32;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// An HMAC-SHA256 over the entry list, keyed by a subkey of the data key: the subkey is
/// HMAC-SHA256(data key, domain label), so the MAC key is never the AES key itself.
fn entry_list_hmac(key: &DataKey, body: &[u8]) -> HmacSha256 {
    use hmac::Mac;
    let mut derive = <HmacSha256 as Mac>::new_from_slice(&key.0).expect("HMAC takes any key");
    derive.update(b"PolyAgent vault entry-list MAC v2");
    let subkey = Zeroizing::new(<[u8; MAC_LEN]>::from(derive.finalize().into_bytes()));
    let mut mac = <HmacSha256 as Mac>::new_from_slice(subkey.as_ref()).expect("HMAC takes any key");
    mac.update(body);
    mac
}

/// The entry-list MAC of `body`.
pub(crate) fn entry_list_mac(key: &DataKey, body: &[u8]) -> [u8; MAC_LEN] {
    use hmac::Mac;
    entry_list_hmac(key, body).finalize().into_bytes().into()
}

/// Whether `found` is the entry-list MAC of `body` (constant-time comparison).
pub(crate) fn entry_list_mac_matches(key: &DataKey, body: &[u8], found: &[u8]) -> bool {
    use hmac::Mac;
    entry_list_hmac(key, body).verify_slice(found).is_ok()
}

/// AES-256-GCM with a fresh random nonce. Returns (nonce, ciphertext || tag).
pub(crate) fn seal(key: &DataKey, plaintext: &[u8], aad: &[u8]) -> ([u8; NONCE_LEN], Vec<u8>) {
    let nonce: [u8; NONCE_LEN] = random_bytes();
    let sealed = key
        .cipher()
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .expect("AES-GCM encryption cannot fail for inputs this small");
    (nonce, sealed)
}

/// Decrypts and authenticates; `None` when the key, nonce, ciphertext or aad do not match.
pub(crate) fn open(
    key: &DataKey,
    nonce: &[u8; NONCE_LEN],
    sealed: &[u8],
    aad: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    key.cipher()
        .decrypt(Nonce::from_slice(nonce), Payload { msg: sealed, aad })
        .ok()
        .map(Zeroizing::new)
}
