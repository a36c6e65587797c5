fn main() {
    // The shell's sources, capabilities and permissions live in src-tauri/ while Cargo.toml sits
    // at the root. Defining the app's permissions makes Tauri check every app command against
    // the calling webview's capability instead of allowing all of them to every webview.
    // tauri-build watches neither folder when given patterns; without these a changed grant
    // would not reach the binary until something else rebuilt it.
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=src-tauri/permissions");
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(
            tauri_build::AppManifest::new()
                .permissions_path_pattern("./src-tauri/permissions/**/*"),
        );
    tauri_build::try_build(attributes).expect("tauri-build failed");
}
