//! The single-thread check that must pass before every fork.

use std::time::{Duration, Instant};

/// How long LibreOffice's leftover preinit thread may take to finish (it usually needs ~1 s).
const SETTLE_LIMIT: Duration = Duration::from_secs(10);

pub fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|d| d.count())
        .unwrap_or(usize::MAX)
}

/// The zygote kept more than one thread past the settle limit.
#[derive(Debug, thiserror::Error)]
#[error("the zygote still has {threads} threads; refusing to fork")]
pub struct StillThreaded {
    pub threads: usize,
}

/// Waits until this process has exactly one thread; errors if it does not happen in time.
pub fn wait_until_single_threaded() -> Result<(), StillThreaded> {
    let deadline = Instant::now() + SETTLE_LIMIT;
    loop {
        let count = thread_count();
        if count == 1 {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(StillThreaded { threads: count });
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}
