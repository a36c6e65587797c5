//! Issue #16, point 6: the data folder is 0700 and the database, its WAL and shared-memory
//! files and the lock file are 0600, on a fresh folder and on one an older version left
//! readable by everyone.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

async fn open(dir: &Path) -> polyagent_runtime::Runtime {
    let mut config = polyagent_runtime::RuntimeConfig::new(dir);
    config.vault = polyagent_vault::VaultConfig::new(dir)
        .no_keychain()
        .with_kdf(polyagent_vault::KdfParams::INSECURE_FAST);
    config.vault_passphrase =
        Some(polyagent_vault::SecretString::new("a test vault passphrase").unwrap());
    config.run_bots = false;
    polyagent_runtime::Runtime::open(config).await.unwrap()
}

fn assert_private(dir: &Path) {
    assert_eq!(mode(dir), 0o700, "data folder");
    for file in [
        "polyagent.db",
        "polyagent.db-wal",
        "polyagent.db-shm",
        "polyagent.lock",
    ] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
}

#[tokio::test]
async fn a_fresh_data_folder_is_owner_only() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("data");
    let runtime = open(&dir).await;
    assert_private(&dir);
    drop(runtime);
}

#[tokio::test]
async fn an_old_world_readable_folder_is_narrowed() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("data");
    drop(open(&dir).await);
    // What an older version left behind: everything readable by every local user.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
    let runtime = open(&dir).await;
    assert_private(&dir);
    drop(runtime);
}
