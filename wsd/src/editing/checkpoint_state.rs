//! A broker's checkpoint schedule (checkpoint.rs takes the checkpoints).

use std::time::{Duration, Instant};

/// A broker's checkpoint schedule.
#[derive(Debug)]
pub(super) struct Checkpoints {
    /// A checkpoint is being taken (saved by the kit or written to disk).
    pub(super) running: bool,
    /// The newest generation requested from the kit (0: none).
    pub(super) requested_gen: u64,
    /// The newest generation on disk (0: none), and when it was asked of the kit.
    pub(super) written_gen: u64,
    pub(super) written_started: Option<Instant>,
    /// The first edit the last requested checkpoint does not hold.
    pub(super) dirty_since: Option<Instant>,
    pub(super) last_finished: Option<Instant>,
    pub(super) last_cost: Duration,
    /// The last write was refused for lack of room: said once, loudly, until one fits again.
    pub(super) refused: bool,
    /// Storage's `Version` when the document was opened; unknown after our own PutFile.
    pub(super) base_version: Option<String>,
    /// The document is given up on after crashes (`kit-crash-loop`, …): its checkpoint is
    /// stored as a recovered copy, never over the file (recovery/uploads.rs).
    pub(super) held_because: Option<&'static str>,
}

impl Checkpoints {
    pub(super) fn new(base_version: Option<String>) -> Checkpoints {
        Checkpoints {
            running: false,
            requested_gen: 0,
            written_gen: 0,
            written_started: None,
            dirty_since: None,
            last_finished: None,
            last_cost: Duration::ZERO,
            refused: false,
            base_version,
            held_because: None,
        }
    }

    pub(super) fn written_gen(&self) -> u64 {
        self.written_gen
    }

    /// When the checkpoint on disk was asked of the kit.
    pub(super) fn written_started(&self) -> Option<Instant> {
        (self.written_gen > 0)
            .then_some(self.written_started)
            .flatten()
    }

    pub(super) fn is_running(&self) -> bool {
        self.running
    }

    /// The kit ended before it answered a checkpoint's `save`.
    pub(super) fn lost_in_kit(&mut self) {
        self.running = false;
        self.requested_gen = self.written_gen;
    }

    /// The document was reopened from storage: no edit is waiting for a checkpoint.
    pub(super) fn forget_unwritten(&mut self) {
        self.dirty_since = None;
    }

    /// An edit: the continuous-input clock starts at the first one not yet checkpointed.
    pub(super) fn note_edit(&mut self, now: Instant) {
        self.dirty_since.get_or_insert(now);
    }
}
