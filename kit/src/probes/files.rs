//! Host files and the chroot: reading, listing and writing outside the jail, and walking out of it.

use std::fs;
use std::io;

use super::{check, failed, ProbeContext};

/// The jail's top-level entries: everything else under `/` would be host content.
pub(super) const JAIL_ROOT_ENTRIES: &[&str] = &["etc", "var", "usr", "dev", "tmp"];
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

pub(super) fn read_etc_shadow(_: &ProbeContext) -> (bool, String) {
    failed(fs::read("/etc/shadow"), "read /etc/shadow")
}

pub(super) fn read_host_paths(ctx: &ProbeContext) -> (bool, String) {
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
pub(super) fn unexpected_entries(dir: &str, allowed: &[&str]) -> io::Result<Vec<String>> {
    let mut extra = Vec::new();
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if !allowed.contains(&name.as_str()) {
            extra.push(name);
        }
    }
    Ok(extra)
}

/// uname(2) must not name the machine: the kit's UTS namespace has a fixed host name.
pub(super) fn uname_host_name(_: &ProbeContext) -> (bool, String) {
    match nix::sys::utsname::uname() {
        Ok(uts) => {
            let node = uts.nodename().to_string_lossy().into_owned();
            (
                node == crate::jail::KIT_HOSTNAME,
                format!("nodename {node:?}"),
            )
        }
        Err(err) => (true, format!("uname: {err}")),
    }
}

pub(super) fn list_root(_: &ProbeContext) -> (bool, String) {
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

pub(super) fn list_proc(_: &ProbeContext) -> (bool, String) {
    failed(fs::read_dir("/proc"), "list /proc")
}

pub(super) fn list_sys(_: &ProbeContext) -> (bool, String) {
    failed(fs::read_dir("/sys"), "list /sys")
}

pub(super) fn list_dev(_: &ProbeContext) -> (bool, String) {
    match unexpected_entries("/dev", &["urandom", "random"]) {
        Ok(extra) if extra.is_empty() => (true, "/dev holds only urandom and random".into()),
        Ok(extra) => (false, format!("devices visible: {extra:?}")),
        Err(err) => (true, format!("list /dev: {err}")),
    }
}

pub(super) fn write_read_only_bind(_: &ProbeContext) -> (bool, String) {
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

pub(super) fn dotdot_escape(_: &ProbeContext) -> (bool, String) {
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

pub(super) fn symlink_escape(_: &ProbeContext) -> (bool, String) {
    let link = "/tmp/probe-link";
    let _ = fs::remove_file(link);
    if let Err(err) = std::os::unix::fs::symlink("../../../../../../etc/shadow", link) {
        return (true, format!("symlink: {err}"));
    }
    failed(fs::read(link), "read /etc/shadow through a symlink")
}

pub(super) fn fchdir_escape(ctx: &ProbeContext) -> (bool, String) {
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
