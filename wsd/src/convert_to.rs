//! `POST /cool/convert-to[/{format}]`, compatible with Collabora Online.
//!
//! The checks run cheapest first, and everything that can be refused without the body is refused
//! before a byte of it is read: client address (403), `Content-Length` (413), the format in the
//! path (400), then admission (503 at once when the queue is full). Only then is the form read,
//! within the upload limit, and the document handed to a fresh kit.
//!
//! Admission comes before the upload on purpose: every admitted request may hold one upload in
//! memory, so wsd never buffers more than `(max_concurrent + queue_length) × max_upload_mb`.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use crate::admission::Entry;
use crate::kit::conversion::{self, ConversionError, ConversionLimits, ConversionRequest};
use crate::metrics::Outcome;
use crate::refusal::{check_post_allowed, Refusal};
use crate::state::AppState;
use crate::upload::{self, ConvertForm, FORM_OVERHEAD};
use oxool_proto::formats;

pub async fn convert_to_form(State(state): State<AppState>, request: Request<Body>) -> Response {
    convert_to(state, None, request).await
}

pub async fn convert_to_path(
    State(state): State<AppState>,
    Path(format): Path<String>,
    request: Request<Body>,
) -> Response {
    convert_to(state, Some(format), request).await
}

async fn convert_to(
    state: AppState,
    path_format: Option<String>,
    request: Request<Body>,
) -> Response {
    let started = Instant::now();
    let elapsed_ms = || u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    match handle(&state, path_format, request).await {
        Ok(response) => {
            state.metrics.record(Outcome::Converted);
            tracing::info!(status = 200, elapsed_ms = elapsed_ms(), "convert-to");
            response
        }
        Err((outcome, refusal)) => {
            state.metrics.record(outcome);
            let status = refusal.status.as_u16();
            let reason = refusal.reason.as_str();
            tracing::info!(status, reason, elapsed_ms = elapsed_ms(), "convert-to");
            refusal.into_response()
        }
    }
}

type Failure = (Outcome, Refusal);

fn refused(status: StatusCode, reason: impl Into<String>) -> Failure {
    (Outcome::Refused, Refusal::new(status, reason))
}

async fn handle(
    state: &AppState,
    path_format: Option<String>,
    request: Request<Body>,
) -> Result<Response, Failure> {
    let convert = &state.config.convert;
    let (path_format, entry) = match early_checks(state, path_format, &request) {
        Ok(checked) => checked,
        Err(failure) => {
            drain_briefly(request).await;
            return Err(failure);
        }
    };

    let form = read_upload(state, request).await?;
    let format = match (path_format, &form.format) {
        (Some(format), _) => format,
        (None, Some(format)) => known_format(format)?,
        (None, None) => {
            return Err(refused(
                StatusCode::BAD_REQUEST,
                "missing the target format",
            ))
        }
    };
    let pdf_version = match form.pdf_version.as_deref() {
        None => None,
        Some(raw) => Some(formats::canonical_pdf_version(raw).ok_or_else(|| {
            let shown: String = raw.chars().filter(|c| !c.is_control()).take(32).collect();
            refused(StatusCode::BAD_REQUEST, format!("unknown PDFVer {shown:?}"))
        })?),
    };

    let _permit = wait_for_slot(entry).await;
    let download_name = download_name(&form.file_name, &format);
    let request = ConversionRequest {
        file_name: form.file_name,
        format: format.clone(),
        options: form.options,
        pdf_version: pdf_version.map(str::to_string),
        password: form.password,
        document: form.document,
    };
    let converted = conversion::convert(&state.spawner, &state.metrics, limits(state), request)
        .await
        .map_err(|error| conversion_failure(error, convert.retry_after_secs))?;
    Ok(converted_response(&format, &download_name, converted.bytes))
}

/// The checks that need no byte of the body: client address, declared size, the format in the
/// path, and a place in the queue.
fn early_checks(
    state: &AppState,
    path_format: Option<String>,
    request: &Request<Body>,
) -> Result<(Option<String>, crate::admission::Entry), Failure> {
    let convert = &state.config.convert;
    check_post_allowed(state, request).map_err(|refusal| (Outcome::Refused, refusal))?;
    check_content_length(request, convert.max_upload_bytes(), convert.max_upload_mb)?;
    let path_format = path_format.map(|f| known_format(&f)).transpose()?;
    let entry = state.admission.enter().map_err(|full| {
        tracing::warn!(%full, "convert-to queue full");
        let mut refusal = Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is busy converting; retry later",
        );
        refusal.retry_after_secs = Some(convert.retry_after_secs);
        (Outcome::QueueFull, refusal)
    })?;
    Ok((path_format, entry))
}

/// Reads and discards a refused request's body before answering when it is declared small.
/// Closing a connection with unread data makes the kernel send a reset, which can destroy the
/// refusal before the client reads it. Bodies declared larger (or not declared) are never read:
/// an oversize upload is refused without touching it.
async fn drain_briefly(request: Request<Body>) {
    use http_body_util::BodyExt;
    const DRAIN_LIMIT: usize = 256 * 1024;
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_none_or(|len| len > DRAIN_LIMIT) {
        return;
    }
    let mut body = request.into_body();
    let mut drained = 0usize;
    let deadline = tokio::time::sleep(std::time::Duration::from_secs(1));
    tokio::pin!(deadline);
    while drained < DRAIN_LIMIT {
        tokio::select! {
            frame = body.frame() => match frame {
                Some(Ok(frame)) => drained += frame.data_ref().map_or(0, |d| d.len()),
                _ => break,
            },
            () = &mut deadline => break,
        }
    }
}

/// Refuses a declared body over the limit before reading any of it.
fn check_content_length(
    request: &Request<Body>,
    max_upload_bytes: u64,
    max_upload_mb: u64,
) -> Result<(), Failure> {
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    match declared {
        Some(length) if length > max_upload_bytes + FORM_OVERHEAD => Err(refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the upload is larger than the limit of {max_upload_mb} MiB"),
        )),
        _ => Ok(()),
    }
}

fn known_format(raw: &str) -> Result<String, Failure> {
    let format = formats::normalize(raw);
    if formats::content_type(&format).is_some() {
        return Ok(format);
    }
    let shown: String = raw.chars().filter(|c| !c.is_control()).take(32).collect();
    Err(refused(
        StatusCode::BAD_REQUEST,
        format!("unknown format {shown:?}"),
    ))
}

/// The form, read within the upload limit and, so a slow client cannot keep an admitted place
/// forever, within the conversion deadline.
async fn read_upload(state: &AppState, request: Request<Body>) -> Result<ConvertForm, Failure> {
    let convert = &state.config.convert;
    let form = Multipart::from_request(request, &())
        .await
        .map_err(|rejection| refused(StatusCode::BAD_REQUEST, rejection.body_text()))?;
    let deadline = Duration::from_secs(convert.timeout_secs);
    match tokio::time::timeout(deadline, upload::read_form(form, convert.max_upload_mb)).await {
        Ok(Ok(form)) => Ok(form),
        Ok(Err(error)) => Err(refused(error.status(), error.to_string())),
        Err(_) => Err(refused(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the upload did not finish within {} seconds",
                convert.timeout_secs
            ),
        )),
    }
}

async fn wait_for_slot(entry: Entry) -> crate::admission::Permit {
    if matches!(entry, Entry::Queued(_)) {
        tracing::debug!("convert-to waiting for a free slot");
    }
    entry.wait().await
}

fn limits(state: &AppState) -> ConversionLimits {
    ConversionLimits {
        spawn_timeout: Duration::from_secs(state.config.forkit.spawn_timeout_secs),
        timeout: Duration::from_secs(state.config.convert.timeout_secs),
        max_result_bytes: state.config.kit.max_document_bytes(),
    }
}

/// The HTTP answer for each way a conversion can fail.
fn conversion_failure(error: ConversionError, retry_after_secs: u64) -> Failure {
    let reason = error.to_string();
    let (outcome, status) = match error {
        ConversionError::Spawn(_) => (Outcome::SpawnFailed, StatusCode::SERVICE_UNAVAILABLE),
        ConversionError::Timeout(_) => (Outcome::Timeout, StatusCode::GATEWAY_TIMEOUT),
        ConversionError::Crashed
        | ConversionError::Seccomp { .. }
        | ConversionError::OutOfMemory => (Outcome::Crashed, StatusCode::INTERNAL_SERVER_ERROR),
        ConversionError::Load(_)
        | ConversionError::PasswordProtected(_)
        | ConversionError::Format(_)
        | ConversionError::BadRequest(_) => (Outcome::KitError, StatusCode::BAD_REQUEST),
        ConversionError::TooLarge(_) => (Outcome::KitError, StatusCode::PAYLOAD_TOO_LARGE),
        ConversionError::Failed { .. }
        | ConversionError::ResultTooLarge { .. }
        | ConversionError::Protocol(_) => (Outcome::KitError, StatusCode::INTERNAL_SERVER_ERROR),
    };
    let mut refusal = Refusal::new(status, reason);
    if outcome == Outcome::SpawnFailed {
        tracing::error!(reason = %refusal.reason, "no kit for convert-to");
        refusal.retry_after_secs = Some(retry_after_secs);
    }
    (outcome, refusal)
}

/// `report.docx` converted to pdf downloads as `report.pdf`.
fn download_name(file_name: &str, format: &str) -> String {
    let stem = match file_name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => file_name,
    };
    format!("{stem}.{format}")
}

fn converted_response(format: &str, download_name: &str, bytes: Vec<u8>) -> Response {
    let content_type = formats::content_type(format).unwrap_or("application/octet-stream");
    let disposition = content_disposition(download_name);
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    response
}

/// `attachment; filename="…"`, plus RFC 6266's `filename*` when the name is not plain ASCII.
fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if ascii == name {
        format!("attachment; filename=\"{ascii}\"")
    } else {
        let encoded = utf8_percent_encode(name, NON_ALPHANUMERIC);
        format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_names_swap_the_extension() {
        assert_eq!(download_name("report.docx", "pdf"), "report.pdf");
        assert_eq!(download_name("archive.tar.gz", "odt"), "archive.tar.odt");
        assert_eq!(download_name("README", "pdf"), "README.pdf");
        assert_eq!(download_name(".hidden", "pdf"), ".hidden.pdf");
    }

    #[test]
    fn content_disposition_is_a_safe_header() {
        assert_eq!(
            content_disposition("a b.pdf"),
            "attachment; filename=\"a b.pdf\""
        );
        assert_eq!(
            content_disposition("x\"y.pdf"),
            "attachment; filename=\"x_y.pdf\"; filename*=UTF-8''x%22y%2Epdf"
        );
        let header = content_disposition("résumé.pdf");
        assert!(
            header.starts_with(
                "attachment; filename=\"r_sum_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%2Epdf"
            ),
            "{header}"
        );
        assert!(HeaderValue::from_str(&header).is_ok());
    }
}
