//! What every route's answer may need, kept apart from the router (http.rs) so that the modules
//! the router mounts can use it without importing the router back.

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};

/// `body` (with its status, if it has one) labelled with its content type and what caches may
/// do with it.
pub fn with_type_and_caching(
    content_type: &'static str,
    cache_control: &'static str,
    body: impl IntoResponse,
) -> Response {
    let headers = [
        (CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (CACHE_CONTROL, HeaderValue::from_static(cache_control)),
    ];
    (headers, body).into_response()
}
