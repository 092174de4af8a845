//! What a WOPI host answers to PutFile and PutRelativeFile, read without trusting it: the bodies
//! are JSON that hosts often leave empty, get wrong or fill with more than asked. Kept apart from
//! the HTTP calls (calls.rs) so that the fuzz target `wopi_replies` reads exactly this code.

use serde::Deserialize;
use url::Url;

use super::calls::{NewFile, PutResult};
use super::src::WopiSrc;
use super::token::AccessToken;

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
