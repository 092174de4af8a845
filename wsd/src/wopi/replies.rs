//! What a WOPI host answers to PutFile and PutRelativeFile, read without trusting it: the bodies
//! are JSON that hosts often leave empty, get wrong or fill with more than asked. Kept apart from
//! the HTTP calls (calls.rs) so that the fuzz target `wopi_replies` reads exactly this code.

use serde::Deserialize;
use url::Url;

use super::src::WopiSrc;
use super::token::AccessToken;

/// Collabora's status code in a 409's JSON body: the file changed in storage since we loaded
/// it (our `X-COOL-WOPI-Timestamp` is stale).
pub const COOL_STATUS_DOC_CHANGED: u32 = 1010;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutResult {
    /// Stored; the new `LastModifiedTime` when the host said it.
    Ok { last_modified: Option<String> },
    /// 409: the document changed in storage (`cool_status_code` 1010) or the lock differs
    /// (`current_lock` is the host's). The user chooses: overwrite (PutFile without timestamp)
    /// or reload.
    Conflict {
        cool_status_code: Option<u32>,
        current_lock: Option<String>,
        reason: Option<String>,
    },
    /// 401/403: the token expired or lost its rights.
    Unauthorized { status: u16 },
    /// 413: the host refuses a file this large.
    TooLarge,
}

impl PutResult {
    pub fn is_document_changed(&self) -> bool {
        matches!(
            self,
            PutResult::Conflict {
                cool_status_code: Some(COOL_STATUS_DOC_CHANGED),
                ..
            }
        )
    }
}

/// The file a PutRelativeFile created.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFile {
    pub name: String,
    /// Its WOPISrc (the token taken out of the URL).
    pub src: WopiSrc,
    /// The token that came in the new file's URL, if any.
    pub token: Option<AccessToken>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutReply {
    #[serde(default)]
    last_modified_time: Option<String>,
}

#[derive(Deserialize)]
struct ConflictReply {
    #[serde(rename = "COOLStatusCode", alias = "LOOLStatusCode", default)]
    cool_status_code: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutRelativeReply {
    #[serde(default)]
    name: String,
    url: String,
}

/// A 2xx answer to PutFile. Hosts may answer with an empty or foreign body; the new timestamp is
/// then unknown, and the file is stored all the same.
pub fn put_file_stored(body: &[u8]) -> PutResult {
    let last_modified = serde_json::from_slice::<PutReply>(body)
        .ok()
        .and_then(|reply| reply.last_modified_time);
    PutResult::Ok { last_modified }
}

/// A 409 answer to PutFile: the lock and reason headers as echoed (already bounded) and the
/// body, whose `COOLStatusCode` 1010 says the document changed in storage.
pub fn put_file_conflict(
    current_lock: Option<String>,
    reason: Option<String>,
    body: &[u8],
) -> PutResult {
    let cool_status_code = serde_json::from_slice::<ConflictReply>(body)
        .ok()
        .and_then(|reply| reply.cool_status_code);
    PutResult::Conflict {
        cool_status_code,
        current_lock,
        reason,
    }
}

/// A 2xx answer to PutRelativeFile: the new file's name and URL. The URL becomes a WOPISrc (the
/// same checks as a browser's), and the access token in it is taken out of it.
pub fn put_relative_file_created(body: &[u8]) -> Result<NewFile, String> {
    let reply: PutRelativeReply = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let token = Url::parse(&reply.url).ok().and_then(|url| {
        url.query_pairs()
            .find(|(name, _)| name.eq_ignore_ascii_case("access_token"))
            .map(|(_, value)| AccessToken::new(value.into_owned()))
    });
    let src = WopiSrc::parse(&reply.url).map_err(|e| format!("Url: {e}"))?;
    Ok(NewFile {
        name: reply.name,
        src,
        token,
    })
}
