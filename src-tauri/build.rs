fn main() {
    // The shell's sources and capabilities live in src-tauri/ while Cargo.toml sits at the root.
    let attributes =
        tauri_build::Attributes::new().capabilities_path_pattern("./src-tauri/capabilities/**/*");
    tauri_build::try_build(attributes).expect("tauri-build failed");
}
