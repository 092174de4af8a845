//! Waiting in tests for something that happens asynchronously: one helper instead of a
//! hand-written deadline loop in every test. A condition that never comes true fails the test
//! with what was awaited; none of these sleeps a fixed time and then assumes.

use std::time::{Duration, Instant};

mod blocking;
pub use blocking::{eventually, poll_until, POLL_EVERY};

/// [`poll_until`] for conditions that must await (they are checked on the caller's task). The
/// condition is an async closure: it may borrow what it checks mutably (a client it sends
/// through), and a closure returning a future serves as well.
pub async fn poll_until_async<T>(
    deadline: Duration,
    condition: impl AsyncFnMut() -> Option<T>,
) -> Option<T> {
    poll_every_async(deadline, POLL_EVERY, condition).await
}

/// [`poll_until_async`] checking every `every`: for conditions that cost something each time (a
/// process started, a document converted), or none (`Duration::ZERO`) for one that is itself
/// the pace (a round of input and a short wait).
pub async fn poll_every_async<T>(
    deadline: Duration,
    every: Duration,
    mut condition: impl AsyncFnMut() -> Option<T>,
) -> Option<T> {
    let until = Instant::now() + deadline;
    loop {
        if let Some(value) = condition().await {
            return Some(value);
        }
        if Instant::now() >= until {
            return None;
        }
        tokio::time::sleep(every).await;
    }
}

/// [`eventually`] for conditions that must await.
pub async fn eventually_async<T>(
    what: &str,
    deadline: Duration,
    condition: impl AsyncFnMut() -> Option<T>,
) -> T {
    eventually_every_async(what, deadline, POLL_EVERY, condition).await
}

/// [`eventually_async`] checking every `every` ([`poll_every_async`]).
pub async fn eventually_every_async<T>(
    what: &str,
    deadline: Duration,
    every: Duration,
    condition: impl AsyncFnMut() -> Option<T>,
) -> T {
    match poll_every_async(deadline, every, condition).await {
        Some(value) => value,
        None => panic!("timed out after {deadline:?} waiting for {what}"),
    }
}
