//! Opening a document for its first session: GetFile, the WOPI lock and a kit that loads the
//! document, the lock and the kit at the same time. The lock's life after the open: lock.rs.

use oxool_proto::Message;
use tokio::sync::mpsc;

use super::command::{BrokerContext, Command, JoinRequest, OpenFailure};
use super::Outgoing;
use crate::cluster::LockVerdict;
use crate::kit::link::{KitDocument, KitLink, KitLinkError};
use crate::wopi::{AccessToken, WopiError, WopiSrc};

pub(super) type Opened = (KitLink, crate::kit::link::Loaded, Option<String>);

/// GetFile, Lock (for a writing session on a host with locks), a kit, `load`.
pub(super) async fn load(
    ctx: &BrokerContext,
    src: &WopiSrc,
    first: &JoinRequest,
    commands: &mpsc::WeakSender<Command>,
) -> Result<Opened, OpenFailure> {
    let wopi_error = |e: WopiError| OpenFailure::new(e.kind(), e.to_string());
    let info = &first.info;
    let limit = ctx.wopi.max_file_bytes();
    let bytes = match &info.file_url {
        Some(url) => ctx
            .wopi
            .get_file_url(url, &first.token, info.size, limit)
            .await
            .map_err(wopi_error)?,
        None => ctx
            .wopi
            .get_file(src, &first.token, info.size, limit)
            .await
            .map_err(wopi_error)?,
    };
    let _ = first.outbox.try_send(Outgoing::Text(
        Message::new("progress").arg("stage", "kit").render(),
    ));
    let Some(events) = commands.upgrade() else {
        return Err(OpenFailure::new(
            "internal",
            "the document was closed while loading".into(),
        ));
    };
    // The lock and the kit's load do not depend on each other: one round trip to the WOPI
    // host less on the way to the first tile.
    let take_lock = async {
        if !(info.supports_locks && info.user_can_write) {
            return Ok(None);
        }
        acquire_lock(ctx, src, &first.token, new_lock_id()).await
    };
    let file_name = oxool_proto::file_name::safe_file_name(&info.base_file_name);
    let open_kit = KitLink::open_retrying(
        &ctx.spawner,
        KitDocument {
            file_name: &file_name,
            password: first.password.as_ref(),
            bytes,
        },
        ctx.config.editing.load_timeout(),
        ctx.config.kit.max_document_bytes(),
        events,
        Command::Kit,
    );
    let (lock, opened) = tokio::join!(take_lock, open_kit);
    match (lock, opened) {
        (Ok(lock), Ok((kit, loaded))) => Ok((kit, loaded, lock)),
        // A kit that loaded meanwhile is dropped here, which asks it to leave.
        (Err(failure), _opened) => Err(failure),
        (Ok(lock), Err(error)) => {
            if let Some(lock_id) = &lock {
                let _ = ctx.wopi.unlock(src, &first.token, lock_id).await;
            }
            Err(OpenFailure {
                kind: error.kind(),
                message: error.to_string(),
                password_type: match &error {
                    KitLinkError::Password { password_type, .. } => Some(*password_type),
                    _ => None,
                },
            })
        }
    }
}

/// Locks the document at the WOPI host with `lock_id`: `Some(lock_id)` when this server holds
/// it, `None` when someone other than an oxool server does and the document opens anyway, a
/// failure when another oxool server holds it (one document, one host) or the host refused.
pub(super) async fn acquire_lock(
    ctx: &BrokerContext,
    src: &WopiSrc,
    token: &AccessToken,
    lock_id: String,
) -> Result<Option<String>, OpenFailure> {
    match ctx.wopi.lock(src, token, &lock_id).await {
        Ok(()) => Ok(Some(lock_id)),
        Err(WopiError::LockConflict { current_lock, .. }) => {
            lock_held_elsewhere(ctx, src, token, lock_id, current_lock).await
        }
        Err(error) => Err(OpenFailure::new(error.kind(), error.to_string())),
    }
}

/// The document is locked by someone else (`current_lock`): another oxool server that runs
/// makes this a refusal (one document, one host); the lock of one that is gone is taken over;
/// anyone else's leaves the document open, saving reporting the conflict until the lock is
/// released (cluster.rs).
async fn lock_held_elsewhere(
    ctx: &BrokerContext,
    src: &WopiSrc,
    token: &AccessToken,
    lock_id: String,
    current_lock: Option<String>,
) -> Result<Option<String>, OpenFailure> {
    match ctx.locks.verdict(current_lock.as_deref()).await {
        LockVerdict::OpenAnyway => {
            tracing::warn!("the document is locked by someone else; opening it anyway");
            Ok(None)
        }
        LockVerdict::Refuse(message) => {
            tracing::info!(doc = %src.doc_key(), "refused: the document is open on another server");
            Err(OpenFailure::new(LOCK_CONFLICT, message))
        }
        LockVerdict::TakeOver { old_lock_id } => {
            match ctx
                .wopi
                .unlock_and_relock(src, token, &lock_id, &old_lock_id)
                .await
            {
                Ok(()) => Ok(Some(lock_id)),
                // Someone else was quicker: it holds the document now.
                Err(WopiError::LockConflict { .. }) => Err(OpenFailure::new(
                    LOCK_CONFLICT,
                    "the document was just opened on another server; try again in a few seconds"
                        .into(),
                )),
                Err(error) => Err(OpenFailure::new(error.kind(), error.to_string())),
            }
        }
    }
}

/// The `error kind=` of a document open on another server.
pub(super) const LOCK_CONFLICT: &str = "lock-conflict";

pub(super) fn new_lock_id() -> String {
    crate::cluster::new_lock_id()
}

pub(super) fn extension_of(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default()
}
