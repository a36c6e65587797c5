//! §13.7 / §13.8: refusals that need a sentence, not a code: accounts that must use a
//! deposit wallet, deposit wallets not deployed yet, close-only regions. The exchange's
//! texts are production's, verbatim.

use alloy_primitives::Address;
use polyagent_domain::trading::SignatureType;
use polyagent_venue::VenueError;
use polyagent_venue::geoblock::GeoAccess;

use crate::stub::{Reply, Stub, client, client_with, config, spec, spec_typed};

const DEPOSIT_WALLET_FLOW: &str =
    r#"{"error":"maker address not allowed, please use the deposit wallet flow"}"#;
const SIGNER_NOT_API_KEY: &str =
    r#"{"error":"the order signer address has to be the address of the API KEY"}"#;

fn deposit_wallet_spec(salt: u64) -> polyagent_venue::order_build::OrderSpec {
    let mut spec = spec_typed(salt, SignatureType::Poly1271);
    spec.funder = Some(Address::repeat_byte(0x42));
    spec
}

#[tokio::test]
async fn an_eoa_on_a_deposit_wallet_account_is_told_what_to_do() {
    let stub = Stub::start().await;
    stub.otherwise("POST", "/order", Reply::new(400, DEPOSIT_WALLET_FLOW));
    let error = client(&stub.base).post_order(&spec(1)).await.unwrap_err();
    assert!(
        matches!(error, VenueError::DepositWalletRequired(_)),
        "{error:?}"
    );
    assert_eq!(
        error.user_sentence(),
        "this Polymarket account must trade through a deposit wallet; import or create the \
         deposit wallet and choose it as this bot's wallet"
    );
}

#[tokio::test]
async fn the_signer_refusal_of_a_deposit_wallet_means_it_is_not_deployed() {
    let stub = Stub::start().await;
    stub.otherwise("POST", "/order", Reply::new(400, SIGNER_NOT_API_KEY));
    let deposit = client_with(config(&stub.base), SignatureType::Poly1271);
    let error = deposit
        .post_order(&deposit_wallet_spec(2))
        .await
        .unwrap_err();
    assert!(
        matches!(error, VenueError::DepositWalletNotDeployed(_)),
        "{error:?}"
    );
    assert!(error.user_sentence().contains("not deployed yet"));

    // The same text for an EOA is a plain signer mismatch.
    let eoa = client(&stub.base);
    let error = eoa.post_order(&spec(3)).await.unwrap_err();
    assert!(
        matches!(error, VenueError::InvalidSignature(_)),
        "{error:?}"
    );
}

#[tokio::test]
async fn batch_entries_are_classified_with_the_signature_type_too() {
    let stub = Stub::start().await;
    stub.otherwise(
        "POST",
        "/orders",
        Reply::new(
            200,
            r#"[{"success":false,"errorMsg":"the order signer address has to be the address of the API KEY","orderID":"","status":"","makingAmount":"","takingAmount":"","transactionsHashes":[],"tradeIDs":[]}]"#,
        ),
    );
    let deposit = client_with(config(&stub.base), SignatureType::Poly1271);
    let results = deposit
        .post_orders(&[deposit_wallet_spec(4)])
        .await
        .unwrap();
    assert!(
        matches!(results[0], Err(VenueError::DepositWalletNotDeployed(_))),
        "{results:?}"
    );
}

#[tokio::test]
async fn a_close_only_region_is_not_a_geoblock() {
    let stub = Stub::start().await;
    stub.script(
        "GET",
        "/api/geoblock",
        vec![
            Reply::new(
                200,
                r#"{"blocked":true,"ip":"127.0.0.1","country":"SG","region":"01"}"#,
            ),
            Reply::new(
                200,
                r#"{"blocked":true,"ip":"127.0.0.1","country":"US","region":"NY"}"#,
            ),
        ],
    );
    let client = client(&stub.base);
    let status = client.geoblock_status().await.unwrap();
    assert_eq!(status.access, GeoAccess::CloseOnly);
    assert!(matches!(
        status.require_open(),
        Err(VenueError::CloseOnly(_))
    ));
    assert!(matches!(
        client.check_geoblock().await,
        Err(VenueError::Geoblocked(_))
    ));
}

#[tokio::test]
async fn an_opening_order_refused_in_a_close_only_region_is_close_only() {
    let stub = Stub::start().await;
    stub.otherwise(
        "POST",
        "/order",
        Reply::new(
            403,
            r#"{"error":"Trading restricted in your region: close-only mode, you may only close existing positions"}"#,
        ),
    );
    let error = client(&stub.base).post_order(&spec(5)).await.unwrap_err();
    assert!(matches!(error, VenueError::CloseOnly(_)), "{error:?}");
    assert!(error.user_sentence().contains("cannot open new positions"));
}
