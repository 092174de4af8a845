//! The front end's side of the control channel (see control.rs for the format).

use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use oxool_proto::Message;
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

use super::pool::SpawnOrder;
use crate::control::{self, ControlError};

pub struct ZygoteLink {
    fd: AsyncFd<OwnedFd>,
}

impl ZygoteLink {
    pub fn new(fd: OwnedFd) -> std::io::Result<Self> {
        set_nonblocking(&fd)?;
        // SAFETY: the AsyncFd owns `fd` (an OwnedFd), which stays open and is the same
        // descriptor until the AsyncFd is dropped; nothing else closes or replaces it.
        let fd = unsafe { AsyncFd::register(fd) }.map_err(|e| e.into_parts().1)?;
        Ok(ZygoteLink { fd })
    }

    pub async fn recv(&self) -> Result<(Message, Option<OwnedFd>), ControlError> {
        // A receive interrupted by a signal is simply tried again.
        self.when_ready(Interest::READABLE, &[nix::Error::EINTR], control::recv)
            .await
    }

    pub async fn send(&self, message: &Message) -> Result<(), ControlError> {
        self.when_ready(Interest::WRITABLE, &[], |fd| {
            control::send(fd, message, None)
        })
        .await
    }

    /// Runs `op` on the socket each time it is ready for `interest`, until `op` answers with
    /// anything but EAGAIN (not ready after all: wait again) or one of `retry_errors`.
    async fn when_ready<T>(
        &self,
        interest: Interest,
        retry_errors: &[nix::Error],
        mut op: impl FnMut(RawFd) -> Result<T, ControlError>,
    ) -> Result<T, ControlError> {
        loop {
            let mut guard = self
                .fd
                .ready(interest)
                .await
                .map_err(|e| ControlError::Malformed(e.to_string()))?;
            match op(self.fd.get_ref().as_raw_fd()) {
                Err(ControlError::Socket(nix::Error::EAGAIN)) => guard.clear_ready(),
                Err(ControlError::Socket(errno)) if retry_errors.contains(&errno) => {}
                other => return other,
            }
        }
    }

    /// Asks the zygote for the kits a pool operation calls for.
    pub async fn order_spawns(&self, order: SpawnOrder) {
        for _ in 0..order.0 {
            if let Err(err) = self.send(&Message::new("spawn")).await {
                tracing::error!("asking the zygote for a kit: {err}");
            }
        }
    }

    pub async fn kill(&self, pid: u32) -> Result<(), ControlError> {
        self.send(&Message::new("kill").arg("pid", pid)).await
    }

    pub async fn abort(&self, pid: u32) -> Result<(), ControlError> {
        self.send(&Message::new("abort").arg("pid", pid)).await
    }
}

fn set_nonblocking(fd: &OwnedFd) -> std::io::Result<()> {
    let flags = nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_GETFL)?;
    let flags = nix::fcntl::OFlag::from_bits_truncate(flags) | nix::fcntl::OFlag::O_NONBLOCK;
    nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_SETFL(flags))?;
    Ok(())
}
