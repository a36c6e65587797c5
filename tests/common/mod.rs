//! What the shell's integration tests share: a runtime on a throwaway data folder, a simulator
//! on loopback, the app on Tauri's mock runtime, and calling a command as the webview does.
//!
//! Each test binary uses a different part of this module, so unused items are expected.
#![allow(
    dead_code,
    reason = "each test binary uses a different part of the shared setup"
)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use polyagent_desktop::ipc;
use polyagent_runtime::stepup::{Answer, Confirmation, Confirmer, GuardedAction};
use polyagent_runtime::{Runtime, RuntimeConfig};
use polyagent_simulator::scenario::Scenario;
use polyagent_simulator::server::{SimConfig, SimServer};
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;

/// The market the simulator quotes, with fixed outcome token ids.
pub const TOKEN: &str = "1001";

/// Anvil's first test key: public, never funded anywhere real.
pub const TEST_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
pub const TEST_ADDRESS: &str = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";

/// The user's answers to the runtime's step-up questions, as a test scripts them: the native
/// dialog's stand-in. Records every question asked.
#[derive(Debug)]
pub struct Answers {
    confirm: AtomicBool,
    asked: Mutex<Vec<GuardedAction>>,
}

impl Answers {
    /// A user who answers every question with `confirm`.
    pub fn new(confirm: bool) -> Arc<Self> {
        Arc::new(Self {
            confirm: AtomicBool::new(confirm),
            asked: Mutex::new(Vec::new()),
        })
    }

    /// From now on, every question is answered with `confirm`.
    pub fn answer(&self, confirm: bool) {
        self.confirm.store(confirm, Ordering::SeqCst);
    }

    /// The questions asked so far, taken out.
    pub fn take_asked(&self) -> Vec<GuardedAction> {
        std::mem::take(&mut *self.asked.lock().unwrap())
    }
}

impl Confirmer for Answers {
    fn confirm<'a>(&'a self, action: &'a GuardedAction) -> Answer<'a> {
        self.asked.lock().unwrap().push(action.clone());
        let answer = if self.confirm.load(Ordering::SeqCst) {
            Confirmation::Confirmed
        } else {
            Confirmation::Declined
        };
        Box::pin(std::future::ready(answer))
    }
}

/// A runtime on a throwaway data folder: no keychain and a fast key derivation, so a test can
/// create a vault in milliseconds; until one does, there is none. The user confirms every
/// step-up question.
pub fn open_runtime(dir: &std::path::Path, heartbeat: Duration) -> Runtime {
    open_runtime_asking(dir, heartbeat, Answers::new(true))
}

/// [`open_runtime`], with the step-up questions answered by `answers`.
pub fn open_runtime_asking(
    dir: &std::path::Path,
    heartbeat: Duration,
    answers: Arc<Answers>,
) -> Runtime {
    let mut config = RuntimeConfig::new(dir);
    config.confirmer = answers;
    config.vault = polyagent_vault::VaultConfig::new(dir)
        .no_keychain()
        .with_kdf(polyagent_vault::KdfParams::INSECURE_FAST);
    config.heartbeat_interval = heartbeat;
    tauri::async_runtime::block_on(Runtime::open(config)).unwrap()
}

/// A simulator with one calm market at 0.50, on a free port, its clock moved by hand.
pub fn simulator() -> SimServer {
    simulator_at(1_767_225_600_000)
}

/// [`simulator`] with its clock starting at this second: wallets connect only while the
/// exchange's clock is within 30 s of this computer's.
pub fn simulator_now() -> SimServer {
    simulator_at(polyagent_simulator::server::unix_now_ms() / 1000 * 1000)
}

fn simulator_at(start_ms: u64) -> SimServer {
    let scenario = json!({
        "name": "shell", "step_ms": 500,
        "markets": [{"slug": "calm", "question": "Calm?", "tokens": [TOKEN, "1002"],
            "liquidity": {"spread": "0.02", "levels": 3, "size": "500"},
            "path": {"kind": "scripted", "points": [[0, "0.50"]]}}]
    });
    let scenario = Scenario::from_json(&scenario.to_string()).unwrap();
    tauri::async_runtime::block_on(SimServer::start(SimConfig::manual(scenario, start_ms))).unwrap()
}

/// The app with the real command and event registry on Tauri's mock runtime, and its main
/// window (the one the capability lets call the commands).
pub fn app_with_runtime(
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

/// Invokes a command as the webview does: its name and its arguments as one JSON object.
pub fn call(
    window: &tauri::WebviewWindow<MockRuntime>,
    cmd: &str,
    args: Value,
) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().unwrap())
}

pub fn invoke(window: &tauri::WebviewWindow<MockRuntime>, cmd: &str) -> Result<Value, Value> {
    call(window, cmd, json!({}))
}

/// The command's answer, or the test fails with the `{code, message}` it got instead.
pub fn ok(window: &tauri::WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Value {
    call(window, cmd, args).unwrap_or_else(|error| panic!("{cmd} failed: {error}"))
}

/// The code of the error the command answered; the test fails when it succeeded.
pub fn error_code(window: &tauri::WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> String {
    let error = call(window, cmd, args).expect_err(cmd);
    assert!(error["message"].is_string(), "{{code, message}}: {error}");
    error["code"].as_str().expect("a code").to_owned()
}

/// Every command name the generated TypeScript bindings offer the webview.
pub fn commands_in_bindings() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let bindings = std::fs::read_to_string(root.join(ipc::BINDINGS_PATH)).unwrap();
    let mut offered: Vec<String> = bindings
        .split("__TAURI_INVOKE(\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(name, _)| name.to_owned()))
        .collect();
    offered.sort_unstable();
    offered
}
