//! Signals to a process outside the kit, by every mechanism the kernel offers: direct sends
//! (kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_send_signal) and the indirect
//! ones where the kernel sends on the kit's behalf to an fd's owner (SIGIO through O_ASYNC,
//! SIGURG through out-of-band data, lease breaks, dnotify, the ioctl twins of F_SETOWN). The
//! harness's victim records every catchable signal, so a delivered one is seen from outside.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;

use super::{check, failed, ProbeContext};

/// Not in the libc crate for every target (linux/fcntl.h, asm-generic/sockios.h).
const F_SETSIG: libc::c_int = 10;
const F_SETOWN_EX: libc::c_int = 15;
const F_OWNER_PID: libc::c_int = 1;
const FIOSETOWN: libc::c_ulong = 0x8901;
const DN_CREATE: libc::c_long = 0x4;

/// What the direct sends deliver: catchable, so an escape does not kill the victim.
const SIGNAL: libc::c_int = libc::SIGUSR1;

fn no_victim() -> (bool, String) {
    (false, "the harness named no victim".into())
}

fn owned(fd: libc::c_int) -> io::Result<OwnedFd> {
    check(fd.into())?;
    // SAFETY: a descriptor just returned by the kernel, owned by nothing else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array we own.
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }.into())?;
    // SAFETY: both were just created and are owned by nothing else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

fn fcntl(fd: RawFd, cmd: libc::c_int, arg: libc::c_long) -> io::Result<libc::c_long> {
    // SAFETY: fcntl with integer arguments only.
    check(unsafe { libc::fcntl(fd, cmd, arg) }.into())
}

fn write_byte(fd: RawFd) -> io::Result<libc::c_long> {
    // SAFETY: writes one byte from a live buffer.
    check(unsafe { libc::write(fd, b"x".as_ptr().cast(), 1) } as libc::c_long)
}

/// Sets the pipe's `reader` to O_ASYNC (and nothing else) and writes one byte to `writer`: the
/// kernel signals the reader's owner.
fn async_write(reader: &OwnedFd, writer: &OwnedFd) -> io::Result<libc::c_long> {
    fcntl(
        reader.as_raw_fd(),
        libc::F_SETFL,
        libc::c_long::from(libc::O_ASYNC),
    )?;
    write_byte(writer.as_raw_fd())
}

fn sent(
    ctx: &ProbeContext,
    what: &str,
    attempt: impl FnOnce(i32) -> io::Result<libc::c_long>,
) -> (bool, String) {
    if ctx.victim_pid <= 0 {
        return no_victim();
    }
    failed(attempt(ctx.victim_pid), what)
}

pub(super) fn kill_victim(ctx: &ProbeContext) -> (bool, String) {
    sent(ctx, "kill(victim, SIGUSR1)", |pid| {
        // SAFETY: kill with integer arguments.
        check(unsafe { libc::kill(pid, SIGNAL) }.into())
    })
}

pub(super) fn kill_victim_group(ctx: &ProbeContext) -> (bool, String) {
    let pgid = ctx.victim_pgid;
    if pgid <= 1 {
        return no_victim();
    }
    sent(ctx, "kill(-victim group, SIGUSR1)", |_| {
        // SAFETY: kill with integer arguments; the group is the victim's own, never 0 or 1.
        check(unsafe { libc::kill(-pgid, SIGNAL) }.into())
    })
}

pub(super) fn tkill_victim(ctx: &ProbeContext) -> (bool, String) {
    sent(ctx, "tkill(victim, SIGUSR1)", |pid| {
        // SAFETY: integer arguments only.
        check(unsafe { libc::syscall(libc::SYS_tkill, pid, SIGNAL) })
    })
}

pub(super) fn tgkill_victim(ctx: &ProbeContext) -> (bool, String) {
    sent(ctx, "tgkill(victim, victim, SIGUSR1)", |pid| {
        // SAFETY: integer arguments only.
        check(unsafe { libc::syscall(libc::SYS_tgkill, pid, pid, SIGNAL) })
    })
}

/// A siginfo a process may queue to another of its uid (si_code SI_QUEUE).
fn queued_info() -> libc::siginfo_t {
    // SAFETY: an all-zero siginfo_t is valid; the three leading ints are set below.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    info.si_signo = SIGNAL;
    info.si_code = -1; // SI_QUEUE
    info
}

pub(super) fn rt_sigqueueinfo_victim(ctx: &ProbeContext) -> (bool, String) {
    let info = queued_info();
    sent(ctx, "rt_sigqueueinfo(victim)", |pid| {
        // SAFETY: the siginfo lives across the call; the kernel only reads it.
        check(unsafe { libc::syscall(libc::SYS_rt_sigqueueinfo, pid, SIGNAL, &info) })
    })
}

pub(super) fn rt_tgsigqueueinfo_victim(ctx: &ProbeContext) -> (bool, String) {
    let info = queued_info();
    sent(ctx, "rt_tgsigqueueinfo(victim)", |pid| {
        // SAFETY: the siginfo lives across the call; the kernel only reads it.
        check(unsafe { libc::syscall(libc::SYS_rt_tgsigqueueinfo, pid, pid, SIGNAL, &info) })
    })
}

pub(super) fn pidfd_send_signal_victim(ctx: &ProbeContext) -> (bool, String) {
    sent(ctx, "pidfd_open + pidfd_send_signal(victim)", |pid| {
        // SAFETY: integer arguments only.
        let fd = owned(unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as libc::c_int)?;
        // SAFETY: a pidfd we own, no siginfo.
        check(unsafe {
            libc::syscall(
                libc::SYS_pidfd_send_signal,
                fd.as_raw_fd(),
                SIGNAL,
                std::ptr::null::<u8>(),
                0,
            )
        })
    })
}

/// SIGIO to `owner` (a pid, or a negative process group): a pipe whose reader is owned by
/// `owner` and asynchronous, then one byte written.
fn sigio(owner: i32) -> io::Result<libc::c_long> {
    let (reader, writer) = pipe()?;
    fcntl(reader.as_raw_fd(), libc::F_SETOWN, owner.into())?;
    let flags = fcntl(reader.as_raw_fd(), libc::F_GETFL, 0)?;
    fcntl(
        reader.as_raw_fd(),
        libc::F_SETFL,
        flags | libc::c_long::from(libc::O_ASYNC),
    )?;
    write_byte(writer.as_raw_fd())
}

pub(super) fn fcntl_sigio_victim(ctx: &ProbeContext) -> (bool, String) {
    sent(ctx, "F_SETOWN victim + O_ASYNC (SIGIO)", sigio)
}

pub(super) fn fcntl_sigio_victim_group(ctx: &ProbeContext) -> (bool, String) {
    to_victim_group(ctx, "F_SETOWN -victim group + O_ASYNC (SIGIO)", sigio)
}

/// Runs `attempt` with the victim's process group as the owner (a negative F_SETOWN argument).
fn to_victim_group(
    ctx: &ProbeContext,
    what: &str,
    attempt: fn(i32) -> io::Result<libc::c_long>,
) -> (bool, String) {
    let pgid = ctx.victim_pgid;
    if pgid <= 1 {
        return no_victim();
    }
    sent(ctx, what, |_| attempt(-pgid))
}

fn socket_pair() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    let kind = libc::SOCK_STREAM | libc::SOCK_CLOEXEC;
    // SAFETY: socketpair writes two descriptors into the array we own.
    check(unsafe { libc::socketpair(libc::AF_UNIX, kind, 0, fds.as_mut_ptr()) }.into())?;
    // SAFETY: both were just created and are owned by nothing else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// SIGURG to `owner`: out-of-band data on a unix stream socket whose receiving end it owns.
fn sigurg(owner: i32) -> io::Result<libc::c_long> {
    let (sender, receiver) = socket_pair()?;
    fcntl(receiver.as_raw_fd(), libc::F_SETOWN, owner.into())?;
    // SAFETY: sends one byte from a live buffer.
    check(
        unsafe { libc::send(sender.as_raw_fd(), b"!".as_ptr().cast(), 1, libc::MSG_OOB) }
            as libc::c_long,
    )
}

pub(super) fn fcntl_sigurg_victim(ctx: &ProbeContext) -> (bool, String) {
    sent(ctx, "F_SETOWN victim + MSG_OOB (SIGURG)", sigurg)
}

pub(super) fn fcntl_sigurg_victim_group(ctx: &ProbeContext) -> (bool, String) {
    to_victim_group(ctx, "F_SETOWN -victim group + MSG_OOB (SIGURG)", sigurg)
}

pub(super) fn fcntl_setown_ex_victim(ctx: &ProbeContext) -> (bool, String) {
    sent(ctx, "F_SETOWN_EX victim + O_ASYNC", |pid| {
        let (reader, writer) = pipe()?;
        let owner: [libc::c_int; 2] = [F_OWNER_PID, pid];
        fcntl(
            reader.as_raw_fd(),
            F_SETOWN_EX,
            owner.as_ptr() as libc::c_long,
        )?;
        async_write(&reader, &writer)
    })
}

/// The route the issue reported: F_SETSIG picks the signal (SIGUSR2 here, SIGKILL there).
pub(super) fn fcntl_setsig_victim(ctx: &ProbeContext) -> (bool, String) {
    sent(ctx, "F_SETSIG + F_SETOWN victim + O_ASYNC", |pid| {
        let (reader, writer) = pipe()?;
        fcntl(reader.as_raw_fd(), F_SETSIG, libc::SIGUSR2.into())?;
        fcntl(reader.as_raw_fd(), libc::F_SETOWN, pid.into())?;
        async_write(&reader, &writer)
    })
}

/// A read lease whose break signal goes to the victim, broken by opening the file for writing.
pub(super) fn fcntl_setlease_victim(ctx: &ProbeContext) -> (bool, String) {
    sent(
        ctx,
        "F_SETLEASE + F_SETOWN victim + conflicting open",
        |pid| {
            let path = "/tmp/probe-lease";
            std::fs::write(path, b"lease")?;
            let file = std::fs::File::open(path)?;
            fcntl(file.as_raw_fd(), libc::F_SETLEASE, libc::F_RDLCK.into())?;
            fcntl(file.as_raw_fd(), libc::F_SETOWN, pid.into())?;
            let breaker = std::fs::OpenOptions::new()
                .write(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(path);
            match breaker {
                // EWOULDBLOCK: the break was started and its signal sent.
                Err(err) if err.raw_os_error() == Some(libc::EWOULDBLOCK) => Ok(0),
                other => other.map(|_| 0),
            }
        },
    )
}

/// dnotify on a directory, its signal redirected to the victim, then a file created in it.
pub(super) fn fcntl_notify_victim(ctx: &ProbeContext) -> (bool, String) {
    sent(ctx, "F_NOTIFY + F_SETOWN victim + create", |pid| {
        let dir = std::fs::File::open("/tmp")?;
        fcntl(dir.as_raw_fd(), libc::F_NOTIFY, DN_CREATE)?;
        fcntl(dir.as_raw_fd(), libc::F_SETOWN, pid.into())?;
        let _ = std::fs::remove_file("/tmp/probe-notify");
        std::fs::write("/tmp/probe-notify", b"x").map(|_| 0)
    })
}

/// The ioctl twins of F_SETOWN and O_ASYNC (a socket's FIOSETOWN), then one byte received.
pub(super) fn ioctl_sigio_victim(ctx: &ProbeContext) -> (bool, String) {
    sent(
        ctx,
        "ioctl FIOSETOWN victim + FIOASYNC on a socket",
        |pid| {
            let (sender, receiver) = socket_pair()?;
            let on: libc::c_int = 1;
            // SAFETY: the ioctls read one int each from live locals.
            check(unsafe { libc::ioctl(receiver.as_raw_fd(), FIOSETOWN, &pid) }.into())?;
            // SAFETY: as above.
            check(unsafe { libc::ioctl(receiver.as_raw_fd(), libc::FIOASYNC, &on) }.into())?;
            write_byte(sender.as_raw_fd())
        },
    )
}
