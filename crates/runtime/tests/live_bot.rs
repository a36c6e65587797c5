//! A live bot against the simulator: real signed orders, matched and settled by the exchange,
//! P&L equal to what the wallet's balance says; and the killswitch leaving no open order.

use std::sync::Arc;

use polyagent_domain::money::{Price, Shares};
use polyagent_domain::secret::PrivateKey;
use polyagent_domain::trading::{OrderType, Side, SignatureType, TickSize, TokenId};
use polyagent_engine::config::{BotSpec, Overrides, Profile};
mod common;

use common::{open_runtime, simulator_now, wait_for};
use polyagent_runtime::{ExecutionPlan, NewBotRequest, Runtime, RuntimeEvent};
use polyagent_simulator::server::SimServer;
use polyagent_venue::client::{AuthedClient, ClientConfig, PublicClient};
use polyagent_venue::eip712::{Chain, Exchange};
use polyagent_venue::order_build::{OrderSize, OrderSpec};
use polyagent_venue::signing::OrderSigner;
use polyagent_venue::types::AssetType;
use rust_decimal::Decimal;
use serde_json::json;

/// Hardhat test account #1: a public test key, funded only inside the simulator.
const KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

struct World {
    sim: SimServer,
    http: reqwest::Client,
    client: Arc<AuthedClient>,
    tokens: Vec<String>,
}

async fn world() -> World {
    let sim = simulator_now(json!({
        "name": "live", "step_ms": 500,
        "markets": [{"slug": "spiky", "question": "Spiky?",
            "liquidity": {"spread": "0.02", "levels": 3, "size": "500"},
            "path": {"kind": "scripted", "points": [[0, "0.50"]]}},
            {"slug": "calm", "question": "Calm?",
            "liquidity": {"spread": "0.02", "levels": 3, "size": "500"},
            "path": {"kind": "scripted", "points": [[0, "0.30"]]}}],
        "wallets": [{"label": "trader", "private_key": KEY, "pusd": "100"}]
    }))
    .await;
    let http = common::admin_http(&sim);
    let tokens = vec![
        sim.tokens("spiky")[0].clone(),
        sim.tokens("calm")[0].clone(),
    ];
    let public = PublicClient::new(ClientConfig::simulator(&sim.base_url())).unwrap();
    let signer = OrderSigner::new(&PrivateKey::from_hex(KEY).unwrap()).unwrap();
    let client = Arc::new(
        AuthedClient::connect(public, signer, SignatureType::Eoa, 0)
            .await
            .unwrap(),
    );
    World {
        sim,
        http,
        client,
        tokens,
    }
}

async fn admin(world: &World, path: &str, body: serde_json::Value) {
    world
        .http
        .post(format!("{}/admin/{path}", world.sim.base_url()))
        .body(body.to_string())
        .send()
        .await
        .unwrap();
}

async fn pusd(world: &World) -> Decimal {
    world
        .client
        .balance_allowance(&AssetType::Collateral)
        .await
        .unwrap()
        .balance
}

fn spec(token: &str) -> BotSpec {
    BotSpec {
        name: "Live fader".into(),
        wallet: "trader".into(),
        token_id: token.into(),
        complement_token_id: None,
        strategy: "spike-sam".into(),
        profile: Profile::Live,
        overrides: Overrides {
            trade_size: Some(Decimal::from(10)),
            ..Overrides::default()
        },
    }
}

fn live(spec: BotSpec) -> NewBotRequest {
    NewBotRequest {
        spec,
        execution: ExecutionPlan::Live,
        start: false,
    }
}

/// A runtime on the simulator with the trader's key imported into its vault.
async fn live_runtime(world: &World, dir: &std::path::Path) -> Runtime {
    let runtime = open_runtime(dir, &world.sim).await;
    runtime
        .import_test_key(
            "trader",
            &polyagent_vault::SecretString::new(KEY).unwrap(),
            0,
            None,
        )
        .await
        .unwrap();
    runtime
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_bot_trades_the_spike_with_signed_orders_and_books_the_exchanges_numbers() {
    let world = world().await;
    let dir = tempfile::tempdir().unwrap();
    let runtime = live_runtime(&world, dir.path()).await;
    let mut events = runtime.subscribe();
    let before = pusd(&world).await;
    let bot = runtime
        .create_bot(live(spec(&world.tokens[0])))
        .await
        .unwrap();
    assert_eq!(bot.mode, "live");
    runtime.start_bot(&bot.id).await.unwrap();

    let seen = |price: &'static str| {
        move |e: &RuntimeEvent| {
            matches!(e, RuntimeEvent::BotPrice(p) if p.price == price).then_some(())
        }
    };
    wait_for(&mut events, seen("0.50")).await;
    for price in ["0.51", "0.50", "0.51", "0.50"] {
        admin(&world, "price", json!({"slug": "spiky", "price": price})).await;
        admin(&world, "clock", json!({"advance_ms": 500})).await;
        wait_for(&mut events, seen(price)).await;
    }
    // The buy is armed (signed and journaled) in the background before the drop comes.
    armed(dir.path(), &bot.id, "BUY").await;
    admin(&world, "price", json!({"slug": "spiky", "price": "0.45"})).await;
    admin(&world, "clock", json!({"advance_ms": 500})).await;
    let buy = wait_for(&mut events, |e| match e {
        RuntimeEvent::BotFill(f) if f.side == "buy" => Some(f.clone()),
        _ => None,
    })
    .await;
    assert_eq!(buy.avg_price, "0.46");

    armed(dir.path(), &bot.id, "SELL").await;
    admin(&world, "price", json!({"slug": "spiky", "price": "0.50"})).await;
    admin(&world, "clock", json!({"advance_ms": 500})).await;
    let sell = wait_for(&mut events, |e| match e {
        RuntimeEvent::BotFill(f) if f.side == "sell" => Some(f.clone()),
        _ => None,
    })
    .await;
    assert_eq!(sell.avg_price, "0.49");
    // A $10 market buy at 0.46 gets 21.7391 shares; sells go in 0.01 lots, so 21.73 are sold
    // and the 0.0091 left is dust the ledger writes off.
    let (bought, sold): (Decimal, Decimal) =
        (buy.shares.parse().unwrap(), sell.shares.parse().unwrap());
    assert_eq!(
        sold,
        bought.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToZero)
    );

    // The exchange saw two signed taker orders from this wallet, both matched.
    let trades = world
        .client
        .trades(
            None,
            Some(&TokenId::new(world.tokens[0].clone()).unwrap()),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        trades
            .iter()
            .map(|t| t.taker_order_id.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        2
    );
    assert!(
        world
            .client
            .open_orders(None, None)
            .await
            .unwrap()
            .is_empty(),
        "FAK orders never rest"
    );

    // P&L to the cent: the bot's realized figure is the wallet's balance change.
    // The figures are published right after the fill is booked: wait for the closed trade.
    let summary = wait_for(&mut events, |e| match e {
        RuntimeEvent::BotStatus(s) if s.id == bot.id && s.trades == 1 => Some((**s).clone()),
        _ => None,
    })
    .await;
    let realized: Decimal = summary.realized_pnl.parse().unwrap();
    assert_eq!(pusd(&world).await - before, realized);
    assert_eq!(
        realized,
        sold * Decimal::new(49, 2) - bought * Decimal::new(46, 2)
    );
    assert_eq!(summary.trades, 1, "the trade closed");

    // Settlement: the exchange mines and confirms the trades; the wallet's user feed moves
    // the booked fills to CONFIRMED and tells the user.
    admin(&world, "clock", json!({"advance_ms": 10_000})).await;
    let confirmed = wait_for(&mut events, |e| match e {
        RuntimeEvent::BotActivity(a) if a.bot_id == bot.id && a.text.contains("confirmed") => {
            Some(a.text.clone())
        }
        _ => None,
    })
    .await;
    assert!(confirmed.contains("on chain"), "{confirmed}");
    let trades = runtime.export_trades_csv(Some(&bot.id)).await.unwrap();
    assert!(trades.contains("CONFIRMED"), "{trades}");

    // Both orders were armed ahead of their trigger (signed and journaled before the market
    // moved) and posted with no write on the way; every other armed one was retired, never
    // sent, and a clean stop leaves nothing for the next start to look up.
    runtime.shutdown(false).await;
    let db = polyagent_store::Database::open(dir.path().join(polyagent_runtime::DATABASE_FILE))
        .await
        .unwrap();
    let intents = db.order_journal().for_bot(&bot.id).await.unwrap();
    let acknowledged: Vec<_> = intents
        .iter()
        .filter(|i| i.state == polyagent_store::IntentState::Acknowledged)
        .collect();
    assert_eq!(acknowledged.len(), 2, "{intents:#?}");
    assert!(
        acknowledged.iter().all(|i| i.intent_id.contains("/armed-")),
        "{acknowledged:#?}"
    );
    let taker_ids: std::collections::BTreeSet<String> =
        trades_of(&world).await.into_iter().collect();
    let sent: std::collections::BTreeSet<String> = acknowledged
        .iter()
        .map(|i| i.client_order_id.clone())
        .collect();
    assert_eq!(
        taker_ids, sent,
        "the exchange got exactly the armed orders used"
    );
    assert!(intents.iter().all(|i| i.state.is_final()), "{intents:#?}");
    assert!(
        intents
            .iter()
            .filter(|i| i.state == polyagent_store::IntentState::Failed)
            .all(|i| i.failure_reason.as_deref() == Some("armed ahead of a trigger, never sent")),
    );
    db.close().await;
}

/// The exchange's taker order ids of the trader's trades on the spiky market.
async fn trades_of(world: &World) -> Vec<String> {
    world
        .client
        .trades(
            None,
            Some(&TokenId::new(world.tokens[0].clone()).unwrap()),
            None,
        )
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.taker_order_id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_killswitch_stops_live_bots_and_leaves_no_open_order_at_the_exchange() {
    let world = world().await;
    let dir = tempfile::tempdir().unwrap();
    let runtime = live_runtime(&world, dir.path()).await;
    let mut ids = Vec::new();
    for token in [&world.tokens[0], &world.tokens[1], &world.tokens[0]] {
        let bot = runtime.create_bot(live(spec(token))).await.unwrap();
        runtime.start_bot(&bot.id).await.unwrap();
        ids.push(bot.id);
    }
    // Orders resting at the exchange on this wallet (placed by hand, as a user might).
    for (token, price) in [
        (&world.tokens[0], "0.40"),
        (&world.tokens[1], "0.20"),
        (&world.tokens[1], "0.21"),
    ] {
        let order = OrderSpec {
            chain: Chain::Amoy,
            exchange: Exchange::CtfV2,
            tick_size: TickSize::Hundredth,
            token_id: TokenId::new(token.clone()).unwrap(),
            side: Side::Buy,
            size: OrderSize::Limit {
                price: price.parse::<Price>().unwrap(),
                size: "10".parse::<Shares>().unwrap(),
            },
            signature_type: SignatureType::Eoa,
            funder: None,
            salt: u64::from(price.as_bytes()[3]) * 7 + token.len() as u64,
            timestamp_ms: 1_767_225_600_000,
            expiration: 0,
            metadata: Default::default(),
            builder: Default::default(),
            order_type: OrderType::Gtc,
            post_only: false,
            defer_exec: false,
        };
        world.client.post_order(&order).await.unwrap();
    }
    assert_eq!(world.client.open_orders(None, None).await.unwrap().len(), 3);

    let cancelled = runtime.trip_killswitch("test").await.unwrap();
    assert_eq!(cancelled.len(), 3);
    assert!(
        world
            .client
            .open_orders(None, None)
            .await
            .unwrap()
            .is_empty(),
        "zero open orders at the simulator"
    );
    for id in &ids {
        assert_eq!(runtime.bot(id).unwrap().summary().status, "stopped");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buy_the_wallet_cannot_pay_for_is_refused_before_anything_is_sent() {
    let world = world().await;
    let dir = tempfile::tempdir().unwrap();
    let runtime = live_runtime(&world, dir.path()).await;
    runtime
        .set_daily_limits(polyagent_engine::config::DailyLimits {
            max_daily_loss: Decimal::from(10_000),
            max_trades_per_day: 100,
            max_exposure_per_bot: Decimal::from(1_000),
            max_exposure_total: Decimal::from(1_000),
        })
        .await
        .unwrap();
    let mut events = runtime.subscribe();
    let mut big = spec(&world.tokens[0]);
    big.overrides.trade_size = Some(Decimal::from(150)); // the wallet holds 100 pUSD
    let bot = runtime.create_bot(live(big)).await.unwrap();
    runtime.start_bot(&bot.id).await.unwrap();
    let seen = |price: &'static str| {
        move |e: &RuntimeEvent| {
            matches!(e, RuntimeEvent::BotPrice(p) if p.price == price).then_some(())
        }
    };
    wait_for(&mut events, seen("0.50")).await;
    for price in ["0.51", "0.50", "0.51", "0.50"] {
        admin(&world, "price", json!({"slug": "spiky", "price": price})).await;
        admin(&world, "clock", json!({"advance_ms": 500})).await;
        wait_for(&mut events, seen(price)).await;
    }
    admin(&world, "price", json!({"slug": "spiky", "price": "0.45"})).await;
    admin(&world, "clock", json!({"advance_ms": 500})).await;
    let refused = wait_for(&mut events, |e| match e {
        RuntimeEvent::BotActivity(a) if a.text.contains("not enough pUSD") => Some(a.text.clone()),
        _ => None,
    })
    .await;
    assert!(refused.contains("holds 100"), "{refused}");
    let state: serde_json::Value = world
        .http
        .get(format!("{}/admin/state", world.sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        state["wallets"][0]["orders"], 0,
        "nothing reached the exchange"
    );
}

/// The journal's armed intents of a bot, as the store holds them.
async fn armed_intents(dir: &std::path::Path, bot: &str) -> Vec<polyagent_store::OrderIntent> {
    let db = polyagent_store::Database::open(dir.join(polyagent_runtime::DATABASE_FILE))
        .await
        .unwrap();
    let intents = db.order_journal().for_bot(bot).await.unwrap();
    db.close().await;
    intents
        .into_iter()
        .filter(|i| i.intent_id.contains("/armed-"))
        .collect()
}

/// Waits (with a deadline) until the bot has an armed order of `side` ready.
async fn armed(dir: &std::path::Path, bot: &str, side: &str) {
    let give_up = tokio::time::Instant::now() + common::DEADLINE;
    loop {
        let ready = armed_intents(dir, bot)
            .await
            .iter()
            .any(|i| i.state == polyagent_store::IntentState::Sent && i.side.as_str() == side);
        if ready {
            return;
        }
        assert!(tokio::time::Instant::now() < give_up, "no {side} was armed");
        tokio::task::yield_now().await;
    }
}

/// A crash (the process's tasks gone mid-flight, nothing cleaned up) while a set of orders is
/// armed: the next start looks each up on the exchange, finds none there and fails them all
/// without troubling the engine; the bot then trades the next spike.
#[test]
fn an_armed_set_left_by_a_crash_is_looked_up_and_failed_at_the_next_start() {
    let threads = |n| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(n)
            .enable_all()
            .build()
            .unwrap()
    };
    // The simulator outlives both runs of the app.
    let exchange = threads(1);
    let world = exchange.block_on(world());
    let dir = tempfile::tempdir().unwrap();
    let crashed = threads(2);
    let bot_id = crashed.block_on(async {
        let runtime = live_runtime(&world, dir.path()).await;
        let mut events = runtime.subscribe();
        let mut request = live(spec(&world.tokens[0]));
        request.start = true;
        let bot = runtime.create_bot(request).await.unwrap();
        wait_for(&mut events, |e| {
            matches!(e, RuntimeEvent::BotPrice(p) if p.price == "0.50").then_some(())
        })
        .await;
        // Armed in the background: wait (with a deadline) until the journal holds the set.
        let give_up = tokio::time::Instant::now() + common::DEADLINE;
        while armed_intents(dir.path(), &bot.id).await.is_empty() {
            assert!(tokio::time::Instant::now() < give_up, "nothing was armed");
            tokio::task::yield_now().await;
        }
        (bot.id, runtime)
    });
    let (bot_id, runtime) = bot_id;
    // The crash: every task of the first run stops where it is; no shutdown, no disarming.
    // (The runtime is dropped only after its tasks are gone: dropping it first closes the
    // bots' command channels, and a bot still running would disarm on the way out.)
    crashed.shutdown_background();
    exchange.block_on(async move { drop(runtime) });
    let left = exchange.block_on(armed_intents(dir.path(), &bot_id));
    assert!(
        !left.is_empty()
            && left
                .iter()
                .all(|i| i.state == polyagent_store::IntentState::Sent),
        "{left:#?}"
    );

    let restarted = threads(2);
    restarted.block_on(async {
        let runtime = open_runtime(dir.path(), &world.sim).await;
        let mut events = runtime.subscribe();
        let after = armed_intents(dir.path(), &bot_id).await;
        for intent in after
            .iter()
            .filter(|i| left.iter().any(|l| l.intent_id == i.intent_id))
        {
            assert_eq!(
                intent.state,
                polyagent_store::IntentState::Failed,
                "{intent:?}"
            );
            assert_eq!(
                intent.failure_reason.as_deref(),
                Some("the exchange never received the order")
            );
        }
        let summary = runtime
            .list_bots()
            .into_iter()
            .find(|b| b.id == bot_id)
            .unwrap();
        assert_eq!((summary.status.as_str(), summary.trades), ("running", 0));
        // Nothing was sent, so nothing was traded; the next spike trades as usual.
        let seen = |price: &'static str| {
            move |e: &RuntimeEvent| {
                matches!(e, RuntimeEvent::BotPrice(p) if p.price == price).then_some(())
            }
        };
        for price in ["0.51", "0.50", "0.51", "0.50"] {
            admin(&world, "price", json!({"slug": "spiky", "price": price})).await;
            admin(&world, "clock", json!({"advance_ms": 500})).await;
            wait_for(&mut events, seen(price)).await;
        }
        admin(&world, "price", json!({"slug": "spiky", "price": "0.45"})).await;
        admin(&world, "clock", json!({"advance_ms": 500})).await;
        let buy = wait_for(&mut events, |e| match e {
            RuntimeEvent::BotFill(f) if f.side == "buy" => Some(f.clone()),
            _ => None,
        })
        .await;
        assert_eq!(buy.avg_price, "0.46");
        runtime.shutdown(false).await;
    });
}

/// Open orders of the trader at the exchange (all markets).
async fn open_orders(world: &World) -> usize {
    world.client.open_orders(None, None).await.unwrap().len()
}

/// Waits (with a deadline) until the trader has `n` open orders at the exchange.
async fn open_orders_become(world: &World, n: usize) {
    let give_up = tokio::time::Instant::now() + common::DEADLINE;
    while open_orders(world).await != n {
        assert!(
            tokio::time::Instant::now() < give_up,
            "open orders never became {n}"
        );
        tokio::task::yield_now().await;
    }
}

/// Resting execution, live: Train of Trade rests a GTC buy at its target; it trades as a
/// maker when the market comes down to it, the take-profit sale rests at its target and
/// trades when the market comes back, and P&L is what the wallet shows. A second bot's
/// resting buy that nothing reaches is cancelled at its time-to-live: no open order is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resting_buy_waits_for_the_market_fills_and_the_sale_rests_at_take_profit() {
    use polyagent_engine::config::ExecutionStyle;
    let world = world().await;
    let dir = tempfile::tempdir().unwrap();
    let runtime = live_runtime(&world, dir.path()).await;
    let mut events = runtime.subscribe();
    let before = pusd(&world).await;
    let resting = |token: &str, ttl_secs: u64| {
        let mut spec = spec(token);
        spec.strategy = "train-of-trade".into();
        spec.overrides.execution = Some(ExecutionStyle::Resting { ttl_secs });
        spec.overrides.take_profit_pct = Some(Decimal::from(4));
        spec.overrides.cooldown_secs = Some(0);
        let mut request = live(spec);
        request.start = true;
        request
    };
    let bot = runtime
        .create_bot(resting(&world.tokens[0], 600))
        .await
        .unwrap();
    // Target 0.50 × (1 − 2.5 %) = 0.4875: the buy rests at 0.48 (on the grid, never more).
    open_orders_become(&world, 1).await;
    let order = &world.client.open_orders(None, None).await.unwrap()[0];
    assert_eq!(
        (order.price, order.original_size),
        (Decimal::new(48, 2), Decimal::new(2083, 2))
    );
    // The market comes down to it (mid 0.47, asks from 0.48; not so far that the stop loss
    // at −2.5 % fires): the market maker's new ask trades with our bid, at our price, with
    // no taker fee for us.
    admin(&world, "price", json!({"slug": "spiky", "price": "0.47"})).await;
    admin(&world, "clock", json!({"advance_ms": 500})).await;
    let buy = wait_for(&mut events, |e| match e {
        RuntimeEvent::BotFill(f) if f.bot_id == bot.id && f.side == "buy" => Some(f.clone()),
        _ => None,
    })
    .await;
    assert_eq!(
        (
            buy.avg_price.as_str(),
            buy.shares.as_str(),
            buy.fee.as_str()
        ),
        ("0.48", "20.83", "0")
    );
    // The sale rests at 0.48 × 1.04 = 0.4992 → 0.50 (on the grid, never less).
    let give_up = tokio::time::Instant::now() + common::DEADLINE;
    loop {
        let orders = world.client.open_orders(None, None).await.unwrap();
        if orders.len() == 1 && orders[0].side == Side::Sell {
            assert_eq!(orders[0].price, Decimal::new(50, 2));
            break;
        }
        assert!(
            tokio::time::Instant::now() < give_up,
            "no resting sale: {orders:?}"
        );
        tokio::task::yield_now().await;
    }
    admin(&world, "price", json!({"slug": "spiky", "price": "0.53"})).await;
    admin(&world, "clock", json!({"advance_ms": 500})).await;
    let sell = wait_for(&mut events, |e| match e {
        RuntimeEvent::BotFill(f) if f.bot_id == bot.id && f.side == "sell" => Some(f.clone()),
        _ => None,
    })
    .await;
    assert_eq!(
        (sell.avg_price.as_str(), sell.shares.as_str()),
        ("0.5", "20.83")
    );
    let summary = wait_for(&mut events, |e| match e {
        RuntimeEvent::BotStatus(s) if s.id == bot.id && s.trades == 1 => Some((**s).clone()),
        _ => None,
    })
    .await;
    let realized: Decimal = summary.realized_pnl.parse().unwrap();
    assert_eq!(realized, Decimal::new(2083, 2) * Decimal::new(2, 2));
    assert_eq!(pusd(&world).await - before, realized, "P&L is the wallet's");
    // The cycle goes on: Train of Trade rests its next buy at the new target.
    open_orders_become(&world, 1).await;
    runtime.stop_bot(&bot.id).await.unwrap();
    open_orders_become(&world, 0).await;

    // A resting buy nothing reaches: cancelled at its time-to-live (1 s on the bot's clock),
    // then rested afresh; a stop leaves nothing on the book.
    let idle = runtime
        .create_bot(resting(&world.tokens[1], 1))
        .await
        .unwrap();
    open_orders_become(&world, 1).await;
    let first = world.client.open_orders(None, None).await.unwrap()[0]
        .id
        .clone();
    wait_for(&mut events, |e| match e {
        RuntimeEvent::BotActivity(a) if a.bot_id == idle.id && a.text.contains("cancelling") => {
            Some(())
        }
        _ => None,
    })
    .await;
    let give_up = tokio::time::Instant::now() + common::DEADLINE;
    loop {
        let status = world.client.order(&first).await.unwrap().unwrap().status;
        if status == polyagent_venue::types::OrderStatus::Canceled {
            break;
        }
        assert!(tokio::time::Instant::now() < give_up, "still {status:?}");
        tokio::task::yield_now().await;
    }
    let summary = runtime
        .list_bots()
        .into_iter()
        .find(|b| b.id == idle.id)
        .unwrap();
    assert_eq!((summary.status.as_str(), summary.trades), ("running", 0));
    runtime.stop_bot(&idle.id).await.unwrap();
    open_orders_become(&world, 0).await;
    runtime.shutdown(false).await;
    let db = polyagent_store::Database::open(dir.path().join(polyagent_runtime::DATABASE_FILE))
        .await
        .unwrap();
    assert!(db.order_journal().unresolved().await.unwrap().is_empty());
    db.close().await;
}

/// A crash while an order rests on the book: the next start finds it live, cancels it (no
/// one watched it any more) and settles its intent; the bot then rests a new order under a
/// new number, and a stop leaves nothing open.
#[test]
fn a_resting_order_left_by_a_crash_is_cancelled_at_the_next_start() {
    use polyagent_engine::config::ExecutionStyle;
    let threads = |n| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(n)
            .enable_all()
            .build()
            .unwrap()
    };
    let exchange = threads(1);
    let world = exchange.block_on(world());
    let dir = tempfile::tempdir().unwrap();
    let crashed = threads(2);
    let (bot_id, first) = crashed.block_on(async {
        let runtime = live_runtime(&world, dir.path()).await;
        let mut spec = spec(&world.tokens[1]);
        spec.strategy = "train-of-trade".into();
        spec.overrides.execution = Some(ExecutionStyle::Resting { ttl_secs: 600 });
        let mut request = live(spec);
        request.start = true;
        let bot = runtime.create_bot(request).await.unwrap();
        open_orders_become(&world, 1).await;
        let first = world.client.open_orders(None, None).await.unwrap()[0]
            .id
            .clone();
        drop(runtime);
        (bot.id, first)
    });
    crashed.shutdown_background();

    let restarted = threads(2);
    restarted.block_on(async {
        let runtime = open_runtime(dir.path(), &world.sim).await;
        let status = world.client.order(&first).await.unwrap().unwrap().status;
        assert_eq!(status, polyagent_venue::types::OrderStatus::Canceled);
        // The bot rests afresh, under a number the journal has not used.
        let give_up = tokio::time::Instant::now() + common::DEADLINE;
        loop {
            let orders = world.client.open_orders(None, None).await.unwrap();
            if orders.len() == 1 && orders[0].id != first {
                break;
            }
            assert!(tokio::time::Instant::now() < give_up, "{orders:?}");
            tokio::task::yield_now().await;
        }
        runtime.stop_bot(&bot_id).await.unwrap();
        open_orders_become(&world, 0).await;
        runtime.shutdown(false).await;
    });
    let db = exchange.block_on(polyagent_store::Database::open(
        dir.path().join(polyagent_runtime::DATABASE_FILE),
    ));
    let db = db.unwrap();
    let intents = exchange
        .block_on(db.order_journal().for_bot(&bot_id))
        .unwrap();
    assert_eq!(intents.len(), 2, "{intents:#?}");
    assert!(
        intents
            .iter()
            .all(|i| i.state == polyagent_store::IntentState::Acknowledged),
        "{intents:#?}"
    );
    exchange.block_on(db.close());
}
