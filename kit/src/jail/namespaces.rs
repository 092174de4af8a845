//! Steps 1, 2 and 4 of the jail: the user, PID, mount, network, IPC and UTS namespaces.
//!
//! Step 1 makes the kit (cloned by the zygote into its own user and PID namespaces) root of that
//! user namespace (mapped to its own outer uid, so it gains nothing on the host), which owns a
//! fresh mount namespace: from there it may mount, and nothing it
//! mounts is seen outside. Step 4 leaves that power behind: a nested user namespace maps the kit
//! back to its outer uid, and the kit holds no capability over the mount namespace any more, so the
//! read-only binds can be neither remounted nor unmounted to reveal what lies beneath.

use std::io;
use std::os::fd::RawFd;
use std::path::Path;

use nix::mount::MsFlags;
use nix::sched::CloneFlags;

use super::JailError;
use crate::sys::{Cloned, Mount, Syscall};

const SETGROUPS: &str = "/proc/self/setgroups";
const UID_MAP: &str = "/proc/self/uid_map";
const GID_MAP: &str = "/proc/self/gid_map";

/// Step 1a, in the zygote: the kit is created by one `clone(2)` into a new user namespace and,
/// owned by it, a new PID namespace. Safe: a new user namespace grants capabilities only over
/// namespaces it owns (no id is mapped into it until step 1c), and in its own PID namespace the kit
/// is PID 1 and can name no process outside: every call that takes a pid (kill, ptrace, fcntl
/// F_SETOWN, pidfd_open, ...) can only reach the kit itself.
///
/// # Safety
/// The caller must be single-threaded (see [`crate::sys::clone_into_user_and_pid_ns`]).
pub unsafe fn clone_kit() -> Result<Cloned, JailError> {
    // SAFETY: single-threadedness is this function's own precondition.
    unsafe { crate::sys::clone_into_user_and_pid_ns() }.map_err(clone_error)
}

/// What a refused clone means: user namespaces unavailable (with the fix), or something else.
pub(super) fn clone_error(source: io::Error) -> JailError {
    match source.raw_os_error() {
        Some(libc::EPERM | libc::ENOSPC | libc::EUSERS | libc::EINVAL) => {
            JailError::UserNamespacesUnavailable {
                fix: user_namespace_fix(),
                source,
            }
        }
        _ => JailError::CloneKit(source),
    }
}

/// Step 1b, in the kit. Safe: a new mount namespace, owned by the kit's own user namespace (made
/// by the clone), so nothing the kit mounts is seen outside and its mounts of host file systems
/// stay locked to it.
pub(super) fn unshare_mount(sys: &dyn Syscall) -> Result<(), JailError> {
    sys.unshare(CloneFlags::CLONE_NEWNS)
        .map_err(|source| match source.raw_os_error() {
            // Only root of a fresh user namespace may do this: a caller that did not come from
            // clone_kit (a plain fork) is refused here.
            Some(libc::EPERM) => JailError::NotInOwnUserNs(source),
            _ => JailError::UnshareMountNs(source),
        })
}

/// Step 1c. `deny` setgroups (required before an unprivileged gid_map, and it stops the kit from
/// dropping a supplementary group that a host ACL denies), then map root inside to the outer ids.
pub(super) fn map_ids_to_root(
    sys: &dyn Syscall,
    outer_uid: u32,
    outer_gid: u32,
) -> Result<(), JailError> {
    sys.write_file(Path::new(SETGROUPS), "deny")
        .map_err(JailError::SetGroups)?;
    sys.write_file(Path::new(UID_MAP), &format!("0 {outer_uid} 1"))
        .map_err(JailError::UidMap)?;
    sys.write_file(Path::new(GID_MAP), &format!("0 {outer_gid} 1"))
        .map_err(JailError::GidMap)
}

/// Step 1d. Safe and necessary: with `/` private, no mount the kit makes propagates back to the
/// host's mount namespace, and no later host mount appears in the kit. (A mount namespace made in
/// a new user namespace already turns the host's shared mounts into slaves, so when a container
/// refuses every mount and the link fallback is allowed, nothing is lost by going on without it:
/// the fallback mounts nothing.)
pub(super) fn make_root_private(sys: &dyn Syscall, allow_fallback: bool) -> Result<(), JailError> {
    let flags = MsFlags::MS_REC | MsFlags::MS_PRIVATE;
    match sys.mount(&Mount::change(Path::new("/"), flags)) {
        Err(err) if allow_fallback && err.raw_os_error() == Some(libc::EPERM) => Ok(()),
        other => other.map_err(JailError::MakeRootPrivate),
    }
}

/// Step 2. A kit needs no network: a fresh network namespace has only a down loopback, and abstract
/// unix socket names are per network namespace, so no listener outside is reachable. IPC and UTS
/// cost next to nothing and take System V IPC objects and the host name out of reach too.
pub(super) fn unshare_network_ipc_uts(sys: &dyn Syscall) -> Result<(), JailError> {
    sys.unshare(CloneFlags::CLONE_NEWNET | CloneFlags::CLONE_NEWIPC | CloneFlags::CLONE_NEWUTS)
        .map_err(JailError::UnshareNet)
}

/// The host name every kit sees (uname's nodename).
pub const KIT_HOSTNAME: &str = "oxool-kit";

/// Step 2b. A new UTS namespace starts with a copy of the host's name; a document has no business
/// knowing which machine renders it, so the kit's namespace gets a fixed one. Safe: the name is
/// set in the UTS namespace the kit just made, owned by its own user namespace; nothing outside
/// sees it. Under systemd, ProtectHostname= (which oxool-forkit.service sets) refuses
/// sethostname with EPERM for the whole unit; the kit then keeps the name of the unit's own UTS
/// namespace, which is the only thing lost.
pub(super) fn hide_host_name(sys: &dyn Syscall) -> Result<(), JailError> {
    match sys.sethostname(KIT_HOSTNAME) {
        Err(err) if err.raw_os_error() == Some(libc::EPERM) => Ok(()),
        other => other.map_err(JailError::SetHostname),
    }
}

/// Step 4a. Safe: the nested namespace maps the kit's id back to what it is outside (`<outer> 0 1`
/// seen from the first namespace, where the outer id is 0). The kit keeps capabilities only inside
/// the nested namespace, which owns no mount namespace, so every mount is now locked for it.
///
/// The maps are written through `proc_self` (a descriptor of /proc/self opened before the root
/// switch; the jail has no /proc), which is closed here once they are written.
pub(super) fn enter_nested_user_ns(
    sys: &dyn Syscall,
    proc_self: RawFd,
    outer_uid: u32,
    outer_gid: u32,
) -> Result<(), JailError> {
    sys.unshare(CloneFlags::CLONE_NEWUSER)
        .map_err(|source| match source.raw_os_error() {
            // The kernel refuses a user namespace to a multi-threaded process: a caller bug.
            Some(libc::EINVAL) if thread_count() > 1 => JailError::MultiThreaded {
                threads: thread_count(),
                source,
            },
            _ => JailError::NestedUserNs(source),
        })?;
    // Inherited as `deny` from the first namespace; writing it again is accepted and states it.
    sys.write_file_at(proc_self, "setgroups", "deny")
        .map_err(JailError::NestedSetGroups)?;
    sys.write_file_at(proc_self, "uid_map", &format!("{outer_uid} 0 1"))
        .map_err(JailError::NestedUidMap)?;
    sys.write_file_at(proc_self, "gid_map", &format!("{outer_gid} 0 1"))
        .map_err(JailError::NestedGidMap)?;
    sys.close(proc_self).map_err(JailError::OpenProcSelf)
}

fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|t| t.count())
        .unwrap_or(1)
}

/// What the administrator must change when user namespaces are refused: read from the sysctls that
/// can forbid them (upstream, Debian's patch, Ubuntu 24.04's AppArmor restriction).
fn user_namespace_fix() -> String {
    let read = |path: &str| {
        std::fs::read_to_string(path)
            .ok()
            .map(|v| v.trim().to_string())
    };
    if read("/proc/sys/user/max_user_namespaces").as_deref() == Some("0") {
        return "user namespaces are disabled: set the sysctl user.max_user_namespaces to a positive \
                value (e.g. `sysctl -w user.max_user_namespaces=15000` and a file in /etc/sysctl.d)"
            .into();
    }
    if read("/proc/sys/kernel/unprivileged_userns_clone").as_deref() == Some("0") {
        return "unprivileged user namespaces are disabled: set `sysctl -w \
                kernel.unprivileged_userns_clone=1` (and persist it in /etc/sysctl.d)"
            .into();
    }
    if read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns").as_deref() == Some("1") {
        return "AppArmor restricts unprivileged user namespaces (Ubuntu 24.04): install oxool's \
                AppArmor profile for oxool-forkit (it grants `userns,`), or set `sysctl -w \
                kernel.apparmor_restrict_unprivileged_userns=0`"
            .into();
    }
    "user namespaces were refused: the process may run inside a chroot (give it a real mount \
     namespace root instead), in a container whose seccomp profile forbids unshare, or under a \
     systemd unit with RestrictNamespaces= that lacks `user mnt net ipc uts`"
        .into()
}
