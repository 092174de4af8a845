//! The files of the recovery directory: writing, reading, listing and removing checkpoints.
//! Synchronous on purpose: callers run it on a blocking thread (`spawn_blocking`).

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The metadata file of a document's directory.
const META_FILE: &str = "checkpoint.json";
/// Prefix of the document files; also what a reader may delete as superseded.
const DOCUMENT_PREFIX: &str = "checkpoint-";
/// A temporary file's prefix: never read, removed by the next write.
const TEMP_PREFIX: &str = ".tmp-";
/// The access token of the last writing session (0600): the only way to store the checkpoint
/// after wsd restarts. Never in the metadata, never logged.
const TOKEN_FILE: &str = "token";
/// Checkpoints set aside for the upload worker (recovery/uploads.rs), out of the brokers' way.
pub const PENDING_DIR: &str = "pending";
/// A pending checkpoint's upload attempts ([`UploadState`]).
const STATE_FILE: &str = "upload-state.json";

#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// Writing would take the recovery directory over `editing.recovery_max_mb`.
    #[error(
        "the recovery directory would hold {would_use_mb} MiB, over editing.recovery_max_mb = \
         {max_mb}"
    )]
    Full { would_use_mb: u64, max_mb: u64 },
    #[error("bad checkpoint metadata: {0}")]
    Metadata(#[from] serde_json::Error),
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> RecoveryError {
    let what = what.into();
    move |source| RecoveryError::Io { what, source }
}

/// What a checkpoint is, for recovery after a crash (kept small: a few hundred bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointMeta {
    /// The document key (wopi/src.rs): which broker the checkpoint belongs to.
    pub key: String,
    /// The WOPISrc requests go to, without an access token (wsd never stores tokens).
    pub wopisrc: String,
    /// The file's name in storage (`BaseFileName`), for a recovered copy's name.
    pub file_name: String,
    /// The document file in this directory (`checkpoint-<generation>.<ext>`).
    pub document: String,
    /// Storage's `Version` of the file this checkpoint's edits start from, when known.
    pub base_version: Option<String>,
    /// Storage's `LastModifiedTime` of that file (CheckFileInfo, then each PutFile's answer).
    pub base_last_modified: Option<String>,
    /// The WOPI lock the broker held, so an upload after a restart can renew it.
    #[serde(default)]
    pub lock_id: Option<String>,
    /// The broker's edit generation the checkpoint holds (editing/saving.rs).
    pub generation: u64,
    /// When it was written, seconds since 1970.
    pub written_unix_secs: u64,
    pub bytes: u64,
    /// How long the kit took to save it.
    pub save_ms: u64,
}

/// How the upload of a pending checkpoint went so far (survives restarts).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadState {
    pub attempts: u32,
    /// Not before this (seconds since 1970): the backoff.
    pub next_try_unix_secs: u64,
    pub last_error: Option<String>,
    /// Why the checkpoint was set aside while wsd ran (`kit-crash-loop`, …): such a document
    /// may be what crashes its kit, so it is stored as a recovered copy, never over the file.
    #[serde(default)]
    pub held_because: Option<String>,
}

/// The recovery directory and its bound.
#[derive(Debug, Clone)]
pub struct RecoveryStore {
    root: PathBuf,
    max_bytes: u64,
}

impl RecoveryStore {
    pub fn new(root: PathBuf, max_mb: u64) -> RecoveryStore {
        RecoveryStore {
            root,
            max_bytes: max_mb.saturating_mul(1 << 20),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A document's directory: a hash of its key, so any key (long, with `%` and `/` in it)
    /// makes one short, safe name.
    pub fn document_dir(&self, key: &str) -> PathBuf {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, key.as_bytes());
        let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        self.root.join(hex)
    }

    /// Writes `bytes` as the checkpoint `meta` describes (its `document` and `bytes` are set
    /// here), atomically; the previous checkpoint of the document stays until the new one is
    /// complete. Refused when the directory would outgrow its bound: the previous checkpoint
    /// is then kept, never dropped for a newer one that does not fit.
    pub fn write(
        &self,
        meta: &CheckpointMeta,
        extension: &str,
        bytes: &[u8],
        token: Option<&str>,
    ) -> Result<CheckpointMeta, RecoveryError> {
        let dir = self.document_dir(&meta.key);
        let used = directory_bytes(&self.root);
        let replaced = directory_bytes(&dir);
        let would_use = used.saturating_sub(replaced) + bytes.len() as u64;
        if would_use > self.max_bytes {
            return Err(RecoveryError::Full {
                would_use_mb: would_use.div_ceil(1 << 20),
                max_mb: self.max_bytes >> 20,
            });
        }
        private_dir(&self.root)?;
        private_dir(&dir)?;
        let extension: String = extension
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(16)
            .collect();
        let document = format!("{DOCUMENT_PREFIX}{}.{extension}", meta.generation);
        let meta = CheckpointMeta {
            document: document.clone(),
            bytes: bytes.len() as u64,
            ..meta.clone()
        };
        write_atomically(&dir, &document, bytes)?;
        if let Some(token) = token {
            write_atomically(&dir, TOKEN_FILE, token.as_bytes())?;
        }
        write_atomically(&dir, META_FILE, &serde_json::to_vec_pretty(&meta)?)?;
        sync_dir(&dir)?;
        // Only now is the older document unreferenced.
        for entry in std::fs::read_dir(&dir).map_err(io("listing a checkpoint directory"))? {
            let Ok(entry) = entry else { continue };
            let name = entry.file_name().to_string_lossy().into_owned();
            let stale = (name.starts_with(DOCUMENT_PREFIX) && name != document)
                || name.starts_with(TEMP_PREFIX);
            if stale {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        sync_dir(&self.root)?;
        Ok(meta)
    }

    /// The checkpoint of `key`, if there is one.
    pub fn read(&self, key: &str) -> Result<Option<(CheckpointMeta, Vec<u8>)>, RecoveryError> {
        read_dir_checkpoint(&self.document_dir(key))
    }

    /// Removes the checkpoint of `key` (storage has its edits, or they were given up on
    /// purpose). Nothing there is not an error.
    pub fn remove(&self, key: &str) -> Result<(), RecoveryError> {
        let dir = self.document_dir(key);
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => sync_dir(&self.root),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io("removing a checkpoint")(e)),
        }
    }

    /// Every checkpoint's metadata, oldest first; unreadable directories are reported, not
    /// skipped in silence.
    pub fn list(&self) -> Vec<Result<CheckpointMeta, (PathBuf, RecoveryError)>> {
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            return Vec::new();
        };
        let mut found: Vec<_> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()) && e.file_name() != PENDING_DIR)
            .map(|e| {
                let path = e.path();
                std::fs::read(path.join(META_FILE))
                    .map_err(io("reading checkpoint metadata"))
                    .and_then(|json| Ok(serde_json::from_slice::<CheckpointMeta>(&json)?))
                    .map_err(|error| (path, error))
            })
            .collect();
        found.sort_by_key(|m| m.as_ref().map_or(0, |m| m.written_unix_secs));
        found
    }

    /// Sets the checkpoint of `key` aside for the upload worker: a broker that opens the
    /// document again then starts a checkpoint of its own instead of overwriting this one.
    pub fn set_aside(
        &self,
        key: &str,
        held_because: Option<&str>,
    ) -> Result<Option<PathBuf>, RecoveryError> {
        let aside = self.set_aside_dir(&self.document_dir(key))?;
        if let (Some(dir), Some(why)) = (&aside, held_because) {
            let state = UploadState {
                held_because: Some(why.to_string()),
                ..UploadState::default()
            };
            self.save_upload_state(dir, &state)?;
        }
        Ok(aside)
    }

    /// At start: every checkpoint left by an earlier wsd goes to the upload worker.
    pub fn set_aside_all(&self) -> Vec<Result<PathBuf, RecoveryError>> {
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()) && e.file_name() != PENDING_DIR)
            .filter_map(|e| self.set_aside_dir(&e.path()).transpose())
            .collect()
    }

    fn set_aside_dir(&self, dir: &Path) -> Result<Option<PathBuf>, RecoveryError> {
        if !dir.join(META_FILE).exists() {
            return Ok(None);
        }
        let pending = self.root.join(PENDING_DIR);
        private_dir(&pending)?;
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
        let target = pending.join(format!(
            "{}-{:016x}",
            name.unwrap_or_default(),
            rand::random::<u64>()
        ));
        std::fs::rename(dir, &target).map_err(io("setting a checkpoint aside"))?;
        sync_dir(&pending)?;
        sync_dir(&self.root)?;
        Ok(Some(target))
    }

    /// The checkpoints waiting for the upload worker, with their attempts so far.
    pub fn pending(&self) -> Vec<(PathBuf, CheckpointMeta, UploadState)> {
        let Ok(entries) = std::fs::read_dir(self.root.join(PENDING_DIR)) else {
            return Vec::new();
        };
        let mut found: Vec<_> = entries
            .flatten()
            .filter_map(|e| {
                let dir = e.path();
                let meta = std::fs::read(dir.join(META_FILE)).ok()?;
                let meta = serde_json::from_slice(&meta).ok()?;
                let state = std::fs::read(dir.join(STATE_FILE))
                    .ok()
                    .and_then(|s| serde_json::from_slice(&s).ok())
                    .unwrap_or_default();
                Some((dir, meta, state))
            })
            .collect();
        found.sort_by_key(|(_, meta, _): &(PathBuf, CheckpointMeta, UploadState)| {
            meta.written_unix_secs
        });
        found
    }

    /// A pending checkpoint's document and token.
    pub fn read_pending(&self, dir: &Path) -> Result<(Vec<u8>, Option<String>), RecoveryError> {
        let (_, bytes) = read_dir_checkpoint(dir)?.ok_or_else(|| {
            io("reading a pending checkpoint")(std::io::ErrorKind::NotFound.into())
        })?;
        let token = std::fs::read_to_string(dir.join(TOKEN_FILE)).ok();
        Ok((bytes, token))
    }

    pub fn save_upload_state(&self, dir: &Path, state: &UploadState) -> Result<(), RecoveryError> {
        write_atomically(dir, STATE_FILE, &serde_json::to_vec_pretty(state)?)?;
        sync_dir(dir)
    }

    /// The pending checkpoint is in storage now.
    pub fn remove_pending(&self, dir: &Path) -> Result<(), RecoveryError> {
        std::fs::remove_dir_all(dir).map_err(io("removing a stored checkpoint"))?;
        sync_dir(&self.root.join(PENDING_DIR))
    }
}

fn read_dir_checkpoint(dir: &Path) -> Result<Option<(CheckpointMeta, Vec<u8>)>, RecoveryError> {
    let json = match std::fs::read(dir.join(META_FILE)) {
        Ok(json) => json,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io("reading checkpoint metadata")(e)),
    };
    let meta: CheckpointMeta = serde_json::from_slice(&json)?;
    if meta.document.contains('/') || !meta.document.starts_with(DOCUMENT_PREFIX) {
        return Err(
            io("checkpoint metadata names a file outside its directory")(std::io::Error::from(
                std::io::ErrorKind::InvalidData,
            )),
        );
    }
    let bytes = std::fs::read(dir.join(&meta.document)).map_err(io("reading a checkpoint"))?;
    Ok(Some((meta, bytes)))
}

/// Creates `dir` (and its parents) with mode 0700; an existing one is left as it is.
fn private_dir(dir: &Path) -> Result<(), RecoveryError> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io("creating the recovery directory"))
}

/// Temporary file, fsync, rename over `name`. The caller syncs the directory.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), RecoveryError> {
    let temp = dir.join(format!("{TEMP_PREFIX}{name}"));
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temp)
        .map_err(io("creating a checkpoint file"))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(io("writing a checkpoint file"))?;
    std::fs::rename(&temp, dir.join(name)).map_err(io("renaming a checkpoint file"))
}

/// fsync of a directory: makes the renames and removals in it durable.
fn sync_dir(dir: &Path) -> Result<(), RecoveryError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io("syncing the recovery directory"))
}

/// Bytes of the regular files under `dir`, two levels deep (the layout above); 0 if absent.
fn directory_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(m) if m.is_dir() => directory_bytes(&entry.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(key: &str, generation: u64) -> CheckpointMeta {
        CheckpointMeta {
            key: key.into(),
            wopisrc: "https://storage.example/wopi/files/1".into(),
            file_name: "letter.docx".into(),
            document: String::new(),
            base_version: Some("7".into()),
            base_last_modified: None,
            lock_id: None,
            generation,
            written_unix_secs: 1,
            bytes: 0,
            save_ms: 12,
        }
    }

    #[test]
    fn a_newer_checkpoint_replaces_the_older_one_and_remove_clears_it() {
        let root = tempfile::tempdir().unwrap();
        let store = RecoveryStore::new(root.path().join("recovery"), 1);
        store
            .write(&meta("k/%2F", 3), "docx", b"three", Some("secret"))
            .unwrap();
        let written = store
            .write(&meta("k/%2F", 5), "docx", b"five", None)
            .unwrap();
        assert_eq!(written.document, "checkpoint-5.docx");
        let (read, bytes) = store.read("k/%2F").unwrap().unwrap();
        assert_eq!((read, bytes.as_slice()), (written, &b"five"[..]));
        let dir = store.document_dir("k/%2F");
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 3, "document, metadata, token: {names:?}");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        assert_eq!(store.list().len(), 1);
        let aside = store
            .set_aside("k/%2F", Some("kit-crash-loop"))
            .unwrap()
            .unwrap();
        assert!(store.read("k/%2F").unwrap().is_none());
        assert!(store.list().is_empty(), "pending is not a live checkpoint");
        let pending = store.pending();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].2.held_because.as_deref(), Some("kit-crash-loop"));
        let (bytes, token) = store.read_pending(&aside).unwrap();
        assert_eq!(
            (bytes.as_slice(), token.as_deref()),
            (&b"five"[..], Some("secret"))
        );
        store.remove_pending(&aside).unwrap();
        assert!(store.pending().is_empty());
        store.remove("k/%2F").unwrap();
    }

    #[test]
    fn a_full_directory_refuses_and_keeps_the_older_checkpoint() {
        let root = tempfile::tempdir().unwrap();
        let store = RecoveryStore::new(root.path().to_path_buf(), 1);
        store
            .write(&meta("a", 1), "odt", &[0; 600_000], None)
            .unwrap();
        let refused = store.write(&meta("b", 1), "odt", &[0; 600_000], None);
        assert!(
            matches!(refused, Err(RecoveryError::Full { max_mb: 1, .. })),
            "{refused:?}"
        );
        // Replacing a document's own checkpoint counts only the difference.
        store
            .write(&meta("a", 2), "odt", &[1; 700_000], None)
            .unwrap();
        assert_eq!(store.read("a").unwrap().unwrap().1.len(), 700_000);
    }
}
