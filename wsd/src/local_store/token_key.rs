//! The local store's token key, kept on disk so that a restart of wsd does not revoke the
//! tokens it handed out.
//!
//! Two things depend on tokens outliving a process: the editor pages that are open when wsd
//! restarts (an upgrade, `systemctl restart`, a crash with Restart=on-failure) reconnect with
//! the token they have, and the checkpoints of a wsd that was killed are stored, at the next
//! start, with the token of the session that made them (recovery/uploads.rs). With a key per
//! start, both were refused (401) and the recovered edits stayed on local disk only. Tokens
//! still expire (`DEFAULT_TOKEN_TTL`); deleting the file revokes all of them at the next start.

use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// The key's length: HMAC-SHA256's block-sized key.
pub const KEY_LEN: usize = 32;

/// The key in `path`, or a new random one written there first (mode 0600, fsynced, created
/// only if absent so that two starts cannot each write their own). A file of the wrong length
/// is an error, never silently replaced: replacing it would revoke every token.
pub fn load_or_create(path: &Path) -> std::io::Result<[u8; KEY_LEN]> {
    match read_key(path) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        other => return other,
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let key: [u8; KEY_LEN] = rand::random();
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path);
    match created {
        Ok(mut file) => {
            file.write_all(&key)?;
            file.sync_all()?;
            Ok(key)
        }
        // Another start created it meanwhile: use that one.
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => read_key(path),
        Err(error) => Err(error),
    }
}

fn read_key(path: &Path) -> std::io::Result<[u8; KEY_LEN]> {
    let mut bytes = Vec::with_capacity(KEY_LEN + 1);
    std::fs::File::open(path)?
        .take(KEY_LEN as u64 + 1)
        .read_to_end(&mut bytes)?;
    bytes.try_into().map_err(|bytes: Vec<u8>| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "{} holds {} bytes, not a {KEY_LEN}-byte token key",
                path.display(),
                bytes.len()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_key_survives_a_restart_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/local-store.key");
        let first = load_or_create(&path).unwrap();
        let again = load_or_create(&path).unwrap();
        assert_eq!(first, again);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_damaged_key_file_is_an_error_not_a_new_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("local-store.key");
        std::fs::write(&path, b"short").unwrap();
        let error = load_or_create(&path).unwrap_err();
        assert!(error.to_string().contains("5 bytes"), "{error}");
        assert_eq!(std::fs::read(&path).unwrap(), b"short");
    }
}
