//! §13.4: a matching-engine restart answers 425 on every trading route, then post-only mode
//! refuses orders without `postOnly: true` (503 `post_only_mode`) while cancels work; a
//! separate cancel-only mode refuses orders 503. All timed by the server's clock.

use polyagent_domain::trading::{OrderType, Side};
use polyagent_venue::auth::HttpMethod;
use serde_json::json;

use super::common::*;
use super::error_of;

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<&str> {
    headers.get("retry-after").and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn a_restart_answers_425_then_post_only_mode_takes_only_post_only_orders() {
    let sim = TestSim::start().await;
    let (yes, _) = sim.tokens("test-market").await;
    let bob = sim.trader(BOB_KEY).await;
    let (_, _, resting) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.40", "5", OrderType::Gtc))
        .await;
    sim.admin("faults", json!({"restart_s": 2, "post_only_s": 3}))
        .await;

    let (body, _) = bob.body(limit(&yes, Side::Buy, "0.41", "5", OrderType::Gtc));
    let (status, headers, answer) = bob
        .send_full(&sim, HttpMethod::Post, "/order", Some(&body))
        .await;
    assert_eq!(status, 425);
    assert_eq!(error_of(&answer), "service not ready");
    assert_eq!(answer["retry_after_seconds"], 2);
    assert_eq!(retry_after(&headers), Some("2"));
    let cancel = json!({"orderID": resting}).to_string();
    let (status, _) = bob
        .send(&sim, HttpMethod::Delete, "/order", Some(&cancel))
        .await;
    assert_eq!(status, 425, "every trading route");
    assert_eq!(
        bob.get(&sim, "/data/orders").await.0,
        200,
        "reads still answer"
    );

    sim.advance(2_000).await;
    let (status, headers, answer) = bob
        .send_full(&sim, HttpMethod::Post, "/order", Some(&body))
        .await;
    assert_eq!(status, 503, "{answer}");
    assert_eq!(answer["code"], "post_only_mode");
    assert!(error_of(&answer).contains("post-only"), "{answer}");
    assert_eq!(answer["retry_after_seconds"], 3);
    assert_eq!(retry_after(&headers), Some("3"));
    let mut post_only = limit(&yes, Side::Buy, "0.42", "5", OrderType::Gtc);
    post_only.post_only = true;
    let (status, answer, _) = bob.post(&sim, post_only.clone()).await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("live")),
        "{answer}"
    );
    let (status, answer) = bob
        .send(&sim, HttpMethod::Delete, "/order", Some(&cancel))
        .await;
    assert_eq!((status, &answer["canceled"][0]), (200, &json!(resting)));
    // A batch answers each entry: the one without postOnly carries the code.
    let batch = format!(
        "[{},{}]",
        bob.body(post_only).0,
        bob.body(limit(&yes, Side::Buy, "0.43", "5", OrderType::Gtc))
            .0
    );
    let (status, answer) = bob
        .send(&sim, HttpMethod::Post, "/orders", Some(&batch))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer[0]["success"], true);
    assert_eq!(
        (&answer[1]["success"], &answer[1]["code"]),
        (&json!(false), &json!("post_only_mode"))
    );

    sim.advance(3_000).await;
    let (status, _) = bob
        .send(&sim, HttpMethod::Post, "/order", Some(&body))
        .await;
    assert_eq!(status, 200, "the engine is back to normal");
}

#[tokio::test]
async fn cancel_only_mode_refuses_orders_and_accepts_cancels() {
    let sim = TestSim::start().await;
    let (yes, _) = sim.tokens("test-market").await;
    let bob = sim.trader(BOB_KEY).await;
    let (_, _, resting) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.40", "5", OrderType::Gtc))
        .await;
    sim.admin("faults", json!({"cancel_only_s": 10})).await;
    let (status, headers, answer) = {
        let (body, _) = bob.body(limit(&yes, Side::Buy, "0.41", "5", OrderType::Gtc));
        bob.send_full(&sim, HttpMethod::Post, "/order", Some(&body))
            .await
    };
    assert_eq!(status, 503);
    assert!(error_of(&answer).contains("cancel-only"), "{answer}");
    assert_eq!(answer["retry_after_seconds"], 10);
    assert_eq!(retry_after(&headers), Some("10"));
    let cancel = json!({"orderID": resting}).to_string();
    let (status, _) = bob
        .send(&sim, HttpMethod::Delete, "/order", Some(&cancel))
        .await;
    assert_eq!(status, 200);
    sim.admin("faults", json!({})).await;
    let (status, _, _) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.41", "5", OrderType::Gtc))
        .await;
    assert_eq!(status, 200, "clearing the switches ends the mode");
}
