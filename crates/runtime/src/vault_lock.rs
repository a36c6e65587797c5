//! Locking the vault (issue #16, point 4): whether the OS keychain keeps the data key, "lock
//! now", and auto-lock after a configurable idle time.
//!
//! Invariants:
//! - a locked vault leaves no key in the runtime: the [`Vault`] (and its data key) is dropped,
//!   every live bot's task is stopped first (its state saved and its in-flight order settled,
//!   as at quit), then every wallet's exchange client (each holding an `OrderSigner`) and user
//!   feed watcher is dropped; the live bots wait with [`WaitReason::VaultLocked`] and a
//!   sentence, and unlocking activates them again (a bot that was running runs);
//! - the keychain preference is read before the vault is opened at start, so a vault kept out
//!   of the keychain asks for its passphrase after every restart; choosing it removes the
//!   keychain entry; switching the keychain on needs the passphrase (checked here, in Rust);
//! - a folder with no preference saved gets one at start: the keychain stays on for a vault
//!   made before this option existed, and is off for a new vault;
//! - the vault file's write counter (its generation) is remembered in the database, at
//!   every unlock and by the background tick; a vault found at start with a lower one (an
//!   older copy put in its place) stays locked, saying so, and only the passphrase typed by
//!   the user (an unlock) accepts it, which is written to the activity log;
//! - auto-lock (unless `RuntimeConfig::auto_lock` is off) judges idleness by the runtime's clock, from the last [`Runtime::vault_activity`]
//!   (the window reports user input) or unlock; [`Runtime::check_auto_lock`] is what the
//!   background tick calls, so tests drive it with an injected clock and no sleeps.

use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use polyagent_domain::secret::SecretString;
use polyagent_store::Database;
use polyagent_vault::{Vault, VaultConfig};
use serde::{Deserialize, Serialize};

use crate::api_error::{ApiError, ErrorCode};
use crate::restore::BotSlot;
use crate::wallets::{self, VaultSlot, VaultStatus};
use crate::{Runtime, RuntimeEvent, lock};

/// The settings row holding [`VaultPrefs`].
const PREFS_KEY: &str = "vault_prefs";
/// The settings row holding the highest vault generation this folder's app has seen.
const GENERATION_KEY: &str = "vault_generation";

/// The longest auto-lock delay, in minutes (a day).
const MAX_AUTO_LOCK_MINUTES: u32 = 24 * 60;

/// How often the background task checks for idleness.
const TICK: Duration = Duration::from_secs(15);

/// How the vault keeps its data key between runs, and when it locks itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VaultPrefs {
    /// Keep the data key in the OS keychain, so the app starts without the passphrase. Off:
    /// the passphrase is asked at every start (and the keychain entry is removed).
    pub keychain: bool,
    /// Lock after this many minutes without activity in the window (1 to 1440); `None`: never.
    pub auto_lock_minutes: Option<u32>,
}

/// Why a live bot waits instead of trading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum WaitReason {
    /// The vault is locked (at start, by the user, or after idling): its passphrase unlocks it
    /// and the bot trades again.
    VaultLocked,
    /// The wallet or the exchange cannot be used yet; the detail says why.
    WalletUnavailable,
}

impl WaitReason {
    /// The wait behind an activation error.
    pub(crate) fn of(error: &ApiError) -> Self {
        match error.code {
            ErrorCode::VaultLocked | ErrorCode::VaultMissing => Self::VaultLocked,
            _ => Self::WalletUnavailable,
        }
    }
}

/// Why the vault was locked while the app ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LockCause {
    User,
    Idle(u32),
}

impl LockCause {
    fn sentence(self) -> String {
        match self {
            Self::User => "the vault was locked: enter its passphrase to unlock it".into(),
            Self::Idle(minutes) => format!(
                "the vault locked itself after {minutes} min without activity: enter its \
                 passphrase to unlock it"
            ),
        }
    }
}

/// The runtime's vault preferences and idle clock.
#[derive(Debug)]
pub(crate) struct Guard {
    /// The vault configuration the caller gave (its keychain is the one the option uses).
    base: VaultConfig,
    prefs: Mutex<VaultPrefs>,
    last_activity_ms: AtomicI64,
    ticker: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// The highest vault generation seen (see the module docs).
    generation: std::sync::atomic::AtomicU64,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(task) = lock(&self.ticker).take() {
            task.abort();
        }
    }
}

impl Guard {
    /// Reads the preferences (saving the default for this folder when there are none) before
    /// the vault is opened.
    pub(crate) async fn load(db: &Database, base: &VaultConfig, now_ms: i64) -> Self {
        let saved: Option<VaultPrefs> = db.settings().get(PREFS_KEY).await.ok().flatten();
        let prefs = match saved {
            Some(prefs) => prefs,
            None => {
                let prefs = VaultPrefs {
                    // A vault made before the option kept its key in the keychain.
                    keychain: Vault::exists(base),
                    auto_lock_minutes: None,
                };
                let now = polyagent_store::Timestamp::from_millis(now_ms);
                if let Err(error) = db.settings().put(PREFS_KEY, &prefs, now).await {
                    tracing::warn!(%error, "could not save the vault preferences");
                }
                prefs
            }
        };
        let generation: u64 = db
            .settings()
            .get(GENERATION_KEY)
            .await
            .ok()
            .flatten()
            .unwrap_or(0);
        Self {
            base: base.clone(),
            prefs: Mutex::new(prefs),
            last_activity_ms: AtomicI64::new(now_ms),
            ticker: Mutex::new(None),
            generation: std::sync::atomic::AtomicU64::new(generation),
        }
    }

    /// The vault as opened at start, unless it opened without a passphrase from the operator
    /// (the keychain) and is older than the last one seen: then it stays locked (its data key
    /// dropped) until the user unlocks it with the passphrase.
    pub(crate) fn refuse_rollback(&self, slot: VaultSlot, operator_passphrase: bool) -> VaultSlot {
        let seen = self.generation.load(Ordering::Relaxed);
        match slot {
            VaultSlot::Open(vault) if vault.generation() < seen && !operator_passphrase => {
                VaultSlot::Locked(format!(
                    "the vault file is older than the one PolyAgent last used (write {} of at \
                 least {seen}): an old copy may have been put in its place. Enter the \
                 passphrase to use it anyway",
                    vault.generation()
                ))
            }
            other => other,
        }
    }

    /// The vault configuration to open, create and unlock with: without a keychain unless
    /// the preference keeps one.
    pub(crate) fn config(&self) -> VaultConfig {
        if lock(&self.prefs).keychain {
            self.base.clone()
        } else {
            self.base.clone().no_keychain()
        }
    }

    fn touch(&self, now_ms: i64) {
        self.last_activity_ms.fetch_max(now_ms, Ordering::Relaxed);
    }
}

/// Starts the background idle check (a weak handle: it ends with the runtime).
pub(crate) fn start_ticker(runtime: &Runtime) {
    let weak = std::sync::Arc::downgrade(&runtime.inner);
    let task = tokio::spawn(async move {
        // A passphrase given by the operator (headless) accepts the vault as it is.
        if let Some(inner) = weak.upgrade()
            && inner.config.vault_passphrase.is_some()
        {
            Runtime { inner }.note_vault_generation(true).await;
        }
        let mut interval = tokio::time::interval(TICK);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            let Some(inner) = weak.upgrade() else { return };
            let runtime = Runtime { inner };
            runtime.note_vault_generation(false).await;
            runtime.check_auto_lock().await;
        }
    });
    *lock(&runtime.inner.vault_guard.ticker) = Some(task);
}

fn check_prefs(prefs: &VaultPrefs) -> Result<(), ApiError> {
    if let Some(minutes) = prefs.auto_lock_minutes
        && !(1..=MAX_AUTO_LOCK_MINUTES).contains(&minutes)
    {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!("auto-lock is 1 to {MAX_AUTO_LOCK_MINUTES} minutes, or off; not {minutes}"),
        ));
    }
    Ok(())
}

impl Runtime {
    /// The vault's keychain and auto-lock preferences.
    pub fn vault_prefs(&self) -> VaultPrefs {
        *lock(&self.inner.vault_guard.prefs)
    }

    /// Changes the vault's preferences. Turning the keychain on needs the passphrase (the
    /// data key then leaves the process for the OS keychain); turning it off removes the
    /// keychain entry at once. Both need the vault open.
    ///
    /// # Errors
    /// `INVALID_INPUT` (auto-lock out of range, or the keychain asked for where this runtime
    /// has none, e.g. `--no-keychain`); `VAULT_LOCKED` (locked, or a wrong passphrase).
    pub async fn set_vault_prefs(
        &self,
        prefs: VaultPrefs,
        passphrase: Option<&SecretString>,
    ) -> Result<VaultPrefs, ApiError> {
        check_prefs(&prefs)?;
        let guard = &self.inner.vault_guard;
        let before = self.vault_prefs();
        if prefs.keychain != before.keychain {
            let Some(keychain) = guard.base.keychain() else {
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    "this PolyAgent was started without the OS keychain (--no-keychain)",
                ));
            };
            let mut slot = lock(&self.inner.vault);
            let vault = slot.vault()?;
            if prefs.keychain {
                let passphrase = passphrase.ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::VaultLocked,
                        "keeping the vault's key in the OS keychain needs the passphrase",
                    )
                })?;
                vault
                    .remember_in_keychain(keychain, passphrase)
                    .map_err(|e| wallets::vault_error(&e))?;
            } else {
                vault
                    .forget_keychain_key_in(keychain)
                    .map_err(|e| wallets::vault_error(&e))?;
            }
        }
        self.inner
            .db
            .settings()
            .put(PREFS_KEY, &prefs, self.now())
            .await
            .map_err(|e| wallets::store_error(&e))?;
        *lock(&guard.prefs) = prefs;
        guard.touch(self.now().as_millis());
        Ok(prefs)
    }

    /// The user is active in the window: the auto-lock countdown starts again.
    pub fn vault_activity(&self) {
        self.inner.vault_guard.touch(self.now().as_millis());
    }

    /// Locks the vault now (see the module docs): live bots stop trading and wait, every
    /// signing key is dropped.
    pub async fn lock_vault(&self) -> VaultStatus {
        self.lock_because(LockCause::User).await
    }

    /// Locks the vault when the auto-lock delay has passed since the last activity; answers
    /// whether it locked it now.
    pub async fn check_auto_lock(&self) -> bool {
        let Some(minutes) = self
            .vault_prefs()
            .auto_lock_minutes
            .filter(|_| self.inner.config.auto_lock)
        else {
            return false;
        };
        if !matches!(*lock(&self.inner.vault), VaultSlot::Open(_)) {
            return false;
        }
        let idle_ms = self.now().as_millis()
            - self
                .inner
                .vault_guard
                .last_activity_ms
                .load(Ordering::Relaxed);
        if idle_ms < i64::from(minutes) * 60_000 {
            return false;
        }
        self.lock_because(LockCause::Idle(minutes)).await;
        true
    }

    async fn lock_because(&self, cause: LockCause) -> VaultStatus {
        let sentence = cause.sentence();
        {
            let mut slot = lock(&self.inner.vault);
            if matches!(*slot, VaultSlot::Missing) {
                return slot.status();
            }
            // Dropping the vault wipes its data key; nothing can be signed for a new client.
            *slot = VaultSlot::Locked(sentence.clone());
        }
        let live: Vec<(String, crate::bots::BotHandle)> = lock(&self.inner.bots)
            .iter()
            .filter_map(|(id, slot)| match slot {
                BotSlot::Active {
                    handle,
                    wallet: Some(_),
                } => Some((id.clone(), handle.clone())),
                _ => None,
            })
            .collect();
        for (_, handle) in &live {
            handle.shutdown().await;
        }
        for (_, handle) in &live {
            handle.stopped().await;
        }
        // The bots' tasks are gone: these were the last holders of the signers.
        self.inner.clients.lock().await.clear();
        self.inner.tiers.clear();
        for watcher in lock(&self.inner.watchers).drain(..) {
            watcher.abort();
        }
        for (id, _) in live {
            self.wait_again(&id).await;
        }
        let line = polyagent_store::NewActivity {
            bot_id: None,
            ts: self.now(),
            kind: polyagent_store::ActivityKind::System,
            message: format!("{sentence}; live bots wait until then"),
            detail: None,
        };
        if let Err(error) = self.inner.db.activity().append(&line).await {
            tracing::warn!(%error, "could not append to the activity log");
        }
        let status = self.vault_status();
        let _ = self.inner.events.send(RuntimeEvent::Vault(status.clone()));
        status
    }

    /// Lists a stopped live bot again from its saved state: with the vault locked it waits.
    async fn wait_again(&self, id: &str) {
        let row = match self.inner.db.bots().get(id).await {
            Ok(Some(row)) => row,
            Ok(None) => return,
            Err(error) => {
                tracing::error!(bot = %id, %error, "a paused bot could not be read back");
                return;
            }
        };
        let Some(saved) = row
            .state
            .as_deref()
            .and_then(|state| serde_json::from_str(state).ok())
        else {
            tracing::error!(bot = %id, "a paused bot's saved state could not be read");
            return;
        };
        self.bring_up(id, saved, row.status == "error").await;
    }

    /// Remembers the open vault's generation when it is higher than the one seen; with
    /// `accept_lower` (the user just unlocked it with the passphrase) a lower one too, saying so
    /// in the activity log.
    pub(crate) async fn note_vault_generation(&self, accept_lower: bool) {
        let Some(current) = (match &*lock(&self.inner.vault) {
            VaultSlot::Open(vault) => Some(vault.generation()),
            _ => None,
        }) else {
            return;
        };
        let guard = &self.inner.vault_guard;
        let seen = guard.generation.load(Ordering::Relaxed);
        if current == seen || (current < seen && !accept_lower) {
            return;
        }
        if current < seen {
            let line = polyagent_store::NewActivity {
                bot_id: None,
                ts: self.now(),
                kind: polyagent_store::ActivityKind::System,
                message: format!(
                    "the vault file in use is older than the one PolyAgent last used (write \
                     {current}, last seen {seen}); it was unlocked with its passphrase"
                ),
                detail: None,
            };
            if let Err(error) = self.inner.db.activity().append(&line).await {
                tracing::warn!(%error, "could not append to the activity log");
            }
        }
        guard.generation.store(current, Ordering::Relaxed);
        if let Err(error) = self
            .inner
            .db
            .settings()
            .put(GENERATION_KEY, &current, self.now())
            .await
        {
            tracing::warn!(%error, "could not remember the vault's generation");
        }
    }

    /// After an unlock: the idle clock starts again and waiting bots are activated.
    pub(crate) async fn after_unlock(&self) {
        self.note_vault_generation(true).await;
        self.inner.vault_guard.touch(self.now().as_millis());
        let _ = self
            .inner
            .events
            .send(RuntimeEvent::Vault(self.vault_status()));
        self.wake_waiting().await;
    }
}
