//! The vault file format and its atomic replacement on disk.
//!
//! Format version 2 (written since issue #16), integers big-endian:
//!
//! ```text
//! offset size
//!      0    8  magic "PAVAULT\0"
//!      8    2  format version (2)
//!     10   16  vault id (random; names the keychain entry)
//!     26    1  KDF algorithm (1 = Argon2id v1.3)
//!     27   12  KDF memory KiB, iterations, parallelism (3 × u32)
//!     39   16  KDF salt
//!     55   12  wrap nonce ┐ the data key, AES-256-GCM under the passphrase key,
//!     67   48  wrapped key┘ associated data = bytes 0..55 with the version field read as 1
//!    115   12  check nonce┐ AES-256-GCM of nothing under the data key, associated data =
//!    127   16  check tag  ┘ bytes 0..115 (real version): proves a key belongs to this file
//!    143    8  generation: +1 at every write
//!    151    4  entry count N
//!    155  N×80 entries: address (20) | nonce (12) | private key sealed under the data key (48),
//!              associated data = the address
//!  end-64   32  entry-list MAC: HMAC-SHA256 of every byte before it, under a subkey of the
//!               data key
//!  end-32   32  SHA-256 of every byte before it
//! ```
//!
//! Format version 1 is the same without the generation and the MAC (entries at 147). It still
//! opens (without the entry-list protection it never had) and is rewritten as version 2 at the
//! next write. The wrap's associated data always reads the version as 1, so that migration
//! needs no passphrase; the check tag covers the real version, so a version 2 file cannot be
//! passed off as version 1 to drop its MAC.
//!
//! Every future version keeps the magic, the version field at offset 8 and the trailing
//! SHA-256, so damage is reported as damage whatever the version. The checksum catches
//! accidental corruption; deliberate modification is caught by the AES-GCM tags and, for the
//! set of entries (one dropped, one restored from an older copy), by the MAC.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use alloy_primitives::Address;
use sha2::{Digest, Sha256};

use crate::crypto::{KEY_LEN, KdfParams, MAC_LEN, NONCE_LEN, SALT_LEN, TAG_LEN};

pub(crate) const MAGIC: &[u8; 8] = b"PAVAULT\0";
/// The format this crate writes.
pub(crate) const FORMAT_VERSION: u16 = 2;
/// The first format, still read.
const FORMAT_V1: u16 = 1;
const KDF_ARGON2ID: u8 = 1;
const CHECKSUM_LEN: usize = 32;
const WRAP_AAD_END: usize = 55;
const CHECK_AAD_END: usize = 115;
const V1_ENTRIES_START: usize = 147;
const V2_ENTRIES_START: usize = 155;
const ENTRY_LEN: usize = 20 + NONCE_LEN + KEY_LEN + TAG_LEN;

/// One private key, sealed under the data key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SealedEntry {
    pub nonce: [u8; NONCE_LEN],
    /// Ciphertext and tag (48 bytes). Not secret, but never printed anyway.
    pub sealed: Vec<u8>,
}

/// Everything in a vault file, still encrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VaultFile {
    pub vault_id: [u8; 16],
    pub kdf: KdfParams,
    pub salt: [u8; SALT_LEN],
    pub wrap_nonce: [u8; NONCE_LEN],
    pub wrapped_key: Vec<u8>,
    pub check_nonce: [u8; NONCE_LEN],
    pub check_tag: Vec<u8>,
    /// The format the file was read in (or will be written in).
    pub format: u16,
    /// Bumped at every write (format 2; 0 for a format 1 file).
    pub generation: u64,
    pub entries: std::collections::BTreeMap<Address, SealedEntry>,
    /// The entry-list MAC (format 2), set by [`VaultFile::seal_mac`].
    pub mac: [u8; MAC_LEN],
}

/// Why bytes are not a readable vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecodeError {
    NotAVault,
    Damaged,
    NewerVersion(u16),
}

impl VaultFile {
    /// The associated data that binds the wrapped key to the header: bytes 0..55, with the
    /// version field as format 1 wrote it (see the module docs).
    pub fn wrap_aad(&self) -> Vec<u8> {
        self.header_with_version(FORMAT_V1)
    }

    fn header_with_version(&self, version: u16) -> Vec<u8> {
        let mut out = Vec::with_capacity(WRAP_AAD_END);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&version.to_be_bytes());
        out.extend_from_slice(&self.vault_id);
        out.push(KDF_ARGON2ID);
        out.extend_from_slice(&self.kdf.memory_kib.to_be_bytes());
        out.extend_from_slice(&self.kdf.iterations.to_be_bytes());
        out.extend_from_slice(&self.kdf.parallelism.to_be_bytes());
        out.extend_from_slice(&self.salt);
        debug_assert_eq!(out.len(), WRAP_AAD_END);
        out
    }

    /// The associated data of the key check: bytes 0..115, with the real version.
    pub fn check_aad(&self) -> Vec<u8> {
        let mut out = self.header_with_version(self.format);
        out.extend_from_slice(&self.wrap_nonce);
        out.extend_from_slice(&self.wrapped_key);
        debug_assert_eq!(out.len(), CHECK_AAD_END);
        out
    }

    /// Every byte the entry-list MAC covers (format 2): the whole file before the MAC.
    pub fn mac_body(&self) -> Vec<u8> {
        let mut out = self.check_aad();
        out.extend_from_slice(&self.check_nonce);
        out.extend_from_slice(&self.check_tag);
        if self.format >= FORMAT_VERSION {
            out.extend_from_slice(&self.generation.to_be_bytes());
        }
        let count = u32::try_from(self.entries.len()).expect("fewer than 2^32 keys");
        out.extend_from_slice(&count.to_be_bytes());
        for (address, entry) in &self.entries {
            out.extend_from_slice(address.as_slice());
            out.extend_from_slice(&entry.nonce);
            out.extend_from_slice(&entry.sealed);
        }
        out
    }

    /// Whether the file carries an entry-list MAC (format 2 and later).
    pub fn has_mac(&self) -> bool {
        self.format >= FORMAT_VERSION
    }

    /// Encodes exactly the bytes this file was read from (or will be written as): encoding is
    /// deterministic, which [`crate::Vault`] relies on to notice changes made elsewhere.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.mac_body();
        if self.has_mac() {
            out.extend_from_slice(&self.mac);
        }
        let checksum = Sha256::digest(&out);
        out.extend_from_slice(&checksum);
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(DecodeError::NotAVault);
        }
        if bytes.len() < V1_ENTRIES_START + CHECKSUM_LEN {
            return Err(DecodeError::Damaged);
        }
        let (body, checksum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
        if Sha256::digest(body).as_slice() != checksum {
            return Err(DecodeError::Damaged);
        }
        let mut reader = Reader { bytes: body, at: 8 };
        let version = u16::from_be_bytes(reader.array()?);
        if version > FORMAT_VERSION {
            return Err(DecodeError::NewerVersion(version));
        }
        if version != FORMAT_VERSION && version != FORMAT_V1 {
            return Err(DecodeError::Damaged);
        }
        let (entries_start, trailer) = if version == FORMAT_V1 {
            (V1_ENTRIES_START, 0)
        } else {
            (V2_ENTRIES_START, MAC_LEN)
        };
        if body.len() < entries_start + trailer {
            return Err(DecodeError::Damaged);
        }
        let (body, mac_bytes) = body.split_at(body.len() - trailer);
        let mut reader = Reader {
            bytes: body,
            at: reader.at,
        };
        let vault_id = reader.array()?;
        if reader.array::<1>()?[0] != KDF_ARGON2ID {
            return Err(DecodeError::Damaged);
        }
        let kdf = KdfParams {
            memory_kib: u32::from_be_bytes(reader.array()?),
            iterations: u32::from_be_bytes(reader.array()?),
            parallelism: u32::from_be_bytes(reader.array()?),
        };
        if !kdf.is_within_limits() {
            return Err(DecodeError::Damaged);
        }
        let salt = reader.array()?;
        let wrap_nonce = reader.array()?;
        let wrapped_key = reader.take(KEY_LEN + TAG_LEN)?.to_vec();
        let check_nonce = reader.array()?;
        let check_tag = reader.take(TAG_LEN)?.to_vec();
        let generation = if version == FORMAT_V1 {
            0
        } else {
            u64::from_be_bytes(reader.array()?)
        };
        let count = u32::from_be_bytes(reader.array()?) as usize;
        if body.len() != entries_start.saturating_add(count.saturating_mul(ENTRY_LEN)) {
            return Err(DecodeError::Damaged);
        }
        let mut entries = std::collections::BTreeMap::new();
        for _ in 0..count {
            let address = Address::from(reader.array::<20>()?);
            let nonce = reader.array()?;
            let sealed = reader.take(KEY_LEN + TAG_LEN)?.to_vec();
            if entries
                .insert(address, SealedEntry { nonce, sealed })
                .is_some()
            {
                return Err(DecodeError::Damaged);
            }
        }
        Ok(Self {
            vault_id,
            kdf,
            salt,
            wrap_nonce,
            wrapped_key,
            check_nonce,
            check_tag,
            format: version,
            generation,
            entries,
            mac: mac_bytes.try_into().unwrap_or([0; MAC_LEN]),
        })
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.at.checked_add(len).ok_or(DecodeError::Damaged)?;
        let slice = self.bytes.get(self.at..end).ok_or(DecodeError::Damaged)?;
        self.at = end;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
}

/// The temp file a write goes through; a leftover one is an interrupted write.
pub(crate) fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".tmp");
    path.with_file_name(name)
}

/// Replaces `path` with `bytes` so that a crash at any point leaves either the old or the new
/// content: write a temp file, fsync it, rename it over the target, fsync the folder (so the
/// rename itself is durable). The temp file is created fresh (exclusively, never through a
/// link): a leftover one, or a link planted in its place, is removed first, and if one
/// reappears in between the write fails rather than writing through it.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let temp = temp_path(path);
    remove_leftover_temp(path)?;
    let result = (|| {
        let mut file = create_private(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, path)?;
        sync_folder(path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Removes a temp file left by a write that crashed before its rename. The vault file itself is
/// then the last complete write.
pub(crate) fn remove_leftover_temp(path: &Path) -> io::Result<()> {
    match fs::remove_file(temp_path(path)) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

#[cfg(unix)]
fn create_private(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // Owner-only: the content is encrypted, but there is no reason to let others copy it.
    // create_new (O_CREAT|O_EXCL) never opens an existing file and fails on a symlink, so a
    // planted file keeps neither its mode nor its target; O_NOFOLLOW says the same twice.
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> io::Result<File> {
    // create_new: CREATE_NEW on Windows, which fails on an existing file or link.
    OpenOptions::new().write(true).create_new(true).open(path)
}

#[cfg(unix)]
fn sync_folder(path: &Path) -> io::Result<()> {
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
    File::open(folder.unwrap_or(Path::new(".")))?.sync_all()
}

#[cfg(not(unix))]
fn sync_folder(_path: &Path) -> io::Result<()> {
    // Windows cannot open a folder as a file; ReplaceFile/MoveFileEx durability is the OS's.
    Ok(())
}
