//! The vault's commands beyond create/unlock (issue #16, point 4): lock now, the keychain and
//! auto-lock preferences, user activity for the auto-lock, revealing a wallet's key after the
//! passphrase, and confirming a generated key's backup. Registered in [`crate::ipc::bindings`].
//!
//! Every passphrase is moved into a `SecretString` at once and checked by the runtime, in Rust.
//! The one value that carries a key back, [`RevealedKey`], crosses IPC once, to the window that
//! asked for it; it is never logged (redacted `Debug`) and never sent as an event.

use polyagent_runtime::{
    ApiError, ErrorCode, RevealedKey, Runtime, SecretString, VaultPrefs, VaultStatus,
};
use tauri::State;

fn secret(argument: &str, text: String) -> Result<SecretString, ApiError> {
    SecretString::new(text)
        .map_err(|_| ApiError::new(ErrorCode::InvalidInput, format!("the {argument} is empty")))
}

/// Locks the vault now: live bots stop trading and wait for the passphrase; every signing key
/// is dropped.
#[tauri::command]
#[specta::specta]
pub async fn lock_vault(runtime: State<'_, Runtime>) -> Result<VaultStatus, ApiError> {
    Ok(runtime.lock_vault().await)
}

/// The vault's keychain and auto-lock preferences.
#[tauri::command]
#[specta::specta]
pub fn vault_prefs(runtime: State<'_, Runtime>) -> Result<VaultPrefs, ApiError> {
    Ok(runtime.vault_prefs())
}

/// Changes the vault's preferences; turning the keychain on needs the passphrase.
#[tauri::command]
#[specta::specta]
pub async fn set_vault_prefs(
    runtime: State<'_, Runtime>,
    prefs: VaultPrefs,
    passphrase: Option<String>,
) -> Result<VaultPrefs, ApiError> {
    let passphrase = passphrase.map(|p| secret("passphrase", p)).transpose()?;
    runtime.set_vault_prefs(prefs, passphrase.as_ref()).await
}

/// The user is active in the window (sent at most every few seconds): auto-lock waits again.
#[tauri::command]
#[specta::specta]
pub fn vault_activity(runtime: State<'_, Runtime>) -> Result<(), ApiError> {
    runtime.vault_activity();
    Ok(())
}

/// A wallet's private key, to show once for a backup, after the vault's passphrase.
#[tauri::command]
#[specta::specta]
pub async fn reveal_wallet_key(
    runtime: State<'_, Runtime>,
    address_or_label: String,
    passphrase: String,
) -> Result<RevealedKey, ApiError> {
    runtime
        .reveal_wallet_key(&address_or_label, &secret("passphrase", passphrase)?)
        .await
}

/// The user saved a generated wallet's key ("I saved it"): it may now trade live.
#[tauri::command]
#[specta::specta]
pub async fn confirm_wallet_backup(
    runtime: State<'_, Runtime>,
    address_or_label: String,
) -> Result<(), ApiError> {
    runtime.confirm_wallet_backup(&address_or_label).await
}
