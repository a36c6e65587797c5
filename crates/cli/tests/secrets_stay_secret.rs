//! Keys and API secrets never leave the vault in the clear: a live trading session with a
//! known key, logging our crates at `trace` (and the SQL statements), and then every log line, every event printed (the same
//! events the desktop shell forwards to the webview), the database and its WAL, and every
//! other file in the data folder are searched for the key (with and without `0x`), the API
//! secret and passphrase the exchange issued, and the vault passphrase.

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
        "info,polyagent_runtime=trace,polyagent_venue=trace,polyagent_store=trace,polyagent_vault=trace,sqlx=debug",
        Stdio::from(log),
    );
    // The market moves once the bot watches it, so its first prices are calm ones.
    let driver = MarketDriver::start(&base);
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
    let log_text = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log_text.lines().count() > 10,
        "trace logging produced lines to search"
    );
    for (name, bytes) in &haystacks {
        for secret in &secrets {
            let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            assert!(!found, "a secret ({} chars) is in {name}", secret.len());
        }
    }
}
