//! What can go wrong talking to a WOPI host, one variant per kind of failure.
//!
//! No variant carries a URL: request URLs hold the access token, and reqwest's errors would
//! print them. Hosts appear as an origin (`https://cloud.example.com`) only.

use super::proof::ProofError;
use super::resolve::InternalAddressRefused;
use super::src::WopiSrcError;

/// The WOPI operation that failed, for messages and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WopiCall {
    CheckFileInfo,
    GetFile,
    Lock,
    UnlockAndRelock,
    RefreshLock,
    Unlock,
    PutFile,
    PutRelativeFile,
}

impl WopiCall {
    pub fn name(self) -> &'static str {
        match self {
            WopiCall::CheckFileInfo => "CheckFileInfo",
            WopiCall::GetFile => "GetFile",
            WopiCall::Lock => "Lock",
            WopiCall::UnlockAndRelock => "UnlockAndRelock",
            WopiCall::RefreshLock => "RefreshLock",
            WopiCall::Unlock => "Unlock",
            WopiCall::PutFile => "PutFile",
            WopiCall::PutRelativeFile => "PutRelativeFile",
        }
    }

    /// Calls that may safely be sent again when the first attempt's outcome is unknown.
    /// PutFile is not among them: if the first upload went through, a second one would meet
    /// the new timestamp and look like a conflict. Unlock neither: a repeated Unlock of a lock
    /// already released answers 409, and so does a repeated UnlockAndRelock.
    pub fn idempotent(self) -> bool {
        matches!(
            self,
            WopiCall::CheckFileInfo | WopiCall::GetFile | WopiCall::Lock | WopiCall::RefreshLock
        )
    }
}

impl std::fmt::Display for WopiCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WopiError {
    #[error(transparent)]
    InvalidSrc(#[from] WopiSrcError),
    #[error("the WOPI host {origin} is not in storage.wopi_hosts")]
    HostNotAllowed { origin: String },
    #[error(
        "the WOPI host {origin} is not allowed: storage.wopi_hosts is empty, so every WOPI host \
         is refused until the storage's origin is listed there (e.g. wopi_hosts = \
         [\"https://cloud.example.com\"])"
    )]
    NoHostsConfigured { origin: String },
    #[error("the WOPI host {origin} is not allowed: {reason}")]
    InternalAddress { origin: String, reason: String },
    #[error("no access token was given")]
    MissingToken,
    #[error("{call}: cannot connect to the WOPI host: {reason}")]
    Connect { call: WopiCall, reason: String },
    #[error("{call}: the WOPI host did not answer in time")]
    Timeout { call: WopiCall },
    #[error("{call}: the WOPI host answered with a redirect ({status}); redirects are refused")]
    Redirect { call: WopiCall, status: u16 },
    #[error("{call}: the access token was refused ({status}); it may have expired")]
    Unauthorized { call: WopiCall, status: u16 },
    #[error("{call}: the file was not found (404)")]
    NotFound { call: WopiCall },
    #[error("{call}: the WOPI host failed ({status})")]
    ServerError { call: WopiCall, status: u16 },
    #[error("{call}: unexpected answer from the WOPI host ({status})")]
    UnexpectedStatus { call: WopiCall, status: u16 },
    #[error("{call}: the connection broke while transferring the body: {reason}")]
    Body { call: WopiCall, reason: String },
    #[error("CheckFileInfo: the answer is larger than {limit} bytes")]
    FileInfoTooLarge { limit: u64 },
    #[error("CheckFileInfo: the answer is not valid JSON file information: {reason}")]
    BadFileInfo { reason: String },
    #[error("{call}: the answer is not valid JSON: {reason}")]
    BadJson { call: WopiCall, reason: String },
    #[error("GetFile: the file is larger than the limit of {limit} bytes")]
    FileTooLarge { limit: u64 },
    #[error("GetFile: the file is larger than the {announced} bytes CheckFileInfo announced")]
    LargerThanAnnounced { announced: u64 },
    #[error("{call}: lock conflict{}", reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default())]
    LockConflict {
        call: WopiCall,
        /// The lock the host holds (`X-WOPI-Lock`), empty when unlocked.
        current_lock: Option<String>,
        /// `X-WOPI-LockFailureReason`, for people.
        reason: Option<String>,
    },
    #[error("{call}: the WOPI host refused the target name")]
    NameConflict { call: WopiCall },
    #[error("cannot sign the request: {0}")]
    Proof(#[from] ProofError),
    #[error("cannot read storage.ca_file {path}: {reason}")]
    CaFile { path: String, reason: String },
    #[error("cannot set up the HTTP client: {reason}")]
    ClientSetup { reason: String },
    #[error("{call}: the request could not be sent: {reason}")]
    Request { call: WopiCall, reason: String },
}

impl WopiError {
    /// A stable, machine-readable name: what a client is told and what metrics count.
    pub fn kind(&self) -> &'static str {
        match self {
            WopiError::InvalidSrc(e) => e.kind(),
            WopiError::HostNotAllowed { .. }
            | WopiError::NoHostsConfigured { .. }
            | WopiError::InternalAddress { .. } => "wopi-host-not-allowed",
            WopiError::MissingToken => "missing-token",
            WopiError::Connect { .. } => "storage-connect",
            WopiError::Timeout { .. } => "storage-timeout",
            WopiError::Redirect { .. } => "storage-redirect",
            WopiError::Unauthorized { .. } => "storage-unauthorized",
            WopiError::NotFound { .. } => "storage-not-found",
            WopiError::ServerError { .. } => "storage-server-error",
            WopiError::UnexpectedStatus { .. } => "storage-unexpected-status",
            WopiError::Body { .. } => "storage-body",
            WopiError::FileInfoTooLarge { .. } => "fileinfo-too-large",
            WopiError::BadFileInfo { .. } => "fileinfo-invalid",
            WopiError::BadJson { .. } => "storage-invalid-json",
            WopiError::FileTooLarge { .. } => "file-too-large",
            WopiError::LargerThanAnnounced { .. } => "file-larger-than-announced",
            WopiError::LockConflict { .. } => "lock-conflict",
            WopiError::NameConflict { .. } => "name-conflict",
            WopiError::Proof(_) => "proof-key",
            WopiError::CaFile { .. } => "ca-file",
            WopiError::ClientSetup { .. } => "client-setup",
            WopiError::Request { .. } => "storage-request",
        }
    }

    /// Whether trying the same idempotent call again may help: server errors and transport
    /// failures, never an answer about the request itself (4xx).
    pub fn transient(&self) -> bool {
        matches!(
            self,
            WopiError::Connect { .. }
                | WopiError::Timeout { .. }
                | WopiError::ServerError { .. }
                | WopiError::Body { .. }
                | WopiError::Request { .. }
        )
    }

    /// Maps a transport error without its URL (which holds the token).
    pub(crate) fn transport(call: WopiCall, error: reqwest::Error) -> WopiError {
        let error = error.without_url();
        if let Some(refused) = find_cause::<InternalAddressRefused>(&error) {
            WopiError::InternalAddress {
                origin: refused.host.clone(),
                reason: refused.to_string(),
            }
        } else if error.is_timeout() {
            WopiError::Timeout { call }
        } else if error.is_connect() {
            WopiError::Connect {
                call,
                reason: error_chain(&error),
            }
        } else if error.is_body() || error.is_decode() {
            WopiError::Body {
                call,
                reason: error_chain(&error),
            }
        } else {
            WopiError::Request {
                call,
                reason: error_chain(&error),
            }
        }
    }
}

/// The first error of type `E` in `error`'s chain of causes.
fn find_cause<'a, E: std::error::Error + 'static>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a E> {
    let mut current = Some(error);
    while let Some(cause) = current {
        if let Some(found) = cause.downcast_ref::<E>() {
            return Some(found);
        }
        current = cause.source();
    }
    None
}

/// The error and its causes on one line (hyper's messages are terse on their own).
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
