//! The upload worker: stores the checkpoints set aside in `pending/` (those an earlier wsd left,
//! and those of documents closed before storage had their edits), one at a time.
//!
//! - Storage still has the file the checkpoint started from (its `LastModifiedTime`, or its
//!   `Version`, equals the checkpoint's base): PutFile, under the WOPI lock the broker held
//!   (renewed) and with the base timestamp, so a change that slips in meanwhile is refused.
//! - Storage changed meanwhile (or the lock is someone else's, or the checkpoint was held
//!   because its document crashed its kit again and again): PutRelativeFile as
//!   `<name> (recovered <date time>).<ext>` next to it; the original is left untouched.
//! - Anything else failed: retried with backoff (10 s, 20 s, … at most 10 minutes), recorded
//!   in the checkpoint's `upload-state.json`, so the attempts survive restarts. A checkpoint is
//!   only removed once storage has it; `oxoolctl recoveries` lists those still waiting.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{CheckpointMeta, RecoveryStore, UploadState};
use crate::wopi::{AccessToken, PutFlags, PutResult, WopiClient, WopiError, WopiSrc};

/// How often the worker looks for checkpoints that are due.
const SCAN_EVERY: Duration = Duration::from_secs(5);
const FIRST_RETRY_SECS: u64 = 10;
const MAX_RETRY_SECS: u64 = 600;

#[derive(Debug, thiserror::Error)]
enum UploadError {
    #[error("the checkpoint names no valid WOPISrc: {0}")]
    Src(#[from] crate::wopi::WopiSrcError),
    #[error("no access token was kept with the checkpoint")]
    NoToken,
    #[error(transparent)]
    Wopi(#[from] WopiError),
    #[error("storage refused the upload: {0}")]
    Refused(String),
    #[error(transparent)]
    Disk(#[from] super::RecoveryError),
}

/// Where the edits went.
enum Stored {
    InPlace,
    AsCopy(String),
}

fn unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Runs for the life of wsd.
pub async fn run(store: RecoveryStore, wopi: Arc<WopiClient>) {
    loop {
        let listing = store.clone();
        let pending = tokio::task::spawn_blocking(move || listing.pending())
            .await
            .unwrap_or_default();
        let now = unix_secs();
        for (dir, meta, state) in pending {
            if state.next_try_unix_secs <= now {
                upload_one(&store, &wopi, &dir, &meta, state).await;
            }
        }
        tokio::time::sleep(SCAN_EVERY).await;
    }
}

async fn upload_one(
    store: &RecoveryStore,
    wopi: &WopiClient,
    dir: &Path,
    meta: &CheckpointMeta,
    mut state: UploadState,
) {
    let copy_only = state.held_because.is_some();
    let result = store_checkpoint(store, wopi, dir, meta, copy_only).await;
    match result {
        Ok(stored) => {
            match &stored {
                Stored::InPlace => tracing::warn!(
                    file = %meta.file_name, generation = meta.generation,
                    "recovered edits stored in the document"
                ),
                Stored::AsCopy(name) => tracing::warn!(
                    file = %meta.file_name, copy = %name, generation = meta.generation,
                    "storage changed since the checkpoint: the recovered edits are stored as a copy"
                ),
            }
            if let Err(error) = store.remove_pending(dir) {
                tracing::error!(%error, "cannot remove a stored checkpoint");
            }
        }
        Err(error) => {
            state.attempts += 1;
            let wait =
                (FIRST_RETRY_SECS << state.attempts.min(8).saturating_sub(1)).min(MAX_RETRY_SECS);
            state.next_try_unix_secs = unix_secs() + wait;
            state.last_error = Some(error.to_string().chars().take(300).collect());
            tracing::error!(
                %error, file = %meta.file_name, attempts = state.attempts, retry_secs = wait,
                "cannot store a recovered checkpoint yet; it is kept and retried"
            );
            if let Err(error) = store.save_upload_state(dir, &state) {
                tracing::error!(%error, "cannot record the upload attempt");
            }
        }
    }
}

async fn store_checkpoint(
    store: &RecoveryStore,
    wopi: &WopiClient,
    dir: &Path,
    meta: &CheckpointMeta,
    copy_only: bool,
) -> Result<Stored, UploadError> {
    let src = WopiSrc::parse(&meta.wopisrc)?;
    let reading = (store.clone(), dir.to_path_buf());
    let (bytes, token) = tokio::task::spawn_blocking(move || reading.0.read_pending(&reading.1))
        .await
        .map_err(|e| UploadError::Refused(e.to_string()))??;
    let token = AccessToken::new(token.ok_or(UploadError::NoToken)?);
    let info = wopi.check_file_info(&src, &token).await?;
    let same_time =
        meta.base_last_modified.is_some() && meta.base_last_modified == info.last_modified_time;
    let same_version = meta.base_version.is_some() && meta.base_version == info.version;
    if (same_time || same_version) && !copy_only {
        if let Some(stored) = put_in_place(wopi, &src, &token, meta, &info, bytes.clone()).await? {
            return Ok(stored);
        }
    }
    let name = recovered_name(&meta.file_name, meta.written_unix_secs);
    let copy = wopi
        .put_relative_file(&src, &token, &name, false, bytes)
        .await?;
    // The dead broker's lock on the original is released, or it would last until it expires;
    // a lock someone else holds now is not ours to release (the host refuses the id).
    if let Some(lock_id) = &meta.lock_id {
        let _ = wopi.unlock(&src, &token, lock_id).await;
    }
    Ok(Stored::AsCopy(copy.name))
}

/// PutFile under the lock; `None` when storage says the file changed (then a copy is stored).
async fn put_in_place(
    wopi: &WopiClient,
    src: &WopiSrc,
    token: &AccessToken,
    meta: &CheckpointMeta,
    info: &crate::wopi::FileInfo,
    bytes: Vec<u8>,
) -> Result<Option<Stored>, UploadError> {
    let lock_id = if info.supports_locks {
        let lock_id = meta
            .lock_id
            .clone()
            .unwrap_or_else(crate::cluster::new_lock_id);
        // Our lock from before the crash is renewed; someone else's means someone else edits.
        match wopi.lock(src, token, &lock_id).await {
            Ok(()) => Some(lock_id),
            Err(WopiError::LockConflict { .. }) => return Ok(None),
            Err(error) => return Err(error.into()),
        }
    } else {
        None
    };
    let flags = PutFlags {
        is_modified_by_user: true,
        is_autosave: true,
        is_exit_save: false,
    };
    let timestamp = meta.base_last_modified.as_deref();
    let result = wopi
        .put_file(src, token, lock_id.as_deref(), timestamp, bytes, flags)
        .await;
    if let Some(lock_id) = &lock_id {
        if let Err(error) = wopi.unlock(src, token, lock_id).await {
            tracing::warn!(%error, "cannot unlock the document after storing recovered edits");
        }
    }
    match result? {
        PutResult::Ok { .. } => Ok(Some(Stored::InPlace)),
        other if other.is_document_changed() => Ok(None),
        PutResult::Conflict { .. } => Ok(None),
        PutResult::Unauthorized { status } => Err(UploadError::Refused(format!(
            "the access token kept with the checkpoint was refused ({status})"
        ))),
        PutResult::TooLarge => Err(UploadError::Refused("the file is too large".into())),
    }
}

/// `<stem> (recovered <YYYY-MM-DD HH.MM>).<ext>`, the time (UTC) the checkpoint was written.
fn recovered_name(file_name: &str, written_unix_secs: u64) -> String {
    let (stem, extension) = file_name.rsplit_once('.').unwrap_or((file_name, ""));
    let when = time::OffsetDateTime::from_unix_timestamp(written_unix_secs as i64)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour].[minute]"
            ))
            .ok()
        })
        .unwrap_or_else(|| written_unix_secs.to_string());
    match extension {
        "" => format!("{stem} (recovered {when})"),
        _ => format!("{stem} (recovered {when}).{extension}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_recovered_copy_is_named_after_the_file_and_the_checkpoint_time() {
        assert_eq!(
            super::recovered_name("Report.v2.docx", 1_700_000_000),
            "Report.v2 (recovered 2023-11-14 22.13).docx"
        );
        assert_eq!(
            super::recovered_name("notes", 0),
            "notes (recovered 1970-01-01 00.00)"
        );
    }
}
