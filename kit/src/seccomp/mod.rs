//! The kit's seccomp filter: a default-deny allowlist, compiled once in the zygote (libseccomp,
//! exported as raw BPF) and only installed in each kit (two seccomp(2) calls, no library work).
//!
//! A call that is not on the list traps: the SIGSYS handler writes
//! `oxool-kit: seccomp denied syscall <name> (<nr>)` to stderr and `error kind=seccomp
//! syscall=<name>` to the kit's socket, then `_exit(70)`. A kit never silently continues past a
//! denied call. A syscall from a foreign architecture kills the process.
//!
//! Calls that take a pid are let through by the allowlist and checked by a second, tiny filter
//! (self_pid.rs) assembled at install time, when the kit's pid is known. docs/seccomp.md is
//! rendered from the same table (doc.rs).

mod allowlist;
mod doc;
mod must_deny;
mod rule;
mod self_pid;
mod sigsys;

use std::io::{Read, Seek};
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

use libseccomp::{ScmpAction, ScmpArgCompare, ScmpCompareOp, ScmpFilterContext, ScmpSyscall};

pub use must_deny::MUST_DENY;
pub use sigsys::EXIT_SECCOMP_DENIED;

pub use doc::render_markdown;

use rule::{Cmp, Named, Rule};
use sigsys::NameTable;

/// Syscall numbers the name table covers (x86_64 and aarch64 stay well below).
const MAX_SYSCALL_NR: i32 = 512;

#[derive(Debug, thiserror::Error)]
pub enum SeccompError {
    #[error("creating the libseccomp filter: {0}")]
    NewFilter(libseccomp::error::SeccompError),
    #[error("adding the rule for {name}: {source}")]
    AddRule {
        name: &'static str,
        source: libseccomp::error::SeccompError,
    },
    #[error("exporting the filter as BPF: {0}")]
    Export(String),
    #[error("the exported filter is {0} bytes, not whole instructions")]
    BadExport(usize),
    #[error("installing the SIGSYS handler: {0}")]
    SigsysHandler(std::io::Error),
    #[error("prctl(PR_SET_NO_NEW_PRIVS): {0}")]
    NoNewPrivs(std::io::Error),
    #[error("loading the self-pid filter: {0}")]
    LoadSelfPid(std::io::Error),
    #[error("loading the allowlist: {0}")]
    LoadAllowlist(std::io::Error),
}

/// The compiled allowlist: raw BPF plus the syscall-name table the SIGSYS handler reports from.
#[derive(Clone)]
pub struct SeccompProgram {
    instructions: Vec<libc::sock_filter>,
    names: NameTable,
    /// The pid checks of the self-pid filter, by syscall number.
    self_pid_checks: Vec<self_pid::Check>,
}

impl SeccompProgram {
    /// Compiles the allowlist (in the zygote, before any fork).
    pub fn compile_kit_allowlist() -> Result<SeccompProgram, SeccompError> {
        let mut ctx = ScmpFilterContext::new(ScmpAction::Trap).map_err(SeccompError::NewFilter)?;
        ctx.set_act_badarch(ScmpAction::KillProcess)
            .map_err(SeccompError::NewFilter)?;
        let mut self_pid_checks = Vec::new();
        for rule in allowlist::rules() {
            add_rule(&mut ctx, rule)?;
            if let Rule::OnlySelf {
                name,
                arg,
                zero_is_self,
                otherwise,
            } = *rule
            {
                if let Ok(syscall) = ScmpSyscall::from_name(name) {
                    self_pid_checks.push(self_pid::Check {
                        nr: i32::from(syscall) as u32,
                        arg,
                        zero_is_self,
                        otherwise,
                    });
                }
            }
        }
        let instructions = export_bpf(&ctx)?;
        let names: Vec<Option<String>> = (0..MAX_SYSCALL_NR)
            .map(|nr| ScmpSyscall::from(nr).get_name().ok())
            .collect();
        Ok(SeccompProgram {
            instructions,
            names: NameTable::new(&names),
            self_pid_checks,
        })
    }

    /// Installs the filter in the calling kit (single-threaded, jailed). After this, any call not
    /// on the list ends the kit with a report on `report_fd` (-1: stderr only).
    pub fn install(&self, report_fd: RawFd) -> Result<(), SeccompError> {
        sigsys::arm(&self.names, report_fd).map_err(SeccompError::SigsysHandler)?;
        // Needed to load a filter without CAP_SYS_ADMIN; the jail has set it already.
        // SAFETY: prctl with integer arguments only; it sets a flag that can never be cleared.
        if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
            return Err(SeccompError::NoNewPrivs(std::io::Error::last_os_error()));
        }
        // The self-pid filter first: once the allowlist is loaded, seccomp(2) itself traps.
        // getpid(2) now, after the fork and the jail: 1 when the kit is PID 1 of its own namespace.
        let self_pid = self_pid::program(std::process::id(), &self.self_pid_checks);
        load(&self_pid).map_err(SeccompError::LoadSelfPid)?;
        load(&self.instructions).map_err(SeccompError::LoadAllowlist)
    }

    /// The raw BPF of the allowlist (for tests and for dumping).
    pub fn instructions(&self) -> &[libc::sock_filter] {
        &self.instructions
    }

    /// The name of syscall `nr` on this architecture, as the SIGSYS handler reports it.
    pub fn syscall_name(&self, nr: usize) -> Option<&str> {
        self.names.name_of(nr)
    }
}

fn equal(arg: u32, value: Named) -> ScmpArgCompare {
    ScmpArgCompare::new(arg, ScmpCompareOp::Equal, value.value)
}

fn masked(arg: u32, mask: Named, value: u64) -> ScmpArgCompare {
    ScmpArgCompare::new(arg, ScmpCompareOp::MaskedEqual(mask.value), value)
}

/// The libseccomp rules for one table rule: an action and alternatives, each a conjunction.
fn conditions(rule: &Rule) -> (ScmpAction, Vec<Vec<ScmpArgCompare>>) {
    let each = |arg: u32, values: &[Named]| -> Vec<Vec<ScmpArgCompare>> {
        values.iter().map(|v| vec![equal(arg, *v)]).collect()
    };
    match *rule {
        // OnlySelf: the self-pid filter checks the pid argument.
        Rule::Allow(_) | Rule::OnlySelf { .. } => (ScmpAction::Allow, vec![vec![]]),
        Rule::AllowIfArgIs { arg, values, .. } => (ScmpAction::Allow, each(arg, values)),
        Rule::AllowIfArgClear { arg, mask, .. } => {
            (ScmpAction::Allow, vec![vec![masked(arg, mask, 0)]])
        }
        Rule::AllowIfMaskedArgIs {
            arg, mask, values, ..
        } => (
            ScmpAction::Allow,
            values
                .iter()
                .map(|v| vec![masked(arg, mask, v.value)])
                .collect(),
        ),
        Rule::AllowIfAll { all, .. } => (
            ScmpAction::Allow,
            vec![all
                .iter()
                .map(|cmp| match *cmp {
                    Cmp::Eq { arg, value } => equal(arg, value),
                    Cmp::Clear { arg, mask } => masked(arg, mask, 0),
                })
                .collect()],
        ),
        Rule::Errno { errno, .. } => (ScmpAction::Errno(errno), vec![vec![]]),
        Rule::ErrnoIfArgIs {
            arg, values, errno, ..
        } => (ScmpAction::Errno(errno), each(arg, values)),
        Rule::ErrnoIfArgHas {
            arg, mask, errno, ..
        } => (
            ScmpAction::Errno(errno),
            vec![vec![masked(arg, mask, mask.value)]],
        ),
    }
}

fn add_rule(ctx: &mut ScmpFilterContext, rule: &Rule) -> Result<(), SeccompError> {
    let name = rule.name();
    // A name this architecture does not have (e.g. `open` on aarch64) has nothing to allow.
    let Ok(syscall) = ScmpSyscall::from_name(name) else {
        return Ok(());
    };
    let (action, conditions) = conditions(rule);
    for condition in conditions {
        let added = if condition.is_empty() {
            ctx.add_rule_exact(action, syscall)
        } else {
            ctx.add_rule_conditional_exact(action, syscall, &condition)
        };
        added.map_err(|source| SeccompError::AddRule { name, source })?;
    }
    Ok(())
}

/// libseccomp 2.5 exports only to a descriptor: a memfd, read back as instructions.
fn export_bpf(ctx: &ScmpFilterContext) -> Result<Vec<libc::sock_filter>, SeccompError> {
    // SAFETY: memfd_create with a constant NUL-terminated name; the new fd is owned right below.
    let fd = unsafe { libc::memfd_create(c"oxool-seccomp".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(SeccompError::Export(
            std::io::Error::last_os_error().to_string(),
        ));
    }
    // SAFETY: `fd` was just returned by memfd_create and is owned by nothing else.
    let mut file = std::fs::File::from(unsafe { OwnedFd::from_raw_fd(fd) });
    ctx.export_bpf(&file)
        .map_err(|e| SeccompError::Export(e.to_string()))?;
    let mut bytes = Vec::new();
    file.rewind()
        .and_then(|_| file.read_to_end(&mut bytes))
        .map_err(|e| SeccompError::Export(e.to_string()))?;
    let size = std::mem::size_of::<libc::sock_filter>();
    if bytes.is_empty() || bytes.len() % size != 0 {
        return Err(SeccompError::BadExport(bytes.len()));
    }
    Ok(bytes
        .chunks_exact(size)
        .map(|c| libc::sock_filter {
            code: u16::from_ne_bytes([c[0], c[1]]),
            jt: c[2],
            jf: c[3],
            k: u32::from_ne_bytes([c[4], c[5], c[6], c[7]]),
        })
        .collect())
}

/// seccomp(SECCOMP_SET_MODE_FILTER) with a program that stays alive for the call.
fn load(instructions: &[libc::sock_filter]) -> std::io::Result<()> {
    let program = libc::sock_fprog {
        len: u16::try_from(instructions.len())
            .map_err(|_| std::io::Error::from_raw_os_error(libc::E2BIG))?,
        filter: instructions.as_ptr().cast_mut(),
    };
    // SAFETY: `program` points at `instructions`, which outlives the call; the kernel copies the
    // filter and never writes through the pointer.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            0u32,
            &program as *const libc::sock_fprog,
        )
    };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod bpf_interpreter;
#[cfg(test)]
mod tests;
