//! Answering wsd on the kit socket when nothing else can, and leaving: the error frame of a
//! step that failed, and the process's end without atexit handlers or LibreOffice's teardown.
//! Shared by the serving loop (serve.rs) and the probe entry (probes/serve.rs).

use std::io::Write;
use std::os::unix::net::UnixStream;

use oxool_proto::{Frame, FrameError, FromKit, Message};

pub(crate) fn error_frame(kind: &str, text: &str) -> Frame {
    Frame::new(
        Message::new(FromKit::Error.name())
            .arg("kind", kind)
            .arg("message", text)
            .render(),
    )
}

pub(crate) fn reply(socket: &mut UnixStream, frame: Frame) {
    if let Err(err) = frame.write_to(socket) {
        eprintln!("oxool-kit: writing to wsd: {err}");
        leave(1);
    }
}

/// The next frame from wsd; leaves when wsd closed the socket or the stream broke. A document
/// over `max_document_bytes` is answered with `answer` first: the stream is no longer in step.
pub(crate) fn next_frame_or_leave(
    socket: &mut UnixStream,
    max_document_bytes: u32,
    answer: impl FnOnce(&mut UnixStream, Frame),
) -> Frame {
    match Frame::read_from(socket, max_document_bytes) {
        Ok(frame) => frame,
        Err(FrameError::Closed) => leave(0),
        Err(FrameError::PayloadTooLarge { len, limit }) => {
            let text = format!("document of {len} bytes exceeds the kit limit of {limit} bytes");
            answer(socket, error_frame("too-large", &text));
            leave(1)
        }
        Err(err) => {
            eprintln!("oxool-kit: reading from wsd: {err}");
            leave(1)
        }
    }
}

pub(crate) fn fail(socket: &mut UnixStream, kind: &str, text: &str, status: i32) -> ! {
    eprintln!("oxool-kit: {kind} failed: {text}");
    let _ = error_frame(kind, text).write_to(socket);
    leave(status)
}

/// Leaves without running atexit handlers or LibreOffice's teardown.
pub fn leave(status: i32) -> ! {
    let _ = std::io::stderr().flush();
    // SAFETY: _exit(2) ends the process at once; nothing after it runs.
    unsafe { libc::_exit(status) }
}
