//! The vault: opening, unlocking and changing the key file. See the crate docs for the design.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use alloy_primitives::Address;
use alloy_signer_local::PrivateKeySigner;
use polyagent_domain::secret::{PrivateKey, SecretString};

use crate::crypto::{self, DataKey, KdfParams};
use crate::file::{self, DecodeError, FORMAT_VERSION, SealedEntry, VaultFile};
use crate::{Keychain, OsKeychain, UnlockProblem, VaultError, default_keychain_service};

/// The environment variable a headless deployment may set to the vault passphrase. The vault
/// never reads it: the app's entry point does, and passes the value to
/// [`Vault::open_with_passphrase`].
pub const PASSPHRASE_ENV_VAR: &str = "POLYAGENT_VAULT_PASSPHRASE";

/// The vault's file name inside the folder the caller gives.
pub const VAULT_FILE_NAME: &str = "keys.vault";

/// Where the data key of the open vault came from, for the UI to explain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VaultMode {
    /// The data key is in the OS keychain: the next start needs no passphrase.
    Keychain,
    /// No usable keychain: the passphrase is needed at every start. The problem says why.
    Passphrase(UnlockProblem),
}

/// Where the vault lives and how it keeps its data key.
#[derive(Debug, Clone)]
pub struct VaultConfig {
    folder: PathBuf,
    keychain: Option<Arc<dyn Keychain>>,
    kdf: KdfParams,
    /// The weakest Argon2id parameters accepted from a file; only code lowers it (see
    /// [`VaultConfig::with_kdf`]), never a file.
    kdf_floor: KdfParams,
}

impl VaultConfig {
    /// A vault in `folder` using the OS keychain under [`default_keychain_service`] and the
    /// default Argon2id parameters.
    pub fn new(folder: impl Into<PathBuf>) -> Self {
        Self {
            folder: folder.into(),
            keychain: Some(Arc::new(OsKeychain::new(default_keychain_service()))),
            kdf: KdfParams::default(),
            kdf_floor: KdfParams::RELEASE_FLOOR,
        }
    }

    /// Never use a keychain: the passphrase is asked at every start.
    pub fn no_keychain(mut self) -> Self {
        self.keychain = None;
        self
    }

    /// Use this keychain (e.g. an [`OsKeychain`] with another service name, or a test double).
    pub fn with_keychain(mut self, keychain: Arc<dyn Keychain>) -> Self {
        self.keychain = Some(keychain);
        self
    }

    /// Argon2id parameters for new vaults, passphrase changes and key rotations. Parameters
    /// below [`KdfParams::RELEASE_FLOOR`] (tests: [`KdfParams::INSECURE_FAST`]) also lower
    /// the floor to themselves: the choice is made in code, so a file still cannot lower it.
    pub fn with_kdf(mut self, kdf: KdfParams) -> Self {
        self.kdf = kdf;
        if !kdf.is_at_least(&KdfParams::RELEASE_FLOOR) {
            self.kdf_floor = kdf;
        }
        self
    }

    /// Whether a keychain is configured (false after [`VaultConfig::no_keychain`]).
    pub fn uses_keychain(&self) -> bool {
        self.keychain.is_some()
    }

    /// The keychain this configuration uses, if any (the app switches it on and off).
    pub fn keychain(&self) -> Option<Arc<dyn Keychain>> {
        self.keychain.clone()
    }

    /// The vault file's path.
    pub fn path(&self) -> PathBuf {
        self.folder.join(VAULT_FILE_NAME)
    }
}

/// An unlocked vault. Keys stay encrypted in memory and are decrypted one at a time on request.
pub struct Vault {
    path: PathBuf,
    keychain: Option<Arc<dyn Keychain>>,
    kdf: KdfParams,
    mode: VaultMode,
    file: VaultFile,
    data_key: DataKey,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("path", &self.path)
            .field("mode", &self.mode)
            .field("keys", &self.file.entries.len())
            .finish_non_exhaustive()
    }
}

/// The address (20 bytes, EIP-55 when displayed) that a private key controls.
pub fn address_of(key: &PrivateKey) -> Address {
    // from_slice reads the bytes in place: no unzeroized copy of the key is made here.
    PrivateKeySigner::from_slice(key.expose_bytes())
        .expect("PrivateKey only holds keys in 1..n, which k256 accepts")
        .address()
}

impl Vault {
    /// Whether a vault file exists in the configured folder.
    pub fn exists(config: &VaultConfig) -> bool {
        config.path().exists()
    }

    /// Creates an empty vault protected by `passphrase` (creating the folder if needed) and,
    /// when a keychain is configured and answers, caches its data key there. Refuses to
    /// overwrite an existing vault.
    pub fn create(config: &VaultConfig, passphrase: &SecretString) -> Result<Self, VaultError> {
        let path = config.path();
        if path.exists() {
            return Err(VaultError::AlreadyExists(path));
        }
        fs::create_dir_all(&config.folder).map_err(io_error("create", &config.folder))?;
        file::remove_leftover_temp(&path).map_err(io_error("clean up", &path))?;
        let data_key = DataKey::random();
        let mut vault_file = seal_header(
            random_id(),
            config.kdf,
            passphrase,
            &data_key,
            BTreeMap::new(),
        )?;
        finish(&mut vault_file, &data_key, 1);
        file::write_atomically(&path, &vault_file.encode()).map_err(io_error("write", &path))?;
        let mut vault = Self {
            path,
            keychain: config.keychain.clone(),
            kdf: config.kdf,
            mode: VaultMode::Passphrase(UnlockProblem::KeychainSkipped),
            file: vault_file,
            data_key,
        };
        vault.mode = vault.cache_in_keychain();
        Ok(vault)
    }

    /// Opens the vault with the data key cached in the keychain. Without a usable key there,
    /// fails with [`VaultError::PassphraseRequired`] saying why; then ask the user and call
    /// [`Vault::open_with_passphrase`].
    pub fn open(config: &VaultConfig) -> Result<Self, VaultError> {
        let (path, vault_file) = read(config)?;
        let Some(keychain) = config.keychain.clone() else {
            return Err(VaultError::PassphraseRequired(
                UnlockProblem::KeychainSkipped,
            ));
        };
        if !vault_file.kdf.is_at_least(&config.kdf_floor) {
            // Only the passphrase can re-wrap the data key with stronger parameters.
            return Err(VaultError::PassphraseRequired(UnlockProblem::WeakKdf));
        }
        let data_key = match keychain.load(&account(&vault_file)) {
            Ok(Some(key)) => key,
            Ok(None) => return Err(VaultError::PassphraseRequired(UnlockProblem::NotInKeychain)),
            Err(e) => {
                return Err(VaultError::PassphraseRequired(
                    UnlockProblem::KeychainUnavailable(e),
                ));
            }
        };
        if !key_matches(&vault_file, &data_key) {
            // A stale key, e.g. from before a passphrase change whose keychain update failed.
            return Err(VaultError::PassphraseRequired(
                UnlockProblem::KeychainKeyMismatch,
            ));
        }
        verify_entry_list(&path, &vault_file, &data_key)?;
        verify_entries(&path, &vault_file, &data_key)?;
        Ok(Self {
            path,
            keychain: Some(keychain),
            kdf: config.kdf,
            mode: VaultMode::Keychain,
            file: vault_file,
            data_key,
        })
    }

    /// Opens the vault with its passphrase, and (re)caches the data key in the keychain when one
    /// is configured and answers. A wrong passphrase is [`VaultError::WrongPassphrase`].
    pub fn open_with_passphrase(
        config: &VaultConfig,
        passphrase: &SecretString,
    ) -> Result<Self, VaultError> {
        let (path, vault_file) = read(config)?;
        let data_key = unwrap_data_key(&vault_file, passphrase)?;
        if !key_matches(&vault_file, &data_key) {
            return Err(VaultError::Damaged(path));
        }
        verify_entry_list(&path, &vault_file, &data_key)?;
        verify_entries(&path, &vault_file, &data_key)?;
        let weak = !vault_file.kdf.is_at_least(&config.kdf_floor);
        let mut vault = Self {
            path,
            keychain: config.keychain.clone(),
            kdf: config.kdf,
            mode: VaultMode::Passphrase(UnlockProblem::KeychainSkipped),
            file: vault_file,
            data_key,
        };
        if weak {
            // Re-wrap the same data key under the configured (stronger) parameters: the
            // keychain entry and every entry stay valid.
            let next = seal_header(
                vault.file.vault_id,
                vault.kdf,
                passphrase,
                &vault.data_key,
                vault.file.entries.clone(),
            )?;
            vault.save(next)?;
        }
        vault.mode = vault.cache_in_keychain();
        Ok(vault)
    }

    /// The file's write counter (format 2): it grows with every write, so a caller that
    /// remembers it elsewhere can notice a whole file restored from an older copy.
    pub fn generation(&self) -> u64 {
        self.file.generation
    }

    /// The Argon2id parameters the file's passphrase wrap uses.
    pub fn kdf(&self) -> KdfParams {
        self.file.kdf
    }

    pub fn mode(&self) -> &VaultMode {
        &self.mode
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The addresses whose keys the vault holds, in byte order.
    pub fn addresses(&self) -> Vec<Address> {
        self.file.entries.keys().copied().collect()
    }

    pub fn contains(&self, address: Address) -> bool {
        self.file.entries.contains_key(&address)
    }

    /// Adds an existing key (parse user input with [`PrivateKey::from_hex`]) and returns its
    /// address. [`VaultError::KeyAlreadyExists`] if the vault already holds it.
    pub fn import_key(&mut self, key: &PrivateKey) -> Result<Address, VaultError> {
        let address = address_of(key);
        if self.contains(address) {
            return Err(VaultError::KeyAlreadyExists(address));
        }
        let entry = seal_entry(&self.data_key, address, key);
        let mut next = self.file.clone();
        next.entries.insert(address, entry);
        self.save(next)?;
        Ok(address)
    }

    /// Creates a new wallet from the OS random generator and returns its address.
    pub fn generate_key(&mut self) -> Result<Address, VaultError> {
        let key = loop {
            let mut bytes = zeroize::Zeroizing::new([0u8; crypto::KEY_LEN]);
            crypto::fill_random(bytes.as_mut());
            // Fails only for 0 or values ≥ the curve order: probability < 2^-127 per draw.
            // from_bytes wipes its copy; `bytes` is wiped on drop.
            if let Ok(key) = PrivateKey::from_bytes(*bytes) {
                break key;
            }
        };
        self.import_key(&key)
    }

    /// Removes a key for good, after checking the passphrase. The data key is rotated: every
    /// remaining key is re-sealed under a fresh data key (and the keychain updated), so an
    /// older copy of the file opens with neither the new data key nor anything the app still
    /// holds; only the old passphrase opens such a copy, which is why the passphrase is asked.
    pub fn delete_key(
        &mut self,
        address: Address,
        passphrase: &SecretString,
    ) -> Result<(), VaultError> {
        if !self.contains(address) {
            return Err(VaultError::KeyNotFound(address));
        }
        self.verify_passphrase(passphrase)?;
        self.rotate(passphrase, Some(address))
    }

    /// The key of `address` for the engine to sign with.
    pub fn signing_key(&self, address: Address) -> Result<PrivateKey, VaultError> {
        let entry = self
            .file
            .entries
            .get(&address)
            .ok_or(VaultError::KeyNotFound(address))?;
        open_entry(&self.path, &self.data_key, address, entry)
    }

    /// The key of `address` for the user to back up, only after re-entering the passphrase
    /// (whatever the mode: a keychain-unlocked vault still demands it here).
    pub fn export(
        &self,
        address: Address,
        passphrase: &SecretString,
    ) -> Result<PrivateKey, VaultError> {
        self.verify_passphrase(passphrase)?;
        self.signing_key(address)
    }

    /// Replaces the passphrase. A new data key is drawn and every key re-encrypted, so a copy
    /// of the old file cannot be opened with the new passphrase nor with the old data key;
    /// the file is replaced atomically, then the keychain is updated.
    pub fn change_passphrase(
        &mut self,
        current: &SecretString,
        new: &SecretString,
    ) -> Result<(), VaultError> {
        self.verify_passphrase(current)?;
        self.rotate(new, None)
    }

    /// Draws a new data key, re-seals every entry but `without` under it, wraps it under
    /// `passphrase` with the configured parameters, replaces the file, then updates the
    /// keychain (when one is in use).
    fn rotate(
        &mut self,
        passphrase: &SecretString,
        without: Option<Address>,
    ) -> Result<(), VaultError> {
        let new_key = DataKey::random();
        let mut entries = BTreeMap::new();
        for (&address, entry) in &self.file.entries {
            if Some(address) == without {
                continue;
            }
            let key = open_entry(&self.path, &self.data_key, address, entry)?;
            entries.insert(address, seal_entry(&new_key, address, &key));
        }
        let mut next = seal_header(self.file.vault_id, self.kdf, passphrase, &new_key, entries)?;
        finish(&mut next, &new_key, self.file.generation.saturating_add(1));
        self.replace_file(&next)?;
        self.file = next;
        self.data_key = new_key;
        if self.keychain.is_some() {
            self.mode = self.cache_in_keychain();
        }
        Ok(())
    }

    /// Removes this vault's data key from the keychain (e.g. the user turned the keychain off);
    /// from now on the passphrase is needed at start.
    pub fn forget_keychain_key(&mut self) -> Result<(), VaultError> {
        if let Some(keychain) = self.keychain.take() {
            keychain.remove(&account(&self.file)).map_err(|e| {
                self.keychain = Some(keychain.clone());
                VaultError::PassphraseRequired(UnlockProblem::KeychainUnavailable(e))
            })?;
        }
        self.mode = VaultMode::Passphrase(UnlockProblem::KeychainSkipped);
        Ok(())
    }

    /// Removes this vault's entry from `keychain`, even when the vault was opened without it
    /// (an entry left from when the keychain was on), and stops using any keychain.
    pub fn forget_keychain_key_in(
        &mut self,
        keychain: Arc<dyn Keychain>,
    ) -> Result<(), VaultError> {
        self.keychain = Some(keychain);
        self.forget_keychain_key()
    }

    /// Starts keeping the data key in `keychain` (the user turned the keychain on), after
    /// checking the passphrase: from the next start the vault opens without it.
    pub fn remember_in_keychain(
        &mut self,
        keychain: Arc<dyn Keychain>,
        passphrase: &SecretString,
    ) -> Result<(), VaultError> {
        self.verify_passphrase(passphrase)?;
        self.keychain = Some(keychain);
        self.mode = self.cache_in_keychain();
        match &self.mode {
            VaultMode::Keychain => Ok(()),
            VaultMode::Passphrase(problem) => Err(VaultError::PassphraseRequired(problem.clone())),
        }
    }

    /// Checks `passphrase` against this vault (for actions the user must confirm with it).
    pub fn check_passphrase(&self, passphrase: &SecretString) -> Result<(), VaultError> {
        self.verify_passphrase(passphrase)
    }

    fn verify_passphrase(&self, passphrase: &SecretString) -> Result<(), VaultError> {
        let key = unwrap_data_key(&self.file, passphrase)?;
        if key == self.data_key {
            Ok(())
        } else {
            Err(VaultError::WrongPassphrase)
        }
    }

    /// Writes `next` and adopts it only once it is on disk, so memory never runs ahead of
    /// the file.
    fn save(&mut self, mut next: VaultFile) -> Result<(), VaultError> {
        finish(
            &mut next,
            &self.data_key,
            self.file.generation.saturating_add(1),
        );
        self.replace_file(&next)?;
        self.file = next;
        Ok(())
    }

    /// Replaces the file with `next`, unless another `Vault` instance changed it since this one
    /// read or wrote it: overwriting would silently drop that instance's change (a key it just
    /// generated, a new passphrase). Encoding is deterministic, so "unchanged" is "the bytes on
    /// disk are the encoding of `self.file`". The check and the write are not one atomic step;
    /// it catches a second instance, it is not a lock.
    fn replace_file(&self, next: &VaultFile) -> Result<(), VaultError> {
        let on_disk = fs::read(&self.path).map_err(io_error("read", &self.path))?;
        if on_disk != self.file.encode() {
            return Err(VaultError::ChangedElsewhere(self.path.clone()));
        }
        file::write_atomically(&self.path, &next.encode()).map_err(io_error("write", &self.path))
    }

    /// Stores the data key in the keychain if there is one; returns the resulting mode.
    fn cache_in_keychain(&self) -> VaultMode {
        let Some(keychain) = &self.keychain else {
            return VaultMode::Passphrase(UnlockProblem::KeychainSkipped);
        };
        let account = account(&self.file);
        match keychain.load(&account) {
            Ok(Some(existing)) if existing == self.data_key => return VaultMode::Keychain,
            Err(e) => return VaultMode::Passphrase(UnlockProblem::KeychainUnavailable(e)),
            _ => {}
        }
        match keychain.store(&account, &self.data_key) {
            Ok(()) => VaultMode::Keychain,
            Err(e) => VaultMode::Passphrase(UnlockProblem::KeychainUnavailable(e)),
        }
    }
}

fn random_id() -> [u8; 16] {
    crypto::random_bytes()
}

/// The keychain account of a vault: stable for its life, distinct between vaults.
fn account(vault_file: &VaultFile) -> String {
    format!("vault-{}", hex_lower(&vault_file.vault_id))
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> VaultError {
    let path = path.to_owned();
    move |source| VaultError::Io {
        action,
        path,
        source,
    }
}

/// Reads and decodes the file. Never writes, except removing a leftover temp file.
fn read(config: &VaultConfig) -> Result<(PathBuf, VaultFile), VaultError> {
    let path = config.path();
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(VaultError::NoVault(path)),
        Err(e) => return Err(io_error("read", &path)(e)),
    };
    let vault_file = VaultFile::decode(&bytes).map_err(|e| match e {
        DecodeError::NotAVault => VaultError::NotAVault(path.clone()),
        DecodeError::Damaged => VaultError::Damaged(path.clone()),
        DecodeError::NewerVersion(found) => VaultError::NewerFormat {
            path: path.clone(),
            found,
            supported: FORMAT_VERSION,
        },
    })?;
    // The file is complete, so any temp file is an interrupted write that never took effect.
    file::remove_leftover_temp(&path).map_err(io_error("clean up", &path))?;
    Ok((path, vault_file))
}

/// Builds a header around `data_key`: new salt, key wrapped under the passphrase key, key check.
fn seal_header(
    vault_id: [u8; 16],
    kdf: KdfParams,
    passphrase: &SecretString,
    data_key: &DataKey,
    entries: BTreeMap<Address, SealedEntry>,
) -> Result<VaultFile, VaultError> {
    let mut vault_file = VaultFile {
        vault_id,
        kdf,
        salt: crypto::random_bytes(),
        wrap_nonce: [0; crypto::NONCE_LEN],
        wrapped_key: Vec::new(),
        check_nonce: [0; crypto::NONCE_LEN],
        check_tag: Vec::new(),
        format: FORMAT_VERSION,
        generation: 0,
        entries,
        mac: [0; crypto::MAC_LEN],
    };
    let passphrase_key = Some(kdf)
        .filter(KdfParams::is_within_limits)
        .and_then(|kdf| kdf.derive(passphrase, &vault_file.salt))
        .ok_or(VaultError::InvalidKdfParams(kdf))?;
    let (nonce, wrapped) = crypto::seal(
        &passphrase_key,
        data_key.expose_bytes(),
        &vault_file.wrap_aad(),
    );
    vault_file.wrap_nonce = nonce;
    vault_file.wrapped_key = wrapped;
    let (nonce, tag) = crypto::seal(data_key, &[], &vault_file.check_aad());
    vault_file.check_nonce = nonce;
    vault_file.check_tag = tag;
    Ok(vault_file)
}

/// Makes `next` a complete current-format file under `data_key`: sets the format and the
/// generation, re-seals the key check (its associated data includes the format) and computes
/// the entry-list MAC. Every write goes through here, which is what migrates a format 1 file.
fn finish(next: &mut VaultFile, data_key: &DataKey, generation: u64) {
    next.format = FORMAT_VERSION;
    next.generation = generation;
    let (nonce, tag) = crypto::seal(data_key, &[], &next.check_aad());
    next.check_nonce = nonce;
    next.check_tag = tag;
    next.mac = crypto::entry_list_mac(data_key, &next.mac_body());
}

/// Checks the entry-list MAC (format 2; a format 1 file never had one and is migrated at its
/// next write).
fn verify_entry_list(
    path: &Path,
    vault_file: &VaultFile,
    data_key: &DataKey,
) -> Result<(), VaultError> {
    if vault_file.has_mac()
        && !crypto::entry_list_mac_matches(data_key, &vault_file.mac_body(), &vault_file.mac)
    {
        return Err(VaultError::EntriesTampered(path.to_owned()));
    }
    Ok(())
}

/// The data key, unwrapped with the passphrase. Any failure reads as a wrong passphrase: with
/// an intact checksum, that is what a failing tag means in practice.
fn unwrap_data_key(
    vault_file: &VaultFile,
    passphrase: &SecretString,
) -> Result<DataKey, VaultError> {
    let passphrase_key = vault_file
        .kdf
        .derive(passphrase, &vault_file.salt)
        .ok_or(VaultError::WrongPassphrase)?;
    let plain = crypto::open(
        &passphrase_key,
        &vault_file.wrap_nonce,
        &vault_file.wrapped_key,
        &vault_file.wrap_aad(),
    )
    .ok_or(VaultError::WrongPassphrase)?;
    DataKey::from_slice(&plain).ok_or(VaultError::WrongPassphrase)
}

fn key_matches(vault_file: &VaultFile, data_key: &DataKey) -> bool {
    let mut sealed = Vec::with_capacity(crypto::TAG_LEN);
    sealed.extend_from_slice(&vault_file.check_tag);
    crypto::open(
        data_key,
        &vault_file.check_nonce,
        &sealed,
        &vault_file.check_aad(),
    )
    .is_some_and(|plain| plain.is_empty())
}

/// Decrypts every entry once, so a modified entry is reported at open, not at the first trade.
fn verify_entries(
    path: &Path,
    vault_file: &VaultFile,
    data_key: &DataKey,
) -> Result<(), VaultError> {
    for (&address, entry) in &vault_file.entries {
        let key = open_entry(path, data_key, address, entry)?;
        if address_of(&key) != address {
            return Err(VaultError::Damaged(path.to_owned()));
        }
    }
    Ok(())
}

fn seal_entry(data_key: &DataKey, address: Address, key: &PrivateKey) -> SealedEntry {
    let (nonce, sealed) = crypto::seal(data_key, key.expose_bytes(), address.as_slice());
    SealedEntry { nonce, sealed }
}

fn open_entry(
    path: &Path,
    data_key: &DataKey,
    address: Address,
    entry: &SealedEntry,
) -> Result<PrivateKey, VaultError> {
    let plain = crypto::open(data_key, &entry.nonce, &entry.sealed, address.as_slice())
        .ok_or_else(|| VaultError::Damaged(path.to_owned()))?;
    if plain.len() != crypto::KEY_LEN {
        return Err(VaultError::Damaged(path.to_owned()));
    }
    let mut bytes = zeroize::Zeroizing::new([0u8; crypto::KEY_LEN]);
    bytes.copy_from_slice(&plain);
    // from_bytes wipes its copy; `bytes` is wiped on drop.
    PrivateKey::from_bytes(*bytes).map_err(|_| VaultError::InvalidStoredKey(address))
}

#[cfg(test)]
#[path = "migration_tests.rs"]
mod migration_tests;
