//! PolyAgent's key vault: the private keys of the user's wallets, encrypted in one file.
//!
//! Design (envelope encryption):
//! - a random 32-byte **data key** encrypts every private key with AES-256-GCM, a fresh random
//!   nonce per encryption and the wallet address as associated data (a ciphertext moved to
//!   another address fails to decrypt);
//! - the data key is stored in the file **wrapped** (AES-256-GCM) by a key derived from the
//!   user's passphrase with Argon2id (parameters read from a file are held to a floor,
//!   [`KdfParams::RELEASE_FLOOR`]: below it a keychain unlock is refused and a passphrase
//!   unlock re-wraps), and, when the app's configuration asks for it, cached in the OS
//!   keychain (macOS Keychain, Windows Credential Manager, Secret Service on Linux) so a start
//!   needs no passphrase;
//! - the whole entry list and a write counter are covered by an HMAC under a subkey of the
//!   data key (format 2), so an entry dropped or restored from an older copy is
//!   [`VaultError::EntriesTampered`] at open; deleting a key rotates the data key, so an older
//!   copy of the file yields nothing through the keychain;
//! - where no keychain answers (headless Linux, a locked or missing keyring) or when the user
//!   opts out ([`VaultConfig::no_keychain`]), the app asks for the passphrase at start
//!   ([`Vault::open_with_passphrase`]); headless setups may take it from
//!   [`PASSPHRASE_ENV_VAR`], read by the caller;
//! - so every vault has a passphrase, and [`Vault::export`] and [`Vault::change_passphrase`]
//!   always require it, whatever the mode.
//!
//! Invariants:
//! - keys and passphrases only travel as [`PrivateKey`] / [`SecretString`] (redacted `Debug`,
//!   zeroized on drop); no error, `Debug` output or log line contains key material or a
//!   passphrase;
//! - the file is only ever replaced atomically (temp file, fsync, rename, fsync folder): after a
//!   crash it holds either the previous or the new vault, never a mix; a leftover temp file is
//!   ignored and removed;
//! - a failed open (wrong passphrase, damaged or modified file, newer format) never writes;
//! - a write never overwrites a change made by another `Vault` instance since this one read
//!   the file ([`VaultError::ChangedElsewhere`]); the app should still share one `Vault`
//!   (e.g. `Arc<Mutex<Vault>>`) rather than open several;
//! - nothing here reads environment variables or the clock;
//! - [`harden_process`] (no core dumps, no same-user ptrace on Linux) is for the app's entry
//!   points to call before any key is read.
//!
//! Keychain calls are blocking (Secret Service may even wait for an unlock prompt) and Argon2id
//! takes a noticeable fraction of a second by design: call the vault from a blocking thread
//! (`tokio::task::spawn_blocking`), not from an async task.

mod crypto;
mod error;
mod file;
mod hardening;
mod keychain;
mod vault;

pub use alloy_primitives::Address;
pub use crypto::{DataKey, KdfParams};
pub use error::{UnlockProblem, VaultError};
pub use hardening::{Hardening, harden_process};
pub use keychain::{
    DEV_KEYCHAIN_SERVICE, Keychain, KeychainError, MemoryKeychain, OsKeychain,
    RELEASE_KEYCHAIN_SERVICE, default_keychain_service,
};
pub use polyagent_domain::secret::{PrivateKey, SecretString};
pub use vault::{PASSPHRASE_ENV_VAR, VAULT_FILE_NAME, Vault, VaultConfig, VaultMode, address_of};
