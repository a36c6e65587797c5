//! Issue #16, point 3: the webview cannot spend money on its own. Each guarded command, called
//! as the webview calls it, asks the user outside the webview (the native dialog, scripted
//! here by [`Answers`]); declined, it answers `CONFIRMATION_DECLINED` and changes nothing;
//! confirmed, it does its work. What makes trading safer (lowering a limit, stopping, the
//! killswitch) is never asked.

use std::time::Duration;

mod common;

use common::{
    Answers, TEST_ADDRESS, TEST_KEY, TOKEN, app_with_runtime, call, ok, open_runtime_asking,
    simulator_now,
};
use polyagent_runtime::stepup::{GuardedAction, Raise, StartKind};
use polyagent_runtime::{ExchangeChoice, Runtime};
use polyagent_simulator::server::SimServer;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tauri::test::MockRuntime;

const DEADLINE: Duration = Duration::from_secs(20);

/// An app on a simulator with a vault, a live wallet, a stopped live bot and the killswitch
/// armed; the user confirmed what that took. Questions asked so far are cleared.
struct World {
    window: tauri::WebviewWindow<MockRuntime>,
    answers: std::sync::Arc<Answers>,
    sim: SimServer,
    live_bot: String,
    _app: tauri::App<MockRuntime>,
    _runtime: Runtime,
    _dir: tempfile::TempDir,
}

fn live_request(name: &str, start: bool, trade_size: &str) -> Value {
    json!({
        "spec": {"name": name, "wallet": "trader", "token_id": TOKEN,
                 "strategy": "spike-sam", "profile": "live",
                 "overrides": {"trade_size": trade_size}},
        "execution": {"mode": "live"},
        "start": start
    })
}

impl World {
    fn new() -> Self {
        // A live wallet connects: the exchange's clock must be near this computer's.
        let sim = simulator_now();
        let dir = tempfile::tempdir().unwrap();
        let answers = Answers::new(true);
        let runtime = open_runtime_asking(dir.path(), Duration::from_secs(3600), answers.clone());
        let (app, window) = app_with_runtime(&runtime);
        let exchange = json!({"kind": "simulator", "url": sim.base_url()});
        ok(
            &window,
            "update_settings",
            json!({"settings": {"exchange": exchange}}),
        );
        ok(
            &window,
            "create_vault",
            json!({"passphrase": "a long passphrase"}),
        );
        ok(
            &window,
            "import_wallet",
            // A test key: live bots off Polymarket trade only from those.
            json!({"label": "trader", "key": TEST_KEY, "signatureType": 0, "funder": null, "testKey": true}),
        );
        let bot = ok(
            &window,
            "create_bot",
            json!({"request": live_request("Live one", false, "5")}),
        );
        assert_eq!(bot["mode"], "live");
        let live_bot = bot["id"].as_str().unwrap().to_owned();
        answers.take_asked();
        Self {
            window,
            answers,
            sim,
            live_bot,
            _app: app,
            _runtime: runtime,
            _dir: dir,
        }
    }

    fn ok(&self, cmd: &str, args: Value) -> Value {
        ok(&self.window, cmd, args)
    }

    /// The command is refused as not confirmed, after exactly one question.
    fn declined(&self, cmd: &str, args: Value) -> GuardedAction {
        let error = call(&self.window, cmd, args).expect_err(cmd);
        assert_eq!(error["code"], "CONFIRMATION_DECLINED", "{cmd}: {error}");
        let mut asked = self.answers.take_asked();
        assert_eq!(asked.len(), 1, "{cmd} asks once: {asked:?}");
        asked.remove(0)
    }

    /// Everything the guarded commands could change, read through the commands.
    fn snapshot(&self) -> Value {
        json!({
            "bots": self.ok("list_bots", json!({})),
            "settings": self.ok("get_settings", json!({})),
            "limits": self.ok("get_daily_limits", json!({})),
            "killswitch": self.ok("killswitch_state", json!({})),
        })
    }

    fn status(&self, id: &str) -> String {
        self.ok("get_bot", json!({"id": id}))["status"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn spec_of(&self, trade_size: &str) -> Value {
        json!({"name": "Live one", "wallet": "trader", "token_id": TOKEN,
               "strategy": "spike-sam", "profile": "live",
               "overrides": {"trade_size": trade_size}})
    }

    fn raised_limits(&self) -> Value {
        let mut limits = self.ok("get_daily_limits", json!({}));
        limits["max_daily_loss"] = json!("500");
        limits
    }

    /// Another address of the same simulator: a different exchange setting, still loopback.
    fn other_exchange(&self) -> Value {
        let url = self.sim.base_url().replace("127.0.0.1", "localhost");
        json!({"settings": {"exchange": {"kind": "simulator", "url": url}}})
    }
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str_exact(text).unwrap()
}

#[test]
fn a_webview_alone_changes_nothing_that_is_guarded() {
    let world = World::new();
    // Tripped (never asked) so that re-arming has something to re-arm.
    world.ok("trip_killswitch", json!({"reason": "test stop"}));
    assert!(
        world.answers.take_asked().is_empty(),
        "tripping is never asked"
    );
    world.answers.answer(false);
    let before = world.snapshot();

    // Switching the exchange.
    let asked = world.declined("update_settings", world.other_exchange());
    let GuardedAction::SwitchExchange { from, to } = asked else {
        panic!("{asked:?}")
    };
    assert_eq!(
        from,
        ExchangeChoice::Simulator {
            url: world.sim.base_url()
        }
    );
    assert!(matches!(to, ExchangeChoice::Simulator { url } if url.contains("localhost")));
    let to_polymarket = json!({"settings": {"exchange": {"kind": "polymarket"}}});
    let asked = world.declined("update_settings", to_polymarket);
    assert!(
        matches!(
            &asked,
            GuardedAction::SwitchExchange {
                to: ExchangeChoice::Polymarket,
                ..
            }
        ),
        "{asked:?}"
    );
    assert!(asked.question().body.contains("Polymarket (real money)"));

    // Raising a daily limit.
    let asked = world.declined("set_daily_limits", json!({"limits": world.raised_limits()}));
    assert_eq!(
        asked,
        GuardedAction::RaiseDailyLimits {
            raised: vec![Raise::MaxDailyLoss {
                from: dec("50"),
                to: dec("500")
            }]
        }
    );

    // Creating and starting a live bot.
    let asked = world.declined(
        "create_bot",
        json!({"request": live_request("Sneaky", true, "5")}),
    );
    let GuardedAction::StartLiveBot(start) = &asked else {
        panic!("{asked:?}")
    };
    assert_eq!(start.how, StartKind::CreateAndStart);
    assert_eq!(start.wallet, TEST_ADDRESS);
    assert_eq!(start.name, "Sneaky");
    assert_eq!(start.trade_size, dec("5"));

    // Starting a live bot.
    let asked = world.declined("start_bot", json!({"id": world.live_bot}));
    assert!(
        matches!(&asked, GuardedAction::StartLiveBot(s) if s.how == StartKind::Start
            && s.bot_id.as_deref() == Some(world.live_bot.as_str())),
        "{asked:?}"
    );

    // Raising a live bot's own limits.
    let asked = world.declined(
        "update_bot",
        json!({"id": world.live_bot, "spec": world.spec_of("50")}),
    );
    assert!(
        matches!(&asked, GuardedAction::RaiseBotLimits { raised, .. }
            if raised == &vec![Raise::TradeSize { from: dec("5"), to: dec("50") }]),
        "{asked:?}"
    );

    // Re-arming the killswitch.
    let asked = world.declined("arm_killswitch", json!({}));
    assert_eq!(
        asked,
        GuardedAction::ArmKillswitch {
            tripped_because: "test stop".into()
        }
    );

    let after = world.snapshot();
    assert_eq!(after, before, "a declined command changed something");
    assert_eq!(after["killswitch"]["tripped"], true);

    // What makes trading safer is never asked, and works with every answer a no.
    let mut lower = world.ok("get_daily_limits", json!({}));
    lower["max_daily_loss"] = json!("20");
    world.ok("set_daily_limits", json!({"limits": lower}));
    world.ok(
        "update_bot",
        json!({"id": world.live_bot, "spec": world.spec_of("2")}),
    );
    world.ok("pause_all", json!({}));
    world.ok(
        "create_bot",
        json!({"request": live_request("Stopped one", false, "5")}),
    );
    // The demo runs inside the app, paper bots only: not guarded.
    world.ok("start_demo", json!({}));
    assert!(world.answers.take_asked().is_empty());
    tauri::async_runtime::block_on(world.sim.stop());
}

#[test]
fn with_the_user_s_yes_each_guarded_command_does_its_work() {
    let world = World::new();
    let live = world.live_bot.clone();

    let raised = world.raised_limits();
    world.ok("set_daily_limits", json!({"limits": raised}));
    assert_eq!(world.ok("get_daily_limits", json!({})), raised);

    world.ok(
        "update_bot",
        json!({"id": live, "spec": world.spec_of("7")}),
    );
    assert_eq!(world.ok("get_bot", json!({"id": live}))["tradeSize"], "7");

    world.ok("start_bot", json!({"id": live}));
    assert_eq!(world.status(&live), "running");
    world.ok("pause_bot", json!({"id": live}));
    world.ok("resume_bot", json!({"id": live}));
    assert_eq!(world.status(&live), "running");

    let second = world.ok(
        "create_bot",
        json!({"request": live_request("Second", true, "5")}),
    );
    let second = second["id"].as_str().unwrap().to_owned();
    let give_up = std::time::Instant::now() + DEADLINE;
    while world.status(&second) != "running" {
        assert!(std::time::Instant::now() < give_up, "the new bot never ran");
        std::thread::yield_now();
    }

    world.ok("trip_killswitch", json!({"reason": "test stop"}));
    world.ok("arm_killswitch", json!({}));
    assert_eq!(world.ok("killswitch_tripped", json!({})), false);

    let switched = world.ok("update_settings", world.other_exchange());
    assert!(
        switched["exchange"]["url"]
            .as_str()
            .unwrap()
            .contains("localhost")
    );

    let asked: Vec<&'static str> = world
        .answers
        .take_asked()
        .iter()
        .map(|a| match a {
            GuardedAction::RaiseDailyLimits { .. } => "limits",
            GuardedAction::RaiseBotLimits { .. } => "bot limits",
            GuardedAction::StartLiveBot(s) => match s.how {
                StartKind::Start => "start",
                StartKind::Resume => "resume",
                StartKind::CreateAndStart => "create and start",
            },
            GuardedAction::ArmKillswitch { .. } => "arm",
            GuardedAction::SwitchExchange { .. } => "exchange",
            other => panic!("asked {other:?}"),
        })
        .collect();
    assert_eq!(
        asked,
        [
            "limits",
            "bot limits",
            "start",
            "resume",
            "create and start",
            "arm",
            "exchange"
        ],
        "each guarded command asked once, and a created-and-started bot only once"
    );
    tauri::async_runtime::block_on(world.sim.stop());
}

#[test]
fn the_webview_can_neither_open_nor_answer_a_dialog() {
    // Only the app's commands and event listening: no `dialog:` (nor any other plugin)
    // permission, so the question and its answer stay on the Rust side.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let capability: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("src-tauri/capabilities/main.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        capability["permissions"],
        json!([
            "ui-commands",
            "core:event:allow-listen",
            "core:event:allow-unlisten"
        ])
    );
    // The desktop asks with the native dialog; the CLI's "the command is the confirmation"
    // never stands in for it.
    for file in std::fs::read_dir(root.join("src-tauri/src")).unwrap() {
        let path = file.unwrap().path();
        let source = std::fs::read_to_string(&path).unwrap();
        for confirmer in ["TypedCommand", "NobodyToAsk"] {
            assert!(
                !source.contains(confirmer),
                "{} uses {confirmer}",
                path.display()
            );
        }
    }
    let shell = std::fs::read_to_string(root.join("src-tauri/src/lib.rs")).unwrap();
    assert!(shell.contains("config.confirmer = std::sync::Arc::new(stepup::NativeDialog::new("));
}
