//! The WOPI host endpoints of the local store: CheckFileInfo, GetFile and PutFile here; the
//! `X-WOPI-Override` operations on the file itself (locks, PutRelativeFile) in wopi_override.rs.
//!
//! Order of checks on every request: the id's syntax (404, no file-system access), then the
//! token (401), then the file (404). A request never learns whether a file exists before its
//! token for that very file has been verified.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tokio::io::AsyncReadExt;

use super::atomic_write::{self, AtomicWriteError, StagedFile};
use super::refusal::{Refusal, HEADER_LOCK};
use super::token::Claims;
use super::{file_id, last_modified, timestamp, version, wopi_override, LocalStore};

pub const HEADER_OVERRIDE: &str = "x-wopi-override";
pub const HEADER_ITEM_VERSION: &str = "x-wopi-itemversion";
pub const HEADER_COOL_TIMESTAMP: &str = "x-cool-wopi-timestamp";
/// Older Collabora versions and their hosts still speak the LOOL spelling.
pub const HEADER_LOOL_TIMESTAMP: &str = "x-lool-wopi-timestamp";

/// `/wopi/files/{id}` and `/wopi/files/{id}/contents` for `store`.
pub fn router(store: Arc<LocalStore>) -> Router {
    Router::new()
        .route(
            "/wopi/files/{id}",
            get(check_file_info).post(wopi_override::dispatch),
        )
        .route("/wopi/files/{id}/contents", get(get_file).post(put_file))
        .with_state(store)
}

/// A request whose id and token passed: the file's name and what the token grants.
pub struct Authorized {
    pub name: String,
    pub claims: Claims,
}

/// Checks the id's syntax and the token (from `access_token` in the query, as WOPI clients
/// send it, or an `Authorization: Bearer` header).
pub fn authorize(
    store: &LocalStore,
    id: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Result<Authorized, Refusal> {
    let name = file_id::decode(id).map_err(|_| Refusal::not_found())?;
    let token = access_token(query, headers).unwrap_or_default();
    let claims = store
        .signer
        .verify(&token, id)
        .map_err(|error| Refusal::new(StatusCode::UNAUTHORIZED, error.to_string()))?;
    Ok(Authorized { name, claims })
}

fn access_token(query: Option<&str>, headers: &HeaderMap) -> Option<String> {
    let from_query = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|pair| {
            let value = pair.strip_prefix("access_token=")?;
            let decoded = percent_encoding::percent_decode_str(value)
                .decode_utf8()
                .ok()?;
            Some(decoded.into_owned())
        });
    from_query.or_else(|| {
        let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
        value.strip_prefix("Bearer ").map(str::to_owned)
    })
}

/// A header as text; a refusal (400) when present but not visible ASCII.
pub fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, Refusal> {
    headers
        .get(name)
        .map(|value| value.to_str())
        .transpose()
        .map_err(|_| Refusal::bad_request("a header is not ASCII text"))
}

/// The address clients reach this server at, for links: the configured public URL, else
/// `http(s)://<Host>` when the Host header is a plain host[:port].
pub fn base_url(store: &LocalStore, headers: &HeaderMap) -> Result<String, Refusal> {
    if let Some(url) = &store.public_url {
        return Ok(url.clone());
    }
    let host = headers
        .get(HOST)
        .and_then(|value| value.to_str().ok())
        .filter(|host| {
            !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b))
        })
        .ok_or_else(|| Refusal::bad_request("missing or unusable Host header"))?;
    Ok(format!("{}://{host}", store.scheme))
}

/// Streams a request body into a staged file, mapping the failures clients cause.
pub async fn stage_body(
    store: &LocalStore,
    body: Body,
    permissions: Option<std::fs::Permissions>,
) -> Result<StagedFile, Refusal> {
    atomic_write::stage(store.root(), body, store.max_file_bytes, permissions)
        .await
        .map_err(|error| match error {
            AtomicWriteError::TooLarge { .. } => {
                Refusal::new(StatusCode::PAYLOAD_TOO_LARGE, "the document is too large")
            }
            AtomicWriteError::ReadBody(_) => Refusal::bad_request("the request body broke off"),
            other => Refusal::internal(other),
        })
}

fn with_item_version(mut response: Response, metadata: &std::fs::Metadata) -> Response {
    if let Ok(value) = HeaderValue::from_str(&version(metadata)) {
        response.headers_mut().insert(HEADER_ITEM_VERSION, value);
    }
    response
}

async fn check_file_info(
    State(store): State<Arc<LocalStore>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Refusal> {
    let auth = authorize(&store, &id, query.as_deref(), &headers)?;
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

async fn get_file(
    State(store): State<Arc<LocalStore>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Refusal> {
    let auth = authorize(&store, &id, query.as_deref(), &headers)?;
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

async fn put_file(
    State(store): State<Arc<LocalStore>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    let auth = authorize(&store, &id, query.as_deref(), &headers)?;
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
    store.locks.check_write(&id, lock, Instant::now())?;
    let staged = stage_body(&store, body, Some(before.permissions())).await?;

    let _guard = store.write_guard.lock().await;
    store.locks.check_write(&id, lock, Instant::now())?;
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
