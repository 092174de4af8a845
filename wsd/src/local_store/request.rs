//! What every WOPI request of the local store checks first, whichever endpoint it is for.
//!
//! Order of checks on every request: the id's syntax (404, no file-system access), then the
//! token (401), then the file (404, in the endpoint). A request never learns whether a file
//! exists before its token for that very file has been verified.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequestParts, Path};
use axum::http::header::{AUTHORIZATION, HOST};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::atomic_write::{self, AtomicWriteError, StagedFile};
use super::refusal::Refusal;
use super::token::Claims;
use super::{file_id, LocalStore};

pub const HEADER_OVERRIDE: &str = "x-wopi-override";
pub const HEADER_ITEM_VERSION: &str = "x-wopi-itemversion";
pub const HEADER_COOL_TIMESTAMP: &str = "x-cool-wopi-timestamp";
/// Older Collabora versions and their hosts still speak the LOOL spelling.
pub const HEADER_LOOL_TIMESTAMP: &str = "x-lool-wopi-timestamp";

/// A request whose id and token passed: the id, the file's name and what the token grants.
/// Every endpoint of the local store extracts one first.
pub struct Authorized {
    pub id: String,
    pub name: String,
    pub claims: Claims,
}

impl FromRequestParts<Arc<LocalStore>> for Authorized {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        store: &Arc<LocalStore>,
    ) -> Result<Self, Self::Rejection> {
        let Path(id) = Path::<String>::from_request_parts(parts, store)
            .await
            .map_err(IntoResponse::into_response)?;
        authorize(store, id, parts.uri.query(), &parts.headers).map_err(IntoResponse::into_response)
    }
}

/// Checks the id's syntax and the token (from `access_token` in the query, as WOPI clients
/// send it, or an `Authorization: Bearer` header).
fn authorize(
    store: &LocalStore,
    id: String,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Result<Authorized, Refusal> {
    let name = file_id::decode(&id).map_err(|_| Refusal::not_found())?;
    let token = access_token(query, headers).unwrap_or_default();
    let claims = store
        .signer
        .verify(&token, &id)
        .map_err(|error| Refusal::new(StatusCode::UNAUTHORIZED, error.to_string()))?;
    Ok(Authorized { id, name, claims })
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
