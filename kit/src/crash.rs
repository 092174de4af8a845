//! A kit that crashes says where.
//!
//! LibreOffice has crashes that only some sequences of edits reach. A kit ends on them with a
//! signal and wsd reopens the document from its checkpoint, but without a trace the crash
//! cannot be reported upstream or worked around. On SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGABRT
//! the handler writes the signal and glibc's backtrace (function names where the libraries
//! export them, library and offset otherwise) to stderr, which the journal keeps with wsd's
//! log; then the kit dies of the same signal, so forkit still reports it as before.
//!
//! The handler only calls `backtrace`, `backtrace_symbols_fd` and `write`: none allocates, once
//! `backtrace` has been called once before the crash (the first call may load libgcc_s).

use std::os::raw::{c_int, c_void};

use crate::signal_write::{decimal, write_all};

extern "C" {
    // glibc's <execinfo.h>; the libc crate does not bind it.
    fn backtrace(buffer: *mut *mut c_void, size: c_int) -> c_int;
    fn backtrace_symbols_fd(buffer: *const *mut c_void, size: c_int, fd: c_int);
}

/// The signals a crash ends with.
pub const CRASH_SIGNALS: [c_int; 5] = [
    libc::SIGSEGV,
    libc::SIGBUS,
    libc::SIGILL,
    libc::SIGFPE,
    libc::SIGABRT,
];

/// The deepest backtrace written.
const MAX_FRAMES: usize = 64;

/// Installs the crash handler for this process. Call before LibreOffice starts: its own
/// handlers, if it installs any, then chain to this one.
pub fn arm() -> std::io::Result<()> {
    let mut frames = [std::ptr::null_mut::<c_void>(); 4];
    // SAFETY: backtrace writes at most `frames.len()` pointers into the array we own. This
    // first call loads what unwinding needs, so the handler never has to.
    unsafe { backtrace(frames.as_mut_ptr(), frames.len() as c_int) };
    for signal in CRASH_SIGNALS {
        // SAFETY: a zeroed sigaction is a valid starting value; the handler has the plain
        // signature, and sigemptyset/sigaction only read and write the struct we own.
        // SA_RESETHAND puts the default action back, so the re-raised signal ends the kit.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_crash as *const () as usize;
            action.sa_flags = libc::SA_RESETHAND | libc::SA_NODEFER;
            libc::sigemptyset(&mut action.sa_mask);
            if libc::sigaction(signal, &action, std::ptr::null_mut()) != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
    }
    Ok(())
}

extern "C" fn on_crash(signal: c_int) {
    write_all(2, b"oxool-kit: crashed with signal ");
    let mut digits = [0u8; 20];
    let len = decimal(i64::from(signal), &mut digits);
    write_all(2, &digits[..len]);
    write_all(2, b"; backtrace:\n");
    let mut frames = [std::ptr::null_mut::<c_void>(); MAX_FRAMES];
    // SAFETY: backtrace fills at most MAX_FRAMES entries of our array, and
    // backtrace_symbols_fd reads that many and writes to stderr without allocating.
    unsafe {
        let depth = backtrace(frames.as_mut_ptr(), MAX_FRAMES as c_int);
        backtrace_symbols_fd(frames.as_ptr(), depth, 2);
    }
    // SAFETY: sigaction and raise are async-signal-safe, and the struct is ours. LibreOffice
    // installs its own handlers after this one and calls this one from them, so SA_RESETHAND
    // alone would leave LibreOffice's in place and the re-raised signal would come back here
    // (a kit aborted for its backtrace then hung until forkit's SIGKILL). With the default
    // action set explicitly, the kit ends with this signal as if no handler had run.
    unsafe {
        let mut default: libc::sigaction = std::mem::zeroed();
        default.sa_sigaction = libc::SIG_DFL;
        libc::sigaction(signal, &default, std::ptr::null_mut());
        libc::raise(signal);
    }
    // Still here: the kit is PID 1 of its PID namespace, and the kernel drops a signal with the
    // default action that PID 1 sends itself. A fault is re-executed and then forced, but a
    // SIGABRT from forkit (`AbortKit`) or from abort() is not: leave with 128 + the signal,
    // which forkit reports as that signal ([`signal_of_exit_code`]).
    // SAFETY: _exit is async-signal-safe and ends the process at once.
    unsafe { libc::_exit(EXIT_CODE_SIGNAL_BASE + signal) };
}

/// A kit that could not die of its crash signal exits with this plus the signal number.
const EXIT_CODE_SIGNAL_BASE: c_int = 128;

/// The crash signal a kit's exit code stands for (see the end of the crash handler); the kit's
/// own exit codes are all below 128.
pub fn signal_of_exit_code(code: i32) -> Option<i32> {
    let signal = code.checked_sub(EXIT_CODE_SIGNAL_BASE)?;
    CRASH_SIGNALS.contains(&signal).then_some(signal)
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_crash_signals_are_read_from_exit_codes() {
        assert_eq!(super::signal_of_exit_code(134), Some(libc::SIGABRT));
        assert_eq!(super::signal_of_exit_code(139), Some(libc::SIGSEGV));
        assert_eq!(super::signal_of_exit_code(1), None);
        assert_eq!(
            super::signal_of_exit_code(137),
            None,
            "SIGKILL is not a crash report"
        );
    }
}
