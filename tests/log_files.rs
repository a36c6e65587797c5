//! Issue #16, point 6: the desktop's log folder is 0700 and its log files 0600, including a
//! file an older version left readable by everyone. Its own test binary: logging is set up
//! once per process.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn log_folder_and_files_are_owner_only() {
    let parent = tempfile::tempdir().unwrap();
    let folder = parent.path().join("logs");
    std::fs::create_dir(&folder).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    let old = folder.join("polyagent.2026-01-01.log");
    std::fs::write(&old, "an older day\n").unwrap();
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();

    let guard = polyagent_desktop::desktop::init_logging(&folder).expect("a log file");
    tracing::info!("a line for today's file");
    drop(guard);

    assert_eq!(mode(&folder), 0o700);
    let files: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(files.len() >= 2, "today's file was written: {files:?}");
    for file in files {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
}
