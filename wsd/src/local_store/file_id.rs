//! File ids: the URL-safe base64 of the file's name in the store's root directory.
//!
//! Stable across restarts (links and tokens stay valid), no table to keep, and opaque enough
//! that nobody types paths into URLs. The store is flat: a name never contains a '/', so no id
//! can leave the root; hidden names are refused so temporary files and dot-files stay private.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// Longer names are refused by most file systems anyway (NAME_MAX).
const MAX_NAME_BYTES: usize = 255;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FileIdError {
    #[error("the file id is not URL-safe base64")]
    NotBase64,
    #[error("the file id does not name UTF-8 text")]
    NotUtf8,
    #[error("the file name is empty or longer than {MAX_NAME_BYTES} bytes")]
    BadLength,
    #[error("the file name contains a path separator or a control character")]
    ForbiddenCharacter,
    #[error("the file name is hidden or a directory reference")]
    Hidden,
}

pub fn encode(name: &str) -> String {
    URL_SAFE_NO_PAD.encode(name.as_bytes())
}

/// The file name an id stands for, after the same checks as [`check_name`].
pub fn decode(id: &str) -> Result<String, FileIdError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(id)
        .map_err(|_| FileIdError::NotBase64)?;
    let name = String::from_utf8(bytes).map_err(|_| FileIdError::NotUtf8)?;
    check_name(&name)?;
    Ok(name)
}

/// A name the store may serve or create: one component, not hidden, no control characters.
pub fn check_name(name: &str) -> Result<(), FileIdError> {
    if name.is_empty() || name.len() > MAX_NAME_BYTES {
        return Err(FileIdError::BadLength);
    }
    if name
        .chars()
        .any(|c| c == '/' || c == '\\' || c.is_control())
    {
        return Err(FileIdError::ForbiddenCharacter);
    }
    // Covers "." and ".." too.
    if name.starts_with('.') {
        return Err(FileIdError::Hidden);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_names() {
        for name in ["simple.docx", "Übersicht 2024.xlsx", "a?b&c=d#e.odt"] {
            let id = encode(name);
            assert!(id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            assert_eq!(decode(&id).unwrap(), name);
        }
    }

    #[test]
    fn refuses_escapes() {
        for (name, error) in [
            ("..", FileIdError::Hidden),
            (".", FileIdError::Hidden),
            (".bashrc", FileIdError::Hidden),
            ("../etc/passwd", FileIdError::ForbiddenCharacter),
            ("/etc/passwd", FileIdError::ForbiddenCharacter),
            ("sub/file.odt", FileIdError::ForbiddenCharacter),
            ("a\\b", FileIdError::ForbiddenCharacter),
            ("nul\0byte", FileIdError::ForbiddenCharacter),
            ("", FileIdError::BadLength),
        ] {
            assert_eq!(decode(&encode(name)), Err(error), "{name:?}");
        }
        assert_eq!(decode("%2e%2e"), Err(FileIdError::NotBase64));
        assert_eq!(decode("..%2F"), Err(FileIdError::NotBase64));
        assert_eq!(
            decode(&URL_SAFE_NO_PAD.encode([0xff, 0xfe])),
            Err(FileIdError::NotUtf8)
        );
        assert_eq!(
            decode(&encode(&"x".repeat(256))),
            Err(FileIdError::BadLength)
        );
    }
}
