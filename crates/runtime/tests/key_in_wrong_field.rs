//! Issue #16, point 5: a private key typed into the wrong field (a wallet label, the funder,
//! a market search or lookup) is refused before it is stored or sent, and the refusal never
//! quotes it. A condition id (also `0x` + 64 hex digits) still looks a market up.

mod common;

use common::{open_runtime, simulator};
use polyagent_runtime::ErrorCode;
use polyagent_vault::SecretString;
use serde_json::json;

/// The wallet this test imports: Hardhat's second test key.
const KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
/// Another valid key, of no wallet here.
const STRANGER: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

fn never_echoes(message: &str) {
    for part in ["59c6995e", "ac0974be"] {
        assert!(!message.contains(part), "the key is quoted: {message}");
    }
}

#[tokio::test]
async fn a_key_in_the_wrong_field_is_refused_without_echo() {
    let sim = simulator(json!({
        "name": "keys", "step_ms": 500,
        "markets": [{"slug": "calm", "question": "Calm?",
            "liquidity": {"spread": "0.02", "levels": 3, "size": "500"},
            "path": {"kind": "scripted", "points": [[0, "0.50"]]}}]
    }))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_runtime(dir.path(), &sim).await;
    let key = SecretString::new(KEY).unwrap();
    runtime
        .import_wallet("trader", &key, 0, None)
        .await
        .unwrap();

    // Labels, on import and on rename, with and without 0x.
    let stranger = SecretString::new(format!("0x{STRANGER}")).unwrap();
    for label in [KEY, KEY.trim_start_matches("0x"), STRANGER] {
        let refused = runtime
            .import_wallet(label, &stranger, 0, None)
            .await
            .unwrap_err();
        assert_eq!(refused.code, ErrorCode::InvalidInput);
        assert!(
            refused.message.contains("private key"),
            "{}",
            refused.message
        );
        never_echoes(&refused.message);
        let refused = runtime.rename_wallet("trader", label).await.unwrap_err();
        assert_eq!(refused.code, ErrorCode::InvalidInput);
        never_echoes(&refused.message);
    }
    // The funder field, and any other text that is not an address.
    for funder in [KEY, STRANGER, "0x59c6995e not an address"] {
        let refused = runtime
            .import_wallet("proxy", &stranger, 1, Some(funder))
            .await
            .unwrap_err();
        assert_eq!(refused.code, ErrorCode::InvalidInput);
        never_echoes(&refused.message);
    }
    let labels: Vec<String> = runtime
        .list_wallets()
        .await
        .unwrap()
        .into_iter()
        .map(|w| w.label)
        .collect();
    assert_eq!(labels, ["trader"], "nothing was stored");

    // Search and lookup: the key of a wallet here is refused before anything is sent...
    for text in [
        KEY.to_owned(),
        KEY.trim_start_matches("0x").to_owned(),
        format!("is {KEY} ok"),
    ] {
        let refused = runtime.search_markets(&text).await.unwrap_err();
        assert_eq!(refused.code, ErrorCode::InvalidInput);
        never_echoes(&refused.message);
        let refused = runtime.lookup_market(&text).await.unwrap_err();
        assert_eq!(refused.code, ErrorCode::InvalidInput);
        never_echoes(&refused.message);
    }
    // ...while a condition id, the same shape, still finds its market.
    let found = runtime.search_markets("Calm").await.unwrap();
    let condition_id = found[0].condition_id.clone();
    assert_eq!(condition_id.len(), 66, "0x + 64 hex digits");
    let market = runtime.lookup_market(&condition_id).await.unwrap();
    assert_eq!(market.slug, "calm");
}
