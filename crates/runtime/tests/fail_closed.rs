//! Safety that fails closed (issue #16, point 2): a killswitch, limits or settings row that
//! cannot be read, or that this version no longer accepts, stops the bots and says why until
//! the user sets it again; and a trip cancels every wallet's orders at the exchange first,
//! wallets not connected included.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::{open_runtime, paper, simulator_now};
use polyagent_domain::money::{Price, Shares};
use polyagent_domain::secret::PrivateKey;
use polyagent_domain::trading::{OrderType, Side, SignatureType, TickSize, TokenId};
use polyagent_engine::config::{BotSpec, DailyLimits, Overrides, Profile};
use polyagent_runtime::{
    AppSettings, ErrorCode, ExchangeChoice, Runtime, RuntimeConfig, SafetyFault, SafetyProblem,
    SafetySetting, SweepOutcome,
};
use polyagent_simulator::server::SimServer;
use polyagent_venue::client::{AuthedClient, ClientConfig, PublicClient};
use polyagent_venue::eip712::Exchange;
use polyagent_venue::order_build::{OrderSize, OrderSpec};
use polyagent_venue::signing::OrderSigner;
use rust_decimal::Decimal;
use serde_json::json;

/// Hardhat test accounts #1 and #2: public test keys, funded only inside the simulator.
const KEYS: [&str; 2] = [
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
];

async fn world() -> (SimServer, String) {
    // Wallets connect here: the exchange's clock must be within 30 s of this computer's.
    let sim = simulator_now(json!({
        "name": "fail-closed", "step_ms": 500,
        "markets": [{"slug": "calm", "question": "Calm?",
            "liquidity": {"spread": "0.02", "levels": 3, "size": "500"},
            "path": {"kind": "scripted", "points": [[0, "0.50"]]}}],
        "wallets": [{"label": "one", "private_key": KEYS[0], "pusd": "1000"},
                    {"label": "two", "private_key": KEYS[1], "pusd": "1000"}]
    }))
    .await;
    let token = sim.tokens("calm")[0].clone();
    (sim, token)
}

/// Opens the folder as the app does, without choosing an exchange (a reopen must show what
/// is stored, not repair it).
async fn reopen(dir: &Path) -> Runtime {
    let mut config = RuntimeConfig::new(dir);
    config.vault = polyagent_vault::VaultConfig::new(dir)
        .no_keychain()
        .with_kdf(polyagent_vault::KdfParams::INSECURE_FAST);
    config.vault_passphrase =
        Some(polyagent_vault::SecretString::new("a test vault passphrase").unwrap());
    // The user typed these commands: confirmed, as in the CLI.
    config.confirmer = std::sync::Arc::new(polyagent_runtime::stepup::TypedCommand);
    Runtime::open(config).await.unwrap()
}

/// Writes `value` under `key` in the folder's database, bypassing the app (a damaged file,
/// or what an older version stored).
async fn write_row(dir: &Path, key: &str, value: &str) {
    use sqlx::ConnectOptions;
    let mut db = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(dir.join(polyagent_runtime::DATABASE_FILE))
        .connect()
        .await
        .unwrap();
    // The table checks that values are JSON: a damaged file has no such guarantee.
    sqlx::query("PRAGMA ignore_check_constraints = ON")
        .execute(&mut db)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, 0)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(&mut db)
    .await
    .unwrap();
    sqlx::Connection::close(db).await.unwrap();
}

fn spec(token: &str) -> BotSpec {
    BotSpec {
        name: "Calm".into(),
        wallet: "paper".into(),
        token_id: token.into(),
        complement_token_id: None,
        strategy: "spike-sam".into(),
        profile: Profile::Normal,
        overrides: Overrides::default(),
    }
}

/// A folder with a running paper bot on the simulator, closed; returns the bot's id.
async fn folder_with_a_running_bot(dir: &Path, sim: &SimServer, token: &str) -> String {
    let runtime = open_runtime(dir, sim).await;
    let bot = runtime.create_bot(paper(spec(token))).await.unwrap();
    runtime.start_bot(&bot.id).await.unwrap();
    runtime.shutdown(false).await;
    bot.id
}

/// The runtime stops the bot, says why, refuses to start it, and trades again only after
/// `repair` (and a start by the user).
async fn assert_fails_closed(
    runtime: &Runtime,
    bot: &str,
    fault: SafetyFault,
    repair: impl AsyncFnOnce(&Runtime),
) {
    let state = runtime.killswitch_state();
    assert!(state.tripped, "the bots may not trade: {state:?}");
    assert_eq!(state.faults, vec![fault]);
    assert!(runtime.killswitch_tripped());
    assert_eq!(runtime.safety_faults(), vec![fault]);
    let summary = runtime.get_bot(bot).unwrap();
    assert_eq!(summary.status, "stopped", "{summary:?}");
    assert!(
        runtime.bot(bot).is_err(),
        "the bot was not restored into trading"
    );
    let refused = runtime.start_bot(bot).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::SafetyStateInvalid, "{refused:?}");

    repair(runtime).await;
    assert!(runtime.safety_faults().is_empty());
    assert!(runtime.killswitch_state().faults.is_empty());
    assert_eq!(
        runtime.get_bot(bot).unwrap().status,
        "stopped",
        "repairing starts nothing by itself"
    );
    runtime.start_bot(bot).await.unwrap();
    assert_eq!(runtime.get_bot(bot).unwrap().status, "running");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupted_killswitch_row_stops_trading_until_the_killswitch_is_set_again() {
    let (sim, token) = world().await;
    let dir = tempfile::tempdir().unwrap();
    let bot = folder_with_a_running_bot(dir.path(), &sim, &token).await;
    // Garbage, then JSON of a shape no version writes.
    for garbage in ["\u{0}garbage{", r#"{"state": "melted"}"#] {
        write_row(dir.path(), "killswitch", garbage).await;
        let runtime = reopen(dir.path()).await;
        let fault = SafetyFault {
            setting: SafetySetting::Killswitch,
            problem: SafetyProblem::Unreadable,
        };
        assert_fails_closed(&runtime, &bot, fault, async |rt| {
            rt.arm_killswitch().await.unwrap();
            assert!(!rt.killswitch_tripped());
        })
        .await;
        runtime.shutdown(false).await;
    }
    // Repaired for good: the next start reads it.
    let runtime = reopen(dir.path()).await;
    assert!(runtime.safety_faults().is_empty());
    assert_eq!(runtime.get_bot(&bot).unwrap().status, "running");
    runtime.shutdown(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupted_or_outgrown_daily_limits_stop_trading_until_they_are_set_again() {
    let (sim, token) = world().await;
    let dir = tempfile::tempdir().unwrap();
    let bot = folder_with_a_running_bot(dir.path(), &sim, &token).await;
    for (value, problem) in [
        ("[1, 2", SafetyProblem::Unreadable),
        (
            // Above today's ceilings: stored by an older version.
            r#"{"max_daily_loss": "5000000", "max_trades_per_day": 100,
                "max_exposure_per_bot": "50", "max_exposure_total": "250"}"#,
            SafetyProblem::NoLongerValid,
        ),
    ] {
        write_row(dir.path(), "daily_limits", value).await;
        let runtime = reopen(dir.path()).await;
        let fault = SafetyFault {
            setting: SafetySetting::DailyLimits,
            problem,
        };
        assert_fails_closed(&runtime, &bot, fault, async |rt| {
            let over = DailyLimits {
                max_daily_loss: Decimal::from(5_000_000),
                ..DailyLimits::default()
            };
            let refused = rt.set_daily_limits(over).await.unwrap_err();
            assert_eq!(refused.code, ErrorCode::InvalidConfig);
            assert!(refused.message.contains("max_daily_loss"), "{refused:?}");
            assert!(
                !rt.safety_faults().is_empty(),
                "a refused value repairs nothing"
            );
            rt.set_daily_limits(DailyLimits::default()).await.unwrap();
        })
        .await;
        assert!(!runtime.killswitch_tripped());
        runtime.shutdown(false).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupted_settings_or_a_simulator_off_this_computer_stop_trading_until_saved_again() {
    let (sim, token) = world().await;
    let dir = tempfile::tempdir().unwrap();
    let bot = folder_with_a_running_bot(dir.path(), &sim, &token).await;
    for (value, problem) in [
        ("not json", SafetyProblem::Unreadable),
        (
            r#"{"exchange": {"kind": "simulator", "url": "http://paper.example.com:4100"}}"#,
            SafetyProblem::NoLongerValid,
        ),
    ] {
        write_row(dir.path(), "app_settings", value).await;
        let runtime = reopen(dir.path()).await;
        assert_ne!(
            runtime.settings().exchange,
            ExchangeChoice::Simulator {
                url: "http://paper.example.com:4100".into()
            },
            "a refused address is never used"
        );
        let fault = SafetyFault {
            setting: SafetySetting::Settings,
            problem,
        };
        assert_fails_closed(&runtime, &bot, fault, async |rt| {
            rt.update_settings(AppSettings {
                exchange: ExchangeChoice::Simulator {
                    url: sim.base_url(),
                },
                ..AppSettings::default()
            })
            .await
            .unwrap();
        })
        .await;
        runtime.shutdown(false).await;
    }
}

/// Rests a buy far below the market for `key`'s wallet, placed by hand at the simulator.
async fn rest_an_order(sim: &SimServer, key: &str, token: &str, salt: u64) -> Arc<AuthedClient> {
    let public = PublicClient::new(ClientConfig::simulator(&sim.base_url())).unwrap();
    let signer = OrderSigner::new(&PrivateKey::from_hex(key).unwrap()).unwrap();
    let client = Arc::new(
        AuthedClient::connect(public, signer, SignatureType::Eoa, 0)
            .await
            .unwrap(),
    );
    let order = OrderSpec {
        chain: client.config().chain,
        exchange: Exchange::CtfV2,
        tick_size: TickSize::Hundredth,
        token_id: TokenId::new(token).unwrap(),
        side: Side::Buy,
        size: OrderSize::Limit {
            price: "0.20".parse::<Price>().unwrap(),
            size: "10".parse::<Shares>().unwrap(),
        },
        signature_type: SignatureType::Eoa,
        funder: None,
        salt,
        timestamp_ms: common::START_MS,
        expiration: 0,
        metadata: Default::default(),
        builder: Default::default(),
        order_type: OrderType::Gtc,
        post_only: false,
        defer_exec: false,
    };
    client.post_order(&order).await.unwrap();
    assert_eq!(client.open_orders(None, None).await.unwrap().len(), 1);
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trip_cancels_every_wallets_orders_first_connected_or_not() {
    let (sim, token) = world().await;
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_runtime(dir.path(), &sim).await;
    for (label, key) in ["one", "two"].into_iter().zip(KEYS) {
        runtime
            .import_wallet(
                label,
                &polyagent_vault::SecretString::new(key).unwrap(),
                0,
                None,
            )
            .await
            .unwrap();
    }
    // Wallet one is connected (its balance was shown); wallet two never was.
    runtime.wallet_balance("one").await.unwrap();
    let clients = [
        rest_an_order(&sim, KEYS[0], &token, 11).await,
        rest_an_order(&sim, KEYS[1], &token, 12).await,
    ];

    let report = runtime.trip_killswitch_report("test").await.unwrap();
    assert_eq!(report.wallets.len(), 2, "{report:?}");
    for sweep in &report.wallets {
        match &sweep.outcome {
            SweepOutcome::Swept { cancelled, refused } => {
                assert_eq!(cancelled.len(), 1, "{sweep:?}");
                assert!(refused.is_empty(), "{sweep:?}");
            }
            other => panic!("{} was not swept: {other:?}", sweep.label),
        }
    }
    assert_eq!(report.cancelled().len(), 2);
    assert!(report.killswitch.tripped);
    for client in clients {
        assert!(
            client.open_orders(None, None).await.unwrap().is_empty(),
            "no order rests at the simulator"
        );
    }
    runtime.shutdown(false).await;
}

/// Quitting with "cancel my orders" sweeps as a trip does: every stored wallet, connected or not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quit_that_cancels_orders_sweeps_every_wallet_connected_or_not() {
    let (sim, token) = world().await;
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_runtime(dir.path(), &sim).await;
    for (label, key) in ["one", "two"].into_iter().zip(KEYS) {
        runtime
            .import_wallet(
                label,
                &polyagent_vault::SecretString::new(key).unwrap(),
                0,
                None,
            )
            .await
            .unwrap();
    }
    // Wallet one is connected (its balance was shown); wallet two never was.
    runtime.wallet_balance("one").await.unwrap();
    let clients = [
        rest_an_order(&sim, KEYS[0], &token, 13).await,
        rest_an_order(&sim, KEYS[1], &token, 14).await,
    ];

    let cancelled = runtime.shutdown(true).await;
    assert_eq!(cancelled.len(), 2, "{cancelled:?}");
    for client in clients {
        assert!(
            client.open_orders(None, None).await.unwrap().is_empty(),
            "no order rests at the simulator"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trip_is_never_held_up_by_an_exchange_that_does_not_answer() {
    // An exchange on this computer that accepts connections and never says a word.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((connection, _)) = silent.accept().await {
            open.push(connection);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let mut config = RuntimeConfig::new(dir.path());
    config.vault = polyagent_vault::VaultConfig::new(dir.path())
        .no_keychain()
        .with_kdf(polyagent_vault::KdfParams::INSECURE_FAST);
    config.vault_passphrase =
        Some(polyagent_vault::SecretString::new("a test vault passphrase").unwrap());
    // The user typed these commands: confirmed, as in the CLI.
    config.confirmer = std::sync::Arc::new(polyagent_runtime::stepup::TypedCommand);
    config.request_timeout = std::time::Duration::from_secs(600);
    config.killswitch_deadline = std::time::Duration::from_millis(300);
    let runtime = Runtime::open(config).await.unwrap();
    runtime
        .update_settings(AppSettings {
            exchange: ExchangeChoice::Simulator { url },
            ..AppSettings::default()
        })
        .await
        .unwrap();
    for (label, key) in ["one", "two"].into_iter().zip(KEYS) {
        runtime
            .import_wallet(
                label,
                &polyagent_vault::SecretString::new(key).unwrap(),
                0,
                None,
            )
            .await
            .unwrap();
    }

    let started = std::time::Instant::now();
    let report = runtime.trip_killswitch_report("drill").await.unwrap();
    assert!(
        started.elapsed() < common::DEADLINE,
        "the trip returned after its deadline, not the exchange's timeout"
    );
    assert_eq!(report.wallets.len(), 2);
    for sweep in &report.wallets {
        assert_eq!(sweep.outcome, SweepOutcome::TimedOut, "{sweep:?}");
    }
    assert!(
        runtime.killswitch_tripped(),
        "tripped whatever the exchange did"
    );
    let refused = runtime.trip_killswitch("again").await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::VenueUnavailable);
    assert!(refused.message.contains("no answer in time"), "{refused:?}");
    runtime.shutdown(false).await;
    held.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trip_from_a_folder_opened_to_manage_it_saves_every_bot_stopped() {
    let (sim, token) = world().await;
    let dir = tempfile::tempdir().unwrap();
    let bot = folder_with_a_running_bot(dir.path(), &sim, &token).await;
    let mut config = RuntimeConfig::new(dir.path());
    config.vault = polyagent_vault::VaultConfig::new(dir.path())
        .no_keychain()
        .with_kdf(polyagent_vault::KdfParams::INSECURE_FAST);
    config.vault_passphrase =
        Some(polyagent_vault::SecretString::new("a test vault passphrase").unwrap());
    // The user typed these commands: confirmed, as in the CLI.
    config.confirmer = std::sync::Arc::new(polyagent_runtime::stepup::TypedCommand);
    config.run_bots = false;
    let managing = Runtime::open(config).await.unwrap();
    managing.trip_killswitch("drill").await.unwrap();
    managing.shutdown(false).await;
    drop(managing);

    let runtime = reopen(dir.path()).await;
    assert!(runtime.killswitch_tripped());
    assert_eq!(
        runtime.get_bot(&bot).unwrap().status,
        "stopped",
        "the next run does not restart it"
    );
    runtime.shutdown(false).await;
}
