//! Reading convert-to's multipart form without ever holding more than the configured limit.
//!
//! Collabora's form: the file in part `data` (its name from the part's `Content-Disposition`),
//! and text parts `format`, `options` (filter options), `PDFVer` and `password` (of a
//! password-protected document; never logged). Other parts Collabora knows
//! (`lang`, `infilterOptions`, …) are read within a small bound and ignored.
//!
//! The limits apply while streaming: the file's bytes are counted chunk by chunk and reading
//! stops as soon as `max_upload` is crossed. The multipart parser reads ahead whatever the
//! connection has ready, so the body limit the router puts around the form (the file limit plus
//! [`FORM_OVERHEAD`]) is the hard cap on what one request can make wsd buffer. (The HTTP layer has
//! already refused a `Content-Length` over that.)

use axum::extract::multipart::{Field, MultipartError};
use axum::extract::Multipart;
use axum::http::StatusCode;

/// Largest text part (`format`, `options`, `PDFVer`, ignored parts): the whole `convert`
/// message must fit a frame header (64 KiB).
pub const MAX_TEXT_PART: usize = 16 * 1024;

/// What the form may carry on top of the file: text parts plus multipart framing.
pub const FORM_OVERHEAD: u64 = 256 * 1024;

#[derive(Debug, Default)]
pub struct ConvertForm {
    pub file_name: String,
    pub document: Vec<u8>,
    pub format: Option<String>,
    pub options: Option<String>,
    pub pdf_version: Option<String>,
    pub password: Option<crate::password::DocumentPassword>,
}

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("the file is larger than the limit of {limit_mb} MiB")]
    TooLarge { limit_mb: u64 },
    #[error("form part {0:?} is larger than {MAX_TEXT_PART} bytes")]
    PartTooLarge(String),
    #[error("form part {0:?} is not UTF-8 text")]
    NotText(String),
    #[error("form part \"data\" appears more than once")]
    DuplicateData,
    #[error("missing form part \"data\" (the document)")]
    MissingData,
    #[error("the document is empty")]
    EmptyData,
    #[error("malformed multipart form: {0}")]
    Malformed(String),
}

impl UploadError {
    pub fn status(&self) -> StatusCode {
        match self {
            UploadError::TooLarge { .. } | UploadError::PartTooLarge(_) => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// Reads the whole form; the file may be at most `max_upload_mb` MiB.
pub async fn read_form(
    mut form: Multipart,
    max_upload_mb: u64,
) -> Result<ConvertForm, UploadError> {
    let max_upload = max_upload_mb * 1024 * 1024;
    let mut result = ConvertForm::default();
    let mut seen_data = false;
    while let Some(mut part) = form
        .next_field()
        .await
        .map_err(|e| from_multipart(e, max_upload_mb))?
    {
        let name = part.name().unwrap_or_default().to_string();
        match name.as_str() {
            "data" => {
                if seen_data {
                    return Err(UploadError::DuplicateData);
                }
                seen_data = true;
                result.file_name =
                    oxool_proto::file_name::safe_file_name(part.file_name().unwrap_or_default());
                result.document = read_bounded(&mut part, max_upload)
                    .await
                    .map_err(|e| e.into_upload_error(max_upload_mb, &name))?;
            }
            "format" => result.format = Some(read_text(&mut part, &name, max_upload_mb).await?),
            "options" => result.options = Some(read_text(&mut part, &name, max_upload_mb).await?),
            "PDFVer" => {
                result.pdf_version = Some(read_text(&mut part, &name, max_upload_mb).await?)
            }
            "password" => {
                let password = read_text(&mut part, &name, max_upload_mb).await?;
                result.password = crate::password::DocumentPassword::new(password);
            }
            _ => {
                read_bounded(&mut part, MAX_TEXT_PART as u64)
                    .await
                    .map_err(|e| e.into_upload_error(max_upload_mb, &name))?;
            }
        }
    }
    if !seen_data {
        return Err(UploadError::MissingData);
    }
    if result.document.is_empty() {
        return Err(UploadError::EmptyData);
    }
    Ok(result)
}

enum ReadError {
    OverLimit,
    Multipart(MultipartError),
}

impl ReadError {
    fn into_upload_error(self, max_upload_mb: u64, part: &str) -> UploadError {
        match self {
            ReadError::OverLimit if part == "data" => UploadError::TooLarge {
                limit_mb: max_upload_mb,
            },
            ReadError::OverLimit => UploadError::PartTooLarge(part.chars().take(64).collect()),
            ReadError::Multipart(e) => from_multipart(e, max_upload_mb),
        }
    }
}

/// A part's bytes, refusing as soon as they exceed `limit` (never buffering past it).
async fn read_bounded(part: &mut Field<'_>, limit: u64) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = part.chunk().await.map_err(ReadError::Multipart)? {
        if (bytes.len() + chunk.len()) as u64 > limit {
            return Err(ReadError::OverLimit);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

async fn read_text(
    part: &mut Field<'_>,
    name: &str,
    max_upload_mb: u64,
) -> Result<String, UploadError> {
    let bytes = read_bounded(part, MAX_TEXT_PART as u64)
        .await
        .map_err(|e| e.into_upload_error(max_upload_mb, name))?;
    String::from_utf8(bytes).map_err(|_| UploadError::NotText(name.to_string()))
}

/// The body limit around the form (`DefaultBodyLimit`) shows up as a multipart error.
fn from_multipart(error: MultipartError, max_upload_mb: u64) -> UploadError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        UploadError::TooLarge {
            limit_mb: max_upload_mb,
        }
    } else {
        UploadError::Malformed(error.body_text())
    }
}
