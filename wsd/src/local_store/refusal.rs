//! How the local store says no: every refusal is one value that becomes the WOPI answer.
//! Kept small (no `Response` inside) so that `Result<_, Refusal>` stays cheap to pass around.

use std::borrow::Cow;

use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::locks::LockConflict;

pub const HEADER_LOCK: &str = "x-wopi-lock";

#[derive(Debug)]
pub enum Refusal {
    /// A status and a short plain-text reason (never a token or the request's content).
    Plain {
        status: StatusCode,
        reason: Cow<'static, str>,
    },
    /// 409 with the lock currently held, as WOPI requires for every lock mismatch.
    Locked(LockConflict),
    /// 409 for an exact PutRelativeFile target that exists, with a free name to use instead
    /// (already UTF-7 encoded) when there is one.
    TargetExists { valid_target: Option<String> },
    /// 409 with Collabora's "the document changed in storage" code (1010), which its client
    /// turns into the overwrite-or-reload question.
    DocumentChanged,
    /// 500; the cause is logged, the client learns only that storage failed.
    Internal(String),
}

impl Refusal {
    pub fn new(status: StatusCode, reason: impl Into<Cow<'static, str>>) -> Refusal {
        Refusal::Plain {
            status,
            reason: reason.into(),
        }
    }

    pub fn not_found() -> Refusal {
        Refusal::new(StatusCode::NOT_FOUND, "no such file")
    }

    pub fn bad_request(reason: &'static str) -> Refusal {
        Refusal::new(StatusCode::BAD_REQUEST, reason)
    }

    pub fn internal(error: impl std::fmt::Display) -> Refusal {
        Refusal::Internal(error.to_string())
    }
}

fn plain(status: StatusCode, reason: &str) -> Response {
    let content_type = HeaderValue::from_static("text/plain; charset=utf-8");
    (
        status,
        [(CONTENT_TYPE, content_type)],
        format!("{reason}\n"),
    )
        .into_response()
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Plain { status, reason } => plain(status, &reason),
            Refusal::Locked(conflict) => {
                let mut response = plain(StatusCode::CONFLICT, conflict.reason);
                let headers = response.headers_mut();
                if let Ok(current) = HeaderValue::from_str(&conflict.current) {
                    headers.insert(HEADER_LOCK, current);
                }
                headers.insert(
                    "x-wopi-lockfailurereason",
                    HeaderValue::from_static(conflict.reason),
                );
                response
            }
            Refusal::TargetExists { valid_target } => {
                let mut response = plain(StatusCode::CONFLICT, "the target exists");
                if let Some(value) = valid_target.and_then(|v| HeaderValue::from_str(&v).ok()) {
                    response
                        .headers_mut()
                        .insert("x-wopi-validrelativetarget", value);
                }
                response
            }
            Refusal::DocumentChanged => (
                StatusCode::CONFLICT,
                Json(serde_json::json!({ "COOLStatusCode": 1010 })),
            )
                .into_response(),
            Refusal::Internal(error) => {
                tracing::error!(%error, "local store");
                plain(StatusCode::INTERNAL_SERVER_ERROR, "storage error")
            }
        }
    }
}

impl From<LockConflict> for Refusal {
    fn from(conflict: LockConflict) -> Refusal {
        Refusal::Locked(conflict)
    }
}
