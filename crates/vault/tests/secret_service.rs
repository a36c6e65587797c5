//! The real OS keychain (Secret Service on Linux). Ignored by default because it needs a
//! session D-Bus with an unlocked Secret Service provider; run it with `scripts/test-keychain`,
//! which starts a private bus and a throw-away gnome-keyring for the duration of the test.

use std::sync::Arc;

use polyagent_vault::{
    Keychain, OsKeychain, PrivateKey, SecretString, Vault, VaultConfig, VaultMode,
};

const KEY0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

#[test]
#[ignore = "needs a Secret Service: run scripts/test-keychain"]
fn the_data_key_round_trips_through_the_real_secret_service() {
    let dir = tempfile::tempdir().unwrap();
    // A service name of its own, so the test never touches a developer's real entries.
    let keychain = Arc::new(OsKeychain::new("PolyAgent (test)"));
    let passphrase = SecretString::new("test passphrase").unwrap();
    // Default (production) Argon2id parameters, to exercise them once for real.
    let config = VaultConfig::new(dir.path()).with_keychain(keychain.clone());

    let address = {
        let mut first = Vault::create(&config, &passphrase).unwrap();
        assert_eq!(
            first.mode(),
            &VaultMode::Keychain,
            "the Secret Service must accept the data key"
        );
        first
            .import_key(&PrivateKey::from_hex(KEY0).unwrap())
            .unwrap()
    };

    // A second instance, as after a restart: unlocked from the Secret Service alone.
    let mut second = Vault::open(&config).unwrap();
    assert_eq!(second.mode(), &VaultMode::Keychain);
    assert_eq!(
        second.signing_key(address).unwrap(),
        PrivateKey::from_hex(KEY0).unwrap()
    );

    // Clean up the keychain entry and check it is gone.
    second.forget_keychain_key().unwrap();
    assert!(matches!(
        Vault::open(&config),
        Err(polyagent_vault::VaultError::PassphraseRequired(
            polyagent_vault::UnlockProblem::NotInKeychain
        ))
    ));
    let _ = keychain.remove("unused-account");
}
