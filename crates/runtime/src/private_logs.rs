//! The log folder is owner-only: 0700, its files 0600.
//!
//! Invariant: after [`private_log_folder`], every log file (and any other file the process
//! creates) is owner-only on unix. The rolling appender opens its files with the default
//! mode and offers no other, so the process umask is narrowed to 0o077 instead; files the
//! user exports (CSV) are then owner-only too, which is what a trading record should be.

use std::path::Path;

use polyagent_store::private_files;

/// Makes `folder` 0700 (creating it), narrows the files already in it to 0600, and sets the
/// process umask so that files created from now on are owner-only. Failures are logged, not
/// fatal: logging must still start.
pub fn private_log_folder(folder: &Path) {
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_bits_truncate(0o077));
    if let Err(e) = private_files::private_dir(folder) {
        tracing::warn!(folder = %folder.display(), error = %e, "the log folder could not be made private");
        return;
    }
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let _ = private_files::restrict_if_present(&entry.path());
    }
}
