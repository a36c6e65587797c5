//! Vault behaviour on real files in temporary folders. Argon2id runs with
//! `KdfParams::INSECURE_FAST` so the many opens stay quick; the format is the same.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use polyagent_vault::{
    Address, DataKey, KdfParams, Keychain, KeychainError, MemoryKeychain, PrivateKey, SecretString,
    UnlockProblem, Vault, VaultConfig, VaultError, VaultMode,
};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

/// Anvil's well-known test account 0 (never funded on mainnet; public knowledge).
const KEY0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ADDR0: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const KEY1: &str = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const ADDR1: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const PASSPHRASE: &str = "correct horse battery staple";

fn secret(text: &str) -> SecretString {
    SecretString::new(text).unwrap()
}

fn addr(text: &str) -> Address {
    text.parse().unwrap()
}

fn config(dir: &TempDir, keychain: Option<Arc<dyn Keychain>>) -> VaultConfig {
    let config = VaultConfig::new(dir.path()).with_kdf(KdfParams::INSECURE_FAST);
    match keychain {
        Some(keychain) => config.with_keychain(keychain),
        None => config.no_keychain(),
    }
}

/// A vault holding KEY0 and KEY1, passphrase-only.
fn vault_with_two_keys(dir: &TempDir) -> VaultConfig {
    let config = config(dir, None);
    let mut vault = Vault::create(&config, &secret(PASSPHRASE)).unwrap();
    vault
        .import_key(&PrivateKey::from_hex(KEY0).unwrap())
        .unwrap();
    vault
        .import_key(&PrivateKey::from_hex(KEY1).unwrap())
        .unwrap();
    config
}

/// A keychain that never answers, like a headless Linux box without a Secret Service.
#[derive(Debug)]
struct NoKeychainAnswers;

impl Keychain for NoKeychainAnswers {
    fn load(&self, _: &str) -> Result<Option<DataKey>, KeychainError> {
        Err(KeychainError::Unavailable("no D-Bus session bus".into()))
    }
    fn store(&self, _: &str, _: &DataKey) -> Result<(), KeychainError> {
        Err(KeychainError::Unavailable("no D-Bus session bus".into()))
    }
    fn remove(&self, _: &str) -> Result<(), KeychainError> {
        Err(KeychainError::Unavailable("no D-Bus session bus".into()))
    }
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn round_trip_across_reopen_with_keychain_and_with_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let keychain = Arc::new(MemoryKeychain::new());
    let config = config(&dir, Some(keychain.clone()));
    let (generated, imported) = {
        let mut vault = Vault::create(&config, &secret(PASSPHRASE)).unwrap();
        assert_eq!(vault.mode(), &VaultMode::Keychain);
        assert_eq!(keychain.len(), 1);
        let imported = vault
            .import_key(&PrivateKey::from_hex(KEY0).unwrap())
            .unwrap();
        let generated = vault.generate_key().unwrap();
        (generated, imported)
    };
    assert_eq!(imported, addr(ADDR0));
    assert_eq!(imported.to_string(), ADDR0, "EIP-55 display");

    // Second instance, data key from the keychain.
    let vault = Vault::open(&config).unwrap();
    assert_eq!(vault.mode(), &VaultMode::Keychain);
    let mut expected = vec![imported, generated];
    expected.sort();
    assert_eq!(vault.addresses(), expected);
    assert_eq!(
        vault.signing_key(imported).unwrap(),
        PrivateKey::from_hex(KEY0).unwrap()
    );
    let generated_key = vault.signing_key(generated).unwrap();
    assert_eq!(polyagent_vault::address_of(&generated_key), generated);

    // Third instance, no keychain: the passphrase opens the same keys.
    let passphrase_only = config.clone().no_keychain();
    let vault = Vault::open_with_passphrase(&passphrase_only, &secret(PASSPHRASE)).unwrap();
    assert_eq!(
        vault.mode(),
        &VaultMode::Passphrase(UnlockProblem::KeychainSkipped)
    );
    assert_eq!(vault.signing_key(generated).unwrap(), generated_key);
}

#[test]
fn import_takes_hex_with_or_without_prefix_and_refuses_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let config = vault_with_two_keys(&dir);
    let mut vault = Vault::open_with_passphrase(&config, &secret(PASSPHRASE)).unwrap();
    assert_eq!(vault.addresses(), {
        let mut a = vec![addr(ADDR0), addr(ADDR1)];
        a.sort();
        a
    });
    let again = vault.import_key(&PrivateKey::from_hex(&KEY0[2..]).unwrap());
    assert!(matches!(again, Err(VaultError::KeyAlreadyExists(a)) if a == addr(ADDR0)));
}

#[test]
fn generate_delete_and_missing_keys() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(&dir, None);
    let mut vault = Vault::create(&config, &secret(PASSPHRASE)).unwrap();
    let a = vault.generate_key().unwrap();
    let b = vault.generate_key().unwrap();
    assert_ne!(a, b);
    vault.delete_key(a, &secret(PASSPHRASE)).unwrap();
    assert!(matches!(
        vault.delete_key(a, &secret(PASSPHRASE)),
        Err(VaultError::KeyNotFound(_))
    ));
    assert!(matches!(
        vault.signing_key(a),
        Err(VaultError::KeyNotFound(_))
    ));
    let reopened = Vault::open_with_passphrase(&config, &secret(PASSPHRASE)).unwrap();
    assert_eq!(reopened.addresses(), vec![b]);
    assert!(matches!(
        Vault::create(&config, &secret(PASSPHRASE)),
        Err(VaultError::AlreadyExists(_))
    ));
}

#[test]
fn flipping_any_byte_is_detected_and_destroys_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = vault_with_two_keys(&dir);
    let path = config.path();
    let original = fs::read(&path).unwrap();
    for i in 0..original.len() {
        let mut tampered = original.clone();
        tampered[i] ^= 0x01;
        fs::write(&path, &tampered).unwrap();
        let error = Vault::open_with_passphrase(&config, &secret(PASSPHRASE))
            .expect_err(&format!("byte {i} flipped must not open"));
        assert!(
            matches!(error, VaultError::Damaged(_) | VaultError::NotAVault(_)),
            "byte {i}: {error:?}"
        );
        assert!(error.to_string().contains("not changed"), "{error}");
        assert_eq!(fs::read(&path).unwrap(), tampered, "byte {i}: file changed");
    }
    fs::write(&path, &original).unwrap();
    let vault = Vault::open_with_passphrase(&config, &secret(PASSPHRASE)).unwrap();
    assert_eq!(vault.addresses().len(), 2);
}

#[test]
fn a_deliberate_change_with_a_recomputed_checksum_is_still_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = vault_with_two_keys(&dir);
    let path = config.path();
    let original = fs::read(&path).unwrap();
    let reseal = |mut bytes: Vec<u8>| {
        let body_len = bytes.len() - 32;
        let checksum = Sha256::digest(&bytes[..body_len]);
        bytes[body_len..].copy_from_slice(&checksum);
        bytes
    };
    // Without the data key the entry-list MAC cannot be recomputed: caught by it first.
    // A sealed private key (first entry starts at 155: 20 address + 12 nonce + 48 sealed).
    let mut entry_changed = original.clone();
    entry_changed[155 + 20 + 12 + 5] ^= 0x80;
    // Two entries' addresses swapped: the address is the associated data, so this fails too.
    let mut swapped = original.clone();
    let (first, second) = (155..175, 235..255);
    let first_address = swapped[first.clone()].to_vec();
    swapped.copy_within(second.clone(), first.start);
    swapped[second].copy_from_slice(&first_address);
    for (what, bytes) in [("entry", entry_changed), ("swap", swapped)] {
        let bytes = reseal(bytes);
        fs::write(&path, &bytes).unwrap();
        let error = Vault::open_with_passphrase(&config, &secret(PASSPHRASE)).unwrap_err();
        assert!(
            matches!(error, VaultError::EntriesTampered(_)),
            "{what}: {error:?}"
        );
        assert_eq!(fs::read(&path).unwrap(), bytes);
    }
    // A changed salt (header) makes the passphrase key wrong: reported as a wrong passphrase.
    let mut salt_changed = original.clone();
    salt_changed[40] ^= 0x01;
    let salt_changed = reseal(salt_changed);
    fs::write(&path, &salt_changed).unwrap();
    assert!(matches!(
        Vault::open_with_passphrase(&config, &secret(PASSPHRASE)),
        Err(VaultError::WrongPassphrase)
    ));
    assert_eq!(fs::read(&path).unwrap(), salt_changed);
}

#[test]
fn tampering_is_also_caught_when_unlocking_from_the_keychain() {
    let dir = tempfile::tempdir().unwrap();
    let keychain = Arc::new(MemoryKeychain::new());
    let config = config(&dir, Some(keychain));
    let mut vault = Vault::create(&config, &secret(PASSPHRASE)).unwrap();
    vault
        .import_key(&PrivateKey::from_hex(KEY0).unwrap())
        .unwrap();
    let path = config.path();
    let original = fs::read(&path).unwrap();
    for i in (0..original.len()).step_by(7) {
        let mut tampered = original.clone();
        tampered[i] ^= 0x40;
        fs::write(&path, &tampered).unwrap();
        assert!(Vault::open(&config).is_err(), "byte {i}");
        assert_eq!(fs::read(&path).unwrap(), tampered);
    }
}

#[test]
fn a_wrong_passphrase_is_refused_and_destroys_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = vault_with_two_keys(&dir);
    let path = config.path();
    let before = fs::read(&path).unwrap();
    let error =
        Vault::open_with_passphrase(&config, &secret("Correct horse battery staple")).unwrap_err();
    assert!(matches!(error, VaultError::WrongPassphrase));
    assert_eq!(
        error.to_string(),
        "wrong passphrase; the vault was not changed"
    );
    assert_eq!(fs::read(&path).unwrap(), before);

    let mut vault = Vault::open_with_passphrase(&config, &secret(PASSPHRASE)).unwrap();
    assert!(matches!(
        vault.export(addr(ADDR0), &secret("guess")),
        Err(VaultError::WrongPassphrase)
    ));
    assert!(matches!(
        vault.change_passphrase(&secret("guess"), &secret("new")),
        Err(VaultError::WrongPassphrase)
    ));
    assert_eq!(fs::read(&path).unwrap(), before);
    assert_eq!(files_in(dir.path()), vec!["keys.vault"]);
}

#[test]
fn export_needs_the_passphrase_even_when_the_keychain_unlocked_the_vault() {
    let dir = tempfile::tempdir().unwrap();
    let keychain = Arc::new(MemoryKeychain::new());
    let config = config(&dir, Some(keychain));
    let mut vault = Vault::create(&config, &secret(PASSPHRASE)).unwrap();
    vault
        .import_key(&PrivateKey::from_hex(KEY1).unwrap())
        .unwrap();
    let vault = Vault::open(&config).unwrap();
    assert_eq!(vault.mode(), &VaultMode::Keychain);
    assert!(matches!(
        vault.export(addr(ADDR1), &secret("wrong")),
        Err(VaultError::WrongPassphrase)
    ));
    let exported = vault.export(addr(ADDR1), &secret(PASSPHRASE)).unwrap();
    assert_eq!(exported, PrivateKey::from_hex(KEY1).unwrap());
}

#[test]
fn without_a_keychain_the_vault_falls_back_to_the_passphrase() {
    // Skipped on purpose.
    let dir = tempfile::tempdir().unwrap();
    let skipped = config(&dir, None);
    let vault = Vault::create(&skipped, &secret(PASSPHRASE)).unwrap();
    assert_eq!(
        vault.mode(),
        &VaultMode::Passphrase(UnlockProblem::KeychainSkipped)
    );
    assert!(matches!(
        Vault::open(&skipped),
        Err(VaultError::PassphraseRequired(
            UnlockProblem::KeychainSkipped
        ))
    ));

    // A keychain that does not answer.
    let dir = tempfile::tempdir().unwrap();
    let silent = config(&dir, Some(Arc::new(NoKeychainAnswers)));
    let mut vault = Vault::create(&silent, &secret(PASSPHRASE)).unwrap();
    let unavailable = UnlockProblem::KeychainUnavailable(KeychainError::Unavailable(
        "no D-Bus session bus".into(),
    ));
    assert_eq!(vault.mode(), &VaultMode::Passphrase(unavailable.clone()));
    vault
        .import_key(&PrivateKey::from_hex(KEY0).unwrap())
        .unwrap();
    let error = Vault::open(&silent).unwrap_err();
    assert!(
        error.to_string().contains("no D-Bus session bus"),
        "the UI can explain: {error}"
    );
    assert!(matches!(error, VaultError::PassphraseRequired(ref p) if *p == unavailable));
    let vault = Vault::open_with_passphrase(&silent, &secret(PASSPHRASE)).unwrap();
    assert_eq!(vault.mode(), &VaultMode::Passphrase(unavailable));
    assert_eq!(vault.addresses(), vec![addr(ADDR0)]);

    // A working keychain that has no entry for this vault (e.g. a copied file): the passphrase
    // opens it and caches the key, so the next start needs none.
    let keychain = Arc::new(MemoryKeychain::new());
    let fresh_keychain = config(&dir, Some(keychain.clone()));
    assert!(matches!(
        Vault::open(&fresh_keychain),
        Err(VaultError::PassphraseRequired(UnlockProblem::NotInKeychain))
    ));
    let vault = Vault::open_with_passphrase(&fresh_keychain, &secret(PASSPHRASE)).unwrap();
    assert_eq!(vault.mode(), &VaultMode::Keychain);
    assert_eq!(
        Vault::open(&fresh_keychain).unwrap().mode(),
        &VaultMode::Keychain
    );
}

#[test]
fn changing_the_passphrase_reencrypts_and_heals_a_stale_keychain() {
    let dir = tempfile::tempdir().unwrap();
    let keychain = Arc::new(MemoryKeychain::new());
    let with_keychain = config(&dir, Some(keychain.clone()));
    let mut vault = Vault::create(&with_keychain, &secret(PASSPHRASE)).unwrap();
    vault
        .import_key(&PrivateKey::from_hex(KEY0).unwrap())
        .unwrap();
    let old_file = fs::read(with_keychain.path()).unwrap();

    // Changed from an instance without keychain: the keychain keeps the old data key.
    let mut passphrase_only =
        Vault::open_with_passphrase(&with_keychain.clone().no_keychain(), &secret(PASSPHRASE))
            .unwrap();
    passphrase_only
        .change_passphrase(&secret(PASSPHRASE), &secret("new passphrase"))
        .unwrap();
    let new_file = fs::read(with_keychain.path()).unwrap();
    assert_ne!(old_file, new_file);
    assert_eq!(files_in(dir.path()), vec!["keys.vault"]);

    assert!(matches!(
        Vault::open_with_passphrase(&with_keychain, &secret(PASSPHRASE)),
        Err(VaultError::WrongPassphrase)
    ));
    assert!(matches!(
        Vault::open(&with_keychain),
        Err(VaultError::PassphraseRequired(
            UnlockProblem::KeychainKeyMismatch
        ))
    ));
    let healed = Vault::open_with_passphrase(&with_keychain, &secret("new passphrase")).unwrap();
    assert_eq!(healed.mode(), &VaultMode::Keychain);
    let vault = Vault::open(&with_keychain).unwrap();
    assert_eq!(
        vault.signing_key(addr(ADDR0)).unwrap(),
        PrivateKey::from_hex(KEY0).unwrap()
    );

    // Changing it from a keychain instance updates the keychain at once.
    let mut vault = vault;
    vault
        .change_passphrase(&secret("new passphrase"), &secret("third"))
        .unwrap();
    assert_eq!(vault.mode(), &VaultMode::Keychain);
    assert_eq!(
        Vault::open(&with_keychain).unwrap().addresses(),
        vec![addr(ADDR0)]
    );
}

#[test]
fn a_second_instance_cannot_silently_overwrite_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let config = vault_with_two_keys(&dir);
    let mut first = Vault::open_with_passphrase(&config, &secret(PASSPHRASE)).unwrap();
    let mut second = Vault::open_with_passphrase(&config, &secret(PASSPHRASE)).unwrap();
    let generated = first.generate_key().unwrap();
    let after_first = fs::read(config.path()).unwrap();
    assert!(matches!(
        second.delete_key(addr(ADDR0), &secret(PASSPHRASE)),
        Err(VaultError::ChangedElsewhere(_))
    ));
    assert!(matches!(
        second.change_passphrase(&secret(PASSPHRASE), &secret("other")),
        Err(VaultError::ChangedElsewhere(_))
    ));
    assert_eq!(fs::read(config.path()).unwrap(), after_first);
    let reopened = Vault::open_with_passphrase(&config, &secret(PASSPHRASE)).unwrap();
    assert!(reopened.contains(generated));
    assert!(reopened.contains(addr(ADDR0)));
}

#[test]
fn forgetting_the_keychain_key_switches_to_passphrase_mode() {
    let dir = tempfile::tempdir().unwrap();
    let keychain = Arc::new(MemoryKeychain::new());
    let config = config(&dir, Some(keychain.clone()));
    let mut vault = Vault::create(&config, &secret(PASSPHRASE)).unwrap();
    vault.forget_keychain_key().unwrap();
    assert!(keychain.is_empty());
    assert_eq!(
        vault.mode(),
        &VaultMode::Passphrase(UnlockProblem::KeychainSkipped)
    );
    assert!(matches!(
        Vault::open(&config),
        Err(VaultError::PassphraseRequired(UnlockProblem::NotInKeychain))
    ));
}

#[test]
fn a_leftover_temp_file_from_a_crash_is_ignored_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let two_keys = vault_with_two_keys(&dir);
    let before = fs::read(two_keys.path()).unwrap();
    let temp = dir.path().join("keys.vault.tmp");
    // A crash mid-write: half of a newer vault in the temp file, never renamed.
    fs::write(&temp, &before[..before.len() / 2]).unwrap();
    let mut vault = Vault::open_with_passphrase(&two_keys, &secret(PASSPHRASE)).unwrap();
    assert_eq!(vault.addresses().len(), 2);
    assert!(!temp.exists());
    assert_eq!(fs::read(two_keys.path()).unwrap(), before);
    // Writes go through the temp file and leave none behind.
    fs::write(&temp, b"junk").unwrap();
    vault.delete_key(addr(ADDR1), &secret(PASSPHRASE)).unwrap();
    assert_eq!(files_in(dir.path()), vec!["keys.vault"]);
    // A temp file next to a missing vault is removed by create.
    let other = tempfile::tempdir().unwrap();
    fs::write(other.path().join("keys.vault.tmp"), b"junk").unwrap();
    Vault::create(&config(&other, None), &secret(PASSPHRASE)).unwrap();
    assert_eq!(files_in(other.path()), vec!["keys.vault"]);
    // The folder is created on first run.
    let nested = VaultConfig::new(other.path().join("PolyAgent").join("vault"))
        .no_keychain()
        .with_kdf(KdfParams::INSECURE_FAST);
    Vault::create(&nested, &secret(PASSPHRASE)).unwrap();
    assert!(nested.path().exists());
}

#[test]
fn unreadable_files_are_refused_without_change() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(&dir, None);
    assert!(matches!(
        Vault::open_with_passphrase(&config, &secret(PASSPHRASE)),
        Err(VaultError::NoVault(_))
    ));
    fs::write(config.path(), b"{\"not\": \"a vault\"}").unwrap();
    assert!(matches!(
        Vault::open_with_passphrase(&config, &secret(PASSPHRASE)),
        Err(VaultError::NotAVault(_))
    ));
    // A future format version with an intact checksum.
    let mut future = b"PAVAULT\0".to_vec();
    future.extend_from_slice(&3u16.to_be_bytes());
    future.extend_from_slice(&[0u8; 200]);
    let checksum = Sha256::digest(&future);
    future.extend_from_slice(&checksum);
    fs::write(config.path(), &future).unwrap();
    let error = Vault::open_with_passphrase(&config, &secret(PASSPHRASE)).unwrap_err();
    assert!(matches!(
        error,
        VaultError::NewerFormat {
            found: 3,
            supported: 2,
            ..
        }
    ));
    assert!(error.to_string().contains("upgrade PolyAgent"));
    assert_eq!(fs::read(config.path()).unwrap(), future);
}

#[cfg(unix)]
#[test]
fn the_vault_file_is_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let config = vault_with_two_keys(&dir);
    let mode = fs::metadata(config.path()).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn keys_and_passphrases_never_leak_into_the_file_errors_or_debug_output() {
    let dir = tempfile::tempdir().unwrap();
    let keychain = Arc::new(MemoryKeychain::new());
    let config = config(&dir, Some(keychain.clone()));
    let key = PrivateKey::from_hex(KEY0).unwrap();
    let mut vault = Vault::create(&config, &secret(PASSPHRASE)).unwrap();
    vault.import_key(&key).unwrap();
    vault
        .change_passphrase(&secret(PASSPHRASE), &secret(PASSPHRASE))
        .unwrap();

    let mut printed = Vec::new();
    printed.push(format!("{vault:?} {keychain:?} {config:?}"));
    printed.push(format!("{:?}", vault.signing_key(addr(ADDR0)).unwrap()));
    printed.push(format!(
        "{:?}",
        vault.export(addr(ADDR0), &secret(PASSPHRASE)).unwrap()
    ));
    printed.push(format!("{:?}", secret(PASSPHRASE)));
    let errors = [
        Vault::open_with_passphrase(&config, &secret("wrong")).unwrap_err(),
        vault.export(addr(ADDR0), &secret("wrong")).unwrap_err(),
        vault.import_key(&key).unwrap_err(),
        Vault::create(&config, &secret(PASSPHRASE)).unwrap_err(),
        Vault::open(&config.clone().no_keychain()).unwrap_err(),
    ];
    for error in &errors {
        printed.push(format!("{error} {error:?}"));
    }
    let mut bytes = fs::read(config.path()).unwrap();
    for path in fs::read_dir(dir.path()).unwrap() {
        bytes.extend(fs::read(path.unwrap().path()).unwrap());
    }
    let file_text = String::from_utf8_lossy(&bytes).to_lowercase();

    let bare = &KEY0[2..];
    let forbidden = [
        bare.to_owned(),
        KEY0.to_owned(),
        bare.to_uppercase(),
        bare[..16].to_owned(), // even a fragment
        PASSPHRASE.to_owned(),
    ];
    for needle in &forbidden {
        let needle_lower = needle.to_lowercase();
        assert!(
            !file_text.contains(&needle_lower),
            "file contains {needle:?}"
        );
        for text in &printed {
            assert!(
                !text.to_lowercase().contains(&needle_lower),
                "leak in {text}"
            );
        }
    }
    let raw = key.expose_bytes();
    assert!(
        !bytes.windows(raw.len()).any(|w| w == raw),
        "raw key bytes in the file"
    );
    assert!(
        !bytes.windows(8).any(|w| w == &raw[..8]),
        "key fragment in the file"
    );
}
