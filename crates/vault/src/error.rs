//! The vault's errors. None of them carries key material or a passphrase: addresses and paths
//! only.

use std::path::PathBuf;

use alloy_primitives::Address;

use crate::KeychainError;

/// Why [`crate::Vault::open`] could not unlock without the passphrase. Shown to the user to
/// explain why the passphrase is asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnlockProblem {
    #[error("the keychain is turned off for this vault")]
    KeychainSkipped,
    #[error("{0}")]
    KeychainUnavailable(KeychainError),
    #[error("the keychain holds no key for this vault")]
    NotInKeychain,
    #[error("the key in the keychain does not belong to this vault file")]
    KeychainKeyMismatch,
    /// The file's Argon2id parameters are below the floor: the passphrase unlock re-wraps the
    /// data key with stronger ones.
    #[error("the vault file's passphrase protection is weaker than this app accepts")]
    WeakKdf,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    #[error("there is no vault at {0}")]
    NoVault(PathBuf),
    #[error("a vault already exists at {0}")]
    AlreadyExists(PathBuf),
    #[error("{0} is not a PolyAgent vault file; it was not changed")]
    NotAVault(PathBuf),
    #[error(
        "the vault {path} was written by a newer PolyAgent (format {found}); this app \
         understands up to {supported} — upgrade PolyAgent. The file was not changed"
    )]
    NewerFormat {
        path: PathBuf,
        found: u16,
        supported: u16,
    },
    #[error(
        "the vault file {0} is damaged or was modified (integrity check failed); it was not \
         changed. Restore it from a backup"
    )]
    Damaged(PathBuf),
    #[error(
        "the list of keys in the vault file {0} was changed outside PolyAgent (a key removed, \
         or restored from an older copy); it was not changed. Restore it from a backup"
    )]
    EntriesTampered(PathBuf),
    #[error("wrong passphrase; the vault was not changed")]
    WrongPassphrase,
    #[error("the vault needs its passphrase: {0}")]
    PassphraseRequired(UnlockProblem),
    #[error("the vault holds no key for {0}")]
    KeyNotFound(Address),
    #[error("the vault already holds the key for {0}")]
    KeyAlreadyExists(Address),
    #[error("the stored key for {0} is not a valid secp256k1 key")]
    InvalidStoredKey(Address),
    #[error(
        "the vault {0} was changed by another PolyAgent window or process; nothing was \
         written. Reopen the vault and try again"
    )]
    ChangedElsewhere(PathBuf),
    #[error("Argon2id parameters out of range: {0:?}")]
    InvalidKdfParams(crate::KdfParams),
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
