//! Keys and API secrets never leave the vault in the clear: a live trading session with a
//! known key, logging every crate at `trace` (`POLYAGENT_LOG=trace`: third-party crates are
//! capped at info, or tungstenite would print the user channel's auth frame), and then every
//! log line, every event printed (the same events the desktop shell forwards to the webview),
//! the database and its WAL, and every other file in the data folder are searched for the key
//! (with and without `0x`), the API secret and passphrase the exchange issued, and the vault
//! passphrase. A second session gets malformed 2xx API-key answers that carry the secret: the
//! error they cause (logged, shown, stored) must not quote them.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::{KEY, LiveFolder, MarketDriver, PASSPHRASE, polyagent, run_ok, start_run, stop_run};

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_trading_session_leaves_no_secret_in_logs_events_or_the_data_folder() {
    let world = LiveFolder::new();
    let (base, bot_id) = (world.base.clone(), world.bot_id.clone());
    let dir = world.dir();
    let sim = &world.sim;
    let log_path = dir.join("run.log");
    let log = std::fs::File::create(&log_path).unwrap();

    let mut running = start_run(
        dir,
        // Every crate, and a directive that names tungstenite's frame logging directly.
        "trace,tungstenite::protocol=trace",
        Stdio::from(log),
    );
    // The market moves once the bot watches it, so its first prices are calm ones.
    let driver = MarketDriver::start(&base, world.sim.admin_token());
    // Trade until both a buy and a sell were booked (or give up at the deadline).
    let mut printed = Vec::new();
    let give_up = std::time::Instant::now() + Duration::from_secs(30);
    while std::time::Instant::now() < give_up {
        let Ok(line) = running.lines.recv_timeout(Duration::from_secs(1)) else {
            continue;
        };
        printed.push(line);
        let fills = printed
            .iter()
            .filter(|l| l.contains(r#""event":"fill""#))
            .count();
        if fills >= 2 {
            break;
        }
    }
    drop(driver);
    stop_run(&mut running);
    printed.extend(running.lines.try_iter());
    let fills = printed
        .iter()
        .filter(|l| l.contains(r#""event":"fill""#))
        .count();
    assert!(fills >= 2, "the session traded: {printed:?}");

    // What the management commands print, too (wallet list, bot show, activity).
    for args in [
        &["wallet", "list", "--json"][..],
        &["bot", "show", &bot_id, "--json"],
        &["activity", "--json", "--limit", "500"],
    ] {
        printed.push(run_ok(polyagent(dir, args), None));
    }

    assert_no_secret(sim, dir, &printed, &log_path);
}

/// The key, the vault passphrase and every API secret and passphrase `sim` issued appear in
/// none of `printed`, the log or the files of `dir`.
fn assert_no_secret(
    sim: &polyagent_simulator::server::SimServer,
    dir: &std::path::Path,
    printed: &[String],
    log_path: &std::path::Path,
) {
    let issued = sim.issued_secrets();
    assert!(!issued.is_empty(), "the bot signed in to the exchange");
    let mut secrets = vec![
        KEY.to_owned(),
        KEY.trim_start_matches("0x").to_owned(),
        KEY.trim_start_matches("0x").to_ascii_uppercase(),
        PASSPHRASE.to_owned(),
    ];
    for (secret, passphrase) in issued {
        secrets.push(secret);
        secrets.push(passphrase);
    }

    let mut haystacks: Vec<(String, Vec<u8>)> =
        vec![("printed events".into(), printed.join("\n").into_bytes())];
    for path in files_under(dir) {
        haystacks.push((path.display().to_string(), std::fs::read(&path).unwrap()));
    }
    let log_text = std::fs::read_to_string(log_path).unwrap();
    // Our crates log little below info, and every other crate is capped at info: the log is
    // short, but it must be there and be ours.
    assert!(
        log_text.contains("polyagent"),
        "logging produced lines to search: {log_text}"
    );
    for (name, bytes) in &haystacks {
        for secret in &secrets {
            let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            assert!(!found, "a secret ({} chars) is in {name}", secret.len());
        }
    }
}

#[test]
fn a_malformed_api_key_answer_is_never_quoted_in_logs_events_or_the_data_folder() {
    let world = LiveFolder::new();
    let dir = world.dir();
    let sim = &world.sim;
    let http = common::admin_client(sim.admin_token());
    let admin_faults = |body: Option<serde_json::Value>| -> serde_json::Value {
        let url = format!("{}/admin/faults", world.base);
        let request = match body {
            Some(body) => http.post(url).body(body.to_string()),
            None => http.get(url),
        };
        request.send().unwrap().json().unwrap()
    };
    // Both the create and the derive answer are malformed: the wallet cannot connect.
    admin_faults(Some(serde_json::json!({"malformed_api_key": 2})));
    let log_path = dir.join("malformed.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut running = start_run(dir, "trace", Stdio::from(log));

    // Wait (with a deadline) until the bot says why it waits: the connect error, as the user
    // and the log see it.
    let mut printed = Vec::new();
    let give_up = std::time::Instant::now() + Duration::from_secs(30);
    let mut told = false;
    while std::time::Instant::now() < give_up && !told {
        let Ok(line) = running.lines.recv_timeout(Duration::from_secs(1)) else {
            continue;
        };
        told = line.contains("API-key answer");
        printed.push(line);
    }
    assert_eq!(
        admin_faults(None)["malformed_api_key"],
        0,
        "both answers were served"
    );
    stop_run(&mut running);
    printed.extend(running.lines.try_iter());
    let log_text = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        told || log_text.contains("API-key answer"),
        "the connect error was reported: {printed:?}"
    );
    for args in [
        &["wallet", "list", "--json"][..],
        &["activity", "--json", "--limit", "500"],
    ] {
        printed.push(run_ok(polyagent(dir, args), None));
    }
    assert_no_secret(sim, dir, &printed, &log_path);
}
