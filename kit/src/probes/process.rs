//! Other processes: the kit's parent by pid (ptrace, kill, tgkill, process_vm_readv).

use super::{check, failed, ProbeContext};

pub(super) fn ptrace_parent(ctx: &ProbeContext) -> (bool, String) {
    // SAFETY: ptrace(PTRACE_ATTACH) takes no pointers here.
    let rc = unsafe { libc::ptrace(libc::PTRACE_ATTACH, ctx.parent_pid, 0, 0) };
    failed(check(rc), "ptrace(PTRACE_ATTACH, parent)")
}

pub(super) fn kill_parent(ctx: &ProbeContext) -> (bool, String) {
    // SAFETY: kill with signal 0 only checks permission; no pointers.
    let rc = unsafe { libc::kill(ctx.parent_pid, 0) };
    failed(check(rc.into()), "kill(parent, 0)")
}

pub(super) fn tgkill_parent(ctx: &ProbeContext) -> (bool, String) {
    // SAFETY: tgkill with signal 0 only checks permission; no pointers.
    let rc = unsafe { libc::syscall(libc::SYS_tgkill, ctx.parent_pid, ctx.parent_pid, 0) };
    failed(check(rc), "tgkill(parent, 0)")
}

pub(super) fn process_vm_readv(ctx: &ProbeContext) -> (bool, String) {
    let mut buf = [0u8; 8];
    let local = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let remote = libc::iovec {
        iov_base: 0x40_0000 as *mut libc::c_void,
        iov_len: buf.len(),
    };
    // SAFETY: the local iovec points at our own 8-byte buffer; the remote one is only read by the
    // kernel from the other process (if it were allowed at all).
    let rc = unsafe { libc::process_vm_readv(ctx.parent_pid, &local, 1, &remote, 1, 0) };
    failed(check(rc as libc::c_long), "process_vm_readv(parent)")
}

fn with_victim(
    ctx: &ProbeContext,
    what: &str,
    attempt: impl FnOnce(i32) -> libc::c_long,
) -> (bool, String) {
    if ctx.victim_pid <= 0 {
        return (false, "the harness named no victim".into());
    }
    failed(check(attempt(ctx.victim_pid)), what)
}

pub(super) fn ptrace_attach_victim(ctx: &ProbeContext) -> (bool, String) {
    // SAFETY: PTRACE_ATTACH takes no pointers.
    with_victim(ctx, "ptrace(PTRACE_ATTACH, victim)", |pid| unsafe {
        libc::ptrace(libc::PTRACE_ATTACH, pid, 0, 0)
    })
}

pub(super) fn ptrace_seize_victim(ctx: &ProbeContext) -> (bool, String) {
    // SAFETY: PTRACE_SEIZE takes no pointers (no options).
    with_victim(ctx, "ptrace(PTRACE_SEIZE, victim)", |pid| unsafe {
        libc::ptrace(libc::PTRACE_SEIZE, pid, 0, 0)
    })
}

/// One 8-byte transfer between `local` and the victim's canary.
fn victim_memory(ctx: &ProbeContext, pid: i32, local: &mut u64, write: bool) -> libc::c_long {
    let local = libc::iovec {
        iov_base: (local as *mut u64).cast(),
        iov_len: 8,
    };
    let remote = libc::iovec {
        iov_base: ctx.victim_canary as *mut libc::c_void,
        iov_len: 8,
    };
    // SAFETY: the local iovec points at a live u64 of ours; the remote one is only used by the
    // kernel on the other process (if it were allowed at all).
    (unsafe {
        if write {
            libc::process_vm_writev(pid, &local, 1, &remote, 1, 0)
        } else {
            libc::process_vm_readv(pid, &local, 1, &remote, 1, 0)
        }
    }) as libc::c_long
}

pub(super) fn process_vm_readv_victim(ctx: &ProbeContext) -> (bool, String) {
    let mut value = 0u64;
    with_victim(ctx, "process_vm_readv(victim canary)", |pid| {
        victim_memory(ctx, pid, &mut value, false)
    })
}

pub(super) fn process_vm_writev_victim(ctx: &ProbeContext) -> (bool, String) {
    let mut value = 0u64;
    with_victim(ctx, "process_vm_writev(victim canary)", |pid| {
        victim_memory(ctx, pid, &mut value, true)
    })
}
