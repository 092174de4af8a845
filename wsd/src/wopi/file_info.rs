//! CheckFileInfo's answer: what the WOPI host tells us about the file and the user.
//!
//! Only the fields wsd acts on are typed; everything else the host sent is kept in `extra`
//! (for the web client: PostMessageOrigin, Hide*/Disable* options, ...). Hosts are lax with
//! types (numbers as strings, `null` for absent), so the typed fields accept both.

use serde::{Deserialize, Deserializer};

/// Largest CheckFileInfo body accepted: real ones are a few KiB.
pub const MAX_FILE_INFO_BYTES: u64 = 1024 * 1024;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct FileInfo {
    /// The file's name with its extension; required.
    pub base_file_name: String,
    /// Bytes; GetFile must not deliver more.
    #[serde(deserialize_with = "lax_u64")]
    pub size: Option<u64>,
    #[serde(deserialize_with = "lax_string")]
    pub owner_id: Option<String>,
    #[serde(deserialize_with = "lax_string")]
    pub user_id: Option<String>,
    #[serde(deserialize_with = "lax_string")]
    pub user_friendly_name: Option<String>,
    /// false: a view-only session.
    #[serde(deserialize_with = "lax_bool")]
    pub user_can_write: bool,
    #[serde(deserialize_with = "lax_bool")]
    pub user_can_not_write_relative: bool,
    #[serde(deserialize_with = "lax_bool")]
    pub supports_locks: bool,
    #[serde(deserialize_with = "lax_bool")]
    pub supports_update: bool,
    #[serde(deserialize_with = "lax_bool")]
    pub supports_rename: bool,
    #[serde(deserialize_with = "lax_bool")]
    pub user_can_rename: bool,
    /// ISO 8601, echoed back in `X-COOL-WOPI-Timestamp` to detect changes behind our back.
    #[serde(deserialize_with = "lax_string")]
    pub last_modified_time: Option<String>,
    #[serde(deserialize_with = "lax_string")]
    pub version: Option<String>,
    /// Where to GET the contents instead of `<WOPISrc>/contents`.
    #[serde(deserialize_with = "lax_string")]
    pub file_url: Option<String>,
    #[serde(deserialize_with = "lax_string")]
    pub post_message_origin: Option<String>,
    #[serde(deserialize_with = "lax_bool")]
    pub user_can_only_comment: bool,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl FileInfo {
    /// Parses and checks a CheckFileInfo body.
    pub fn from_json(body: &[u8]) -> Result<FileInfo, String> {
        let info: FileInfo = serde_json::from_slice(body).map_err(|e| e.to_string())?;
        if info.base_file_name.trim().is_empty() {
            return Err("BaseFileName is missing or empty".into());
        }
        if info.base_file_name.contains(['/', '\0']) {
            return Err("BaseFileName contains a path separator or NUL".into());
        }
        Ok(info)
    }
}

fn lax_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => None,
        serde_json::Value::String(text) => Some(text),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        other => {
            return Err(serde::de::Error::custom(format!(
                "expected a string, found {other}"
            )))
        }
    })
}

fn lax_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => None,
        serde_json::Value::Number(n) => Some(n.as_u64().ok_or_else(|| {
            serde::de::Error::custom(format!("expected a size in bytes, found {n}"))
        })?),
        serde_json::Value::String(text) => Some(text.trim().parse().map_err(|_| {
            serde::de::Error::custom(format!("expected a size in bytes, found {text:?}"))
        })?),
        other => {
            return Err(serde::de::Error::custom(format!(
                "expected a size in bytes, found {other}"
            )))
        }
    })
}

fn lax_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(false),
        serde_json::Value::Bool(b) => Ok(b),
        serde_json::Value::String(text) if text.eq_ignore_ascii_case("true") => Ok(true),
        serde_json::Value::String(text) if text.eq_ignore_ascii_case("false") => Ok(false),
        other => Err(serde::de::Error::custom(format!(
            "expected true or false, found {other}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typical_answer() {
        let info = FileInfo::from_json(
            br#"{"BaseFileName":"a.docx","Size":"1234","UserId":7,"UserFriendlyName":"Ann",
                "UserCanWrite":true,"SupportsLocks":"true","LastModifiedTime":"2024-01-02T03:04:05Z",
                "Version":12,"OwnerId":"o","PostMessageOrigin":"https://x","HideSaveOption":true,
                "FileUrl":null}"#,
        )
        .unwrap();
        assert_eq!(info.base_file_name, "a.docx");
        assert_eq!(info.size, Some(1234));
        assert_eq!(info.user_id.as_deref(), Some("7"));
        assert!(info.user_can_write && info.supports_locks);
        assert!(!info.user_can_not_write_relative);
        assert_eq!(info.version.as_deref(), Some("12"));
        assert_eq!(info.file_url, None);
        assert_eq!(info.extra["HideSaveOption"], serde_json::Value::Bool(true));
    }

    #[test]
    fn garbage_is_refused() {
        for body in [
            &b"<html>login</html>"[..],
            b"",
            b"[]",
            b"{}",
            br#"{"BaseFileName":""}"#,
            br#"{"BaseFileName":"../etc/passwd"}"#,
            br#"{"BaseFileName":"a.odt","Size":-1}"#,
            br#"{"BaseFileName":"a.odt","Size":"big"}"#,
            br#"{"BaseFileName":"a.odt","UserCanWrite":"yes"}"#,
            br#"{"BaseFileName":"a.odt""#,
        ] {
            assert!(
                FileInfo::from_json(body).is_err(),
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
