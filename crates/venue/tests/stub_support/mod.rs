//! Shared by the tests that talk to a scripted stub server instead of the simulator: serving a
//! router on an ephemeral 127.0.0.1 port, and an L2 client with fixed test credentials (no L1
//! step: a stub checks nothing).

#![allow(dead_code)]

use alloy_primitives::B256;
use polyagent_domain::money::{Price, Shares};
use polyagent_domain::secret::{PrivateKey, SecretString};
use polyagent_domain::trading::{OrderType, Side, SignatureType, TickSize, TokenId};
use polyagent_venue::auth::L2Credentials;
use polyagent_venue::client::{AuthedClient, ClientConfig, Endpoints, PublicClient};
use polyagent_venue::eip712::{Chain, Exchange};
use polyagent_venue::order_build::{OrderSize, OrderSpec};
use polyagent_venue::signing::OrderSigner;
use rust_decimal::Decimal;
use std::time::Duration;

/// Hardhat's first test key: never valid for anything but tests.
pub const KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/// Serves `app` on an ephemeral loopback port until the test's runtime ends; answers its URL.
pub async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    base
}

/// The stub tests' client settings: seeded jitter, a 5 s timeout.
pub fn stub_config(base: &str) -> ClientConfig {
    ClientConfig {
        endpoints: Endpoints::simulator(base),
        timeout: Duration::from_secs(5),
        jitter_seed: Some(1),
        ..ClientConfig::default()
    }
}

/// A client of [`KEY`] with fixed L2 credentials.
pub fn stub_client_with(config: ClientConfig, signature_type: SignatureType) -> AuthedClient {
    let signer = OrderSigner::new(&PrivateKey::from_hex(KEY).unwrap()).unwrap();
    let credentials = L2Credentials::new(
        signer.address(),
        "3f2c8a51-6b7d-4e09-9a12-5c4b3e2d1f00",
        SecretString::new("CzBVep_E6Q4zWH2ix-wRNluApcrvFDleg6jN8hc8YYY=").unwrap(),
        SecretString::new("test-passphrase").unwrap(),
    )
    .unwrap();
    AuthedClient::with_credentials(
        PublicClient::new(config).unwrap(),
        signer,
        signature_type,
        0,
        credentials,
    )
}

/// A GTC BUY of 10 shares at 0.50 of token 1001 (tick 0.01, Exchange V2), salted `salt`.
pub fn stub_spec(salt: u64, signature_type: SignatureType) -> OrderSpec {
    OrderSpec {
        chain: Chain::Polygon,
        exchange: Exchange::CtfV2,
        tick_size: TickSize::Hundredth,
        token_id: TokenId::new("1001").unwrap(),
        side: Side::Buy,
        size: OrderSize::Limit {
            price: Price::new(Decimal::new(5, 1)).unwrap(),
            size: Shares::new(Decimal::from(10)).unwrap(),
        },
        signature_type,
        funder: None,
        salt,
        timestamp_ms: 1_767_225_600_000,
        expiration: 0,
        metadata: B256::ZERO,
        builder: B256::ZERO,
        order_type: OrderType::Gtc,
        post_only: false,
        defer_exec: false,
    }
}
