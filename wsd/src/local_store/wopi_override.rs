//! `POST /wopi/files/{id}` with `X-WOPI-Override`: LOCK (and UnlockAndRelock with
//! `X-WOPI-OldLock`), UNLOCK, REFRESH_LOCK, GET_LOCK and PUT_RELATIVE.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::atomic_write::AtomicWriteError;
use super::locks::MAX_LOCK_LEN;
use super::refusal::{Refusal, HEADER_LOCK};
use super::request::{base_url, header_text, stage_body, Authorized, HEADER_OVERRIDE};
use super::{file_id, LocalStore, DEFAULT_TOKEN_TTL};
use crate::utf7;

/// How many "name (n).ext" variants PutRelativeFile tries before giving up on a suggestion.
const MAX_NAME_VARIANTS: u32 = 100;

pub async fn dispatch(
    State(store): State<Arc<LocalStore>>,
    auth: Authorized,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    let operation = header_text(&headers, HEADER_OVERRIDE)?
        .ok_or_else(|| Refusal::bad_request("X-WOPI-Override is missing"))?
        .to_ascii_uppercase();
    store.stat(&auth.name).map_err(|_| Refusal::not_found())?;
    if operation == "GET_LOCK" {
        let current = store
            .locks
            .current(&auth.id, Instant::now())
            .unwrap_or_default();
        let mut response = StatusCode::OK.into_response();
        if let Ok(value) = HeaderValue::from_str(&current) {
            response.headers_mut().insert(HEADER_LOCK, value);
        }
        return Ok(response);
    }
    if !auth.claims.can_write {
        return Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "the access token is read-only",
        ));
    }
    match operation.as_str() {
        "LOCK" | "UNLOCK" | "REFRESH_LOCK" => {
            lock_operation(&store, &auth.id, &operation, &headers)
        }
        "PUT_RELATIVE" => put_relative(&store, &auth, &headers, body).await,
        _ => Err(Refusal::new(
            StatusCode::NOT_IMPLEMENTED,
            "this X-WOPI-Override is not supported",
        )),
    }
}

fn lock_operation(
    store: &LocalStore,
    id: &str,
    operation: &str,
    headers: &HeaderMap,
) -> Result<Response, Refusal> {
    let lock = header_text(headers, HEADER_LOCK)?
        .filter(|lock| !lock.is_empty() && lock.len() <= MAX_LOCK_LEN)
        .ok_or_else(|| Refusal::bad_request("X-WOPI-Lock is missing or too long"))?;
    let old = header_text(headers, "x-wopi-oldlock")?;
    let now = Instant::now();
    match operation {
        "LOCK" => store.locks.lock(id, lock, old, now)?,
        "UNLOCK" => store.locks.unlock(id, lock, now)?,
        _ => store.locks.refresh(id, lock, now)?,
    }
    Ok(StatusCode::OK.into_response())
}

/// Where PutRelativeFile should write, from its exclusive target headers.
enum Target {
    /// `X-WOPI-SuggestedTarget`: a name or just an extension; we may pick a free variant.
    Suggested(String),
    /// `X-WOPI-RelativeTarget`: exactly this name, replaced only if the client says so.
    Exact { name: String, overwrite: bool },
}

fn relative_target(current: &str, headers: &HeaderMap) -> Result<Target, Refusal> {
    let decode = |text: &str| {
        utf7::decode(text).map_err(|_| Refusal::bad_request("the target is not UTF-7"))
    };
    let suggested = header_text(headers, "x-wopi-suggestedtarget")?;
    let exact = header_text(headers, "x-wopi-relativetarget")?;
    let target = match (suggested, exact) {
        (Some(suggested), None) => {
            let suggested = decode(suggested)?;
            if suggested.starts_with('.') {
                // Only an extension: keep the current document's stem.
                let stem = current.rsplit_once('.').map_or(current, |(stem, _)| stem);
                Target::Suggested(format!("{stem}{suggested}"))
            } else {
                Target::Suggested(suggested)
            }
        }
        (None, Some(exact)) => {
            let overwrite = header_text(headers, "x-wopi-overwriterelativetarget")?
                .is_some_and(|value| value.eq_ignore_ascii_case("true"));
            Target::Exact {
                name: decode(exact)?,
                overwrite,
            }
        }
        _ => {
            return Err(Refusal::bad_request(
                "exactly one of X-WOPI-SuggestedTarget and X-WOPI-RelativeTarget is required",
            ))
        }
    };
    let (Target::Suggested(name) | Target::Exact { name, .. }) = &target;
    file_id::check_name(name)
        .map_err(|_| Refusal::bad_request("the target is not a valid file name"))?;
    Ok(target)
}

async fn put_relative(
    store: &LocalStore,
    auth: &Authorized,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    let target = relative_target(&auth.name, headers)?;
    let base = base_url(store, headers)?;
    let mut staged = stage_body(store, body, None).await?;

    let _guard = store.write_guard.lock().await;
    let name = match target {
        Target::Suggested(name) => {
            let mut created = None;
            for candidate in name_variants(&name) {
                match staged.create(&store.path_of(&candidate)).await {
                    Ok(()) => {
                        created = Some(candidate);
                        break;
                    }
                    Err(AtomicWriteError::TargetExists) => continue,
                    Err(error) => return Err(Refusal::internal(error)),
                }
            }
            created.ok_or_else(|| {
                Refusal::new(StatusCode::CONFLICT, "no free name near the suggestion")
            })?
        }
        Target::Exact { name, overwrite } => {
            let path = store.path_of(&name);
            let written = if overwrite {
                let target_id = file_id::encode(&name);
                store.locks.check_write(&target_id, None, Instant::now())?;
                if std::fs::symlink_metadata(&path).is_ok() && store.stat(&name).is_err() {
                    // Something that is not a document (a directory, a symlink) has the name.
                    return Err(Refusal::new(
                        StatusCode::CONFLICT,
                        "the target is not a document",
                    ));
                }
                staged.replace(&path).await
            } else {
                staged.create(&path).await
            };
            match written {
                Ok(()) => name,
                Err(AtomicWriteError::TargetExists) => {
                    let free = name_variants(&name).find(|candidate| {
                        std::fs::symlink_metadata(store.path_of(candidate)).is_err()
                    });
                    return Err(Refusal::TargetExists {
                        valid_target: free.map(|free| utf7::encode(&free)),
                    });
                }
                Err(error) => return Err(Refusal::internal(error)),
            }
        }
    };
    let new_id = file_id::encode(&name);
    let user = &auth.claims.user;
    let token = store.issue_token(&new_id, user, auth.claims.can_write, DEFAULT_TOKEN_TTL);
    let wopi_src = LocalStore::wopi_src(&base, &new_id);
    // The host's pages for the new file: the index page, whose forms open it with a token in
    // the body; a URL never carries one.
    let host_page = format!("{}/", base.trim_end_matches('/'));
    tracing::info!(file = %name, user = %user, "PutRelativeFile");
    Ok(Json(serde_json::json!({
        "Name": name,
        "Url": format!("{wopi_src}?access_token={token}"),
        "HostEditUrl": host_page,
        "HostViewUrl": host_page,
    }))
    .into_response())
}

/// `name`, then `stem (1).ext`, `stem (2).ext`, …
fn name_variants(name: &str) -> impl Iterator<Item = String> + '_ {
    let (stem, extension) = match name.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => (stem, format!(".{extension}")),
        _ => (name, String::new()),
    };
    std::iter::once(name.to_owned()).chain(
        (1..=MAX_NAME_VARIANTS)
            .map(move |n| format!("{stem} ({n}){extension}"))
            .filter(|candidate| file_id::check_name(candidate).is_ok()),
    )
}
