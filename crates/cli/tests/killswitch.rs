//! `polyagent killswitch on` reaches the exchange (issue #16, point 2): with nothing running on
//! the folder it signs in every stored wallet and cancels its orders; with `polyagent run`
//! running it trips that process over the folder's control socket.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;

use common::{KEY, polyagent, run_ok, start_run, stop_run};
use polyagent_domain::money::{Price, Shares};
use polyagent_domain::secret::PrivateKey;
use polyagent_domain::trading::{OrderType, Side, SignatureType, TickSize, TokenId};
use polyagent_simulator::scenario::Scenario;
use polyagent_simulator::server::{SimConfig, SimServer};
use polyagent_venue::client::{AuthedClient, ClientConfig, PublicClient};
use polyagent_venue::eip712::Exchange;
use polyagent_venue::order_build::{OrderSize, OrderSpec};
use polyagent_venue::signing::OrderSigner;
use serde_json::{Value, json};

/// Hardhat test account #2: a public test key, funded only inside the simulator.
const KEY_TWO: &str = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";

struct World {
    sim: SimServer,
    token: String,
    folder: tempfile::TempDir,
    tokio: tokio::runtime::Runtime,
}

/// A simulator with two funded wallets, and a folder pointed at it holding both keys.
fn world() -> World {
    let tokio = tokio::runtime::Runtime::new().unwrap();
    let scenario = Scenario::from_json(
        &json!({
            "name": "killswitch", "step_ms": 500,
            "markets": [{"slug": "calm", "question": "Calm?",
                "liquidity": {"spread": "0.02", "levels": 3, "size": "500"},
                "path": {"kind": "scripted", "points": [[0, "0.50"]]}}],
            "wallets": [{"label": "one", "private_key": KEY, "pusd": "1000"},
                        {"label": "two", "private_key": KEY_TWO, "pusd": "1000"}]
        })
        .to_string(),
    )
    .unwrap();
    let sim = tokio
        .block_on(SimServer::start(SimConfig::manual(
            scenario,
            1_767_225_600_000,
        )))
        .unwrap();
    let token = sim.tokens("calm")[0].clone();
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path();
    run_ok(polyagent(dir, &["exchange", &sim.base_url()]), None);
    for (label, key) in [("one", KEY), ("two", KEY_TWO)] {
        run_ok(
            polyagent(dir, &["wallet", "import", "--label", label]),
            Some(key),
        );
    }
    World {
        sim,
        token,
        folder,
        tokio,
    }
}

impl World {
    fn dir(&self) -> &Path {
        self.folder.path()
    }

    /// Rests a buy far below the market from each wallet, placed by hand at the simulator.
    fn rest_orders(&self) -> Vec<Arc<AuthedClient>> {
        self.tokio.block_on(async {
            let mut clients = Vec::new();
            for (salt, key) in [(21, KEY), (22, KEY_TWO)] {
                let public =
                    PublicClient::new(ClientConfig::simulator(&self.sim.base_url())).unwrap();
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
                    token_id: TokenId::new(self.token.clone()).unwrap(),
                    side: Side::Buy,
                    size: OrderSize::Limit {
                        price: "0.20".parse::<Price>().unwrap(),
                        size: "10".parse::<Shares>().unwrap(),
                    },
                    signature_type: SignatureType::Eoa,
                    funder: None,
                    salt,
                    timestamp_ms: 1_767_225_600_000,
                    expiration: 0,
                    metadata: Default::default(),
                    builder: Default::default(),
                    order_type: OrderType::Gtc,
                    post_only: false,
                    defer_exec: false,
                };
                client.post_order(&order).await.unwrap();
                assert_eq!(client.open_orders(None, None).await.unwrap().len(), 1);
                clients.push(client);
            }
            clients
        })
    }

    fn open_orders(&self, clients: &[Arc<AuthedClient>]) -> usize {
        self.tokio.block_on(async {
            let mut open = 0;
            for client in clients {
                open += client.open_orders(None, None).await.unwrap().len();
            }
            open
        })
    }
}

/// Both wallets swept, one order each.
fn assert_both_swept(report: &Value) {
    let wallets = report["wallets"].as_array().unwrap();
    assert_eq!(wallets.len(), 2, "{report}");
    for wallet in wallets {
        assert_eq!(wallet["outcome"]["kind"], "swept", "{wallet}");
        assert_eq!(
            wallet["outcome"]["cancelled"].as_array().unwrap().len(),
            1,
            "{wallet}"
        );
    }
    assert_eq!(report["killswitch"]["tripped"], true);
}

#[test]
fn with_nothing_running_killswitch_on_cancels_every_wallets_orders_at_the_exchange() {
    let world = world();
    let clients = world.rest_orders();

    let out = run_ok(
        polyagent(
            world.dir(),
            &["killswitch", "on", "--reason", "drill", "--json"],
        ),
        None,
    );
    let tripped: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(tripped["via"], "thisProcess", "{tripped}");
    assert_both_swept(&tripped["report"]);
    assert_eq!(
        world.open_orders(&clients),
        0,
        "no order rests at the simulator"
    );

    let status = run_ok(polyagent(world.dir(), &["status", "--json"]), None);
    let status: Value = serde_json::from_str(status.trim()).unwrap();
    assert_eq!(status["killswitch"]["tripped"], true, "{status}");
    assert_eq!(status["killswitch"]["reason"], "drill");
}

#[cfg(unix)]
#[test]
fn with_polyagent_run_running_killswitch_on_trips_that_instance() {
    let world = world();
    let mut running = start_run(world.dir(), "warn", Stdio::inherit());
    let clients = world.rest_orders();

    let status = run_ok(polyagent(world.dir(), &["status"]), None);
    assert!(
        status.contains("a PolyAgent is running") && status.contains("killswitch off"),
        "{status}"
    );
    let out = run_ok(
        polyagent(
            world.dir(),
            &["killswitch", "on", "--reason", "drill", "--json"],
        ),
        None,
    );
    let tripped: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(tripped["via"], "runningInstance", "{tripped}");
    assert_both_swept(&tripped["report"]);
    assert_eq!(
        world.open_orders(&clients),
        0,
        "no order rests at the simulator"
    );

    // The running instance itself tripped: it says so on its event stream.
    let event = loop {
        let line = running
            .lines
            .recv_timeout(common::DEADLINE)
            .expect("the run announced the trip");
        if line.contains("\"killswitch\"") {
            break line;
        }
    };
    let event: Value = serde_json::from_str(&event).unwrap();
    assert_eq!(event["killswitch"]["tripped"], true, "{event}");
    stop_run(&mut running);
    assert!(
        !world.dir().join("polyagent.sock").exists(),
        "the socket goes with the run"
    );
}

#[test]
fn limits_saved_above_their_ceilings_fail_closed_in_status_until_set_again() {
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path();
    run_ok(polyagent(dir, &["limits", "show"]), None);
    // What an older version, with no ceilings, could have stored.
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let db = polyagent_store::Database::open(dir.join("polyagent.db"))
            .await
            .unwrap();
        let old = json!({"max_daily_loss": "5000000", "max_trades_per_day": 100,
                         "max_exposure_per_bot": "50", "max_exposure_total": "250"});
        db.settings()
            .put(
                "daily_limits",
                &old,
                polyagent_store::Timestamp::from_millis(0),
            )
            .await
            .unwrap();
        db.close().await;
    });

    let status = run_ok(polyagent(dir, &["status", "--json"]), None);
    let status: Value = serde_json::from_str(status.trim()).unwrap();
    assert_eq!(status["killswitch"]["tripped"], true, "{status}");
    assert_eq!(
        status["killswitch"]["faults"],
        json!([{"setting": "dailyLimits", "problem": "noLongerValid"}])
    );
    let text = run_ok(polyagent(dir, &["status"]), None);
    assert!(text.contains("SAFETY STATE FAILED CLOSED"), "{text}");
    assert!(text.contains("polyagent limits set"), "{text}");

    let refused = polyagent(
        dir,
        &[
            "limits",
            "set",
            "--max-daily-loss",
            "5000000",
            "--max-trades-per-day",
            "100",
            "--max-exposure-per-bot",
            "50",
            "--max-exposure-total",
            "250",
            "--json",
        ],
    )
    .output()
    .unwrap();
    assert!(!refused.status.success());
    let error: Value = serde_json::from_slice(&refused.stdout).unwrap();
    assert_eq!(error["code"], "INVALID_CONFIG", "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("max_daily_loss"),
        "{error}"
    );

    run_ok(
        polyagent(
            dir,
            &[
                "limits",
                "set",
                "--max-daily-loss",
                "50",
                "--max-trades-per-day",
                "100",
                "--max-exposure-per-bot",
                "50",
                "--max-exposure-total",
                "250",
            ],
        ),
        None,
    );
    let status = run_ok(polyagent(dir, &["status", "--json"]), None);
    let status: Value = serde_json::from_str(status.trim()).unwrap();
    assert_eq!(status["killswitch"]["tripped"], false, "{status}");
    assert_eq!(status["killswitch"]["faults"], json!([]));
}
