//! Every document format oxool knows, in one table: extension, media type, family, container
//! magic, whether discovery offers it for editing or viewing, and what each family can be
//! exported to. wsd (discovery, convert-to's check and `Content-Type`) and the kit (the
//! container check before LibreOffice sees a file, the export check after loading) read it
//! from here, so they cannot disagree.
//!
//! The media types are Collabora Online's discovery app names; the export targets are the
//! extensions LibreOffice 7.4's LOK `saveAs` maps to an export filter per document type
//! (`aWriterExtensionMap` & co. in desktop/source/lib/init.cxx).

/// The kind of document, as LibreOffice opens it (and discovery's icon for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Text,
    Spreadsheet,
    Presentation,
    Drawing,
}

/// What discovery offers for a format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opens {
    /// Opened for editing and saved back in the same format.
    Edit(Family),
    /// Opened read-only: LibreOffice reads the format but cannot write it back.
    View(Family),
    /// Not offered by discovery: only a convert-to target.
    ExportOnly,
}

/// The container a file of this format must be, checked before LibreOffice sees it: LibreOffice
/// imports unknown bytes as plain text, so random bytes named `x.docx` would "convert".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// A zip package: OOXML, ODF, EPUB.
    Zip,
    /// An OLE2 compound file: the legacy binary Office formats.
    Ole2,
}

impl Container {
    /// The bytes a file of this container starts with.
    pub fn magic(self) -> &'static [u8] {
        match self {
            Container::Zip => b"PK\x03\x04",
            Container::Ole2 => &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1],
        }
    }

    /// How an error message names it.
    pub fn name(self) -> &'static str {
        match self {
            Container::Zip => "zip package",
            Container::Ole2 => "OLE2 compound file",
        }
    }
}

/// One media type and its extensions.
#[derive(Debug)]
pub struct FileType {
    pub mime: &'static str,
    pub opens: Opens,
    pub container: Option<Container>,
    pub extensions: &'static [&'static str],
}

const fn file_type(
    mime: &'static str,
    opens: Opens,
    container: Option<Container>,
    extensions: &'static [&'static str],
) -> FileType {
    FileType {
        mime,
        opens,
        container,
        extensions,
    }
}

use Container::{Ole2, Zip};
use Family::{Drawing, Presentation, Spreadsheet, Text};
use Opens::{Edit, ExportOnly, View};

const ZIP: Option<Container> = Some(Zip);
const OLE2: Option<Container> = Some(Ole2);

/// Every format, in discovery's order. Where one extension has several media types (rtf), the
/// first is the one convert-to answers with.
pub const FILE_TYPES: &[FileType] = &[
    // Writer
    file_type(
        "application/vnd.oasis.opendocument.text",
        Edit(Text),
        ZIP,
        &["odt"],
    ),
    file_type(
        "application/vnd.oasis.opendocument.text-template",
        Edit(Text),
        ZIP,
        &["ott"],
    ),
    file_type(
        "application/vnd.oasis.opendocument.text-flat-xml",
        Edit(Text),
        None,
        &["fodt"],
    ),
    file_type(
        "application/vnd.oasis.opendocument.text-master",
        View(Text),
        ZIP,
        &["odm"],
    ),
    file_type(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Edit(Text),
        ZIP,
        &["docx"],
    ),
    file_type(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.template",
        Edit(Text),
        ZIP,
        &["dotx"],
    ),
    file_type(
        "application/vnd.ms-word.document.macroEnabled.12",
        Edit(Text),
        ZIP,
        &["docm"],
    ),
    file_type(
        "application/vnd.ms-word.template.macroEnabled.12",
        Edit(Text),
        ZIP,
        &["dotm"],
    ),
    file_type("application/msword", Edit(Text), OLE2, &["doc", "dot"]),
    file_type("application/rtf", Edit(Text), None, &["rtf"]),
    file_type("text/rtf", Edit(Text), None, &["rtf"]),
    file_type("text/plain", Edit(Text), None, &["txt"]),
    file_type("application/vnd.sun.xml.writer", View(Text), None, &["sxw"]),
    file_type(
        "application/vnd.sun.xml.writer.template",
        View(Text),
        None,
        &["stw"],
    ),
    file_type("application/vnd.wordperfect", View(Text), None, &["wpd"]),
    file_type("application/x-abiword", View(Text), None, &["abw"]),
    file_type("application/vnd.ms-works", View(Text), None, &["wps"]),
    file_type("application/x-hwp", View(Text), None, &["hwp"]),
    file_type("application/vnd.apple.pages", View(Text), None, &["pages"]),
    file_type("application/x-fictionbook+xml", View(Text), None, &["fb2"]),
    // Calc
    file_type(
        "application/vnd.oasis.opendocument.spreadsheet",
        Edit(Spreadsheet),
        ZIP,
        &["ods"],
    ),
    file_type(
        "application/vnd.oasis.opendocument.spreadsheet-template",
        Edit(Spreadsheet),
        ZIP,
        &["ots"],
    ),
    file_type(
        "application/vnd.oasis.opendocument.spreadsheet-flat-xml",
        Edit(Spreadsheet),
        None,
        &["fods"],
    ),
    file_type(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Edit(Spreadsheet),
        ZIP,
        &["xlsx"],
    ),
    file_type(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.template",
        Edit(Spreadsheet),
        ZIP,
        &["xltx"],
    ),
    file_type(
        "application/vnd.ms-excel.sheet.macroEnabled.12",
        Edit(Spreadsheet),
        ZIP,
        &["xlsm"],
    ),
    file_type(
        "application/vnd.ms-excel.sheet.binary.macroEnabled.12",
        Edit(Spreadsheet),
        ZIP,
        &["xlsb"],
    ),
    file_type(
        "application/vnd.ms-excel",
        Edit(Spreadsheet),
        OLE2,
        &["xls", "xlt"],
    ),
    file_type("text/csv", Edit(Spreadsheet), None, &["csv"]),
    file_type(
        "text/tab-separated-values",
        Edit(Spreadsheet),
        None,
        &["tsv"],
    ),
    file_type(
        "application/vnd.sun.xml.calc",
        View(Spreadsheet),
        None,
        &["sxc"],
    ),
    file_type(
        "application/vnd.sun.xml.calc.template",
        View(Spreadsheet),
        None,
        &["stc"],
    ),
    file_type(
        "application/vnd.lotus-1-2-3",
        View(Spreadsheet),
        None,
        &["wk1", "wks", "123"],
    ),
    file_type(
        "application/vnd.apple.numbers",
        View(Spreadsheet),
        None,
        &["numbers"],
    ),
    // Impress
    file_type(
        "application/vnd.oasis.opendocument.presentation",
        Edit(Presentation),
        ZIP,
        &["odp"],
    ),
    file_type(
        "application/vnd.oasis.opendocument.presentation-template",
        Edit(Presentation),
        ZIP,
        &["otp"],
    ),
    file_type(
        "application/vnd.oasis.opendocument.presentation-flat-xml",
        Edit(Presentation),
        None,
        &["fodp"],
    ),
    file_type(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        Edit(Presentation),
        ZIP,
        &["pptx"],
    ),
    file_type(
        "application/vnd.openxmlformats-officedocument.presentationml.slideshow",
        Edit(Presentation),
        ZIP,
        &["ppsx"],
    ),
    file_type(
        "application/vnd.openxmlformats-officedocument.presentationml.template",
        Edit(Presentation),
        ZIP,
        &["potx"],
    ),
    file_type(
        "application/vnd.ms-powerpoint.presentation.macroEnabled.12",
        Edit(Presentation),
        ZIP,
        &["pptm"],
    ),
    file_type(
        "application/vnd.ms-powerpoint",
        Edit(Presentation),
        OLE2,
        &["ppt", "pps", "pot"],
    ),
    file_type(
        "application/vnd.sun.xml.impress",
        View(Presentation),
        None,
        &["sxi"],
    ),
    file_type(
        "application/vnd.sun.xml.impress.template",
        View(Presentation),
        None,
        &["sti"],
    ),
    file_type(
        "application/vnd.apple.keynote",
        View(Presentation),
        None,
        &["key"],
    ),
    // Draw
    file_type(
        "application/vnd.oasis.opendocument.graphics",
        Edit(Drawing),
        ZIP,
        &["odg"],
    ),
    file_type(
        "application/vnd.oasis.opendocument.graphics-template",
        Edit(Drawing),
        ZIP,
        &["otg"],
    ),
    file_type(
        "application/vnd.oasis.opendocument.graphics-flat-xml",
        Edit(Drawing),
        None,
        &["fodg"],
    ),
    file_type(
        "application/vnd.visio",
        View(Drawing),
        None,
        &["vsd", "vst", "vss"],
    ),
    file_type(
        "application/vnd.ms-visio.drawing",
        View(Drawing),
        None,
        &["vsdx"],
    ),
    file_type(
        "application/vnd.sun.xml.draw",
        View(Drawing),
        None,
        &["sxd"],
    ),
    file_type("application/vnd.corel-draw", View(Drawing), None, &["cdr"]),
    file_type("application/x-wpg", View(Drawing), None, &["wpg"]),
    file_type("image/svg+xml", View(Drawing), None, &["svg"]),
    file_type("application/pdf", View(Drawing), None, &["pdf"]),
    // Export targets that are not opened
    file_type(
        "application/vnd.ms-powerpoint.template.macroEnabled.12",
        ExportOnly,
        ZIP,
        &["potm"],
    ),
    file_type("application/epub+zip", ExportOnly, ZIP, &["epub"]),
    file_type("text/html", ExportOnly, None, &["html"]),
    file_type("application/xhtml+xml", ExportOnly, None, &["xhtml"]),
    file_type("image/png", ExportOnly, None, &["png"]),
];

/// What LOK's `saveAs` exports each family to.
const TEXT_TARGETS: &[&str] = &[
    "doc", "docm", "docx", "fodt", "html", "odt", "ott", "pdf", "epub", "rtf", "txt", "xhtml",
    "png",
];
const SPREADSHEET_TARGETS: &[&str] = &[
    "csv", "fods", "html", "ods", "ots", "pdf", "xhtml", "xls", "xltx", "xlsx", "xlsm", "png",
];
const PRESENTATION_TARGETS: &[&str] = &[
    "fodp", "html", "odg", "odp", "otp", "pdf", "potm", "pot", "pptm", "pptx", "pps", "ppt", "svg",
    "xhtml", "png",
];
const DRAWING_TARGETS: &[&str] = &["fodg", "html", "odg", "pdf", "svg", "xhtml", "png"];

const ALL_FAMILIES: [Family; 4] = [Text, Spreadsheet, Presentation, Drawing];

/// The extensions a document of `family` can be exported to.
pub fn export_targets(family: Family) -> &'static [&'static str] {
    match family {
        Text => TEXT_TARGETS,
        Spreadsheet => SPREADSHEET_TARGETS,
        Presentation => PRESENTATION_TARGETS,
        Drawing => DRAWING_TARGETS,
    }
}

/// A format name as a client wrote it; case and surrounding space do not matter.
pub fn normalize(format: &str) -> String {
    format.trim().to_ascii_lowercase()
}

/// Whether `target` (normalised) is an export target of some family: convert-to checks this
/// before it spends a kit on the request.
pub fn is_export_target(target: &str) -> bool {
    ALL_FAMILIES
        .iter()
        .any(|family| export_targets(*family).contains(&target))
}

fn file_type_of(extension: &str) -> Option<&'static FileType> {
    FILE_TYPES
        .iter()
        .find(|file_type| file_type.extensions.contains(&extension))
}

/// The `Content-Type` of a convert-to answer in `target` format; `None` when it is not an
/// export target. Text comes out as UTF-8 (the kit asks LibreOffice for it).
pub fn content_type(target: &str) -> Option<&'static str> {
    if !is_export_target(target) {
        return None;
    }
    let mime = file_type_of(target)?.mime;
    Some(if mime == "text/plain" {
        "text/plain; charset=utf-8"
    } else {
        mime
    })
}

/// The container a file named with `extension` (lowercase, no dot) must be.
pub fn container_of(extension: &str) -> Option<Container> {
    file_type_of(extension).and_then(|file_type| file_type.container)
}

/// The `PDFVer` values convert-to accepts (Collabora's names for LibreOffice 7.4's
/// `SelectPdfVersion`: PDF/A-1b → 1, PDF/A-2b → 2, PDF/A-3b → 3, PDF-1.5 → 15, PDF-1.6 → 16).
pub const PDF_VERSIONS: &[&str] = &["PDF/A-1b", "PDF/A-2b", "PDF/A-3b", "PDF-1.5", "PDF-1.6"];

/// The canonical spelling of a `PDFVer` value (matched without regard to case or surrounding
/// space), `None` for an unknown one.
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
    fn every_media_type_and_extension_once() {
        let mut seen = std::collections::HashSet::new();
        for file_type in FILE_TYPES {
            for ext in file_type.extensions {
                assert!(
                    seen.insert((file_type.mime, *ext)),
                    "{} {ext} twice",
                    file_type.mime
                );
                assert_eq!(*ext, ext.to_ascii_lowercase());
            }
        }
    }

    #[test]
    fn every_export_target_has_a_media_type() {
        for family in ALL_FAMILIES {
            for target in export_targets(family) {
                assert!(content_type(target).is_some(), "{family:?} → {target}");
            }
        }
    }

    #[test]
    fn content_types_of_targets() {
        assert_eq!(content_type(&normalize(" PDF ")), Some("application/pdf"));
        assert_eq!(content_type("txt"), Some("text/plain; charset=utf-8"));
        assert_eq!(content_type("rtf"), Some("application/rtf"));
        assert_eq!(content_type("csv"), Some("text/csv"));
        // Opened, but not an export target of LOK's saveAs.
        assert_eq!(content_type("vsd"), None);
        assert_eq!(content_type("xyz"), None);
        assert_eq!(content_type(""), None);
        assert_eq!(content_type("../pdf"), None);
    }

    #[test]
    fn export_targets_are_checked_as_written() {
        for target in [
            "pdf", "odt", "docx", "doc", "rtf", "txt", "html", "ods", "xlsx", "xls", "csv", "odp",
            "pptx", "ppt", "odg", "png", "svg", "epub",
        ] {
            assert!(is_export_target(target), "{target}");
        }
        // Callers normalise first; the raw spellings are not targets.
        for target in ["", "exe", "PDF", "pdf ", "../pdf", "docx\0", "xml", "vsd"] {
            assert!(!is_export_target(target), "{target:?}");
        }
        assert!(is_export_target(&normalize(" PDF ")));
    }

    #[test]
    fn containers() {
        for ext in [
            "docx", "xlsx", "pptx", "odt", "ods", "odp", "epub", "dotx", "otg",
        ] {
            assert_eq!(container_of(ext), Some(Zip), "{ext}");
        }
        for ext in ["doc", "dot", "xls", "xlt", "ppt", "pot", "pps"] {
            assert_eq!(container_of(ext), Some(Ole2), "{ext}");
        }
        for ext in ["txt", "csv", "rtf", "fodt", "pdf", "unknown"] {
            assert_eq!(container_of(ext), None, "{ext}");
        }
    }

    #[test]
    fn pdf_versions() {
        assert_eq!(canonical_pdf_version("pdf/a-2B"), Some("PDF/A-2b"));
        assert_eq!(canonical_pdf_version(" PDF-1.6 "), Some("PDF-1.6"));
        assert_eq!(canonical_pdf_version("PDF/A-9"), None);
    }
}
