//! Step 4 of the jail: the root switch.
//!
//! `pivot_root(2)` makes the jail's tmpfs the root of the kit's mount namespace and the old root
//! is detached (`umount2(MNT_DETACH)`), as youki and Firecracker's jailer do: afterwards the host's
//! mounts are not in the kit's mount namespace at all, so no directory descriptor, no `..` and no
//! kernel bug in path walking leads back to them. `chroot(2)` only hides them, and stays as the
//! fallback where pivot_root is impossible (the link/copy fallback, whose jail is no mount; a root
//! that cannot be pivoted), with a loud warning.
//!
//! The nested user namespace comes right after the pivot (pivot_root needs CAP_SYS_ADMIN over the
//! mount namespace, which the nested namespace gives up), and writes its id maps through a
//! descriptor of `/proc/self` opened before the switch: the jail has no `/proc`.

use std::os::fd::RawFd;
use std::path::Path;

use super::JailError;
use crate::sys::Syscall;

/// Step 4a. Safe: a descriptor of this process's own /proc directory, needed for the nested
/// namespace's id maps once /proc is out of reach; it is closed as soon as they are written, before
/// anything the document can influence runs.
pub(super) fn open_proc_self(sys: &dyn Syscall) -> Result<RawFd, JailError> {
    sys.open_dir(Path::new("/proc/self"))
        .map_err(JailError::OpenProcSelf)
}

/// Step 4b. `pivot_root(".", ".")` from inside the jail stacks the old root on top of the new one;
/// from a descriptor of the old root, `umount2(".", MNT_DETACH)` then takes the old root and every
/// mount below it out of the namespace (`/` is private since step 1, so nothing propagates to the
/// host). Returns false, having changed nothing, when the kernel refuses the pivot (EINVAL: the root
/// is the namespace's rootfs; EPERM): the caller then falls back to chroot.
pub(super) fn pivot_into(sys: &dyn Syscall, jail: &Path) -> Result<bool, JailError> {
    let old_root = sys.open_dir(Path::new("/")).map_err(JailError::PivotRoot)?;
    let result = pivot_with(sys, jail, old_root);
    let _ = sys.close(old_root);
    result
}

fn pivot_with(sys: &dyn Syscall, jail: &Path, old_root: RawFd) -> Result<bool, JailError> {
    sys.chdir(jail).map_err(JailError::Chdir)?;
    let here = Path::new(".");
    match sys.pivot_root(here, here) {
        Ok(()) => {}
        Err(err) if matches!(err.raw_os_error(), Some(libc::EINVAL | libc::EPERM)) => {
            eprintln!(
                "oxool-kit: WARNING: pivot_root into {} was refused ({err}); falling back to \
                 chroot: the host's mounts stay in the kit's mount namespace, out of sight but not \
                 detached",
                jail.display()
            );
            return Ok(false);
        }
        Err(err) => return Err(JailError::PivotRoot(err)),
    }
    // "." is the new root with the old one stacked on it: step onto the old root to detach it.
    sys.fchdir(old_root).map_err(JailError::DetachOldRoot)?;
    sys.umount(here).map_err(JailError::DetachOldRoot)?;
    sys.chdir(Path::new("/")).map_err(JailError::Chdir)?;
    Ok(true)
}

/// Step 4d (fallback only). Safe: chroot into the tree built in step 3 (the nested user namespace
/// grants CAP_SYS_CHROOT; it must come before, a chrooted process may not create a user
/// namespace), then chdir("/") so no working directory is left outside the new root.
pub(super) fn chroot_into(sys: &dyn Syscall, jail: &Path) -> Result<(), JailError> {
    sys.chroot(jail).map_err(JailError::Chroot)?;
    sys.chdir(Path::new("/")).map_err(JailError::Chdir)
}
