//! §13.1: a marketable order's maker amount has at most 2 decimals and its taker amount at
//! most 4, whatever the tick size; limit orders keep §2.5's rule.
//!
//! Production and the official SDKs differ here: the SDKs truncate the taker leg to
//! "price decimals + 2" (5 or 6 decimals at ticks 0.005/0.001/0.0025/0.0001), production
//! refuses that. The simulator follows production.

use polyagent_domain::trading::{OrderType, Side};
use serde_json::json;

use super::common::*;
use super::{best, error_of};

const BUY_TEXT: &str = "invalid amounts, the market buy orders maker amount supports a max accuracy of 2 decimals, taker amount a max of 4 decimals";
const SELL_TEXT: &str = "invalid amounts, the market sell orders maker amount supports a max accuracy of 2 decimals, taker amount a max of 4 decimals";

/// `value` truncated to `decimals` (of 6) decimals.
fn truncate(value: u128, decimals: u32) -> u128 {
    let unit = 10u128.pow(6 - decimals);
    value / unit * unit
}

#[tokio::test]
async fn market_orders_carry_2_and_4_decimals_at_every_tick_and_a_truncated_buy_still_crosses() {
    let sim = TestSim::start().await;
    let (yes, _) = sim.tokens("test-market").await;
    let bob = sim.trader(BOB_KEY).await;
    let alice = sim.trader(ALICE_KEY).await;
    for tick in ["0.1", "0.01", "0.005", "0.0025", "0.001", "0.0001"] {
        sim.admin(
            "tick-size",
            json!({"slug": "test-market", "tick_size": tick}),
        )
        .await;
        let (ask, bid) = best(&sim, &yes).await;

        // BUY $10.005: three decimals of collateral.
        let maker = 10_005_000;
        let taker = truncate(maker * 1_000_000 / ask, 4);
        for order_type in [OrderType::Fak, OrderType::Fok] {
            let (status, answer, _) = bob
                .post_raw(&sim, &yes, Side::Buy, (maker, taker), order_type)
                .await;
            assert_eq!((status, error_of(&answer)), (400, BUY_TEXT), "tick {tick}");
        }
        // BUY $10 for shares with five decimals, as the SDKs compute at fine ticks.
        let maker = 10_000_000;
        let five = truncate(maker * 1_000_000 / ask, 4) + 10;
        let (status, answer, _) = bob
            .post_raw(&sim, &yes, Side::Buy, (maker, five), OrderType::Fak)
            .await;
        assert_eq!((status, error_of(&answer)), (400, BUY_TEXT), "tick {tick}");
        // SELL 10.001 shares, and SELL 10 shares for collateral with five decimals.
        let (status, answer, _) = alice
            .post_raw(
                &sim,
                &yes,
                Side::Sell,
                (10_001_000, 4_000_000),
                OrderType::Fok,
            )
            .await;
        assert_eq!((status, error_of(&answer)), (400, SELL_TEXT), "tick {tick}");
        let (status, answer, _) = alice
            .post_raw(
                &sim,
                &yes,
                Side::Sell,
                (10_000_000, 4_000_010),
                OrderType::Fak,
            )
            .await;
        assert_eq!((status, error_of(&answer)), (400, SELL_TEXT), "tick {tick}");

        // Production's rule: maker truncated to 2, taker = maker / price truncated to 4. The
        // implied price maker/taker is then a hair above the ask, and the order crosses at it.
        let taker = truncate(maker * 1_000_000 / ask, 4);
        assert!(maker * 1_000_000 > ask * taker, "a hair above the ask");
        let (status, answer, id) = bob
            .post_raw(&sim, &yes, Side::Buy, (maker, taker), OrderType::Fak)
            .await;
        assert_eq!(status, 200, "tick {tick}: {answer}");
        assert_eq!(answer["status"], "matched", "tick {tick}");
        let (_, trades) = bob.get(&sim, "/data/trades").await;
        let trade = trades["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["taker_order_id"] == id)
            .unwrap();
        let price: rust_decimal::Decimal = trade["price"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            price * rust_decimal::Decimal::from(1_000_000),
            rust_decimal::Decimal::from(ask as u64),
            "tick {tick}: filled at the ask"
        );
        // SELL 10 shares at the bid: taker = maker × price, truncated to 4.
        let taker = truncate(10_000_000 * bid / 1_000_000, 4);
        let (status, answer, _) = alice
            .post_raw(&sim, &yes, Side::Sell, (10_000_000, taker), OrderType::Fak)
            .await;
        assert_eq!(status, 200, "tick {tick}: {answer}");
        sim.advance(500).await; // the provider re-quotes what was taken
    }
}

#[tokio::test]
async fn limit_orders_keep_the_tick_rule() {
    let sim = TestSim::start().await;
    let (yes, _) = sim.tokens("test-market").await;
    let bob = sim.trader(BOB_KEY).await;
    sim.admin(
        "tick-size",
        json!({"slug": "test-market", "tick_size": "0.001"}),
    )
    .await;
    // 10.01 shares at 0.403: 4.03403 pUSD, five decimals, as the tick allows a limit order.
    let (status, answer, _) = bob
        .post_raw(
            &sim,
            &yes,
            Side::Buy,
            (4_034_030, 10_010_000),
            OrderType::Gtc,
        )
        .await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("live")),
        "{answer}"
    );
    // Six decimals of collateral are one too many at tick 0.001.
    let (status, answer, _) = bob
        .post_raw(
            &sim,
            &yes,
            Side::Buy,
            (4_034_031, 10_010_000),
            OrderType::Gtc,
        )
        .await;
    assert_eq!(
        (status, error_of(&answer)),
        (
            400,
            "invalid amounts, the buy orders maker amount supports a max accuracy of 5 decimals, taker amount a max of 2 decimals"
        )
    );
}
