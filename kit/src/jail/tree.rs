//! Step 3 of the jail: the tree the kit will see as `/`.
//!
//! A size-limited tmpfs (nosuid, nodev) holds the mount points; the systemplate's top-level entries
//! and each host path LibreOffice needs are bound read-only onto them at the same absolute path; a
//! second tmpfs is the only writable place (`/tmp`, with the profile in `/tmp/user`); then the root
//! tmpfs itself is made read-only. Nothing else exists: no shell, no `/proc`, no `/sys`, no device
//! but `/dev/urandom` (and `/dev/random` pointing at it).
//!
//! When mounts are refused (a container that forbids them) and the fallback is allowed, the same
//! tree is built from hard links and copies instead, with a loud warning (see [`super::MountMode`]).

use std::collections::HashSet;
use std::fs;
use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Component, Path, PathBuf};

use nix::mount::MsFlags;
use nix::sys::statvfs::FsFlags;

use super::{JailError, MountMode};
use crate::sys::{
    Mount, MountSetattr, Syscall, MOUNT_ATTR_NODEV, MOUNT_ATTR_NOSUID, MOUNT_ATTR_RDONLY,
};

/// The root tmpfs holds only mount points and symlinks: small.
const ROOT_TMPFS_OPTIONS: &str = "size=4m,nr_inodes=4096,mode=0755";
/// `/tmp` holds the document, LibreOffice's profile and temporary files; its size is
/// `JailConfig::tmp_size_mb`.
const TMP_TMPFS_OPTIONS: &str = "nr_inodes=65536,mode=1777";

pub(super) struct TreeBuilder<'a> {
    sys: &'a dyn Syscall,
    jail: PathBuf,
    jail_id: &'a str,
    allow_fallback: bool,
    /// The kit's uid outside: a file it owns is never hard-linked (the kit could write through it).
    kit_uid: u32,
    /// Jail-relative directories known to exist on the jail's own file system.
    made_dirs: HashSet<PathBuf>,
    /// Jail-relative paths bound (or replicated) from outside: nothing may be created below them.
    bound: Vec<PathBuf>,
    mounts_refused: bool,
    /// The kernel has no mount_setattr (before 5.12): read-only by remount instead.
    no_mount_setattr: bool,
    links: u64,
    copies: u64,
}

impl<'a> TreeBuilder<'a> {
    pub(super) fn new(
        sys: &'a dyn Syscall,
        jail: PathBuf,
        jail_id: &'a str,
        allow_fallback: bool,
        kit_uid: u32,
    ) -> Self {
        TreeBuilder {
            sys,
            jail,
            jail_id,
            allow_fallback,
            kit_uid,
            made_dirs: HashSet::from([PathBuf::new()]),
            bound: Vec::new(),
            mounts_refused: false,
            no_mount_setattr: false,
            links: 0,
            copies: 0,
        }
    }

    /// How the tree was built: binds, or the fallback (links when at least one hard link was made).
    pub(super) fn mount_mode(&self) -> MountMode {
        match (self.mounts_refused, self.links) {
            (false, _) => MountMode::Bind,
            (true, 0) => MountMode::Copy,
            (true, _) => MountMode::Link,
        }
    }

    /// Creates `<jails_root>/<jail_id>`; it must not exist (ids are random, a clash is a bug).
    pub(super) fn create_jail_dir(&self) -> Result<(), JailError> {
        self.sys
            .mkdir(&self.jail, 0o755)
            .map_err(|source| JailError::CreateJailDir {
                path: self.jail.clone(),
                source,
            })
    }

    /// Safe: a tmpfs mounted in the kit's own mount namespace, nosuid and nodev, size-limited so a
    /// kit cannot fill memory through it. EPERM switches to the fallback when it is allowed.
    pub(super) fn mount_root_tmpfs(&mut self) -> Result<(), JailError> {
        let flags = MsFlags::MS_NOSUID | MsFlags::MS_NODEV;
        match self
            .sys
            .mount(&Mount::tmpfs(&self.jail, flags, ROOT_TMPFS_OPTIONS))
        {
            Ok(()) => Ok(()),
            Err(source) if self.may_fall_back(&source) => Ok(()),
            Err(source) => Err(JailError::MountTmpfs(source)),
        }
    }

    /// Binds each top-level entry of the systemplate at `/<entry>`.
    pub(super) fn bind_systemplate(&mut self, systemplate: &Path) -> Result<(), JailError> {
        let read_err = |source| JailError::ReadSystemplate {
            path: systemplate.to_path_buf(),
            source,
        };
        let mut entries: Vec<PathBuf> = fs::read_dir(systemplate)
            .map_err(read_err)?
            .map(|e| e.map(|e| e.file_name().into()))
            .collect::<Result<_, _>>()
            .map_err(read_err)?;
        entries.sort();
        for name in entries {
            self.show_read_only(&systemplate.join(&name), name)?;
        }
        Ok(())
    }

    /// Binds each host path at the same absolute path in the jail (LibreOffice must be found where
    /// preinit saw it).
    pub(super) fn bind_host_paths(&mut self, paths: &[PathBuf]) -> Result<(), JailError> {
        for path in paths {
            let relative = jail_relative(path)?;
            self.show_read_only(path, relative)?;
        }
        // NSS reads /dev/random on some versions: point it at the one device the jail has.
        let urandom = PathBuf::from("dev/urandom");
        if self.bound.contains(&urandom) {
            let random = self.jail.join("dev/random");
            self.sys
                .symlink(Path::new("urandom"), &random)
                .map_err(|source| JailError::Symlink {
                    path: random,
                    source,
                })?;
        }
        Ok(())
    }

    /// The only writable place: its own tmpfs (1777, `size_mb` MiB: its pages are charged to
    /// the kit's memory cgroup) with the profile directory `/tmp/user` and `/tmp/home` (HOME).
    pub(super) fn make_tmp(&mut self, size_mb: u64) -> Result<(), JailError> {
        let tmp = self.jail.join("tmp");
        let tmp_err = |source| JailError::MakeTmp {
            path: PathBuf::from("/tmp"),
            source,
        };
        self.sys.mkdir(&tmp, 0o1777).map_err(tmp_err)?;
        if !self.mounts_refused {
            let flags = MsFlags::MS_NOSUID | MsFlags::MS_NODEV;
            let options = format!("size={size_mb}m,{TMP_TMPFS_OPTIONS}");
            self.sys
                .mount(&Mount::tmpfs(&tmp, flags, &options))
                .map_err(tmp_err)?;
        }
        for sub in ["user", "home"] {
            self.sys.mkdir(&tmp.join(sub), 0o700).map_err(tmp_err)?;
        }
        Ok(())
    }

    /// Safe hardening: once every mount point exists, the root tmpfs becomes read-only, so `/tmp` is
    /// the only place the kit can write. (Nothing to do in the fallback: there is no root tmpfs.)
    pub(super) fn make_root_read_only(&self) -> Result<(), JailError> {
        if self.mounts_refused {
            return Ok(());
        }
        let flags = MsFlags::MS_REMOUNT
            | MsFlags::MS_BIND
            | MsFlags::MS_RDONLY
            | MsFlags::MS_NOSUID
            | MsFlags::MS_NODEV;
        self.sys
            .mount(&Mount::change(&self.jail, flags))
            .map_err(JailError::RemountRootReadOnly)
    }

    /// Shows the host path `source` at the jail-relative `relative`: a symlink is recreated as a
    /// symlink, a directory or file is bound read-only (or replicated in the fallback).
    fn show_read_only(&mut self, source: &Path, relative: PathBuf) -> Result<(), JailError> {
        if let Some(outer) = self
            .bound
            .iter()
            .find(|b| relative.starts_with(b) || b.starts_with(&relative))
        {
            return Err(JailError::OverlappingBind {
                path: source.to_path_buf(),
                other: PathBuf::from("/").join(outer),
            });
        }
        let metadata =
            fs::symlink_metadata(source).map_err(|source_err| JailError::BindSource {
                path: source.to_path_buf(),
                source: source_err,
            })?;
        self.make_parents(&relative)?;
        let target = self.jail.join(&relative);
        self.bound.push(relative);
        let kind = metadata.file_type();
        if kind.is_symlink() {
            let link = fs::read_link(source).map_err(|source_err| JailError::BindSource {
                path: source.to_path_buf(),
                source: source_err,
            })?;
            return self
                .sys
                .symlink(&link, &target)
                .map_err(|err| JailError::Symlink {
                    path: target,
                    source: err,
                });
        }
        if self.mounts_refused {
            return self.replicate(source, &target);
        }
        let mount_point_err = |err| JailError::MountPoint {
            path: source.to_path_buf(),
            source: err,
        };
        if kind.is_dir() {
            self.sys.mkdir(&target, 0o755).map_err(mount_point_err)?;
        } else {
            self.sys
                .create_file(&target, 0o644)
                .map_err(mount_point_err)?;
        }
        let is_device = kind.is_char_device() || kind.is_block_device();
        match self.bind_read_only(source, &target, is_device) {
            Ok(()) => Ok(()),
            Err(JailError::BindMount { source: err, .. }) if self.may_fall_back(&err) => {
                self.replicate(source, &target)
            }
            Err(err) => Err(err),
        }
    }

    /// Safe: bind (recursively: submounts of a host path are locked to it in a user namespace),
    /// then make the whole bound subtree read-only, nosuid (and nodev, but not for the one device
    /// we show) and unbindable in one `mount_setattr(AT_RECURSIVE)`: it only adds flags, so the
    /// source's locked nosuid/nodev/noexec/atime flags stay, and a submount of a host path is
    /// read-only too. Kernels before 5.12 (ENOSYS) get the older form: a read-only remount of the
    /// top mount repeating the locked flags, then unbindable.
    fn bind_read_only(
        &mut self,
        source: &Path,
        target: &Path,
        is_device: bool,
    ) -> Result<(), JailError> {
        let path = || source.to_path_buf();
        self.sys
            .mount(&Mount::bind(source, target, MsFlags::MS_REC))
            .map_err(|err| JailError::BindMount {
                path: path(),
                source: err,
            })?;
        if !self.no_mount_setattr {
            let mut attr = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID;
            if !is_device {
                attr |= MOUNT_ATTR_NODEV;
            }
            let setattr = MountSetattr {
                target: target.to_path_buf(),
                recursive: true,
                attr_set: attr,
                propagation: MsFlags::MS_UNBINDABLE.bits(),
            };
            match self.sys.mount_setattr(&setattr) {
                Ok(()) => return Ok(()),
                Err(err) if err.raw_os_error() == Some(libc::ENOSYS) => {
                    self.no_mount_setattr = true;
                }
                Err(err) => {
                    return Err(JailError::RemountReadOnly {
                        path: path(),
                        source: err,
                    })
                }
            }
        }
        let locked = self
            .sys
            .statvfs_flags(source)
            .map_err(|err| JailError::ReadMountFlags {
                path: path(),
                source: err,
            })?;
        let mut flags = MsFlags::MS_REMOUNT
            | MsFlags::MS_BIND
            | MsFlags::MS_RDONLY
            | MsFlags::MS_NOSUID
            | locked_flags(locked);
        if !is_device {
            flags |= MsFlags::MS_NODEV;
        }
        self.sys
            .mount(&Mount::change(target, flags))
            .map_err(|err| JailError::RemountReadOnly {
                path: path(),
                source: err,
            })?;
        let unbindable = MsFlags::MS_REC | MsFlags::MS_UNBINDABLE;
        self.sys
            .mount(&Mount::change(target, unbindable))
            .map_err(|err| JailError::MakeUnbindable {
                path: path(),
                source: err,
            })
    }

    /// Creates the missing parents of `relative` (0755) on the jail's own file system.
    fn make_parents(&mut self, relative: &Path) -> Result<(), JailError> {
        let mut dir = PathBuf::new();
        let parents: Vec<_> = relative
            .parent()
            .map(|p| p.components().collect())
            .unwrap_or_default();
        for component in parents {
            dir.push(component);
            if self.made_dirs.contains(&dir) {
                continue;
            }
            let target = self.jail.join(&dir);
            self.sys
                .mkdir(&target, 0o755)
                .map_err(|source| JailError::MountPoint {
                    path: target,
                    source,
                })?;
            self.made_dirs.insert(dir.clone());
        }
        Ok(())
    }

    /// Whether a refused mount switches this jail to the link/copy fallback (and says so, loudly,
    /// once per jail).
    fn may_fall_back(&mut self, err: &io::Error) -> bool {
        if !self.allow_fallback || err.raw_os_error() != Some(libc::EPERM) {
            return false;
        }
        if !self.mounts_refused {
            self.mounts_refused = true;
            super::FALLBACK_JAILS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            eprintln!(
                "oxool-kit: WARNING: jail {}: mounting was refused ({err}); building the jail from hard \
                 links and copies instead. This is slower and the jail is only as tight as the host's file \
                 permissions. Allow mounts in user namespaces (container seccomp/AppArmor) to fix it.",
                self.jail_id
            );
        }
        true
    }

    /// The fallback for one host path: directories are recreated, regular files hard-linked when the
    /// kit could not write them anyway (another owner, not group/other-writable), copied otherwise
    /// or when the link fails (EXDEV across file systems, protected_hardlinks); symlinks recreated;
    /// devices, sockets and fifos skipped (a device cannot be made without CAP_MKNOD).
    fn replicate(&mut self, source: &Path, target: &Path) -> Result<(), JailError> {
        let err = |source_err| JailError::LinkFallback {
            path: source.to_path_buf(),
            source: source_err,
        };
        let metadata = fs::symlink_metadata(source).map_err(err)?;
        let kind = metadata.file_type();
        if kind.is_symlink() {
            let link = fs::read_link(source).map_err(err)?;
            return self.sys.symlink(&link, target).map_err(err);
        }
        if kind.is_dir() {
            if fs::symlink_metadata(target).is_err() {
                self.sys.mkdir(target, 0o755).map_err(err)?;
            }
            let mut names: Vec<_> = fs::read_dir(source)
                .map_err(err)?
                .filter_map(Result::ok)
                .map(|e| e.file_name())
                .collect();
            names.sort();
            for name in names {
                self.replicate(&source.join(&name), &target.join(&name))?;
            }
            return Ok(());
        }
        if !kind.is_file() {
            eprintln!(
                "oxool-kit: WARNING: jail {}: cannot show {} without a mount; skipped",
                self.jail_id,
                source.display()
            );
            return Ok(());
        }
        // A mount point made before the refusal is in the way of the link.
        if fs::symlink_metadata(target).is_ok_and(|m| m.len() == 0) {
            fs::remove_file(target).map_err(err)?;
        }
        let kit_cannot_write = metadata.uid() != self.kit_uid && metadata.mode() & 0o022 == 0;
        if kit_cannot_write && self.sys.hard_link(source, target).is_ok() {
            self.links += 1;
            return Ok(());
        }
        self.sys.copy_file(source, target).map_err(err)?;
        self.copies += 1;
        Ok(())
    }
}

/// The jail-relative form of an absolute host path; `..`, `.` and relative paths are refused so a
/// configured path can never point the jail outside itself.
fn jail_relative(path: &Path) -> Result<PathBuf, JailError> {
    let mut components = path.components();
    if components.next() != Some(Component::RootDir) {
        return Err(JailError::BadHostPath(path.to_path_buf()));
    }
    let mut relative = PathBuf::new();
    for component in components {
        match component {
            Component::Normal(name) => relative.push(name),
            _ => return Err(JailError::BadHostPath(path.to_path_buf())),
        }
    }
    // `/tmp` is the kit's own writable tmpfs: nothing from the host may be shown in it.
    if relative.as_os_str().is_empty() || relative.starts_with("tmp") {
        return Err(JailError::BadHostPath(path.to_path_buf()));
    }
    Ok(relative)
}

/// The flags a read-only remount must repeat: those the kernel locks on a mount that came from a
/// more privileged namespace.
fn locked_flags(flags: FsFlags) -> MsFlags {
    let pairs = [
        (FsFlags::ST_NOSUID, MsFlags::MS_NOSUID),
        (FsFlags::ST_NODEV, MsFlags::MS_NODEV),
        (FsFlags::ST_NOEXEC, MsFlags::MS_NOEXEC),
        (FsFlags::ST_NOATIME, MsFlags::MS_NOATIME),
        (FsFlags::ST_NODIRATIME, MsFlags::MS_NODIRATIME),
        (FsFlags::ST_RELATIME, MsFlags::MS_RELATIME),
    ];
    pairs
        .iter()
        .filter(|(st, _)| flags.contains(*st))
        .fold(MsFlags::empty(), |acc, (_, ms)| acc | *ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_paths_must_be_plain_absolute_paths() {
        assert_eq!(
            jail_relative(Path::new("/usr/lib/libreoffice")).unwrap(),
            PathBuf::from("usr/lib/libreoffice")
        );
        for bad in ["usr/lib", "/", "/usr/../etc", "/..", "/tmp/x"] {
            assert!(jail_relative(Path::new(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn locked_flags_are_kept() {
        let flags = locked_flags(
            FsFlags::ST_NOSUID | FsFlags::ST_NOEXEC | FsFlags::ST_RELATIME | FsFlags::ST_RDONLY,
        );
        assert_eq!(
            flags,
            MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC | MsFlags::MS_RELATIME
        );
    }
}
