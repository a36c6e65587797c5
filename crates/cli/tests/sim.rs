//! `polyagent sim` as a user runs it: a separate process prints its URL first, another
//! process (this test) trades on it, and SIGTERM stops it cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use polyagent_domain::money::{Price, Shares};
use polyagent_domain::secret::{PrivateKey, SecretString};
use polyagent_domain::trading::{OrderType, Side, SignatureType, TickSize, TokenId};
use polyagent_venue::auth::{HttpMethod, L2Credentials};
use polyagent_venue::eip712::{Chain, Exchange};
use polyagent_venue::order_build::{OrderSize, OrderSpec};
use polyagent_venue::signing::OrderSigner;
use polyagent_venue::wire::PostOrderRequest;
use serde_json::Value;

/// The demo scenario's funded wallet (a public test key).
const DEMO_KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const DEADLINE: Duration = Duration::from_secs(30);

#[test]
fn sim_prints_its_url_first_serves_a_second_process_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_polyagent"))
        .args(["sim", "--scenario", "demo", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start polyagent sim");
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let base = lines
        .recv_timeout(DEADLINE)
        .expect("the simulator prints its base URL");
    assert!(
        base.starts_with("http://127.0.0.1:"),
        "first line is the base URL: {base}"
    );
    let token_line = lines
        .recv_timeout(DEADLINE)
        .expect("the simulator prints its admin token");
    let admin_token = token_line
        .strip_prefix("admin-token ")
        .unwrap_or_else(|| panic!("second line is the admin token: {token_line}"))
        .to_owned();
    assert!(admin_token.len() >= 32, "a long random token");

    let http = reqwest::blocking::Client::new();
    let get = |path: &str| {
        http.get(format!("{base}{path}"))
            .send()
            .unwrap()
            .json::<Value>()
            .unwrap()
    };
    assert_eq!(get("/version")["version"], 2);
    let market = &get("/gamma/markets?slug=demo-btc-above-150k-2027")[0];
    let tokens: Vec<String> =
        serde_json::from_str(market["clobTokenIds"].as_str().unwrap()).unwrap();
    let book = get(&format!("/book?token_id={}", tokens[0]));
    let best_ask = book["asks"].as_array().unwrap().last().unwrap()["price"]
        .as_str()
        .unwrap()
        .to_owned();

    // Credentials over L1, as the desktop app does on first use of a wallet.
    let signer = OrderSigner::new(&PrivateKey::from_hex(DEMO_KEY).unwrap()).unwrap();
    let now_s = get("/time").as_u64().unwrap();
    let l1 = signer.l1_headers(Chain::Amoy, now_s, 0);
    let mut request = http.post(format!("{base}/auth/api-key"));
    for (name, value) in l1.pairs() {
        request = request.header(name, value);
    }
    let issued: Value = request.send().unwrap().json().unwrap();
    let creds = L2Credentials::new(
        signer.address(),
        issued["apiKey"].as_str().unwrap(),
        SecretString::new(issued["secret"].as_str().unwrap()).unwrap(),
        SecretString::new(issued["passphrase"].as_str().unwrap()).unwrap(),
    )
    .unwrap();

    // Buy 5 shares at the best ask: it fills against the demo's liquidity.
    let spec = OrderSpec {
        chain: Chain::Amoy,
        exchange: Exchange::CtfV2,
        tick_size: TickSize::Hundredth,
        token_id: TokenId::new(tokens[0].clone()).unwrap(),
        side: Side::Buy,
        size: OrderSize::Limit {
            price: best_ask.parse::<Price>().unwrap(),
            size: "5".parse::<Shares>().unwrap(),
        },
        signature_type: SignatureType::Eoa,
        funder: None,
        salt: 42,
        timestamp_ms: now_s * 1000,
        expiration: 0,
        metadata: Default::default(),
        builder: Default::default(),
        order_type: OrderType::Gtc,
        post_only: false,
        defer_exec: false,
    };
    let (signed, _) = spec.sign(&signer).unwrap();
    let body = PostOrderRequest {
        order: &signed,
        expiration: 0,
        owner: creds.api_key(),
        order_type: OrderType::Gtc,
        defer_exec: false,
        post_only: false,
    }
    .to_json();
    let mut request = http
        .post(format!("{base}/order"))
        .header("Content-Type", "application/json")
        .body(body.clone());
    for (name, value) in creds
        .headers(now_s, HttpMethod::Post, "/order", Some(&body))
        .pairs()
    {
        request = request.header(name, value);
    }
    let answer: Value = request.send().unwrap().json().unwrap();
    assert_eq!(answer["success"], true, "{answer}");
    assert_eq!(answer["takingAmount"], "5", "the order traded: {answer}");

    // A matching-engine restart set from a second command: orders answer 425 at once.
    // Without the token the admin routes refuse, and so does `sim fault`.
    assert_eq!(
        http.get(format!("{base}/admin/faults"))
            .send()
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    let refused = Command::new(env!("CARGO_BIN_EXE_polyagent"))
        .args(["sim", "fault", "--url", &base, "--restart-s", "90"])
        .env_remove("POLYAGENT_SIM_TOKEN")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let fault = Command::new(env!("CARGO_BIN_EXE_polyagent"))
        .env("POLYAGENT_SIM_TOKEN", &admin_token)
        .args([
            "sim",
            "fault",
            "--url",
            &base,
            "--restart-s",
            "90",
            "--post-only-s",
            "120",
        ])
        .args(["--cancel-only-s", "5"])
        .output()
        .unwrap();
    assert!(fault.status.success(), "{fault:?}");
    let faults: Value = http
        .get(format!("{base}/admin/faults"))
        .bearer_auth(&admin_token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        (
            &faults["restart_s"],
            &faults["post_only_s"],
            &faults["cancel_only_s"]
        ),
        (&Value::from(90), &Value::from(120), &Value::from(5))
    );
    let mut request = http
        .post(format!("{base}/order"))
        .header("Content-Type", "application/json")
        .body(body.clone());
    for (name, value) in creds
        .headers(now_s, HttpMethod::Post, "/order", Some(&body))
        .pairs()
    {
        request = request.header(name, value);
    }
    let restarting = request.send().unwrap();
    assert_eq!(restarting.status().as_u16(), 425);

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let (done_tx, done) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done_tx.send(child.wait());
    });
    let exit = done
        .recv_timeout(DEADLINE)
        .expect("polyagent sim stops after SIGTERM")
        .unwrap();
    assert!(exit.success(), "clean exit: {exit}");
}
