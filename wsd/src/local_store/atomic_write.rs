//! Writing a document so that readers and crashes see the old bytes or the new ones, never
//! half of each: stream the body into a hidden temporary file beside the target, fsync it,
//! rename (or hard-link, to refuse clobbering) it into place, fsync the directory.

use std::fs::Permissions;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use axum::body::{Body, HttpBody};
use tokio::io::AsyncWriteExt;

#[derive(Debug, thiserror::Error)]
pub enum AtomicWriteError {
    #[error("cannot create a temporary file in the document root: {0}")]
    CreateTemp(std::io::Error),
    #[error("the request body broke off: {0}")]
    ReadBody(axum::Error),
    #[error("the document is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("cannot write the temporary file: {0}")]
    WriteTemp(std::io::Error),
    #[error("cannot flush the temporary file to disk: {0}")]
    SyncTemp(std::io::Error),
    #[error("cannot move the new content into place: {0}")]
    Rename(std::io::Error),
    #[error("the target exists already")]
    TargetExists,
    #[error("cannot flush the document root to disk: {0}")]
    SyncDir(std::io::Error),
}

/// A complete, flushed body in a temporary file, waiting to be put in place. Dropped
/// uncommitted, the temporary file is removed.
pub struct StagedFile {
    dir: PathBuf,
    temp: Option<PathBuf>,
    pub len: u64,
}

/// Streams `body` into a new hidden file in `dir`, refusing more than `max_bytes`.
pub async fn stage(
    dir: &Path,
    body: Body,
    max_bytes: u64,
    permissions: Option<Permissions>,
) -> Result<StagedFile, AtomicWriteError> {
    let temp = dir.join(format!(".{:016x}.oxool-upload", rand::random::<u64>()));
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .await
        .map_err(AtomicWriteError::CreateTemp)?;
    // From here on the drop of `staged` removes the temporary file on every error path.
    let mut staged = StagedFile {
        dir: dir.to_owned(),
        temp: Some(temp),
        len: 0,
    };
    if let Some(permissions) = permissions {
        file.set_permissions(permissions)
            .await
            .map_err(AtomicWriteError::WriteTemp)?;
    }
    let mut body = body;
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(AtomicWriteError::ReadBody)?;
        let Ok(data) = frame.into_data() else {
            continue; // trailers carry nothing for us
        };
        staged.len += data.len() as u64;
        if staged.len > max_bytes {
            return Err(AtomicWriteError::TooLarge { limit: max_bytes });
        }
        file.write_all(&data)
            .await
            .map_err(AtomicWriteError::WriteTemp)?;
    }
    file.flush().await.map_err(AtomicWriteError::WriteTemp)?;
    file.sync_all().await.map_err(AtomicWriteError::SyncTemp)?;
    Ok(staged)
}

impl StagedFile {
    /// Replaces `target` (or creates it) with the staged content.
    pub async fn replace(mut self, target: &Path) -> Result<(), AtomicWriteError> {
        let temp = self.temp.take().unwrap_or_default();
        if let Err(error) = tokio::fs::rename(&temp, target).await {
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(AtomicWriteError::Rename(error));
        }
        sync_dir(&self.dir).await
    }

    /// Creates `target` with the staged content; refuses with `TargetExists` if it exists.
    /// The staged file survives a refusal, so the caller can try another name.
    pub async fn create(&mut self, target: &Path) -> Result<(), AtomicWriteError> {
        let Some(temp) = self.temp.as_ref() else {
            return Err(AtomicWriteError::TargetExists);
        };
        // link(2) never replaces an existing name: the no-clobber check and the creation are
        // one step, whatever else writes into the directory meanwhile.
        match tokio::fs::hard_link(temp, target).await {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(AtomicWriteError::TargetExists)
            }
            Err(error) => return Err(AtomicWriteError::Rename(error)),
        }
        if let Some(temp) = self.temp.take() {
            let _ = tokio::fs::remove_file(temp).await;
        }
        sync_dir(&self.dir).await
    }
}

impl Drop for StagedFile {
    fn drop(&mut self) {
        if let Some(temp) = self.temp.take() {
            let _ = std::fs::remove_file(temp);
        }
    }
}

/// Makes the rename itself durable: without it a crash can bring back the old directory entry.
async fn sync_dir(dir: &Path) -> Result<(), AtomicWriteError> {
    let handle = tokio::fs::File::open(dir)
        .await
        .map_err(AtomicWriteError::SyncDir)?;
    handle.sync_all().await.map_err(AtomicWriteError::SyncDir)
}
