//! W^X: no memory may be writable and executable at once, or become executable later. These are
//! decided inside the kit (there is nothing to see from outside); the filter answers EACCES.

use std::os::fd::AsRawFd;

use super::ProbeContext;

const PAGE: usize = 4096;

/// mmap's result: Ok(address) or the error.
fn map(
    prot: libc::c_int,
    flags: libc::c_int,
    fd: libc::c_int,
) -> std::io::Result<*mut libc::c_void> {
    // SAFETY: a fresh mapping chosen by the kernel; nothing is read or written through it here.
    let address = unsafe { libc::mmap(std::ptr::null_mut(), PAGE, prot, flags, fd, 0) };
    if address == libc::MAP_FAILED {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(address)
    }
}

fn verdict(result: std::io::Result<()>, what: &str) -> (bool, String) {
    match result {
        Ok(()) => (false, format!("{what} succeeded")),
        Err(err) => (true, format!("{what}: {err}")),
    }
}

const ANON: libc::c_int = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS;
const RWX: libc::c_int = libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC;

pub(super) fn mmap_rwx(_: &ProbeContext) -> (bool, String) {
    verdict(map(RWX, ANON, -1).map(drop), "mmap(RWX, anonymous)")
}

pub(super) fn mmap_rwx_file(_: &ProbeContext) -> (bool, String) {
    let mapped = (|| {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open("/tmp/probe-wx")?;
        file.set_len(PAGE as u64)?;
        map(RWX, libc::MAP_SHARED, file.as_raw_fd()).map(drop)
    })();
    verdict(mapped, "mmap(RWX, shared file in /tmp)")
}

fn protect(from: libc::c_int, to: libc::c_int) -> std::io::Result<()> {
    let address = map(from, ANON, -1)?;
    // SAFETY: changes the protection of the page we just mapped.
    if unsafe { libc::mprotect(address, PAGE, to) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

pub(super) fn mprotect_rw_to_rx(_: &ProbeContext) -> (bool, String) {
    let rw = libc::PROT_READ | libc::PROT_WRITE;
    let rx = libc::PROT_READ | libc::PROT_EXEC;
    verdict(protect(rw, rx), "mprotect(RW → RX)")
}

pub(super) fn mprotect_rx_to_rwx(_: &ProbeContext) -> (bool, String) {
    let rx = libc::PROT_READ | libc::PROT_EXEC;
    verdict(protect(rx, RWX), "mprotect(RX → RWX)")
}
