//! Shared setup of the simulator-backed tests: an in-process simulator on an ephemeral
//! 127.0.0.1 port with a manual clock, clients pointed at it, and admin calls.

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use alloy_primitives::B256;
use polyagent_domain::money::{Price, Shares};
use polyagent_domain::secret::PrivateKey;
use polyagent_domain::trading::{OrderType, Side, SignatureType, TokenId};
use polyagent_simulator::scenario::Scenario;
use polyagent_simulator::server::{ClockMode, SimConfig, SimServer, unix_now_ms};
use polyagent_venue::client::{AuthedClient, ClientConfig, Endpoints, PublicClient};
use polyagent_venue::eip712::{Chain, Exchange};
use polyagent_venue::order_build::{OrderSize, OrderSpec};
use polyagent_venue::signing::OrderSigner;
use polyagent_venue::types::MarketInfo;
use serde_json::Value;

pub const TRADER_KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
pub const RAIN: &str = "net-rain-tomorrow";

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub struct Sim {
    pub server: SimServer,
    pub http: reqwest::Client,
}

impl Sim {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// [`Self::start`] with the fixture scenario changed by `edit` first.
    pub async fn start_with(edit: impl FnOnce(&mut Scenario)) -> Self {
        let path = fixture("net_scenario.json");
        let (mut scenario, base_dir) = Scenario::load(&path).unwrap();
        edit(&mut scenario);
        let server = SimServer::start(SimConfig {
            scenario,
            base_dir,
            // Near wall time so that L1/L2 timestamps look ordinary; it only moves when a
            // test advances it.
            clock: ClockMode::Manual {
                start_ms: unix_now_ms() / 1000 * 1000,
            },
            port: 0,
            seed: *b"polyagent-venue-net-tests-seed!!",
            latency_probe: None,
        })
        .await
        .unwrap();
        // The admin routes need the run's token and JSON bodies.
        let http = polyagent_simulator::operator::admin_client(server.admin_token()).unwrap();
        let sim = Self { server, http };
        // One step so the liquidity providers quote.
        sim.advance(1000).await;
        sim
    }

    pub fn base(&self) -> String {
        self.server.base_url()
    }

    pub fn config(&self) -> ClientConfig {
        ClientConfig {
            endpoints: Endpoints::simulator(&self.base()),
            chain: Chain::Amoy,
            timeout: Duration::from_secs(5),
            backoff_base: Duration::from_millis(5),
            backoff_max: Duration::from_millis(40),
            max_retries: 4,
            jitter_seed: Some(42),
            ..ClientConfig::default()
        }
    }

    pub fn public(&self) -> PublicClient {
        PublicClient::new(self.config()).unwrap()
    }

    pub async fn authed(&self) -> AuthedClient {
        let key = PrivateKey::from_hex(TRADER_KEY).unwrap();
        let signer = OrderSigner::new(&key).unwrap();
        AuthedClient::connect(self.public(), signer, SignatureType::Eoa, 0)
            .await
            .unwrap()
    }

    pub async fn admin(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}/admin/{path}", self.base()))
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "admin {path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    pub async fn state(&self) -> Value {
        self.http
            .get(format!("{}/admin/state", self.base()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn advance(&self, ms: u64) {
        self.admin("clock", serde_json::json!({ "advance_ms": ms }))
            .await;
    }

    pub async fn faults(&self, faults: Value) {
        self.admin("faults", faults).await;
    }
}

/// A GTC limit order for `market`'s first or second outcome. Salt and timestamp are
/// injected so that every order is reproducible.
pub fn limit(
    market: &MarketInfo,
    outcome: usize,
    side: Side,
    price: &str,
    size: &str,
    salt: u64,
) -> OrderSpec {
    OrderSpec {
        chain: Chain::Amoy,
        exchange: Exchange::for_gamma_version(market.protocol.gamma_name(), market.neg_risk)
            .unwrap(),
        tick_size: market.tick_size,
        token_id: market.outcomes[outcome].token_id.clone(),
        side,
        size: OrderSize::Limit {
            price: price.parse::<Price>().unwrap(),
            size: size.parse::<Shares>().unwrap(),
        },
        signature_type: SignatureType::Eoa,
        funder: None,
        salt,
        timestamp_ms: 1_767_225_600_000 + salt,
        expiration: 0,
        metadata: B256::ZERO,
        builder: B256::ZERO,
        order_type: OrderType::Gtc,
        post_only: false,
        defer_exec: false,
    }
}

pub fn token(text: &str) -> TokenId {
    TokenId::new(text).unwrap()
}

/// Polls `condition` until it holds or `within` passes: waiting on an outcome, not a
/// fixed sleep.
pub async fn eventually<F, Fut>(within: Duration, mut condition: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if condition().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
