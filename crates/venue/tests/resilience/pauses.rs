//! §13.4: 425 while the matching engine restarts, 503 in post-only and cancel-only mode.

use std::time::Duration;

use polyagent_domain::trading::TokenId;
use polyagent_venue::VenueError;
use polyagent_venue::venue_error::{ExchangePause, PauseKind};

use crate::stub::{BOOK, Reply, Stub, accepted, client, client_with, config, spec};

fn token() -> TokenId {
    TokenId::new("1001").unwrap()
}

#[tokio::test]
async fn reads_answered_425_are_retried_until_the_engine_is_back() {
    let stub = Stub::start().await;
    stub.script(
        "GET",
        "/book",
        vec![Reply::new(425, ""), Reply::new(425, "service not ready")],
    );
    stub.otherwise("GET", "/book", Reply::new(200, BOOK));
    let book = client(&stub.base).book(&token()).await.unwrap();
    assert!(book.best_bid().is_some());
    assert_eq!(stub.hits("GET", "/book"), 3);
}

#[tokio::test]
async fn cancels_answered_425_are_retried_honouring_retry_after() {
    let stub = Stub::start().await;
    stub.script(
        "DELETE",
        "/order",
        vec![Reply::new(425, "").header("retry-after", "0")],
    );
    stub.otherwise(
        "DELETE",
        "/order",
        Reply::new(200, r#"{"canceled":["0x01"],"not_canceled":{}}"#),
    );
    let outcome = client(&stub.base).cancel_order("0x01").await.unwrap();
    assert_eq!(outcome.canceled, vec!["0x01".to_owned()]);
    assert_eq!(stub.hits("DELETE", "/order"), 2);
}

#[tokio::test]
async fn a_restart_that_outlasts_the_policy_ends_in_a_typed_pause() {
    let stub = Stub::start().await;
    stub.otherwise(
        "GET",
        "/book",
        Reply::new(425, "").header("retry-after", "0"),
    );
    let mut config = config(&stub.base);
    config.max_retries = 3;
    let error = client_with(config, polyagent_domain::trading::SignatureType::Eoa)
        .book(&token())
        .await
        .unwrap_err();
    assert_eq!(
        error.pause(),
        Some(ExchangePause {
            kind: PauseKind::Restarting,
            retry_after: Some(Duration::ZERO)
        })
    );
    // One attempt and three retries: bounded, never a loop that waits for ever.
    assert_eq!(stub.hits("GET", "/book"), 4);
}

#[tokio::test]
async fn a_long_retry_after_is_handed_to_the_caller_not_slept_on() {
    let stub = Stub::start().await;
    // 90 s is past the policy's total wait: the client answers at once.
    stub.otherwise(
        "GET",
        "/book",
        Reply::new(425, "").header("retry-after", "90"),
    );
    let error = client(&stub.base).book(&token()).await.unwrap_err();
    assert_eq!(
        error,
        VenueError::EngineRestarting {
            retry_after: Some(Duration::from_secs(90))
        }
    );
    assert_eq!(stub.hits("GET", "/book"), 1);
}

#[tokio::test]
async fn an_order_post_answered_425_is_refused_once_and_never_reposted() {
    let stub = Stub::start().await;
    stub.otherwise("POST", "/order", Reply::new(425, "service not ready"));
    let error = client(&stub.base).post_order(&spec(1)).await.unwrap_err();
    assert_eq!(error, VenueError::EngineRestarting { retry_after: None });
    // Refused before anything happened: not an unknown outcome, and not posted again.
    assert_eq!(stub.hits("POST", "/order"), 1);
}

#[tokio::test]
async fn post_only_mode_is_a_pause_with_the_body_s_retry_after_seconds() {
    let stub = Stub::start().await;
    stub.otherwise(
        "POST",
        "/order",
        Reply::new(
            503,
            r#"{"error":"post_only_mode","retry_after_seconds":30}"#,
        ),
    );
    let error = client(&stub.base).post_order(&spec(2)).await.unwrap_err();
    assert_eq!(
        error.pause(),
        Some(ExchangePause {
            kind: PauseKind::PostOnly,
            retry_after: Some(Duration::from_secs(30))
        })
    );
    assert!(!matches!(error, VenueError::SubmitOutcomeUnknown { .. }));
    assert_eq!(stub.hits("POST", "/order"), 1);
}

#[tokio::test]
async fn the_mode_may_be_named_by_a_code_beside_a_generic_message() {
    let stub = Stub::start().await;
    stub.otherwise(
        "POST",
        "/order",
        Reply::new(
            503,
            r#"{"error":"Service Unavailable","code":"post_only_mode"}"#,
        ),
    );
    let error = client(&stub.base).post_order(&spec(8)).await.unwrap_err();
    assert_eq!(error, VenueError::PostOnlyMode { retry_after: None });
}

#[tokio::test]
async fn cancel_only_mode_honours_the_retry_after_header() {
    let stub = Stub::start().await;
    stub.otherwise(
        "POST",
        "/order",
        Reply::new(
            503,
            r#"{"error":"the exchange is in cancel-only mode, only cancels are accepted"}"#,
        )
        .header("retry-after", "12"),
    );
    let error = client(&stub.base).post_order(&spec(3)).await.unwrap_err();
    assert_eq!(
        error,
        VenueError::CancelOnlyMode {
            retry_after: Some(Duration::from_secs(12))
        }
    );
    assert_eq!(stub.hits("POST", "/order"), 1);
}

#[tokio::test]
async fn other_5xx_on_an_order_post_stay_unknown_outcomes() {
    let stub = Stub::start().await;
    stub.otherwise("POST", "/order", Reply::new(502, "bad gateway"));
    let error = client(&stub.base).post_order(&spec(4)).await.unwrap_err();
    assert!(
        matches!(error, VenueError::SubmitOutcomeUnknown { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn batch_entries_carrying_post_only_mode_are_pauses() {
    let stub = Stub::start().await;
    let body = format!(
        "[{},{}]",
        accepted("0xaa"),
        r#"{"success":false,"errorMsg":"post_only_mode","orderID":"","status":"","makingAmount":"","takingAmount":"","transactionsHashes":[],"tradeIDs":[]}"#
    );
    stub.otherwise("POST", "/orders", Reply::new(200, &body));
    let results = client(&stub.base)
        .post_orders(&[spec(5), spec(6)])
        .await
        .unwrap();
    assert!(results[0].is_ok());
    assert_eq!(
        results[1].as_ref().unwrap_err().pause().map(|p| p.kind),
        Some(PauseKind::PostOnly)
    );
    // A whole batch refused with 503 post_only_mode: refused, not unknown.
    stub.script(
        "POST",
        "/orders",
        vec![Reply::new(503, r#"{"error":"post_only_mode"}"#)],
    );
    let error = client(&stub.base)
        .post_orders(&[spec(7)])
        .await
        .unwrap_err();
    assert_eq!(error, VenueError::PostOnlyMode { retry_after: None });
}
