//! WOPI locks, held in memory: one opaque lock string per file, expiring after 30 minutes
//! unless refreshed (the WOPI rule; Collabora refreshes every 15 minutes).
//!
//! In memory is enough for a single-process local store: after a restart no editor holds a
//! session any more, so there is nothing a stale lock would protect.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const LOCK_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// WOPI's limit on a lock string.
pub const MAX_LOCK_LEN: usize = 1024;

/// A refused lock operation: the lock currently held ("" when none) and why, for
/// `X-WOPI-Lock` and `X-WOPI-LockFailureReason` on the 409.
#[derive(Debug, PartialEq, Eq)]
pub struct LockConflict {
    pub current: String,
    pub reason: &'static str,
}

struct HeldLock {
    value: String,
    expires: Instant,
}

#[derive(Default)]
pub struct LockTable {
    held: Mutex<HashMap<String, HeldLock>>,
}

impl LockTable {
    /// The lock on `file_id`, if one is held and has not expired.
    pub fn current(&self, file_id: &str, now: Instant) -> Option<String> {
        let mut held = self.table();
        expire(&mut held, file_id, now);
        held.get(file_id).map(|lock| lock.value.clone())
    }

    /// LOCK, or with `old` UnlockAndRelock. Locking again with the held value refreshes it.
    pub fn lock(
        &self,
        file_id: &str,
        value: &str,
        old: Option<&str>,
        now: Instant,
    ) -> Result<(), LockConflict> {
        let mut held = self.table();
        expire(&mut held, file_id, now);
        let current = held.get(file_id).map(|lock| lock.value.as_str());
        let allowed = match (old, current) {
            (Some(old), Some(current)) => old == current,
            (Some(_), None) => false,
            (None, Some(current)) => current == value,
            (None, None) => true,
        };
        if !allowed {
            return Err(conflict(current, "locked by another client"));
        }
        held.insert(file_id.to_owned(), fresh(value, now));
        Ok(())
    }

    pub fn refresh(&self, file_id: &str, value: &str, now: Instant) -> Result<(), LockConflict> {
        let mut held = self.table();
        expire(&mut held, file_id, now);
        match held.get_mut(file_id) {
            Some(lock) if lock.value == value => {
                lock.expires = now + LOCK_LIFETIME;
                Ok(())
            }
            other => Err(conflict(
                other.map(|lock| lock.value.as_str()),
                "lock mismatch",
            )),
        }
    }

    pub fn unlock(&self, file_id: &str, value: &str, now: Instant) -> Result<(), LockConflict> {
        let mut held = self.table();
        expire(&mut held, file_id, now);
        match held.get(file_id) {
            Some(lock) if lock.value == value => {
                held.remove(file_id);
                Ok(())
            }
            other => Err(conflict(
                other.map(|lock| lock.value.as_str()),
                "lock mismatch",
            )),
        }
    }

    /// May a write carrying `value` (the request's `X-WOPI-Lock`) change `file_id`? A locked
    /// file only with its lock. An unlocked file is writable by any valid token: WOPI would
    /// refuse non-empty unlocked files, but Collabora's own hosts accept such writes and a
    /// local store has no other client for a lock to protect against.
    pub fn check_write(
        &self,
        file_id: &str,
        value: Option<&str>,
        now: Instant,
    ) -> Result<(), LockConflict> {
        match self.current(file_id, now) {
            Some(current) if Some(current.as_str()) != value => {
                Err(conflict(Some(&current), "locked by another client"))
            }
            _ => Ok(()),
        }
    }

    fn table(&self) -> std::sync::MutexGuard<'_, HashMap<String, HeldLock>> {
        // A panic while holding this guard leaves a consistent map (every update is one
        // insert or remove), so poisoning carries no information.
        self.held
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn fresh(value: &str, now: Instant) -> HeldLock {
    HeldLock {
        value: value.to_owned(),
        expires: now + LOCK_LIFETIME,
    }
}

fn expire(held: &mut HashMap<String, HeldLock>, file_id: &str, now: Instant) {
    if held.get(file_id).is_some_and(|lock| lock.expires <= now) {
        held.remove(file_id);
    }
}

fn conflict(current: Option<&str>, reason: &'static str) -> LockConflict {
    LockConflict {
        current: current.unwrap_or_default().to_owned(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_unlock_and_mismatches() {
        let table = LockTable::default();
        let now = Instant::now();
        table.lock("f", "A", None, now).unwrap();
        table.lock("f", "A", None, now).unwrap();
        assert_eq!(table.lock("f", "B", None, now).unwrap_err().current, "A");
        assert_eq!(table.refresh("f", "B", now).unwrap_err().current, "A");
        assert_eq!(table.unlock("f", "B", now).unwrap_err().current, "A");
        assert!(table.check_write("f", Some("B"), now).is_err());
        assert!(table.check_write("f", None, now).is_err());
        table.check_write("f", Some("A"), now).unwrap();
        table.unlock("f", "A", now).unwrap();
        assert_eq!(table.current("f", now), None);
        assert_eq!(table.unlock("f", "A", now).unwrap_err().current, "");
        table.check_write("f", None, now).unwrap();
    }

    #[test]
    fn unlock_and_relock() {
        let table = LockTable::default();
        let now = Instant::now();
        assert!(table.lock("f", "B", Some("A"), now).is_err());
        table.lock("f", "A", None, now).unwrap();
        table.lock("f", "B", Some("A"), now).unwrap();
        assert_eq!(table.current("f", now).as_deref(), Some("B"));
    }

    #[test]
    fn locks_expire_unless_refreshed() {
        let table = LockTable::default();
        let start = Instant::now();
        table.lock("f", "A", None, start).unwrap();
        let later = start + LOCK_LIFETIME - Duration::from_secs(1);
        table.refresh("f", "A", later).unwrap();
        assert_eq!(
            table.current("f", start + LOCK_LIFETIME).as_deref(),
            Some("A")
        );
        let expired = later + LOCK_LIFETIME;
        assert_eq!(table.current("f", expired), None);
        table.lock("f", "B", None, expired).unwrap();
    }
}
