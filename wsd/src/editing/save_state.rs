//! A broker's save state: whether a save runs, failed or met a conflict, why a save runs, and
//! who waits for the kit's `saved` answers. Saving itself: saving.rs.

use std::time::Instant;

use super::SessionId;

#[derive(Debug, Clone)]
pub enum SaveState {
    Idle,
    Saving,
    Failed {
        kind: String,
        message: String,
        retry_at: Instant,
        attempts: u32,
    },
    /// Storage changed behind our back; `copy_running`: our version is being stored as a
    /// copy next to the file, as nobody is left to choose.
    Conflict {
        copy_running: bool,
    },
}

/// Why a save runs; decides the PutFile headers and who is told.
#[derive(Debug, Clone, Copy, Default)]
pub struct SaveTrigger {
    pub requested_by: Option<SessionId>,
    pub overwrite: bool,
    pub autosave: bool,
    pub exit: bool,
}

impl SaveTrigger {
    pub fn explicit(session: SessionId, overwrite: bool) -> SaveTrigger {
        SaveTrigger {
            requested_by: Some(session),
            overwrite,
            ..SaveTrigger::default()
        }
    }

    pub fn exit(exit: bool) -> SaveTrigger {
        SaveTrigger {
            exit,
            ..SaveTrigger::default()
        }
    }

    pub(super) fn automatic() -> SaveTrigger {
        SaveTrigger {
            autosave: true,
            ..SaveTrigger::default()
        }
    }

    /// Two requests while a save runs become one later save that does what both asked.
    pub(super) fn merge(self, other: SaveTrigger) -> SaveTrigger {
        SaveTrigger {
            requested_by: self.requested_by.or(other.requested_by),
            overwrite: self.overwrite || other.overwrite,
            autosave: self.autosave && other.autosave,
            exit: self.exit || other.exit,
        }
    }
}

/// Who waits for a kit `saved` answer (the kit answers `save` requests in order).
pub(super) enum SaveWaiter {
    Upload {
        gen: u64,
        trigger: SaveTrigger,
    },
    Download {
        session: SessionId,
        id: u64,
        format: String,
    },
    SaveAs {
        session: SessionId,
        name: String,
    },
    /// The edits of a conflicted document nobody is left to decide about.
    ConflictCopy {
        gen: u64,
    },
    /// A copy for the recovery directory (checkpoint.rs), not for storage.
    Checkpoint {
        gen: u64,
        started: Instant,
    },
}
