//! §13.3: two token buckets per signer, production's headers on every trading answer, 429
//! with Retry-After when a bucket is empty, and a batch above the burst never admitted.

use polyagent_domain::trading::{OrderType, Side};
use polyagent_simulator::server::limits::{LimitMode, Tier};
use polyagent_venue::auth::HttpMethod;
use serde_json::json;

use super::common::*;
use super::error_of;

fn header<'h>(headers: &'h reqwest::header::HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A batch of `n` resting BUYs at 0.40 (5 shares each).
fn batch(trader: &Trader, yes: &str, n: usize) -> String {
    let bodies: Vec<String> = (0..n)
        .map(|_| {
            trader
                .body(limit(yes, Side::Buy, "0.40", "5", OrderType::Gtc))
                .0
        })
        .collect();
    format!("[{}]", bodies.join(","))
}

#[tokio::test]
async fn each_signer_has_an_order_and_a_cancel_bucket_with_production_headers() {
    let sim = TestSim::start().await;
    let (yes, _) = sim.tokens("test-market").await;
    let bob = sim.trader(BOB_KEY).await;
    let alice = sim.trader(ALICE_KEY).await;
    let now_s = (START_MS / 1000).to_string();

    let (body, _) = bob.body(limit(&yes, Side::Buy, "0.40", "5", OrderType::Gtc));
    let (status, headers, _) = bob
        .send_full(&sim, HttpMethod::Post, "/order", Some(&body))
        .await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "poly-ratelimit-remaining"), Some("59"));
    assert_eq!(
        header(&headers, "poly-ratelimit-reset"),
        Some(now_s.as_str())
    );
    assert_eq!(header(&headers, "poly-ratelimit-tier"), Some("standard"));
    assert_eq!(header(&headers, "poly-ratelimit-warning"), None);
    assert_eq!(header(&headers, "retry-after"), None);

    // 59 more orders empty the order bucket (a batch costs its entries).
    for n in [15, 15, 15, 14] {
        let (status, headers, answer) = bob
            .send_full(
                &sim,
                HttpMethod::Post,
                "/orders",
                Some(&batch(&bob, &yes, n)),
            )
            .await;
        assert_eq!(status, 200, "{answer}");
        assert!(
            answer
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a["success"] == true)
        );
        assert!(header(&headers, "poly-ratelimit-remaining").is_some());
    }
    let (body, _) = bob.body(limit(&yes, Side::Buy, "0.40", "5", OrderType::Gtc));
    let (status, headers, answer) = bob
        .send_full(&sim, HttpMethod::Post, "/order", Some(&body))
        .await;
    assert_eq!(status, 429, "{answer}");
    assert!(
        error_of(&answer).starts_with("Too Many Requests"),
        "{answer}"
    );
    assert_eq!(header(&headers, "retry-after"), Some("1"));
    assert_eq!(header(&headers, "poly-ratelimit-remaining"), Some("0"));
    assert_eq!(
        bob.open_orders(&sim).await.len(),
        60,
        "the refused order was not placed"
    );
    // Another signer's buckets are its own; cancels draw from the cancel bucket.
    let (status, _, _) = alice
        .send_full(
            &sim,
            HttpMethod::Post,
            "/orders",
            Some(&batch(&alice, &yes, 15)),
        )
        .await;
    assert_eq!(status, 200);
    let one = json!({"orderID": "0x01"}).to_string();
    let (status, headers, _) = bob
        .send_full(&sim, HttpMethod::Delete, "/order", Some(&one))
        .await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "poly-ratelimit-remaining"), Some("119"));

    // 40 tokens a second: after 25 ms the next order passes.
    sim.advance(25).await;
    let (status, _, _) = bob
        .send_full(&sim, HttpMethod::Post, "/order", Some(&body))
        .await;
    assert_eq!(status, 200);

    // A cancel-all costs 1 and then 1 per order cancelled: 61 orders take the cancel bucket,
    // full again after 25 ms (80 a second), to 120 - 62 = 58.
    let (status, headers, answer) = bob
        .send_full(&sim, HttpMethod::Delete, "/cancel-all", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(answer["canceled"].as_array().unwrap().len(), 61);
    assert_eq!(header(&headers, "poly-ratelimit-remaining"), Some("58"));
}

#[tokio::test]
async fn a_batch_above_the_burst_never_passes_and_cancel_all_can_leave_debt() {
    let sim = TestSim::start().await;
    let (yes, _) = sim.tokens("test-market").await;
    let bob = sim.trader(BOB_KEY).await;
    let ids = |n: usize| {
        serde_json::to_string(&(0..n).map(|i| format!("0x{i:064x}")).collect::<Vec<_>>()).unwrap()
    };
    let (status, headers, answer) = bob
        .send_full(&sim, HttpMethod::Delete, "/orders", Some(&ids(121)))
        .await;
    assert_eq!(status, 429);
    assert!(
        error_of(&answer).contains("more than the burst of 120"),
        "{answer}"
    );
    assert!(error_of(&answer).contains("split"), "{answer}");
    assert_eq!(header(&headers, "retry-after"), None, "waiting cannot help");
    let (status, answer) = bob
        .send(&sim, HttpMethod::Delete, "/orders", Some(&ids(1_001)))
        .await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(
        bob.send(&sim, HttpMethod::Delete, "/orders", Some(&ids(120)))
            .await
            .0,
        200
    );

    // 180 resting orders (the bucket refills 40 a second), then one cancel-all: 1 + 180
    // cancel tokens of the 120 the bucket held leave it 61 in debt; cancels wait for it.
    for _ in 0..3 {
        sim.advance(1_500).await;
        for _ in 0..4 {
            let (status, _, answer) = bob
                .send_full(
                    &sim,
                    HttpMethod::Post,
                    "/orders",
                    Some(&batch(&bob, &yes, 15)),
                )
                .await;
            assert_eq!(status, 200, "{answer}");
        }
    }
    sim.advance(1_500).await;
    let (_, headers, answer) = bob
        .send_full(&sim, HttpMethod::Delete, "/cancel-all", None)
        .await;
    assert_eq!(answer["canceled"].as_array().unwrap().len(), 180);
    assert_eq!(header(&headers, "poly-ratelimit-remaining"), Some("-61"));
    let one = json!({"orderID": "0x01"}).to_string();
    let (status, headers, _) = bob
        .send_full(&sim, HttpMethod::Delete, "/order", Some(&one))
        .await;
    assert_eq!(status, 429);
    assert_eq!(header(&headers, "retry-after"), Some("1"));
}

#[tokio::test]
async fn a_wallets_tier_and_the_warning_mode_come_from_the_scenario() {
    let mut scenario = scenario();
    scenario.wallets[0].rate_limit_tier = Tier::Elite;
    scenario.rate_limit_mode = LimitMode::Warn;
    let sim = TestSim::start_with(scenario).await;
    let (yes, _) = sim.tokens("test-market").await;
    let alice = sim.trader(ALICE_KEY).await;
    let bob = sim.trader(BOB_KEY).await;
    let (body, _) = alice.body(limit(&yes, Side::Buy, "0.40", "5", OrderType::Gtc));
    let (_, headers, _) = alice
        .send_full(&sim, HttpMethod::Post, "/order", Some(&body))
        .await;
    assert_eq!(header(&headers, "poly-ratelimit-tier"), Some("elite"));
    assert_eq!(header(&headers, "poly-ratelimit-remaining"), Some("899"));

    // Warning mode admits what enforcement would refuse, and says so.
    for _ in 0..4 {
        bob.send(
            &sim,
            HttpMethod::Post,
            "/orders",
            Some(&batch(&bob, &yes, 15)),
        )
        .await;
    }
    let (body, _) = bob.body(limit(&yes, Side::Buy, "0.40", "5", OrderType::Gtc));
    let (status, headers, _) = bob
        .send_full(&sim, HttpMethod::Post, "/order", Some(&body))
        .await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "poly-ratelimit-warning"), Some("true"));
}

#[tokio::test]
async fn the_rate_limit_tier_route_answers_the_signers_tier_and_admin_changes_it() {
    let mut scenario = scenario();
    scenario.wallets[0].rate_limit_tier = Tier::Gold;
    let sim = TestSim::start_with(scenario).await;
    let (yes, _) = sim.tokens("test-market").await;
    let alice = sim.trader(ALICE_KEY).await;
    let bob = sim.trader(BOB_KEY).await;

    // The shape the clients read: `{"tier": ...}`, spelled as `Poly-RateLimit-Tier` is.
    let (status, answer) = alice.get(&sim, "/v1/user/rate-limit-tier").await;
    assert_eq!((status, answer), (200, json!({"tier": "gold"})));
    let (status, answer) = bob.get(&sim, "/v1/user/rate-limit-tier").await;
    assert_eq!(
        (status, answer),
        (200, json!({"tier": "standard"})),
        "a wallet the scenario gives no tier is Standard"
    );

    // L2 only.
    let (status, answer) = sim.get("/v1/user/rate-limit-tier").await;
    assert_eq!(status, 401, "{answer}");

    // At run time: the route and the buckets' headers follow at once.
    let changed = sim
        .admin(
            "rate-limit-tier",
            json!({"address": bob.address().to_uppercase().replace("0X", "0x"), "tier": "Silver"}),
        )
        .await;
    assert_eq!(changed, json!({"address": bob.address(), "tier": "silver"}));
    assert_eq!(
        bob.get(&sim, "/v1/user/rate-limit-tier").await.1,
        json!({"tier": "silver"})
    );
    let (body, _) = bob.body(limit(&yes, Side::Buy, "0.40", "5", OrderType::Gtc));
    let (_, headers, _) = bob
        .send_full(&sim, HttpMethod::Post, "/order", Some(&body))
        .await;
    assert_eq!(header(&headers, "poly-ratelimit-tier"), Some("silver"));
    assert_eq!(header(&headers, "poly-ratelimit-remaining"), Some("299"));

    // Bad input gets a clear error.
    let refused = sim
        .http
        .post(format!("{}/admin/rate-limit-tier", sim.base))
        .json(&json!({"address": bob.address(), "tier": "mithril"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 400);
    let text = refused.text().await.unwrap();
    assert!(text.contains("unknown tier 'mithril'"), "{text}");
}
