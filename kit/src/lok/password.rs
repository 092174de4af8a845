//! Password-protected documents. With `LOK_FEATURE_DOCUMENT_PASSWORD[_TO_MODIFY]` on, LibreOffice
//! asks for a password through the office-level callback (`DOCUMENT_PASSWORD[_TO_MODIFY]`, payload
//! the document's URL) while `documentLoad` runs, and blocks that load until `setDocumentPassword`
//! answers: the password (a wrong one is asked for again), or NULL (to view: the load fails; to
//! modify: the document opens read-only). Without the feature, LibreOffice gives up at once.
//!
//! [`load_with_password`] answers the first request of each kind with the caller's password and
//! every other one with NULL, and then tells what happened. The password lives only in this
//! module's state during the load and is never printed.

use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use super::enums::{callback, feature};
use super::{file_url, Document, LokError, Office};

/// What LibreOffice asked a password for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordKind {
    /// To open the document at all (it is encrypted).
    ToView,
    /// To edit it (it opens read-only without).
    ToModify,
}

impl PasswordKind {
    /// `type=` of the error (docs/kit-protocol.md).
    pub fn as_str(self) -> &'static str {
        match self {
            PasswordKind::ToView => "to-view",
            PasswordKind::ToModify => "to-modify",
        }
    }
}

/// Why a load failed for want of a (correct) password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordFailure {
    #[error("the document is protected by a password ({})", .0.as_str())]
    Required(PasswordKind),
    #[error("the password is wrong ({})", .0.as_str())]
    Wrong(PasswordKind),
}

impl PasswordFailure {
    /// `kind=` of the error.
    pub fn kind(&self) -> &'static str {
        match self {
            PasswordFailure::Required(_) => "password-required",
            PasswordFailure::Wrong(_) => "password-wrong",
        }
    }

    pub fn password_kind(&self) -> PasswordKind {
        match self {
            PasswordFailure::Required(kind) | PasswordFailure::Wrong(kind) => *kind,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Password(#[from] PasswordFailure),
    #[error(transparent)]
    Lok(#[from] LokError),
}

/// Whether a document that needs a password to modify may open read-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadOnly {
    /// A conversion only reads: read-only is all it needs.
    Accept,
    /// An editing session wants to edit: without the password to modify, the load fails.
    Refuse,
}

/// The answers for the load in progress (one at a time: a kit loads one document).
#[derive(Default)]
struct Prompt {
    password: Option<String>,
    /// Requests seen, per kind (to view, to modify).
    asked: [u32; 2],
}

/// The state the office callback answers from; registered once per process.
static PROMPT: OnceLock<Arc<Mutex<Prompt>>> = OnceLock::new();

fn prompt(office: &Office) -> Result<&'static Arc<Mutex<Prompt>>, LokError> {
    if let Some(prompt) = PROMPT.get() {
        return Ok(prompt);
    }
    let state = Arc::new(Mutex::new(Prompt::default()));
    let answers = Arc::clone(&state);
    // The office outlives every callback (it is never destroyed); its pointer is kept as an
    // address because the handler must be Send + Sync.
    let office_address = office.as_raw() as usize;
    office.register_callback(move |event| {
        let kind = match event.kind {
            callback::DOCUMENT_PASSWORD => PasswordKind::ToView,
            callback::DOCUMENT_PASSWORD_TO_MODIFY => PasswordKind::ToModify,
            _ => return,
        };
        let answer = {
            let mut prompt = answers.lock().unwrap_or_else(|e| e.into_inner());
            let asked = &mut prompt.asked[kind as usize];
            *asked += 1;
            // Only the first request gets the password: a second one means it was wrong.
            if *asked == 1 {
                prompt.password.clone()
            } else {
                None
            }
        };
        // SAFETY: the address is the live office this handler was registered on; LibreOffice
        // released its SolarMutex before calling, so setDocumentPassword may take it.
        let office = unsafe { Office::from_raw(office_address as *mut _) };
        if let Some(office) = office {
            if let Err(error) = office.set_document_password(&event.payload, answer.as_deref()) {
                eprintln!("oxool-kit: cannot answer LibreOffice's password request: {error}");
            }
        }
    })?;
    Ok(PROMPT.get_or_init(|| state))
}

/// Turns on LibreOffice's password requests, together with `other_features` (setOptionalFeatures
/// replaces the whole set), and registers the office callback that answers them.
pub fn enable_password_requests(office: &Office, other_features: u64) -> Result<(), LokError> {
    prompt(office)?;
    office.set_optional_features(
        other_features | feature::DOCUMENT_PASSWORD | feature::DOCUMENT_PASSWORD_TO_MODIFY,
    )
}

/// Loads `path` with `options`, answering LibreOffice's password requests with `password`.
/// Call [`enable_password_requests`] first.
pub fn load_with_password(
    office: &Office,
    path: &Path,
    options: &str,
    password: Option<&str>,
    read_only: ReadOnly,
) -> Result<Document, LoadError> {
    let state = prompt(office)?;
    let lock = || state.lock().unwrap_or_else(|e| e.into_inner());
    *lock() = Prompt {
        password: password.map(str::to_string),
        asked: [0, 0],
    };
    let loaded = office.load_url(&file_url(path)?, options);
    let asked = std::mem::take(&mut *lock()).asked;
    let failure = |kind: PasswordKind| match password {
        None => PasswordFailure::Required(kind),
        Some(_) => PasswordFailure::Wrong(kind),
    };
    let to_view = asked[PasswordKind::ToView as usize];
    let to_modify = asked[PasswordKind::ToModify as usize];
    match loaded {
        // Refused to view: the load failed for want of the password (a load that failed after
        // a password was accepted failed for another reason).
        Err(_) if refused(to_view, password) => Err(failure(PasswordKind::ToView).into()),
        Err(error) => Err(error.into()),
        // Refused to modify: LibreOffice opened the document read-only.
        Ok(_) if read_only == ReadOnly::Refuse && refused(to_modify, password) => {
            Err(failure(PasswordKind::ToModify).into())
        }
        Ok(document) => Ok(document),
    }
}

/// Whether a password request of one kind ended in NULL: asked without a password, or asked
/// again (the one given was wrong).
fn refused(asked: u32, password: Option<&str>) -> bool {
    asked > 1 || (asked == 1 && password.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_refused_without_a_password_or_when_repeated() {
        assert!(!refused(0, None));
        assert!(refused(1, None));
        assert!(!refused(1, Some("x")));
        assert!(refused(2, Some("x")));
    }

    #[test]
    fn failures_name_their_kind_and_type() {
        let wrong = PasswordFailure::Wrong(PasswordKind::ToModify);
        assert_eq!(wrong.kind(), "password-wrong");
        assert_eq!(wrong.password_kind().as_str(), "to-modify");
        assert_eq!(
            PasswordFailure::Required(PasswordKind::ToView).kind(),
            "password-required"
        );
    }
}
