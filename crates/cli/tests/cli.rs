//! The `polyagent` binary as a user runs it.

use std::process::Command;

fn polyagent(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_polyagent"))
        .args(args)
        .output()
        .expect("run polyagent")
}

#[test]
fn version_prints_the_workspace_version() {
    let out = polyagent(&["--version"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.trim(),
        format!("polyagent {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn help_lists_the_subcommands() {
    let out = polyagent(&["--help"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Usage: polyagent"), "{text}");
    assert!(text.contains("info"), "{text}");
}

#[test]
fn info_json_is_one_object_with_the_version() {
    let out = polyagent(&["info", "--json"]);
    assert!(out.status.success());
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["name"], "PolyAgent");
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn an_unknown_subcommand_fails_with_usage() {
    let out = polyagent(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stderr).unwrap();
    assert!(text.contains("unrecognized subcommand"), "{text}");
}

#[test]
fn backtest_json_runs_on_the_shipped_series_and_repeats_itself() {
    let args = [
        "backtest",
        "--strategy",
        "spike-sam",
        "--profile",
        "normal",
        "--json",
    ];
    let first = polyagent(&args);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(report["summary"]["slug"], "apdc-trumpadmin-2026-suswil");
    assert_eq!(report["summary"]["strategy"], "spike-sam");
    assert!(report["trades"].is_array());
    assert_eq!(polyagent(&args).stdout, first.stdout, "deterministic");
}

#[test]
fn backtest_text_names_the_market_and_bad_input_fails_clearly() {
    let out = polyagent(&[
        "backtest",
        "--strategy",
        "train-of-trade",
        "--slug",
        "tpoyc-2026-chatgp",
        "--set",
        "take_profit_pct=4",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("train-of-trade on tpoyc-2026-chatgp (normal profile)"),
        "{text}"
    );
    assert!(text.contains("win rate"), "{text}");

    let out = polyagent(&["backtest", "--set", "spike_threshold_pct=0"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("spike_threshold_pct: must be above 0"),
        "{err}"
    );
    let out = polyagent(&["backtest", "--strategy", "moon"]);
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("unknown strategy")
    );
}
