//! The shell's commands and events through Tauri's mock runtime: the same handler and event
//! registry the real window uses, without a display.

use std::sync::mpsc;
use std::time::{Duration, Instant};

mod common;

use common::{
    TEST_ADDRESS, TEST_KEY, TOKEN, app_with_runtime, call, error_code, invoke, ok, open_runtime,
    simulator,
};
use polyagent_desktop::ipc;
use polyagent_runtime::{AppInfo, BotPrice, Heartbeat, Runtime, RuntimeEvent};
use polyagent_simulator::server::SimServer;
use serde_json::{Value, json};
use tauri::test::MockRuntime;
use tauri_specta::Event;
use tokio::sync::broadcast;

/// How long a test waits for something that should happen before it fails.
const DEADLINE: Duration = Duration::from_secs(20);

fn status_of(window: &tauri::WebviewWindow<MockRuntime>, id: &str) -> String {
    ok(window, "get_bot", json!({"id": id}))["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn app_info_command_returns_the_runtime_answer() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_runtime(dir.path(), Duration::from_secs(1));
    let (_app, window) = app_with_runtime(&runtime);
    let info: AppInfo = serde_json::from_value(invoke(&window, "app_info").unwrap()).unwrap();
    assert_eq!(info, runtime.app_info());
    assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
}

#[test]
fn an_unknown_command_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_runtime(dir.path(), Duration::from_secs(1));
    let (_app, window) = app_with_runtime(&runtime);
    assert!(invoke(&window, "delete_everything").is_err());
}

#[test]
fn only_the_main_window_may_call_the_app_commands() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_runtime(dir.path(), Duration::from_secs(1));
    let (app, _main) = app_with_runtime(&runtime);
    let other = tauri::WebviewWindowBuilder::new(&app, "other", Default::default())
        .build()
        .expect("build a second mock window");
    let refused = invoke(&other, "app_info").expect_err("no capability grants it");
    assert!(refused.to_string().contains("not allowed"), "{refused}");
}

#[test]
fn the_capability_grants_exactly_the_commands_the_bindings_offer() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let permissions = std::fs::read_to_string(root.join("src-tauri/permissions/ui.toml")).unwrap();
    let allow = permissions
        .split_once("commands.allow = [")
        .and_then(|(_, rest)| rest.split_once(']'))
        .expect("a commands.allow list")
        .0;
    let mut granted: Vec<&str> = allow
        .split(',')
        .map(|name| name.trim().trim_matches('"'))
        .filter(|name| !name.is_empty())
        .collect();
    let offered = common::commands_in_bindings();
    granted.sort_unstable();
    assert_eq!(
        granted, offered,
        "src-tauri/permissions/ui.toml against the bindings"
    );
}

#[test]
fn the_csp_lets_in_nothing_remote() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let config: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("tauri.conf.json")).unwrap())
            .unwrap();
    let csp = config["app"]["security"]["csp"].as_str().expect("a CSP");
    for directive in csp.split(';').map(str::trim) {
        let mut words = directive.split_whitespace();
        let name = words.next().expect("a directive name");
        for source in words {
            // The app's own files, inline styles, data: images and fonts, and Tauri's IPC
            // (`ipc:`, or `http://ipc.localhost` where custom schemes are served over http).
            let allowed = match source {
                "'self'" | "'none'" => true,
                "'unsafe-inline'" => name == "style-src",
                "data:" => name == "img-src" || name == "font-src",
                "ipc:" | "http://ipc.localhost" => name == "connect-src",
                _ => false,
            };
            assert!(allowed, "{name} allows {source}");
        }
    }
    for name in ["default-src", "object-src", "base-uri", "form-action"] {
        assert!(csp.contains(name), "the CSP sets {name}");
    }
}

#[test]
fn runtime_heartbeats_reach_the_webview_as_typed_events() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_runtime(dir.path(), Duration::from_millis(20));
    let (app, _window) = app_with_runtime(&runtime);
    let (seen_tx, seen_rx) = std::sync::mpsc::channel::<Heartbeat>();
    ipc::HeartbeatEvent::listen(app.handle(), move |event| {
        let _ = seen_tx.send(event.payload.0);
    });
    ipc::forward_events(app.handle().clone(), runtime.subscribe());

    // Wait on the condition (two heartbeats in order) with a deadline, not a fixed sleep.
    let deadline = Duration::from_secs(10);
    let first = seen_rx.recv_timeout(deadline).expect("a first heartbeat");
    let second = seen_rx.recv_timeout(deadline).expect("a second heartbeat");
    assert_eq!(second.seq, first.seq + 1);
    assert!(second.uptime_ms > first.uptime_ms);
}

#[test]
fn a_paper_bot_is_created_listed_started_stopped_and_deleted_through_commands() {
    let sim = simulator();
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_runtime(dir.path(), Duration::from_secs(1));
    let (app, window) = app_with_runtime(&runtime);
    let prices = listen_to_prices(&app);
    ipc::forward_events(app.handle().clone(), runtime.subscribe());

    let settings = ok(&window, "get_settings", json!({}));
    assert_eq!(settings["exchange"], json!({"kind": "polymarket"}));
    let exchange = json!({"kind": "simulator", "url": sim.base_url()});
    let saved = ok(
        &window,
        "update_settings",
        json!({"settings": {"exchange": exchange}}),
    );
    assert_eq!(saved["exchange"], exchange);
    assert_eq!(
        saved["cancelOrdersOnShutdown"], true,
        "the rest keeps its default"
    );

    // The JSON the wizard sends (`NewBotRequest` in the bindings).
    let request = json!({
        "spec": {"name": "Calm watcher", "wallet": "paper", "token_id": TOKEN,
                 "strategy": "spike-sam", "profile": "normal",
                 "overrides": {"trade_size": "10", "cooldown_secs": 30}},
        "execution": {"mode": "paper", "cash": "100"}
    });
    let bot = ok(&window, "create_bot", json!({"request": request}));
    let id = bot["id"].as_str().unwrap().to_owned();
    assert_eq!(bot["status"], "created");
    assert_eq!(bot["mode"], "paper");
    assert_eq!(bot["tokenId"], TOKEN);
    assert_eq!(bot["paperCash"], "100");

    let bots = ok(&window, "list_bots", json!({}));
    assert_eq!(bots.as_array().unwrap().len(), 1);
    assert_eq!(bots[0]["id"], id.as_str());

    // Each lifecycle command answers once the bot has taken it, so its status is current.
    for (cmd, status) in [
        ("start_bot", "running"),
        ("pause_bot", "paused"),
        ("resume_bot", "running"),
        ("stop_bot", "stopped"),
        ("start_bot", "running"),
    ] {
        assert_eq!(ok(&window, cmd, json!({"id": id})), Value::Null, "{cmd}");
        assert_eq!(status_of(&window, &id), status, "after {cmd}");
    }

    // The running bot's prices reach the webview as typed events.
    let give_up = Instant::now() + DEADLINE;
    let first = loop {
        let left = give_up.saturating_duration_since(Instant::now());
        let (_, price) = prices.recv_timeout(left).expect("a price event of the bot");
        if price.bot_id == id {
            break price;
        }
    };
    assert_eq!(first.price, "0.50");

    // The killswitch stops every bot and stays tripped until armed.
    let cancelled = ok(&window, "trip_killswitch", json!({"reason": "test"}));
    assert_eq!(cancelled, json!([]), "no live wallet, no order to cancel");
    assert_eq!(ok(&window, "killswitch_tripped", json!({})), true);
    assert_eq!(status_of(&window, &id), "stopped");
    ok(&window, "arm_killswitch", json!({}));
    assert_eq!(ok(&window, "killswitch_tripped", json!({})), false);

    let lines = ok(
        &window,
        "activity",
        json!({"botId": id, "kind": null, "limit": 50}),
    );
    for line in lines.as_array().unwrap() {
        assert_eq!(line["botId"], id.as_str(), "only this bot's lines: {line}");
    }

    ok(&window, "delete_bot", json!({"id": id}));
    assert_eq!(ok(&window, "list_bots", json!({})), json!([]));
    assert_eq!(
        error_code(&window, "get_bot", json!({"id": id})),
        "BOT_NOT_FOUND"
    );
    tauri::async_runtime::block_on(sim.stop());
}

#[test]
fn refusals_arrive_as_code_and_message_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_runtime(dir.path(), Duration::from_secs(1));
    let (_app, window) = app_with_runtime(&runtime);

    for cmd in [
        "get_bot",
        "start_bot",
        "stop_bot",
        "pause_bot",
        "resume_bot",
        "delete_bot",
    ] {
        let code = error_code(&window, cmd, json!({"id": "no-such-bot"}));
        assert_eq!(code, "BOT_NOT_FOUND", "{cmd}");
    }

    // A bad config is refused before anything is looked up or saved, every bad field named.
    let request = json!({
        "spec": {"name": "Bad", "wallet": "paper", "token_id": TOKEN,
                 "strategy": "no-such-strategy", "profile": "normal",
                 "overrides": {"trade_size": "-1"}},
        "execution": {"mode": "paper", "cash": "100"}
    });
    let error = call(&window, "create_bot", json!({"request": request})).unwrap_err();
    assert_eq!(error["code"], "INVALID_CONFIG");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("trade_size") && message.contains("strategy"),
        "{message}"
    );
    assert_eq!(ok(&window, "list_bots", json!({})), json!([]));

    let limits = ok(&window, "get_daily_limits", json!({}));
    assert_eq!(limits["max_daily_loss"], "50", "decimals travel as text");
    let mut bad = limits.clone();
    bad["max_daily_loss"] = json!("0");
    assert_eq!(
        error_code(&window, "set_daily_limits", json!({"limits": bad})),
        "INVALID_CONFIG"
    );
    assert_eq!(ok(&window, "get_daily_limits", json!({})), limits);
    let mut tighter = limits.clone();
    tighter["max_daily_loss"] = json!("12.5");
    ok(&window, "set_daily_limits", json!({"limits": tighter}));
    assert_eq!(ok(&window, "get_daily_limits", json!({})), tighter);

    assert_eq!(
        error_code(
            &window,
            "activity",
            json!({"botId": null, "kind": "gossip", "limit": 10})
        ),
        "INVALID_INPUT"
    );
    let bad_exchange = json!({"settings": {"exchange": {"kind": "simulator", "url": "ftp://x"}}});
    assert_eq!(
        error_code(&window, "update_settings", bad_exchange),
        "INVALID_INPUT"
    );
}

#[test]
fn the_vault_is_created_through_commands_and_wallets_answer_addresses_only() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_runtime(dir.path(), Duration::from_secs(1));
    let (_app, window) = app_with_runtime(&runtime);

    assert_eq!(ok(&window, "vault_status", json!({}))["state"], "missing");
    for passphrase in ["", "short"] {
        let code = error_code(&window, "create_vault", json!({"passphrase": passphrase}));
        assert_eq!(code, "INVALID_INPUT", "{passphrase:?}");
    }
    let status = ok(
        &window,
        "create_vault",
        json!({"passphrase": "a long passphrase"}),
    );
    assert_eq!(status["state"], "open");
    assert_eq!(status["mode"], "passphrase", "no keychain in this test");
    assert_eq!(ok(&window, "vault_status", json!({})), status);

    let key_digits = &TEST_KEY[2..];
    let wallet = ok(
        &window,
        "import_wallet",
        json!({"label": "trader", "key": TEST_KEY, "signatureType": 0, "funder": null,
               "testKey": false}),
    );
    assert_eq!(
        wallet,
        json!({"address": TEST_ADDRESS, "label": "trader", "signatureType": 0,
               "funder": null, "hasKey": true, "testKey": false, "usedBy": [],
               "rateLimitTier": null, "needsBackup": false}),
        "public data only (a wallet not connected has no rate-limit tier yet)"
    );

    // A bad key is refused without being echoed.
    let bad_key = "zz".repeat(32);
    let error = call(
        &window,
        "import_wallet",
        json!({"label": "bad", "key": bad_key, "signatureType": 0, "funder": null,
               "testKey": false}),
    )
    .unwrap_err();
    assert_eq!(error["code"], "INVALID_INPUT");
    assert!(!error.to_string().contains(&bad_key), "{error}");

    // A generated key is answered once, to be shown for its backup; until the user confirms
    // it saved, the wallet says it needs one.
    let answer = ok(&window, "generate_wallet", json!({"label": "fresh"}));
    let shown = answer["key"].as_str().unwrap().to_owned();
    assert!(shown.starts_with("0x") && shown.len() == 66);
    let generated = answer["wallet"].clone();
    assert_eq!(generated["hasKey"], true);
    assert_eq!(generated["needsBackup"], true);
    let fields: Vec<&String> = generated.as_object().unwrap().keys().collect();
    assert_eq!(
        fields,
        [
            "address",
            "funder",
            "hasKey",
            "label",
            "needsBackup",
            "rateLimitTier",
            "signatureType",
            "testKey",
            "usedBy"
        ],
        "no key field"
    );
    let listed = ok(&window, "list_wallets", json!({}));
    assert!(
        !listed.to_string().contains(&shown[2..]),
        "listed once only"
    );
    ok(
        &window,
        "confirm_wallet_backup",
        json!({"addressOrLabel": "fresh"}),
    );
    // Revealed again only with the passphrase, checked in Rust.
    assert_eq!(
        error_code(
            &window,
            "reveal_wallet_key",
            json!({"addressOrLabel": "fresh", "passphrase": "not the passphrase"}),
        ),
        "VAULT_LOCKED"
    );
    let revealed = ok(
        &window,
        "reveal_wallet_key",
        json!({"addressOrLabel": "fresh", "passphrase": "a long passphrase"}),
    );
    assert_eq!(revealed, json!(shown));

    let wallets = ok(&window, "list_wallets", json!({}));
    assert_eq!(wallets.as_array().unwrap().len(), 2);
    for answer in [&wallet, &generated, &wallets] {
        assert!(
            !answer.to_string().contains(key_digits),
            "key material: {answer}"
        );
    }

    // Deleting needs the vault's passphrase, checked in Rust: without it nothing changes.
    assert_eq!(
        error_code(
            &window,
            "delete_wallet",
            json!({"addressOrLabel": "trader", "passphrase": "not the passphrase"}),
        ),
        "VAULT_LOCKED"
    );
    assert_eq!(
        ok(&window, "list_wallets", json!({}))
            .as_array()
            .unwrap()
            .len(),
        2
    );
    ok(
        &window,
        "delete_wallet",
        json!({"addressOrLabel": "trader", "passphrase": "a long passphrase"}),
    );
    let left = ok(&window, "list_wallets", json!({}));
    assert_eq!(left.as_array().unwrap().len(), 1);
    assert_eq!(left[0]["label"], "fresh");
}

/// A price of bot `bot-1`, numbered so the test can tell which one arrived.
fn price(n: u32) -> RuntimeEvent {
    RuntimeEvent::BotPrice(BotPrice {
        bot_id: "bot-1".into(),
        price: price_text(n),
        bid: None,
        ask: None,
        at_ms: i64::from(n),
    })
}

fn price_text(n: u32) -> String {
    format!("0.{n:04}")
}

/// Collects the webview's price events until the one with `last_price` arrives (or the
/// deadline passes), with the time each was received.
fn prices_until(
    seen: &mpsc::Receiver<(Instant, BotPrice)>,
    last_price: &str,
) -> Vec<(Instant, BotPrice)> {
    let give_up = Instant::now() + DEADLINE;
    let mut received = Vec::new();
    loop {
        let left = give_up.saturating_duration_since(Instant::now());
        let (at, price) = seen.recv_timeout(left).unwrap_or_else(|_| {
            let got: Vec<&str> = received
                .iter()
                .map(|(_, p): &(Instant, BotPrice)| p.price.as_str())
                .collect();
            panic!("the last price {last_price} never arrived; got {got:?}")
        });
        let done = price.price == last_price;
        received.push((at, price));
        if done {
            return received;
        }
    }
}

fn listen_to_prices(app: &tauri::App<MockRuntime>) -> mpsc::Receiver<(Instant, BotPrice)> {
    let (seen_tx, seen_rx) = mpsc::channel();
    ipc::BotPriceEvent::listen(app.handle(), move |event| {
        let _ = seen_tx.send((Instant::now(), event.payload.0));
    });
    seen_rx
}

#[test]
fn a_flood_of_prices_reaches_the_webview_at_most_ten_a_second_ending_with_the_last() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_runtime(dir.path(), Duration::from_secs(3600));
    let (app, _window) = app_with_runtime(&runtime);
    let seen = listen_to_prices(&app);
    // A broadcast like the runtime's (same kind, same buffer); the test plays the engine.
    let (engine, subscription) = broadcast::channel(1024);
    ipc::forward_events(app.handle().clone(), subscription);

    // 10,000 prices in one second: each millisecond, whatever is due by then.
    const FLOOD: u32 = 10_000;
    let started = Instant::now();
    let mut sent = 0;
    while sent < FLOOD {
        let due = u32::try_from(started.elapsed().as_micros() / 100).unwrap_or(FLOOD);
        while sent < due.min(FLOOD) {
            engine.send(price(sent)).unwrap();
            sent += 1;
        }
        std::thread::sleep(Duration::from_millis(1)); // paces the flood; nothing waits on it
    }
    let flood = started.elapsed();

    let received = prices_until(&seen, &price_text(FLOOD - 1));
    let in_first_second = received
        .iter()
        .filter(|(at, _)| *at < started + Duration::from_secs(1))
        .count();
    let trailing_after = received.last().unwrap().0 - started - flood;
    println!(
        "flood: {FLOOD} prices sent in {flood:?}; the webview got {} ({in_first_second} in the \
         first second), the last {trailing_after:?} after the flood ended",
        received.len()
    );
    assert!(
        in_first_second <= 11,
        "{in_first_second} in the first second"
    );
    // One at once, then at most one per 100 ms, then the trailing one.
    let allowed = usize::try_from(flood.as_millis() / 100).unwrap() + 2;
    assert!(
        received.len() <= allowed,
        "{} for a {flood:?} flood",
        received.len()
    );
    assert!(received.len() >= 2, "the first and the last at least");
    for pair in received.windows(2) {
        let (older, newer) = (&pair[0].1.at_ms, &pair[1].1.at_ms);
        assert!(
            newer > older,
            "an older price after a newer one: {older} then {newer}"
        );
    }
}

#[test]
fn a_slow_webview_never_slows_the_engine_and_still_gets_the_last_price() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_runtime(dir.path(), Duration::from_secs(3600));
    let (app, _window) = app_with_runtime(&runtime);
    let (seen_tx, seen) = mpsc::channel();
    ipc::BotPriceEvent::listen(app.handle(), move |event| {
        // A webview that takes 200 ms per event (the delay simulates load; nothing waits on it).
        std::thread::sleep(Duration::from_millis(200));
        let _ = seen_tx.send((Instant::now(), event.payload.0));
    });
    let (engine, subscription) = broadcast::channel(1024);
    ipc::forward_events(app.handle().clone(), subscription);

    // As fast as the engine can: the broadcast never waits for the shell.
    const FLOOD: u32 = 10_000;
    let started = Instant::now();
    for n in 0..FLOOD {
        engine.send(price(n)).unwrap();
    }
    let sending = started.elapsed();
    let received = prices_until(&seen, &price_text(FLOOD - 1));
    println!(
        "slow webview: {FLOOD} prices sent in {sending:?}; it got {} of them, the last after \
         {:?}",
        received.len(),
        started.elapsed()
    );
    assert!(
        sending < Duration::from_millis(500),
        "sending took {sending:?}: the engine waited for the webview"
    );
    assert!(received.len() <= 3, "got {}", received.len());
}

/// A runtime on a throwaway folder whose exchange is a fresh simulator, and its mock window.
struct OnSimulator {
    window: tauri::WebviewWindow<MockRuntime>,
    _app: tauri::App<MockRuntime>,
    _runtime: Runtime,
    _dir: tempfile::TempDir,
    _sim: SimServer,
}

impl OnSimulator {
    fn new() -> Self {
        let sim = simulator();
        let dir = tempfile::tempdir().unwrap();
        let runtime = open_runtime(dir.path(), Duration::from_secs(1));
        let (app, window) = app_with_runtime(&runtime);
        let exchange = json!({"kind": "simulator", "url": sim.base_url()});
        ok(
            &window,
            "update_settings",
            json!({"settings": {"exchange": exchange}}),
        );
        Self {
            window,
            _app: app,
            _runtime: runtime,
            _dir: dir,
            _sim: sim,
        }
    }
}

#[test]
fn the_wizard_finds_markets_checks_specs_and_the_backtest_view_replays_a_series() {
    let world = OnSimulator::new();
    let window = &world.window;

    // Step 1: search, look up by slug, URL or token id; the book's figures.
    let found = ok(window, "search_markets", json!({"query": "calm"}));
    assert_eq!(found[0]["slug"], "calm", "{found}");
    assert_eq!(found[0]["tradable"], true);
    assert_eq!(found[0]["outcomes"][0]["tokenId"], TOKEN);
    for input in ["calm", "https://polymarket.com/market/calm", TOKEN] {
        let market = ok(window, "lookup_market", json!({"input": input}));
        assert_eq!(market["question"], "Calm?", "{input}");
    }
    let book = ok(window, "book_summary", json!({"tokenId": TOKEN}));
    assert_eq!(book["bestBid"], "0.49");
    assert_eq!(book["bestAsk"], "0.51");
    assert_eq!(book["spread"], "0.02");
    for (cmd, args) in [
        ("search_markets", json!({"query": ""})),
        ("lookup_market", json!({"input": "x".repeat(501)})),
        ("book_summary", json!({"tokenId": "not-a-token"})),
    ] {
        assert_eq!(error_code(window, cmd, args), "INVALID_INPUT", "{cmd}");
    }

    // Steps 2-4: the catalog explains every number; the spec is checked as the user types.
    let catalog = ok(window, "catalog", json!({}));
    assert!(catalog["strategies"].as_array().unwrap().len() >= 2);
    assert!(
        catalog["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["key"] == "take_profit_pct" && f["unit"] == "%")
    );
    let mut spec = json!({"name": "Dip", "wallet": "", "token_id": TOKEN,
        "strategy": "spike-sam", "profile": "normal", "overrides": {"take_profit_pct": "0"}});
    let issues = ok(
        window,
        "validate_bot_spec",
        json!({"spec": spec, "live": false}),
    );
    assert_eq!(issues.as_array().unwrap().len(), 1, "{issues}");
    assert_eq!(issues[0]["field"], "overrides.take_profit_pct");
    spec["overrides"] = json!({});
    let issues = ok(
        window,
        "validate_bot_spec",
        json!({"spec": spec, "live": false}),
    );
    assert_eq!(issues, json!([]), "paper needs no wallet");

    // The backtest view: the shipped series, replayed.
    let series = ok(window, "list_series", json!({}));
    let first = series[0]["id"].as_str().unwrap().to_owned();
    let result = ok(
        window,
        "run_backtest",
        json!({"request": {"strategy": "spike-sam", "profile": "edge", "series": first}}),
    );
    assert!(result["ticks"].as_u64().unwrap() > 0);
    assert!(!result["points"].as_array().unwrap().is_empty());
}

#[test]
fn pause_all_pauses_every_running_bot_and_the_tray_says_so() {
    let world = OnSimulator::new();
    let window = &world.window;
    let mut ids = Vec::new();
    for name in ["One", "Two"] {
        let request = json!({
            "spec": {"name": name, "wallet": "paper", "token_id": TOKEN,
                     "strategy": "spike-sam", "profile": "normal"},
            "execution": {"mode": "paper", "cash": "100"}, "start": true
        });
        ids.push(ok(window, "create_bot", json!({"request": request}))["id"].clone());
    }
    let tray = ok(window, "tray_status", json!({}));
    assert_eq!(tray["state"], "running");
    assert_eq!(tray["running"], 2);
    assert!(
        tray["tooltip"].as_str().unwrap().contains("2 bots running"),
        "{tray}"
    );
    assert_eq!(ok(window, "pause_all", json!({})), 2);
    for id in &ids {
        assert_eq!(status_of(window, id.as_str().unwrap()), "paused");
    }
    assert_eq!(ok(window, "tray_status", json!({}))["state"], "idle");
    ok(window, "trip_killswitch", json!({"reason": "test"}));
    let state = ok(window, "killswitch_state", json!({}));
    assert_eq!(state["tripped"], true);
    assert_eq!(state["reason"], "test");
    assert_eq!(ok(window, "tray_status", json!({}))["state"], "alert");
}
