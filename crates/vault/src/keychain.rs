//! Where the data key is cached between runs: the OS keychain, or a stand-in for tests.
//!
//! On Linux only the Secret Service (GNOME Keyring, KWallet …) is used. The kernel keyutils
//! store is deliberately not a fallback: it lives only until reboot and, without a session
//! keyring (no PAM login, CI), `set` fails with a misleading `NoEntry`
//! (see TAURI_ON_DEBIAN.md §7). Because the file always also holds the data key wrapped by the
//! passphrase, "no keychain" only means "ask for the passphrase at start".

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use crate::DataKey;

/// The keychain service name of release builds.
pub const RELEASE_KEYCHAIN_SERVICE: &str = "PolyAgent";
/// The keychain service name of debug builds, so development never touches the real entries.
pub const DEV_KEYCHAIN_SERVICE: &str = "PolyAgent (dev)";

/// [`DEV_KEYCHAIN_SERVICE`] in debug builds, [`RELEASE_KEYCHAIN_SERVICE`] in release builds.
pub const fn default_keychain_service() -> &'static str {
    if cfg!(debug_assertions) {
        DEV_KEYCHAIN_SERVICE
    } else {
        RELEASE_KEYCHAIN_SERVICE
    }
}

/// Why the keychain could not be used. Never contains key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeychainError {
    /// No keychain answers (no D-Bus session, no Secret Service provider, locked keyring,
    /// unsupported platform …). The message says which, for the UI to explain.
    #[error("the OS keychain is not available: {0}")]
    Unavailable(String),
    /// The keychain answered but refused or failed the operation.
    #[error("the OS keychain failed: {0}")]
    Failed(String),
}

/// A place to keep one data key per vault (`account` is derived from the vault's id).
pub trait Keychain: Send + Sync + fmt::Debug {
    /// `Ok(None)` when the keychain works but holds no key for `account`.
    fn load(&self, account: &str) -> Result<Option<DataKey>, KeychainError>;
    fn store(&self, account: &str, key: &DataKey) -> Result<(), KeychainError>;
    /// Removing an absent entry is not an error.
    fn remove(&self, account: &str) -> Result<(), KeychainError>;
}

/// The operating system's keychain through the `keyring` crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsKeychain {
    service: String,
}

impl OsKeychain {
    /// A keychain whose entries are filed under `service` (see [`default_keychain_service`]).
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry, KeychainError> {
        #[cfg(target_os = "linux")]
        {
            // Built explicitly rather than through keyring's default store, so a build that
            // lost the platform feature can never silently fall back to the in-memory mock.
            let credential = keyring::secret_service::SsCredential::new_with_target(
                None,
                &self.service,
                account,
            )
            .map_err(map_error)?;
            Ok(keyring::Entry::new_with_credential(Box::new(credential)))
        }
        #[cfg(any(target_os = "macos", target_os = "windows"))]
        {
            keyring::Entry::new(&self.service, account).map_err(map_error)
        }
        #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
        {
            let _ = account;
            Err(KeychainError::Unavailable(
                "no supported keychain on this platform".into(),
            ))
        }
    }
}

impl Keychain for OsKeychain {
    fn load(&self, account: &str) -> Result<Option<DataKey>, KeychainError> {
        match self.entry(account)?.get_secret() {
            Ok(bytes) => {
                let bytes = zeroize::Zeroizing::new(bytes);
                let key = DataKey::from_slice(&bytes).ok_or_else(|| {
                    KeychainError::Failed("the stored vault key has the wrong length".into())
                })?;
                Ok(Some(key))
            }
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(other) => Err(map_error(other)),
        }
    }

    fn store(&self, account: &str, key: &DataKey) -> Result<(), KeychainError> {
        self.entry(account)?
            .set_secret(key.expose_bytes())
            .map_err(map_error)
    }

    fn remove(&self, account: &str) -> Result<(), KeychainError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(other) => Err(map_error(other)),
        }
    }
}

/// Maps keyring errors without ever formatting a variant that may carry secret bytes
/// (`BadEncoding` holds the raw secret).
fn map_error(error: keyring::Error) -> KeychainError {
    match error {
        keyring::Error::PlatformFailure(e) => KeychainError::Unavailable(e.to_string()),
        keyring::Error::NoStorageAccess(e) => KeychainError::Unavailable(e.to_string()),
        keyring::Error::NoEntry => KeychainError::Failed("no such entry".into()),
        keyring::Error::BadEncoding(_) => {
            KeychainError::Failed("the stored vault key is not in the expected format".into())
        }
        keyring::Error::TooLong(attribute, limit) => {
            KeychainError::Failed(format!("{attribute} is longer than {limit}"))
        }
        keyring::Error::Invalid(attribute, reason) => {
            KeychainError::Failed(format!("invalid {attribute}: {reason}"))
        }
        keyring::Error::Ambiguous(_) => {
            KeychainError::Failed("several keychain entries match this vault".into())
        }
        _ => KeychainError::Failed("unexpected keychain error".into()),
    }
}

/// An in-process keychain: for tests, and for embedding apps that manage keys themselves.
/// Its content is lost when it is dropped.
#[derive(Default)]
pub struct MemoryKeychain {
    keys: Mutex<HashMap<String, DataKey>>,
}

impl MemoryKeychain {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many keys it holds.
    pub fn len(&self) -> usize {
        self.keys.lock().map(|k| k.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Debug for MemoryKeychain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryKeychain")
            .field("keys", &self.len())
            .finish()
    }
}

impl Keychain for MemoryKeychain {
    fn load(&self, account: &str) -> Result<Option<DataKey>, KeychainError> {
        let keys = self
            .keys
            .lock()
            .map_err(|_| KeychainError::Failed("poisoned".into()))?;
        Ok(keys.get(account).cloned())
    }

    fn store(&self, account: &str, key: &DataKey) -> Result<(), KeychainError> {
        let mut keys = self
            .keys
            .lock()
            .map_err(|_| KeychainError::Failed("poisoned".into()))?;
        keys.insert(account.to_owned(), key.clone());
        Ok(())
    }

    fn remove(&self, account: &str) -> Result<(), KeychainError> {
        let mut keys = self
            .keys
            .lock()
            .map_err(|_| KeychainError::Failed("poisoned".into()))?;
        keys.remove(account);
        Ok(())
    }
}
