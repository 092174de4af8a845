//! The fd inventory: walk the whole descriptor table (there is no /proc in the jail) and report
//! anything a kit is not meant to hold. A directory opened outside is a way out of the chroot;
//! a socket other than the kit's own may lead to wsd, forkit or D-Bus (the fd 3).

use std::os::fd::RawFd;

use super::ProbeContext;

/// Descriptor numbers beyond this are not walked (the jail's RLIMIT_NOFILE is far lower).
const MAX_FD: RawFd = 1 << 16;

/// journald's stream socket: what stdout/stderr are under systemd (write-only logging).
const JOURNAL_STDOUT: &[u8] = b"/run/systemd/journal/stdout";

pub(super) fn fd_inventory(ctx: &ProbeContext) -> (bool, String) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    let last = RawFd::try_from(limit.rlim_cur)
        .unwrap_or(MAX_FD)
        .min(MAX_FD);
    let mut held = Vec::new();
    let mut unexpected = Vec::new();
    for fd in 0..last {
        // SAFETY: F_GETFD only asks whether the number is open.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
            continue;
        }
        let kind = kind_of(fd);
        held.push(format!("{fd}:{kind}"));
        if let Some(why) = unexpected_because(ctx, fd, kind) {
            unexpected.push(format!("fd {fd} ({kind}): {why}"));
        }
    }
    if unexpected.is_empty() {
        (
            true,
            format!("only expected descriptors: {}", held.join(" ")),
        )
    } else {
        (false, unexpected.join("; "))
    }
}

fn kind_of(fd: RawFd) -> &'static str {
    let mut stat = std::mem::MaybeUninit::<libc::stat>::zeroed();
    // SAFETY: fstat writes into the buffer we own.
    if unsafe { libc::fstat(fd, stat.as_mut_ptr()) } != 0 {
        return "unknown";
    }
    // SAFETY: fstat succeeded and initialised it.
    match unsafe { stat.assume_init() }.st_mode & libc::S_IFMT {
        libc::S_IFDIR => "directory",
        libc::S_IFSOCK => "socket",
        libc::S_IFIFO => "pipe",
        libc::S_IFREG => "file",
        libc::S_IFCHR => "chardev",
        libc::S_IFBLK => "blockdev",
        libc::S_IFLNK => "symlink",
        _ => "other",
    }
}

fn unexpected_because(ctx: &ProbeContext, fd: RawFd, kind: &str) -> Option<&'static str> {
    if ctx.expected_fds.contains(&fd) {
        return None;
    }
    match kind {
        "directory" => Some("a directory opened outside the jail"),
        "blockdev" => Some("a block device"),
        "socket" if fd <= 2 && peer_is_journal(fd) => None,
        "socket" => Some("a socket other than the kit's own"),
        _ if fd <= 2 => None,
        _ if ctx.preinit_fds_known => Some("not the kit socket and not from LibreOffice's preinit"),
        _ => None,
    }
}

fn peer_is_journal(fd: RawFd) -> bool {
    let mut address = std::mem::MaybeUninit::<libc::sockaddr_un>::zeroed();
    let mut len = std::mem::size_of::<libc::sockaddr_un>() as libc::socklen_t;
    // SAFETY: getpeername writes at most `len` bytes into the buffer we own.
    if unsafe { libc::getpeername(fd, address.as_mut_ptr().cast(), &mut len) } != 0 {
        return false;
    }
    // SAFETY: zero-initialised and partly written by the kernel: valid either way.
    let address = unsafe { address.assume_init() };
    let path: Vec<u8> = address
        .sun_path
        .iter()
        .take_while(|c| **c != 0)
        .map(|c| *c as u8)
        .collect();
    address.sun_family == libc::AF_UNIX as libc::sa_family_t && path == JOURNAL_STDOUT
}
