//! One conversion, as Collabora's `convert-to` does it: load a document, save it in another
//! format, hand back the output file.
//!
//! `format` is a target extension (`pdf`, `docx`, `csv`, …), checked against the formats
//! LibreOffice 7.4's LOK `saveAs` maps for some document type *before* anything is loaded, and
//! against the loaded document's own type after (csv from a text document is a format error,
//! not a save failure). `pdf_version` is Collabora's `PDFVer` form field: one of
//! [`formats::PDF_VERSIONS`], passed to LibreOffice the way Collabora does, as `,PDFVer=<v>PDFVEREND` in
//! the filter options, which LOK's `saveAs` turns into the PDF filter's `SelectPdfVersion`
//! (PDF/A-1b → 1, PDF/A-2b → 2, PDF/A-3b → 3, PDF-1.5 → 15, PDF-1.6 → 16). Like Collabora, it is
//! ignored for other formats.

use std::path::{Path, PathBuf};

use crate::lok::password::{self, LoadError, PasswordFailure, ReadOnly};
use crate::lok::{DocumentType, LokError, Office};
use oxool_proto::formats::{self, Family};

/// What to convert, and to what.
#[derive(Debug, Clone, Copy)]
pub struct ConvertRequest<'a> {
    /// The document to load.
    pub input: &'a Path,
    /// Where the output goes, named `<input stem>.<format>`.
    pub output_dir: &'a Path,
    /// Target extension, case-insensitive.
    pub format: &'a str,
    /// LibreOffice filter options (Collabora's `options`), passed through.
    pub filter_options: Option<&'a str>,
    /// Collabora's `PDFVer`: one of [`formats::PDF_VERSIONS`] (case-insensitive).
    pub pdf_version: Option<&'a str>,
    /// The password of a protected document (never logged).
    pub password: Option<&'a str>,
}

/// Why a conversion failed; one variant per step.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    #[error("unsupported target format {format:?}")]
    UnsupportedFormat { format: String },
    #[error("unsupported PDF version {version:?} (expected one of PDF/A-1b, PDF/A-2b, PDF/A-3b, PDF-1.5, PDF-1.6)")]
    UnsupportedPdfVersion { version: String },
    #[error("the input path {path} has no file name")]
    InputName { path: PathBuf },
    #[error("cannot load the document: {message}")]
    Load { message: String },
    #[error("the document is password-protected: {}", match .0 {
        PasswordFailure::Wrong(_) => "the password given is wrong",
        PasswordFailure::Required(_) => "give its password (the `password` form field)",
    })]
    Password(PasswordFailure),
    #[error("cannot tell the document's type: {0}")]
    DocumentType(#[source] LokError),
    #[error("a {document_type:?} document cannot be saved as {format}")]
    Format {
        format: String,
        document_type: DocumentType,
    },
    #[error("saving as {format} failed: {message}")]
    Save { format: String, message: String },
    #[error("LibreOffice reported success but wrote no {path}")]
    OutputMissing { path: PathBuf },
    #[error(transparent)]
    Lok(LokError),
}

/// Load options for a conversion: `Batch=true` makes LibreOffice run without any interaction
/// (no repair or password prompts waiting for an answer that never comes).
const CONVERT_LOAD_OPTIONS: &str = "Batch=true";

/// The family of a loaded document, for the format table; `None` for what LibreOffice loaded
/// as something else (a chart, a formula), which is exported to nothing.
pub fn family_of(document_type: DocumentType) -> Option<Family> {
    match document_type {
        DocumentType::Text => Some(Family::Text),
        DocumentType::Spreadsheet => Some(Family::Spreadsheet),
        DocumentType::Presentation => Some(Family::Presentation),
        DocumentType::Drawing => Some(Family::Drawing),
        DocumentType::Other(_) => None,
    }
}

/// The targets a document of `document_type` can be saved as.
pub fn formats_for(document_type: DocumentType) -> &'static [&'static str] {
    family_of(document_type).map_or(&[], formats::export_targets)
}

/// Converts `req.input` into `req.output_dir/<stem>.<format>` and returns that path.
pub fn convert(office: &Office, req: &ConvertRequest) -> Result<PathBuf, ConvertError> {
    let format = req.format.to_ascii_lowercase();
    if !formats::is_export_target(&format) {
        return Err(ConvertError::UnsupportedFormat {
            format: req.format.to_string(),
        });
    }
    let filter_options = save_filter_options(&format, req.filter_options, req.pdf_version)?;
    let output = output_path(req.input, req.output_dir, &format)?;

    // A conversion only reads: a document protected against modification opens read-only.
    password::enable_password_requests(office, 0).map_err(ConvertError::Lok)?;
    let document = password::load_with_password(
        office,
        req.input,
        CONVERT_LOAD_OPTIONS,
        req.password,
        ReadOnly::Accept,
    )
    .map_err(|error| match error {
        LoadError::Password(failure) => ConvertError::Password(failure),
        LoadError::Lok(LokError::LoadFailed { message }) => ConvertError::Load { message },
        LoadError::Lok(other) => ConvertError::Lok(other),
    })?;
    let document_type = document
        .document_type()
        .map_err(ConvertError::DocumentType)?;
    if !formats_for(document_type).contains(&format.as_str()) {
        return Err(ConvertError::Format {
            format,
            document_type,
        });
    }

    document
        .save_as(&output, &format, filter_options.as_deref())
        .map_err(|error| match error {
            LokError::SaveFailed { .. } => ConvertError::Save {
                format: format.clone(),
                message: office
                    .last_error()
                    .unwrap_or_else(|| "saveAs returned 0".to_string()),
            },
            other => ConvertError::Lok(other),
        })?;
    drop(document);

    match std::fs::metadata(&output) {
        Ok(meta) if meta.is_file() && meta.len() > 0 => Ok(output),
        _ => Err(ConvertError::OutputMissing { path: output }),
    }
}

/// Filter options for text formats when the caller gives none: UTF-8 whatever the kit's locale.
/// Without them LibreOffice writes text in the process's locale encoding, which in a kit (no
/// locale set) is Latin-1, so every character outside it came out as `?`.
/// - txt: Writer's text filter, charset `UTF8` (LibreOffice then starts the file with a BOM);
/// - csv: Calc's CSV filter, `44,34,76`: comma separator, `"` text delimiter, charset 76 (UTF-8).
pub fn default_filter_options(format: &str) -> Option<&'static str> {
    match format {
        "txt" => Some("UTF8"),
        "csv" => Some("44,34,76"),
        _ => None,
    }
}

/// The filter options for `saveAs`: the caller's (else the UTF-8 defaults of text formats),
/// plus Collabora's `PDFVer` marker for PDF.
fn save_filter_options(
    format: &str,
    filter_options: Option<&str>,
    pdf_version: Option<&str>,
) -> Result<Option<String>, ConvertError> {
    let pdf_version = match pdf_version.filter(|v| !v.is_empty()) {
        Some(version) => Some(formats::canonical_pdf_version(version).ok_or_else(|| {
            ConvertError::UnsupportedPdfVersion {
                version: version.to_string(),
            }
        })?),
        None => None,
    };
    let mut options = filter_options
        .filter(|o| !o.is_empty())
        .or_else(|| default_filter_options(format))
        .unwrap_or_default()
        .to_string();
    if let (Some(version), "pdf") = (pdf_version, format) {
        // LOK looks for ",PDFVer=" (with the comma) and cuts up to "PDFVEREND".
        options.push_str(&format!(",PDFVer={version}PDFVEREND"));
    }
    Ok((!options.is_empty()).then_some(options))
}

/// `<output_dir>/<input stem>.<format>`.
fn output_path(input: &Path, output_dir: &Path, format: &str) -> Result<PathBuf, ConvertError> {
    let stem = input.file_stem().ok_or_else(|| ConvertError::InputName {
        path: input.to_path_buf(),
    })?;
    let mut name = stem.to_os_string();
    name.push(".");
    name.push(format);
    Ok(output_dir.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_document_type() {
        assert!(formats_for(DocumentType::Text).contains(&"txt"));
        assert!(!formats_for(DocumentType::Text).contains(&"csv"));
        assert!(formats_for(DocumentType::Spreadsheet).contains(&"csv"));
        assert!(!formats_for(DocumentType::Presentation).contains(&"docx"));
        assert!(formats_for(DocumentType::Other(7)).is_empty());
    }

    #[test]
    fn pdf_version_becomes_collabora_marker() {
        assert_eq!(
            save_filter_options("pdf", None, Some("pdf/a-2B")).unwrap(),
            Some(",PDFVer=PDF/A-2bPDFVEREND".to_string())
        );
        assert_eq!(
            save_filter_options("pdf", Some("{\"x\":1}"), Some("PDF-1.6")).unwrap(),
            Some("{\"x\":1},PDFVer=PDF-1.6PDFVEREND".to_string())
        );
        assert_eq!(
            save_filter_options("docx", None, Some("PDF-1.5")).unwrap(),
            None
        );
        assert_eq!(save_filter_options("pdf", None, Some("")).unwrap(), None);
        assert!(matches!(
            save_filter_options("pdf", None, Some("PDF/A-4")),
            Err(ConvertError::UnsupportedPdfVersion { .. })
        ));
    }

    #[test]
    fn text_formats_default_to_utf8() {
        assert_eq!(
            save_filter_options("txt", None, None).unwrap().as_deref(),
            Some("UTF8")
        );
        assert_eq!(
            save_filter_options("csv", Some(""), None)
                .unwrap()
                .as_deref(),
            Some("44,34,76")
        );
        assert_eq!(
            save_filter_options("csv", Some("59,34,76"), None)
                .unwrap()
                .as_deref(),
            Some("59,34,76")
        );
        assert_eq!(save_filter_options("odt", None, None).unwrap(), None);
    }

    #[test]
    fn output_is_named_after_input() {
        assert_eq!(
            output_path(Path::new("/in/a b.docx"), Path::new("/out"), "pdf").unwrap(),
            PathBuf::from("/out/a b.pdf")
        );
        assert!(output_path(Path::new("/"), Path::new("/out"), "pdf").is_err());
    }
}
