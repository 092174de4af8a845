//! The shape of one allowlist rule. The same table is compiled to BPF (mod.rs, self_pid.rs) and
//! rendered as docs/seccomp.md (doc.rs), so the documented list cannot drift from the filter.

/// A constant together with its name in the kernel headers (the name is what the doc shows).
#[derive(Clone, Copy, Debug)]
pub(super) struct Named {
    pub(super) name: &'static str,
    pub(super) value: u64,
}

/// `named!(F_GETFD)` or `named!(PROT_WRITE | PROT_EXEC)`: the libc constant(s), or-ed, with the
/// expression as its name. The casts are needed because libc's types vary (c_int, c_ulong, u32).
macro_rules! named {
    ($($constant:ident)|+) => {
        $crate::seccomp::rule::Named {
            name: stringify!($($constant)|+),
            value: 0 $(| (libc::$constant as u64))+,
        }
    };
}
pub(super) use named;

/// One comparison on a syscall argument (arguments are numbered from 0).
#[derive(Clone, Copy, Debug)]
pub(super) enum Cmp {
    /// `args[arg] == value`.
    Eq { arg: u32, value: Named },
    /// `args[arg] & mask == 0`.
    Clear { arg: u32, mask: Named },
}

/// What happens to a call that names another process (see [`Rule::OnlySelf`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Otherwise {
    /// SIGSYS: reported, and the kit ends.
    Trap,
    /// Fails with this errno.
    Errno(i32),
}

/// One rule of the allowlist. A call matching no rule traps (reported, then the kit ends).
#[derive(Clone, Copy, Debug)]
pub(super) enum Rule {
    /// Allowed whatever the arguments.
    Allow(&'static str),
    /// Allowed when argument `arg` equals one of `values`.
    AllowIfArgIs {
        name: &'static str,
        arg: u32,
        values: &'static [Named],
    },
    /// Allowed when `arg & mask == 0`.
    AllowIfArgClear {
        name: &'static str,
        arg: u32,
        mask: Named,
    },
    /// Allowed when `arg & mask` equals one of `values` (futex: the command without its flags).
    AllowIfMaskedArgIs {
        name: &'static str,
        arg: u32,
        mask: Named,
        values: &'static [Named],
    },
    /// Allowed when every comparison holds.
    AllowIfAll {
        name: &'static str,
        all: &'static [Cmp],
    },
    /// Fails with this errno instead of trapping: harmless calls whose failure callers handle.
    Errno { name: &'static str, errno: i32 },
    /// Fails with `errno` when argument `arg` equals one of `values`.
    ErrnoIfArgIs {
        name: &'static str,
        arg: u32,
        values: &'static [Named],
        errno: i32,
    },
    /// Fails with `errno` when every bit of `mask` is set in argument `arg` (W^X).
    ErrnoIfArgHas {
        name: &'static str,
        arg: u32,
        mask: Named,
        errno: i32,
    },
    /// Allowed only on the kit itself: argument `arg` is the kit's own pid (or 0, which the kernel
    /// reads as "the caller", when `zero_is_self`). The allowlist lets the call through; the
    /// self-pid filter stacked at install time (when the pid is known) checks the argument.
    OnlySelf {
        name: &'static str,
        arg: u32,
        zero_is_self: bool,
        otherwise: Otherwise,
    },
}

impl Rule {
    pub(super) fn name(&self) -> &'static str {
        match *self {
            Rule::Allow(name)
            | Rule::AllowIfArgIs { name, .. }
            | Rule::AllowIfArgClear { name, .. }
            | Rule::AllowIfMaskedArgIs { name, .. }
            | Rule::AllowIfAll { name, .. }
            | Rule::Errno { name, .. }
            | Rule::ErrnoIfArgIs { name, .. }
            | Rule::ErrnoIfArgHas { name, .. }
            | Rule::OnlySelf { name, .. } => name,
        }
    }
}

/// A group of rules with the reason they exist (a section of docs/seccomp.md).
pub(super) struct Section {
    pub(super) title: &'static str,
    pub(super) why: &'static str,
    pub(super) rules: &'static [Rule],
}
