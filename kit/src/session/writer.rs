//! The kit's one way to write to wsd once a document is open: the request loop (answers) and the
//! callback forwarder (events) both write frames, so every frame is written whole under one lock
//! and frames never interleave on the socket.

use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex};

use oxool_proto::{Frame, FrameError};

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("writing a frame to wsd: {0}")]
    Frame(#[from] FrameError),
    #[error("another writer panicked while holding the socket")]
    Poisoned,
}

/// A cloneable handle to the socket's write side.
#[derive(Clone)]
pub struct FrameWriter {
    socket: Arc<Mutex<UnixStream>>,
}

impl FrameWriter {
    /// Takes a duplicate of the kit socket that is used for writing only.
    pub fn new(socket: UnixStream) -> Self {
        FrameWriter {
            socket: Arc::new(Mutex::new(socket)),
        }
    }

    /// Encodes first, then writes the whole frame while holding the lock. Blocks while wsd does
    /// not read (the socket buffer is full): only the request loop and the forwarder wait here,
    /// never LibreOffice's thread.
    pub fn send(&self, frame: &Frame) -> Result<(), WriteError> {
        let bytes = frame.encode()?;
        let mut socket = self.socket.lock().map_err(|_| WriteError::Poisoned)?;
        std::io::Write::write_all(&mut *socket, &bytes).map_err(FrameError::from)?;
        Ok(())
    }
}
