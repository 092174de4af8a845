//! The single-thread check that must pass before every fork.

use std::time::{Duration, Instant};

/// How long LibreOffice's leftover preinit thread may take to finish (it usually needs ~1 s).
const SETTLE_LIMIT: Duration = Duration::from_secs(10);

pub fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|d| d.count())
        .unwrap_or(usize::MAX)
}

/// Waits until this process has exactly one thread; errors if it does not happen in time.
pub fn wait_until_single_threaded() -> Result<(), String> {
    let deadline = Instant::now() + SETTLE_LIMIT;
    loop {
        let count = thread_count();
        if count == 1 {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the zygote still has {count} threads; refusing to fork"
            ));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}
