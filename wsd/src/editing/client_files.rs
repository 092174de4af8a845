//! The web client's static files under `/browser/dist/` (from `[browser] root`), through
//! tower-http's file service: Content-Type, Last-Modified, If-Modified-Since, Range and HEAD come
//! from it. What it lacks is added here: a weak ETag from the file's size and modification time,
//! answered with 304 on If-None-Match, and `Cache-Control: no-cache`, so a browser revalidates
//! every file and gets a 304 instead of the bytes until the package is upgraded. cool.html is not
//! static (page.rs).

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use axum::body::Body;
use axum::extract::{Path as UrlPath, Request, State};
use axum::http::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tower_http::services::ServeFile;

use crate::config::Config;

pub async fn get_file(
    State(config): State<Arc<Config>>,
    UrlPath(path): UrlPath<String>,
    request: Request,
) -> Response {
    let Some(file) = resolve(&config.browser.root, &path) else {
        return not_found();
    };
    let Ok(meta) = tokio::fs::metadata(&file).await else {
        return not_found();
    };
    if !meta.is_file() {
        return not_found();
    }
    let etag = entity_tag(meta.len(), meta.modified().ok());
    if matches_any(request.headers(), &etag) {
        let mut headers = HeaderMap::new();
        add_headers(&mut headers, &etag);
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    match ServeFile::new(&file).try_call(request).await {
        Ok(response) => {
            let (mut parts, body) = response.into_parts();
            if parts.status.is_success() || parts.status == StatusCode::NOT_MODIFIED {
                add_headers(&mut parts.headers, &etag);
            }
            Response::from_parts(parts, Body::new(body))
        }
        Err(_) => not_found(),
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "no such file\n").into_response()
}

fn add_headers(headers: &mut HeaderMap, etag: &str) {
    // The tag is made of hex digits, quotes and `W/`: always a valid header value.
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(ETAG, value);
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
}

/// A weak tag: the same size and modification time are taken to mean the same bytes, which is
/// what an upgrade of the package changes.
fn entity_tag(len: u64, modified: Option<std::time::SystemTime>) -> String {
    let nanos = modified
        .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!("W/\"{len:x}-{nanos:x}\"")
}

/// Whether If-None-Match names this tag (weak comparison, RFC 9110 13.1.2), or is `*`.
fn matches_any(headers: &HeaderMap, etag: &str) -> bool {
    let ours = etag.trim_start_matches("W/");
    headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == ours)
}

/// `path` under `root`, refusing anything but plain, visible names.
fn resolve(root: &Path, path: &str) -> Option<PathBuf> {
    let relative = Path::new(path);
    let plain = relative.components().all(|c| match c {
        Component::Normal(name) => !name.to_string_lossy().starts_with('.'),
        _ => false,
    });
    (plain && !path.is_empty() && !path.contains('\\')).then(|| root.join(relative))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_paths_resolve() {
        let root = Path::new("/srv/browser");
        assert_eq!(resolve(root, "main.js"), Some(root.join("main.js")));
        assert_eq!(
            resolve(root, "images/a.svg"),
            Some(root.join("images/a.svg"))
        );
        for bad in [
            "../etc/passwd",
            "/etc/passwd",
            ".git/config",
            "a/../../b",
            "a\\..\\b",
            "",
        ] {
            assert_eq!(resolve(root, bad), None, "{bad}");
        }
    }

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists_and_star() {
        let tag = entity_tag(10, Some(UNIX_EPOCH + std::time::Duration::from_nanos(255)));
        assert_eq!(tag, "W/\"a-ff\"");
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(IF_NONE_MATCH, HeaderValue::from_str(value).unwrap());
            matches_any(&headers, &tag)
        };
        assert!(with("W/\"a-ff\""));
        assert!(with("\"a-ff\""));
        assert!(with("\"x\", W/\"a-ff\""));
        assert!(with("*"));
        assert!(!with("W/\"a-fe\""));
        assert!(!matches_any(&HeaderMap::new(), &tag));
    }
}
