//! The kit jail: what a freshly cloned, still single-threaded kit does before anything the document
//! can influence runs. [`enter`] is the whole security argument, one named step after another.
//!
//! 0. (before [`enter`], in `serve::run_kit`) every descriptor is closed but stdio, the kit socket
//!    and what LibreOffice's preinit opened in the zygote (recorded there; none is a socket);
//! 1. a new user namespace and a new PID namespace, made by the zygote's one `clone(2)` of the kit
//!    ([`clone_kit`]: the kit is PID 1 there and can name no process outside), then a new mount
//!    namespace; root inside = the kit's own uid outside, setgroups denied; `/` made private;
//! 2. new network, IPC and UTS namespaces: no network at all, no abstract socket outside, no
//!    System V IPC object of another process, and a fixed host name instead of the machine's;
//! 3. a tmpfs at `<jails_root>/<jail_id>`: read-only binds of the systemplate and of the host paths
//!    LibreOffice needs (at their own path; read-only, nosuid, nodev and unbindable down the whole
//!    bound subtree with one `mount_setattr(AT_RECURSIVE)`), a writable tmpfs `/tmp`, then the root
//!    made read-only;
//! 4. `pivot_root` into the tree and the old root detached (the host's mounts leave the kit's mount
//!    namespace), then a nested user namespace mapped back to the outer uid (now no mount can be
//!    changed any more); `chroot` only where pivot_root is impossible (the link/copy fallback),
//!    with a loud warning;
//! 5. every capability dropped, `no_new_privs`, not dumpable, resource limits, no core files.
//!
//! On the way, before the root switch (while the host's /proc is reachable), the kit raises its
//! own `oom_score_adj` to 1000: the OOM killer takes a kit before anything else.
//!
//! The seccomp filter ([`crate::seccomp`]) is installed by the caller right after `enter` returns.

mod cleanup;
mod harden;
mod namespaces;
mod root;
mod tree;

use std::io;
use std::os::fd::RawFd;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

pub use cleanup::remove_jail_dir;
pub use namespaces::clone_kit;
pub use namespaces::KIT_HOSTNAME;
pub use oxool_systemplate::default_ro_binds;

use crate::sys::Syscall;
use tree::TreeBuilder;

/// How many jails this process built with the link/copy fallback. Incremented in the process that
/// ran [`enter`] (the kit); a forkit counts from the kit's `ready mounts=` answer.
pub static FALLBACK_JAILS: AtomicU64 = AtomicU64::new(0);

/// Length of a jail id.
pub const JAIL_ID_LEN: usize = 16;

#[derive(Debug, Clone)]
pub struct JailConfig {
    /// Host directory; the jail is `<jails_root>/<jail_id>` (created by [`enter`]).
    pub jails_root: PathBuf,
    /// From [`new_jail_id`].
    pub jail_id: String,
    /// Built by oxool-systemplate-setup; its top-level entries are shown at `/` in the jail.
    pub systemplate: PathBuf,
    /// Host paths shown read-only at the same path (LibreOffice, fonts, ...).
    pub ro_binds: Vec<PathBuf>,
    /// getuid/getgid of the zygote, before any unshare.
    pub outer_uid: u32,
    pub outer_gid: u32,
    pub rlimits: Rlimits,
    /// When mounts are impossible: hard links, then copies (with a loud warning).
    pub allow_link_fallback: bool,
    /// Size of the writable `/tmp` tmpfs, in MiB (0 would be unlimited: never pass it).
    pub tmp_size_mb: u64,
}

/// Resource limits of a kit; 0 leaves a limit as inherited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rlimits {
    pub address_space_mb: u64,
    pub file_size_mb: u64,
    pub open_files: u64,
    pub stack_kb: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MountMode {
    /// Read-only bind mounts (the normal case).
    Bind,
    /// Mounts were refused: hard links where safe, copies elsewhere.
    Link,
    /// Mounts were refused and no hard link could be made: copies only.
    Copy,
}

#[derive(Debug, Clone)]
pub struct JailReport {
    pub mount_mode: MountMode,
    /// The root was switched with pivot_root and the old root detached (false: the chroot
    /// fallback).
    pub pivoted: bool,
    /// From the first unshare to the last rlimit.
    pub setup: Duration,
    /// Each step's duration, in order.
    pub steps: Vec<(&'static str, Duration)>,
}

/// One variant per step of [`enter`].
#[derive(Debug, thiserror::Error)]
pub enum JailError {
    #[error("jail id {0:?} is not {JAIL_ID_LEN} characters of [a-zA-Z0-9]")]
    BadJailId(String),
    #[error("the jail needs a single-threaded process; this one has {threads} threads ({source})")]
    MultiThreaded { threads: usize, source: io::Error },
    #[error("cannot create a user namespace ({source}); {fix}")]
    UserNamespacesUnavailable { fix: String, source: io::Error },
    #[error("clone(CLONE_NEWUSER|CLONE_NEWPID) of the kit: {0}")]
    CloneKit(io::Error),
    #[error(
        "unshare(CLONE_NEWNS) was refused ({0}): the kit must be created by jail::clone_kit, \
         which gives it a user namespace of its own"
    )]
    NotInOwnUserNs(io::Error),
    #[error("unshare(CLONE_NEWNS): {0}")]
    UnshareMountNs(io::Error),
    #[error("writing /proc/self/setgroups: {0}")]
    SetGroups(io::Error),
    #[error("writing /proc/self/uid_map: {0}")]
    UidMap(io::Error),
    #[error("writing /proc/self/gid_map: {0}")]
    GidMap(io::Error),
    #[error("making / private: {0}")]
    MakeRootPrivate(io::Error),
    #[error("unshare(CLONE_NEWNET|CLONE_NEWIPC|CLONE_NEWUTS): {0}")]
    UnshareNet(io::Error),
    #[error("setting the kit's host name in its UTS namespace: {0}")]
    SetHostname(io::Error),
    #[error("creating the jail directory {path}: {source}")]
    CreateJailDir { path: PathBuf, source: io::Error },
    #[error("mounting the jail's tmpfs: {0}")]
    MountTmpfs(io::Error),
    #[error("reading the systemplate {path}: {source}")]
    ReadSystemplate { path: PathBuf, source: io::Error },
    #[error("host path {0} must be absolute, without `..`, and not under /tmp")]
    BadHostPath(PathBuf),
    #[error("{path} overlaps {other}, which is already shown in the jail")]
    OverlappingBind { path: PathBuf, other: PathBuf },
    #[error("reading {path} to show it in the jail: {source}")]
    BindSource { path: PathBuf, source: io::Error },
    #[error("creating the mount point for {path}: {source}")]
    MountPoint { path: PathBuf, source: io::Error },
    #[error("bind-mounting {path}: {source}")]
    BindMount { path: PathBuf, source: io::Error },
    #[error("reading the mount flags of {path}: {source}")]
    ReadMountFlags { path: PathBuf, source: io::Error },
    #[error("remounting {path} read-only: {source}")]
    RemountReadOnly { path: PathBuf, source: io::Error },
    #[error("making {path} unbindable: {source}")]
    MakeUnbindable { path: PathBuf, source: io::Error },
    #[error("creating the symlink {path}: {source}")]
    Symlink { path: PathBuf, source: io::Error },
    #[error("linking or copying {path} into the jail: {source}")]
    LinkFallback { path: PathBuf, source: io::Error },
    #[error("making the jail's {path}: {source}")]
    MakeTmp { path: PathBuf, source: io::Error },
    #[error("making the jail's root read-only: {0}")]
    RemountRootReadOnly(io::Error),
    #[error("unshare(CLONE_NEWUSER) for the nested namespace: {0}")]
    NestedUserNs(io::Error),
    #[error("writing /proc/self/setgroups in the nested namespace: {0}")]
    NestedSetGroups(io::Error),
    #[error("writing /proc/self/uid_map in the nested namespace: {0}")]
    NestedUidMap(io::Error),
    #[error("writing /proc/self/gid_map in the nested namespace: {0}")]
    NestedGidMap(io::Error),
    #[error("opening (or closing) /proc/self for the nested namespace's id maps: {0}")]
    OpenProcSelf(io::Error),
    #[error("closing the descriptors inherited from the zygote: {0}")]
    CloseInheritedFds(io::Error),
    #[error("pivot_root into the jail: {0}")]
    PivotRoot(io::Error),
    #[error("detaching the old root after pivot_root: {0}")]
    DetachOldRoot(io::Error),
    #[error("chroot into the jail: {0}")]
    Chroot(io::Error),
    #[error("chdir(\"/\") in the jail: {0}")]
    Chdir(io::Error),
    #[error("writing /proc/self/oom_score_adj: {0}")]
    OomScoreAdj(io::Error),
    #[error("prctl(PR_SET_DUMPABLE, 0): {0}")]
    NotDumpable(io::Error),
    #[error("setting the core file size limit to 0: {0}")]
    CoreLimit(io::Error),
    #[error("dropping capabilities: {0}")]
    DropCaps(io::Error),
    #[error("prctl(PR_SET_NO_NEW_PRIVS): {0}")]
    NoNewPrivs(io::Error),
    #[error("setting the {name} limit to {value}: {source}")]
    Rlimit {
        name: &'static str,
        value: u64,
        source: io::Error,
    },
}

/// A fresh jail id: 16 random characters of [a-zA-Z0-9].
pub fn new_jail_id() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), JAIL_ID_LEN)
}

fn is_valid_jail_id(id: &str) -> bool {
    id.len() == JAIL_ID_LEN && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Enters the jail. Must run in a single-threaded process (the kernel refuses a user namespace to
/// a multi-threaded one) that is not chrooted. On error the process is half-jailed and must end.
/// `keep_fds` are the descriptors the kit may take into the jail (stdio, its socket,
/// preinit's); every other one is closed first.
pub fn enter(
    cfg: &JailConfig,
    keep_fds: &[RawFd],
    sys: &dyn Syscall,
) -> Result<JailReport, JailError> {
    if !is_valid_jail_id(&cfg.jail_id) {
        return Err(JailError::BadJailId(cfg.jail_id.clone()));
    }
    let jail = cfg.jails_root.join(&cfg.jail_id);
    let mut steps = Steps::new();

    // 0. Nothing of the zygote's or the forkit's goes in: its control socket, signalfd and other
    //    kits' sockets are closed, and so is any directory descriptor, the one kind that leads
    //    out of a chroot (fchdir, openat).
    steps.run("close_inherited_fds", || {
        sys.close_fds_except(keep_fds)
            .and_then(|()| sys.close_directory_fds())
            .map_err(JailError::CloseInheritedFds)
    })?;

    // 1. Own user + PID namespace (made by the clone, clone_kit), then our own mount namespace;
    //    root inside is only our own uid outside; `/` private.
    steps.run("unshare_mount", || namespaces::unshare_mount(sys))?;
    steps.run("map_ids", || {
        namespaces::map_ids_to_root(sys, cfg.outer_uid, cfg.outer_gid)
    })?;
    steps.run("make_root_private", || {
        namespaces::make_root_private(sys, cfg.allow_link_fallback)
    })?;

    // 2. No network, no IPC objects, no host name from the host.
    steps.run("unshare_net_ipc_uts", || {
        namespaces::unshare_network_ipc_uts(sys)
    })?;
    steps.run("hide_host_name", || namespaces::hide_host_name(sys))?;

    // 3. The tree: tmpfs, read-only binds at the same paths, writable /tmp, read-only root.
    let mut builder = TreeBuilder::new(
        sys,
        jail.clone(),
        &cfg.jail_id,
        cfg.allow_link_fallback,
        cfg.outer_uid,
    );
    steps.run("create_jail_dir", || builder.create_jail_dir())?;
    steps.run("mount_root_tmpfs", || builder.mount_root_tmpfs())?;
    steps.run("bind_systemplate", || {
        builder.bind_systemplate(&cfg.systemplate)
    })?;
    steps.run("bind_host_paths", || builder.bind_host_paths(&cfg.ro_binds))?;
    steps.run("make_tmp", || builder.make_tmp(cfg.tmp_size_mb))?;
    steps.run("make_root_read_only", || builder.make_root_read_only())?;
    let mount_mode = builder.mount_mode();
    steps.run("oom_score_adj", || harden::raise_oom_score(sys))?;

    // 4. The root switch: pivot_root into the jail and detach the old root, then give up the
    //    power over the mounts (nested userns: pivot_root needs it, so it comes after). Where
    //    pivot_root is impossible (the link/copy fallback builds no mount to pivot to), chroot,
    //    after the nested userns (a chrooted process may not create one), with a loud warning.
    let proc_self = steps.run("open_proc_self", || root::open_proc_self(sys))?;
    let pivoted = match mount_mode {
        MountMode::Bind => steps.run("pivot_root", || root::pivot_into(sys, &jail))?,
        MountMode::Link | MountMode::Copy => false,
    };
    steps.run("nested_user_ns", || {
        namespaces::enter_nested_user_ns(sys, proc_self, cfg.outer_uid, cfg.outer_gid)
    })?;
    if !pivoted {
        eprintln!(
            "oxool-kit: WARNING: jail {}: chroot instead of pivot_root; the host's mounts stay in \
             this kit's mount namespace (hidden, not detached)",
            cfg.jail_id
        );
        steps.run("chroot", || root::chroot_into(sys, &jail))?;
    }

    // 5. Nothing left to escalate with.
    steps.run("drop_capabilities", || harden::drop_capabilities(sys))?;
    steps.run("no_new_privs", || harden::set_no_new_privs(sys))?;
    steps.run("not_dumpable", || harden::set_not_dumpable(sys))?;
    steps.run("rlimits", || harden::apply_rlimits(sys, &cfg.rlimits))?;
    steps.run("no_core_dumps", || harden::forbid_core_dumps(sys))?;

    Ok(JailReport {
        mount_mode,
        pivoted,
        setup: steps.started.elapsed(),
        steps: steps.done,
    })
}

/// Times each step into the report.
struct Steps {
    started: Instant,
    done: Vec<(&'static str, Duration)>,
}

impl Steps {
    fn new() -> Self {
        Steps {
            started: Instant::now(),
            done: Vec::with_capacity(16),
        }
    }

    fn run<T>(
        &mut self,
        name: &'static str,
        step: impl FnOnce() -> Result<T, JailError>,
    ) -> Result<T, JailError> {
        let started = Instant::now();
        let value = step()?;
        self.done.push((name, started.elapsed()));
        Ok(value)
    }
}

#[cfg(test)]
mod tests;
