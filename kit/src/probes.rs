//! Sandbox probes: escape attempts that run inside a real jailed, seccomp-filtered kit (test-only
//! entry). Each probe names the escape class it tries; `blocked` means the escape FAILED.
//!
//! Many attempts are trapped by seccomp, which ends the kit with `error kind=seccomp` (that is the
//! design: a denied call is reported and the kit ends), so a harness runs one probe per fresh kit
//! and also counts "ended by seccomp" as blocked.
//!
//! What "blocked" means for the listings: `/` may be listed (the jail's own root), but it must show
//! nothing but the jail's entries (`etc`, `var` from the systemplate; `usr`, `dev` holding the
//! read-only host paths; `tmp`), `/etc` nothing but the systemplate's files, `/dev` nothing but
//! `urandom` and `random`, and `/proc` and `/sys` must not exist at all.

use std::fs;
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
        oxool_proto::Message::new("probe")
            .arg("name", self.name)
            .arg("class", self.escape_class)
            .arg("outcome", if self.blocked { "blocked" } else { "escaped" })
            .arg("detail", &self.detail)
    }
}

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
}

type Probe = fn(&ProbeContext) -> (bool, String);

/// (name, escape class, attempt). The attempt returns (blocked, detail).
const PROBES: &[(&str, &str, Probe)] = &[
    ("read_etc_shadow", "host-file-read", read_etc_shadow),
    ("read_host_paths", "host-file-read", read_host_paths),
    ("list_root", "host-visibility", list_root),
    ("list_proc", "host-visibility", list_proc),
    ("list_sys", "host-visibility", list_sys),
    ("list_dev", "host-visibility", list_dev),
    ("inet_connect", "network", inet_connect),
    ("inet6_connect", "network", inet6_connect),
    ("netlink_socket", "network", netlink_socket),
    ("abstract_unix_connect", "network", abstract_unix_connect),
    ("listen_accept", "network", listen_accept),
    ("ptrace_parent", "process", ptrace_parent),
    ("kill_parent", "process", kill_parent),
    ("tgkill_parent", "process", tgkill_parent),
    ("process_vm_readv", "process", process_vm_readv),
    ("mount_tmpfs", "mount", mount_tmpfs),
    ("umount_bind", "mount", umount_bind),
    ("unshare_userns", "namespace", unshare_userns),
    ("setns", "namespace", setns),
    ("chroot_again", "mount", chroot_again),
    ("pivot_root", "mount", pivot_root),
    ("execve_sh", "exec", execve_sh),
    ("mknod_device", "device", mknod_device),
    ("keyctl", "kernel-surface", keyctl),
    ("add_key", "kernel-surface", add_key),
    ("bpf", "kernel-surface", bpf),
    ("perf_event_open", "kernel-surface", perf_event_open),
    ("userfaultfd", "kernel-surface", userfaultfd),
    ("io_uring_setup", "kernel-surface", io_uring_setup),
    ("open_by_handle_at", "host-file-read", open_by_handle_at),
    (
        "write_read_only_bind",
        "host-file-write",
        write_read_only_bind,
    ),
    ("setuid_root", "privilege", setuid_root),
    ("chmod_setuid", "privilege", chmod_setuid),
    ("dotdot_escape", "chroot-escape", dotdot_escape),
    ("symlink_escape", "chroot-escape", symlink_escape),
    ("fchdir_escape", "chroot-escape", fchdir_escape),
];

/// The jail's top-level entries: everything else under `/` would be host content.
const JAIL_ROOT_ENTRIES: &[&str] = &["etc", "var", "usr", "dev", "tmp"];
/// The systemplate's /etc.
const JAIL_ETC_ENTRIES: &[&str] = &[
    "passwd",
    "group",
    "nsswitch.conf",
    "hosts",
    "localtime",
    "timezone",
    "fonts",
];

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

fn read_etc_shadow(_: &ProbeContext) -> (bool, String) {
    failed(fs::read("/etc/shadow"), "read /etc/shadow")
}

fn read_host_paths(ctx: &ProbeContext) -> (bool, String) {
    let mut details = Vec::new();
    for path in &ctx.host_paths_to_try {
        let reached = fs::read(path)
            .map(drop)
            .or_else(|_| fs::read_dir(path).map(drop));
        match reached {
            Ok(()) => return (false, format!("read {path}")),
            Err(err) => details.push(format!("{path}: {err}")),
        }
    }
    (true, details.join("; "))
}

/// Entries of `dir` that are not in `allowed`; Err when the listing fails.
fn unexpected_entries(dir: &str, allowed: &[&str]) -> io::Result<Vec<String>> {
    let mut extra = Vec::new();
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if !allowed.contains(&name.as_str()) {
            extra.push(name);
        }
    }
    Ok(extra)
}

fn list_root(_: &ProbeContext) -> (bool, String) {
    let root = unexpected_entries("/", JAIL_ROOT_ENTRIES);
    let etc = unexpected_entries("/etc", JAIL_ETC_ENTRIES);
    match (root, etc) {
        (Ok(root), Ok(etc)) if root.is_empty() && etc.is_empty() => {
            (true, "/ and /etc show only the jail's entries".into())
        }
        (root, etc) => (
            false,
            format!("host content visible: / {root:?}, /etc {etc:?}"),
        ),
    }
}

fn list_proc(_: &ProbeContext) -> (bool, String) {
    failed(fs::read_dir("/proc"), "list /proc")
}

fn list_sys(_: &ProbeContext) -> (bool, String) {
    failed(fs::read_dir("/sys"), "list /sys")
}

fn list_dev(_: &ProbeContext) -> (bool, String) {
    match unexpected_entries("/dev", &["urandom", "random"]) {
        Ok(extra) if extra.is_empty() => (true, "/dev holds only urandom and random".into()),
        Ok(extra) => (false, format!("devices visible: {extra:?}")),
        Err(err) => (true, format!("list /dev: {err}")),
    }
}

fn inet_connect(ctx: &ProbeContext) -> (bool, String) {
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], ctx.inet_port));
    failed(
        std::net::TcpStream::connect(address),
        "connect to 127.0.0.1",
    )
}

fn inet6_connect(ctx: &ProbeContext) -> (bool, String) {
    let address = std::net::SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, ctx.inet_port));
    failed(std::net::TcpStream::connect(address), "connect to [::1]")
}

fn netlink_socket(_: &ProbeContext) -> (bool, String) {
    // SAFETY: socket(2) with constant arguments; a returned fd is simply leaked (the kit ends).
    let rc = unsafe { libc::socket(libc::AF_NETLINK, libc::SOCK_RAW, libc::NETLINK_ROUTE) };
    failed(check(rc.into()), "socket(AF_NETLINK)")
}

fn abstract_unix_connect(ctx: &ProbeContext) -> (bool, String) {
    use std::os::linux::net::SocketAddrExt;
    let address = std::os::unix::net::SocketAddr::from_abstract_name(ctx.abstract_name.as_bytes());
    let connected = address.and_then(|a| std::os::unix::net::UnixStream::connect_addr(&a));
    failed(connected, "connect to the abstract socket")
}

fn listen_accept(_: &ProbeContext) -> (bool, String) {
    let listener = std::os::unix::net::UnixListener::bind("/tmp/probe.sock");
    failed(
        listener.and_then(|l| l.accept()),
        "listen and accept on /tmp/probe.sock",
    )
}

fn ptrace_parent(ctx: &ProbeContext) -> (bool, String) {
    // SAFETY: ptrace(PTRACE_ATTACH) takes no pointers here.
    let rc = unsafe { libc::ptrace(libc::PTRACE_ATTACH, ctx.parent_pid, 0, 0) };
    failed(check(rc), "ptrace(PTRACE_ATTACH, parent)")
}

fn kill_parent(ctx: &ProbeContext) -> (bool, String) {
    // SAFETY: kill with signal 0 only checks permission; no pointers.
    let rc = unsafe { libc::kill(ctx.parent_pid, 0) };
    failed(check(rc.into()), "kill(parent, 0)")
}

fn tgkill_parent(ctx: &ProbeContext) -> (bool, String) {
    // SAFETY: tgkill with signal 0 only checks permission; no pointers.
    let rc = unsafe { libc::syscall(libc::SYS_tgkill, ctx.parent_pid, ctx.parent_pid, 0) };
    failed(check(rc), "tgkill(parent, 0)")
}

fn process_vm_readv(ctx: &ProbeContext) -> (bool, String) {
    let mut buf = [0u8; 8];
    let local = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let remote = libc::iovec {
        iov_base: 0x40_0000 as *mut libc::c_void,
        iov_len: buf.len(),
    };
    // SAFETY: the local iovec points at our own 8-byte buffer; the remote one is only read by the
    // kernel from the other process (if it were allowed at all).
    let rc = unsafe { libc::process_vm_readv(ctx.parent_pid, &local, 1, &remote, 1, 0) };
    failed(check(rc as libc::c_long), "process_vm_readv(parent)")
}

fn mount_tmpfs(_: &ProbeContext) -> (bool, String) {
    // SAFETY: mount(2) with constant NUL-terminated strings.
    let rc = unsafe {
        libc::mount(
            c"none".as_ptr(),
            c"/tmp".as_ptr(),
            c"tmpfs".as_ptr(),
            0,
            std::ptr::null(),
        )
    };
    failed(check(rc.into()), "mount tmpfs on /tmp")
}

fn umount_bind(_: &ProbeContext) -> (bool, String) {
    // SAFETY: umount2(2) with a constant path.
    let rc = unsafe { libc::umount2(c"/usr/lib/libreoffice".as_ptr(), libc::MNT_DETACH) };
    failed(check(rc.into()), "umount /usr/lib/libreoffice")
}

fn unshare_userns(_: &ProbeContext) -> (bool, String) {
    // SAFETY: unshare(2) takes only flags.
    let rc = unsafe { libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNS) };
    failed(check(rc.into()), "unshare(CLONE_NEWUSER|CLONE_NEWNS)")
}

fn setns(_: &ProbeContext) -> (bool, String) {
    // SAFETY: setns(2) on stdin with no namespace type: fails or traps, touches no memory.
    let rc = unsafe { libc::setns(0, 0) };
    failed(check(rc.into()), "setns")
}

fn chroot_again(_: &ProbeContext) -> (bool, String) {
    // The classic double-chroot escape starts with a chroot into a subdirectory.
    // SAFETY: chroot(2) with a constant path.
    let rc = unsafe { libc::chroot(c"/tmp".as_ptr()) };
    failed(check(rc.into()), "chroot(/tmp)")
}

fn pivot_root(_: &ProbeContext) -> (bool, String) {
    // SAFETY: pivot_root(2) with constant paths.
    let rc = unsafe { libc::syscall(libc::SYS_pivot_root, c"/tmp".as_ptr(), c"/tmp".as_ptr()) };
    failed(check(rc), "pivot_root")
}

fn execve_sh(_: &ProbeContext) -> (bool, String) {
    let argv = [c"/bin/sh".as_ptr(), std::ptr::null()];
    let envp = [std::ptr::null()];
    // SAFETY: NUL-terminated argv/envp arrays of constant strings.
    let rc = unsafe { libc::execve(c"/bin/sh".as_ptr(), argv.as_ptr(), envp.as_ptr()) };
    failed(check(rc.into()), "execve(/bin/sh)")
}

fn mknod_device(_: &ProbeContext) -> (bool, String) {
    // /dev/sda's numbers: a block device would reach the host disk.
    // SAFETY: mknod(2) with a constant path.
    let rc = unsafe {
        libc::mknod(
            c"/tmp/sda".as_ptr(),
            libc::S_IFBLK | 0o600,
            libc::makedev(8, 0),
        )
    };
    failed(check(rc.into()), "mknod /tmp/sda")
}

fn keyctl(_: &ProbeContext) -> (bool, String) {
    // KEYCTL_GET_KEYRING_ID (0) of the session keyring (-3).
    // SAFETY: integer arguments only.
    let rc = unsafe { libc::syscall(libc::SYS_keyctl, 0, -3i32, 0) };
    failed(check(rc), "keyctl(GET_KEYRING_ID)")
}

fn add_key(_: &ProbeContext) -> (bool, String) {
    let payload = b"x";
    // SAFETY: constant NUL-terminated strings and a live payload buffer.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_add_key,
            c"user".as_ptr(),
            c"oxool-probe".as_ptr(),
            payload.as_ptr(),
            payload.len(),
            -3i32,
        )
    };
    failed(check(rc), "add_key")
}

fn bpf(_: &ProbeContext) -> (bool, String) {
    let mut attr = [0u8; 128];
    // SAFETY: BPF_MAP_CREATE (0) with a zeroed, live attribute buffer of the size passed.
    let rc = unsafe { libc::syscall(libc::SYS_bpf, 0, attr.as_mut_ptr(), attr.len()) };
    failed(check(rc), "bpf(BPF_MAP_CREATE)")
}

fn perf_event_open(_: &ProbeContext) -> (bool, String) {
    let mut attr = [0u8; 128];
    attr[4..8].copy_from_slice(&128u32.to_ne_bytes());
    // SAFETY: a zeroed perf_event_attr-sized buffer (size field set) that lives across the call.
    let rc = unsafe { libc::syscall(libc::SYS_perf_event_open, attr.as_mut_ptr(), 0, -1, -1, 0) };
    failed(check(rc), "perf_event_open")
}

fn userfaultfd(_: &ProbeContext) -> (bool, String) {
    // SAFETY: integer flags only.
    let rc = unsafe { libc::syscall(libc::SYS_userfaultfd, libc::O_CLOEXEC) };
    failed(check(rc), "userfaultfd")
}

fn io_uring_setup(_: &ProbeContext) -> (bool, String) {
    let mut params = [0u8; 120];
    // SAFETY: a zeroed io_uring_params-sized buffer that lives across the call.
    let rc = unsafe { libc::syscall(libc::SYS_io_uring_setup, 4, params.as_mut_ptr()) };
    failed(check(rc), "io_uring_setup")
}

fn open_by_handle_at(_: &ProbeContext) -> (bool, String) {
    // The "shocker" escape: a file handle for the host's root inode (ext4: inode 2).
    let mut handle = [0u8; 8 + 8];
    handle[0..4].copy_from_slice(&8u32.to_ne_bytes());
    handle[4..8].copy_from_slice(&1i32.to_ne_bytes());
    handle[8..12].copy_from_slice(&2u32.to_ne_bytes());
    // SAFETY: a live file_handle-shaped buffer; the kernel only reads it.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_open_by_handle_at,
            0,
            handle.as_mut_ptr(),
            libc::O_RDONLY,
        )
    };
    failed(check(rc), "open_by_handle_at")
}

fn write_read_only_bind(_: &ProbeContext) -> (bool, String) {
    let attempts = [
        ("/usr/lib/libreoffice/program/oxool-probe", true),
        ("/usr/lib/libreoffice/program/versionrc", false),
        ("/etc/passwd", false),
        ("/oxool-probe", true),
    ];
    let mut details = Vec::new();
    for (path, create) in attempts {
        let opened = fs::OpenOptions::new()
            .write(true)
            .create(create)
            .truncate(false)
            .open(path);
        match opened {
            Ok(_) => return (false, format!("opened {path} for writing")),
            Err(err) => details.push(format!("{path}: {err}")),
        }
    }
    (true, details.join("; "))
}

fn setuid_root(_: &ProbeContext) -> (bool, String) {
    // SAFETY: setuid(2) takes an integer.
    let rc = unsafe { libc::setuid(0) };
    failed(check(rc.into()), "setuid(0)")
}

fn chmod_setuid(_: &ProbeContext) -> (bool, String) {
    if let Err(err) = fs::write("/tmp/probe-suid", b"#!/bin/sh\n") {
        return (true, format!("cannot even create the file: {err}"));
    }
    // SAFETY: chmod(2) with a constant path.
    let rc = unsafe { libc::chmod(c"/tmp/probe-suid".as_ptr(), 0o4755) };
    failed(check(rc.into()), "chmod u+s /tmp/probe-suid")
}

fn dotdot_escape(_: &ProbeContext) -> (bool, String) {
    for _ in 0..16 {
        let _ = std::env::set_current_dir("..");
    }
    let here = unexpected_entries(".", JAIL_ROOT_ENTRIES);
    let shadow = fs::read("../../../../../../etc/shadow");
    match (here, shadow) {
        (Ok(extra), Err(_)) if extra.is_empty() => (true, "`..` stays at the jail root".into()),
        (here, shadow) => (
            false,
            format!(
                "outside entries {here:?}, shadow readable: {}",
                shadow.is_ok()
            ),
        ),
    }
}

fn symlink_escape(_: &ProbeContext) -> (bool, String) {
    let link = "/tmp/probe-link";
    let _ = fs::remove_file(link);
    if let Err(err) = std::os::unix::fs::symlink("../../../../../../etc/shadow", link) {
        return (true, format!("symlink: {err}"));
    }
    failed(fs::read(link), "read /etc/shadow through a symlink")
}

fn fchdir_escape(ctx: &ProbeContext) -> (bool, String) {
    let Some(fd) = ctx.fd_opened_before_chroot else {
        return (
            true,
            "no descriptor from before the chroot was planted".into(),
        );
    };
    // SAFETY: fchdir(2) on an integer descriptor (closed ones fail with EBADF).
    let rc = unsafe { libc::fchdir(fd) };
    if let Err(err) = check(rc.into()) {
        return (true, format!("fchdir(planted fd {fd}): {err}"));
    }
    for _ in 0..16 {
        let _ = std::env::set_current_dir("..");
    }
    match unexpected_entries(".", JAIL_ROOT_ENTRIES) {
        Ok(extra) if extra.is_empty() => (true, "fchdir landed inside the jail".into()),
        Ok(extra) => (
            false,
            format!("outside the jail through fd {fd}: {extra:?}"),
        ),
        Err(err) => (true, format!("list after fchdir: {err}")),
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
            host_paths_to_try: vec![],
            parent_pid: 1,
            inet_port: 0,
            abstract_name: String::new(),
            fd_opened_before_chroot: None,
        };
        assert!(!run_probe("no-such-probe", &ctx).blocked);
    }

    #[test]
    fn an_unjailed_process_is_not_blocked_by_the_listing_probes() {
        // The probes must be able to fail: outside a jail the host's / has more than the jail.
        let ctx = ProbeContext {
            host_paths_to_try: vec!["/etc/hostname".into(), "/".into()],
            parent_pid: 1,
            inet_port: 0,
            abstract_name: String::new(),
            fd_opened_before_chroot: None,
        };
        assert!(!run_probe("list_root", &ctx).blocked);
        assert!(!run_probe("read_host_paths", &ctx).blocked);
        if std::path::Path::new("/proc/self").exists() {
            assert!(!run_probe("list_proc", &ctx).blocked);
        }
    }
}
