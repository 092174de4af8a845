//! The target formats `/cool/convert-to` accepts, and what the answer's `Content-Type` is.
//!
//! wsd checks the format before it spends a kit on the request; the kit checks again against the
//! filters LibreOffice really has (a format LibreOffice cannot write for a given document, like
//! `xlsx` from a text document, is the kit's `error kind=format`). The names are the file
//! extensions Collabora Online's convert-to accepts.

/// (extension, media type), sorted by extension. The extensions are the union of what the kit
/// accepts per document type (kit/src/convert.rs, from LibreOffice 7.4's saveAs extension maps);
/// keep the two in step.
const TARGET_FORMATS: &[(&str, &str)] = &[
    ("csv", "text/csv"),
    ("doc", "application/msword"),
    ("docm", "application/vnd.ms-word.document.macroEnabled.12"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("epub", "application/epub+zip"),
    (
        "fodg",
        "application/vnd.oasis.opendocument.graphics-flat-xml",
    ),
    (
        "fodp",
        "application/vnd.oasis.opendocument.presentation-flat-xml",
    ),
    (
        "fods",
        "application/vnd.oasis.opendocument.spreadsheet-flat-xml",
    ),
    ("fodt", "application/vnd.oasis.opendocument.text-flat-xml"),
    ("html", "text/html"),
    ("odg", "application/vnd.oasis.opendocument.graphics"),
    ("odp", "application/vnd.oasis.opendocument.presentation"),
    ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    ("odt", "application/vnd.oasis.opendocument.text"),
    (
        "otp",
        "application/vnd.oasis.opendocument.presentation-template",
    ),
    (
        "ots",
        "application/vnd.oasis.opendocument.spreadsheet-template",
    ),
    ("ott", "application/vnd.oasis.opendocument.text-template"),
    ("pdf", "application/pdf"),
    ("png", "image/png"),
    ("pot", "application/vnd.ms-powerpoint"),
    (
        "potm",
        "application/vnd.ms-powerpoint.template.macroEnabled.12",
    ),
    ("pps", "application/vnd.ms-powerpoint"),
    ("ppt", "application/vnd.ms-powerpoint"),
    (
        "pptm",
        "application/vnd.ms-powerpoint.presentation.macroEnabled.12",
    ),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ("rtf", "application/rtf"),
    ("svg", "image/svg+xml"),
    ("txt", "text/plain; charset=utf-8"),
    ("xhtml", "application/xhtml+xml"),
    ("xls", "application/vnd.ms-excel"),
    ("xlsm", "application/vnd.ms-excel.sheet.macroEnabled.12"),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    (
        "xltx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.template",
    ),
];

/// The `PDFVer` values the kit passes to LibreOffice 7.4 (Collabora's names for its
/// `SelectPdfVersion`); matched without regard to case.
const PDF_VERSIONS: &[&str] = &["PDF/A-1b", "PDF/A-2b", "PDF/A-3b", "PDF-1.5", "PDF-1.6"];

/// A format name as the client wrote it; case does not matter (`PDF` is `pdf`).
pub fn normalize(format: &str) -> String {
    format.trim().to_ascii_lowercase()
}

/// The media type of a known target format, `None` for an unknown one.
pub fn content_type(format: &str) -> Option<&'static str> {
    TARGET_FORMATS
        .binary_search_by(|(ext, _)| ext.cmp(&format))
        .ok()
        .map(|index| TARGET_FORMATS[index].1)
}

/// The canonical spelling of a `PDFVer` value, `None` for an unknown one.
pub fn canonical_pdf_version(version: &str) -> Option<&'static str> {
    PDF_VERSIONS
        .iter()
        .copied()
        .find(|known| known.eq_ignore_ascii_case(version.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_so_lookup_works() {
        assert!(TARGET_FORMATS.windows(2).all(|w| w[0].0 < w[1].0));
        for (ext, media_type) in TARGET_FORMATS {
            assert_eq!(content_type(ext), Some(*media_type));
        }
    }

    #[test]
    fn known_and_unknown_formats() {
        assert_eq!(content_type(&normalize(" PDF ")), Some("application/pdf"));
        assert_eq!(content_type("xyz"), None);
        assert_eq!(content_type(""), None);
        assert_eq!(content_type("../pdf"), None);
    }

    #[test]
    fn pdf_versions() {
        assert_eq!(canonical_pdf_version("pdf/a-2B"), Some("PDF/A-2b"));
        assert_eq!(canonical_pdf_version("PDF/A-9"), None);
    }
}
