//! The simulator's answers and frames have production's shapes, as written down once in the
//! venue's recorded fixtures (`crates/venue/tests/fixtures/`, PROTOCOL.md §4.3, §6.3, §6.4, §13).
//!
//! The venue parses every fixture; this test drives the real simulator over loopback to produce
//! each kind of answer and frame a fixture records and compares their SHAPES: the keys at every
//! level (objects inside arrays against the fixture's first element) and the JSON type of each
//! value. Values are not compared, except enumerations (`event_type`, `type`, the kind of a
//! `status`, `side`, `trader_side`). A key either side lacks is a failure unless
//! [`OPTIONAL_KEYS`] or [`EXTRA_KEYS`] says why; a fixture the simulator cannot produce is listed
//! in [`NOT_PRODUCED`] with the reason, and the list is checked, so adding support fails loudly.
//! The simulator reads the files by path only: it never depends on the venue's parsers.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use common::*;
use polyagent_domain::trading::{OrderType, Side};
use polyagent_venue::auth::HttpMethod;
use serde_json::{Value, json};

/// Keys production may leave out, so neither side is held to them.
const OPTIONAL_KEYS: &[(&str, &str)] = &[(
    "associate_trades",
    "deprecated by §13.2: absent, null, [] or filled; the simulator leaves it out under the \
     December 2026 order-query rules (its default) and lists it under the legacy rules",
)];

/// Keys the simulator sends that no fixture has, and why they stay.
const EXTRA_KEYS: &[(&str, &str)] = &[];

/// Fixtures the simulator does not produce, and why. Adding support for one fails
/// `every_fixture_is_compared_or_listed_as_not_produced` until it moves to the compared set.
const NOT_PRODUCED: &[(&str, &str)] = &[
    (
        "rest/post_order_unmatched_reason.json",
        "a marketable order killed on arrival is refused 400 with production's text, and a \
         delayed one answers `delayed`; its UNMATCHED_<reason> shows later on GET /data/order \
         and the user channel",
    ),
    (
        "ws_market/new_market.json",
        "every market of a scenario exists from the start; none is listed mid-run",
    ),
    (
        "ws_market/unknown_event.json",
        "an input the venue must skip, not an event production documents",
    ),
    (
        "ws_user/unknown_event.json",
        "an input the venue must skip, not an event production documents",
    ),
    (
        "ws_user/mixed_array.json",
        "an input the venue must read; the simulator sends one user event per frame",
    ),
    (
        "ws_user/trade_matchtime_spelling.json",
        "the older `matchtime` spelling; the simulator sends production's `match_time`",
    ),
    (
        "ws_user/order_cancellation_fok_reason.json",
        "a FOK killed on arrival is refused 400 with no order event; a delayed one that finds \
         nothing is cancelled as UNMATCHED_<reason>",
    ),
];

/// Every fixture this test compares with a simulator answer.
const COMPARED: &[&str] = &[
    "rest/get_data_order.json",
    "rest/get_data_order_canceled_market_resolved.json",
    "rest/get_data_orders_page.json",
    "rest/get_data_trades_page.json",
    "rest/post_order_delayed.json",
    "rest/post_order_live.json",
    "rest/post_order_matched.json",
    "rest/post_order_refused_marketable_precision.json",
    "rest/post_orders_batch.json",
    "ws_market/best_bid_ask.json",
    "ws_market/book.json",
    "ws_market/book_initial_dump_array.json",
    "ws_market/last_trade_price.json",
    "ws_market/market_resolved.json",
    "ws_market/price_change.json",
    "ws_market/tick_size_change.json",
    "ws_user/order_cancellation.json",
    "ws_user/order_placement.json",
    "ws_user/order_update.json",
    "ws_user/trade_confirmed.json",
    "ws_user/trade_failed.json",
    "ws_user/trade_matched.json",
    "ws_user/trade_mined.json",
    "ws_user/trade_retrying.json",
];

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../venue/tests/fixtures")
}

fn fixture(name: &str) -> Value {
    let path = fixtures_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"))
}

// ---------------------------------------------------------------------------------------------
// The shape comparison.

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// An order or trade status reduced to its kind (§13.5): upper case, without the
/// `ORDER_STATUS_`/`TRADE_STATUS_` prefix and without a reason after an underscore.
fn status_kind(status: &str) -> Option<&'static str> {
    const KINDS: &[&str] = &[
        "CANCELED_MARKET_RESOLVED",
        "LIVE",
        "INVALID",
        "DELAYED",
        "MATCHED",
        "UNMATCHED",
        "CANCELED",
        "MINED",
        "CONFIRMED",
        "RETRYING",
        "FAILED",
    ];
    let upper = status.to_uppercase();
    let bare = upper
        .strip_prefix("ORDER_STATUS_")
        .or_else(|| upper.strip_prefix("TRADE_STATUS_"))
        .unwrap_or(&upper);
    KINDS
        .iter()
        .find(|kind| bare == **kind || bare.starts_with(&format!("{kind}_")))
        .copied()
}

/// Compares `got` (the simulator's) with `want` (the fixture's) at `path`; `in_array` says
/// whether `want` stands for every element of an array (then status kinds are only checked
/// to be known, as elements differ in status).
fn compare(path: &str, want: &Value, got: &Value, in_array: bool, problems: &mut Vec<String>) {
    // A fixture's `null` is a value production leaves empty: any type may stand there.
    if want.is_null() {
        return;
    }
    if type_name(want) != type_name(got) {
        problems.push(format!(
            "{path}: fixture has a {}, the simulator a {} ({got})",
            type_name(want),
            type_name(got)
        ));
        return;
    }
    match (want, got) {
        (Value::Object(want), Value::Object(got)) => {
            let optional = |key: &str| OPTIONAL_KEYS.iter().any(|(k, _)| *k == key);
            for (key, value) in want {
                let at = format!("{path}.{key}");
                match got.get(key) {
                    Some(got_value) => {
                        compare_enum(&at, key, value, got_value, in_array, problems);
                        compare(&at, value, got_value, in_array, problems);
                    }
                    None if optional(key) => {}
                    None => problems.push(format!("{at}: missing in the simulator's answer")),
                }
            }
            for key in got.keys() {
                let extra = EXTRA_KEYS.iter().any(|(k, _)| k == key);
                if !want.contains_key(key) && !optional(key) && !extra {
                    problems.push(format!(
                        "{path}.{key}: sent by the simulator, not by production"
                    ));
                }
            }
        }
        (Value::Array(want), Value::Array(got)) => {
            if let Some(first) = want.first() {
                for (i, element) in got.iter().enumerate() {
                    compare(&format!("{path}[{i}]"), first, element, true, problems);
                }
            }
        }
        _ => {}
    }
}

fn compare_enum(
    path: &str,
    key: &str,
    want: &Value,
    got: &Value,
    in_array: bool,
    problems: &mut Vec<String>,
) {
    let (Some(want), Some(got)) = (want.as_str(), got.as_str()) else {
        return;
    };
    let wrong = match key {
        "event_type" | "type" => want != got,
        "side" => !matches!(got, "BUY" | "SELL"),
        "trader_side" => !matches!(got, "TAKER" | "MAKER"),
        // A refused batch entry has no status.
        "status" if in_array => !(got.is_empty() || status_kind(got).is_some()),
        "status" => status_kind(want) != status_kind(got) || status_kind(got).is_none(),
        _ => false,
    };
    if wrong {
        problems.push(format!(
            "{path}: fixture says {want:?}, the simulator {got:?}"
        ));
    }
}

/// Whether `text` has a UUID's form: 8-4-4-4-12 hex digits.
fn is_uuid(text: &str) -> bool {
    let groups: Vec<usize> = text.split('-').map(str::len).collect();
    groups == [8, 4, 4, 4, 12] && text.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

/// Every difference between the fixture `name` and the simulator's `got`.
fn differences(name: &str, got: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    compare(name, &fixture(name), got, false, &mut problems);
    problems
}

// ---------------------------------------------------------------------------------------------
// Driving the simulator.

/// Waits for a whole frame (object or array, as sent) that `wanted` accepts.
async fn frame(ws: &mut Ws, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
    let give_up = tokio::time::Instant::now() + DEADLINE;
    loop {
        let left = give_up.saturating_duration_since(tokio::time::Instant::now());
        let text = ws
            .next_text(left)
            .await
            .unwrap_or_else(|| panic!("no {what} frame within {DEADLINE:?}"));
        if let Ok(value) = serde_json::from_str::<Value>(&text)
            && wanted(&value)
        {
            return value;
        }
    }
}

/// Waits for a single-object frame of `event_type` that `wanted` accepts.
async fn event(ws: &mut Ws, event_type: &str, wanted: impl Fn(&Value) -> bool) -> Value {
    frame(ws, event_type, |v| {
        v["event_type"] == event_type && wanted(v)
    })
    .await
}

async fn user_socket(sim: &TestSim, address: &str, market: &str) -> Ws {
    let creds: Value = sim
        .http
        .post(format!("{}/admin/api-key", sim.base))
        .json(&json!({"address": address}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut ws = sim.user_ws().await;
    ws.send(
        &json!({"type": "user", "markets": [market], "auth": {
            "apiKey": creds["apiKey"], "secret": creds["secret"], "passphrase": creds["passphrase"]}})
        .to_string(),
    )
    .await;
    ws
}

/// Collects (fixture, simulator answer) pairs.
#[derive(Default)]
struct Produced(Vec<(&'static str, Value)>);

impl Produced {
    fn add(&mut self, name: &'static str, value: Value) {
        self.0.push((name, value));
    }
}

/// The test scenario with the legacy order-query rules off (the default) and a fast trade
/// lifecycle, on the main market.
async fn produce_everything() -> Produced {
    let mut produced = Produced::default();
    let sim = TestSim::start().await;
    let (yes, no) = sim.tokens("test-market").await;
    let market = sim.condition_id("test-market").await;
    let bob = sim.trader(BOB_KEY).await;
    let alice = sim.trader(ALICE_KEY).await;

    let mut book_ws = sim.market_ws().await;
    book_ws
        .send(
            &json!({"type": "market", "assets_ids": [yes, no], "custom_feature_enabled": true})
                .to_string(),
        )
        .await;
    let dump = frame(&mut book_ws, "initial book dump", Value::is_array).await;
    produced.add("ws_market/book_initial_dump_array.json", dump);
    let mut bob_ws = user_socket(&sim, &bob.address(), &market).await;

    // A resting order: `live`, PLACEMENT, a price_change and best_bid_ask.
    let (status, answer, resting) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.50", "200", OrderType::Gtc))
        .await;
    assert_eq!(status, 200, "{answer}");
    produced.add("rest/post_order_live.json", answer);
    produced.add(
        "ws_user/order_placement.json",
        event(&mut bob_ws, "order", |v| {
            v["type"] == "PLACEMENT" && v["id"] == resting.as_str()
        })
        .await,
    );
    produced.add(
        "ws_market/price_change.json",
        event(&mut book_ws, "price_change", |_| true).await,
    );
    produced.add(
        "ws_market/best_bid_ask.json",
        event(&mut book_ws, "best_bid_ask", |_| true).await,
    );
    produced.add(
        "rest/get_data_order.json",
        bob.get(&sim, &format!("/data/order/{resting}")).await.1,
    );

    // A crossing order: `matched`, a MATCHED trade, last_trade_price and a fresh book.
    let (status, answer, _) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.51", "10", OrderType::Gtc))
        .await;
    assert_eq!(status, 200, "{answer}");
    produced.add("rest/post_order_matched.json", answer);
    produced.add(
        "ws_user/trade_matched.json",
        event(&mut bob_ws, "trade", |v| v["status"] == "MATCHED").await,
    );
    produced.add(
        "ws_market/last_trade_price.json",
        event(&mut book_ws, "last_trade_price", |_| true).await,
    );
    produced.add(
        "ws_market/book.json",
        event(&mut book_ws, "book", |_| true).await,
    );

    // Alice sells into Bob's resting bid (the best, above the provider's 0.49): his UPDATE.
    let (status, answer, _) = alice
        .post(&sim, limit(&yes, Side::Sell, "0.50", "5", OrderType::Gtc))
        .await;
    assert_eq!(status, 200, "{answer}");
    produced.add(
        "ws_user/order_update.json",
        event(&mut bob_ws, "order", |v| {
            v["type"] == "UPDATE" && v["id"] == resting.as_str()
        })
        .await,
    );

    // The trade lifecycle: MINED, then CONFIRMED.
    sim.advance(2_000).await;
    produced.add(
        "ws_user/trade_mined.json",
        event(&mut bob_ws, "trade", |v| v["status"] == "MINED").await,
    );
    sim.advance(6_000).await;
    produced.add(
        "ws_user/trade_confirmed.json",
        event(&mut bob_ws, "trade", |v| v["status"] == "CONFIRMED").await,
    );

    // A trade that fails settlement: RETRYING, then FAILED.
    sim.admin("faults", json!({"fail_trades": 1})).await;
    let (status, answer, _) = bob
        .post(&sim, limit(&yes, Side::Buy, "0.51", "5", OrderType::Gtc))
        .await;
    assert_eq!(status, 200, "{answer}");
    produced.add(
        "ws_user/trade_retrying.json",
        event(&mut bob_ws, "trade", |v| v["status"] == "RETRYING").await,
    );
    sim.advance(2_000).await;
    produced.add(
        "ws_user/trade_failed.json",
        event(&mut bob_ws, "trade", |v| {
            v["status"]
                .as_str()
                .is_some_and(|s| s.starts_with("FAILED"))
        })
        .await,
    );

    produced.add(
        "rest/get_data_trades_page.json",
        bob.get(&sim, "/data/trades").await.1,
    );
    produced.add(
        "rest/get_data_orders_page.json",
        bob.get(&sim, "/data/orders").await.1,
    );

    // §13.1: a marketable BUY whose maker amount has three decimals.
    let (status, answer, _) = bob
        .post_raw(
            &sim,
            &yes,
            Side::Buy,
            (10_005_000, 19_600_000),
            OrderType::Fak,
        )
        .await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(
        answer,
        fixture("rest/post_order_refused_marketable_precision.json"),
        "production's text"
    );
    produced.add("rest/post_order_refused_marketable_precision.json", answer);

    // A batch: one refused for balance (a fault), one resting.
    sim.admin("faults", json!({"reject_balance": 1})).await;
    let (first, _) = bob.body(limit(&yes, Side::Buy, "0.39", "10", OrderType::Gtc));
    let (second, _) = bob.body(limit(&yes, Side::Buy, "0.38", "10", OrderType::Gtc));
    let batch = format!("[{first},{second}]");
    let (status, answer) = bob
        .send(&sim, HttpMethod::Post, "/orders", Some(&batch))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer[0]["success"], false, "{answer}");
    assert_eq!(answer[1]["status"], "live", "{answer}");
    produced.add("rest/post_orders_batch.json", answer);

    sim.admin(
        "tick-size",
        json!({"slug": "test-market", "tick_size": "0.001"}),
    )
    .await;
    produced.add(
        "ws_market/tick_size_change.json",
        event(&mut book_ws, "tick_size_change", |_| true).await,
    );

    // Resolution cancels the rest of Bob's resting order.
    sim.admin("resolve", json!({"slug": "test-market", "winner": "Yes"}))
        .await;
    produced.add(
        "ws_market/market_resolved.json",
        event(&mut book_ws, "market_resolved", |_| true).await,
    );
    produced.add(
        "ws_user/order_cancellation.json",
        event(&mut bob_ws, "order", |v| {
            v["type"] == "CANCELLATION" && v["id"] == resting.as_str()
        })
        .await,
    );
    produced.add(
        "rest/get_data_order_canceled_market_resolved.json",
        bob.get(&sim, &format!("/data/order/{resting}")).await.1,
    );

    // A market with a taker delay answers a marketable order `delayed`.
    let mut delayed = scenario();
    delayed.markets[0].taker_delay_ms = 1_000;
    let sim = TestSim::start_with(delayed).await;
    let (yes, _) = sim.tokens("test-market").await;
    let bob = sim.trader(BOB_KEY).await;
    let (status, answer, _) = bob
        .post_raw(
            &sim,
            &yes,
            Side::Buy,
            (5_100_000, 10_000_000),
            OrderType::Fak,
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    produced.add("rest/post_order_delayed.json", answer);

    produced
}

#[tokio::test]
async fn every_answer_and_frame_has_the_shape_production_sends() {
    let produced = produce_everything().await;
    let names: BTreeSet<&str> = produced.0.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        names,
        COMPARED.iter().copied().collect::<BTreeSet<_>>(),
        "the fixtures compared are the ones listed in COMPARED"
    );
    let mut problems: Vec<String> = produced
        .0
        .iter()
        .flat_map(|(name, got)| differences(name, got))
        .collect();
    // Trade ids are UUIDs, as production's (a value, but one a client may parse).
    for (name, got) in &produced.0 {
        if name.starts_with("ws_user/trade_") && !is_uuid(got["id"].as_str().unwrap_or("")) {
            problems.push(format!("{name}.id: not a UUID: {}", got["id"]));
        }
    }
    assert!(
        problems.is_empty(),
        "the simulator's shapes differ from production's:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_fixture_is_compared_or_listed_as_not_produced() {
    let mut on_disk = BTreeSet::new();
    for folder in ["rest", "ws_market", "ws_user"] {
        for entry in std::fs::read_dir(fixtures_dir().join(folder)).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".json") {
                on_disk.insert(format!("{folder}/{name}"));
            }
        }
    }
    let listed: BTreeSet<String> = COMPARED
        .iter()
        .copied()
        .chain(NOT_PRODUCED.iter().map(|(name, _)| *name))
        .map(str::to_owned)
        .collect();
    assert_eq!(on_disk, listed, "a fixture is neither compared nor listed");
    assert!(
        COMPARED
            .iter()
            .all(|name| !NOT_PRODUCED.iter().any(|(n, _)| n == name)),
        "a fixture is both compared and listed as not produced"
    );
}

#[test]
fn the_comparison_catches_missing_extra_and_retyped_keys_and_wrong_kinds() {
    let want = json!({"a": "1", "b": [{"c": 1, "status": "LIVE"}], "status": "CANCELED_x"});
    let mut problems = Vec::new();
    compare(
        "t",
        &want,
        &json!({"a": 1, "b": [{"c": 1, "d": true, "status": "MATCHED"}], "status": "LIVE"}),
        false,
        &mut problems,
    );
    assert_eq!(
        problems,
        [
            "t.a: fixture has a string, the simulator a number (1)",
            "t.b[0].d: sent by the simulator, not by production",
            "t.status: fixture says \"CANCELED_x\", the simulator \"LIVE\"",
        ]
    );
    let mut problems = Vec::new();
    compare(
        "t",
        &want,
        &json!({"b": [], "status": "ORDER_STATUS_CANCELED"}),
        false,
        &mut problems,
    );
    assert_eq!(problems, ["t.a: missing in the simulator's answer"]);
    assert_eq!(status_kind("TRADE_STATUS_CONFIRMED"), Some("CONFIRMED"));
    assert_eq!(
        status_kind("CANCELED_MARKET_RESOLVED"),
        Some("CANCELED_MARKET_RESOLVED")
    );
    assert_eq!(
        status_kind("UNMATCHED_insufficient liquidity"),
        Some("UNMATCHED")
    );
    assert_eq!(status_kind("SETTLING"), None);
    assert!(is_uuid("c0ffee00-0000-4000-8000-000000000001"));
    assert!(!is_uuid("sim-trade-00000001"));
}
