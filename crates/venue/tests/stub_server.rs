//! §2.10: a POST refused with `order_version_mismatch` re-reads `/version` and is retried
//! once only when the server still speaks our order format; and the geoblock check.
//! Served by a tiny local stub on 127.0.0.1 that answers exactly what each case needs.

mod stub_support;

use stub_support::{serve, stub_client_with, stub_config, stub_spec};

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use polyagent_domain::trading::SignatureType;
use polyagent_venue::VenueError;
use polyagent_venue::client::AuthedClient;
use polyagent_venue::order_build::OrderSpec;

/// Starts the stub: `/version` answers `version`; `POST /order` refuses the first
/// `mismatches` posts with `order_version_mismatch`, then accepts.
async fn stub(version: u64, mismatches: u64) -> (String, Arc<AtomicU64>) {
    let posts = Arc::new(AtomicU64::new(0));
    let counter = posts.clone();
    let app = Router::new()
        .route(
            "/api/geoblock",
            get(move || async move {
                if version == 3 {
                    r#"{"blocked":true,"ip":"127.0.0.1","country":"US","region":"NY"}"#
                } else {
                    r#"{"blocked":false,"ip":"127.0.0.1","country":"FR","region":"IDF"}"#
                }
            }),
        )
        .route(
            "/version",
            get(move || async move { format!(r#"{{"version":{version}}}"#) }),
        )
        .route(
            "/order",
            post(move || {
                let counter = counter.clone();
                async move {
                    let n = counter.fetch_add(1, Ordering::SeqCst);
                    if n < mismatches {
                        (
                            StatusCode::BAD_REQUEST,
                            r#"{"error":"order_version_mismatch"}"#.to_owned(),
                        )
                    } else {
                        (
                            StatusCode::OK,
                            r#"{"success":true,"errorMsg":"","orderID":"0x01","status":"live","makingAmount":"","takingAmount":"","transactionsHashes":[],"tradeIDs":[]}"#.to_owned(),
                        )
                    }
                }
            }),
        );
    let base = serve(app).await;
    (base, posts)
}

fn client(base: &str) -> AuthedClient {
    stub_client_with(stub_config(base), SignatureType::Eoa)
}

fn spec() -> OrderSpec {
    stub_spec(7, SignatureType::Eoa)
}

#[tokio::test]
async fn same_version_retries_once() {
    let (base, posts) = stub(2, 1).await;
    let ack = client(&base).post_order(&spec()).await.unwrap();
    assert_eq!(ack.order_id, "0x01");
    assert_eq!(posts.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_persistent_mismatch_is_not_retried_twice() {
    let (base, posts) = stub(2, 10).await;
    let error = client(&base).post_order(&spec()).await.unwrap_err();
    assert!(
        matches!(error, VenueError::VersionMismatch { .. }),
        "{error:?}"
    );
    assert_eq!(posts.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_new_server_version_is_reported_not_retried() {
    let (base, posts) = stub(3, 10).await;
    let error = client(&base).post_order(&spec()).await.unwrap_err();
    assert!(
        matches!(
            error,
            VenueError::VersionMismatch {
                server: Some(3),
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(posts.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn geoblock_is_a_typed_error() {
    let (open, _) = stub(2, 0).await;
    client(&open).check_geoblock().await.unwrap();
    // The stub serving version 3 also plays a blocked location.
    let (blocked, _) = stub(3, 0).await;
    assert!(matches!(
        client(&blocked).check_geoblock().await,
        Err(VenueError::Geoblocked(_))
    ));
}
