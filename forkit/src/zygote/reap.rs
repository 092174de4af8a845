//! Reaping kits, removing their jails, and reporting each exit.

use std::collections::HashMap;
use std::path::Path;

use nix::sys::signal::{kill, Signal};
use nix::sys::signalfd::SignalFd;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use oxool_proto::Message;

use super::cgroup::KitCgroups;
use super::KitRecord;

pub fn drain_signalfd(sigchld: &SignalFd) {
    while let Ok(Some(_)) = sigchld.read_signal() {}
}

/// Reaps every kit that has exited; returns one `exited` message per kit.
///
/// OOM: the kit's cgroup counts the kernel's OOM kills (read before the cgroup is removed).
/// Without a cgroup: the OOM killer ends a process with SIGKILL, and the zygote sends SIGKILL
/// only when the front end asks (`kill`), so a SIGKILL nobody asked for is reported as `oom=1`.
pub fn reap_exited(
    kits: &mut HashMap<i32, KitRecord>,
    jails_root: &Path,
    cgroups: &KitCgroups,
) -> Vec<Message> {
    let mut exits = Vec::new();
    loop {
        let status = match waitpid(None::<Pid>, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) | Err(_) => break,
            Ok(status) => status,
        };
        let (pid, code, signal) = match status {
            // A kit that crashed but could not die of the signal (kit/src/crash.rs).
            WaitStatus::Exited(pid, code) => match oxool_kit::crash::signal_of_exit_code(code) {
                Some(signal) => (pid, 0, signal),
                None => (pid, code, 0),
            },
            WaitStatus::Signaled(pid, signal, _) => (pid, 0, signal as i32),
            _ => continue,
        };
        let Some(record) = kits.remove(&pid.as_raw()) else {
            continue;
        };
        let oom = cgroups
            .oom_killed(&record.jail_id)
            .unwrap_or(signal == libc::SIGKILL && !record.kill_requested);
        cgroups.remove(&record.jail_id);
        if let Err(err) = oxool_kit::jail::remove_jail_dir(jails_root, &record.jail_id) {
            eprintln!(
                "oxool-forkit zygote: removing jail {}: {err}",
                record.jail_id
            );
        }
        exits.push(
            Message::new("exited")
                .arg("pid", pid.as_raw())
                .arg("jail", &record.jail_id)
                .arg("status", code)
                .arg("signal", signal)
                .arg("oom", u8::from(oom)),
        );
    }
    exits
}

/// SIGKILL for one of our kits; pids that are not ours are ignored.
pub fn kill_kit(kits: &mut HashMap<i32, KitRecord>, pid: i32) {
    if let Some(record) = kits.get_mut(&pid) {
        record.kill_requested = true;
        let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
    }
}

/// SIGABRT for one of our kits that hung: its crash handler (kit/src/crash.rs) writes the
/// backtrace of the thread that got it to stderr, then it dies of the signal. The front end
/// follows with `kill` in case it cannot.
///
/// The signal goes to the kit's main thread (its thread id is the kit's pid: the zygote forked
/// it from one thread), the one that runs the request loop and LibreOffice's calls, with
/// `tgkill`. A process-wide `kill` lets the kernel pick any thread that does not block the
/// signal: once it picked LibreOffice's own thread in the middle of `pthread_create`, and the
/// backtrace said nothing of where the kit hung (tests/tests/kit_abort.rs failed).
pub fn abort_kit(kits: &mut HashMap<i32, KitRecord>, pid: i32) {
    if let Some(record) = kits.get_mut(&pid) {
        record.kill_requested = true;
        signal_main_thread(pid, libc::SIGABRT);
    }
}

/// `tgkill(pid, pid, signal)`: `signal` for the main thread of process `pid`. Errors (the kit
/// has died and been reaped meanwhile) are ignored, as `kill`'s were.
fn signal_main_thread(pid: i32, signal: libc::c_int) {
    // SAFETY: tgkill takes three integers and touches no memory of ours; a pid that is not (or
    // no longer) a kit of ours is one the caller found in its own table of live kits, and the
    // worst a stale one gives is ESRCH.
    unsafe {
        libc::syscall(
            libc::SYS_tgkill,
            libc::c_long::from(pid),
            libc::c_long::from(pid),
            libc::c_long::from(signal),
        );
    }
}

pub fn kill_all(kits: &HashMap<i32, KitRecord>) {
    for pid in kits.keys() {
        let _ = kill(Pid::from_raw(*pid), Signal::SIGKILL);
    }
}

/// When forkit stops: waits for every kit just killed and removes its cgroup, so a clean stop
/// leaves no cgroup behind.
pub fn reap_all(kits: &mut HashMap<i32, KitRecord>, cgroups: &KitCgroups) {
    for (pid, record) in kits.drain() {
        let _ = waitpid(Pid::from_raw(pid), None);
        cgroups.remove(&record.jail_id);
    }
    cgroups.remove_own();
}
