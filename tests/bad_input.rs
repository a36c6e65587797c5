//! Bad input at every command (issue #10): each command the bindings export has a row in one
//! table of bad argument objects (empty, absent, huge, negative, NaN, infinite, 40-digit,
//! wrong-type and injection-style values), sent through Tauri's mock runtime as the webview
//! sends them. Each must be refused and change nothing:
//!
//! - a refusal by the runtime is `{code, message}` with the code the row names and a short
//!   message that never echoes a huge value or a secret back;
//! - a value of the wrong JSON type (or an absent argument) is refused by Tauri's argument
//!   deserialization before any of our code runs; it arrives as a plain string, which the UI's
//!   command wrapper (`ui/src/lib/commands.ts`) turns into `INVALID_INPUT` (docs/ARCHITECTURE.md,
//!   "Errors across the IPC boundary");
//! - the observable state (bots, wallets, settings, daily limits, killswitch, vault, activity,
//!   trades, tray, notices, and the row count of every table in the database file) is the
//!   same after each row as before the table.
//!
//! Commands without arguments are called with junk arguments: they answer as without them.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{TEST_ADDRESS, TEST_KEY, TOKEN, app_with_runtime, call, ok, open_runtime, simulator};
use polyagent_runtime::Runtime;
use polyagent_simulator::server::SimServer;
use serde_json::{Value, json};
use tauri::test::MockRuntime;

/// The passphrase of the test world's vault.
const PASSPHRASE: &str = "a long passphrase";

/// The longest message a refusal may carry: enough to say what was wrong, never a copy of a
/// megabyte of input.
const MESSAGE_LIMIT: usize = 300;

/// What a bad argument object must get back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// The runtime refuses it with `{code, message}` and this code.
    Code(&'static str),
    /// Tauri's argument deserialization refuses it before the command runs (wrong JSON type or
    /// an absent argument): a plain string, mapped to `INVALID_INPUT` by the UI.
    Refused,
    /// `validate_bot_spec` answers what is wrong field by field (its contract), not an error.
    Issues,
    /// Free text the command treats as text (a search query): answered, nothing changed.
    Inert,
}

/// One bad argument object for a command.
#[derive(Debug)]
struct Case {
    what: String,
    args: Value,
    expect: Expect,
    /// The text sent as a key or passphrase: never in the answer.
    secret: Option<String>,
}

/// A command's row: its bad argument objects, or why it takes no arguments.
#[derive(Debug)]
struct Row {
    command: &'static str,
    cases: Vec<Case>,
    /// For commands without arguments: how a call with junk arguments is checked.
    no_args: Option<NoArgs>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NoArgs {
    /// Reads or idempotent actions: the same answer with junk arguments as without.
    SameAnswer,
    /// Acts by design (starts the demo, quits): checked in its own test below.
    ActsByDesign,
    /// Acts outside the app (opens a file manager window): not called by tests.
    NotCalled,
}

/// A megabyte of text.
fn huge() -> String {
    "a".repeat(1 << 20)
}

/// Text no identifier, address, key or amount may be.
fn bad_strings() -> Vec<(&'static str, String)> {
    vec![
        ("empty", String::new()),
        ("blank", "   ".into()),
        ("1 MB", huge()),
        ("negative", "-1".into()),
        ("NaN", "NaN".into()),
        ("Infinity", "Infinity".into()),
        ("1e999", "1e999".into()),
        ("40 decimals", format!("0.{}", "1".repeat(40))),
        ("40 digits", "9".repeat(40)),
        ("SQL", "'; DROP TABLE bots; --".into()),
        ("path", "../../etc/passwd".into()),
        ("script", "<script>alert(1)</script>".into()),
        ("NUL", "bot\0id".into()),
        ("RTL mark", "\u{202e}dcba".into()),
        ("0x garbage", "0xZZ".repeat(16)),
    ]
}

/// Text no name or label may be.
fn bad_names() -> Vec<(&'static str, String)> {
    vec![
        ("empty", String::new()),
        ("blank", " \t ".into()),
        ("65 characters", "n".repeat(65)),
        ("1 MB", huge()),
        ("NUL", "bot\0name".into()),
        ("RTL mark", "\u{202e}eman".into()),
        ("line break", "two\nlines".into()),
    ]
}

/// Values of the wrong JSON type for a text argument.
fn not_strings() -> Vec<(&'static str, Value)> {
    vec![
        ("number", json!(7)),
        ("negative number", json!(-1)),
        ("float", json!(1e308)),
        ("null", Value::Null),
        ("object", json!({"id": "x"})),
        ("array", json!(["x"])),
        ("bool", json!(true)),
    ]
}

/// Values that are no `u32` (and no `u8`).
fn not_counts() -> Vec<(&'static str, Value)> {
    vec![
        ("negative", json!(-1)),
        ("huge", json!(u64::MAX)),
        ("fraction", json!(1.5)),
        ("float", json!(1e308)),
        ("text", json!("10")),
        ("NaN text", json!("NaN")),
        ("null", Value::Null),
        ("array", json!([1])),
    ]
}

/// Bad decimal amounts: as text the runtime must refuse, and as other JSON types.
fn bad_amount_texts() -> Vec<(&'static str, String)> {
    vec![
        ("empty", String::new()),
        ("zero", "0".into()),
        ("negative", "-1".into()),
        ("NaN", "NaN".into()),
        ("Infinity", "Infinity".into()),
        ("1e999", "1e999".into()),
        ("40 decimals", format!("0.{}", "1".repeat(40))),
        ("40 digits", "9".repeat(40)),
        ("hex", "0x10".into()),
        ("SQL", "1; DROP TABLE bots".into()),
        ("1 MB", huge()),
    ]
}

/// `base` with the value at `path` replaced (or removed, for `None`).
fn with(base: &Value, path: &[&str], value: Option<Value>) -> Value {
    let mut args = base.clone();
    let (last, parents) = path.split_last().expect("a path");
    let mut at = &mut args;
    for key in parents {
        at = at.get_mut(*key).expect("the path exists in the base");
    }
    let object = at.as_object_mut().expect("an object");
    match value {
        Some(value) => object.insert((*last).to_owned(), value),
        None => object.remove(*last),
    };
    args
}

/// The row-builder for one command: cases are added argument by argument.
struct Cases {
    base: Value,
    cases: Vec<Case>,
}

impl Cases {
    fn on(base: Value) -> Self {
        Self {
            base,
            cases: Vec::new(),
        }
    }

    fn text(self, path: &[&str], expect: Expect) -> Self {
        self.text_but(path, expect, &[])
    }

    /// Like [`Cases::text`], with other expectations for some of the bad strings.
    fn text_but(mut self, path: &[&str], expect: Expect, but: &[(&str, Expect)]) -> Self {
        for (what, value) in bad_strings() {
            let expect = but
                .iter()
                .find(|(w, _)| *w == what)
                .map_or(expect, |(_, e)| *e);
            self.add(path, what, Some(json!(value)), expect);
        }
        self.wrong_types(path)
    }

    /// An optional count of seconds in the overrides (`null` or absent: the profile's).
    fn optional_secs(mut self, path: &[&str], code: &'static str) -> Self {
        for (what, value) in not_counts() {
            let expect = match what {
                "null" => continue,
                "huge" => Expect::Code(code),
                _ => Expect::Refused,
            };
            self.add(path, what, Some(value), expect);
        }
        self.add(
            path,
            "ten years",
            Some(json!(315_360_000)),
            Expect::Code(code),
        );
        self
    }

    /// Text arguments for which only some bad strings are bad (free text): `refused` lists
    /// those and their code; the others must be inert.
    fn free_text(mut self, path: &[&str], refused: &[&str], code: &'static str) -> Self {
        for (what, value) in bad_strings() {
            let expect = if refused.contains(&what) {
                Expect::Code(code)
            } else {
                Expect::Inert
            };
            self.add(path, what, Some(json!(value)), expect);
        }
        self.wrong_types(path)
    }

    /// A name or label: text a person chooses, so only blank, overlong and hidden-character
    /// values are bad (an SQL-looking name is just a name, so it is not sent: it would be saved).
    fn name(mut self, path: &[&str], expect: Expect) -> Self {
        for (what, value) in bad_names() {
            self.add(path, what, Some(json!(value)), expect);
        }
        self.wrong_types(path)
    }

    /// A passphrase: any text of 8 characters or more is one, so only these are bad.
    fn new_passphrase(mut self, path: &[&str], expect: Expect) -> Self {
        for (what, value) in [
            ("empty", String::new()),
            ("short", "seven77".into()),
            ("1 MB", huge()),
        ] {
            self.add(path, what, Some(json!(value)), expect);
        }
        self.wrong_types(path)
    }

    fn wrong_types(mut self, path: &[&str]) -> Self {
        for (what, value) in not_strings() {
            self.add(path, what, Some(value), Expect::Refused);
        }
        self.add(path, "absent", None, Expect::Refused);
        self
    }

    /// An optional text argument: `null` and absence are valid, so only wrong types are bad.
    fn optional_text(mut self, path: &[&str], expect: Expect) -> Self {
        for (what, value) in bad_strings() {
            self.add(path, what, Some(json!(value)), expect);
        }
        self.optional_wrong_types(path)
    }

    /// A bot id that picks whose history to read: the history of a deleted bot stays readable,
    /// so an id no bot has answers nothing; an id no bot could have is refused.
    fn bot_filter(mut self, path: &[&str]) -> Self {
        for (what, value) in bad_strings() {
            let impossible = ["empty", "blank", "1 MB", "NUL", "RTL mark"].contains(&what);
            let expect = if impossible {
                Expect::Code("INVALID_INPUT")
            } else {
                Expect::Inert
            };
            self.add(path, what, Some(json!(value)), expect);
        }
        self
    }

    fn optional_wrong_types(mut self, path: &[&str]) -> Self {
        for (what, value) in not_strings() {
            if !value.is_null() {
                self.add(path, what, Some(value), Expect::Refused);
            }
        }
        self
    }

    fn count(mut self, path: &[&str]) -> Self {
        for (what, value) in not_counts() {
            self.add(path, what, Some(value), Expect::Refused);
        }
        self.add(path, "absent", None, Expect::Refused);
        self
    }

    /// A decimal as text: bad texts get `code`, other JSON types are refused by Tauri.
    fn amount(self, path: &[&str], code: &'static str) -> Self {
        self.amount_but(path, code, &[])
    }

    /// Like [`Cases::amount`], without the texts in `valid`.
    fn amount_but(mut self, path: &[&str], code: &'static str, valid: &[&str]) -> Self {
        for (what, value) in bad_amount_texts() {
            if valid.contains(&what) {
                continue;
            }
            self.add(path, what, Some(json!(value)), Expect::Code(code));
        }
        for (what, value) in [("number", json!(5)), ("object", json!({"v": "5"}))] {
            self.add(path, what, Some(value), Expect::Refused);
        }
        self
    }

    /// A decimal field deserialized straight into a `Decimal`: unparsable text is refused by
    /// Tauri; parsable but out-of-range values get `in_range`.
    fn decimal(mut self, path: &[&str], in_range: Expect) -> Self {
        for (what, value) in bad_amount_texts() {
            let parses = ["zero", "negative", "40 decimals"].contains(&what);
            let expect = if parses { in_range } else { Expect::Refused };
            self.add(path, what, Some(json!(value)), expect);
        }
        for (what, value) in [("object", json!({"v": "5"})), ("array", json!(["5"]))] {
            self.add(path, what, Some(value), Expect::Refused);
        }
        self
    }

    /// A proxy wallet's funder: required (`null` and absence are refused by the runtime) and an
    /// address ("40 digits" is one, hex without `0x`, so it is not sent: it would be saved).
    fn funder(mut self, path: &[&str]) -> Self {
        for (what, value) in bad_strings() {
            if what != "40 digits" {
                self.add(
                    path,
                    what,
                    Some(json!(value)),
                    Expect::Code("INVALID_INPUT"),
                );
            }
        }
        for (what, value) in not_strings() {
            let expect = if value.is_null() {
                Expect::Code("INVALID_INPUT")
            } else {
                Expect::Refused
            };
            self.add(path, what, Some(value), expect);
        }
        self.add(path, "absent", None, Expect::Code("INVALID_INPUT"));
        self
    }

    /// Later cases vary this base instead.
    fn on_base(mut self, base: Value) -> Self {
        self.base = base;
        self
    }

    fn case(mut self, what: &str, args: Value, expect: Expect) -> Self {
        self.cases.push(Case {
            what: what.to_owned(),
            args,
            expect,
            secret: None,
        });
        self
    }

    fn add(&mut self, path: &[&str], what: &str, value: Option<Value>, expect: Expect) {
        let last = path.last().copied().unwrap_or_default().to_lowercase();
        let secret = match &value {
            // Short texts (`-1`, `NaN`) appear in any message; longer ones must not.
            Some(Value::String(text))
                if (last == "key" || last.ends_with("passphrase")) && text.len() >= 8 =>
            {
                Some(text.clone())
            }
            _ => None,
        };
        let args = with(&self.base, path, value);
        self.cases.push(Case {
            what: format!("{}: {what}", path.join(".")),
            args,
            expect,
            secret,
        });
    }

    fn row(self, command: &'static str) -> Row {
        Row {
            command,
            cases: self.cases,
            no_args: None,
        }
    }
}

fn no_args(command: &'static str, how: NoArgs) -> Row {
    Row {
        command,
        cases: Vec::new(),
        no_args: Some(how),
    }
}

/// Junk a command without arguments must ignore.
fn junk_args() -> Vec<Value> {
    vec![
        json!({"id": "'; DROP TABLE bots; --"}),
        json!({"limit": -1, "force": true, "passphrase": PASSPHRASE}),
        json!({"payload": huge()}),
        json!({"__proto__": {"admin": true}, "\u{0}": null}),
    ]
}

/// A valid bot spec, changed field by field by the rows.
fn spec() -> Value {
    json!({"name": "Steady", "wallet": "paper", "token_id": TOKEN,
           "strategy": "spike-sam", "profile": "normal", "overrides": {}})
}

/// The table: every command the bindings export, with its bad argument objects.
fn table(bot: &str, series: &str) -> Vec<Row> {
    use Expect::{Code, Inert, Issues, Refused};
    let id = |base: Value, code| Cases::on(base).text(&["id"], Code(code));
    let by_id = json!({"id": bot});
    let request = json!({"spec": spec(), "execution": {"mode": "paper", "cash": "100"}});
    let limits = json!({"max_daily_loss": "50", "max_trades_per_day": 100,
                        "max_exposure_per_bot": "50", "max_exposure_total": "250"});
    let settings = json!({"exchange": {"kind": "simulator", "url": "http://127.0.0.1:9"},
                          "cancelOrdersOnShutdown": true,
                          "notifications": {"fills": true, "botErrors": true,
                                            "dailyLimits": true, "staleFeeds": true}});
    let import = json!({"label": "other", "key": "0x".to_owned() + &"11".repeat(32),
                        "signatureType": 0, "funder": null, "testKey": false});
    let backtest = json!({"strategy": "spike-sam", "profile": "edge", "series": series});
    vec![
        no_args("app_info", NoArgs::SameAnswer),
        no_args("list_bots", NoArgs::SameAnswer),
        id(json!({"id": ""}), "BOT_NOT_FOUND").row("get_bot"),
        Cases::on(json!({"request": request}))
            .case("request: null", json!({"request": null}), Refused)
            .case("request: array", json!({"request": [request]}), Refused)
            .case(
                "request: unknown field",
                with(&request, &["admin"], Some(json!(true))),
                Refused,
            )
            .name(&["request", "spec", "name"], Code("INVALID_CONFIG"))
            // A token id in the right form that no market has: refused when it is looked up.
            .text_but(
                &["request", "spec", "token_id"],
                Code("INVALID_CONFIG"),
                &[("40 digits", Code("INVALID_INPUT"))],
            )
            .text(&["request", "spec", "strategy"], Code("INVALID_CONFIG"))
            .text(&["request", "spec", "profile"], Refused)
            .decimal(
                &["request", "spec", "overrides", "trade_size"],
                Code("INVALID_CONFIG"),
            )
            .decimal(
                &["request", "spec", "overrides", "take_profit_pct"],
                Code("INVALID_CONFIG"),
            )
            .optional_secs(
                &["request", "spec", "overrides", "cooldown_secs"],
                "INVALID_CONFIG",
            )
            .optional_secs(
                &["request", "spec", "overrides", "max_hold_secs"],
                "INVALID_CONFIG",
            )
            .amount(&["request", "execution", "cash"], "INVALID_CONFIG")
            .text(&["request", "execution", "mode"], Refused)
            .row("create_bot"),
        id(by_id.clone(), "BOT_NOT_FOUND").row("start_bot"),
        id(by_id.clone(), "BOT_NOT_FOUND").row("stop_bot"),
        id(by_id.clone(), "BOT_NOT_FOUND").row("pause_bot"),
        id(by_id.clone(), "BOT_NOT_FOUND").row("resume_bot"),
        id(by_id.clone(), "BOT_NOT_FOUND").row("delete_bot"),
        no_args("get_settings", NoArgs::SameAnswer),
        Cases::on(json!({"settings": settings}))
            .text(&["settings", "exchange", "url"], Code("INVALID_INPUT"))
            .text(&["settings", "exchange", "kind"], Refused)
            .case("settings: null", json!({"settings": null}), Refused)
            .case("settings: array", json!({"settings": []}), Refused)
            .case(
                "cancel: text",
                with(&settings, &["cancelOrdersOnShutdown"], Some(json!("yes"))),
                Refused,
            )
            .row("update_settings"),
        Cases::on(json!({"reason": "test"}))
            .wrong_types(&["reason"])
            .row("trip_killswitch"),
        no_args("arm_killswitch", NoArgs::SameAnswer),
        no_args("killswitch_tripped", NoArgs::SameAnswer),
        no_args("get_daily_limits", NoArgs::SameAnswer),
        Cases::on(json!({"limits": limits}))
            .decimal(&["limits", "max_daily_loss"], Code("INVALID_CONFIG"))
            .decimal(&["limits", "max_exposure_per_bot"], Code("INVALID_CONFIG"))
            .decimal(&["limits", "max_exposure_total"], Code("INVALID_CONFIG"))
            .count(&["limits", "max_trades_per_day"])
            .case("limits: null", json!({"limits": null}), Refused)
            .row("set_daily_limits"),
        no_args("list_wallets", NoArgs::SameAnswer),
        Cases::on(import.clone())
            .text(&["key"], Code("INVALID_INPUT"))
            .name(&["label"], Code("INVALID_INPUT"))
            .count(&["signatureType"])
            .case(
                "signatureType: 4",
                with(&import, &["signatureType"], Some(json!(4))),
                Code("INVALID_INPUT"),
            )
            .case(
                "signatureType: 256",
                with(&import, &["signatureType"], Some(json!(256))),
                Refused,
            )
            // A proxy wallet needs a funder address; "40 digits" is one (hex without 0x).
            .case(
                "funder with type 0",
                with(&import, &["funder"], Some(json!(TEST_ADDRESS))),
                Code("INVALID_INPUT"),
            )
            .case(
                "testKey: \"yes\"",
                with(&import, &["testKey"], Some(json!("yes"))),
                Refused,
            )
            .case("testKey absent", with(&import, &["testKey"], None), Refused)
            .on_base(with(&import, &["signatureType"], Some(json!(1))))
            .funder(&["funder"])
            .row("import_wallet"),
        Cases::on(json!({"label": "fresh"}))
            .name(&["label"], Code("INVALID_INPUT"))
            .row("generate_wallet"),
        Cases::on(json!({"addressOrLabel": "", "passphrase": PASSPHRASE}))
            .text(&["addressOrLabel"], Code("WALLET_NOT_FOUND"))
            .row("delete_wallet"),
        no_args("vault_status", NoArgs::SameAnswer),
        // The passphrase's form is checked before whether a vault exists.
        Cases::on(json!({"passphrase": PASSPHRASE}))
            .new_passphrase(&["passphrase"], Code("INVALID_INPUT"))
            .row("create_vault"),
        // A wrong passphrase is VAULT_LOCKED (the vault stays as it was); an empty one is
        // refused by the shell, and one longer than any passphrase by the runtime, before the
        // vault (and its Argon2id) is asked.
        Cases::on(json!({"passphrase": PASSPHRASE}))
            .text_but(
                &["passphrase"],
                Code("VAULT_LOCKED"),
                &[
                    ("empty", Code("INVALID_INPUT")),
                    ("1 MB", Code("INVALID_INPUT")),
                ],
            )
            .row("unlock_vault"),
        Cases::on(json!({"addressOrLabel": "trader", "label": "renamed"}))
            .text(&["addressOrLabel"], Code("WALLET_NOT_FOUND"))
            .name(&["label"], Code("INVALID_INPUT"))
            .row("rename_wallet"),
        Cases::on(json!({"currentPassphrase": PASSPHRASE, "newPassphrase": "another long one"}))
            .text_but(
                &["currentPassphrase"],
                Code("VAULT_LOCKED"),
                &[("empty", Code("INVALID_INPUT"))],
            )
            .new_passphrase(&["newPassphrase"], Code("INVALID_INPUT"))
            .row("change_vault_passphrase"),
        Cases::on(json!({"id": bot, "amount": "5"}))
            .text(&["id"], Code("BOT_NOT_FOUND"))
            // A blank amount means the bot's own trade size (a buy), so it is not sent.
            .amount_but(&["amount"], "INVALID_INPUT", &["empty"])
            .row("manual_buy"),
        id(by_id.clone(), "BOT_NOT_FOUND").row("close_position"),
        Cases::on(json!({"botId": bot, "range": {"fromMs": 0, "toMs": 1}}))
            .bot_filter(&["botId"])
            .wrong_types(&["botId"])
            .case(
                "range: reversed",
                json!({"botId": bot, "range": {"fromMs": 2, "toMs": 1}}),
                Code("INVALID_INPUT"),
            )
            .case(
                "range: negative",
                json!({"botId": bot, "range": {"fromMs": -5, "toMs": 1}}),
                Code("INVALID_INPUT"),
            )
            .case(
                "range: toMs negative",
                json!({"botId": bot, "range": {"fromMs": 0, "toMs": -1}}),
                Code("INVALID_INPUT"),
            )
            .case(
                "range: toMs 2^64-1",
                json!({"botId": bot, "range": {"fromMs": 0, "toMs": u64::MAX}}),
                Refused,
            )
            .case(
                "range: toMs 1.5",
                json!({"botId": bot, "range": {"fromMs": 0, "toMs": 1.5}}),
                Refused,
            )
            .case(
                "range: toMs text",
                json!({"botId": bot, "range": {"fromMs": 0, "toMs": "1"}}),
                Refused,
            )
            .case("range: null", json!({"botId": bot, "range": null}), Refused)
            .row("price_history"),
        Cases::on(json!({"botId": bot}))
            .bot_filter(&["botId"])
            .optional_wrong_types(&["botId"])
            .row("export_trades_csv"),
        Cases::on(json!({"botId": bot}))
            .bot_filter(&["botId"])
            .optional_wrong_types(&["botId"])
            .row("export_activity_csv"),
        Cases::on(json!({"botId": bot, "kind": null, "limit": 10}))
            .bot_filter(&["botId"])
            .optional_wrong_types(&["botId"])
            .optional_text(&["kind"], Code("INVALID_INPUT"))
            .count(&["limit"])
            .case("before: text", activity_before(bot, json!("x")), Refused)
            .case("before: array", activity_before(bot, json!(["x"])), Refused)
            .case(
                "before: atMs text",
                activity_before(bot, json!({"atMs": "1", "seq": 1})),
                Refused,
            )
            .case(
                "before: seq absent",
                activity_before(bot, json!({"atMs": 1})),
                Refused,
            )
            .case(
                "before: atMs 1e300",
                activity_before(bot, json!({"atMs": 1e300, "seq": 1})),
                Refused,
            )
            // Before the beginning of time: an empty page, nothing changed.
            .case(
                "before: negative",
                activity_before(bot, json!({"atMs": -1, "seq": -1})),
                Inert,
            )
            .row("activity"),
        Cases::on(json!({"id": bot, "spec": spec()}))
            .text(&["id"], Code("BOT_NOT_FOUND"))
            .name(&["spec", "name"], Code("INVALID_CONFIG"))
            .text(&["spec", "strategy"], Code("INVALID_CONFIG"))
            .decimal(
                &["spec", "overrides", "stop_loss_pct"],
                Code("INVALID_CONFIG"),
            )
            .case("spec: null", json!({"id": bot, "spec": null}), Refused)
            .row("update_bot"),
        no_args("catalog", NoArgs::SameAnswer),
        Cases::on(json!({"spec": spec(), "live": false}))
            .name(&["spec", "name"], Issues)
            // Local checks only: a well-formed token id is not looked up.
            .text_but(&["spec", "token_id"], Issues, &[("40 digits", Inert)])
            .decimal(&["spec", "overrides", "trade_size"], Issues)
            .count(&["live"])
            .row("validate_bot_spec"),
        no_args("pause_all", NoArgs::SameAnswer),
        Cases::on(json!({"botId": bot, "limit": 10}))
            .bot_filter(&["botId"])
            .optional_wrong_types(&["botId"])
            .count(&["limit"])
            .case(
                "limit: 0",
                json!({"botId": bot, "limit": 0}),
                Code("INVALID_INPUT"),
            )
            .case(
                "limit: 10001",
                json!({"botId": bot, "limit": 10_001}),
                Code("INVALID_INPUT"),
            )
            .row("list_trades"),
        Cases::on(json!({"query": "calm"}))
            .free_text(
                &["query"],
                &["empty", "blank", "1 MB", "NUL"],
                "INVALID_INPUT",
            )
            .row("search_markets"),
        Cases::on(json!({"input": "calm"}))
            .text(&["input"], Code("INVALID_INPUT"))
            .row("lookup_market"),
        Cases::on(json!({"tokenId": TOKEN}))
            // A well-formed token id is asked for; the exchange has no book for it.
            .text_but(
                &["tokenId"],
                Code("INVALID_INPUT"),
                &[("40 digits", Code("VENUE_UNAVAILABLE"))],
            )
            .row("book_summary"),
        // A well-formed token id is watched (nothing is saved; the next watch replaces it).
        Cases::on(json!({"tokenId": TOKEN, "channel": "__CHANNEL__:7"}))
            .text_but(&["tokenId"], Code("INVALID_INPUT"), &[("40 digits", Inert)])
            .text(&["channel"], Refused)
            .row("watch_book"),
        no_args("unwatch_book", NoArgs::SameAnswer),
        Cases::on(json!({"addressOrLabel": "trader"}))
            .text(&["addressOrLabel"], Code("WALLET_NOT_FOUND"))
            .row("wallet_balance"),
        no_args("list_series", NoArgs::SameAnswer),
        Cases::on(json!({"request": backtest}))
            .text(&["request", "series"], Code("INVALID_INPUT"))
            .text(&["request", "strategy"], Code("INVALID_CONFIG"))
            .case(
                "request: unknown field",
                with(&backtest, &["cash"], Some(json!("1e999"))),
                Refused,
            )
            .row("run_backtest"),
        no_args("start_demo", NoArgs::ActsByDesign),
        no_args("killswitch_state", NoArgs::SameAnswer),
        no_args("tray_status", NoArgs::SameAnswer),
        no_args("recent_notices", NoArgs::SameAnswer),
        no_args("log_folder", NoArgs::SameAnswer),
        no_args("open_log_folder", NoArgs::NotCalled),
        no_args("quit_app", NoArgs::ActsByDesign),
        // Locking stops live bots by design (crates/runtime/tests/vault_lock.rs).
        no_args("lock_vault", NoArgs::ActsByDesign),
        no_args("vault_prefs", NoArgs::SameAnswer),
        no_args("vault_activity", NoArgs::SameAnswer),
        Cases::on(json!({"prefs": {"keychain": false, "autoLockMinutes": null}, "passphrase": null}))
            .case(
                "autoLockMinutes: 0",
                json!({"prefs": {"keychain": false, "autoLockMinutes": 0}, "passphrase": null}),
                Code("INVALID_INPUT"),
            )
            .case(
                "autoLockMinutes: a year",
                json!({"prefs": {"keychain": false, "autoLockMinutes": 525_600}, "passphrase": null}),
                Code("INVALID_INPUT"),
            )
            .case(
                "autoLockMinutes: -1",
                json!({"prefs": {"keychain": false, "autoLockMinutes": -1}, "passphrase": null}),
                Refused,
            )
            .case(
                "keychain: \"yes\"",
                json!({"prefs": {"keychain": "yes", "autoLockMinutes": null}, "passphrase": null}),
                Refused,
            )
            .case(
                "prefs: unknown field",
                json!({"prefs": {"keychain": false, "autoLockMinutes": null, "x": 1}, "passphrase": null}),
                Refused,
            )
            // This world has no keychain (as `--no-keychain`): asking for one is refused.
            .case(
                "keychain without one",
                json!({"prefs": {"keychain": true, "autoLockMinutes": null}, "passphrase": PASSPHRASE}),
                Code("INVALID_INPUT"),
            )
            .row("set_vault_prefs"),
        // A wrong passphrase in the base: no bad address may ever reveal a key.
        Cases::on(json!({"addressOrLabel": "trader", "passphrase": "not the passphrase"}))
            .text(&["addressOrLabel"], Code("WALLET_NOT_FOUND"))
            .text_but(
                &["passphrase"],
                Code("VAULT_LOCKED"),
                &[("empty", Code("INVALID_INPUT"))],
            )
            .row("reveal_wallet_key"),
        Cases::on(json!({"addressOrLabel": "trader"}))
            .text(&["addressOrLabel"], Code("WALLET_NOT_FOUND"))
            .row("confirm_wallet_backup"),
    ]
}

/// A runtime with something to lose: a simulator exchange, an open vault with one wallet, a
/// stopped paper bot, tightened daily limits, the killswitch armed.
struct World {
    window: tauri::WebviewWindow<MockRuntime>,
    bot: String,
    /// A recorded series a backtest can replay.
    series: String,
    quits: std::sync::Arc<std::sync::atomic::AtomicU32>,
    /// A second connection to the runtime's database file, for its row counts.
    db: polyagent_store::Database,
    _app: tauri::App<MockRuntime>,
    _runtime: Runtime,
    _dir: tempfile::TempDir,
    _sim: SimServer,
}

impl World {
    fn new() -> Self {
        let sim = simulator();
        let dir = tempfile::tempdir().unwrap();
        let runtime = open_runtime(dir.path(), Duration::from_secs(3600));
        let (app, window) = app_with_runtime(&runtime);
        let quits = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let counter = quits.clone();
        tauri::Manager::manage(
            &app,
            polyagent_desktop::desktop::Quit(Box::new(move || {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            })),
        );
        tauri::Manager::manage(
            &app,
            polyagent_desktop::desktop::LogFolder(dir.path().join("logs")),
        );
        let exchange = json!({"kind": "simulator", "url": sim.base_url()});
        ok(
            &window,
            "update_settings",
            json!({"settings": {"exchange": exchange}}),
        );
        ok(&window, "create_vault", json!({"passphrase": PASSPHRASE}));
        ok(
            &window,
            "import_wallet",
            json!({"label": "trader", "key": TEST_KEY, "signatureType": 0, "funder": null,
                   "testKey": false}),
        );
        let limits = json!({"max_daily_loss": "40", "max_trades_per_day": 90,
                            "max_exposure_per_bot": "45", "max_exposure_total": "200"});
        ok(&window, "set_daily_limits", json!({"limits": limits}));
        let request = json!({"spec": spec(), "execution": {"mode": "paper", "cash": "100"}});
        let bot = ok(&window, "create_bot", json!({"request": request}))["id"]
            .as_str()
            .unwrap()
            .to_owned();
        // The bot watches its market while stopped: wait until its feed is live and its price
        // known, so the snapshots compare what commands change, not the feed connecting.
        let give_up = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let summary = ok(&window, "get_bot", json!({"id": bot}));
            if summary["feed"] == "live" && summary["price"].is_string() {
                break;
            }
            assert!(
                std::time::Instant::now() < give_up,
                "the feed never got live: {summary}"
            );
            std::thread::yield_now();
        }
        let series = ok(&window, "list_series", json!({}))[0]["id"]
            .as_str()
            .expect("a shipped series")
            .to_owned();
        let db = tauri::async_runtime::block_on(polyagent_store::Database::open(
            dir.path().join(polyagent_runtime::DATABASE_FILE),
        ))
        .unwrap();
        // The bot's first price sample reaches the database on the history writer's next flush
        // (every 500 ms): wait for it, or a slow machine sees it land between two snapshots.
        // The manual-clock market does not move again, so no later sample follows.
        let give_up = std::time::Instant::now() + Duration::from_secs(20);
        while tauri::async_runtime::block_on(db.row_counts())
            .unwrap()
            .get("price_history")
            .copied()
            .unwrap_or(0)
            == 0
        {
            assert!(
                std::time::Instant::now() < give_up,
                "the first price sample was never written"
            );
            std::thread::yield_now();
        }
        Self {
            window,
            bot,
            series,
            quits,
            db,
            _app: app,
            _runtime: runtime,
            _dir: dir,
            _sim: sim,
        }
    }

    /// Everything a user could see change, read through the commands themselves.
    fn snapshot(&self) -> Value {
        let read = |cmd: &str, args: Value| ok(&self.window, cmd, args);
        json!({
            "bots": read("list_bots", json!({})),
            "wallets": read("list_wallets", json!({})),
            "settings": read("get_settings", json!({})),
            "limits": read("get_daily_limits", json!({})),
            "killswitch": read("killswitch_state", json!({})),
            "vault": read("vault_status", json!({})),
            "activity": read("activity", json!({"botId": null, "kind": null, "limit": 1000})),
            "trades": read("list_trades", json!({"botId": null, "limit": 10_000})),
            "tray": read("tray_status", json!({})),
            "notices": read("recent_notices", json!({})),
            "rows": tauri::async_runtime::block_on(self.db.row_counts()).unwrap(),
        })
    }
}

/// What a case got back, judged against what its row expects; `None` when it is as expected.
fn judge(case: &Case, answer: &Result<Value, Value>, secrets: &[&str]) -> Option<String> {
    let got = match answer {
        Ok(value) => format!("answered {}", shorten(&value.to_string())),
        Err(error) => format!("refused with {}", shorten(&error.to_string())),
    };
    let wrong = |why: &str| Some(format!("{}: {why}; {got}", case.what));
    let text = match answer {
        Ok(value) | Err(value) => value.to_string(),
    };
    // Tauri's own refusals may quote the value whole (the UI shortens them); ours never.
    if case.expect != Expect::Refused && text.contains(&"a".repeat(1000)) {
        return wrong("the answer echoes the megabyte back");
    }
    let sent = case.secret.as_deref().filter(|s| text.contains(*s));
    if let Some(secret) = secrets.iter().copied().find(|s| text.contains(*s)).or(sent) {
        return wrong(&format!(
            "the answer contains a secret ({} chars)",
            secret.len()
        ));
    }
    match (case.expect, answer) {
        (Expect::Code(code), Err(error)) => {
            let message = error["message"].as_str().unwrap_or_default();
            if error["code"] != code {
                wrong(&format!("expected {code}"))
            } else if message.trim().is_empty() || message.len() > MESSAGE_LIMIT {
                wrong("the message is empty or too long")
            } else {
                None
            }
        }
        // Tauri's own refusal: plain text (`invalid args …`, `… missing required key …`,
        // `invalid channel value …`), which may quote the value whole.
        (Expect::Refused, Err(Value::String(_))) => None,
        (Expect::Issues, Ok(Value::Array(issues))) if !issues.is_empty() => None,
        (Expect::Inert, Ok(_)) => None,
        (expect, _) => wrong(&format!("expected {expect:?}")),
    }
}

fn shorten(text: &str) -> String {
    if text.len() <= 160 {
        return text.to_owned();
    }
    let cut = (0..=160)
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0);
    format!("{}… ({} chars)", &text[..cut], text.len())
}

#[test]
fn the_table_covers_every_command_the_bindings_export() {
    let rows: Vec<&str> = table("bot", "series")
        .iter()
        .map(|row| row.command)
        .collect();
    let unique: BTreeSet<&str> = rows.iter().copied().collect();
    assert_eq!(unique.len(), rows.len(), "a command has two rows");
    let offered = common::commands_in_bindings();
    assert_eq!(
        unique.into_iter().collect::<Vec<_>>(),
        offered,
        "every command needs a row in this table (and no row names a command that is gone)"
    );
    for row in table("bot", "series") {
        assert!(
            row.cases.is_empty() != row.no_args.is_none(),
            "{}: either bad argument objects or junk-argument handling",
            row.command
        );
    }
}

#[test]
fn every_bad_argument_object_is_refused_and_changes_nothing() {
    let world = World::new();
    let before = world.snapshot();
    let secrets = [PASSPHRASE, &TEST_KEY[2..], &"11".repeat(32)];
    let mut wrong = Vec::new();
    let mut cases = 0;
    for row in table(&world.bot, &world.series) {
        for case in &row.cases {
            cases += 1;
            let answer = call(&world.window, row.command, case.args.clone());
            if let Some(why) = judge(case, &answer, &secrets) {
                wrong.push(format!("{} {why}", row.command));
            }
        }
        let after = world.snapshot();
        if after != before {
            wrong.push(format!(
                "{}: the state changed: {}",
                row.command,
                shorten(&diff(&before, &after))
            ));
            break;
        }
    }
    // The vault's passphrase is not in any snapshot: it must still be the one it was.
    let changed = call(
        &world.window,
        "change_vault_passphrase",
        json!({"currentPassphrase": PASSPHRASE, "newPassphrase": "another long one"}),
    );
    if let Err(error) = changed {
        wrong.push(format!("the vault's passphrase changed: {error}"));
    }
    println!(
        "{cases} bad argument objects over {} commands",
        table("", "").len()
    );
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// The first place two snapshots differ.
fn diff(before: &Value, after: &Value) -> String {
    let (Some(before), Some(after)) = (before.as_object(), after.as_object()) else {
        return format!("{before} -> {after}");
    };
    for (key, old) in before {
        let new = after.get(key).unwrap_or(&Value::Null);
        if old != new {
            return format!("{key}: {old} -> {new}");
        }
    }
    "a new part".to_owned()
}

#[test]
fn commands_without_arguments_ignore_junk_arguments() {
    let world = World::new();
    let rows: Vec<Row> = table(&world.bot, &world.series)
        .into_iter()
        .filter(|row| row.no_args == Some(NoArgs::SameAnswer))
        .collect();
    // Each called once as the UI calls it first: what a command does anyway (arming an armed
    // killswitch saves its state) is not what the junk did.
    let plain: Vec<Result<Value, Value>> = rows
        .iter()
        .map(|row| call(&world.window, row.command, json!({})))
        .collect();
    let before = world.snapshot();
    for (row, plain) in rows.iter().zip(&plain) {
        for junk in junk_args() {
            let answer = call(&world.window, row.command, junk);
            assert_eq!(&answer, plain, "{} with junk arguments", row.command);
        }
    }
    let after = world.snapshot();
    assert!(
        after == before,
        "the state changed: {}",
        diff(&before, &after)
    );

    // Quitting with junk arguments quits once, as without them.
    for (n, args) in [json!({}), junk_args()[1].clone()].into_iter().enumerate() {
        assert_eq!(call(&world.window, "quit_app", args), Ok(Value::Null));
        let quits = world.quits.load(std::sync::atomic::Ordering::SeqCst);
        assert_eq!(quits, u32::try_from(n).unwrap() + 1);
    }

    // The demo starts the same with junk arguments (the exchange switch is what it is for).
    let demo = ok(&world.window, "start_demo", junk_args()[0].clone());
    assert_eq!(demo["exchange"], json!({"kind": "demo"}));
}

/// `activity`'s arguments with `before` set to `cursor`.
fn activity_before(bot: &str, cursor: Value) -> Value {
    json!({"botId": bot, "kind": null, "limit": 10, "before": cursor})
}
