//! The order and the arguments of the jail, checked against a recording seam (no root needed).

use std::fs;
use std::path::{Path, PathBuf};

use nix::mount::MsFlags;
use nix::sched::CloneFlags;
use nix::sys::resource::Resource;

use super::*;
use crate::sys::{Call, Mount, MountSetattr, RecordingSyscall};

struct Fixture {
    _dir: tempfile::TempDir,
    cfg: JailConfig,
}

/// A systemplate with `etc` and `var`, and host paths: a directory, a device, a symlink.
fn fixture() -> Fixture {
    // Host paths may not lie under /tmp (the jail's own); /dev/shm is writable for everyone.
    let dir = tempfile::tempdir_in("/dev/shm").unwrap();
    let systemplate = dir.path().join("systemplate");
    fs::create_dir_all(systemplate.join("etc")).unwrap();
    fs::create_dir_all(systemplate.join("var/cache")).unwrap();
    let host_dir = dir.path().join("host/lib/office");
    fs::create_dir_all(&host_dir).unwrap();
    let host_link = dir.path().join("host/lib/libx.so.0");
    std::os::unix::fs::symlink("libx.so.0.1", &host_link).unwrap();
    let cfg = JailConfig {
        jails_root: dir.path().join("jails"),
        jail_id: "AAAAbbbbCCCC1234".into(),
        systemplate,
        ro_binds: vec![host_dir, PathBuf::from("/dev/urandom"), host_link],
        outer_uid: 1000,
        outer_gid: 1001,
        rlimits: Rlimits {
            address_space_mb: 0,
            file_size_mb: 64,
            open_files: 512,
            stack_kb: 0,
        },
        allow_link_fallback: false,
        tmp_size_mb: 64,
    };
    Fixture { _dir: dir, cfg }
}

fn position(calls: &[Call], wanted: &Call) -> usize {
    calls
        .iter()
        .position(|c| c == wanted)
        .unwrap_or_else(|| panic!("{wanted:?} not in {calls:#?}"))
}

/// Where the write of `contents` to `path` is in `calls`.
fn write_position(calls: &[Call], path: &str, contents: &str) -> usize {
    position(
        calls,
        &Call::WriteFile {
            path: path.into(),
            contents: contents.into(),
        },
    )
}

/// stdio, a kit socket and one preinit descriptor.
const KEEP: &[std::os::fd::RawFd] = &[0, 1, 2, 7, 9];

/// Enters the jail of `cfg` on a host that `host` describes (what it refuses, what it answers)
/// to a fresh recording seam: the outcome and the calls made.
fn enter_on(
    cfg: &JailConfig,
    host: impl FnOnce(&mut RecordingSyscall),
) -> (Result<JailReport, JailError>, Vec<Call>) {
    let mut sys = RecordingSyscall::new(1000, 1001);
    host(&mut sys);
    let outcome = enter(cfg, KEEP, &sys);
    (outcome, sys.calls())
}

/// Enters the jail on a host whose mounts carry the locked flags noexec and noatime, with
/// mount_setattr failing with `setattr_errno` if given: the calls, the jail and where the
/// office directory (the first read-only bind) is in it.
fn enter_on_locked_mounts(
    cfg: &JailConfig,
    setattr_errno: Option<i32>,
) -> (Vec<Call>, PathBuf, PathBuf) {
    let (outcome, calls) = enter_on(cfg, |sys| {
        sys.fail_mount_setattr_with = setattr_errno;
        sys.statvfs_answer =
            nix::sys::statvfs::FsFlags::ST_NOEXEC | nix::sys::statvfs::FsFlags::ST_NOATIME;
    });
    outcome.unwrap();
    let jail = cfg.jails_root.join(&cfg.jail_id);
    let office_in_jail = jail.join(cfg.ro_binds[0].strip_prefix("/").unwrap());
    assert!(calls.contains(&Call::Mkdir {
        path: office_in_jail.clone(),
        mode: 0o755
    }));
    (calls, jail, office_in_jail)
}

/// Enters with the link fallback allowed on a host that refuses every mount (a container): the
/// report and the calls.
fn enter_refusing_every_mount(cfg: &JailConfig) -> (JailReport, Vec<Call>) {
    let mut cfg = cfg.clone();
    cfg.allow_link_fallback = true;
    let (outcome, calls) = enter_on(&cfg, |sys| sys.fail_mounts_with = Some(libc::EPERM));
    (outcome.unwrap(), calls)
}

/// The flags of every mount onto `target`.
fn mount_flags_on(calls: &[Call], target: &Path) -> Vec<MsFlags> {
    calls
        .iter()
        .filter_map(|c| match c {
            Call::Mount(Mount {
                target: t, flags, ..
            }) if t == target => Some(*flags),
            _ => None,
        })
        .collect()
}

/// Every mount_setattr on `target`: recursive, the attributes set, the propagation.
fn setattr_on(calls: &[Call], target: &Path) -> Vec<(bool, u64, u64)> {
    calls
        .iter()
        .filter_map(|c| match c {
            Call::MountSetattr(MountSetattr {
                target: t,
                recursive,
                attr_set,
                propagation,
            }) if t == target => Some((*recursive, *attr_set, *propagation)),
            _ => None,
        })
        .collect()
}

/// Checks that /dev/urandom is bound onto an empty file and /dev/random links to it; returns
/// where it is in the jail.
fn device_in(calls: &[Call], jail: &Path) -> PathBuf {
    let urandom = jail.join("dev/urandom");
    assert!(calls.contains(&Call::CreateFile {
        path: urandom.clone(),
        mode: 0o644
    }));
    assert!(calls.contains(&Call::Symlink {
        target: "urandom".into(),
        link: jail.join("dev/random")
    }));
    urandom
}

#[test]
fn steps_run_in_the_order_of_the_security_argument() {
    let f = fixture();
    let (outcome, calls) = enter_on(&f.cfg, |_| {});
    let report = outcome.unwrap();
    assert_eq!(report.mount_mode, MountMode::Bind);
    let jail = f.cfg.jails_root.join(&f.cfg.jail_id);

    // Step 0: the inherited descriptors go before anything else.
    assert_eq!(calls[0], Call::CloseFdsExcept(KEEP.to_vec()));
    assert_eq!(calls[1], Call::CloseDirectoryFds);
    let first_unshare = position(&calls, &Call::Unshare(CloneFlags::CLONE_NEWNS));
    assert_eq!(first_unshare, 2, "nothing else before the mount namespace");
    let setgroups = write_position(&calls, "/proc/self/setgroups", "deny");
    let uid_map = write_position(&calls, "/proc/self/uid_map", "0 1000 1");
    let gid_map = write_position(&calls, "/proc/self/gid_map", "0 1001 1");
    let private = position(
        &calls,
        &Call::Mount(Mount {
            source: None,
            target: "/".into(),
            fstype: None,
            flags: MsFlags::MS_REC | MsFlags::MS_PRIVATE,
            data: None,
        }),
    );
    let net = position(
        &calls,
        &Call::Unshare(
            CloneFlags::CLONE_NEWNET | CloneFlags::CLONE_NEWIPC | CloneFlags::CLONE_NEWUTS,
        ),
    );
    let host_name = position(&calls, &Call::SetHostname(super::KIT_HOSTNAME.to_string()));
    let jail_dir = position(
        &calls,
        &Call::Mkdir {
            path: jail.clone(),
            mode: 0o755,
        },
    );
    let tmpfs = calls
        .iter()
        .position(|c| matches!(c, Call::Mount(Mount { target, fstype: Some(t), .. }) if target == &jail && t == "tmpfs"))
        .unwrap();
    let root_ro = calls
        .iter()
        .position(|c| matches!(c, Call::Mount(Mount { target, flags, .. }) if target == &jail && flags.contains(MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY)))
        .unwrap();
    let nested = position(&calls, &Call::Unshare(CloneFlags::CLONE_NEWUSER));
    // /proc/self is opened before the root switch; the nested maps are written through it.
    let proc_self = position(&calls, &Call::OpenDir("/proc/self".into()));
    let old_root = position(&calls, &Call::OpenDir("/".into()));
    let into_jail = position(&calls, &Call::Chdir(jail.clone()));
    let pivot = position(
        &calls,
        &Call::PivotRoot {
            new_root: ".".into(),
            put_old: ".".into(),
        },
    );
    let onto_old_root = position(&calls, &Call::Fchdir(101));
    let detach = position(&calls, &Call::Umount(".".into()));
    let chdir = position(&calls, &Call::Chdir("/".into()));
    let nested_uid = position(
        &calls,
        &Call::WriteFileAt {
            dir: 100,
            name: "uid_map".into(),
            contents: "1000 0 1".into(),
        },
    );
    let nested_gid = position(
        &calls,
        &Call::WriteFileAt {
            dir: 100,
            name: "gid_map".into(),
            contents: "1001 0 1".into(),
        },
    );
    let proc_closed = position(&calls, &Call::Close(100));
    assert!(
        !calls.iter().any(|c| matches!(c, Call::Chroot(_))),
        "pivot_root, not chroot: {calls:#?}"
    );
    let caps = position(&calls, &Call::DropAllCapabilities);
    let nnp = position(&calls, &Call::SetNoNewPrivs);
    let oom = write_position(&calls, "/proc/self/oom_score_adj", "1000");
    let not_dumpable = position(&calls, &Call::SetDumpable(false));
    let no_core = position(
        &calls,
        &Call::Setrlimit {
            resource: Resource::RLIMIT_CORE,
            soft: 0,
            hard: 0,
        },
    );
    let last_mount = calls
        .iter()
        .rposition(|c| matches!(c, Call::Mount(_)))
        .unwrap();

    let order = [
        first_unshare,
        setgroups,
        uid_map,
        gid_map,
        private,
        net,
        host_name,
        jail_dir,
        tmpfs,
        root_ro,
        oom,
        proc_self,
        old_root,
        into_jail,
        pivot,
        onto_old_root,
        detach,
        chdir,
        nested,
        nested_uid,
        nested_gid,
        proc_closed,
        caps,
        nnp,
        not_dumpable,
        no_core,
    ];
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "order {order:?} in {calls:#?}"
    );
    assert!(
        last_mount < nested,
        "every mount must happen before the nested user namespace"
    );
    assert!(report.pivoted);
    assert_eq!(report.steps.len(), 21);
    assert_eq!(report.steps[0].0, "close_inherited_fds");
}

#[test]
fn binds_are_read_only_keep_locked_flags_and_are_unbindable() {
    let f = fixture();
    let (calls, jail, office_in_jail) = enter_on_locked_mounts(&f.cfg, None);

    // One recursive mount_setattr: read-only, nosuid, nodev, unbindable; nothing cleared.
    let unbindable = MsFlags::MS_UNBINDABLE.bits();
    assert_eq!(
        mount_flags_on(&calls, &office_in_jail),
        vec![MsFlags::MS_BIND | MsFlags::MS_REC]
    );
    assert_eq!(
        setattr_on(&calls, &office_in_jail),
        vec![(
            true,
            crate::sys::MOUNT_ATTR_RDONLY
                | crate::sys::MOUNT_ATTR_NOSUID
                | crate::sys::MOUNT_ATTR_NODEV,
            unbindable
        )]
    );

    // The device is bound onto an empty file and keeps working (no nodev added).
    let urandom = device_in(&calls, &jail);
    assert_eq!(
        setattr_on(&calls, &urandom)[0].1,
        crate::sys::MOUNT_ATTR_RDONLY | crate::sys::MOUNT_ATTR_NOSUID
    );

    // The systemplate's top-level entries are bound at /.
    for entry in ["etc", "var"] {
        assert_eq!(setattr_on(&calls, &jail.join(entry)).len(), 1, "{entry}");
    }
}

#[test]
fn without_mount_setattr_binds_are_remounted_keeping_locked_flags() {
    let f = fixture();
    let (calls, jail, office_in_jail) = enter_on_locked_mounts(&f.cfg, Some(libc::ENOSYS));
    // Only the first bind finds out that the kernel lacks mount_setattr.
    let attempts = calls
        .iter()
        .filter(|c| matches!(c, Call::MountSetattr(_)))
        .count();
    assert_eq!(attempts, 1, "{calls:#?}");

    let expected_remount = MsFlags::MS_REMOUNT
        | MsFlags::MS_BIND
        | MsFlags::MS_RDONLY
        | MsFlags::MS_NOSUID
        | MsFlags::MS_NODEV
        | MsFlags::MS_NOEXEC
        | MsFlags::MS_NOATIME;
    assert_eq!(
        mount_flags_on(&calls, &office_in_jail),
        vec![
            MsFlags::MS_BIND | MsFlags::MS_REC,
            expected_remount,
            MsFlags::MS_REC | MsFlags::MS_UNBINDABLE
        ]
    );

    // The device is bound onto an empty file and keeps working (no nodev added).
    let urandom = device_in(&calls, &jail);
    assert!(!mount_flags_on(&calls, &urandom)[1].contains(MsFlags::MS_NODEV));

    // The systemplate's top-level entries are bound at /.
    for entry in ["etc", "var"] {
        assert_eq!(
            mount_flags_on(&calls, &jail.join(entry)).len(),
            3,
            "{entry}"
        );
    }
    // A symlink is recreated, never bound.
    let link = &f.cfg.ro_binds[2];
    let link_in_jail = jail.join(link.strip_prefix("/").unwrap());
    assert!(calls.contains(&Call::Symlink {
        target: "libx.so.0.1".into(),
        link: link_in_jail.clone()
    }));
    assert!(mount_flags_on(&calls, &link_in_jail).is_empty());

    // /tmp: its own tmpfs, 1777, with the profile dir.
    let tmp = jail.join("tmp");
    assert!(calls.contains(&Call::Mkdir {
        path: tmp.clone(),
        mode: 0o1777
    }));
    assert!(calls.iter().any(|c| matches!(c, Call::Mount(Mount { target, data: Some(d), .. }) if target == &tmp && d.contains("mode=1777"))));
    assert!(calls.contains(&Call::Mkdir {
        path: tmp.join("user"),
        mode: 0o700
    }));
}

#[test]
fn rlimits_set_soft_and_hard_and_skip_zero() {
    let f = fixture();
    let (outcome, calls) = enter_on(&f.cfg, |_| {});
    outcome.unwrap();
    let limits: Vec<_> = calls
        .into_iter()
        .filter(|c| matches!(c, Call::Setrlimit { .. }))
        .collect();
    assert_eq!(
        limits,
        vec![
            Call::Setrlimit {
                resource: Resource::RLIMIT_FSIZE,
                soft: 64 << 20,
                hard: 64 << 20
            },
            Call::Setrlimit {
                resource: Resource::RLIMIT_NOFILE,
                soft: 512,
                hard: 512
            },
            Call::Setrlimit {
                resource: Resource::RLIMIT_CORE,
                soft: 0,
                hard: 0
            },
        ]
    );
}

#[test]
fn refused_mounts_fail_without_the_fallback() {
    let f = fixture();
    let (outcome, _) = enter_on(&f.cfg, |sys| sys.fail_mounts_with = Some(libc::EPERM));
    // make_root_private is the first mount and fails before any fallback can apply.
    assert!(matches!(outcome, Err(JailError::MakeRootPrivate(_))));
}

#[test]
fn a_container_refusing_every_mount_gets_the_fallback_when_allowed() {
    let f = fixture();
    let (report, calls) = enter_refusing_every_mount(&f.cfg);
    assert_ne!(report.mount_mode, MountMode::Bind);
    // Still chrooted and stripped, in the same order.
    let chroot = position(&calls, &Call::Chroot(f.cfg.jails_root.join(&f.cfg.jail_id)));
    let caps = position(&calls, &Call::DropAllCapabilities);
    assert!(chroot < caps);
}

#[test]
fn refused_tmpfs_switches_to_links_and_copies_when_allowed() {
    let f = fixture();
    let mut cfg = f.cfg.clone();
    cfg.allow_link_fallback = true;
    // A file the kit's uid does not own: linked; the systemplate entries are replicated too.
    let office = &cfg.ro_binds[0];
    fs::write(office.join("soffice.bin"), "binary").unwrap();
    let mut sys = RecordingSyscall::new(4242, 4242);
    sys.fail_tmpfs_with = Some(libc::EPERM);
    cfg.outer_uid = 4242;
    let before = FALLBACK_JAILS.load(std::sync::atomic::Ordering::Relaxed);
    let report = enter(&cfg, KEEP, &sys).unwrap();
    assert!(FALLBACK_JAILS.load(std::sync::atomic::Ordering::Relaxed) > before);
    let calls = sys.calls();
    let jail = cfg.jails_root.join(&cfg.jail_id);
    let linked = jail
        .join(office.strip_prefix("/").unwrap())
        .join("soffice.bin");
    // The test files are owned by the test's uid, not by 4242, and not group/other-writable.
    assert!(
        calls.contains(&Call::HardLink {
            original: office.join("soffice.bin"),
            link: linked
        }),
        "{calls:#?}"
    );
    assert_eq!(report.mount_mode, MountMode::Link);
    // No bind was attempted after the refusal, and /tmp is a plain directory.
    assert_eq!(
        calls.iter().filter(|c| matches!(c, Call::Mount(_))).count(),
        2,
        "{calls:#?}"
    );
    assert!(calls.contains(&Call::Mkdir {
        path: jail.join("tmp"),
        mode: 0o1777
    }));
}

#[test]
fn user_namespace_refusal_names_a_fix() {
    let err = namespaces::clone_error(std::io::Error::from_raw_os_error(libc::EPERM));
    let text = err.to_string();
    assert!(
        matches!(err, JailError::UserNamespacesUnavailable { .. }),
        "{text}"
    );
    assert!(text.contains("sysctl") || text.contains("chroot"), "{text}");
    let err = namespaces::clone_error(std::io::Error::from_raw_os_error(libc::EAGAIN));
    assert!(matches!(err, JailError::CloneKit(_)), "{err}");
}

#[test]
fn a_process_without_its_own_user_namespace_is_told_so() {
    let f = fixture();
    let (outcome, _) = enter_on(&f.cfg, |sys| sys.fail_unshare_with = Some(libc::EPERM));
    let err = outcome.unwrap_err();
    assert!(matches!(err, JailError::NotInOwnUserNs(_)), "{err}");
    assert!(err.to_string().contains("clone_kit"), "{err}");
}

#[test]
fn bad_jail_ids_and_host_paths_are_refused() {
    let f = fixture();
    let sys = RecordingSyscall::new(1000, 1001);
    let mut cfg = f.cfg.clone();
    cfg.jail_id = "../../etc".into();
    assert!(matches!(
        enter(&cfg, KEEP, &sys),
        Err(JailError::BadJailId(_))
    ));
    assert!(
        sys.calls().is_empty(),
        "nothing may happen before the id is checked"
    );
    let mut cfg = f.cfg.clone();
    cfg.ro_binds = vec![PathBuf::from("/usr/../etc")];
    assert!(matches!(
        enter(&cfg, KEEP, &sys),
        Err(JailError::BadHostPath(_))
    ));
}

#[test]
fn jail_ids_are_sixteen_alphanumerics_and_differ() {
    let a = new_jail_id();
    let b = new_jail_id();
    assert!(is_valid_jail_id(&a) && is_valid_jail_id(&b), "{a} {b}");
    assert_ne!(a, b);
}

#[test]
fn a_refused_pivot_root_falls_back_to_chroot_after_the_nested_namespace() {
    let f = fixture();
    let (outcome, calls) = enter_on(&f.cfg, |sys| sys.fail_pivot_root_with = Some(libc::EINVAL));
    assert!(!outcome.unwrap().pivoted);
    let jail = f.cfg.jails_root.join(&f.cfg.jail_id);
    let nested = position(&calls, &Call::Unshare(CloneFlags::CLONE_NEWUSER));
    let chroot = position(&calls, &Call::Chroot(jail));
    let caps = position(&calls, &Call::DropAllCapabilities);
    assert!(nested < chroot && chroot < caps, "{calls:#?}");
    assert!(
        !calls.contains(&Call::Umount(".".into())),
        "nothing to detach"
    );
}

#[test]
fn the_link_fallback_is_chrooted_not_pivoted() {
    let f = fixture();
    let (report, calls) = enter_refusing_every_mount(&f.cfg);
    assert!(!report.pivoted);
    assert!(!calls.iter().any(|c| matches!(c, Call::PivotRoot { .. })));
}
