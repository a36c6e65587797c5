//! Crash recovery, for real: `polyagent run` trades live against the simulator and is killed
//! with SIGKILL at arbitrary points, again and again, then restarted. At the end the exchange
//! and the data folder must agree: every order the exchange ever received is one journaled
//! intent (never two orders for one intent), every trade is booked once, and the bot's
//! position is what the wallet holds.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{DEADLINE, LiveFolder, MarketDriver, start_run, stop_run};
use polyagent_store::{Database, IntentState, Timestamp};
use rust_decimal::Decimal;
use serde_json::Value;

const RESTARTS: u64 = 20;

/// A deterministic spread of kill delays (an LCG), from just after start to mid-trade.
fn kill_delay(round: u64) -> Duration {
    let mixed = round
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    Duration::from_millis(50 + (mixed >> 33) % 1200)
}

#[test]
#[allow(
    clippy::print_stderr,
    reason = "prints what the run did: the numbers behind the claim"
)]
fn killed_at_random_points_the_headless_runner_never_duplicates_or_loses_an_order() {
    let world = LiveFolder::new();
    let (base, token, bot_id) = (
        world.base.clone(),
        world.token.clone(),
        world.bot_id.clone(),
    );
    let dir = world.dir();
    let tokio = &world.tokio;
    let mut driver = None;
    for round in 0..RESTARTS {
        let mut running = start_run(dir, "warn", Stdio::inherit());
        // The market starts moving once the bot watches it, so its first prices are calm ones.
        driver.get_or_insert_with(|| MarketDriver::start(&base, world.sim.admin_token()));
        // The fault schedule: kill at a spread of points in the trading (not a synchronisation).
        std::thread::sleep(kill_delay(round));
        running.child.kill().unwrap(); // SIGKILL: no chance to clean up
        running.child.wait().unwrap();
    }
    // A last run restores and reconciles what the last kill left (before it says it is
    // ready), and is stopped cleanly: an order in flight at the stop is settled first.
    let mut running = start_run(dir, "warn", Stdio::inherit());
    drop(driver);
    let stopped = Instant::now();
    stop_run(&mut running);
    assert!(stopped.elapsed() < DEADLINE);

    tokio.block_on(async {
        let db = Database::open(dir.join("polyagent.db")).await.unwrap();
        let state: Value = reqwest::Client::new()
            .get(format!("{base}/admin/state"))
            .bearer_auth(world.sim.admin_token())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();

        // Every intent has a final outcome after a clean stop.
        let unresolved = db.order_journal().unresolved().await.unwrap();
        assert!(unresolved.is_empty(), "unsettled intents: {unresolved:?}");

        // Orders: the exchange received exactly the acknowledged intents, each once.
        let intents = db.order_journal().for_bot(&bot_id).await.unwrap();
        let acknowledged: Vec<_> = intents
            .iter()
            .filter(|i| i.state == IntentState::Acknowledged)
            .collect();
        let distinct: std::collections::BTreeSet<_> =
            acknowledged.iter().map(|i| &i.client_order_id).collect();
        assert_eq!(
            distinct.len(),
            acknowledged.len(),
            "one exchange order per intent"
        );
        let wallet = &state["wallets"][0];
        let exchange_orders = wallet["orders"].as_u64().unwrap();
        assert_eq!(
            exchange_orders,
            acknowledged.len() as u64,
            "every order at the exchange is one acknowledged intent"
        );
        // Armed orders (signed and journaled ahead of their trigger): the ones posted are
        // acknowledged like any other; every other one ends failed, never sent, whether
        // retired by the run or looked up after a kill.
        let armed: Vec<_> = intents
            .iter()
            .filter(|i| i.intent_id.contains("/armed-"))
            .collect();
        let armed_sent = armed
            .iter()
            .filter(|i| i.state == IntentState::Acknowledged)
            .count();
        for intent in armed.iter().filter(|i| i.state == IntentState::Failed) {
            let reason = intent.failure_reason.as_deref().unwrap_or_default();
            assert!(
                reason == "armed ahead of a trigger, never sent"
                    || reason == "the exchange never received the order",
                "{intent:?}"
            );
        }
        eprintln!(
            "{RESTARTS} kills: {} intents ({} acknowledged, {armed_sent} of them armed; {} armed \
             and never sent), {} trades booked",
            intents.len(),
            acknowledged.len(),
            armed.len() - armed_sent,
            wallet["taker_trades"]
        );
        assert!(armed_sent > 0, "the run posted armed orders");
        assert!(
            acknowledged.len() >= 4,
            "the run traded across the restarts ({} orders)",
            acknowledged.len()
        );

        // Trades: every exchange trade is booked once.
        let fills = db
            .fills()
            .list(
                Some(&bot_id),
                Timestamp::from_millis(0),
                Timestamp::from_millis(i64::MAX),
            )
            .await
            .unwrap();
        assert_eq!(
            fills.len() as u64,
            wallet["taker_trades"].as_u64().unwrap(),
            "every trade booked, none twice"
        );

        // Position: what the fills add up to is what the wallet holds at the exchange.
        let held: Decimal = fills
            .iter()
            .map(|f| match f.side {
                polyagent_store::Side::Buy => f.size,
                polyagent_store::Side::Sell => -f.size,
            })
            .sum();
        let shares: Decimal = wallet["shares"][&token]
            .as_str()
            .map_or(Decimal::ZERO, |s| s.parse().unwrap());
        assert_eq!(held, shares, "booked position = the wallet's shares");
        let position = db.positions().get(&bot_id, &token).await.unwrap().unwrap();
        let round_trips = Decimal::from(acknowledged.len() as u64);
        assert!(
            (shares - position.size).abs() < Decimal::new(1, 2) * round_trips,
            "the bot's position ({}) is the wallet's, less sub-lot dust ({shares})",
            position.size
        );
        db.close().await;
    });
}
