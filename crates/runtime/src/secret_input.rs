//! Reading a secret (the vault passphrase, a private key) from a stream or a file, for the
//! `polyagent` command and the desktop's headless start (issue #16, point 4; review L-6, L-7).
//!
//! Invariants:
//! - the bytes are read into one pre-sized buffer that is wiped when dropped, so no growing
//!   buffer leaves copies behind; the secret itself moves into a [`SecretString`];
//! - at most [`MAX_SECRET_BYTES`] are read; trailing line breaks are dropped (a file written by
//!   `echo`), nothing else is changed;
//! - on Unix a passphrase file that others may read (any group or other permission bit) is
//!   refused, as ssh refuses such a key file;
//! - errors name the file, never its content.

use std::io::Read;
use std::path::Path;

use polyagent_domain::secret::SecretString;
use zeroize::Zeroizing;

use crate::api_error::{ApiError, ErrorCode};

/// The most bytes read for one secret (a passphrase is at most 1,024 characters of up to 4
/// bytes each).
pub const MAX_SECRET_BYTES: usize = 4096;

/// Reads one secret from `reader` (standard input). `None` when there is none, it is not
/// UTF-8 or it is longer than [`MAX_SECRET_BYTES`].
pub fn read_secret(reader: impl Read) -> Option<SecretString> {
    // One allocation with room to spare, so `read_to_end` never grows (and copies) it.
    let mut buffer = Zeroizing::new(Vec::with_capacity(MAX_SECRET_BYTES + 64));
    let limit = u64::try_from(MAX_SECRET_BYTES + 1).unwrap_or(u64::MAX);
    reader.take(limit).read_to_end(&mut buffer).ok()?;
    if buffer.len() > MAX_SECRET_BYTES {
        return None;
    }
    let text = std::str::from_utf8(&buffer).ok()?;
    SecretString::new(text.trim_end_matches(['\r', '\n'])).ok()
}

/// Reads the vault passphrase from a file (`--passphrase-file`, systemd's
/// `$CREDENTIALS_DIRECTORY/…`, `POLYAGENT_VAULT_PASSPHRASE_FILE`).
///
/// # Errors
/// `INVALID_INPUT` when the file cannot be read, may be read by others (Unix), is empty, not
/// UTF-8 or too long.
pub fn read_passphrase_file(path: &Path) -> Result<SecretString, ApiError> {
    let problem = |why: &str| {
        ApiError::new(
            ErrorCode::InvalidInput,
            format!("the passphrase file {}: {why}", path.display()),
        )
    };
    let file = std::fs::File::open(path).map_err(|e| problem(&e.to_string()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file
            .metadata()
            .map_err(|e| problem(&e.to_string()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(problem(&format!(
                "others may read it (mode {:o}); make it owner-only: chmod 600",
                mode & 0o777
            )));
        }
    }
    read_secret(file).ok_or_else(|| problem("empty, not UTF-8 text, or too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_read_whole_without_its_line_break() {
        let secret = read_secret(&b"a long vault passphrase\n"[..]).unwrap();
        assert_eq!(secret.expose_str(), "a long vault passphrase");
        assert!(read_secret(&b""[..]).is_none());
        assert!(read_secret(&b"\n"[..]).is_none());
        assert!(read_secret(&[0xff, 0xfe][..]).is_none());
        assert!(read_secret(&vec![b'a'; MAX_SECRET_BYTES + 1][..]).is_none());
        assert!(read_secret(&vec![b'a'; MAX_SECRET_BYTES][..]).is_some());
    }

    #[cfg(unix)]
    #[test]
    fn a_passphrase_file_must_be_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("passphrase");
        std::fs::write(&path, "a long vault passphrase\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let refused = read_passphrase_file(&path).unwrap_err();
        assert!(refused.message.contains("chmod 600"), "{refused}");
        assert!(!refused.message.contains("long vault"), "never echoed");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(
            read_passphrase_file(&path).unwrap().expose_str(),
            "a long vault passphrase"
        );
        assert!(read_passphrase_file(&dir.path().join("missing")).is_err());
    }
}
