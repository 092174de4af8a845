//! A cheap check that a document is what its name claims, before LibreOffice sees it.
//!
//! LibreOffice falls back to importing unknown bytes as plain text, so random bytes named
//! `x.docx` "convert" into a PDF of gibberish. An integrator that sends a broken docx wants an
//! error instead: when the extension names a container format, the bytes must start with that
//! container's magic. Files without a known extension are left to LibreOffice's own detection.

/// ZIP local file header: OOXML and ODF packages.
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// OLE2 compound file: the legacy binary Office formats.
const OLE2_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

const ZIP_EXTENSIONS: &[&str] = &[
    "docx", "docm", "dotx", "xlsx", "xlsm", "xltx", "pptx", "pptm", "potx", "ppsx", "odt", "ott",
    "ods", "ots", "odp", "otp", "odg", "otg", "epub",
];
const OLE2_EXTENSIONS: &[&str] = &["doc", "dot", "xls", "xlt", "ppt", "pot", "pps"];

/// `Err(reason)` when the name's extension promises a container the bytes are not.
pub fn check_container(file_name: &str, bytes: &[u8]) -> Result<(), String> {
    let Some((_, extension)) = file_name.rsplit_once('.') else {
        return Ok(());
    };
    let extension = extension.to_ascii_lowercase();
    let (magic, kind) = if ZIP_EXTENSIONS.contains(&extension.as_str()) {
        (ZIP_MAGIC, "zip package")
    } else if OLE2_EXTENSIONS.contains(&extension.as_str()) {
        (OLE2_MAGIC, "OLE2 compound file")
    } else {
        return Ok(());
    };
    if bytes.starts_with(magic) {
        Ok(())
    } else {
        Err(format!(
            "the file is not a valid .{extension} document (it is not a {kind})"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::check_container;

    #[test]
    fn containers_must_match_their_names() {
        assert!(check_container("a.docx", b"PK\x03\x04rest").is_ok());
        assert!(check_container("a.DOCX", b"garbage").is_err());
        assert!(check_container("a.xls", b"PK\x03\x04").is_err());
        assert!(check_container(
            "a.xls",
            &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]
        )
        .is_ok());
        assert!(check_container("notes.txt", b"anything").is_ok());
        assert!(check_container("no-extension", b"anything").is_ok());
    }
}
