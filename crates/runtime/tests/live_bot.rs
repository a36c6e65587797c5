//! A live bot against the simulator: real signed orders, matched and settled by the exchange,
//! P&L equal to what the wallet's balance says; and the killswitch leaving no open order.

use std::sync::Arc;

use polyagent_domain::money::{Price, Shares};
use polyagent_domain::secret::PrivateKey;
use polyagent_domain::trading::{OrderType, Side, SignatureType, TickSize, TokenId};
use polyagent_engine::config::{BotSpec, Overrides, Profile};
mod common;

use common::{open_runtime, simulator, wait_for};
use polyagent_runtime::{ExecutionPlan, NewBotRequest, Runtime, RuntimeEvent};
use polyagent_simulator::server::SimServer;
use polyagent_venue::client::{AuthedClient, ClientConfig, Endpoints, PublicClient};
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
    let sim = simulator(json!({
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
    let http = reqwest::Client::new();
    let tokens = vec![
        sim.tokens("spiky")[0].clone(),
        sim.tokens("calm")[0].clone(),
    ];
    let public = PublicClient::new(ClientConfig {
        endpoints: Endpoints::simulator(&sim.base_url()),
        ..ClientConfig::default()
    })
    .unwrap();
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
        .import_wallet(
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
    admin(&world, "price", json!({"slug": "spiky", "price": "0.45"})).await;
    admin(&world, "clock", json!({"advance_ms": 500})).await;
    let buy = wait_for(&mut events, |e| match e {
        RuntimeEvent::BotFill(f) if f.side == "buy" => Some(f.clone()),
        _ => None,
    })
    .await;
    assert_eq!(buy.avg_price, "0.46");

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
            chain: Chain::Polygon,
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
