//! The harness's side of the probes that aim at another process: a victim the harness starts
//! outside the kit and inspects itself, so "blocked" never rests on the kit's word.
//!
//! The victim is a fork of the harness (same uid as the kits it spawns, so an unprotected kit
//! could signal it), in its own process group. It blocks every signal and collects them with
//! sigwaitinfo, writing each number to a pipe; SIGKILL and SIGSTOP, which cannot be blocked, show
//! as a dead or stopped process. A canary word in its memory shows a process_vm_writev.

use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicU64, Ordering};

/// The canary's value; the victim's copy must still hold it after every probe.
/// What the victim writes once every signal is blocked (no signal has this number).
const READY: u8 = 0xff;
const CANARY_VALUE: u64 = 0x6f78_6f6f_6c2d_7663;
static CANARY: AtomicU64 = AtomicU64::new(CANARY_VALUE);

pub struct Victim {
    pub pid: i32,
    /// Its own process group (equal to `pid`).
    pub pgid: i32,
    /// The address of the canary word in the victim (the harness's own address: a fork).
    pub canary: usize,
    signals: std::fs::File,
    /// Its limits, nice value, scheduling policy, CPU affinity and I/O priority at the start.
    attributes: String,
}

impl Victim {
    /// Forks the victim. Safe in a multi-threaded harness: the child only calls async-signal-safe
    /// functions (setpgid, sigprocmask, sigwaitinfo, write, _exit).
    pub fn start() -> std::io::Result<Victim> {
        let mut fds = [0; 2];
        // SAFETY: pipe2 writes two descriptors into the array we own.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: both descriptors were just created and are owned by nothing else.
        let (read_end, write_end) =
            unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        // SAFETY: the child runs only async-signal-safe calls and never returns (see above).
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(std::io::Error::last_os_error());
        }
        if pid == 0 {
            victim_main(write_end.as_raw_fd());
        }
        drop(write_end);
        // Also from the parent, so the group exists before any probe aims at it.
        // SAFETY: setpgid on our own child.
        unsafe { libc::setpgid(pid, pid) };
        let mut victim = Victim {
            pid,
            pgid: pid,
            canary: &CANARY as *const AtomicU64 as usize,
            signals: std::fs::File::from(read_end),
            attributes: String::new(),
        };
        // Until it has blocked every signal, a signal could still kill it by default.
        match victim.next_report() {
            Some(READY) => {
                victim.attributes = attributes(pid);
                Ok(victim)
            }
            _ => Err(std::io::Error::other("the victim did not start")),
        }
    }

    /// Err(what happened) when the victim was affected: dead, stopped, traced, signalled, or its
    /// memory written.
    pub fn check(&mut self) -> Result<(), String> {
        let mut problems = Vec::new();
        let state = std::fs::read_to_string(format!("/proc/{}/stat", self.pid))
            .ok()
            .and_then(|stat| {
                // The state follows the parenthesised command name.
                stat.rsplit(')').next()?.trim_start().chars().next()
            });
        let running = matches!(state, Some('S' | 'R' | 'D'));
        if !running {
            problems.push(format!("state {state:?} (dead, zombie or stopped)"));
        }
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{}/status", self.pid)) {
            let tracer = status
                .lines()
                .find_map(|l| l.strip_prefix("TracerPid:"))
                .map(str::trim)
                .unwrap_or("0");
            if tracer != "0" {
                problems.push(format!("traced by {tracer}"));
            }
        }
        if running {
            let received = self.signals_before_sentinel();
            if !received.is_empty() {
                problems.push(format!("received signals {received:?}"));
            }
        }
        let now = attributes(self.pid);
        if running && now != self.attributes {
            problems.push(format!(
                "attributes changed from [{}] to [{now}]",
                self.attributes
            ));
        }
        match self.read_canary() {
            Ok(CANARY_VALUE) | Err(_) => {}
            Ok(other) => problems.push(format!("canary overwritten with {other:#x}")),
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join(", "))
        }
    }

    /// Sends the victim a sentinel (SIGRTMAX) and collects what it reports up to it. sigwaitinfo
    /// returns the lowest pending signal first, so anything a kit sent before it is reported
    /// first: no waiting for an unknown time. The poll timeout only guards against a victim that
    /// cannot answer (then the sentinel is reported missing).
    fn signals_before_sentinel(&mut self) -> Vec<u8> {
        let sentinel = libc::SIGRTMAX();
        // SAFETY: kill on our own child.
        unsafe { libc::kill(self.pid, sentinel) };
        let mut received = Vec::new();
        loop {
            match self.next_report() {
                Some(byte) if i32::from(byte) == sentinel => return received,
                Some(byte) => received.push(byte),
                None => {
                    received.push(0);
                    return received;
                }
            }
        }
    }

    /// The next byte the victim wrote; None when it cannot answer (gone, or silent for 30 s).
    fn next_report(&mut self) -> Option<u8> {
        let mut poll = libc::pollfd {
            fd: self.signals.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: poll on one pollfd we own.
        if unsafe { libc::poll(&mut poll, 1, 30_000) } <= 0 {
            return None;
        }
        let mut byte = [0u8; 1];
        match self.signals.read(&mut byte) {
            Ok(1) => Some(byte[0]),
            _ => None,
        }
    }

    /// The victim's canary, read from outside (the harness is its parent and of its uid).
    fn read_canary(&self) -> std::io::Result<u64> {
        let mut value = 0u64;
        let local = libc::iovec {
            iov_base: (&mut value as *mut u64).cast(),
            iov_len: 8,
        };
        let remote = libc::iovec {
            iov_base: self.canary as *mut libc::c_void,
            iov_len: 8,
        };
        // SAFETY: the local iovec points at our own u64; the remote one is read by the kernel.
        let n = unsafe { libc::process_vm_readv(self.pid, &local, 1, &remote, 1, 0) };
        if n != 8 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(value)
    }
}

impl Drop for Victim {
    fn drop(&mut self) {
        // SAFETY: kill and waitpid on our own, not yet reaped child.
        unsafe {
            libc::kill(self.pid, libc::SIGKILL);
            libc::waitpid(self.pid, std::ptr::null_mut(), 0);
        }
    }
}

fn victim_main(report: libc::c_int) -> ! {
    // SAFETY: async-signal-safe calls only, on our own process and a sigset we own; never returns.
    unsafe {
        // Hold nothing of the harness's (its stdout pipe would keep a reader waiting).
        let last = libc::c_uint::MAX;
        if report > 0 {
            libc::syscall(
                libc::SYS_close_range,
                0u32,
                (report - 1) as libc::c_uint,
                0u32,
            );
        }
        libc::syscall(
            libc::SYS_close_range,
            (report + 1) as libc::c_uint,
            last,
            0u32,
        );
        libc::setpgid(0, 0);
        let mut all = std::mem::zeroed::<libc::sigset_t>();
        libc::sigfillset(&mut all);
        libc::sigprocmask(libc::SIG_SETMASK, &all, std::ptr::null_mut());
        libc::write(report, (&READY as *const u8).cast(), 1);
        loop {
            let signal = libc::sigwaitinfo(&all, std::ptr::null_mut());
            if signal > 0 {
                let byte = signal as u8;
                libc::write(report, (&byte as *const u8).cast(), 1);
            }
        }
    }
}

/// What another process could change about the victim without signalling it: resource limits,
/// nice value, scheduling policy, CPU affinity, I/O priority.
fn attributes(pid: i32) -> String {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap_or_default();
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, from field 3 (state): nice is 19, policy 41.
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let field = |n: usize| fields.get(n - 3).copied().unwrap_or("?");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let cpus = status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .unwrap_or("?")
        .trim()
        .to_string();
    // SAFETY: ioprio_get(IOPRIO_WHO_PROCESS, pid) takes integers only.
    let ioprio = unsafe { libc::syscall(libc::SYS_ioprio_get, 1, pid) };
    let limits: Vec<String> = limits
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    format!(
        "nice {} policy {} cpus {cpus} ioprio {ioprio} limits {}",
        field(19),
        field(41),
        limits.join("; ")
    )
}

/// Keeps the canary alive in the binary (it is only ever read through its address).
pub fn canary_value() -> u64 {
    CANARY.load(Ordering::Relaxed)
}
