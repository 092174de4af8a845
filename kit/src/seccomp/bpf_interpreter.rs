//! A classic-BPF interpreter for seccomp programs (tests only): runs the exported allowlist on a
//! `seccomp_data` so each rule can be checked without installing anything.

use libc::sock_filter;

/// `struct seccomp_data` as the kernel lays it out.
pub(super) struct SeccompData {
    pub nr: i32,
    pub arch: u32,
    pub args: [u64; 6],
}

impl SeccompData {
    pub(super) fn native(nr: i64, args: &[u64]) -> SeccompData {
        let mut all = [0u64; 6];
        all[..args.len()].copy_from_slice(args);
        SeccompData {
            nr: nr as i32,
            arch: super::self_pid::AUDIT_ARCH,
            args: all,
        }
    }

    fn bytes(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[0..4].copy_from_slice(&self.nr.to_ne_bytes());
        out[4..8].copy_from_slice(&self.arch.to_ne_bytes());
        for (i, arg) in self.args.iter().enumerate() {
            out[16 + 8 * i..24 + 8 * i].copy_from_slice(&arg.to_ne_bytes());
        }
        out
    }
}

/// The filter's return value for `data` (SECCOMP_RET_*, with the data bits).
pub(super) fn run(program: &[sock_filter], data: &SeccompData) -> u32 {
    let bytes = data.bytes();
    let (mut a, mut x, mut memory, mut pc) = (0u32, 0u32, [0u32; 16], 0usize);
    loop {
        let insn = program
            .get(pc)
            .unwrap_or_else(|| panic!("ran off the program at {pc}"));
        let k = insn.k;
        let class = u32::from(insn.code) & 0x07;
        let size_or_op = u32::from(insn.code) & 0xf8;
        pc += 1;
        match class {
            libc::BPF_LD => match size_or_op {
                c if c == libc::BPF_W | libc::BPF_ABS => {
                    let at = k as usize;
                    a = u32::from_ne_bytes(bytes[at..at + 4].try_into().unwrap());
                }
                c if c == libc::BPF_IMM => a = k,
                c if c == libc::BPF_MEM => a = memory[k as usize],
                other => panic!("unsupported LD {other:#x}"),
            },
            libc::BPF_LDX => match size_or_op {
                c if c == libc::BPF_IMM => x = k,
                c if c == libc::BPF_MEM => x = memory[k as usize],
                other => panic!("unsupported LDX {other:#x}"),
            },
            libc::BPF_ST => memory[k as usize] = a,
            libc::BPF_STX => memory[k as usize] = x,
            libc::BPF_ALU => {
                let operand = if size_or_op & libc::BPF_X != 0 { x } else { k };
                a = match size_or_op & 0xf0 {
                    op if op == libc::BPF_AND => a & operand,
                    op if op == libc::BPF_OR => a | operand,
                    op if op == libc::BPF_ADD => a.wrapping_add(operand),
                    op if op == libc::BPF_SUB => a.wrapping_sub(operand),
                    op if op == libc::BPF_RSH => a >> operand,
                    op if op == libc::BPF_LSH => a << operand,
                    other => panic!("unsupported ALU {other:#x}"),
                };
            }
            libc::BPF_JMP => {
                let operand = if size_or_op & libc::BPF_X != 0 { x } else { k };
                let op = size_or_op & 0xf0;
                if op == libc::BPF_JA {
                    pc += k as usize;
                    continue;
                }
                let taken = match op {
                    o if o == libc::BPF_JEQ => a == operand,
                    o if o == libc::BPF_JGT => a > operand,
                    o if o == libc::BPF_JGE => a >= operand,
                    o if o == libc::BPF_JSET => a & operand != 0,
                    other => panic!("unsupported JMP {other:#x}"),
                };
                pc += usize::from(if taken { insn.jt } else { insn.jf });
            }
            libc::BPF_RET => {
                return if size_or_op & 0x18 == libc::BPF_A {
                    a
                } else {
                    k
                }
            }
            libc::BPF_MISC => {
                if size_or_op & 0xf8 == libc::BPF_TAX {
                    x = a
                } else {
                    a = x
                }
            }
            other => panic!("unsupported class {other:#x}"),
        }
    }
}
