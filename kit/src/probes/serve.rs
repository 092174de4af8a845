//! A probe kit's life after its jail (test builds of forkit only, feature `probes`): it answers
//! probe requests instead of running LibreOffice.

use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;

use oxool_proto::{Frame, Message};

use super::ProbeContext;

use crate::answer::{error_frame, leave, next_frame_or_leave, reply};

/// Descriptors a probe kit knows about: the planted directory (closed before the jail, so the
/// fchdir probe finds nothing) and LibreOffice's preinit descriptors (the only ones, besides stdio
/// and the kit socket, that the fd inventory accepts).
pub(crate) struct KeptFds {
    pub planted: Option<RawFd>,
    pub preinit: Vec<RawFd>,
}

/// The request loop of a probe kit: `probe name=…` runs one escape attempt; `convert` with an
/// `OXOOL-PROBE crash|hang|eat-memory` payload simulates a kit that dies, hangs, or needs more
/// memory than its cgroup allows (a decompression bomb); `load` with the `eat-memory` payload,
/// the same while an editing session opens its document.
pub(crate) fn serve_probes(
    mut socket: UnixStream,
    parent_pid: i32,
    kept: KeptFds,
    max_document_bytes: u32,
) -> ! {
    loop {
        let frame = next_frame_or_leave(&mut socket, max_document_bytes, reply);
        let Ok(message) = frame.message() else {
            reply_error(&mut socket, "bad-request", "malformed message");
            continue;
        };
        match message.name.as_str() {
            "probe" => {
                let ctx = ProbeContext {
                    host_paths_to_try: message
                        .get("paths")
                        .map(|p| p.split(',').map(str::to_string).collect())
                        .unwrap_or_default(),
                    parent_pid,
                    inet_port: number(&message, "port").unwrap_or(0),
                    abstract_name: message.get("abstract").unwrap_or_default().to_string(),
                    fd_opened_before_chroot: kept.planted,
                    victim_pid: number(&message, "victim").unwrap_or(0),
                    victim_pgid: number(&message, "victim_pgid").unwrap_or(0),
                    victim_canary: number(&message, "victim_canary").unwrap_or(0),
                    expected_fds: std::iter::once(socket.as_raw_fd())
                        .chain(kept.preinit.iter().copied())
                        .collect(),
                    preinit_fds_known: true,
                };
                let name = message.get("name").unwrap_or_default();
                let outcome = super::run_probe(name, &ctx);
                let answer = outcome.to_message();
                reply(&mut socket, Frame::new(answer.render()));
            }
            "convert" if frame.payload.starts_with(b"OXOOL-PROBE crash") => {
                crash();
            }
            "convert" | "load" if frame.payload.starts_with(b"OXOOL-PROBE eat-memory") => {
                // Touched pages, never freed, until the kernel's OOM killer ends the kit; the
                // 64 GiB stop is a safety net for a kit that has no memory limit at all.
                for _ in 0..(64 << 10) {
                    std::mem::forget(std::hint::black_box(vec![1u8; 1 << 20]));
                }
                leave(3)
            }
            "convert" if frame.payload.starts_with(b"OXOOL-PROBE hang") => loop {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            },
            "convert" => reply_error(&mut socket, "load", "the probe kit does not convert"),
            "exit" => leave(0),
            other => reply_error(
                &mut socket,
                "bad-request",
                &format!("unknown message {other:?}"),
            ),
        }
    }
}

/// A real crash: a store to an address that is never mapped (page 0). The kit is PID 1 of its
/// own PID namespace, which ignores a signal it sends itself (raise) when no handler is set; a
/// fault's SIGSEGV is forced by the kernel and ends it like any crashing LibreOffice.
fn crash() -> ! {
    // SAFETY: deliberately faulting: the store to page 0 (never mapped, below mmap_min_addr)
    // raises SIGSEGV before it writes anything.
    unsafe { std::ptr::write_volatile(std::ptr::without_provenance_mut::<u8>(8), 1) };
    leave(1)
}

/// A numeric argument of a probe request (absent or malformed: None).
fn number<T: std::str::FromStr>(message: &Message, key: &str) -> Option<T> {
    message.get(key).and_then(|v| v.parse().ok())
}

/// A directory descriptor opened before the jail: the fchdir probe shows that none survives.
pub(crate) fn plant_directory_fd() -> Option<RawFd> {
    // SAFETY: open(2) with a constant NUL-terminated path; the returned fd (or -1) is ours.
    let fd = unsafe { libc::open(c"/".as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY) };
    (fd >= 0).then_some(fd)
}

fn reply_error(socket: &mut UnixStream, kind: &str, text: &str) {
    reply(socket, error_frame(kind, text));
}
