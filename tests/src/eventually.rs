//! Waiting in tests for something that happens asynchronously: one helper instead of a
//! hand-written deadline loop in every test. A condition that never comes true fails the test
//! with what was awaited; none of these sleeps a fixed time and then assumes.

use std::future::Future;
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

/// [`poll_until`] for conditions that must await (they are checked on the caller's task).
pub async fn poll_until_async<T, F, Fut>(deadline: Duration, mut condition: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let until = Instant::now() + deadline;
    loop {
        if let Some(value) = condition().await {
            return Some(value);
        }
        if Instant::now() >= until {
            return None;
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

/// [`eventually`] for conditions that must await.
pub async fn eventually_async<T, F, Fut>(what: &str, deadline: Duration, condition: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    match poll_until_async(deadline, condition).await {
        Some(value) => value,
        None => panic!("timed out after {deadline:?} waiting for {what}"),
    }
}
