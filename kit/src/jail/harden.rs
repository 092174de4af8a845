//! Steps 4b and 5 of the jail: chroot, then give up every privilege that is left.

use std::path::Path;

use nix::sys::resource::Resource;

use super::{JailError, Rlimits};
use crate::sys::Syscall;

/// Step 4b. Safe: chroot into the tree built in step 3 (possible because the nested user namespace
/// grants CAP_SYS_CHROOT; it must come after that unshare, which a chrooted process may not do),
/// then chdir("/") so no working directory is left outside the new root.
pub(super) fn chroot_into(sys: &dyn Syscall, jail: &Path) -> Result<(), JailError> {
    sys.chroot(jail).map_err(JailError::Chroot)?;
    sys.chdir(Path::new("/")).map_err(JailError::Chdir)
}

/// Step 5a. Empties every capability set (bounding and ambient too), so nothing the kit runs later
/// holds a capability even inside its own namespaces.
pub(super) fn drop_capabilities(sys: &dyn Syscall) -> Result<(), JailError> {
    sys.drop_all_capabilities().map_err(JailError::DropCaps)
}

/// Step 5b. No execve can ever grant privileges again (and seccomp without CAP_SYS_ADMIN needs it).
pub(super) fn set_no_new_privs(sys: &dyn Syscall) -> Result<(), JailError> {
    sys.set_no_new_privs().map_err(JailError::NoNewPrivs)
}

/// Step 5c. Resource limits, soft = hard so the kit cannot raise them; 0 leaves a limit alone.
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
