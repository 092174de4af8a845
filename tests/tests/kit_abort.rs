//! A kit that hangs is aborted, not only killed, so that the journal holds where it hung: wsd
//! calls forkit's `AbortKit` when a load never answers (wsd/src/kit/link.rs), forkit sends
//! SIGABRT, and the kit's crash handler (kit/src/crash.rs) writes its backtrace to stderr before
//! it dies of the signal.
//!
//! forkit's stderr (which its kits inherit) is this test's, redirected to a file while forkit
//! starts; this file holds one test so that nothing else writes there meanwhile.

use std::os::fd::AsRawFd;
use std::time::Duration;

use oxool_wsd::kit::KitSpawner;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_aborted_kit_writes_its_backtrace_and_dies_of_sigabrt() {
    let log_dir = tempfile::tempdir().unwrap();
    let log_path = log_dir.path().join("forkit.stderr");
    let log = std::fs::File::create(&log_path).unwrap();
    let saved_stderr = nix::unistd::dup(std::io::stderr()).unwrap();
    redirect_stderr(log.as_raw_fd());
    let started = oxool_tests::start_lok_forkit("oxool-kit-abort-").await;
    redirect_stderr(saved_stderr.as_raw_fd());
    drop(saved_stderr);
    let (forkit, _scratch) = started.unwrap();

    let kit = forkit.spawn_kit().await.unwrap();
    forkit.abort_kit(kit.pid).await.unwrap();
    let mut exit = None;
    for _ in 0..10 {
        exit = forkit.kit_exit(kit.pid).await;
        if exit.is_some() {
            break;
        }
    }
    let log = || std::fs::read_to_string(&log_path).unwrap_or_default();
    let exit = exit.unwrap_or_else(|| panic!("forkit reports the aborted kit's end:\n{}", log()));
    assert_eq!(exit.status, -libc::SIGABRT, "{exit:?}\n{}", log());

    // The report of the exit comes after the kit has written and died; the file is complete.
    let written = oxool_tests::eventually::eventually(
        "the kit's backtrace in forkit's stderr",
        Duration::from_secs(10),
        || {
            let text = std::fs::read_to_string(&log_path).unwrap_or_default();
            text.contains("oxool-kit: crashed with signal 6; backtrace:")
                .then_some(text)
        },
    );
    let trace = written
        .split("oxool-kit: crashed with signal 6; backtrace:")
        .nth(1)
        .unwrap();
    assert!(
        trace.lines().filter(|l| l.contains("oxool-forkit")).count() >= 2,
        "the backtrace names the kit's own frames:\n{trace}"
    );
    drop(kit);
}

/// Makes fd 2 of this process a copy of `fd`.
fn redirect_stderr(fd: std::os::fd::RawFd) {
    // SAFETY: dup2 only replaces this process's fd 2 with a copy of `fd`, which the caller
    // keeps open; nothing holds a borrowed reference to the old fd 2.
    let done = unsafe { libc::dup2(fd, 2) };
    assert_eq!(done, 2, "{}", std::io::Error::last_os_error());
}
