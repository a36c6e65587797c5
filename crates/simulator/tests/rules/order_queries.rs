//! §13.2: from 14 December 2026 `GET /data/orders` by `asset_id` needs `market` too, and
//! orders stop listing `associate_trades`; a scenario can keep the legacy rules.

use polyagent_domain::trading::{OrderType, Side};
use polyagent_simulator::scenario::{OrderQueryRules, Scenario};

use super::common::*;
use super::error_of;

const REFUSAL: &str =
    "invalid filters: asset_id must be sent together with market (the condition id of its market)";

#[tokio::test]
async fn an_asset_filter_needs_its_market_and_orders_carry_no_associate_trades() {
    let sim = TestSim::start().await;
    let (yes, _) = sim.tokens("test-market").await;
    let market = sim.condition_id("test-market").await;
    let bob = sim.trader(BOB_KEY).await;
    // 150 shares at 0.51: 100 fill against the provider's ask, 50 rest.
    let (_, answer, id) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.51", "150", OrderType::Gtc))
        .await;
    assert_eq!(answer["status"], "live", "{answer}");

    let (status, answer) = bob.get(&sim, &format!("/data/orders?asset_id={yes}")).await;
    assert_eq!((status, error_of(&answer)), (400, REFUSAL));

    let (status, page) = bob
        .get(
            &sim,
            &format!("/data/orders?market={market}&asset_id={yes}"),
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let order = &page["data"][0];
    assert_eq!(order["id"], id);
    assert_eq!(
        order["size_matched"], "100",
        "fills are counted in size_matched"
    );
    assert!(order.get("associate_trades").is_none(), "{order}");
    assert_eq!(
        bob.get(&sim, &format!("/data/orders?market={market}"))
            .await
            .0,
        200
    );
    assert_eq!(bob.get(&sim, "/data/orders").await.0, 200);

    let (_, order) = bob.get(&sim, &format!("/data/order/{id}")).await;
    assert_eq!(order["size_matched"], "100");
    assert!(order.get("associate_trades").is_none(), "{order}");
}

#[tokio::test]
async fn the_legacy_rules_still_filter_by_asset_alone_and_list_trades() {
    let mut scenario = scenario();
    scenario.order_query_rules = OrderQueryRules::Legacy;
    let sim = TestSim::start_with(scenario).await;
    let (yes, _) = sim.tokens("test-market").await;
    let bob = sim.trader(BOB_KEY).await;
    let (_, answer, id) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.51", "150", OrderType::Gtc))
        .await;
    let (status, page) = bob.get(&sim, &format!("/data/orders?asset_id={yes}")).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["data"][0]["id"], id);
    assert_eq!(page["data"][0]["associate_trades"], answer["tradeIDs"]);
}

#[test]
fn a_scenario_names_the_rules_by_date_or_legacy() {
    let with = |rules: &str| {
        Scenario::from_json(&format!(
            r#"{{"name": "t", "order_query_rules": {rules}, "markets": [{{"slug": "a", "question": "A?",
                "liquidity": {{"spread": "0.02", "levels": 1, "size": "5"}},
                "path": {{"kind": "scripted", "points": [[0, "0.5"]]}}}}]}}"#
        ))
        .map(|s| s.order_query_rules)
    };
    assert_eq!(with(r#""2026-12-14""#), Ok(OrderQueryRules::December2026));
    assert_eq!(with(r#""legacy""#), Ok(OrderQueryRules::Legacy));
    assert!(with(r#""2027-01-01""#).is_err());
    assert_eq!(
        scenario().order_query_rules,
        OrderQueryRules::December2026,
        "on by default"
    );
}
