//! The vault file as a whole (issue #16, point 4): the entry list is covered by a keyed MAC, so
//! an entry cannot be dropped or restored from an older copy one by one; deleting a key rotates
//! the data key, so an older copy of the file cannot give the deleted key back through the
//! keychain; Argon2id parameters read from a file have a floor; the temp file of a write is
//! created fresh and never through a link.

use std::fs;
use std::sync::Arc;

use polyagent_vault::{
    Address, KdfParams, Keychain, MemoryKeychain, PrivateKey, SecretString, UnlockProblem, Vault,
    VaultConfig, VaultError, VaultMode,
};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

const KEY0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ADDR0: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const KEY1: &str = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const ADDR1: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const PASSPHRASE: &str = "correct horse battery staple";

/// Format 2 layout (see crates/vault/src/file.rs).
const GENERATION_AT: usize = 143;
const COUNT_AT: usize = 151;
const ENTRIES_AT: usize = 155;
const ENTRY_LEN: usize = 80;
const MAC_LEN: usize = 32;
const CHECKSUM_LEN: usize = 32;

fn secret(text: &str) -> SecretString {
    SecretString::new(text).unwrap()
}

fn addr(text: &str) -> Address {
    text.parse().unwrap()
}

fn key(text: &str) -> PrivateKey {
    PrivateKey::from_hex(text).unwrap()
}

fn config(dir: &TempDir, keychain: &Arc<MemoryKeychain>) -> VaultConfig {
    let keychain: Arc<dyn Keychain> = keychain.clone();
    VaultConfig::new(dir.path())
        .with_kdf(KdfParams::INSECURE_FAST)
        .with_keychain(keychain)
}

/// Recomputes the trailing SHA-256, as anyone who can write the file can.
fn fix_checksum(mut bytes: Vec<u8>) -> Vec<u8> {
    let body = bytes.len() - CHECKSUM_LEN;
    let checksum = Sha256::digest(&bytes[..body]);
    bytes[body..].copy_from_slice(&checksum);
    bytes
}

/// Both ways of opening: the keychain and the passphrase.
fn assert_both_opens_fail_tampered(config: &VaultConfig) {
    assert!(
        matches!(Vault::open(config), Err(VaultError::EntriesTampered(_))),
        "{:?}",
        Vault::open(config)
    );
    let error = Vault::open_with_passphrase(config, &secret(PASSPHRASE)).unwrap_err();
    assert!(matches!(error, VaultError::EntriesTampered(_)), "{error:?}");
    assert!(error.to_string().contains("not changed"), "{error}");
}

#[test]
fn a_dropped_entry_is_detected_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let keychain = Arc::new(MemoryKeychain::new());
    let config = config(&dir, &keychain);
    let mut vault = Vault::create(&config, &secret(PASSPHRASE)).unwrap();
    vault.import_key(&key(KEY0)).unwrap();
    vault.import_key(&key(KEY1)).unwrap();
    drop(vault);
    let original = fs::read(config.path()).unwrap();
    assert_eq!(
        original.len(),
        ENTRIES_AT + 2 * ENTRY_LEN + MAC_LEN + CHECKSUM_LEN
    );
    // Remove the second entry, fix the count and the checksum: every remaining byte is genuine.
    let mut dropped = original.clone();
    dropped.drain(ENTRIES_AT + ENTRY_LEN..ENTRIES_AT + 2 * ENTRY_LEN);
    dropped[COUNT_AT..COUNT_AT + 4].copy_from_slice(&1u32.to_be_bytes());
    let dropped = fix_checksum(dropped);
    fs::write(config.path(), &dropped).unwrap();
    assert_both_opens_fail_tampered(&config);
    assert_eq!(
        fs::read(config.path()).unwrap(),
        dropped,
        "a failed open never writes"
    );
    fs::write(config.path(), &original).unwrap();
    assert_eq!(Vault::open(&config).unwrap().addresses().len(), 2);
}

#[test]
fn an_entry_list_rolled_back_to_an_older_copy_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let keychain = Arc::new(MemoryKeychain::new());
    let config = config(&dir, &keychain);
    let mut vault = Vault::create(&config, &secret(PASSPHRASE)).unwrap();
    vault.import_key(&key(KEY0)).unwrap();
    let older = fs::read(config.path()).unwrap();
    let older_generation = vault.generation();
    vault.import_key(&key(KEY1)).unwrap();
    assert_eq!(vault.generation(), older_generation + 1);
    drop(vault);
    let newer = fs::read(config.path()).unwrap();

    // The newer header with the older generation, entry list and MAC: all genuine bytes, all
    // under the same data key, spliced together.
    let mut spliced = newer[..GENERATION_AT].to_vec();
    spliced.extend_from_slice(&older[GENERATION_AT..]);
    let spliced = fix_checksum(spliced);
    fs::write(config.path(), &spliced).unwrap();
    assert_both_opens_fail_tampered(&config);

    // Only the generation counter rolled back.
    let mut generation_only = newer.clone();
    generation_only[GENERATION_AT..GENERATION_AT + 8]
        .copy_from_slice(&older_generation.to_be_bytes());
    fs::write(config.path(), fix_checksum(generation_only)).unwrap();
    assert_both_opens_fail_tampered(&config);

    // The older entry of KEY0 (same key, same data key) in place of the newer one, with the
    // newer MAC: the MAC covers every entry byte.
    let mut one_entry = newer.clone();
    let entry0 = ENTRIES_AT..ENTRIES_AT + ENTRY_LEN;
    let first_older = &older[entry0.clone()];
    let first_newer = &newer[entry0.clone()];
    if first_older == first_newer {
        // Entries are not re-sealed by an import; corrupt the nonce to show the same thing.
        one_entry[entry0.start + 20] ^= 0x01;
    } else {
        one_entry[entry0].copy_from_slice(first_older);
    }
    fs::write(config.path(), fix_checksum(one_entry)).unwrap();
    assert!(Vault::open_with_passphrase(&config, &secret(PASSPHRASE)).is_err());

    fs::write(config.path(), &newer).unwrap();
    assert_eq!(Vault::open(&config).unwrap().addresses().len(), 2);
}

#[test]
fn a_deleted_key_cannot_be_recovered_from_a_copy_of_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let keychain = Arc::new(MemoryKeychain::new());
    let config = config(&dir, &keychain);
    let mut vault = Vault::create(&config, &secret(PASSPHRASE)).unwrap();
    vault.import_key(&key(KEY0)).unwrap();
    vault.import_key(&key(KEY1)).unwrap();
    let old_copy = fs::read(config.path()).unwrap();

    // Deleting needs the passphrase.
    assert!(matches!(
        vault.delete_key(addr(ADDR1), &secret("not the passphrase")),
        Err(VaultError::WrongPassphrase)
    ));
    assert!(vault.contains(addr(ADDR1)));
    assert_eq!(fs::read(config.path()).unwrap(), old_copy);
    vault.delete_key(addr(ADDR1), &secret(PASSPHRASE)).unwrap();
    assert_eq!(vault.addresses(), vec![addr(ADDR0)]);
    assert_eq!(vault.mode(), &VaultMode::Keychain);
    assert_eq!(
        keychain.len(),
        1,
        "the keychain holds the new data key only"
    );
    drop(vault);
    let current = fs::read(config.path()).unwrap();

    // The old copy put back: the keychain's (new) data key does not open it.
    fs::write(config.path(), &old_copy).unwrap();
    assert!(matches!(
        Vault::open(&config),
        Err(VaultError::PassphraseRequired(
            UnlockProblem::KeychainKeyMismatch
        ))
    ));

    // The old entry spliced into the current file: it is sealed under the old data key (and
    // outside the MAC), so it is refused, never decrypted.
    let mut spliced = current[..current.len() - MAC_LEN - CHECKSUM_LEN].to_vec();
    spliced[COUNT_AT..COUNT_AT + 4].copy_from_slice(&2u32.to_be_bytes());
    spliced.extend_from_slice(&old_copy[ENTRIES_AT + ENTRY_LEN..ENTRIES_AT + 2 * ENTRY_LEN]);
    spliced.extend_from_slice(&current[current.len() - MAC_LEN - CHECKSUM_LEN..]);
    let spliced = fix_checksum(spliced);
    fs::write(config.path(), &spliced).unwrap();
    assert!(Vault::open(&config).is_err());
    assert!(Vault::open_with_passphrase(&config, &secret(PASSPHRASE)).is_err());

    // The current file is intact and holds KEY0 only.
    fs::write(config.path(), &current).unwrap();
    let vault = Vault::open(&config).unwrap();
    assert_eq!(vault.addresses(), vec![addr(ADDR0)]);
    assert!(matches!(
        vault.signing_key(addr(ADDR1)),
        Err(VaultError::KeyNotFound(_))
    ));
}

#[test]
fn weak_argon2_parameters_in_a_file_are_refused_then_rewrapped_by_the_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let keychain = Arc::new(MemoryKeychain::new());
    // Written by a (test) configuration that asked for the cheapest parameters.
    let weak = config(&dir, &keychain);
    let mut vault = Vault::create(&weak, &secret(PASSPHRASE)).unwrap();
    vault.import_key(&key(KEY0)).unwrap();
    drop(vault);
    assert!(!KdfParams::INSECURE_FAST.is_at_least(&KdfParams::RELEASE_FLOOR));

    // A configuration at the release floor does not accept them from the file.
    let keychain_dyn: Arc<dyn Keychain> = keychain.clone();
    let release = VaultConfig::new(dir.path())
        .with_kdf(KdfParams::RELEASE_FLOOR)
        .with_keychain(keychain_dyn);
    let before = fs::read(release.path()).unwrap();
    assert!(matches!(
        Vault::open(&release),
        Err(VaultError::PassphraseRequired(UnlockProblem::WeakKdf))
    ));
    assert_eq!(fs::read(release.path()).unwrap(), before);
    // The passphrase re-wraps the same data key with the configured parameters.
    let vault = Vault::open_with_passphrase(&release, &secret(PASSPHRASE)).unwrap();
    assert_eq!(vault.kdf(), KdfParams::RELEASE_FLOOR);
    assert_eq!(vault.addresses(), vec![addr(ADDR0)]);
    drop(vault);
    assert_ne!(fs::read(release.path()).unwrap(), before);
    let vault = Vault::open(&release).unwrap();
    assert_eq!(vault.kdf(), KdfParams::RELEASE_FLOOR);
    assert_eq!(vault.signing_key(addr(ADDR0)).unwrap(), key(KEY0));

    // The default configuration's floor is the release floor.
    let default_floor = VaultConfig::new(dir.path()).no_keychain();
    assert!(Vault::open_with_passphrase(&default_floor, &secret(PASSPHRASE)).is_ok());
}

#[cfg(unix)]
#[test]
fn a_write_never_follows_a_link_planted_as_the_temp_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let keychain = Arc::new(MemoryKeychain::new());
    let config = config(&dir, &keychain);
    let mut vault = Vault::create(&config, &secret(PASSPHRASE)).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("victim");
    fs::write(&target, b"do not touch").unwrap();
    let temp = dir.path().join("keys.vault.tmp");
    std::os::unix::fs::symlink(&target, &temp).unwrap();
    vault.import_key(&key(KEY0)).unwrap();
    assert_eq!(fs::read(&target).unwrap(), b"do not touch");
    assert!(!temp.exists() && fs::symlink_metadata(&temp).is_err());
    // A leftover world-readable temp file does not lend its mode to the vault.
    fs::write(&temp, b"junk").unwrap();
    fs::set_permissions(&temp, fs::Permissions::from_mode(0o644)).unwrap();
    vault.import_key(&key(KEY1)).unwrap();
    let mode = fs::metadata(config.path()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(fs::symlink_metadata(&temp).is_err());
}
