//! A format 1 file (written before issue #16: no generation, no entry-list MAC) still opens,
//! and its next write migrates it to the current format.

use std::fs;
use std::sync::Arc;

use crate::crypto::{self, DataKey, KdfParams};
use crate::file::VaultFile;
use crate::{Keychain, MemoryKeychain, PrivateKey, SecretString, Vault, VaultConfig};

const KEY0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const KEY1: &str = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

/// Rewrites the vault as format 1 wrote it: same header, key check sealed over the header with
/// version 1, entries at offset 147, the SHA-256 right after them.
fn downgrade_to_v1(path: &std::path::Path, data_key: &DataKey) {
    let mut file = VaultFile::decode(&fs::read(path).unwrap()).unwrap();
    file.format = 1;
    file.generation = 0;
    let (nonce, tag) = crypto::seal(data_key, &[], &file.check_aad());
    file.check_nonce = nonce;
    file.check_tag = tag;
    let bytes = file.encode();
    assert_eq!(bytes.len(), 147 + 80 * file.entries.len() + 32);
    assert_eq!(&bytes[8..10], &1u16.to_be_bytes());
    fs::write(path, bytes).unwrap();
}

#[test]
fn a_format_1_vault_opens_and_is_migrated_at_its_next_write() {
    let dir = tempfile::tempdir().unwrap();
    let keychain = Arc::new(MemoryKeychain::new());
    let keychain_dyn: Arc<dyn Keychain> = keychain.clone();
    let config = VaultConfig::new(dir.path())
        .with_kdf(KdfParams::INSECURE_FAST)
        .with_keychain(keychain_dyn);
    let passphrase = SecretString::new("correct horse battery staple").unwrap();
    let mut vault = Vault::create(&config, &passphrase).unwrap();
    let address = vault
        .import_key(&PrivateKey::from_hex(KEY0).unwrap())
        .unwrap();
    let data_key = vault.data_key.clone();
    drop(vault);
    downgrade_to_v1(&config.path(), &data_key);

    // Opens both ways, without writing.
    let v1 = fs::read(config.path()).unwrap();
    let vault = Vault::open(&config).unwrap();
    assert_eq!(vault.generation(), 0);
    assert_eq!(vault.addresses(), vec![address]);
    drop(vault);
    let mut vault = Vault::open_with_passphrase(&config, &passphrase).unwrap();
    assert_eq!(fs::read(config.path()).unwrap(), v1);

    // The next write is format 2 with a MAC, under the same data key (no passphrase needed).
    vault
        .import_key(&PrivateKey::from_hex(KEY1).unwrap())
        .unwrap();
    drop(vault);
    let v2 = fs::read(config.path()).unwrap();
    assert_eq!(&v2[8..10], &2u16.to_be_bytes());
    assert_eq!(v2.len(), 155 + 2 * 80 + 32 + 32);
    let vault = Vault::open(&config).unwrap();
    assert_eq!(vault.generation(), 1);
    assert_eq!(vault.addresses().len(), 2);
    assert_eq!(keychain.len(), 1);

    // And a format 2 file relabelled as format 1 (to shed its MAC) is refused: the key check
    // covers the version.
    let mut relabelled = VaultFile::decode(&v2).unwrap();
    relabelled.format = 1;
    fs::write(config.path(), relabelled.encode()).unwrap();
    assert!(Vault::open(&config).is_err());
    assert!(Vault::open_with_passphrase(&config, &passphrase).is_err());
}
