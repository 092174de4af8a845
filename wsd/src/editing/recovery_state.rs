//! A broker's record of its kit's crashes (kit_crash.rs: reopening the document).

use std::collections::VecDeque;
use std::time::Instant;

use super::command::JoinRequest;

/// A broker's record of its kit's crashes and of a reopening under way.
#[derive(Default)]
pub(super) struct KitRecovery {
    pub(super) crashes: VecDeque<Instant>,
    /// A crash waits for a reopening: set from the crash until the new kit loaded.
    pub(super) pending: Option<Pending>,
    /// Joins that arrived while the document had no kit.
    pub(super) waiting_joins: Vec<JoinRequest>,
    /// `recovered …`, told to sessions that join until the instant.
    pub(super) notice: Option<(Instant, String)>,
    /// The kit broke the protocol: it is killed through forkit, not asked to leave.
    pub(super) kill_kit: bool,
    /// The views the last replay opened in the kit (replay.rs): they have no member.
    pub(super) replay_views: std::collections::BTreeSet<super::SessionId>,
}

pub(super) struct Pending {
    pub(super) crashed_at: Instant,
    /// The reopening task runs (it waits for an upload or a checkpoint write first).
    pub(super) started: bool,
}

impl KitRecovery {
    /// The document has no kit: nothing may be sent to one.
    pub(super) fn without_kit(&self) -> bool {
        self.pending.is_some()
    }
}
