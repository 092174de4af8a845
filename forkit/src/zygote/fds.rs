//! The descriptors a kit may keep: its kit socket and what LibreOffice's preinit opened.
//!
//! The zygote starts with nothing but stdio and its control socket (main.rs closes everything
//! else right after the fork). What is open after preinit, besides those, is what LibreOffice
//! opened: its wake-up pipe and the files it mapped or holds open, which every kit's LibreOffice
//! keeps using. None of them may be a socket: a socket is a way to a peer outside the jail, and
//! the zygote refuses to serve rather than hand one to every kit.

use std::os::fd::RawFd;

use super::ZygoteError;

/// Lists what preinit left open (every descriptor but stdio and `control`), refusing sockets.
pub fn record_preinit_fds(control: RawFd) -> Result<Vec<RawFd>, ZygoteError> {
    let open = oxool_kit::sys::open_fds().map_err(ZygoteError::PreinitFds)?;
    let recorded: Vec<RawFd> = open
        .into_iter()
        .filter(|fd| *fd > 2 && *fd != control)
        .collect();
    for fd in &recorded {
        if is_socket(*fd) {
            let target = std::fs::read_link(format!("/proc/self/fd/{fd}"))
                .map(|t| t.display().to_string())
                .unwrap_or_default();
            return Err(ZygoteError::PreinitSocket { fd: *fd, target });
        }
    }
    Ok(recorded)
}

fn is_socket(fd: RawFd) -> bool {
    let mut stat = std::mem::MaybeUninit::<libc::stat>::zeroed();
    // SAFETY: fstat(2) writes only into the buffer we own.
    let ok = unsafe { libc::fstat(fd, stat.as_mut_ptr()) } == 0;
    // SAFETY: fstat succeeded, so it initialised the buffer.
    ok && unsafe { stat.assume_init() }.st_mode & libc::S_IFMT == libc::S_IFSOCK
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    #[test]
    fn a_socket_left_by_preinit_is_refused() {
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        // The test harness holds other descriptors too; whichever comes first, a socket is named.
        match record_preinit_fds(-1) {
            Err(ZygoteError::PreinitSocket { fd, .. }) => assert!(is_socket(fd)),
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert!(is_socket(a.as_raw_fd()));
        let file = std::fs::File::open("/proc/self/status").unwrap();
        assert!(!is_socket(file.as_raw_fd()));
    }
}
