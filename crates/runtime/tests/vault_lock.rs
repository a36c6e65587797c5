//! The vault as a wallet people trust (issue #16, point 4): kept out of the keychain, it asks for
//! its passphrase after every restart; locked (by hand or after idling, judged by the injected
//! clock), live bots stop trading and say why; unlocked, they trade again.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use polyagent_engine::Timestamp;
use polyagent_engine::config::{BotSpec, Overrides, Profile};
use polyagent_runtime::{
    Clock, ExecutionPlan, NewBotRequest, Runtime, RuntimeConfig, RuntimeEvent, VaultPrefs,
    WaitReason,
};
use polyagent_vault::{KdfParams, Keychain, MemoryKeychain, SecretString, VaultConfig};
use rust_decimal::Decimal;
use serde_json::json;

mod common;
use common::{START_MS, simulator, simulator_now, wait_for};

const PASSPHRASE: &str = "a long vault passphrase";
/// Hardhat test account #1: a public test key, funded only inside the simulator.
const KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

/// A clock the test moves by hand.
#[derive(Debug)]
struct ManualClock(AtomicI64);

impl ManualClock {
    fn advance_minutes(&self, minutes: i64) {
        self.0.fetch_add(minutes * 60_000, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

fn secret(text: &str) -> SecretString {
    SecretString::new(text).unwrap()
}

fn config_with(dir: &std::path::Path, keychain: &Arc<MemoryKeychain>) -> RuntimeConfig {
    let keychain: Arc<dyn Keychain> = keychain.clone();
    let mut config = RuntimeConfig::new(dir);
    config.vault = VaultConfig::new(dir)
        .with_kdf(KdfParams::INSECURE_FAST)
        .with_keychain(keychain);
    config
}

async fn reopen(runtime: Runtime, config: RuntimeConfig) -> Runtime {
    runtime.shutdown(false).await;
    drop(runtime);
    Runtime::open(config).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vault_kept_out_of_the_keychain_asks_for_its_passphrase_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let keychain = Arc::new(MemoryKeychain::new());
    let config = config_with(dir.path(), &keychain);
    let runtime = Runtime::open(config.clone()).await.unwrap();
    assert_eq!(runtime.vault_status().state, "missing");
    // A new vault stays out of the keychain by default.
    assert!(!runtime.vault_prefs().keychain);
    runtime.create_vault(PASSPHRASE).await.unwrap();
    assert_eq!(runtime.vault_status().mode.as_deref(), Some("passphrase"));
    assert!(keychain.is_empty());

    let runtime = reopen(runtime, config.clone()).await;
    assert_eq!(runtime.vault_status().state, "locked");
    assert!(
        runtime
            .import_wallet("w", &secret(KEY), 0, None)
            .await
            .is_err()
    );
    runtime.unlock_vault(PASSPHRASE).await.unwrap();
    assert_eq!(runtime.vault_status().state, "open");

    // Keeping the key in the keychain needs the passphrase, checked in Rust.
    let on = VaultPrefs {
        keychain: true,
        auto_lock_minutes: None,
    };
    let refused = runtime
        .set_vault_prefs(on, Some(&secret("not the passphrase")))
        .await
        .unwrap_err();
    assert_eq!(refused.code, polyagent_runtime::ErrorCode::VaultLocked);
    assert!(runtime.set_vault_prefs(on, None).await.is_err());
    assert!(keychain.is_empty() && !runtime.vault_prefs().keychain);
    runtime
        .set_vault_prefs(on, Some(&secret(PASSPHRASE)))
        .await
        .unwrap();
    assert_eq!(keychain.len(), 1);
    let runtime = reopen(runtime, config.clone()).await;
    assert_eq!(runtime.vault_status().state, "open");
    assert_eq!(runtime.vault_status().mode.as_deref(), Some("keychain"));

    // Turning it off removes the keychain entry: the next start asks again.
    let off = VaultPrefs {
        keychain: false,
        auto_lock_minutes: None,
    };
    runtime.set_vault_prefs(off, None).await.unwrap();
    assert!(keychain.is_empty());
    let runtime = reopen(runtime, config.clone()).await;
    assert_eq!(runtime.vault_status().state, "locked");
    runtime.shutdown(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vault_made_before_the_option_keeps_using_the_keychain() {
    let dir = tempfile::tempdir().unwrap();
    let keychain = Arc::new(MemoryKeychain::new());
    let config = config_with(dir.path(), &keychain);
    polyagent_vault::Vault::create(&config.vault, &secret(PASSPHRASE)).unwrap();
    assert_eq!(keychain.len(), 1);
    let runtime = Runtime::open(config).await.unwrap();
    assert!(runtime.vault_prefs().keychain);
    assert_eq!(runtime.vault_status().mode.as_deref(), Some("keychain"));
    runtime.shutdown(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_lock_pauses_live_bots_and_unlock_resumes_them() {
    // A live wallet connects: the exchange's clock must be near this computer's.
    let sim = simulator_now(json!({
        "name": "lock", "step_ms": 500,
        "markets": [{"slug": "calm", "question": "Calm?",
            "liquidity": {"spread": "0.02", "levels": 3, "size": "500"},
            "path": {"kind": "scripted", "points": [[0, "0.30"]]}}],
        "wallets": [{"label": "trader", "private_key": KEY, "pusd": "100"}]
    }))
    .await;
    let token = sim.tokens("calm")[0].clone();
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock(AtomicI64::new(
        i64::try_from(START_MS).unwrap(),
    )));
    let mut config = RuntimeConfig::new(dir.path());
    config.vault = VaultConfig::new(dir.path())
        .no_keychain()
        .with_kdf(KdfParams::INSECURE_FAST);
    config.vault_passphrase = Some(secret(PASSPHRASE));
    config.clock = clock.clone();
    // The user's own commands, as typed in the CLI (the questions have their own tests).
    config.confirmer = Arc::new(polyagent_runtime::stepup::TypedCommand);
    let runtime = Runtime::open(config).await.unwrap();
    runtime
        .update_settings(polyagent_runtime::AppSettings {
            exchange: polyagent_runtime::ExchangeChoice::Simulator {
                url: sim.base_url(),
            },
            ..polyagent_runtime::AppSettings::default()
        })
        .await
        .unwrap();
    // A test key: live bots off Polymarket trade only from those.
    runtime
        .import_test_key("trader", &secret(KEY), 0, None)
        .await
        .unwrap();
    let mut events = runtime.subscribe();
    let bot = runtime
        .create_bot(NewBotRequest {
            spec: BotSpec {
                name: "Live fader".into(),
                wallet: "trader".into(),
                token_id: token,
                complement_token_id: None,
                strategy: "spike-sam".into(),
                profile: Profile::Live,
                overrides: Overrides {
                    trade_size: Some(Decimal::from(10)),
                    ..Overrides::default()
                },
            },
            execution: ExecutionPlan::Live,
            start: true,
        })
        .await
        .unwrap();
    let id = bot.id.clone();
    let running = |id: String| {
        move |e: &RuntimeEvent| {
            matches!(e, RuntimeEvent::BotStatus(b) if b.id == id && b.status == "running")
                .then_some(())
        }
    };
    if runtime.get_bot(&id).unwrap().status != "running" {
        wait_for(&mut events, running(id.clone())).await;
    }

    // Out of range is refused with a sentence.
    let bad = VaultPrefs {
        keychain: false,
        auto_lock_minutes: Some(0),
    };
    assert!(runtime.set_vault_prefs(bad, None).await.is_err());
    let five = VaultPrefs {
        keychain: false,
        auto_lock_minutes: Some(5),
    };
    runtime.set_vault_prefs(five, None).await.unwrap();
    clock.advance_minutes(4);
    assert!(!runtime.check_auto_lock().await);
    // Activity in the window restarts the countdown.
    runtime.vault_activity();
    clock.advance_minutes(4);
    assert!(!runtime.check_auto_lock().await);
    assert_eq!(runtime.vault_status().state, "open");
    clock.advance_minutes(2);
    assert!(runtime.check_auto_lock().await);

    let status = runtime.vault_status();
    assert_eq!(status.state, "locked");
    assert!(status.detail.unwrap().contains("5 min without activity"));
    let paused = runtime.get_bot(&id).unwrap();
    assert_eq!(paused.status, "stopped");
    assert_eq!(paused.waiting_for, Some(WaitReason::VaultLocked));
    assert!(
        paused
            .status_detail
            .as_deref()
            .unwrap()
            .contains("the vault is locked"),
        "{:?}",
        paused.status_detail
    );
    // No signing key is left: a new wallet cannot be added and the wallet is not connected.
    assert!(runtime.generate_wallet("other").await.is_err());
    assert!(runtime.wallet_balance("trader").await.is_err());
    // Locking again is harmless.
    assert!(!runtime.check_auto_lock().await);

    runtime.unlock_vault(PASSPHRASE).await.unwrap();
    wait_for(&mut events, running(id.clone())).await;
    let resumed = runtime.get_bot(&id).unwrap();
    assert_eq!(resumed.waiting_for, None);
    assert!(runtime.wallet_balance("trader").await.is_ok());

    // "Lock now" does the same, whatever the auto-lock setting.
    let status = runtime.lock_vault().await;
    assert_eq!(status.state, "locked");
    assert_eq!(
        runtime.get_bot(&id).unwrap().waiting_for,
        Some(WaitReason::VaultLocked)
    );
    runtime.unlock_vault(PASSPHRASE).await.unwrap();
    wait_for(&mut events, running(id.clone())).await;
    runtime.shutdown(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_wallet_trades_live_only_after_its_backup_is_confirmed() {
    let sim = simulator(json!({
        "name": "backup", "step_ms": 500,
        "markets": [{"slug": "calm", "question": "Calm?",
            "liquidity": {"spread": "0.02", "levels": 3, "size": "500"},
            "path": {"kind": "scripted", "points": [[0, "0.30"]]}}],
        "wallets": []
    }))
    .await;
    let token = sim.tokens("calm")[0].clone();
    let dir = tempfile::tempdir().unwrap();
    let runtime = common::open_runtime(dir.path(), &sim).await;
    let generated = runtime.generate_wallet("fresh").await.unwrap();
    assert!(generated.wallet.needs_backup);
    let shown = generated.key.expose_str().to_owned();
    assert_eq!(shown.len(), 66);
    assert!(
        !format!("{generated:?}").contains(&shown[2..]),
        "Debug is redacted"
    );
    let listed = runtime.list_wallets().await.unwrap();
    assert!(listed[0].needs_backup);

    let fresh_live = || NewBotRequest {
        spec: BotSpec {
            name: "Fresh".into(),
            wallet: "fresh".into(),
            token_id: token.clone(),
            complement_token_id: None,
            strategy: "spike-sam".into(),
            profile: Profile::Live,
            overrides: Overrides::default(),
        },
        execution: ExecutionPlan::Live,
        start: false,
    };
    let refused = runtime.create_bot(fresh_live()).await.unwrap_err();
    assert_eq!(refused.code, polyagent_runtime::ErrorCode::Conflict);
    assert!(
        refused.message.contains("never confirmed saved"),
        "{refused}"
    );

    // The key is shown again only with the passphrase; the confirmation lifts the block.
    assert!(
        runtime
            .reveal_wallet_key("fresh", &secret("not the passphrase"))
            .await
            .is_err()
    );
    let again = runtime
        .reveal_wallet_key("fresh", &secret("a test vault passphrase"))
        .await
        .unwrap();
    assert_eq!(again.expose_str(), shown);
    runtime.confirm_wallet_backup("fresh").await.unwrap();
    assert!(!runtime.list_wallets().await.unwrap()[0].needs_backup);
    // Backed up, the next rule speaks: a generated key is no test key, so on this simulator
    // it still does not trade live (on Polymarket it now would).
    let refused = runtime.create_bot(fresh_live()).await.unwrap_err();
    assert_eq!(
        refused.code,
        polyagent_runtime::ErrorCode::LiveNeedsTestKey,
        "{refused}"
    );
    runtime.shutdown(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_copy_of_the_vault_file_is_not_opened_by_the_keychain_alone() {
    let dir = tempfile::tempdir().unwrap();
    let keychain = Arc::new(MemoryKeychain::new());
    let config = config_with(dir.path(), &keychain);
    let runtime = Runtime::open(config.clone()).await.unwrap();
    runtime.create_vault(PASSPHRASE).await.unwrap();
    let on = VaultPrefs {
        keychain: true,
        auto_lock_minutes: None,
    };
    runtime
        .set_vault_prefs(on, Some(&secret(PASSPHRASE)))
        .await
        .unwrap();
    let older = std::fs::read(config.vault.path()).unwrap();
    runtime
        .import_wallet("w", &secret(KEY), 0, None)
        .await
        .unwrap();
    let runtime = reopen(runtime, config.clone()).await;
    assert_eq!(runtime.vault_status().state, "open");
    runtime.shutdown(false).await;
    drop(runtime);

    // The older copy (same data key: no key was deleted since) put back in place.
    std::fs::write(config.vault.path(), &older).unwrap();
    let runtime = Runtime::open(config.clone()).await.unwrap();
    let status = runtime.vault_status();
    assert_eq!(status.state, "locked");
    assert!(
        status.detail.as_deref().unwrap().contains("older than"),
        "{status:?}"
    );
    // The user's passphrase accepts it, and says so in the activity log.
    runtime.unlock_vault(PASSPHRASE).await.unwrap();
    let lines = runtime.activity(None, None, 50).await.unwrap();
    assert!(
        lines.iter().any(|l| l.message.contains("older than")),
        "{lines:?}"
    );
    let runtime = reopen(runtime, config).await;
    assert_eq!(runtime.vault_status().state, "open");
    runtime.shutdown(false).await;
}
