//! The WOPI host endpoints of the local store: CheckFileInfo, GetFile and PutFile here; the
//! `X-WOPI-Override` operations on the file itself (locks, PutRelativeFile) in wopi_override.rs;
//! what both check first (the id and the token) in request.rs.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use tokio::io::AsyncReadExt;

use super::refusal::{Refusal, HEADER_LOCK};
use super::request::{
    header_text, stage_body, Authorized, HEADER_COOL_TIMESTAMP, HEADER_ITEM_VERSION,
    HEADER_LOOL_TIMESTAMP, HEADER_OVERRIDE,
};
use super::{last_modified, timestamp, version, LocalStore};

fn with_item_version(mut response: Response, metadata: &std::fs::Metadata) -> Response {
    if let Ok(value) = HeaderValue::from_str(&version(metadata)) {
        response.headers_mut().insert(HEADER_ITEM_VERSION, value);
    }
    response
}

pub(super) async fn check_file_info(
    State(store): State<Arc<LocalStore>>,
    auth: Authorized,
) -> Result<Response, Refusal> {
    let metadata = store.stat(&auth.name).map_err(|_| Refusal::not_found())?;
    let can_write = auth.claims.can_write;
    Ok(Json(serde_json::json!({
        "BaseFileName": auth.name,
        "Size": metadata.len(),
        "OwnerId": "local",
        "UserId": auth.claims.user,
        "UserFriendlyName": auth.claims.user,
        "UserCanWrite": can_write,
        "UserCanNotWriteRelative": !can_write,
        "SupportsLocks": true,
        "SupportsGetLock": true,
        "SupportsUpdate": true,
        "SupportsRename": false,
        "UserCanRename": false,
        "LastModifiedTime": last_modified(&metadata),
        "Version": version(&metadata),
    }))
    .into_response())
}

pub(super) async fn get_file(
    State(store): State<Arc<LocalStore>>,
    auth: Authorized,
) -> Result<Response, Refusal> {
    // O_NOFOLLOW: a symlink put in place of the document is refused, not followed out of the
    // root; the checks below then look at the very file that was opened.
    let mut file = tokio::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(store.path_of(&auth.name))
        .await
        .map_err(|_| Refusal::not_found())?;
    let metadata = file.metadata().await.map_err(Refusal::internal)?;
    if !metadata.is_file() {
        return Err(Refusal::not_found());
    }
    let mut content = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.read_to_end(&mut content)
        .await
        .map_err(Refusal::internal)?;
    let octets = HeaderValue::from_static("application/octet-stream");
    let response = ([(CONTENT_TYPE, octets)], content).into_response();
    Ok(with_item_version(response, &metadata))
}

pub(super) async fn put_file(
    State(store): State<Arc<LocalStore>>,
    auth: Authorized,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    let operation = header_text(&headers, HEADER_OVERRIDE)?;
    if operation.is_some_and(|operation| !operation.eq_ignore_ascii_case("PUT")) {
        return Err(Refusal::bad_request("X-WOPI-Override must be PUT"));
    }
    if !auth.claims.can_write {
        return Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "the access token is read-only",
        ));
    }
    let lock = header_text(&headers, HEADER_LOCK)?;
    let expected = expected_timestamp(&headers)?;
    let before = store.stat(&auth.name).map_err(|_| Refusal::not_found())?;
    // Refuse before reading a possibly large body; checked again under the guard below.
    store.locks.check_write(&auth.id, lock, Instant::now())?;
    let staged = stage_body(&store, body, Some(before.permissions())).await?;

    let _guard = store.write_guard.lock().await;
    store.locks.check_write(&auth.id, lock, Instant::now())?;
    let current = store.stat(&auth.name).map_err(|_| Refusal::not_found())?;
    if let Some(expected) = expected {
        let on_disk = current.modified().map(timestamp::to_micros).ok();
        if on_disk != Some(expected) {
            return Err(Refusal::DocumentChanged);
        }
    }
    staged
        .replace(&store.path_of(&auth.name))
        .await
        .map_err(Refusal::internal)?;
    let after = store
        .stat(&auth.name)
        .map_err(|_| Refusal::internal("the document vanished right after it was written"))?;
    tracing::info!(file = %auth.name, user = %auth.claims.user, bytes = after.len(), "PutFile");
    let reply = Json(serde_json::json!({ "LastModifiedTime": last_modified(&after) }));
    Ok(with_item_version(reply.into_response(), &after))
}

/// Collabora's `X-COOL-WOPI-Timestamp`: the `LastModifiedTime` the client last saw. Absent
/// means "overwrite whatever is there" (Collabora omits it when the user forces a save).
fn expected_timestamp(headers: &HeaderMap) -> Result<Option<timestamp::Micros>, Refusal> {
    let text = match header_text(headers, HEADER_COOL_TIMESTAMP)? {
        Some(text) => Some(text),
        None => header_text(headers, HEADER_LOOL_TIMESTAMP)?,
    };
    match text {
        None | Some("") => Ok(None),
        Some(text) => timestamp::parse_iso8601(text)
            .map(Some)
            .ok_or_else(|| Refusal::bad_request("X-COOL-WOPI-Timestamp is not an ISO 8601 time")),
    }
}
