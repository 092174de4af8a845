//! Other processes: the kit's parent by pid (ptrace, kill, tgkill, process_vm_readv), and the
//! harness's victim: ptrace, its memory, and the attributes another process may set (limits,
//! nice value, scheduling policy, CPU affinity, I/O priority), which the harness compares.

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

pub(super) fn prlimit_victim(ctx: &ProbeContext) -> (bool, String) {
    let limit = libc::rlimit {
        rlim_cur: 16,
        rlim_max: 16,
    };
    with_victim(ctx, "prlimit64(victim, RLIMIT_NOFILE, 16)", |pid| {
        // SAFETY: the new limit lives across the call; no old limit is asked for.
        unsafe {
            libc::syscall(
                libc::SYS_prlimit64,
                pid,
                libc::RLIMIT_NOFILE,
                &limit,
                std::ptr::null_mut::<libc::rlimit>(),
            )
        }
    })
}

pub(super) fn setpriority_victim(ctx: &ProbeContext) -> (bool, String) {
    with_victim(ctx, "setpriority(PRIO_PROCESS, victim, 19)", |pid| {
        // SAFETY: integer arguments only.
        unsafe { libc::setpriority(libc::PRIO_PROCESS, pid as libc::id_t, 19) }.into()
    })
}

pub(super) fn setpriority_victim_group(ctx: &ProbeContext) -> (bool, String) {
    let pgid = ctx.victim_pgid;
    if pgid <= 1 {
        return (false, "the harness named no victim group".into());
    }
    with_victim(ctx, "setpriority(PRIO_PGRP, victim group, 19)", |_| {
        // SAFETY: integer arguments only.
        unsafe { libc::setpriority(libc::PRIO_PGRP, pgid as libc::id_t, 19) }.into()
    })
}

pub(super) fn sched_setaffinity_victim(ctx: &ProbeContext) -> (bool, String) {
    with_victim(ctx, "sched_setaffinity(victim, CPU 0 only)", |pid| {
        // SAFETY: a zeroed cpu_set_t is valid; CPU_SET writes inside it; the kernel reads it.
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_SET(0, &mut set);
            libc::sched_setaffinity(pid, std::mem::size_of::<libc::cpu_set_t>(), &set).into()
        }
    })
}

pub(super) fn sched_setscheduler_victim(ctx: &ProbeContext) -> (bool, String) {
    let param = libc::sched_param { sched_priority: 0 };
    with_victim(ctx, "sched_setscheduler(victim, SCHED_IDLE)", |pid| {
        // SAFETY: the parameter lives across the call; the kernel only reads it.
        unsafe { libc::sched_setscheduler(pid, libc::SCHED_IDLE, &param) }.into()
    })
}

pub(super) fn ioprio_set_victim(ctx: &ProbeContext) -> (bool, String) {
    // IOPRIO_WHO_PROCESS, and IOPRIO_CLASS_IDLE (3) in the class bits (13 and up).
    with_victim(ctx, "ioprio_set(victim, idle class)", |pid| {
        // SAFETY: integer arguments only.
        unsafe { libc::syscall(libc::SYS_ioprio_set, 1, pid, 3 << 13) }
    })
}
