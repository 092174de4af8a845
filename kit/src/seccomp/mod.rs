//! The kit's seccomp filter: a default-deny allowlist, compiled once in the zygote (libseccomp,
//! exported as raw BPF) and only installed in each kit (two seccomp(2) calls, no library work).
//!
//! A call that is not on the list traps: the SIGSYS handler writes
//! `oxool-kit: seccomp denied syscall <name> (<nr>)` to stderr and `error kind=seccomp
//! syscall=<name>` to the kit's socket, then `_exit(70)`. A kit never silently continues past a
//! denied call. A syscall from a foreign architecture kills the process.

mod allowlist;
mod self_signal;
mod sigsys;

use std::io::{Read, Seek};
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

use libseccomp::{ScmpAction, ScmpArgCompare, ScmpCompareOp, ScmpFilterContext, ScmpSyscall};

pub use allowlist::MUST_DENY;
pub use sigsys::EXIT_SECCOMP_DENIED;

use allowlist::{Rule, RULES};
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
    #[error("loading the self-signal filter: {0}")]
    LoadSelfSignal(std::io::Error),
    #[error("loading the allowlist: {0}")]
    LoadAllowlist(std::io::Error),
}

/// The compiled allowlist: raw BPF plus the syscall-name table the SIGSYS handler reports from.
#[derive(Clone)]
pub struct SeccompProgram {
    instructions: Vec<libc::sock_filter>,
    names: NameTable,
}

impl SeccompProgram {
    /// Compiles the allowlist (in the zygote, before any fork).
    pub fn compile_kit_allowlist() -> Result<SeccompProgram, SeccompError> {
        let mut ctx = ScmpFilterContext::new(ScmpAction::Trap).map_err(SeccompError::NewFilter)?;
        ctx.set_act_badarch(ScmpAction::KillProcess)
            .map_err(SeccompError::NewFilter)?;
        for rule in RULES {
            add_rule(&mut ctx, rule)?;
        }
        let instructions = export_bpf(&ctx)?;
        let names: Vec<Option<String>> = (0..MAX_SYSCALL_NR)
            .map(|nr| ScmpSyscall::from(nr).get_name().ok())
            .collect();
        Ok(SeccompProgram {
            instructions,
            names: NameTable::new(&names),
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
        // The self-signal filter first: once the allowlist is loaded, seccomp(2) itself traps.
        load(&self_signal::program(std::process::id())).map_err(SeccompError::LoadSelfSignal)?;
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

fn add_rule(ctx: &mut ScmpFilterContext, rule: &Rule) -> Result<(), SeccompError> {
    let (name, action, conditions): (&'static str, ScmpAction, Vec<Vec<ScmpArgCompare>>) =
        match *rule {
            Rule::Allow(name) => (name, ScmpAction::Allow, vec![vec![]]),
            Rule::AllowIfArgIs { name, arg, values } => (
                name,
                ScmpAction::Allow,
                values
                    .iter()
                    .map(|v| vec![ScmpArgCompare::new(arg, ScmpCompareOp::Equal, *v)])
                    .collect(),
            ),
            Rule::AllowIfArgClear { name, arg, mask } => (
                name,
                ScmpAction::Allow,
                vec![vec![ScmpArgCompare::new(
                    arg,
                    ScmpCompareOp::MaskedEqual(mask),
                    0,
                )]],
            ),
            Rule::AllowIfArgSet { name, arg, mask } => (
                name,
                ScmpAction::Allow,
                vec![vec![ScmpArgCompare::new(
                    arg,
                    ScmpCompareOp::MaskedEqual(mask),
                    mask,
                )]],
            ),
            Rule::Errno { name, errno } => (name, ScmpAction::Errno(errno), vec![vec![]]),
            Rule::ErrnoIfArgIs {
                name,
                arg,
                values,
                errno,
            } => (
                name,
                ScmpAction::Errno(errno),
                values
                    .iter()
                    .map(|v| vec![ScmpArgCompare::new(arg, ScmpCompareOp::Equal, *v)])
                    .collect(),
            ),
        };
    // A name this architecture does not have (e.g. `open` on aarch64) has nothing to allow.
    let Ok(syscall) = ScmpSyscall::from_name(name) else {
        return Ok(());
    };
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
