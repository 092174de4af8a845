//! A tiny hand-written filter, stacked under the allowlist at install time: `tgkill` only towards
//! the kit's own thread group. glibc's raise/abort/pthread_kill use tgkill on the caller's own
//! pid; without this a kit could signal any process of the same uid, its parent included.
//!
//! It needs the kit's pid, known only after the fork, so it is assembled in `install` (eleven
//! instructions, no library work). Seccomp runs every stacked filter and the strictest answer wins,
//! so this filter allows everything else and leaves the rest to the allowlist.

use libc::sock_filter;

const BPF_LD_W_ABS: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
const BPF_JEQ_K: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
const BPF_RET_K: u16 = (libc::BPF_RET | libc::BPF_K) as u16;

/// Offsets in `struct seccomp_data` (`int nr; u32 arch; u64 ip; u64 args[6]`), little-endian args.
const OFFSET_NR: u32 = 0;
const OFFSET_ARCH: u32 = 4;
const OFFSET_ARG0_LOW: u32 = 16;
const OFFSET_ARG0_HIGH: u32 = 20;

#[cfg(target_arch = "x86_64")]
pub(super) const AUDIT_ARCH: u32 = 0xc000_003e;
#[cfg(target_arch = "aarch64")]
pub(super) const AUDIT_ARCH: u32 = 0xc000_00b7;

const fn statement(code: u16, k: u32) -> sock_filter {
    sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

const fn jump(code: u16, k: u32, jt: u8, jf: u8) -> sock_filter {
    sock_filter { code, jt, jf, k }
}

/// The filter for a kit whose pid is `pid`.
pub(super) fn program(pid: u32) -> Vec<sock_filter> {
    vec![
        /* 0 */ statement(BPF_LD_W_ABS, OFFSET_ARCH),
        /* 1 */ jump(BPF_JEQ_K, AUDIT_ARCH, 1, 0),
        /* 2 */ statement(BPF_RET_K, libc::SECCOMP_RET_KILL_PROCESS),
        /* 3 */ statement(BPF_LD_W_ABS, OFFSET_NR),
        /* 4 */ jump(BPF_JEQ_K, libc::SYS_tgkill as u32, 0, 5),
        /* 5 */ statement(BPF_LD_W_ABS, OFFSET_ARG0_LOW),
        /* 6 */ jump(BPF_JEQ_K, pid, 0, 2),
        /* 7 */ statement(BPF_LD_W_ABS, OFFSET_ARG0_HIGH),
        /* 8 */ jump(BPF_JEQ_K, 0, 1, 0),
        /* 9 */ statement(BPF_RET_K, libc::SECCOMP_RET_TRAP),
        /* 10 */ statement(BPF_RET_K, libc::SECCOMP_RET_ALLOW),
    ]
}
