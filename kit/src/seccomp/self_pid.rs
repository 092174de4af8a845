//! The self-pid filter, stacked under the allowlist at install time: calls that take a pid
//! ([`Rule::OnlySelf`](super::rule::Rule::OnlySelf)) reach the kernel only when that pid is the
//! kit's own (or 0 where the kernel reads 0 as "the caller"). glibc's raise/abort/pthread_kill use
//! tgkill on the caller's own pid; without this a kit could signal any process of the same uid.
//!
//! It needs the kit's pid, known only after the fork (1 once the kit is PID 1 of its own PID
//! namespace), so the table of checks is resolved in the zygote and the BPF assembled in
//! `install` (a few instructions per call, no library work). Seccomp runs every stacked filter and
//! the strictest answer wins, so this filter allows everything else and leaves the rest to the
//! allowlist.

use libc::sock_filter;

use super::rule::Otherwise;

const BPF_LD_W_ABS: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
const BPF_JEQ_K: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
const BPF_RET_K: u16 = (libc::BPF_RET | libc::BPF_K) as u16;

/// Offsets in `struct seccomp_data` (`int nr; u32 arch; u64 ip; u64 args[6]`), little-endian args.
const OFFSET_NR: u32 = 0;
const OFFSET_ARCH: u32 = 4;
const OFFSET_ARGS: u32 = 16;

#[cfg(target_arch = "x86_64")]
pub(super) const AUDIT_ARCH: u32 = 0xc000_003e;
#[cfg(target_arch = "aarch64")]
pub(super) const AUDIT_ARCH: u32 = 0xc000_00b7;

/// One pid check, resolved to this architecture's syscall number in the zygote.
#[derive(Clone, Copy, Debug)]
pub(super) struct Check {
    pub(super) nr: u32,
    pub(super) arg: u32,
    pub(super) zero_is_self: bool,
    pub(super) otherwise: Otherwise,
}

const fn statement(code: u16, k: u32) -> sock_filter {
    sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

/// A conditional jump from instruction `from` to `to_true` / `to_false` (absolute indexes).
fn jump(k: u32, from: usize, to_true: usize, to_false: usize) -> sock_filter {
    let offset = |to: usize| u8::try_from(to - from - 1).expect("short jump");
    sock_filter {
        code: BPF_JEQ_K,
        jt: offset(to_true),
        jf: offset(to_false),
        k,
    }
}

fn action(otherwise: Otherwise) -> u32 {
    match otherwise {
        Otherwise::Trap => libc::SECCOMP_RET_TRAP,
        Otherwise::Errno(errno) => {
            libc::SECCOMP_RET_ERRNO | (errno as u32 & libc::SECCOMP_RET_DATA)
        }
    }
}

/// The filter for a kit whose pid is `pid`.
pub(super) fn program(pid: u32, checks: &[Check]) -> Vec<sock_filter> {
    let mut program = vec![
        statement(BPF_LD_W_ABS, OFFSET_ARCH),
        jump(AUDIT_ARCH, 1, 3, 2),
        statement(BPF_RET_K, libc::SECCOMP_RET_KILL_PROCESS),
    ];
    for check in checks {
        // ld nr; jeq nr? ; ld arg.high; jeq 0? ; ld arg.low; jeq pid? [; jeq 0?] ; ret no ; ret yes
        let start = program.len();
        let len = if check.zero_is_self { 9 } else { 8 };
        let (next, refuse, allow) = (start + len, start + len - 2, start + len - 1);
        let low = OFFSET_ARGS + 8 * check.arg;
        program.push(statement(BPF_LD_W_ABS, OFFSET_NR));
        program.push(jump(check.nr, start + 1, start + 2, next));
        program.push(statement(BPF_LD_W_ABS, low + 4));
        program.push(jump(0, start + 3, start + 4, refuse));
        program.push(statement(BPF_LD_W_ABS, low));
        if check.zero_is_self {
            program.push(jump(pid, start + 5, allow, start + 6));
            program.push(jump(0, start + 6, allow, refuse));
        } else {
            program.push(jump(pid, start + 5, allow, refuse));
        }
        program.push(statement(BPF_RET_K, action(check.otherwise)));
        program.push(statement(BPF_RET_K, libc::SECCOMP_RET_ALLOW));
        debug_assert_eq!(program.len(), next);
    }
    program.push(statement(BPF_RET_K, libc::SECCOMP_RET_ALLOW));
    program
}
