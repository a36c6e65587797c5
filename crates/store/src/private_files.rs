//! Folders and files only their owner can read: the data folder (0700) and the database, its
//! WAL and shared-memory files, the lock file and the logs (0600).
//!
//! Invariants (unix; elsewhere these are no-ops and the data folder relies on the per-user
//! ACLs of `%APPDATA%` or `~/Library`):
//! - a folder made here is created 0700 and an existing one is narrowed to 0700;
//! - a file made here is created 0600 from the start (never briefly wider), and an existing
//!   one is narrowed to 0600, so folders and files written by older versions are fixed on
//!   their next open;
//! - SQLite creates the `-wal` and `-shm` files with the database file's mode, so creating
//!   the database 0600 before SQLite opens it covers them; [`restrict_database`] narrows any
//!   that an older version left wider.

use std::path::{Path, PathBuf};

/// The owner-only mode of folders.
pub const PRIVATE_DIR_MODE: u32 = 0o700;
/// The owner-only mode of files.
pub const PRIVATE_FILE_MODE: u32 = 0o600;

/// Creates `dir` (and missing parents) owner-only, or narrows an existing one.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, PRIVATE_DIR_MODE);
    builder.create(dir)?;
    set_mode(dir, PRIVATE_DIR_MODE)
}

/// Opens `path` for writing, creating it owner-only when missing (never truncating), and
/// narrows an existing file to owner-only.
pub fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, PRIVATE_FILE_MODE);
    let file = options.open(path)?;
    set_mode(path, PRIVATE_FILE_MODE)?;
    Ok(file)
}

/// Narrows `path` to owner-only if it exists.
pub fn restrict_if_present(path: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => set_mode(path, PRIVATE_FILE_MODE),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// The SQLite side files of the database at `path`.
pub fn database_side_files(path: &Path) -> [PathBuf; 2] {
    ["-wal", "-shm"].map(|suffix| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    })
}

/// Narrows the database at `path` and whatever side files it has to owner-only.
pub fn restrict_database(path: &Path) -> std::io::Result<()> {
    restrict_if_present(path)?;
    for side in database_side_files(path) {
        restrict_if_present(&side)?;
    }
    Ok(())
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}
