//! Issue #16, point 5: secrets never leave the client by a side door. A malformed 2xx
//! API-key answer is never quoted in the error; a redirect is never followed (the `POLY_*`
//! headers would go with it); Polymarket's hosts are HTTPS only. Stubs on 127.0.0.1 only.

mod stub_support;

use stub_support::{KEY, serve, stub_client_with, stub_config};

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use polyagent_domain::secret::PrivateKey;
use polyagent_domain::trading::SignatureType;
use polyagent_venue::client::{AuthedClient, ClientConfig, Endpoints, PublicClient};
use polyagent_venue::signing::OrderSigner;

const SECRET: &str = "c2VjcmV0LXRoYXQtbXVzdC1uZXZlci1sZWFr";
const PASSPHRASE: &str = "passphrase-that-must-never-leak";

/// Answers both API-key routes with a 2xx body of the wrong shape that carries the secret.
async fn malformed_key_stub(body: &'static str) -> String {
    let answer = move || async move { (StatusCode::OK, body) };
    serve(
        Router::new()
            .route("/auth/api-key", axum::routing::post(answer))
            .route("/auth/derive-api-key", get(answer)),
    )
    .await
}

async fn connect_error(base: &str) -> String {
    let signer = OrderSigner::new(&PrivateKey::from_hex(KEY).unwrap()).unwrap();
    let public = PublicClient::new(stub_config(base)).unwrap();
    match AuthedClient::connect(public, signer, SignatureType::Eoa, 0).await {
        Ok(_) => panic!("a malformed API-key answer was accepted"),
        Err(e) => format!("{e} {e:?}"),
    }
}

#[tokio::test]
async fn a_malformed_api_key_answer_is_never_quoted() {
    // Each way the answer can go wrong: a wrong type next to the secret (serde quotes the
    // value it met), a null passphrase, text after the object, an object cut short.
    let bodies: [&'static str; 4] = [
        r#"{"apiKey":"3f2c8a51","secret":"c2VjcmV0LXRoYXQtbXVzdC1uZXZlci1sZWFr","passphrase":["passphrase-that-must-never-leak"]}"#,
        r#"{"apiKey":"3f2c8a51","secret":"c2VjcmV0LXRoYXQtbXVzdC1uZXZlci1sZWFr","passphrase":null} passphrase-that-must-never-leak"#,
        r#"{"apiKey":"3f2c8a51","secret":"c2VjcmV0LXRoYXQtbXVzdC1uZXZlci1sZWFr","passphrase":"passphrase-that-must-never-leak"}} trailing"#,
        r#"{"apiKey":"3f2c8a51","secret":"c2VjcmV0LXRoYXQtbXVzdC1uZXZlci1sZWFr","passphrase":"passphrase-that-must-never-leak""#,
    ];
    for body in bodies {
        let base = malformed_key_stub(body).await;
        let error = connect_error(&base).await;
        assert!(!error.contains(SECRET), "secret in: {error}");
        assert!(!error.contains(PASSPHRASE), "passphrase in: {error}");
        assert!(
            !error.contains("c2VjcmV0"),
            "part of the secret in: {error}"
        );
        assert!(
            error.contains("API-key answer"),
            "the error says what failed: {error}"
        );
    }
}

/// A stub whose every route redirects to `target`, and a target that counts what reaches it
/// and whether it carried a `POLY_*` header.
#[tokio::test]
async fn a_redirect_is_never_followed() {
    let hits = Arc::new(AtomicU64::new(0));
    let with_headers = Arc::new(AtomicU64::new(0));
    let (h, w) = (hits.clone(), with_headers.clone());
    let target = serve(Router::new().fallback(move |headers: HeaderMap| {
        let (h, w) = (h.clone(), w.clone());
        async move {
            h.fetch_add(1, Ordering::SeqCst);
            if headers.keys().any(|k| k.as_str().starts_with("poly_")) {
                w.fetch_add(1, Ordering::SeqCst);
            }
            r#"{"open_orders":[]}"#
        }
    }))
    .await;
    let location = format!("{target}/elsewhere");
    let redirector = serve(Router::new().fallback(move || {
        let location = location.clone();
        async move {
            (
                StatusCode::TEMPORARY_REDIRECT,
                [(header::LOCATION, location)],
            )
                .into_response()
        }
    }))
    .await;

    // An authenticated read (L2 headers) and a public one.
    let client = stub_client_with(stub_config(&redirector), SignatureType::Eoa);
    assert!(client.heartbeat().await.is_err());
    assert!(client.server_time_s().await.is_err());
    assert_eq!(hits.load(Ordering::SeqCst), 0, "a redirect was followed");
    assert_eq!(with_headers.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn polymarket_hosts_are_https_only() {
    assert!(Endpoints::polymarket().is_polymarket());
    assert!(!Endpoints::simulator("http://127.0.0.1:4100").is_polymarket());
    let mut downgraded = Endpoints::polymarket();
    downgraded.clob = "http://clob.polymarket.com".into();
    assert!(downgraded.is_polymarket(), "a Polymarket host over http");
    let mut lookalike = Endpoints::polymarket();
    lookalike.clob = "https://clob.polymarket.com@evil.example".into();
    assert!(!lookalike.is_polymarket());
    lookalike.clob = "https://evilpolymarket.com".into();
    assert!(!lookalike.is_polymarket());

    // A client for Polymarket's hosts refuses a plain-http URL before resolving or sending
    // anything (reqwest checks the scheme first), so this touches no network.
    let public = PublicClient::new(ClientConfig {
        endpoints: downgraded,
        ..ClientConfig::default()
    })
    .unwrap();
    let refused = public.server_time_s().await.unwrap_err();
    // reqwest reports the refused scheme as a builder error: nothing was connected.
    assert!(refused.to_string().contains("builder error"), "{refused}");
}
