//! The SIGSYS handler: a denied syscall is reported by name, then the kit ends.
//!
//! Everything the handler needs was computed before the filter was installed: for each syscall
//! number, the stderr line and the proto frame, as bytes. The handler only reads them and calls
//! write(2) and _exit(2), both async-signal-safe (and both on the allowlist).

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicI32, AtomicPtr, Ordering};

use oxool_proto::{Frame, FromKit, Message};

use crate::signal_write::{decimal, write_all};

/// Exit status of a kit that made a denied syscall.
pub const EXIT_SECCOMP_DENIED: i32 = 70;

/// The stderr line and the frame for one syscall.
type Report = (Box<[u8]>, Box<[u8]>);

/// Per syscall number: the stderr line and the frame for wsd, both ready to write.
#[derive(Clone, Default)]
pub(super) struct NameTable {
    entries: Vec<Option<Report>>,
}

impl NameTable {
    /// `names[nr]` is the name of syscall `nr` on this architecture (None for holes).
    pub(super) fn new(names: &[Option<String>]) -> NameTable {
        let entries = names
            .iter()
            .enumerate()
            .map(|(nr, name)| {
                let name = name.as_ref()?;
                let line = format!("oxool-kit: seccomp denied syscall {name} ({nr})\n");
                let message = Message::new(FromKit::Error.name())
                    .arg("kind", "seccomp")
                    .arg("syscall", name);
                let frame = Frame::new(message.render()).encode().ok()?;
                Some((
                    line.into_bytes().into_boxed_slice(),
                    frame.into_boxed_slice(),
                ))
            })
            .collect();
        NameTable { entries }
    }

    pub(super) fn name_of(&self, nr: usize) -> Option<&str> {
        let (line, _) = self.entries.get(nr)?.as_ref()?;
        let line = std::str::from_utf8(line).ok()?;
        line.strip_prefix("oxool-kit: seccomp denied syscall ")?
            .split(' ')
            .next()
    }
}

static TABLE: AtomicPtr<NameTable> = AtomicPtr::new(std::ptr::null_mut());
static REPORT_FD: AtomicI32 = AtomicI32::new(-1);

/// Publishes the table (leaked: the kit keeps it until it ends) and the report descriptor, then
/// installs the handler for SIGSYS.
pub(super) fn arm(table: &NameTable, report_fd: RawFd) -> std::io::Result<()> {
    let leaked: &'static mut NameTable = Box::leak(Box::new(table.clone()));
    TABLE.store(leaked, Ordering::Release);
    REPORT_FD.store(report_fd, Ordering::Release);
    // SAFETY: a zeroed sigaction is a valid starting value; the handler has the SA_SIGINFO
    // signature, and sigemptyset/sigaction only read and write the struct we own.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigsys as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO;
        libc::sigemptyset(&mut action.sa_mask);
        if libc::sigaction(libc::SIGSYS, &action, std::ptr::null_mut()) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Offset of `si_syscall` in `siginfo_t` on 64-bit Linux: three ints and padding, then the
/// `_sigsys` union member `{ void *call_addr; int syscall; unsigned arch; }`.
const SI_SYSCALL_OFFSET: usize = 16 + std::mem::size_of::<*const u8>();

extern "C" fn on_sigsys(
    _signal: libc::c_int,
    info: *mut libc::siginfo_t,
    _context: *mut libc::c_void,
) {
    // SAFETY: the kernel passes a valid siginfo_t for SIGSYS; si_syscall lies inside it.
    let nr = unsafe { *(info as *const u8).add(SI_SYSCALL_OFFSET).cast::<i32>() };
    let table = TABLE.load(Ordering::Acquire);
    // SAFETY: the table was leaked in `arm` and is never freed or changed afterwards.
    let entry = unsafe { table.as_ref() }
        .and_then(|t| t.entries.get(nr as usize))
        .and_then(Option::as_ref);
    match entry {
        Some((line, frame)) => {
            write_all(2, line);
            let fd = REPORT_FD.load(Ordering::Acquire);
            if fd >= 0 {
                write_all(fd, frame);
            }
        }
        None => {
            let mut buf = [0u8; 80];
            let len = unknown_line(nr, &mut buf);
            write_all(2, &buf[..len]);
        }
    }
    // SAFETY: _exit ends the process at once; it is async-signal-safe.
    unsafe { libc::_exit(EXIT_SECCOMP_DENIED) }
}

/// "oxool-kit: seccomp denied syscall ? (<nr>)\n" without allocating.
fn unknown_line(nr: i32, buf: &mut [u8; 80]) -> usize {
    let prefix = b"oxool-kit: seccomp denied syscall ? (";
    buf[..prefix.len()].copy_from_slice(prefix);
    let mut len = prefix.len();
    let mut digits = [0u8; 20];
    let count = decimal(i64::from(nr), &mut digits);
    buf[len..len + count].copy_from_slice(&digits[..count]);
    len += count;
    buf[len] = b')';
    buf[len + 1] = b'\n';
    len + 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_numbers_are_printed_without_allocation() {
        let mut buf = [0u8; 80];
        let len = unknown_line(1234, &mut buf);
        assert_eq!(&buf[..len], b"oxool-kit: seccomp denied syscall ? (1234)\n");
        let len = unknown_line(-7, &mut buf);
        assert_eq!(&buf[..len], b"oxool-kit: seccomp denied syscall ? (-7)\n");
    }

    #[test]
    fn the_table_holds_line_and_frame() {
        let table = NameTable::new(&[Some("read".into()), None, Some("ptrace".into())]);
        assert_eq!(table.name_of(2), Some("ptrace"));
        assert_eq!(table.name_of(1), None);
        let (_, frame) = table.entries[2].as_ref().unwrap();
        let decoded = Frame::read_from(&mut &frame[..], 0).unwrap();
        assert_eq!(decoded.header, "error kind=seccomp syscall=ptrace");
    }
}
