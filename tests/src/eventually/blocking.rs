//! The blocking half of [`eventually`](super): checks on the calling thread, sleeping between.
//! Shared as a file with the kit's LibreOffice tests (kit/tests/lok_support.rs includes it),
//! which cannot depend on oxool-tests (oxool-tests depends on the kit) and run in jails with no
//! runtime: it uses nothing but std.

use std::time::{Duration, Instant};

/// How often a condition is checked again.
pub const POLL_EVERY: Duration = Duration::from_millis(20);

/// Checks `condition` until it yields a value or `deadline` has passed (`None` then).
pub fn poll_until<T>(deadline: Duration, mut condition: impl FnMut() -> Option<T>) -> Option<T> {
    let until = Instant::now() + deadline;
    loop {
        if let Some(value) = condition() {
            return Some(value);
        }
        if Instant::now() >= until {
            return None;
        }
        std::thread::sleep(POLL_EVERY);
    }
}

/// The value `condition` yields within `deadline`; panics naming `what` otherwise.
#[track_caller]
pub fn eventually<T>(what: &str, deadline: Duration, condition: impl FnMut() -> Option<T>) -> T {
    match poll_until(deadline, condition) {
        Some(value) => value,
        None => panic!("timed out after {deadline:?} waiting for {what}"),
    }
}
