//! A paper bot in the runtime, fed by the real market WebSocket of the simulator: it buys the
//! spike, sells at take profit, and its P&L is what its fills imply, to the cent.

use polyagent_engine::config::{BotSpec, Overrides, Profile};
mod common;

use common::{open_runtime, paper, simulator, wait_for};
use polyagent_runtime::RuntimeEvent;
use rust_decimal::Decimal;
use serde_json::json;

async fn advance(http: &reqwest::Client, base: &str, ms: u64) {
    http.post(format!("{base}/admin/clock"))
        .body(json!({"advance_ms": ms}).to_string())
        .send()
        .await
        .unwrap();
}

async fn set_price(http: &reqwest::Client, base: &str, price: &str) {
    http.post(format!("{base}/admin/price"))
        .body(json!({"slug": "spiky", "price": price}).to_string())
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paper_bot_buys_the_spike_and_sells_at_take_profit() {
    let sim = simulator(json!({
        "name": "spike", "step_ms": 500,
        "markets": [{"slug": "spiky", "question": "Spiky?",
            "liquidity": {"spread": "0.02", "levels": 3, "size": "500"},
            "path": {"kind": "scripted", "points": [[0, "0.50"]]}}]
    }))
    .await;
    let http = common::admin_http(&sim);
    let base = sim.base_url();
    let token = sim.tokens("spiky")[0].clone();

    let dir = tempfile::tempdir().unwrap();
    let runtime = open_runtime(dir.path(), &sim).await;
    let mut events = runtime.subscribe();
    // Notices come from their own task, in no fixed order with the bot's events: a second
    // subscription waits for them on its own.
    let mut notices = runtime.subscribe();
    let spec = BotSpec {
        name: "Spike fader".into(),
        wallet: "paper".into(),
        token_id: token.clone(),
        complement_token_id: None,
        strategy: "spike-sam".into(),
        profile: Profile::Normal,
        overrides: Overrides {
            trade_size: Some(Decimal::from(10)),
            ..Overrides::default()
        },
    };
    let bot = runtime.create_bot(paper(spec)).await.unwrap();
    assert_eq!(bot.status, "created");
    runtime.start_bot(&bot.id).await.unwrap();

    // A calm market: the bot sees 0.50 and 0.51 alternate, one price at a time.
    let seen = |price: &'static str| {
        move |event: &RuntimeEvent| match event {
            RuntimeEvent::BotPrice(p) if p.price == price => Some(()),
            _ => None,
        }
    };
    wait_for(&mut events, seen("0.50")).await;
    for price in ["0.51", "0.50", "0.51", "0.50"] {
        set_price(&http, &base, price).await;
        advance(&http, &base, 500).await;
        wait_for(&mut events, seen(price)).await;
    }

    // A sudden 10 % drop: Spike Sam buys the dip at the ask.
    set_price(&http, &base, "0.45").await;
    advance(&http, &base, 500).await;
    let buy = wait_for(&mut events, |e| match e {
        RuntimeEvent::BotFill(f) if f.side == "buy" => Some(f.clone()),
        _ => None,
    })
    .await;
    assert_eq!(
        buy.avg_price, "0.46",
        "bought at the best ask after the drop"
    );
    // The figures are published once the fill is saved.
    let holding = wait_for(&mut events, |e| match e {
        RuntimeEvent::BotStatus(s) if s.id == bot.id && s.position_shares.is_some() => {
            Some((**s).clone())
        }
        _ => None,
    })
    .await;
    // The user is told: a desktop notice for the fill, also kept in the notice list.
    let notice = wait_for(&mut notices, |e| match e {
        RuntimeEvent::Notice(n) => Some(n.clone()),
        _ => None,
    })
    .await;
    assert_eq!(runtime.recent_notices().first(), Some(&notice));
    assert_eq!(notice.kind, polyagent_runtime::NoticeKind::Fill);
    assert_eq!(notice.title, "Spike fader: BUY filled");
    assert_eq!(
        holding.take_profit_price.as_deref(),
        Some("0.483"),
        "entry 0.46 + 5 %"
    );
    assert_eq!(
        holding.stop_loss_price.as_deref(),
        Some("0.4462"),
        "entry 0.46 - 3 %"
    );
    assert_eq!(holding.question, "Spiky?");
    assert!(holding.position_opened_at_ms.is_some());
    assert_eq!(
        runtime.tray_status().state,
        polyagent_runtime::TrayState::Running
    );
    let spikes = runtime
        .activity(Some(&bot.id), Some("spike"), 10)
        .await
        .unwrap();
    assert_eq!(
        spikes.len(),
        1,
        "the drop is logged once as a spike: {spikes:?}"
    );

    // The bounce: at 0.50 the position is up over 5 %, so it is sold at the bid.
    set_price(&http, &base, "0.50").await;
    advance(&http, &base, 500).await;
    let sell = wait_for(&mut events, |e| match e {
        RuntimeEvent::BotFill(f) if f.side == "sell" => Some(f.clone()),
        _ => None,
    })
    .await;
    assert_eq!(sell.avg_price, "0.49");
    assert_eq!(sell.shares, buy.shares, "the whole position is sold");

    // The figures are published right after the fill is booked: wait for the closed trade.
    let summary = wait_for(&mut events, |e| match e {
        RuntimeEvent::BotStatus(s) if s.id == bot.id && s.trades == 1 => Some((**s).clone()),
        _ => None,
    })
    .await;
    let shares: Decimal = buy.shares.parse().unwrap();
    let implied = shares * (Decimal::new(49, 2) - Decimal::new(46, 2));
    assert_eq!(
        summary.realized_pnl.parse::<Decimal>().unwrap(),
        implied,
        "P&L is what the fills imply"
    );
    assert_eq!(summary.trades, 1);
    assert_eq!(summary.position_shares, None);
    assert_eq!(
        summary.paper_cash.unwrap().parse::<Decimal>().unwrap(),
        Decimal::from(100) + implied
    );

    // The chart history got the prices the bot saw (written in the background).
    let give_up = tokio::time::Instant::now() + common::DEADLINE;
    loop {
        let points = runtime.price_history(&bot.id, 0, i64::MAX).await.unwrap();
        if !points.is_empty() {
            break;
        }
        assert!(tokio::time::Instant::now() < give_up, "no price history");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await; // poll interval
    }

    // A restart restores the bot as it was: running, same trades, P&L and cash.
    let before = runtime.get_bot(&bot.id).unwrap();
    runtime.shutdown(false).await;
    drop(runtime);
    let runtime = open_runtime(dir.path(), &sim).await;
    let after = runtime.get_bot(&bot.id).unwrap();
    assert_eq!(after.status, "running");
    assert_eq!(after.trades, before.trades);
    assert_eq!(after.realized_pnl, before.realized_pnl);
    assert_eq!(after.paper_cash, before.paper_cash);
    assert_eq!(after.position_shares, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_killswitch_stops_every_bot_and_bad_specs_are_refused() {
    let (_sim, token, _dir, runtime) = calm_world().await;
    let spec = |name: &str| BotSpec {
        name: name.into(),
        wallet: "paper".into(),
        token_id: token.clone(),
        complement_token_id: None,
        strategy: "spike-sam".into(),
        profile: Profile::Normal,
        overrides: Overrides::default(),
    };
    let mut ids = Vec::new();
    for name in ["one", "two", "three"] {
        let bot = runtime.create_bot(paper(spec(name))).await.unwrap();
        runtime.start_bot(&bot.id).await.unwrap();
        ids.push(bot.id);
    }
    runtime.pause_bot(&ids[2]).await.unwrap();
    let cancelled = runtime
        .trip_killswitch("the user pressed the killswitch")
        .await
        .unwrap();
    assert!(
        cancelled.is_empty(),
        "paper bots have no orders at an exchange"
    );
    assert!(runtime.killswitch_tripped());
    for id in &ids {
        assert_eq!(runtime.bot(id).unwrap().summary().status, "stopped");
    }

    let mut zero = spec("bad");
    zero.overrides.spike_threshold_pct = Some(Decimal::ZERO);
    let error = runtime.create_bot(paper(zero)).await.unwrap_err();
    assert_eq!(error.code, polyagent_runtime::ErrorCode::InvalidConfig);
    assert!(
        error.message.contains("spike_threshold_pct"),
        "{}",
        error.message
    );
    assert_eq!(
        runtime.start_bot("bot-9999").await.unwrap_err().code,
        polyagent_runtime::ErrorCode::BotNotFound
    );
    assert_eq!(
        runtime.list_bots().len(),
        3,
        "a refused spec creates nothing"
    );
}

/// A calm market on the simulator and a runtime on a fresh folder.
async fn calm_world() -> (
    polyagent_simulator::server::SimServer,
    String,
    tempfile::TempDir,
    polyagent_runtime::Runtime,
) {
    let sim = simulator(json!({
        "name": "calm", "step_ms": 500,
        "markets": [{"slug": "calm", "question": "Calm?",
            "liquidity": {"spread": "0.02", "levels": 3, "size": "500"},
            "path": {"kind": "scripted", "points": [[0, "0.50"]]}}]
    }))
    .await;
    let token = sim.tokens("calm")[0].clone();
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_runtime(dir.path(), &sim).await;
    (sim, token, dir, runtime)
}

fn calm_spec(name: &str, token: &str) -> BotSpec {
    BotSpec {
        name: name.into(),
        wallet: "paper".into(),
        token_id: token.into(),
        complement_token_id: None,
        strategy: "spike-sam".into(),
        profile: Profile::Normal,
        overrides: Overrides::default(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_bot_turns_to_error_and_the_others_trade_on() {
    let (sim, token, dir, runtime) = calm_world().await;
    let mut events = runtime.subscribe();
    let mut ids = Vec::new();
    for name in ["one", "two", "three"] {
        let bot = runtime
            .create_bot(paper(calm_spec(name, &token)))
            .await
            .unwrap();
        runtime.start_bot(&bot.id).await.unwrap();
        ids.push(bot.id);
    }
    runtime.bot(&ids[1]).unwrap().inject_panic().await;
    let errored = wait_for(&mut events, |e| match e {
        RuntimeEvent::BotStatus(s) if s.id == ids[1] && s.status == "error" => Some((**s).clone()),
        _ => None,
    })
    .await;
    assert!(
        errored.status_detail.unwrap().contains("injected fault"),
        "the reason is shown"
    );
    // The others still see the market and still take commands.
    sim_step(&sim).await;
    wait_for(&mut events, |e| match e {
        RuntimeEvent::BotPrice(p) if p.bot_id == ids[2] => Some(()),
        _ => None,
    })
    .await;
    runtime.pause_bot(&ids[0]).await.unwrap();
    assert_eq!(runtime.get_bot(&ids[0]).unwrap().status, "paused");
    assert_eq!(runtime.get_bot(&ids[2]).unwrap().status, "running");

    // After a restart the crashed bot is still in error, not running into the same fault.
    runtime.shutdown(false).await;
    drop(runtime);
    let runtime = open_runtime(dir.path(), &sim).await;
    assert_eq!(runtime.get_bot(&ids[1]).unwrap().status, "error");
    assert_eq!(runtime.get_bot(&ids[2]).unwrap().status, "running");
}

/// Moves the calm market a cent, so every bot watching it sees a new price.
async fn sim_step(sim: &polyagent_simulator::server::SimServer) {
    let http = common::admin_http(sim);
    http.post(format!("{}/admin/price", sim.base_url()))
        .body(json!({"slug": "calm", "price": "0.51"}).to_string())
        .send()
        .await
        .unwrap();
    advance(&http, &sim.base_url(), 500).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_position_bought_by_hand_is_closed_by_hand() {
    let (sim, token, _dir, runtime) = calm_world().await;
    let mut events = runtime.subscribe();
    let bot = runtime
        .create_bot(paper(calm_spec("hand", &token)))
        .await
        .unwrap();
    runtime.start_bot(&bot.id).await.unwrap();
    wait_for(&mut events, |e| match e {
        RuntimeEvent::BotPrice(p) if p.bot_id == bot.id => Some(()),
        _ => None,
    })
    .await;
    let refused = runtime.close_position(&bot.id).await.unwrap_err();
    assert_eq!(refused.code, polyagent_runtime::ErrorCode::Conflict);
    assert!(
        refused.message.contains("no position"),
        "{}",
        refused.message
    );

    runtime
        .manual_buy(&bot.id, Some(Decimal::from(10)))
        .await
        .unwrap();
    let buy = wait_for(&mut events, |e| match e {
        RuntimeEvent::BotFill(f) if f.bot_id == bot.id && f.side == "buy" => Some(f.clone()),
        _ => None,
    })
    .await;
    assert_eq!(buy.avg_price, "0.51", "bought at the ask");
    runtime.close_position(&bot.id).await.unwrap();
    let sell = wait_for(&mut events, |e| match e {
        RuntimeEvent::BotFill(f) if f.bot_id == bot.id && f.side == "sell" => Some(f.clone()),
        _ => None,
    })
    .await;
    assert_eq!(sell.avg_price, "0.49", "sold at the bid");
    let summary = runtime.get_bot(&bot.id).unwrap();
    assert_eq!(summary.position_shares, None);
    assert_eq!(summary.trades, 1);
    drop(sim);
}
