//! Filesystem paths to the `file://` URLs LibreOffice expects.
//!
//! LibreOffice parses what we hand it as a URL, so a path with a space, `%` or `#` must be
//! percent-encoded, or `#` would start a fragment and `%41` would become `A`. We encode every
//! byte outside the RFC 3986 unreserved set and `/`; non-ASCII bytes (UTF-8 names) are encoded
//! byte by byte, which is what LibreOffice decodes back.

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

use super::LokError;

/// Bytes left as they are in a path segment: RFC 3986 unreserved characters and the separator.
const PATH_KEEP: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// `file://` URL of `path`. A relative path is resolved against the current directory (without
/// touching the filesystem), because a relative URL means nothing to LibreOffice.
pub fn file_url(path: &Path) -> Result<String, LokError> {
    let absolute: PathBuf = std::path::absolute(path).map_err(|source| LokError::PathToUrl {
        path: path.to_path_buf(),
        source,
    })?;
    let bytes = absolute.as_os_str().as_bytes();
    if bytes.contains(&0) {
        return Err(LokError::NulInString);
    }
    Ok(format!(
        "file://{}",
        percent_encoding::percent_encode(bytes, PATH_KEEP)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_path_is_unchanged() {
        assert_eq!(
            file_url(Path::new("/tmp/doc-1_a.odt")).unwrap(),
            "file:///tmp/doc-1_a.odt"
        );
    }

    #[test]
    fn special_characters_are_encoded() {
        assert_eq!(
            file_url(Path::new("/tmp/a b%41#c?d.odt")).unwrap(),
            "file:///tmp/a%20b%2541%23c%3Fd.odt"
        );
    }

    #[test]
    fn unicode_is_encoded_as_utf8_bytes() {
        assert_eq!(
            file_url(Path::new("/tmp/é€.docx")).unwrap(),
            "file:///tmp/%C3%A9%E2%82%AC.docx"
        );
    }

    #[test]
    fn relative_paths_become_absolute() {
        let url = file_url(Path::new("x.odt")).unwrap();
        assert!(url.starts_with("file:///"), "{url}");
        assert!(url.ends_with("/x.odt"), "{url}");
    }

    #[test]
    fn nul_is_rejected() {
        use std::ffi::OsStr;
        let path = Path::new(OsStr::from_bytes(b"/tmp/a\0b"));
        assert!(matches!(file_url(path), Err(LokError::NulInString)));
    }
}
