//! Issue #16, first point, as a user would meet it: someone talks the user into "try my paper
//! server", which relays whatever the app sends it. Nothing it receives may be worth anything
//! on Polymarket: every L1 auth header and every signed order verifies for Amoy (80002) and
//! recovers to someone else under Polygon mainnet's domains.
//!
//! The "paper server" is a recording TCP relay on 127.0.0.1 in front of the simulator: it keeps
//! every byte the app sends, and the test reads the HTTP requests back out of them.

mod common;

use std::sync::{Arc, Mutex};

use alloy_primitives::{Address, B256, Signature, U256};
use common::{DEADLINE, eventually, simulator_now, wait_for};
use polyagent_domain::trading::{Side, SignatureType};
use polyagent_engine::config::{BotSpec, Overrides, Profile};
use polyagent_runtime::{
    AppSettings, ErrorCode, ExchangeChoice, ExecutionPlan, NewBotRequest, Runtime, RuntimeEvent,
};
use polyagent_venue::auth::clob_auth_digest;
use polyagent_venue::eip712::{Chain, Exchange, ExchangeDomain, OrderV2};
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// Hardhat test account #1: a public test key, funded only inside the simulator.
const KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

/// Every byte each connection sent through the relay, one buffer per connection.
type Recorded = Arc<Mutex<Vec<Arc<Mutex<Vec<u8>>>>>>;

/// A relay that records what it is sent and passes it on to the simulator.
struct RecordingRelay {
    url: String,
    recorded: Recorded,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RecordingRelay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RecordingRelay {
    async fn start(target: &str) -> Self {
        let upstream = target.trim_start_matches("http://").to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let own = listener.local_addr().unwrap().to_string();
        let url = format!("http://{own}");
        let recorded = Recorded::default();
        let connections = recorded.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = tokio::net::TcpStream::connect(&upstream).await else {
                    continue;
                };
                let log = Arc::new(Mutex::new(Vec::new()));
                connections.lock().unwrap().push(log.clone());
                // The simulator answers only to its own `Host`: the relay's is swapped for it
                // on the way up (the log keeps what the app sent).
                let hosts = (own.clone().into_bytes(), upstream.clone().into_bytes());
                tokio::spawn(relay(client, server, log, hosts));
            }
        });
        Self {
            url,
            recorded,
            task,
        }
    }

    /// The HTTP requests received so far.
    fn requests(&self) -> Vec<Request> {
        let connections = self.recorded.lock().unwrap().clone();
        connections
            .iter()
            .flat_map(|bytes| parse_requests(&bytes.lock().unwrap()))
            .collect()
    }
}

async fn relay(
    client: tokio::net::TcpStream,
    server: tokio::net::TcpStream,
    log: Arc<Mutex<Vec<u8>>>,
    (own_host, upstream_host): (Vec<u8>, Vec<u8>),
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let upward = async {
        let mut buffer = vec![0u8; 16 * 1024];
        loop {
            let n = match client_read.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            log.lock().unwrap().extend_from_slice(&buffer[..n]);
            let forwarded = common::replace_all(&buffer[..n], &own_host, &upstream_host);
            if server_write.write_all(&forwarded).await.is_err() {
                return;
            }
        }
    };
    let downward = tokio::io::copy(&mut server_read, &mut client_write);
    tokio::select! {
        () = upward => {}
        _ = downward => {}
    }
}

#[derive(Debug)]
struct Request {
    method: String,
    path: String,
    /// Lowercase names.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The HTTP/1.1 requests in one connection's bytes, up to a WebSocket upgrade (frames after
/// it are not HTTP) or an incomplete request.
fn parse_requests(bytes: &[u8]) -> Vec<Request> {
    let mut requests = Vec::new();
    let mut rest = bytes;
    while let Some(end) = rest.windows(4).position(|w| w == b"\r\n\r\n") {
        let head = String::from_utf8_lossy(&rest[..end]).into_owned();
        let mut lines = head.split("\r\n");
        let mut first = lines.next().unwrap_or_default().split(' ');
        let (method, path) = (
            first.next().unwrap_or_default(),
            first.next().unwrap_or_default(),
        );
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let length: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let body_from = end + 4;
        if rest.len() < body_from + length {
            break;
        }
        let request = Request {
            method: method.to_owned(),
            path: path.to_owned(),
            headers,
            body: rest[body_from..body_from + length].to_vec(),
        };
        let upgrade = request
            .header("upgrade")
            .is_some_and(|u| u.eq_ignore_ascii_case("websocket"));
        requests.push(request);
        if upgrade {
            break;
        }
        rest = &rest[body_from + length..];
    }
    requests
}

fn recover(signature_hex: &str, digest: &B256) -> Option<Address> {
    let bytes = hex::decode(signature_hex.trim_start_matches("0x")).ok()?;
    Signature::from_raw(&bytes)
        .ok()?
        .recover_address_from_prehash(digest)
        .ok()
}

/// The signed struct of a posted order's JSON (`{"order": {...}}`), and its signature.
fn posted_order(order: &Value) -> (OrderV2, String) {
    let text = |field: &str| order[field].as_str().unwrap_or_else(|| panic!("{field}"));
    let side = match text("side") {
        "BUY" => Side::Buy,
        _ => Side::Sell,
    };
    let signed = OrderV2 {
        salt: order["salt"].as_u64().unwrap(),
        maker: text("maker").parse().unwrap(),
        signer: text("signer").parse().unwrap(),
        token_id: text("tokenId").parse::<U256>().unwrap(),
        maker_amount: text("makerAmount").parse().unwrap(),
        taker_amount: text("takerAmount").parse().unwrap(),
        side,
        signature_type: SignatureType::from_code(order["signatureType"].as_u64().unwrap()).unwrap(),
        timestamp_ms: text("timestamp").parse().unwrap(),
        metadata: text("metadata").parse().unwrap(),
        builder: text("builder").parse().unwrap(),
    };
    (signed, text("signature").to_owned())
}

async fn market_simulator() -> polyagent_simulator::server::SimServer {
    simulator_now(json!({
        "name": "relay", "step_ms": 500,
        "markets": [{"slug": "spiky", "question": "Spiky?",
            "liquidity": {"spread": "0.02", "levels": 3, "size": "500"},
            "path": {"kind": "scripted", "points": [[0, "0.50"]]}}],
        "wallets": [{"label": "trader", "private_key": KEY, "pusd": "100"}]
    }))
    .await
}

/// A runtime whose exchange is the relay, with the trader's key imported.
async fn runtime_on(relay: &RecordingRelay, dir: &std::path::Path) -> Runtime {
    let mut config = polyagent_runtime::RuntimeConfig::new(dir);
    config.vault = polyagent_vault::VaultConfig::new(dir)
        .no_keychain()
        .with_kdf(polyagent_vault::KdfParams::INSECURE_FAST);
    config.vault_passphrase =
        Some(polyagent_vault::SecretString::new("a test vault passphrase").unwrap());
    // The user's own commands (as typed in the CLI): the step-up questions have their own tests.
    config.confirmer = std::sync::Arc::new(polyagent_runtime::stepup::TypedCommand);
    let runtime = Runtime::open(config).await.unwrap();
    runtime
        .update_settings(AppSettings {
            exchange: ExchangeChoice::Simulator {
                url: relay.url.clone(),
            },
            ..AppSettings::default()
        })
        .await
        .unwrap();
    runtime
        .import_test_key(
            "trader",
            &polyagent_vault::SecretString::new(KEY).unwrap(),
            0,
            None,
        )
        .await
        .unwrap();
    runtime
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_a_relaying_simulator_receives_is_valid_on_polymarket() {
    let sim = market_simulator().await;
    let relay = RecordingRelay::start(&sim.base_url()).await;
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime_on(&relay, dir.path()).await;
    let wallet: Address = polyagent_venue::signing::OrderSigner::new(
        &polyagent_domain::secret::PrivateKey::from_hex(KEY).unwrap(),
    )
    .unwrap()
    .address();

    // Connect the wallet (its L1 step), then have a live bot sign and post an order.
    runtime.wallet_balance("trader").await.unwrap();
    let mut events = runtime.subscribe();
    let bot = runtime
        .create_bot(NewBotRequest {
            spec: BotSpec {
                name: "Relayed".into(),
                wallet: "trader".into(),
                token_id: sim.tokens("spiky")[0].clone(),
                complement_token_id: None,
                strategy: "spike-sam".into(),
                profile: Profile::Live,
                overrides: Overrides {
                    trade_size: Some(Decimal::from(5)),
                    ..Overrides::default()
                },
            },
            execution: ExecutionPlan::Live,
            start: false,
        })
        .await
        .unwrap();
    runtime.start_bot(&bot.id).await.unwrap();
    wait_for(&mut events, |e| {
        matches!(e, RuntimeEvent::BotPrice(p) if p.bot_id == bot.id).then_some(())
    })
    .await;
    runtime.manual_buy(&bot.id, None).await.unwrap();
    assert!(
        eventually(|| async {
            relay
                .requests()
                .iter()
                .any(|r| r.method == "POST" && r.path.starts_with("/order"))
        })
        .await,
        "no order reached the relay within {DEADLINE:?}"
    );
    runtime.stop_bot(&bot.id).await.unwrap();

    let requests = relay.requests();
    // L1 auth: the ClobAuth signature recovers to the wallet for Amoy only.
    let l1: Vec<&Request> = requests
        .iter()
        .filter(|r| r.header("poly_nonce").is_some())
        .collect();
    assert!(!l1.is_empty(), "the wallet connected without L1 auth?");
    for request in &l1 {
        let header = |name: &str| request.header(name).unwrap();
        let address: Address = header("poly_address").parse().unwrap();
        let timestamp: u64 = header("poly_timestamp").parse().unwrap();
        let nonce: u64 = header("poly_nonce").parse().unwrap();
        let signature = header("poly_signature");
        assert_eq!(address, wallet);
        let amoy = clob_auth_digest(Chain::Amoy, address, timestamp, nonce);
        let mainnet = clob_auth_digest(Chain::Polygon, address, timestamp, nonce);
        assert_eq!(recover(signature, &amoy), Some(wallet), "{}", request.path);
        assert_ne!(
            recover(signature, &mainnet),
            Some(wallet),
            "{}",
            request.path
        );
    }
    // Orders: each verifies under Amoy's exchange domain, under none of mainnet's.
    let mut orders = 0;
    for request in requests
        .iter()
        .filter(|r| r.method == "POST" && r.path.starts_with("/order"))
    {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let posted = match body {
            Value::Array(batch) => batch,
            one => vec![one],
        };
        for entry in posted {
            let (order, signature) = posted_order(&entry["order"]);
            let digest =
                |chain, exchange| ExchangeDomain::get(chain, exchange).digest(&order.struct_hash());
            assert_eq!(
                recover(&signature, &digest(Chain::Amoy, Exchange::CtfV2)),
                Some(wallet)
            );
            for exchange in [Exchange::CtfV2, Exchange::NegRiskCtfV2, Exchange::V3] {
                assert_ne!(
                    recover(&signature, &digest(Chain::Polygon, exchange)),
                    Some(wallet),
                    "an order valid on mainnet's {exchange:?}"
                );
            }
            orders += 1;
        }
    }
    assert!(orders >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wallet_does_not_connect_when_the_clocks_differ_by_more_than_30_seconds() {
    let sim = market_simulator().await;
    let relay = RecordingRelay::start(&sim.base_url()).await;
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime_on(&relay, dir.path()).await;
    // The exchange says it is 45 s later than it is here.
    common::admin_http(&sim)
        .post(format!("{}/admin/faults", sim.base_url()))
        .body(json!({"clock_skew_ms": 45_000}).to_string())
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let refused = runtime.wallet_balance("trader").await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::ClockSkew, "{refused}");
    assert!(
        refused
            .message
            .contains("s behind the exchange's, more than the 30 s"),
        "{}",
        refused.message
    );
    // Nothing was signed for it.
    assert!(
        relay
            .requests()
            .iter()
            .all(|r| r.header("poly_signature").is_none()),
        "{:?}",
        relay.requests()
    );
    // Once the clocks agree again, the wallet connects.
    common::admin_http(&sim)
        .post(format!("{}/admin/faults", sim.base_url()))
        .body(json!({"clock_skew_ms": 0}).to_string())
        .send()
        .await
        .unwrap();
    runtime.wallet_balance("trader").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn off_polymarket_a_live_bot_trades_only_from_a_wallet_imported_as_a_test_key() {
    const OTHER: &str = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
    let sim = market_simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let runtime = common::open_runtime(dir.path(), &sim).await;
    let secret = |key: &str| polyagent_vault::SecretString::new(key).unwrap();
    let real = runtime
        .import_wallet("savings", &secret(OTHER), 0, None)
        .await
        .unwrap();
    assert!(!real.test_key);
    let test = runtime
        .import_test_key("trader", &secret(KEY), 0, None)
        .await
        .unwrap();
    assert!(test.test_key);
    let listed = runtime.list_wallets().await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|w| (w.label.as_str(), w.test_key))
            .collect::<Vec<_>>(),
        [("savings", false), ("trader", true)]
    );
    let request = |wallet: &str, execution| NewBotRequest {
        spec: BotSpec {
            name: format!("On {wallet}"),
            wallet: wallet.into(),
            token_id: sim.tokens("spiky")[0].clone(),
            complement_token_id: None,
            strategy: "spike-sam".into(),
            profile: Profile::Live,
            overrides: Overrides::default(),
        },
        execution,
        start: false,
    };
    // A key that may hold real funds signs for Polymarket alone.
    let refused = runtime
        .create_bot(request("savings", ExecutionPlan::Live))
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::LiveNeedsTestKey, "{refused}");
    assert!(
        refused
            .message
            .contains(&format!("live bots on the simulator at {}", sim.base_url())),
        "{}",
        refused.message
    );
    assert!(
        refused.message.contains("\"savings\""),
        "{}",
        refused.message
    );
    assert!(runtime.list_bots().is_empty(), "nothing was created");
    // Paper bots run on any wallet; a test key trades live.
    runtime
        .create_bot(request(
            "savings",
            ExecutionPlan::Paper { cash: "100".into() },
        ))
        .await
        .unwrap();
    let live = runtime
        .create_bot(request("trader", ExecutionPlan::Live))
        .await
        .unwrap();
    runtime.start_bot(&live.id).await.unwrap();
    runtime.stop_bot(&live.id).await.unwrap();
}
