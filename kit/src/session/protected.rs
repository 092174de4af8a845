//! Saving a password-protected document without losing its password.
//!
//! LOK's `saveAs` is `storeToURL` with a filter and filter options only: LibreOffice 7.4 parses
//! `TakeOwnership` and `NoFileSync` out of the options and passes the rest on as the filter's
//! options, so there is no way to hand it the password or the encryption data, and the copy it
//! writes is not encrypted. `.uno:Save` instead stores the document to its own location (the
//! file `load` wrote into the jail) through its medium, which keeps the encryption data the
//! document was opened with (and a password to modify): the bytes are protected by the same
//! password, in ODF and in OOXML alike, and the kit never needs to hold the password itself.
//! `.uno:SaveACopy` with a `Password` argument would derive new keys from the password, which
//! the kit would then have to keep after the load; `.uno:Save` needs nothing of the kind.
//!
//! `.uno:Save` runs on LibreOffice's main thread, queued behind the input posted before it
//! (barrier.rs), and clears LibreOffice's modified flag. wsd does not take the save state from
//! that flag (it counts edits itself; a `ModifiedStatus=true` counts only after mouse input
//! since the save began, wsd/src/editing/kit_events.rs), so nothing changes for it.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::barrier::{self, Barrier};
use crate::lok::{Document, LokError};

/// `SynchronMode=false`: queued behind the posted input. `DontTerminateEdit`: a user typing
/// into a Calc cell stays in it (as with `saveAs`, which leaves it alone too).
const SAVE_ARGUMENTS: &str = r#"{"SynchronMode":{"type":"boolean","value":false},"DontTerminateEdit":{"type":"boolean","value":true}}"#;
/// Long enough for a large document on a busy machine; a save that takes longer fails (wsd
/// retries) rather than leaving the request loop stuck.
const SAVE_TIMEOUT: Duration = Duration::from_secs(120);

/// A document loaded with a password: where it lives in the jail and its own format.
#[derive(Debug, Clone)]
pub struct ProtectedFile {
    path: PathBuf,
    /// The extension of the file `load` named, lowercase: what wsd asks for when it stores the
    /// document (`save format=<extension>`).
    format: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ProtectedSaveError {
    #[error("LibreOffice could not be asked to save: {0}")]
    Dispatch(#[from] LokError),
    #[error("no view to save in")]
    NoView,
    #[error("LibreOffice did not finish saving within {} s", SAVE_TIMEOUT.as_secs())]
    Timeout,
    #[error("LibreOffice reported a failed save")]
    Failed,
    #[error("LibreOffice did not write the document")]
    NotWritten,
    #[error("reading the saved document: {0}")]
    Read(#[from] std::io::Error),
}

impl ProtectedFile {
    /// `path` is the file the document was loaded from.
    pub fn new(path: &Path) -> ProtectedFile {
        let format = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        ProtectedFile {
            path: path.to_path_buf(),
            format,
        }
    }

    /// Whether a save in `format` (lowercase) is the document itself, which must keep its
    /// password; any other format (a PDF download) is an export, as for any document.
    pub fn is_own_format(&self, format: &str) -> bool {
        !self.format.is_empty() && self.format == format
    }

    /// Saves the document to its own location with `.uno:Save` in `view` (one whose callbacks
    /// reach `barrier`) and returns the saved bytes.
    pub fn save(
        &self,
        document: &Document,
        barrier: &Barrier,
        view: Option<i32>,
    ) -> Result<Vec<u8>, ProtectedSaveError> {
        let view = view.ok_or(ProtectedSaveError::NoView)?;
        document.set_view(view)?;
        let before = stamp(&self.path);
        let result =
            barrier.dispatch_and_wait(document, barrier::SAVE, SAVE_ARGUMENTS, SAVE_TIMEOUT)?;
        let payload = result.ok_or(ProtectedSaveError::Timeout)?;
        if barrier::succeeded(&payload) == Some(false) {
            return Err(ProtectedSaveError::Failed);
        }
        // A save LibreOffice skipped or cancelled (a dialog) must not send the old bytes as if
        // they held the latest edits: the file must have been written anew.
        if stamp(&self.path).is_none() || stamp(&self.path) == before {
            return Err(ProtectedSaveError::NotWritten);
        }
        Ok(std::fs::read(&self.path)?)
    }
}

/// When and as what the file was last written (LibreOffice replaces it on save).
fn stamp(path: &Path) -> Option<(SystemTime, u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.ino(), meta.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_documents_own_format_is_saved_in_place() {
        let file = ProtectedFile::new(Path::new("/tmp/convert/in/Secret.DOCX"));
        assert!(file.is_own_format("docx"));
        assert!(!file.is_own_format("pdf"));
        assert!(!file.is_own_format("odt"));
        assert!(!ProtectedFile::new(Path::new("/tmp/noext")).is_own_format(""));
    }
}
