//! The shell's commands and events through Tauri's mock runtime: the same handler and event
//! registry the real window uses, without a display.

use std::time::Duration;

use polyagent_desktop::ipc;
use polyagent_runtime::{AppInfo, Heartbeat, Runtime, RuntimeConfig};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri_specta::Event;

/// A runtime on a throwaway data folder (no keychain: nothing is unlocked).
fn open_runtime(dir: &std::path::Path, heartbeat: Duration) -> Runtime {
    let mut config = RuntimeConfig::new(dir);
    config.vault = polyagent_vault::VaultConfig::new(dir).no_keychain();
    config.heartbeat_interval = heartbeat;
    tauri::async_runtime::block_on(Runtime::open(config)).unwrap()
}

fn app_with_runtime(
    runtime: &Runtime,
) -> (tauri::App<MockRuntime>, tauri::WebviewWindow<MockRuntime>) {
    let bindings = ipc::bindings::<MockRuntime>();
    let app = mock_builder()
        .invoke_handler(bindings.invoke_handler())
        .build(tauri::generate_context!("tauri.conf.json"))
        .expect("build mock app");
    bindings.mount_events(&app);
    tauri::Manager::manage(&app, runtime.clone());
    let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("build mock window");
    (app, window)
}

fn invoke(
    window: &tauri::WebviewWindow<MockRuntime>,
    cmd: &str,
) -> Result<serde_json::Value, serde_json::Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::default(),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<serde_json::Value>().unwrap())
}

#[test]
fn app_info_command_returns_the_runtime_answer() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_runtime(dir.path(), Duration::from_secs(1));
    let (_app, window) = app_with_runtime(&runtime);
    let info: AppInfo = serde_json::from_value(invoke(&window, "app_info").unwrap()).unwrap();
    assert_eq!(info, runtime.app_info());
    assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
}

#[test]
fn an_unknown_command_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_runtime(dir.path(), Duration::from_secs(1));
    let (_app, window) = app_with_runtime(&runtime);
    assert!(invoke(&window, "delete_everything").is_err());
}

#[test]
fn runtime_heartbeats_reach_the_webview_as_typed_events() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = open_runtime(dir.path(), Duration::from_millis(20));
    let (app, _window) = app_with_runtime(&runtime);
    let (seen_tx, seen_rx) = std::sync::mpsc::channel::<Heartbeat>();
    ipc::HeartbeatEvent::listen(app.handle(), move |event| {
        let _ = seen_tx.send(event.payload.0);
    });
    ipc::forward_events(app.handle().clone(), runtime.subscribe());

    // Wait on the condition (two heartbeats in order) with a deadline, not a fixed sleep.
    let deadline = Duration::from_secs(10);
    let first = seen_rx.recv_timeout(deadline).expect("a first heartbeat");
    let second = seen_rx.recv_timeout(deadline).expect("a second heartbeat");
    assert_eq!(second.seq, first.seq + 1);
    assert!(second.uptime_ms > first.uptime_ms);
}
