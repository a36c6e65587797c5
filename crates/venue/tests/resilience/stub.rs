//! A scripted exchange on 127.0.0.1: each `METHOD /path` answers from its own queue of
//! scripted answers, then with its default; every request is recorded (method, path,
//! body) so that tests can count exactly what reached the exchange.

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use polyagent_domain::trading::SignatureType;
use polyagent_venue::client::{AuthedClient, ClientConfig, Endpoints};
use polyagent_venue::order_build::OrderSpec;

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

impl Reply {
    pub fn new(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.to_owned(),
        }
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }
}

/// One request as the exchange saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub body: String,
}

#[derive(Default)]
struct Script {
    queues: HashMap<String, VecDeque<Reply>>,
    defaults: HashMap<String, Reply>,
    seen: Vec<Seen>,
}

#[derive(Clone, Default)]
pub struct Stub {
    script: Arc<Mutex<Script>>,
    pub base: String,
}

fn key(method: &str, path: &str) -> String {
    format!("{} {path}", method.to_ascii_uppercase())
}

impl Stub {
    pub async fn start() -> Self {
        let mut stub = Stub::default();
        let app = Router::new().fallback(answer).with_state(stub.clone());
        stub.base = crate::stub_support::serve(app).await;
        stub
    }

    /// Answers `method path` with `replies` in turn, then with its default.
    pub fn script(&self, method: &str, path: &str, replies: Vec<Reply>) {
        self.script
            .lock()
            .unwrap()
            .queues
            .entry(key(method, path))
            .or_default()
            .extend(replies);
    }

    pub fn otherwise(&self, method: &str, path: &str, reply: Reply) {
        self.script
            .lock()
            .unwrap()
            .defaults
            .insert(key(method, path), reply);
    }

    /// How many requests reached `method path`.
    pub fn hits(&self, method: &str, path: &str) -> usize {
        self.seen_at(method, path).len()
    }

    pub fn seen_at(&self, method: &str, path: &str) -> Vec<Seen> {
        self.script
            .lock()
            .unwrap()
            .seen
            .iter()
            .filter(|s| s.method == method.to_ascii_uppercase() && s.path == path)
            .cloned()
            .collect()
    }
}

async fn answer(State(stub): State<Stub>, method: Method, uri: Uri, body: Bytes) -> Response {
    let path = uri.path().to_owned();
    let reply = {
        let mut script = stub.script.lock().unwrap();
        script.seen.push(Seen {
            method: method.as_str().to_owned(),
            path: path.clone(),
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        let k = key(method.as_str(), &path);
        script
            .queues
            .get_mut(&k)
            .and_then(VecDeque::pop_front)
            .or_else(|| script.defaults.get(&k).cloned())
    };
    let Some(reply) = reply else {
        return (StatusCode::NOT_FOUND, r#"{"error":"no such route"}"#).into_response();
    };
    let mut headers = HeaderMap::new();
    for (name, value) in &reply.headers {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    (
        StatusCode::from_u16(reply.status).unwrap(),
        headers,
        reply.body,
    )
        .into_response()
}

pub const BOOK: &str = r#"{"market":"0x01","asset_id":"1001","timestamp":"1767225600000","hash":"0x","bids":[{"price":"0.48","size":"10"}],"asks":[{"price":"0.52","size":"10"}],"min_order_size":"5","tick_size":"0.01","neg_risk":false,"last_trade_price":"0.5"}"#;

pub fn accepted(order_id: &str) -> String {
    format!(
        r#"{{"success":true,"errorMsg":"","orderID":"{order_id}","status":"live","makingAmount":"","takingAmount":"","transactionsHashes":[],"tradeIDs":[]}}"#
    )
}

pub fn config(base: &str) -> ClientConfig {
    ClientConfig {
        endpoints: Endpoints::simulator(base),
        timeout: Duration::from_secs(5),
        jitter_seed: Some(1),
        backoff_base: Duration::from_millis(2),
        backoff_max: Duration::from_millis(20),
        max_retries: 4,
        ..ClientConfig::default()
    }
}

pub fn client_with(config: ClientConfig, signature_type: SignatureType) -> AuthedClient {
    crate::stub_support::stub_client_with(config, signature_type)
}

pub fn client(base: &str) -> AuthedClient {
    client_with(config(base), SignatureType::Eoa)
}

pub fn spec(salt: u64) -> OrderSpec {
    spec_typed(salt, SignatureType::Eoa)
}

pub fn spec_typed(salt: u64, signature_type: SignatureType) -> OrderSpec {
    crate::stub_support::stub_spec(salt, signature_type)
}
