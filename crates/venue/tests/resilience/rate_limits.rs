//! §13.3: per-signer order and cancel buckets, their headers, tiers and batch splitting.

use polyagent_venue::VenueError;
use polyagent_venue::signer_rate::RateLimitTier;
use rust_decimal::Decimal;

use polyagent_domain::trading::SignatureType;

use crate::stub::{Reply, Stub, accepted, client, client_with, config, spec};

fn accepted_batch(n: usize, first: usize) -> String {
    let entries: Vec<String> = (first..first + n)
        .map(|i| accepted(&format!("0x{i:02x}")))
        .collect();
    format!("[{}]", entries.join(","))
}

fn entries(body: &str) -> usize {
    serde_json::from_str::<Vec<serde_json::Value>>(body)
        .unwrap()
        .len()
}

#[tokio::test]
async fn every_trading_answer_s_headers_are_kept_per_bucket() {
    let stub = Stub::start().await;
    stub.otherwise(
        "POST",
        "/order",
        Reply::new(200, &accepted("0x01"))
            .header("poly-ratelimit-remaining", "52")
            .header("poly-ratelimit-reset", "1767225601")
            .header("poly-ratelimit-tier", "Silver")
            .header("poly-ratelimit-warning", "true"),
    );
    let client = client(&stub.base);
    assert_eq!(client.rate_limit_status().tier, None);
    client.post_order(&spec(1)).await.unwrap();
    let status = client.rate_limit_status();
    assert_eq!(status.tier, Some(RateLimitTier::Silver));
    assert_eq!(status.limits.order.burst, 300);
    assert_eq!(status.order.remaining, Some(Decimal::from(52)));
    assert_eq!(status.order.reset_unix_ms, Some(1_767_225_601_000));
    assert!(status.warning);
    // The cancel bucket is a separate budget: nothing was said about it.
    assert_eq!(status.cancel.remaining, None);
}

#[tokio::test]
async fn the_tier_is_asked_for_and_unknown_names_are_kept() {
    let stub = Stub::start().await;
    stub.script(
        "GET",
        "/v1/user/rate-limit-tier",
        vec![
            Reply::new(200, r#"{"tier":"Gold"}"#),
            Reply::new(200, r#"{"tier":"Mithril"}"#),
        ],
    );
    let client = client(&stub.base);
    assert_eq!(client.rate_limit_tier().await.unwrap(), RateLimitTier::Gold);
    assert_eq!(client.rate_limit_status().limits.cancel.burst, 1_200);
    let odd = client.rate_limit_tier().await.unwrap();
    assert_eq!(odd, RateLimitTier::Unknown("Mithril".into()));
    // Paced like the tightest tier until it is known.
    assert_eq!(client.rate_limit_status().limits.cancel.burst, 120);
}

#[tokio::test]
async fn order_batches_are_split_at_fifteen() {
    let stub = Stub::start().await;
    stub.script(
        "POST",
        "/orders",
        vec![
            Reply::new(200, &accepted_batch(15, 0)),
            Reply::new(200, &accepted_batch(5, 15)),
        ],
    );
    let specs: Vec<_> = (0..20).map(|i| spec(100 + i)).collect();
    let results = client(&stub.base).post_orders(&specs).await.unwrap();
    assert_eq!(results.len(), 20);
    assert!(results.iter().all(Result::is_ok));
    let sizes: Vec<usize> = stub
        .seen_at("POST", "/orders")
        .iter()
        .map(|s| entries(&s.body))
        .collect();
    assert_eq!(sizes, vec![15, 5]);
}

#[tokio::test]
async fn cancel_batches_are_split_at_the_tier_s_burst_and_at_most_1000() {
    let stub = Stub::start().await;
    stub.otherwise(
        "DELETE",
        "/orders",
        Reply::new(200, r#"{"canceled":[],"not_canceled":{}}"#),
    );
    // Splitting is the point here, not pacing: 2,750 cancels would take seconds to pace.
    let mut config = config(&stub.base);
    config.limits.signer_pacing = false;
    let client = client_with(config, SignatureType::Eoa);
    let ids: Vec<String> = (0..250).map(|i| format!("0x{i:04x}")).collect();
    client.cancel_orders(&ids).await.unwrap();
    let sizes: Vec<usize> = stub
        .seen_at("DELETE", "/orders")
        .iter()
        .map(|s| entries(&s.body))
        .collect();
    // Standard tier (assumed until told): a cancel burst of 120.
    assert_eq!(sizes, vec![120, 120, 10]);

    // Elite's cancel burst is 1800: the route's own cap of 1000 ids binds.
    stub.script(
        "GET",
        "/v1/user/rate-limit-tier",
        vec![Reply::new(200, r#"{"tier":"Elite"}"#)],
    );
    client.rate_limit_tier().await.unwrap();
    let many: Vec<String> = (0..2_500).map(|i| format!("0x{i:04x}")).collect();
    client.cancel_orders(&many).await.unwrap();
    let sizes: Vec<usize> = stub
        .seen_at("DELETE", "/orders")
        .iter()
        .skip(3)
        .map(|s| entries(&s.body))
        .collect();
    assert_eq!(sizes, vec![1_000, 1_000, 500]);
}

#[tokio::test]
async fn an_over_burst_429_is_typed_and_not_retried() {
    let stub = Stub::start().await;
    stub.otherwise(
        "DELETE",
        "/cancel-all",
        Reply::new(
            429,
            r#"{"error":"request token cost 201 exceeds the cancel burst capacity 120"}"#,
        )
        .header("retry-after", "0"),
    );
    let error = client(&stub.base).cancel_all().await.unwrap_err();
    assert!(matches!(error, VenueError::OverBurst(_)), "{error:?}");
    assert_eq!(stub.hits("DELETE", "/cancel-all"), 1);
}

#[tokio::test]
async fn a_plain_429_waits_its_retry_after_then_passes() {
    let stub = Stub::start().await;
    stub.script(
        "POST",
        "/order",
        vec![Reply::new(429, r#"{"error":"Too Many Requests"}"#).header("retry-after", "0")],
    );
    stub.otherwise("POST", "/order", Reply::new(200, &accepted("0x01")));
    let ack = client(&stub.base).post_order(&spec(9)).await.unwrap();
    assert_eq!(ack.order_id, "0x01");
    // Refused before processing: one retry, one order.
    assert_eq!(stub.hits("POST", "/order"), 2);
}

#[tokio::test]
async fn a_cancel_all_charges_the_cancel_bucket_for_what_it_cancelled() {
    let stub = Stub::start().await;
    let ids: Vec<String> = (0..30).map(|i| format!("\"0x{i:02x}\"")).collect();
    stub.otherwise(
        "DELETE",
        "/cancel-all",
        Reply::new(
            200,
            &format!(r#"{{"canceled":[{}],"not_canceled":{{}}}}"#, ids.join(",")),
        ),
    );
    let client = client(&stub.base);
    client.cancel_all().await.unwrap();
    // 1 for the request and 1 per order cancelled; the clock is real, so allow the refill
    // of the few milliseconds the call took.
    let left = client.rate_limit_status().cancel.local_tokens;
    assert!((89..=95).contains(&left), "{left}");
}
