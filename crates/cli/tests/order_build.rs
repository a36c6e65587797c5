//! `polyagent order build` over every V2/V3 vector file: the printed JSON must equal the
//! vectors' outputs, and keys are accepted from the environment only.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use serde_json::value::RawValue;

const BIN: &str = env!("CARGO_BIN_EXE_polyagent");

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/vectors/polymarket")
}

fn run(input: &str, key: Option<&str>) -> Output {
    let mut command = Command::new(BIN);
    command
        .args(["order", "build", "--input", "-"])
        .env_remove("POLYAGENT_PRIVATE_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(key) = key {
        command.env("POLYAGENT_PRIVATE_KEY", key);
    }
    let mut child = command.spawn().unwrap();
    // The command may refuse (no key) and exit before reading its input: a closed pipe
    // here is expected then, and the exit status is what the tests check.
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    child.wait_with_output().unwrap()
}

/// The vector input, as raw text so that numbers reach the builder exactly as written,
/// with the file's credentials appended so the headers are compared as well.
fn input_with_creds(input: &RawValue, meta: &Value) -> String {
    let text = input.get().trim_end();
    let body = text.strip_suffix('}').expect("input is an object");
    format!(
        "{body},\"api_creds\":{},\"l2_timestamp\":{}}}",
        meta["api_creds (made-up)"], meta["l2_timestamp_used_for_post_headers"]
    )
}

#[derive(serde::Deserialize)]
struct VectorFile<'a> {
    meta: Value,
    #[serde(borrow)]
    vectors: Vec<Vector<'a>>,
}

#[derive(serde::Deserialize)]
struct Vector<'a> {
    id: String,
    #[serde(borrow)]
    input: &'a RawValue,
    #[serde(rename = "makerAmount")]
    maker_amount: Value,
    #[serde(rename = "takerAmount")]
    taker_amount: Value,
    eip712: Value,
    signature: Value,
    post_body: Value,
    post_headers: Value,
}

#[test]
fn every_v2_v3_vector_matches() {
    let mut checked = 0;
    for name in ["limit_orders_v2.json", "market_orders_v2.json"] {
        let text = std::fs::read_to_string(vectors_dir().join(name)).unwrap();
        let file: VectorFile<'_> = serde_json::from_str(&text).unwrap();
        let key = file.meta["signer_private_key"].as_str().unwrap();
        for vector in &file.vectors {
            let id = &vector.id;
            let output = run(&input_with_creds(vector.input, &file.meta), Some(key));
            assert!(
                output.status.success(),
                "{id}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            let out: Value = serde_json::from_slice(&output.stdout).unwrap();
            assert_eq!(out["makerAmount"], vector.maker_amount, "{id}");
            assert_eq!(out["takerAmount"], vector.taker_amount, "{id}");
            assert_eq!(out["digest"], vector.eip712["digest"], "{id}");
            assert_eq!(out["signature"], vector.signature, "{id}");
            assert_eq!(out["post_body"], vector.post_body, "{id}");
            assert_eq!(out["post_headers"], vector.post_headers, "{id}");
            checked += 1;
        }
    }
    // 12 limit (V2 and V3) + 3 market orders: every vector the files hold.
    assert_eq!(checked, 15);
}

#[test]
fn missing_or_invalid_key_exits_2() {
    let input = r#"{"chain_id":137,"token_id":"1","side":"BUY","price":"0.5","size":"10"}"#;
    let missing = run(input, None);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("POLYAGENT_PRIVATE_KEY"));
    let invalid = run(input, Some("0x1234"));
    assert_eq!(invalid.status.code(), Some(2));
    assert!(missing.stdout.is_empty() && invalid.stdout.is_empty());
}

#[test]
fn bad_input_and_key_in_input_exit_2() {
    let key = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    let bad = run("{not json", Some(key));
    assert_eq!(bad.status.code(), Some(2));
    let smuggled = run(
        r#"{"private_key":"0xab","chain_id":137,"token_id":"1","side":"BUY","price":"0.5","size":"10"}"#,
        Some(key),
    );
    assert_eq!(smuggled.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&smuggled.stderr).contains("POLYAGENT_PRIVATE_KEY"));
    let invalid_field = run(
        r#"{"chain_id":137,"token_id":"1","side":"BUY","price":"0.555","size":"10"}"#,
        Some(key),
    );
    assert_eq!(invalid_field.status.code(), Some(2));
}

#[test]
fn the_key_flag_does_not_exist() {
    let output = Command::new(BIN)
        .args(["order", "build", "--input", "x.json", "--key", "0xab"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
