//! The WOPI operations wsd uses, on top of client.rs's plumbing.

use reqwest::Method;
use url::Url;

use super::client::{echoed_header, header, read_capped, status_error, WopiClient};
use super::error::{WopiCall, WopiError};
use super::file_info::{FileInfo, MAX_FILE_INFO_BYTES};
use super::replies::{self, NewFile, PutResult};
use super::src::WopiSrc;
use super::token::AccessToken;
use crate::utf7;

/// Largest JSON answer of PutFile / PutRelativeFile we read.
const MAX_REPLY_BYTES: u64 = 64 * 1024;

/// Why a PutFile is made, told to the host (Collabora's `X-COOL-WOPI-Is*` headers).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PutFlags {
    pub is_modified_by_user: bool,
    pub is_autosave: bool,
    pub is_exit_save: bool,
}

impl WopiClient {
    /// CheckFileInfo: `GET <WOPISrc>`.
    pub async fn check_file_info(
        &self,
        src: &WopiSrc,
        token: &AccessToken,
    ) -> Result<FileInfo, WopiError> {
        let call = WopiCall::CheckFileInfo;
        let url = self.endpoint(src, "", token)?;
        self.retrying(call, || async {
            let response = self
                .request(Method::GET, &url, token)?
                .timeout(self.timeout)
                .send()
                .await
                .map_err(|e| WopiError::transport(call, e))?;
            if !response.status().is_success() {
                return Err(status_error(call, response.status()));
            }
            let body = read_capped(call, response, MAX_FILE_INFO_BYTES, |_| {
                WopiError::FileInfoTooLarge {
                    limit: MAX_FILE_INFO_BYTES,
                }
            })
            .await?;
            FileInfo::from_json(&body).map_err(|reason| WopiError::BadFileInfo { reason })
        })
        .await
    }

    /// GetFile: `GET <WOPISrc>/contents`, at most `limit` bytes and at most `expected_size`
    /// (CheckFileInfo's `Size`) when known.
    pub async fn get_file(
        &self,
        src: &WopiSrc,
        token: &AccessToken,
        expected_size: Option<u64>,
        limit: u64,
    ) -> Result<Vec<u8>, WopiError> {
        let url = self.endpoint(src, "/contents", token)?;
        self.get_contents(&url, token, expected_size, limit).await
    }

    /// GetFile from CheckFileInfo's `FileUrl`, used as given (it carries its own
    /// authorisation); it must be on the allow-list like any WOPISrc.
    pub async fn get_file_url(
        &self,
        file_url: &str,
        token: &AccessToken,
        expected_size: Option<u64>,
        limit: u64,
    ) -> Result<Vec<u8>, WopiError> {
        let url = Url::parse(file_url).map_err(|_| WopiError::BadFileInfo {
            reason: "FileUrl is not a URL".into(),
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(WopiError::BadFileInfo {
                reason: "FileUrl is not http(s)".into(),
            });
        }
        self.check_allowed(&url)?;
        self.get_contents(&url, token, expected_size, limit).await
    }

    async fn get_contents(
        &self,
        url: &Url,
        token: &AccessToken,
        expected_size: Option<u64>,
        limit: u64,
    ) -> Result<Vec<u8>, WopiError> {
        let call = WopiCall::GetFile;
        let cap = expected_size.map_or(limit, |size| size.min(limit));
        let too_large = |_| match expected_size {
            Some(announced) if announced < limit => WopiError::LargerThanAnnounced { announced },
            _ => WopiError::FileTooLarge { limit },
        };
        self.retrying(call, || async {
            // No total deadline: a large file may take long; the read timeout catches stalls.
            let response = self
                .request(Method::GET, url, token)?
                .send()
                .await
                .map_err(|e| WopiError::transport(call, e))?;
            if !response.status().is_success() {
                return Err(status_error(call, response.status()));
            }
            read_capped(call, response, cap, too_large).await
        })
        .await
    }

    /// Lock: `POST <WOPISrc>`, `X-WOPI-Override: LOCK`.
    pub async fn lock(
        &self,
        src: &WopiSrc,
        token: &AccessToken,
        lock_id: &str,
    ) -> Result<(), WopiError> {
        self.lock_call(WopiCall::Lock, "LOCK", src, token, lock_id, None)
            .await
    }

    /// UnlockAndRelock: `X-WOPI-Override: LOCK` with `X-WOPI-OldLock`: replaces `old_lock_id`
    /// by `lock_id` in one step, so nobody can take the lock in between (a lock whose holder
    /// is gone is taken over this way, docs/cluster.md).
    pub async fn unlock_and_relock(
        &self,
        src: &WopiSrc,
        token: &AccessToken,
        lock_id: &str,
        old_lock_id: &str,
    ) -> Result<(), WopiError> {
        let call = WopiCall::UnlockAndRelock;
        self.lock_call(call, "LOCK", src, token, lock_id, Some(old_lock_id))
            .await
    }

    /// RefreshLock: `X-WOPI-Override: REFRESH_LOCK` (locks expire after 30 minutes).
    pub async fn refresh_lock(
        &self,
        src: &WopiSrc,
        token: &AccessToken,
        lock_id: &str,
    ) -> Result<(), WopiError> {
        self.lock_call(
            WopiCall::RefreshLock,
            "REFRESH_LOCK",
            src,
            token,
            lock_id,
            None,
        )
        .await
    }

    /// Unlock: `X-WOPI-Override: UNLOCK`.
    pub async fn unlock(
        &self,
        src: &WopiSrc,
        token: &AccessToken,
        lock_id: &str,
    ) -> Result<(), WopiError> {
        self.lock_call(WopiCall::Unlock, "UNLOCK", src, token, lock_id, None)
            .await
    }

    async fn lock_call(
        &self,
        call: WopiCall,
        operation: &'static str,
        src: &WopiSrc,
        token: &AccessToken,
        lock_id: &str,
        old_lock_id: Option<&str>,
    ) -> Result<(), WopiError> {
        let url = self.endpoint(src, "", token)?;
        let lock = header("X-WOPI-Lock", lock_id)?;
        let old_lock = old_lock_id
            .map(|old| header("X-WOPI-OldLock", old))
            .transpose()?;
        self.retrying(call, || async {
            let mut request = self
                .request(Method::POST, &url, token)?
                .header("X-WOPI-Override", operation)
                .header(lock.0.clone(), lock.1.clone());
            if let Some((name, value)) = &old_lock {
                request = request.header(name.clone(), value.clone());
            }
            let response = request
                .header(reqwest::header::CONTENT_LENGTH, "0")
                .timeout(self.timeout)
                .send()
                .await
                .map_err(|e| WopiError::transport(call, e))?;
            match response.status().as_u16() {
                200..=299 => Ok(()),
                409 => Err(WopiError::LockConflict {
                    call,
                    current_lock: echoed_header(&response, "X-WOPI-Lock"),
                    reason: echoed_header(&response, "X-WOPI-LockFailureReason"),
                }),
                _ => Err(status_error(call, response.status())),
            }
        })
        .await
    }

    /// PutFile: `POST <WOPISrc>/contents`, `X-WOPI-Override: PUT`. `last_modified` is the
    /// `LastModifiedTime` we last saw; `None` overwrites whatever storage has (the user chose
    /// to). Never retried here (see [`WopiCall::idempotent`]): the caller keeps the document
    /// modified and tries again later.
    pub async fn put_file(
        &self,
        src: &WopiSrc,
        token: &AccessToken,
        lock_id: Option<&str>,
        last_modified: Option<&str>,
        contents: Vec<u8>,
        flags: PutFlags,
    ) -> Result<PutResult, WopiError> {
        let call = WopiCall::PutFile;
        let url = self.endpoint(src, "/contents", token)?;
        let mut request = self
            .request(Method::POST, &url, token)?
            .header("X-WOPI-Override", "PUT")
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream");
        let yes_no = |b: bool| if b { "true" } else { "false" };
        for prefix in ["X-COOL-WOPI", "X-LOOL-WOPI"] {
            request = request
                .header(
                    format!("{prefix}-IsModifiedByUser"),
                    yes_no(flags.is_modified_by_user),
                )
                .header(format!("{prefix}-IsAutosave"), yes_no(flags.is_autosave))
                .header(format!("{prefix}-IsExitSave"), yes_no(flags.is_exit_save));
        }
        if let Some(lock_id) = lock_id {
            let (name, value) = header("X-WOPI-Lock", lock_id)?;
            request = request.header(name, value);
        }
        if let Some(time) = last_modified {
            for name in ["X-COOL-WOPI-Timestamp", "X-LOOL-WOPI-Timestamp"] {
                let (name, value) = header(name, time)?;
                request = request.header(name, value);
            }
        }
        let response = request
            .body(contents)
            .send()
            .await
            .map_err(|e| WopiError::transport(call, e))?;
        let status = response.status().as_u16();
        match status {
            200..=299 => {
                let body = read_capped(call, response, MAX_REPLY_BYTES, |_| WopiError::BadJson {
                    call,
                    reason: "the answer is too large".into(),
                })
                .await?;
                Ok(replies::put_file_stored(&body))
            }
            409 => {
                let current_lock = echoed_header(&response, "X-WOPI-Lock");
                let reason = echoed_header(&response, "X-WOPI-LockFailureReason");
                let body = read_capped(call, response, MAX_REPLY_BYTES, |_| WopiError::BadJson {
                    call,
                    reason: "the answer is too large".into(),
                })
                .await
                .unwrap_or_default();
                Ok(replies::put_file_conflict(current_lock, reason, &body))
            }
            401 | 403 => Ok(PutResult::Unauthorized { status }),
            413 => Ok(PutResult::TooLarge),
            _ => Err(status_error(call, response.status())),
        }
    }

    /// PutRelativeFile (save as): `POST <WOPISrc>`, `X-WOPI-Override: PUT_RELATIVE`, the name
    /// in `X-WOPI-SuggestedTarget` (UTF-7). The host may pick another name; the answer says
    /// which, and where the new file is.
    pub async fn put_relative_file(
        &self,
        src: &WopiSrc,
        token: &AccessToken,
        suggested_target: &str,
        overwrite: bool,
        contents: Vec<u8>,
    ) -> Result<NewFile, WopiError> {
        let call = WopiCall::PutRelativeFile;
        let url = self.endpoint(src, "", token)?;
        let (name, value) = header("X-WOPI-SuggestedTarget", &utf7::encode(suggested_target))?;
        let response = self
            .request(Method::POST, &url, token)?
            .header("X-WOPI-Override", "PUT_RELATIVE")
            .header(name, value)
            .header("X-WOPI-Size", contents.len().to_string())
            .header(
                "X-WOPI-OverwriteRelativeTarget",
                if overwrite { "true" } else { "false" },
            )
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(contents)
            .send()
            .await
            .map_err(|e| WopiError::transport(call, e))?;
        match response.status().as_u16() {
            200..=299 => {}
            400 | 409 => return Err(WopiError::NameConflict { call }),
            _ => return Err(status_error(call, response.status())),
        }
        let body = read_capped(call, response, MAX_REPLY_BYTES, |_| WopiError::BadJson {
            call,
            reason: "the answer is too large".into(),
        })
        .await?;
        replies::put_relative_file_created(&body)
            .map_err(|reason| WopiError::BadJson { call, reason })
    }
}
