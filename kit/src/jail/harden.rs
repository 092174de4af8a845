//! Steps 3g and 5 of the jail: the OOM score, then giving up every privilege that is left.

use std::path::Path;

use nix::sys::resource::Resource;

use super::{JailError, Rlimits};
use crate::sys::Syscall;

const OOM_SCORE_ADJ: &str = "/proc/self/oom_score_adj";

/// Step 5a. Empties every capability set (bounding and ambient too), so nothing the kit runs later
/// holds a capability even inside its own namespaces.
pub(super) fn drop_capabilities(sys: &dyn Syscall) -> Result<(), JailError> {
    sys.drop_all_capabilities().map_err(JailError::DropCaps)
}

/// Step 5b. No execve can ever grant privileges again (and seccomp without CAP_SYS_ADMIN needs it).
pub(super) fn set_no_new_privs(sys: &dyn Syscall) -> Result<(), JailError> {
    sys.set_no_new_privs().map_err(JailError::NoNewPrivs)
}

/// Step 3g. Safe and wanted: a kit is the first process the OOM killer picks (1000 is the
/// maximum; raising one's own score needs no privilege), so a document that eats memory takes
/// its own kit down, never wsd or forkit. Written while the host's /proc is still reachable.
pub(super) fn raise_oom_score(sys: &dyn Syscall) -> Result<(), JailError> {
    sys.write_file(Path::new(OOM_SCORE_ADJ), "1000")
        .map_err(JailError::OomScoreAdj)
}

/// Step 5c. Not dumpable: no process of the same uid may ptrace the kit or read its memory
/// through /proc, and its /proc entries belong to root. After the nested namespace's id maps
/// (writing them needs /proc/self owned by the kit) and after the capabilities are gone.
pub(super) fn set_not_dumpable(sys: &dyn Syscall) -> Result<(), JailError> {
    sys.set_dumpable(false).map_err(JailError::NotDumpable)
}

/// Step 5e. No core file: a crashing kit must not write the document's contents anywhere (and
/// the jail's read-only root would refuse it anyway); soft = hard = 0, so it cannot be raised.
pub(super) fn forbid_core_dumps(sys: &dyn Syscall) -> Result<(), JailError> {
    sys.setrlimit(Resource::RLIMIT_CORE, 0, 0)
        .map_err(JailError::CoreLimit)
}

/// Step 5d. Resource limits, soft = hard so the kit cannot raise them; 0 leaves a limit alone.
pub(super) fn apply_rlimits(sys: &dyn Syscall, limits: &Rlimits) -> Result<(), JailError> {
    const MB: u64 = 1024 * 1024;
    let wanted = [
        (
            "address_space",
            Resource::RLIMIT_AS,
            limits.address_space_mb.saturating_mul(MB),
        ),
        (
            "file_size",
            Resource::RLIMIT_FSIZE,
            limits.file_size_mb.saturating_mul(MB),
        ),
        ("open_files", Resource::RLIMIT_NOFILE, limits.open_files),
        (
            "stack",
            Resource::RLIMIT_STACK,
            limits.stack_kb.saturating_mul(1024),
        ),
    ];
    for (name, resource, value) in wanted {
        if value == 0 {
            continue;
        }
        sys.setrlimit(resource, value, value)
            .map_err(|source| JailError::Rlimit {
                name,
                value,
                source,
            })?;
    }
    Ok(())
}
