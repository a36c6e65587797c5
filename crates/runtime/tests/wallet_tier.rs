//! The wallet list shows each connected wallet's per-signer trading tier (PROTOCOL.md §13.3),
//! read from the exchange (here the simulator's `GET /v1/user/rate-limit-tier`), and nothing
//! for a wallet that is not connected.

mod common;

use common::{eventually, open_runtime, simulator_now};
use polyagent_runtime::{RateLimitTierView, Runtime, WalletInfo};
use serde_json::json;

/// Hardhat test accounts #1 and #2: public test keys, funded only inside the simulator.
const TRADER: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const IDLE: &str = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";

async fn wallet(runtime: &Runtime, label: &str) -> WalletInfo {
    runtime
        .list_wallets()
        .await
        .unwrap()
        .into_iter()
        .find(|w| w.label == label)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connected_wallet_lists_its_tier_and_an_unconnected_one_none() {
    let sim = simulator_now(json!({
        "name": "tiers", "step_ms": 500,
        "markets": [{"slug": "calm", "question": "Calm?",
            "liquidity": {"spread": "0.02", "levels": 3, "size": "500"},
            "path": {"kind": "scripted", "points": [[0, "0.30"]]}}],
        "wallets": [{"label": "trader", "private_key": TRADER, "pusd": "100",
            "rate_limit_tier": "silver"}]
    }))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_runtime(dir.path(), &sim).await;
    for (label, key) in [("trader", TRADER), ("idle", IDLE)] {
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
    assert_eq!(
        wallet(&runtime, "trader").await.rate_limit_tier,
        None,
        "not connected yet"
    );

    // Any use of the wallet's exchange client connects it; the tier is read in the
    // background.
    runtime.wallet_balance("trader").await.unwrap();
    assert!(
        eventually(|| async {
            wallet(&runtime, "trader").await.rate_limit_tier == Some(RateLimitTierView::Silver)
        })
        .await,
        "the scenario's tier shows: {:?}",
        wallet(&runtime, "trader").await
    );
    assert_eq!(wallet(&runtime, "idle").await.rate_limit_tier, None);
}
