//! The committed TypeScript bindings (`ui/src/bindings.ts`) must be exactly what the Rust types
//! generate. `UPDATE_BINDINGS=1 cargo test --test bindings` (what `scripts/gen-bindings` runs)
//! rewrites them instead of failing.

use std::path::Path;

use polyagent_desktop::ipc;

#[test]
fn typescript_bindings_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let committed_path = root.join(ipc::BINDINGS_PATH);
    let fresh_path =
        std::env::temp_dir().join(format!("polyagent-bindings-{}.ts", std::process::id()));
    ipc::bindings::<tauri::Wry>()
        .export(ipc::typescript(), &fresh_path)
        .expect("export bindings");
    let fresh = std::fs::read_to_string(&fresh_path).expect("read fresh bindings");
    let _ = std::fs::remove_file(&fresh_path);

    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&committed_path, &fresh).expect("write bindings");
        return;
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is stale: the Rust commands, events or types changed. Run scripts/gen-bindings and \
         commit the result.",
        ipc::BINDINGS_PATH
    );
}
