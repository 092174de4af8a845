//! The control channel between forkit's front end and its zygote.
//!
//! A `SOCK_SEQPACKET` socketpair made before the zygote is forked: one datagram per message, each a
//! `oxool_proto::Message` line, optionally carrying one file descriptor (`SCM_RIGHTS`).
//!
//! | direction | message | fd | meaning |
//! |---|---|---|---|
//! | zygote → front | `preinited ms=<ms> lo_version=<text>` | – | LibreOffice is loaded; spawns may start |
//! | zygote → front | `failed reason=<text>` | – | the zygote cannot work (preinit, seccomp); it exits next |
//! | front → zygote | `spawn` | – | fork one kit |
//! | zygote → front | `spawned pid=<pid> jail=<id> fork_us=<µs> cgroup_us=<µs>` | wsd end of the kit socket | the kit is forked; it writes `ready` on that socket once jailed |
//! | zygote → front | `spawnfailed reason=<text>` | – | fork or socketpair failed |
//! | front → zygote | `kill pid=<pid>` | – | SIGKILL one of the zygote's kits |
//! | zygote → front | `exited pid=<pid> jail=<id> status=<wait status> signal=<n> oom=0\|1` | – | a kit was reaped and its jail removed |
//!
//! EOF on either side ends the other: a zygote whose front end is gone kills its kits and exits.

use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

use nix::sys::socket::{
    recvmsg, sendmsg, socketpair, AddressFamily, ControlMessage, ControlMessageOwned, MsgFlags,
    SockFlag, SockType,
};
use oxool_proto::Message;

/// Largest control datagram: messages are one short line.
pub const MAX_DATAGRAM: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("control socket: {0}")]
    Socket(#[from] nix::Error),
    #[error("the other end closed the control channel")]
    Closed,
    #[error("malformed control message: {0}")]
    Malformed(String),
}

/// Makes the pair: (front end side, zygote side), both close-on-exec.
pub fn control_pair() -> Result<(OwnedFd, OwnedFd), ControlError> {
    let (front, zygote) = socketpair(
        AddressFamily::Unix,
        SockType::SeqPacket,
        None,
        SockFlag::SOCK_CLOEXEC,
    )?;
    Ok((front, zygote))
}

/// Sends one message, with an optional descriptor.
pub fn send(fd: RawFd, message: &Message, passed: Option<RawFd>) -> Result<(), ControlError> {
    let line = message.render();
    let iov = [IoSlice::new(line.as_bytes())];
    let fds;
    let cmsgs: Vec<ControlMessage> = match passed {
        Some(passed) => {
            fds = [passed];
            vec![ControlMessage::ScmRights(&fds)]
        }
        None => Vec::new(),
    };
    loop {
        match sendmsg::<()>(fd, &iov, &cmsgs, MsgFlags::MSG_NOSIGNAL, None) {
            Ok(_) => return Ok(()),
            Err(nix::Error::EINTR) => continue,
            Err(nix::Error::EPIPE) | Err(nix::Error::ECONNRESET) => {
                return Err(ControlError::Closed)
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Receives one message and its descriptor, if one came along. `EAGAIN` is returned as an error
/// so the async side can wait for readiness again.
pub fn recv(fd: RawFd) -> Result<(Message, Option<OwnedFd>), ControlError> {
    let mut buf = [0u8; MAX_DATAGRAM];
    let mut cmsg_space = nix::cmsg_space!([RawFd; 1]);
    let (len, passed) = {
        let mut iov = [IoSliceMut::new(&mut buf)];
        let msg = recvmsg::<()>(
            fd,
            &mut iov,
            Some(&mut cmsg_space),
            MsgFlags::MSG_CMSG_CLOEXEC,
        )?;
        let mut passed = None;
        for cmsg in msg.cmsgs()? {
            if let ControlMessageOwned::ScmRights(fds) = cmsg {
                for raw in fds {
                    // SAFETY: the kernel just installed `raw` in our table for us (SCM_RIGHTS);
                    // nothing else owns it, so wrapping it transfers ownership exactly once.
                    let owned = unsafe { OwnedFd::from_raw_fd(raw) };
                    if passed.is_none() {
                        passed = Some(owned);
                    }
                }
            }
        }
        (msg.bytes, passed)
    };
    if len == 0 {
        return Err(ControlError::Closed);
    }
    let line = std::str::from_utf8(&buf[..len])
        .map_err(|_| ControlError::Malformed("not UTF-8".into()))?;
    let message = Message::parse(line).map_err(|e| ControlError::Malformed(e.to_string()))?;
    Ok((message, passed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    #[test]
    fn message_and_descriptor_cross_the_pair() {
        let (a, b) = control_pair().unwrap();
        let (x, _y) = std::os::unix::net::UnixStream::pair().unwrap();
        let msg = Message::new("spawned").arg("pid", 42).arg("jail", "abc");
        send(a.as_raw_fd(), &msg, Some(x.as_raw_fd())).unwrap();
        let (got, fd) = recv(b.as_raw_fd()).unwrap();
        assert_eq!(got, msg);
        assert!(fd.is_some());
        drop(a);
        assert!(matches!(recv(b.as_raw_fd()), Err(ControlError::Closed)));
    }
}
