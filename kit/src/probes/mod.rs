//! Sandbox probes: escape attempts that run inside a real jailed, seccomp-filtered kit (test-only
//! entry). Each probe names the escape class it tries; `blocked` means the escape FAILED.
//!
//! Many attempts are trapped by seccomp, which ends the kit with `error kind=seccomp` (that is the
//! design: a denied call is reported and the kit ends), so a harness runs one probe per fresh kit
//! and also counts "ended by seccomp" as blocked.
//!
//! Wherever the effect is visible from outside, the harness decides, not the kit: probes that aim
//! at another process aim at a [`victim::Victim`] the harness started (same uid, its own process
//! group, every catchable signal recorded), and after each probe the harness checks that the
//! victim is alive, not stopped, not traced, received no signal and still holds its canary.
//!
//! What "blocked" means for the listings: `/` may be listed (the jail's own root), but it must show
//! nothing but the jail's entries (`etc`, `var` from the systemplate; `usr`, `dev` holding the
//! read-only host paths; `tmp`), `/etc` nothing but the systemplate's files, `/dev` nothing but
//! `urandom` and `random`, and `/proc` and `/sys` must not exist at all.

mod cgroup;
mod fds;
mod files;
mod kernel;
mod memory;
mod network;
mod process;
pub(crate) mod serve;
mod signals;
pub mod victim;

use std::io;
use std::os::fd::RawFd;

pub struct ProbeOutcome {
    pub name: &'static str,
    pub escape_class: &'static str,
    pub blocked: bool,
    pub detail: String,
}

impl ProbeOutcome {
    /// The `probe` answer a kit sends for this outcome (docs/kit-protocol.md).
    pub fn to_message(&self) -> oxool_proto::Message {
        oxool_proto::Message::new(oxool_proto::FromKit::Probe.name())
            .arg("name", self.name)
            .arg("class", self.escape_class)
            .arg("outcome", if self.blocked { "blocked" } else { "escaped" })
            .arg("detail", &self.detail)
    }
}

#[derive(Default)]
pub struct ProbeContext {
    /// Host paths a kit must not reach: wsd's config file, another kit's jail, ...
    pub host_paths_to_try: Vec<String>,
    pub parent_pid: i32,
    /// A listener on 127.0.0.1 and ::1 outside the kit.
    pub inet_port: u16,
    /// An abstract unix socket listening outside the kit (name without the leading NUL).
    pub abstract_name: String,
    /// A directory descriptor the kit opened before the jail (probe mode only).
    pub fd_opened_before_chroot: Option<RawFd>,
    /// A process outside the kit, of the kit's uid, that the harness watches (0: none given).
    pub victim_pid: i32,
    /// The victim's own process group.
    pub victim_pgid: i32,
    /// Address of the victim's canary word (in the victim's address space; 0: none given).
    pub victim_canary: usize,
    /// The descriptors a kit is meant to hold: its socket (or report pipe) and, when known, the
    /// ones LibreOffice's preinit created.
    pub expected_fds: Vec<RawFd>,
    /// Whether `expected_fds` lists the preinit descriptors; until then any descriptor that is
    /// neither a socket nor a directory is tolerated.
    pub preinit_fds_known: bool,
}

/// The attempt returns (blocked, detail).
type Probe = fn(&ProbeContext) -> (bool, String);

/// Builds the (name, escape class, attempt) table from `module::attempt: "class"` lines: a probe's
/// name is its function's name, written once.
macro_rules! probe_table {
    ($($module:ident::$attempt:ident: $class:literal,)*) => {
        &[$((stringify!($attempt), $class, $module::$attempt as Probe),)*]
    };
}

/// Every probe, in the order a harness runs them.
const PROBES: &[(&str, &str, Probe)] = probe_table! {
    files::read_etc_shadow: "host-file-read",
    files::read_host_paths: "host-file-read",
    files::list_root: "host-visibility",
    files::uname_host_name: "host-visibility",
    files::list_proc: "host-visibility",
    files::list_sys: "host-visibility",
    files::list_dev: "host-visibility",
    network::inet_connect: "network",
    network::inet6_connect: "network",
    network::netlink_socket: "network",
    network::abstract_unix_connect: "network",
    network::listen_accept: "network",
    process::ptrace_parent: "process",
    process::kill_parent: "process",
    process::tgkill_parent: "process",
    process::process_vm_readv: "process",
    process::ptrace_attach_victim: "ptrace",
    process::ptrace_seize_victim: "ptrace",
    process::process_vm_readv_victim: "ptrace",
    process::process_vm_writev_victim: "ptrace",
    process::prlimit_victim: "process-attributes",
    process::setpriority_victim: "process-attributes",
    process::setpriority_victim_group: "process-attributes",
    process::sched_setaffinity_victim: "process-attributes",
    process::sched_setscheduler_victim: "process-attributes",
    process::ioprio_set_victim: "process-attributes",
    signals::kill_victim: "signal",
    signals::kill_victim_group: "signal",
    signals::tkill_victim: "signal",
    signals::tgkill_victim: "signal",
    signals::rt_sigqueueinfo_victim: "signal",
    signals::rt_tgsigqueueinfo_victim: "signal",
    signals::pidfd_send_signal_victim: "signal",
    signals::fcntl_sigio_victim: "signal",
    signals::fcntl_sigio_victim_group: "signal",
    signals::fcntl_sigurg_victim: "signal",
    signals::fcntl_sigurg_victim_group: "signal",
    signals::fcntl_setown_ex_victim: "signal",
    signals::fcntl_setsig_victim: "signal",
    signals::fcntl_setlease_victim: "signal",
    signals::fcntl_notify_victim: "signal",
    signals::ioctl_sigio_victim: "signal",
    fds::fd_inventory: "fd",
    memory::mmap_rwx: "memory",
    memory::mmap_rwx_file: "memory",
    memory::mprotect_rw_to_rx: "memory",
    memory::mprotect_rx_to_rwx: "memory",
    cgroup::cgroup_write: "cgroup",
    cgroup::mount_cgroup2: "cgroup",
    kernel::mount_tmpfs: "mount",
    kernel::umount_bind: "mount",
    kernel::unshare_userns: "namespace",
    kernel::setns: "namespace",
    kernel::chroot_again: "mount",
    kernel::pivot_root: "mount",
    kernel::execve_sh: "exec",
    kernel::mknod_device: "device",
    kernel::keyctl: "kernel-surface",
    kernel::add_key: "kernel-surface",
    kernel::bpf: "kernel-surface",
    kernel::perf_event_open: "kernel-surface",
    kernel::userfaultfd: "kernel-surface",
    kernel::io_uring_setup: "kernel-surface",
    kernel::open_by_handle_at: "host-file-read",
    files::write_read_only_bind: "host-file-write",
    kernel::setuid_root: "privilege",
    kernel::chmod_setuid: "privilege",
    files::dotdot_escape: "chroot-escape",
    files::symlink_escape: "chroot-escape",
    files::fchdir_escape: "chroot-escape",
};

static NAMES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();

pub fn all_probe_names() -> &'static [&'static str] {
    NAMES.get_or_init(|| PROBES.iter().map(|(name, _, _)| *name).collect())
}

/// Runs one probe (in the jailed, seccomp-filtered kit). An unknown name is reported as not
/// blocked, so a typo in a harness can never pass for a blocked escape.
pub fn run_probe(name: &str, ctx: &ProbeContext) -> ProbeOutcome {
    match PROBES.iter().find(|(probe, _, _)| *probe == name) {
        Some((name, class, attempt)) => {
            let (blocked, detail) = attempt(ctx);
            ProbeOutcome {
                name,
                escape_class: class,
                blocked,
                detail,
            }
        }
        None => ProbeOutcome {
            name: "unknown",
            escape_class: "none",
            blocked: false,
            detail: format!("no probe named {name:?}"),
        },
    }
}

/// Blocked when the call failed; the detail names the error.
fn failed<T>(result: io::Result<T>, what: &str) -> (bool, String) {
    match result {
        Ok(_) => (false, format!("{what} succeeded")),
        Err(err) => (true, format!("{what}: {err}")),
    }
}

/// A raw syscall's result as io::Result.
fn check(rc: libc::c_long) -> io::Result<libc::c_long> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_unknown_names_never_pass() {
        let names = all_probe_names();
        let mut sorted = names.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
        let ctx = ProbeContext {
            parent_pid: 1,
            ..ProbeContext::default()
        };
        assert!(!run_probe("no-such-probe", &ctx).blocked);
    }

    #[test]
    fn an_unjailed_process_is_not_blocked_by_the_listing_probes() {
        // The probes must be able to fail: outside a jail the host's / has more than the jail.
        let ctx = ProbeContext {
            host_paths_to_try: vec!["/etc/hostname".into(), "/".into()],
            parent_pid: 1,
            ..ProbeContext::default()
        };
        assert!(!run_probe("list_root", &ctx).blocked);
        assert!(!run_probe("read_host_paths", &ctx).blocked);
        if std::path::Path::new("/proc/self").exists() {
            assert!(!run_probe("list_proc", &ctx).blocked);
        }
    }
}

#[cfg(test)]
mod escape_tests {
    //! The probes must be able to fail: without the jail and the filter, each mechanism reaches the
    //! victim, and the victim's check sees it. (Run in the test process itself: the signals are
    //! catchable and go to a victim this test started.)
    use super::victim::Victim;
    use super::*;

    fn context(victim: &Victim) -> ProbeContext {
        ProbeContext {
            parent_pid: 1,
            victim_pid: victim.pid,
            victim_pgid: victim.pgid,
            victim_canary: victim.canary,
            ..ProbeContext::default()
        }
    }

    #[test]
    fn an_unprotected_process_reaches_the_victim_by_every_signal_route() {
        let mut victim = Victim::start().expect("victim");
        victim.check().expect("a fresh victim is untouched");
        for name in [
            "kill_victim",
            "kill_victim_group",
            "tkill_victim",
            "tgkill_victim",
            "rt_sigqueueinfo_victim",
            "rt_tgsigqueueinfo_victim",
            "pidfd_send_signal_victim",
            "fcntl_sigio_victim",
            "fcntl_sigio_victim_group",
            "fcntl_sigurg_victim",
            "fcntl_sigurg_victim_group",
            "fcntl_setown_ex_victim",
            "fcntl_setsig_victim",
            "fcntl_setlease_victim",
            "fcntl_notify_victim",
            "ioctl_sigio_victim",
        ] {
            let outcome = run_probe(name, &context(&victim));
            assert!(!outcome.blocked, "{name}: {}", outcome.detail);
            let seen = victim.check();
            assert!(seen.is_err(), "{name}: the victim saw nothing");
            println!("{name}: {}", seen.unwrap_err());
        }
        for name in [
            "prlimit_victim",
            "setpriority_victim",
            "setpriority_victim_group",
            "sched_setaffinity_victim",
            "sched_setscheduler_victim",
            "ioprio_set_victim",
        ] {
            let mut victim = Victim::start().expect("victim");
            let outcome = run_probe(name, &context(&victim));
            assert!(!outcome.blocked, "{name}: {}", outcome.detail);
            let seen = victim.check();
            assert!(seen.is_err(), "{name}: the victim saw nothing");
            println!("{name}: {}", seen.unwrap_err());
        }
        let outcome = run_probe("process_vm_writev_victim", &context(&victim));
        assert!(!outcome.blocked, "{}", outcome.detail);
        assert!(victim.check().unwrap_err().contains("canary"));
    }

    #[test]
    fn an_unprotected_process_gets_writable_executable_memory() {
        let ctx = ProbeContext::default();
        for name in ["mmap_rwx", "mprotect_rw_to_rx", "mprotect_rx_to_rwx"] {
            assert!(!run_probe(name, &ctx).blocked, "{name}");
        }
    }

    #[test]
    fn the_fd_inventory_reports_a_directory_and_a_foreign_socket() {
        let dir = std::fs::File::open("/").unwrap();
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        let outcome = run_probe("fd_inventory", &ProbeContext::default());
        assert!(!outcome.blocked);
        use std::os::fd::AsRawFd;
        assert!(outcome
            .detail
            .contains(&format!("fd {} (directory)", dir.as_raw_fd())));
        assert!(outcome
            .detail
            .contains(&format!("fd {} (socket)", a.as_raw_fd())));
    }
}
