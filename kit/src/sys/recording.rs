//! [`RecordingSyscall`]: the jail's [`Syscall`] seam recording its calls instead of making them,
//! so the order and arguments of the jail are unit-tested without root. Test builds only.

use std::cell::RefCell;
use std::io;
use std::os::fd::RawFd;
use std::path::{Path, PathBuf};

use nix::sched::CloneFlags;
use nix::sys::resource::Resource;
use nix::sys::statvfs::FsFlags;

use super::{Mount, MountSetattr, Syscall};

/// One recorded call, with its arguments as the jail passed them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    CloseFdsExcept(Vec<RawFd>),
    CloseDirectoryFds,
    Unshare(CloneFlags),
    SetHostname(String),
    WriteFile {
        path: PathBuf,
        contents: String,
    },
    Mount(Mount),
    Umount(PathBuf),
    MountSetattr(MountSetattr),
    PivotRoot {
        new_root: PathBuf,
        put_old: PathBuf,
    },
    OpenDir(PathBuf),
    Fchdir(RawFd),
    Close(RawFd),
    WriteFileAt {
        dir: RawFd,
        name: String,
        contents: String,
    },
    StatvfsFlags(PathBuf),
    Mkdir {
        path: PathBuf,
        mode: u32,
    },
    CreateFile {
        path: PathBuf,
        mode: u32,
    },
    Symlink {
        target: PathBuf,
        link: PathBuf,
    },
    HardLink {
        original: PathBuf,
        link: PathBuf,
    },
    CopyFile {
        from: PathBuf,
        to: PathBuf,
    },
    Chroot(PathBuf),
    Chdir(PathBuf),
    Setrlimit {
        resource: Resource,
        soft: u64,
        hard: u64,
    },
    SetNoNewPrivs,
    SetDumpable(bool),
    DropAllCapabilities,
}

/// Records every call and makes none of them. `fail_mounts_with` makes every `mount` fail with that
/// errno; `statvfs` answers with `statvfs_answer`.
pub struct RecordingSyscall {
    calls: RefCell<Vec<Call>>,
    pub uid: u32,
    pub gid: u32,
    pub fail_mounts_with: Option<i32>,
    pub fail_unshare_with: Option<i32>,
    /// Refuses only tmpfs mounts (a container that allows no new mounts but the namespace ones).
    pub fail_tmpfs_with: Option<i32>,
    pub statvfs_answer: FsFlags,
    /// Makes mount_setattr fail (ENOSYS: a kernel before 5.12).
    pub fail_mount_setattr_with: Option<i32>,
    /// Makes pivot_root fail (EINVAL: the root cannot be pivoted, e.g. it is the rootfs).
    pub fail_pivot_root_with: Option<i32>,
    next_fd: std::cell::Cell<RawFd>,
}

impl RecordingSyscall {
    pub fn new(uid: u32, gid: u32) -> Self {
        RecordingSyscall {
            calls: RefCell::new(Vec::new()),
            uid,
            gid,
            fail_mounts_with: None,
            fail_unshare_with: None,
            fail_tmpfs_with: None,
            statvfs_answer: FsFlags::ST_NOSUID | FsFlags::ST_RELATIME,
            fail_mount_setattr_with: None,
            fail_pivot_root_with: None,
            next_fd: std::cell::Cell::new(100),
        }
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.borrow().clone()
    }

    /// Records `call`, which then succeeds.
    fn record(&self, call: Call) -> io::Result<()> {
        self.record_failing_with(call, None)
    }

    /// Records `call`, which then fails with `errno` if there is one.
    fn record_failing_with(&self, call: Call, errno: Option<i32>) -> io::Result<()> {
        self.calls.borrow_mut().push(call);
        match errno {
            Some(errno) => Err(io::Error::from_raw_os_error(errno)),
            None => Ok(()),
        }
    }
}

impl Syscall for RecordingSyscall {
    fn close_fds_except(&self, keep: &[RawFd]) -> io::Result<()> {
        self.record(Call::CloseFdsExcept(keep.to_vec()))
    }

    fn close_directory_fds(&self) -> io::Result<()> {
        self.record(Call::CloseDirectoryFds)
    }

    fn unshare(&self, flags: CloneFlags) -> io::Result<()> {
        self.record_failing_with(Call::Unshare(flags), self.fail_unshare_with)
    }

    fn sethostname(&self, name: &str) -> io::Result<()> {
        self.record(Call::SetHostname(name.to_string()))
    }

    fn write_file(&self, path: &Path, contents: &str) -> io::Result<()> {
        self.record(Call::WriteFile {
            path: path.into(),
            contents: contents.into(),
        })
    }

    fn mount(&self, mount: &Mount) -> io::Result<()> {
        let is_tmpfs = mount.fstype.as_deref() == Some("tmpfs");
        let errno = match (self.fail_mounts_with, self.fail_tmpfs_with) {
            (Some(errno), _) => Some(errno),
            (None, Some(errno)) if is_tmpfs => Some(errno),
            _ => None,
        };
        self.record_failing_with(Call::Mount(mount.clone()), errno)
    }

    fn umount(&self, target: &Path) -> io::Result<()> {
        self.record(Call::Umount(target.into()))
    }

    fn mount_setattr(&self, setattr: &MountSetattr) -> io::Result<()> {
        let errno = self.fail_mount_setattr_with.or(self.fail_mounts_with);
        self.record_failing_with(Call::MountSetattr(setattr.clone()), errno)
    }

    fn pivot_root(&self, new_root: &Path, put_old: &Path) -> io::Result<()> {
        let call = Call::PivotRoot {
            new_root: new_root.into(),
            put_old: put_old.into(),
        };
        self.record_failing_with(call, self.fail_pivot_root_with)
    }

    fn open_dir(&self, path: &Path) -> io::Result<RawFd> {
        self.record(Call::OpenDir(path.into()))?;
        let fd = self.next_fd.get();
        self.next_fd.set(fd + 1);
        Ok(fd)
    }

    fn fchdir(&self, dir: RawFd) -> io::Result<()> {
        self.record(Call::Fchdir(dir))
    }

    fn close(&self, fd: RawFd) -> io::Result<()> {
        self.record(Call::Close(fd))
    }

    fn write_file_at(&self, dir: RawFd, name: &str, contents: &str) -> io::Result<()> {
        self.record(Call::WriteFileAt {
            dir,
            name: name.into(),
            contents: contents.into(),
        })
    }

    fn statvfs_flags(&self, path: &Path) -> io::Result<FsFlags> {
        self.record(Call::StatvfsFlags(path.into()))?;
        Ok(self.statvfs_answer)
    }

    fn mkdir(&self, path: &Path, mode: u32) -> io::Result<()> {
        self.record(Call::Mkdir {
            path: path.into(),
            mode,
        })
    }

    fn create_file(&self, path: &Path, mode: u32) -> io::Result<()> {
        self.record(Call::CreateFile {
            path: path.into(),
            mode,
        })
    }

    fn symlink(&self, target: &Path, link: &Path) -> io::Result<()> {
        self.record(Call::Symlink {
            target: target.into(),
            link: link.into(),
        })
    }

    fn hard_link(&self, original: &Path, link: &Path) -> io::Result<()> {
        self.record(Call::HardLink {
            original: original.into(),
            link: link.into(),
        })
    }

    fn copy_file(&self, from: &Path, to: &Path) -> io::Result<u64> {
        self.record(Call::CopyFile {
            from: from.into(),
            to: to.into(),
        })?;
        Ok(0)
    }

    fn chroot(&self, path: &Path) -> io::Result<()> {
        self.record(Call::Chroot(path.into()))
    }

    fn chdir(&self, path: &Path) -> io::Result<()> {
        self.record(Call::Chdir(path.into()))
    }

    fn setrlimit(&self, resource: Resource, soft: u64, hard: u64) -> io::Result<()> {
        self.record(Call::Setrlimit {
            resource,
            soft,
            hard,
        })
    }

    fn set_no_new_privs(&self) -> io::Result<()> {
        self.record(Call::SetNoNewPrivs)
    }

    fn set_dumpable(&self, dumpable: bool) -> io::Result<()> {
        self.record(Call::SetDumpable(dumpable))
    }

    fn drop_all_capabilities(&self) -> io::Result<()> {
        self.record(Call::DropAllCapabilities)
    }

    fn getuid(&self) -> u32 {
        self.uid
    }

    fn getgid(&self) -> u32 {
        self.gid
    }
}
