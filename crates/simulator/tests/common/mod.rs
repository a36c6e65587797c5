//! A small client for driving the simulator over real TCP in tests: plain reqwest and
//! tokio-tungstenite, with orders and auth made by the venue's signing core.

#![allow(dead_code)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use polyagent_domain::money::{Price, Shares};
use polyagent_domain::secret::{PrivateKey, SecretString};
use polyagent_domain::trading::{OrderType, Side, SignatureType, TickSize, TokenId};
use polyagent_simulator::scenario::Scenario;
use polyagent_simulator::server::{SimConfig, SimServer};
use polyagent_venue::auth::{HttpMethod, L2Credentials};
use polyagent_venue::eip712::{Chain, Exchange};
use polyagent_venue::order_build::{OrderSize, OrderSpec};
use polyagent_venue::signing::OrderSigner;
use polyagent_venue::wire::PostOrderRequest;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, tungstenite::Message};

pub const START_MS: u64 = 1_767_225_600_000;
/// Hardhat/Anvil test accounts #0 and #1 (public test keys, never real funds).
pub const ALICE_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
pub const BOB_KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

/// One market "test-market" whose liquidity provider quotes 0.49 / 0.51 (100 shares a level,
/// 3 levels) around a fixed 0.50, and two funded traders.
pub fn scenario() -> Scenario {
    Scenario::from_json(
        &json!({
            "name": "test",
            "step_ms": 500,
            "markets": [{
                "slug": "test-market", "question": "Will the test pass?",
                "fee": {"rate": "0.02", "exponent": 1},
                "liquidity": {"spread": "0.02", "levels": 3, "size": "100"},
                "path": {"kind": "scripted", "points": [[0, "0.50"]]}
            }, {
                "slug": "neg-risk-market", "question": "Neg risk?", "neg_risk": true,
                "liquidity": {"spread": "0.02", "levels": 2, "size": "50"},
                "path": {"kind": "scripted", "points": [[0, "0.30"]]}
            }],
            "wallets": [
                {"label": "alice", "private_key": ALICE_KEY, "pusd": "1000", "pairs": {"test-market": "100"}},
                {"label": "bob", "private_key": BOB_KEY, "pusd": "1000"}
            ]
        })
        .to_string(),
    )
    .unwrap()
}

pub struct TestSim {
    pub server: SimServer,
    pub http: reqwest::Client,
    pub base: String,
}

pub struct Trader {
    pub signer: OrderSigner,
    pub creds: L2Credentials,
    salt: std::sync::atomic::AtomicU64,
}

impl TestSim {
    pub async fn start() -> Self {
        Self::start_with(scenario()).await
    }

    pub async fn start_with(scenario: Scenario) -> Self {
        let server = SimServer::start(SimConfig::manual(scenario, START_MS))
            .await
            .unwrap();
        let base = server.base_url();
        // Every request carries the run's admin token (the admin routes need it; the others
        // ignore it) and says its body is JSON (the simulator parses nothing else).
        let http = polyagent_simulator::operator::admin_client(server.admin_token()).unwrap();
        Self { server, http, base }
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn admin(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}/admin/{path}", self.base))
            .json(&body)
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

    pub async fn advance(&self, ms: u64) {
        self.admin("clock", json!({"advance_ms": ms})).await;
    }

    pub async fn state(&self) -> Value {
        self.get("/admin/state").await.1
    }

    /// A market's token ids: (YES, NO).
    pub async fn tokens(&self, slug: &str) -> (String, String) {
        let state = self.state().await;
        let market = state["markets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["slug"] == slug)
            .unwrap();
        (
            market["tokens"][0].as_str().unwrap().into(),
            market["tokens"][1].as_str().unwrap().into(),
        )
    }

    pub async fn condition_id(&self, slug: &str) -> String {
        let state = self.state().await;
        let market = state["markets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["slug"] == slug)
            .unwrap();
        market["condition_id"].as_str().unwrap().into()
    }

    /// Creates API credentials over L1, as a client does on first start.
    pub async fn trader(&self, key_hex: &str) -> Trader {
        let signer = OrderSigner::new(&PrivateKey::from_hex(key_hex).unwrap()).unwrap();
        let headers = signer.l1_headers(Chain::Amoy, START_MS / 1000, 0);
        let mut request = self.http.post(format!("{}/auth/api-key", self.base));
        for (name, value) in headers.pairs() {
            request = request.header(name, value);
        }
        let response: Value = request.send().await.unwrap().json().await.unwrap();
        let creds = L2Credentials::new(
            signer.address(),
            response["apiKey"].as_str().unwrap(),
            SecretString::new(response["secret"].as_str().unwrap()).unwrap(),
            SecretString::new(response["passphrase"].as_str().unwrap()).unwrap(),
        )
        .unwrap();
        Trader {
            signer,
            creds,
            salt: std::sync::atomic::AtomicU64::new(1),
        }
    }

    /// A trader for the deposit wallet `wallet` owned by the key `owner_key`: credentials
    /// issued to the wallet (as for deposit wallets, without L1), orders signed by the owner.
    /// The wallet must be registered (`/admin/deposit-wallet`) for its orders to verify.
    pub async fn deposit_trader(&self, owner_key: &str, wallet: &str) -> Trader {
        let signer = OrderSigner::new(&PrivateKey::from_hex(owner_key).unwrap()).unwrap();
        let issued = self.admin("api-key", json!({"address": wallet})).await;
        let creds = L2Credentials::new(
            wallet.parse().unwrap(),
            issued["apiKey"].as_str().unwrap(),
            SecretString::new(issued["secret"].as_str().unwrap()).unwrap(),
            SecretString::new(issued["passphrase"].as_str().unwrap()).unwrap(),
        )
        .unwrap();
        Trader {
            signer,
            creds,
            salt: std::sync::atomic::AtomicU64::new(1_000),
        }
    }

    pub async fn market_ws(&self) -> Ws {
        Ws::connect(&format!("{}/market", self.server.ws_url())).await
    }

    pub async fn user_ws(&self) -> Ws {
        Ws::connect(&format!("{}/user", self.server.ws_url())).await
    }
}

/// A limit order on a standard (non-neg-risk) market at tick 0.01.
pub fn limit(token: &str, side: Side, price: &str, size: &str, order_type: OrderType) -> OrderSpec {
    OrderSpec {
        chain: Chain::Amoy,
        exchange: Exchange::CtfV2,
        tick_size: TickSize::Hundredth,
        token_id: TokenId::new(token).unwrap(),
        side,
        size: OrderSize::Limit {
            price: price.parse::<Price>().unwrap(),
            size: size.parse::<Shares>().unwrap(),
        },
        signature_type: SignatureType::Eoa,
        funder: None,
        salt: 0,
        timestamp_ms: START_MS,
        expiration: 0,
        metadata: Default::default(),
        builder: Default::default(),
        order_type,
        post_only: false,
        defer_exec: false,
    }
}

/// A marketable order (FOK/FAK) priced from `book` as the official clients do: BUY spends
/// `amount` pUSD, SELL sells `amount` shares. Levels are (price, size), best last.
pub fn market(
    token: &str,
    side: Side,
    amount: &str,
    book: &[(&str, &str)],
    order_type: OrderType,
) -> OrderSpec {
    use polyagent_domain::money::Collateral;
    use polyagent_venue::amounts::{BookLevel, MarketAmount};
    let levels: Vec<BookLevel> = book
        .iter()
        .map(|(p, s)| BookLevel {
            price: p.parse().unwrap(),
            size: s.parse().unwrap(),
        })
        .collect();
    let amount = match side {
        Side::Buy => MarketAmount::Collateral(amount.parse::<Collateral>().unwrap()),
        Side::Sell => MarketAmount::Shares(amount.parse::<Shares>().unwrap()),
    };
    let (bids, asks) = match side {
        Side::Buy => (Vec::new(), levels),
        Side::Sell => (levels, Vec::new()),
    };
    let mut spec = limit(token, side, "0.5", "1", order_type);
    spec.size = OrderSize::Market { amount, bids, asks };
    spec
}

impl Trader {
    pub fn address(&self) -> String {
        format!("{:#x}", self.signer.address())
    }

    /// The exact body a client would post for `spec`, and the order id (digest).
    pub fn body(&self, mut spec: OrderSpec) -> (String, String) {
        spec.salt = self.salt.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (signed, _) = spec.sign(&self.signer).unwrap();
        let request = PostOrderRequest {
            order: &signed,
            expiration: spec.expiration,
            owner: self.creds.api_key(),
            order_type: spec.order_type,
            defer_exec: false,
            post_only: spec.post_only,
        };
        (request.to_json(), format!("{:#x}", signed.digest))
    }

    pub async fn send(
        &self,
        sim: &TestSim,
        method: HttpMethod,
        path: &str,
        body: Option<&str>,
    ) -> (u16, Value) {
        let (status, _, answer) = self.send_full(sim, method, path, body).await;
        (status, answer)
    }

    /// [`Self::send`] with the answer's headers.
    pub async fn send_full(
        &self,
        sim: &TestSim,
        method: HttpMethod,
        path: &str,
        body: Option<&str>,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let headers = self.creds.headers(START_MS / 1000, method, path, body);
        let url = format!("{}{path}", sim.base);
        let mut request = match method {
            HttpMethod::Get => sim.http.get(url),
            HttpMethod::Post => sim.http.post(url),
            HttpMethod::Delete => sim.http.delete(url),
            HttpMethod::Put => sim.http.put(url),
        };
        for (name, value) in headers.pairs() {
            request = request.header(name, value);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_owned());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (
            status,
            headers,
            response.json().await.unwrap_or(Value::Null),
        )
    }

    pub async fn get(&self, sim: &TestSim, path_and_query: &str) -> (u16, Value) {
        let path = path_and_query.split('?').next().unwrap();
        let headers = self
            .creds
            .headers(START_MS / 1000, HttpMethod::Get, path, None);
        let mut request = sim.http.get(format!("{}{path_and_query}", sim.base));
        for (name, value) in headers.pairs() {
            request = request.header(name, value);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// The body of an EOA order with exactly these amounts (6-decimal base units), signed for
    /// the standard exchange: for amounts no order builder would produce. Returns (body, id).
    pub fn raw_body(
        &self,
        token: &str,
        side: Side,
        (maker_amount, taker_amount): (u128, u128),
        order_type: OrderType,
        post_only: bool,
    ) -> (String, String) {
        let order = polyagent_venue::eip712::OrderV2 {
            salt: self.salt.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            maker: self.signer.address(),
            signer: self.signer.address(),
            token_id: token.parse().unwrap(),
            maker_amount,
            taker_amount,
            side,
            signature_type: SignatureType::Eoa,
            timestamp_ms: START_MS,
            metadata: Default::default(),
            builder: Default::default(),
        };
        let domain = polyagent_venue::eip712::ExchangeDomain::get(Chain::Amoy, Exchange::CtfV2);
        let signed = self.signer.sign_order(order, domain);
        let request = PostOrderRequest {
            order: &signed,
            expiration: 0,
            owner: self.creds.api_key(),
            order_type,
            defer_exec: false,
            post_only,
        };
        (request.to_json(), format!("{:#x}", signed.digest))
    }

    /// Posts [`Self::raw_body`]; returns (HTTP status, body, order id).
    pub async fn post_raw(
        &self,
        sim: &TestSim,
        token: &str,
        side: Side,
        amounts: (u128, u128),
        order_type: OrderType,
    ) -> (u16, Value, String) {
        let (body, id) = self.raw_body(token, side, amounts, order_type, false);
        let (status, answer) = self
            .send(sim, HttpMethod::Post, "/order", Some(&body))
            .await;
        (status, answer, id)
    }

    /// Posts one order; returns (HTTP status, body, order id).
    pub async fn post(&self, sim: &TestSim, spec: OrderSpec) -> (u16, Value, String) {
        let (body, id) = self.body(spec);
        let (status, answer) = self
            .send(sim, HttpMethod::Post, "/order", Some(&body))
            .await;
        (status, answer, id)
    }

    pub async fn pusd(&self, sim: &TestSim) -> u64 {
        let (_, answer) = self
            .get(
                sim,
                "/balance-allowance?asset_type=COLLATERAL&signature_type=0",
            )
            .await;
        answer["balance"].as_str().unwrap().parse().unwrap()
    }

    pub async fn shares(&self, sim: &TestSim, token: &str) -> u64 {
        let (_, answer) = self
            .get(
                sim,
                &format!(
                    "/balance-allowance?asset_type=CONDITIONAL&token_id={token}&signature_type=0"
                ),
            )
            .await;
        answer["balance"].as_str().unwrap().parse().unwrap()
    }

    pub async fn open_orders(&self, sim: &TestSim) -> Vec<Value> {
        self.get(sim, "/data/orders").await.1["data"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

/// A WebSocket test client that waits for messages with a deadline.
pub struct Ws {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

pub const DEADLINE: Duration = Duration::from_secs(10);

impl Ws {
    async fn connect(url: &str) -> Self {
        let (stream, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        Self { stream }
    }

    pub async fn send(&mut self, text: &str) {
        self.stream.send(Message::Text(text.into())).await.unwrap();
    }

    /// The next text frame, or `None` when the connection closed or nothing came in time.
    pub async fn next_text(&mut self, within: Duration) -> Option<String> {
        loop {
            match tokio::time::timeout(within, self.stream.next()).await {
                Ok(Some(Ok(Message::Text(text)))) => return Some(text.to_string()),
                Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) | Err(_) => {
                    return None;
                }
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    /// Waits for a JSON message (object, or any object inside an array) matching `wanted`.
    pub async fn wait_for(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        let give_up = tokio::time::Instant::now() + DEADLINE;
        loop {
            let left = give_up.saturating_duration_since(tokio::time::Instant::now());
            let text = self
                .next_text(left)
                .await
                .unwrap_or_else(|| panic!("no matching message within {DEADLINE:?}"));
            let Ok(value) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            let items = match value {
                Value::Array(items) => items,
                other => vec![other],
            };
            if let Some(found) = items.into_iter().find(|v| wanted(v)) {
                return found;
            }
        }
    }

    /// Whether the server closed the connection within the deadline.
    pub async fn closed_within(&mut self, within: Duration) -> bool {
        let give_up = tokio::time::Instant::now() + within;
        loop {
            let left = give_up.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, self.stream.next()).await {
                Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => return true,
                Ok(Some(Ok(_))) => continue,
                Err(_) => return false,
            }
        }
    }
}
