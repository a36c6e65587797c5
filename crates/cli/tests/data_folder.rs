//! Managing a data folder without a window: wallets (rename, export behind the passphrase),
//! one process per folder, a bot's state surviving a restart, and the CSV exports.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{
    DEADLINE, KEY, LiveFolder, MarketDriver, PASSPHRASE, polyagent, run_ok, start_run, stop_run,
};
use serde_json::Value;

/// Runs a command expected to fail; returns its JSON error.
fn run_err(mut command: Command, stdin: &str) -> Value {
    use std::io::Write;
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(!output.status.success());
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn wallets_are_renamed_and_exported_only_with_the_passphrase() {
    let world = LiveFolder::new();
    let (bot_id, dir) = (world.bot_id.clone(), world.dir());
    let listed: Value =
        serde_json::from_str(run_ok(polyagent(dir, &["wallet", "list", "--json"]), None).trim())
            .unwrap();
    assert_eq!(listed[0]["usedBy"], serde_json::json!([bot_id]));

    let renamed: Value = serde_json::from_str(
        run_ok(
            polyagent(
                dir,
                &["wallet", "rename", "trader", "--label", "main", "--json"],
            ),
            None,
        )
        .trim(),
    )
    .unwrap();
    assert_eq!(renamed["label"], "main");
    assert!(renamed.get("key").is_none() && renamed.to_string().len() < 300);

    let refused = run_err(
        polyagent(dir, &["wallet", "export", "main", "--json"]),
        "not the passphrase",
    );
    assert_eq!(refused["code"], "VAULT_LOCKED");
    let exported = run_ok(
        polyagent(dir, &["wallet", "export", "main"]),
        Some(PASSPHRASE),
    );
    assert_eq!(exported.trim(), KEY);

    // Deleting needs the passphrase on standard input.
    let no_passphrase = run_err(
        polyagent(dir, &["wallet", "delete", "main", "--yes", "--json"]),
        "",
    );
    assert_eq!(no_passphrase["code"], "INVALID_INPUT");
    // A wallet a bot trades from cannot be deleted.
    let in_use = run_err(
        polyagent(dir, &["wallet", "delete", "main", "--yes", "--json"]),
        PASSPHRASE,
    );
    assert_eq!(in_use["code"], "CONFLICT");
}

#[test]
fn one_process_per_folder_and_a_bot_resumes_where_it_stopped() {
    let world = LiveFolder::new();
    let (base, bot_id) = (world.base.clone(), world.bot_id.clone());
    let dir = world.dir();

    let mut running = start_run(dir, "warn", Stdio::inherit());
    // While `run` holds the folder, another process is refused rather than run the bots twice.
    let busy = run_err(polyagent(dir, &["bot", "list", "--json"]), "");
    assert_eq!(busy["code"], "CONFLICT");

    let driver = MarketDriver::start(&base, world.sim.admin_token());
    let give_up = Instant::now() + DEADLINE;
    let mut fills = 0;
    while fills < 2 && Instant::now() < give_up {
        if let Ok(line) = running.lines.recv_timeout(Duration::from_secs(1))
            && line.contains(r#""event":"fill""#)
        {
            fills += 1;
        }
    }
    drop(driver);
    stop_run(&mut running);
    assert!(fills >= 2, "the bot bought and sold");

    // After the stop: the bot is still marked running (it resumes at the next run) and its
    // figures are the ones it had.
    let shown: Value = serde_json::from_str(
        run_ok(polyagent(dir, &["bot", "show", &bot_id, "--json"]), None).trim(),
    )
    .unwrap();
    assert_eq!(shown["status"], "running");
    assert!(shown["trades"].as_u64().unwrap() >= 1, "{shown}");

    let trades = run_ok(polyagent(dir, &["export", "trades"]), None);
    let rows: Vec<&str> = trades.lines().collect();
    assert!(
        rows[0].contains("trade_id") || rows[0].contains("price"),
        "{}",
        rows[0]
    );
    assert!(
        rows.len() >= 3,
        "a header and at least a buy and a sell: {trades}"
    );
    let activity = run_ok(
        polyagent(dir, &["export", "activity", "--bot", &bot_id]),
        None,
    );
    assert!(activity.lines().count() >= 3, "{activity}");
}

/// The vault's passphrase from an owner-only file (`--passphrase-file`), not the environment:
/// it stays out of shell history and `/proc/PID/environ`. A file others may read is refused.
#[cfg(unix)]
#[test]
fn the_passphrase_comes_from_an_owner_only_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let secrets = tempfile::tempdir().unwrap();
    let file = secrets.path().join("vault-passphrase");
    std::fs::write(&file, format!("{PASSPHRASE}\n")).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let from_file = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_polyagent"));
        command
            .args(args)
            .arg("--data-dir")
            .arg(dir.path())
            .arg("--no-keychain")
            .arg("--passphrase-file")
            .arg(&file)
            .arg("--json")
            .env_remove("POLYAGENT_VAULT_PASSPHRASE")
            .env("POLYAGENT_LOG", "warn");
        command
    };
    let refused = run_err(from_file(&["wallet", "list"]), "");
    assert_eq!(refused["code"], "INVALID_INPUT");
    assert!(
        refused["message"].as_str().unwrap().contains("chmod 600"),
        "{refused}"
    );
    assert!(!refused.to_string().contains(PASSPHRASE));

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    // The first command creates the vault with the file's passphrase; a key on stdin.
    run_ok(
        from_file(&["wallet", "import", "--label", "main"]),
        Some(KEY),
    );
    let listed = run_ok(from_file(&["wallet", "list"]), None);
    assert!(listed.contains("\"main\""), "{listed}");
    // The same passphrase opens it from the environment too: it was the file's.
    let exported = run_ok(
        polyagent(dir.path(), &["wallet", "export", "main"]),
        Some(PASSPHRASE),
    );
    assert_eq!(exported.trim(), KEY);
}
