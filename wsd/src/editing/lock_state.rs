//! The document's WOPI lock as its broker holds it (lock.rs: taking, refreshing, releasing it).

use std::time::Instant;

use super::command::JoinRequest;
use super::opening::new_lock_id;

pub(super) struct DocumentLock {
    /// The WOPI host supports locks (the first session's CheckFileInfo `SupportsLocks`).
    pub supported: bool,
    /// This broker's lock id (`oxool-<server id>-<random>`), the same for its whole life.
    pub id: String,
    /// The WOPI host holds `id` for the document.
    pub held: bool,
    pub refreshed: Instant,
    /// Writers waiting for the lock that the first of them asked for.
    pub(super) writers_waiting: Option<Vec<JoinRequest>>,
}

impl DocumentLock {
    /// `taken`: the lock id the first open took, if it took one.
    pub(super) fn new(supported: bool, taken: Option<String>) -> DocumentLock {
        DocumentLock {
            supported,
            held: taken.is_some(),
            id: taken.unwrap_or_else(new_lock_id),
            refreshed: Instant::now(),
            writers_waiting: None,
        }
    }

    /// The joins still waiting, for the broker's end.
    pub(super) fn take_waiting(&mut self) -> Vec<JoinRequest> {
        self.writers_waiting.take().unwrap_or_default()
    }
}
