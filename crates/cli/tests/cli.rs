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
