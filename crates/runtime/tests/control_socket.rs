//! The local control channel: served by a runtime that runs bots, at 0600, answering typed
//! and versioned requests only, and gone when the runtime goes.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;

use polyagent_runtime::control_socket::{self, ControlRequest, ControlResponse, SOCKET_FILE};
use polyagent_runtime::{ErrorCode, Runtime, RuntimeConfig};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

async fn open(dir: &std::path::Path) -> Runtime {
    let mut config = RuntimeConfig::new(dir);
    config.vault = polyagent_vault::VaultConfig::new(dir)
        .no_keychain()
        .with_kdf(polyagent_vault::KdfParams::INSECURE_FAST);
    config.vault_passphrase =
        Some(polyagent_vault::SecretString::new("a test vault passphrase").unwrap());
    Runtime::open(config).await.unwrap()
}

/// Sends one raw line and reads the raw answer.
async fn raw(dir: &std::path::Path, line: &str) -> serde_json::Value {
    let stream = tokio::net::UnixStream::connect(dir.join(SOCKET_FILE))
        .await
        .unwrap();
    let (read, mut write) = stream.into_split();
    write.write_all(line.as_bytes()).await.unwrap();
    write.write_all(b"\n").await.unwrap();
    let mut answer = String::new();
    BufReader::new(read).read_line(&mut answer).await.unwrap();
    serde_json::from_str(&answer).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_control_socket_is_private_typed_versioned_and_goes_with_the_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = open(dir.path()).await;
    let path = dir.path().join(SOCKET_FILE);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "only its user may connect");

    let answer = control_socket::send(dir.path(), ControlRequest::Status)
        .await
        .unwrap();
    let ControlResponse::Status { status } = answer else {
        panic!("{answer:?}")
    };
    assert!(!status.killswitch.tripped);
    assert!(status.killswitch.faults.is_empty());

    // Another version, or anything that is not a request, is refused and changes nothing.
    for line in [
        r#"{"version": 2, "message": {"kind": "tripKillswitch", "reason": "x"}}"#,
        r#"{"version": 1, "message": {"kind": "armKillswitch"}}"#,
        r#"{"version": 1, "message": {"kind": "tripKillswitch"}}"#,
        "trip",
    ] {
        let answer = raw(dir.path(), line).await;
        assert_eq!(answer["version"], 1, "{answer}");
        assert_eq!(answer["message"]["kind"], "refused", "{line}: {answer}");
        assert_eq!(
            answer["message"]["error"]["code"], "INVALID_INPUT",
            "{answer}"
        );
    }
    assert!(!runtime.killswitch_tripped());

    let answer = raw(
        dir.path(),
        r#"{"version": 1, "message": {"kind": "tripKillswitch", "reason": "drill"}}"#,
    )
    .await;
    assert_eq!(answer["message"]["kind"], "tripped", "{answer}");
    assert!(runtime.killswitch_tripped());
    assert_eq!(runtime.killswitch_state().reason.as_deref(), Some("drill"));

    runtime.shutdown(false).await;
    assert!(!path.exists(), "the socket goes with the runtime");
    let gone = control_socket::send(dir.path(), ControlRequest::Status)
        .await
        .unwrap_err();
    assert_eq!(gone.code, ErrorCode::Conflict);
}
