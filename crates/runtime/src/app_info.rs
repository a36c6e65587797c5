//! Facts about the running build, shown in the UI and printed by `polyagent --version`.

use serde::{Deserialize, Serialize};

/// The version has one source: `workspace.package.version` in the root Cargo.toml.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum BuildProfile {
    Debug,
    Release,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub name: String,
    pub version: String,
    pub profile: BuildProfile,
    /// Operating system and CPU, e.g. `linux-x86_64`.
    pub platform: String,
}

impl AppInfo {
    pub fn current() -> Self {
        Self {
            name: "PolyAgent".to_owned(),
            version: VERSION.to_owned(),
            profile: if cfg!(debug_assertions) {
                BuildProfile::Debug
            } else {
                BuildProfile::Release
            },
            platform: format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
        }
    }
}
