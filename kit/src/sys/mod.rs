//! The one seam for every state-changing syscall the jail makes (youki's `Syscall` trait is the
//! model). [`LinuxSyscall`] makes the real calls; `RecordingSyscall` (recording.rs, test builds
//! only) records them, so the order and the arguments of the jail are unit-tested without root
//! and without touching the host.

use std::ffi::CString;
use std::fs;
use std::io;
use std::os::fd::RawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use nix::mount::MsFlags;
use nix::sched::CloneFlags;
use nix::sys::resource::Resource;
use nix::sys::statvfs::FsFlags;

/// Every syscall the jail uses. Errors are `io::Error` so callers can look at the errno (EPERM
/// decides the link fallback).
pub trait Syscall {
    /// Closes every descriptor of this process except those in `keep`.
    fn close_fds_except(&self, keep: &[RawFd]) -> io::Result<()>;
    /// Closes every descriptor that refers to a directory.
    fn close_directory_fds(&self) -> io::Result<()>;
    fn unshare(&self, flags: CloneFlags) -> io::Result<()>;
    /// `sethostname(2)`, in the UTS namespace the kit just made.
    fn sethostname(&self, name: &str) -> io::Result<()>;
    /// Writes a whole small file in one `write(2)`: /proc/self/{setgroups,uid_map,gid_map} demand it.
    fn write_file(&self, path: &Path, contents: &str) -> io::Result<()>;
    fn mount(&self, mount: &Mount) -> io::Result<()>;
    fn umount(&self, target: &Path) -> io::Result<()>;
    fn mount_setattr(&self, setattr: &MountSetattr) -> io::Result<()>;
    fn pivot_root(&self, new_root: &Path, put_old: &Path) -> io::Result<()>;
    /// Opens a directory (`O_DIRECTORY | O_CLOEXEC`); the caller closes it with [`Syscall::close`].
    fn open_dir(&self, path: &Path) -> io::Result<RawFd>;
    fn fchdir(&self, dir: RawFd) -> io::Result<()>;
    fn close(&self, fd: RawFd) -> io::Result<()>;
    /// [`Syscall::write_file`] relative to a directory descriptor.
    fn write_file_at(&self, dir: RawFd, name: &str, contents: &str) -> io::Result<()>;
    /// The mount flags (`ST_*`) of the file system holding `path`, as statvfs reports them.
    fn statvfs_flags(&self, path: &Path) -> io::Result<FsFlags>;
    /// Creates one directory with exactly `mode` (not filtered by the umask).
    fn mkdir(&self, path: &Path, mode: u32) -> io::Result<()>;
    /// Creates an empty regular file (a mount point for a single-file bind).
    fn create_file(&self, path: &Path, mode: u32) -> io::Result<()>;
    fn symlink(&self, target: &Path, link: &Path) -> io::Result<()>;
    fn hard_link(&self, original: &Path, link: &Path) -> io::Result<()>;
    fn copy_file(&self, from: &Path, to: &Path) -> io::Result<u64>;
    fn chroot(&self, path: &Path) -> io::Result<()>;
    fn chdir(&self, path: &Path) -> io::Result<()>;
    fn setrlimit(&self, resource: Resource, soft: u64, hard: u64) -> io::Result<()>;
    fn set_no_new_privs(&self) -> io::Result<()>;
    /// `prctl(PR_SET_DUMPABLE, dumpable)`.
    fn set_dumpable(&self, dumpable: bool) -> io::Result<()>;
    /// Empties the bounding and ambient sets, then effective, permitted and inheritable.
    fn drop_all_capabilities(&self) -> io::Result<()>;
    fn getuid(&self) -> u32;
    fn getgid(&self) -> u32;
}

/// The arguments of one `mount(2)`: written once here, passed by the jail and recorded as they
/// are by the test seam.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub source: Option<PathBuf>,
    pub target: PathBuf,
    pub fstype: Option<String>,
    pub flags: MsFlags,
    pub data: Option<String>,
}

impl Mount {
    /// A mount that changes the flags or the propagation of the mount at `target` (no source, no
    /// file system type, no data).
    pub fn change(target: &Path, flags: MsFlags) -> Self {
        Mount {
            source: None,
            target: target.to_path_buf(),
            fstype: None,
            flags,
            data: None,
        }
    }

    /// A new tmpfs at `target` with the tmpfs `options`.
    pub fn tmpfs(target: &Path, flags: MsFlags, options: &str) -> Self {
        Mount {
            source: Some(PathBuf::from("tmpfs")),
            fstype: Some("tmpfs".to_string()),
            data: Some(options.to_string()),
            ..Mount::change(target, flags)
        }
    }

    /// A bind of `source` at `target`.
    pub fn bind(source: &Path, target: &Path, flags: MsFlags) -> Self {
        Mount {
            source: Some(source.to_path_buf()),
            ..Mount::change(target, MsFlags::MS_BIND | flags)
        }
    }
}

/// The arguments of one `mount_setattr(2)` on `target`: sets `attr_set` (`MOUNT_ATTR_*`, nothing
/// cleared) and the propagation type (`MS_*`, 0 for unchanged), on the whole subtree when
/// `recursive`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountSetattr {
    pub target: PathBuf,
    pub recursive: bool,
    pub attr_set: u64,
    pub propagation: u64,
}

/// `struct mount_attr` of mount_setattr(2) (MOUNT_ATTR_SIZE_VER0).
#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

/// `AT_RECURSIVE` (linux/fcntl.h): mount_setattr applies to the whole subtree.
const AT_RECURSIVE: libc::c_uint = 0x8000;

/// `MOUNT_ATTR_*` of mount_setattr(2) (linux/mount.h).
pub const MOUNT_ATTR_RDONLY: u64 = 0x1;
pub const MOUNT_ATTR_NOSUID: u64 = 0x2;
pub const MOUNT_ATTR_NODEV: u64 = 0x4;

/// The real calls.
pub struct LinuxSyscall;

impl Syscall for LinuxSyscall {
    fn close_fds_except(&self, keep: &[RawFd]) -> io::Result<()> {
        close_fds_except(keep)
    }

    fn close_directory_fds(&self) -> io::Result<()> {
        close_directory_fds()
    }

    fn unshare(&self, flags: CloneFlags) -> io::Result<()> {
        Ok(nix::sched::unshare(flags)?)
    }

    fn sethostname(&self, name: &str) -> io::Result<()> {
        Ok(nix::unistd::sethostname(name)?)
    }

    fn write_file(&self, path: &Path, contents: &str) -> io::Result<()> {
        write_in_one_call(fs::OpenOptions::new().write(true).open(path)?, contents)
    }

    fn mount(&self, mount: &Mount) -> io::Result<()> {
        Ok(nix::mount::mount(
            mount.source.as_deref(),
            &mount.target,
            mount.fstype.as_deref(),
            mount.flags,
            mount.data.as_deref(),
        )?)
    }

    fn umount(&self, target: &Path) -> io::Result<()> {
        Ok(nix::mount::umount2(
            target,
            nix::mount::MntFlags::MNT_DETACH,
        )?)
    }

    fn mount_setattr(&self, setattr: &MountSetattr) -> io::Result<()> {
        let path = c_path(&setattr.target)?;
        let attr = MountAttr {
            attr_set: setattr.attr_set,
            attr_clr: 0,
            propagation: setattr.propagation,
            userns_fd: 0,
        };
        let flags: libc::c_uint = if setattr.recursive { AT_RECURSIVE } else { 0 };
        // SAFETY: `path` is a NUL-terminated string and `attr` a correctly laid out struct
        // mount_attr, both alive for the call; its size is passed so the kernel reads no further.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_mount_setattr,
                libc::AT_FDCWD,
                path.as_ptr(),
                flags,
                &attr as *const MountAttr,
                std::mem::size_of::<MountAttr>(),
            )
        };
        zero_or_errno(rc)
    }

    fn pivot_root(&self, new_root: &Path, put_old: &Path) -> io::Result<()> {
        Ok(nix::unistd::pivot_root(new_root, put_old)?)
    }

    fn open_dir(&self, path: &Path) -> io::Result<RawFd> {
        let path = c_path(path)?;
        // SAFETY: open(2) with a NUL-terminated path; the descriptor (or -1) is returned to the
        // caller, who owns it.
        let fd = unsafe {
            libc::open(
                path.as_ptr(),
                libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(fd)
    }

    fn fchdir(&self, dir: RawFd) -> io::Result<()> {
        // SAFETY: fchdir(2) takes no pointer.
        zero_or_errno(unsafe { libc::fchdir(dir) })
    }

    fn close(&self, fd: RawFd) -> io::Result<()> {
        // SAFETY: the caller owns `fd` (it came from open_dir) and never uses it again.
        zero_or_errno(unsafe { libc::close(fd) })
    }

    fn write_file_at(&self, dir: RawFd, name: &str, contents: &str) -> io::Result<()> {
        let name = c_path(Path::new(name))?;
        // SAFETY: openat(2) with a NUL-terminated relative name and a directory descriptor the
        // caller keeps open; the new descriptor is wrapped at once and owned by `file`.
        let fd = unsafe { libc::openat(dir, name.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just opened here and nothing else refers to it.
        let file = unsafe { <fs::File as std::os::fd::FromRawFd>::from_raw_fd(fd) };
        write_in_one_call(file, contents)
    }

    fn statvfs_flags(&self, path: &Path) -> io::Result<FsFlags> {
        Ok(nix::sys::statvfs::statvfs(path)?.flags())
    }

    fn mkdir(&self, path: &Path, mode: u32) -> io::Result<()> {
        fs::DirBuilder::new().mode(mode).create(path)?;
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
    }

    fn create_file(&self, path: &Path, mode: u32) -> io::Result<()> {
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)
            .map(drop)
    }

    fn symlink(&self, target: &Path, link: &Path) -> io::Result<()> {
        std::os::unix::fs::symlink(target, link)
    }

    fn hard_link(&self, original: &Path, link: &Path) -> io::Result<()> {
        fs::hard_link(original, link)
    }

    fn copy_file(&self, from: &Path, to: &Path) -> io::Result<u64> {
        fs::copy(from, to)
    }

    fn chroot(&self, path: &Path) -> io::Result<()> {
        Ok(nix::unistd::chroot(path)?)
    }

    fn chdir(&self, path: &Path) -> io::Result<()> {
        Ok(nix::unistd::chdir(path)?)
    }

    fn setrlimit(&self, resource: Resource, soft: u64, hard: u64) -> io::Result<()> {
        Ok(nix::sys::resource::setrlimit(resource, soft, hard)?)
    }

    fn set_no_new_privs(&self) -> io::Result<()> {
        // SAFETY: prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) takes no pointers; it only sets a flag on
        // this process that can never be cleared again.
        zero_or_errno(unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) })
    }

    fn set_dumpable(&self, dumpable: bool) -> io::Result<()> {
        // SAFETY: prctl(PR_SET_DUMPABLE, 0|1, 0, 0, 0) takes no pointers; it only sets a flag on
        // this process.
        zero_or_errno(unsafe { libc::prctl(libc::PR_SET_DUMPABLE, u64::from(dumpable), 0, 0, 0) })
    }

    fn drop_all_capabilities(&self) -> io::Result<()> {
        use caps::CapSet;
        let to_io = |err: caps::errors::CapsError| io::Error::other(err.to_string());
        // Bounding first: dropping from it needs CAP_SETPCAP, which the last step removes.
        for cap in caps::all() {
            match caps::drop(None, CapSet::Bounding, cap) {
                Ok(()) => {}
                // A capability the running kernel does not know is not in the set anyway.
                Err(_) if !caps::has_cap(None, CapSet::Bounding, cap).unwrap_or(false) => {}
                Err(err) => return Err(to_io(err)),
            }
        }
        caps::clear(None, CapSet::Ambient).map_err(to_io)?;
        caps::clear(None, CapSet::Inheritable).map_err(to_io)?;
        caps::clear(None, CapSet::Effective).map_err(to_io)?;
        caps::clear(None, CapSet::Permitted).map_err(to_io)?;
        Ok(())
    }

    fn getuid(&self) -> u32 {
        nix::unistd::getuid().as_raw()
    }

    fn getgid(&self) -> u32 {
        nix::unistd::getgid().as_raw()
    }
}

/// Writes `contents` with one write(2): the kernel parses /proc/self/{setgroups,uid_map,gid_map}
/// from a single write and refuses a second one.
fn write_in_one_call(mut file: fs::File, contents: &str) -> io::Result<()> {
    use std::io::Write;
    let written = file.write(contents.as_bytes())?;
    if written != contents.len() {
        return Err(io::Error::new(io::ErrorKind::WriteZero, "short write"));
    }
    Ok(())
}

/// The result of a raw call that returns 0 on success and sets errno otherwise.
fn zero_or_errno(rc: impl Into<i64>) -> io::Result<()> {
    if rc.into() != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// What [`clone_into_user_and_pid_ns`] returns in each of the two processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cloned {
    /// In the new process: PID 1 of its own PID namespace, root of its own (unmapped) user
    /// namespace.
    Child,
    /// In the caller: the child's pid as the caller's PID namespace sees it.
    Parent { pid: i32 },
}

/// `clone(2)` used like `fork()` (no new stack: the child continues on a copy of the caller's),
/// except that the child starts in a new user namespace and, owned by it, a new PID namespace:
/// it is PID 1 there and can name no process outside. SIGCHLD is its exit signal, so the caller
/// reaps it like any forked child. One call, no intermediate process.
///
/// # Safety
/// The caller must be single-threaded, as for `fork()`: the child gets a copy of the calling
/// thread only, so a lock another thread held (malloc's, stdio's) would stay locked in it forever.
/// glibc's `fork()` wrapper does not run: no `pthread_atfork` handler runs, and glibc's record of
/// the main thread's tid keeps the caller's value (glibc ≥ 2.25 caches no pid, `raise`/`abort`
/// ask the kernel for the tid, so only `pthread_kill` of the main thread from another thread and
/// process-shared robust or PI mutexes would see the stale value; the kit uses neither).
pub unsafe fn clone_into_user_and_pid_ns() -> io::Result<Cloned> {
    let flags = (libc::CLONE_NEWUSER | libc::CLONE_NEWPID | libc::SIGCHLD) as libc::c_ulong;
    // SAFETY: the raw syscall with a null stack behaves like fork(): the child resumes here on a
    // copy-on-write copy of this stack, and no pointer argument (parent/child tid, tls) is
    // passed. The caller guarantees single-threadedness (see above), which is what makes a
    // fork-like copy of this process consistent.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_clone,
            flags,
            std::ptr::null_mut::<libc::c_void>(),
            std::ptr::null_mut::<libc::c_int>(),
            std::ptr::null_mut::<libc::c_int>(),
            0 as libc::c_ulong,
        )
    };
    match rc {
        -1 => Err(io::Error::last_os_error()),
        0 => Ok(Cloned::Child),
        pid => Ok(Cloned::Parent { pid: pid as i32 }),
    }
}

/// Closes every descriptor of this process except those in `keep`, with `close_range(2)` over
/// the gaps between them (one call per gap, whatever the descriptor table's size).
pub fn close_fds_except(keep: &[RawFd]) -> io::Result<()> {
    let mut keep: Vec<RawFd> = keep.iter().copied().filter(|fd| *fd >= 0).collect();
    keep.sort_unstable();
    keep.dedup();
    let mut first: u32 = 0;
    for fd in keep.iter().map(|fd| *fd as u32).chain([u32::MAX]) {
        if fd > first {
            let last = if fd == u32::MAX { u32::MAX } else { fd - 1 };
            close_range(first, last)?;
        }
        first = fd.saturating_add(1);
    }
    Ok(())
}

fn close_range(first: u32, last: u32) -> io::Result<()> {
    // SAFETY: close_range(2) takes no pointers; it closes descriptors in [first, last] and leaves
    // every other one alone. The callers own every descriptor in the range: nothing else in this
    // single-threaded process will use them again.
    let rc = unsafe { libc::syscall(libc::SYS_close_range, first, last, 0u32) };
    if rc == 0 {
        return Ok(());
    }
    let err = io::Error::last_os_error();
    if err.raw_os_error() != Some(libc::ENOSYS) {
        return Err(err);
    }
    // Kernels before 5.9: close what /proc/self/fd lists in the range.
    let open: Vec<u32> = fs::read_dir("/proc/self/fd")?
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    for fd in open.into_iter().filter(|fd| (first..=last).contains(fd)) {
        // SAFETY: as above; the read_dir handle is already closed, EBADF is harmless.
        unsafe { libc::close(fd as RawFd) };
    }
    Ok(())
}

/// Closes every descriptor that refers to a directory. A directory descriptor opened outside
/// the jail is the one kind that survives chroot as a way out (fchdir, openat relative to it);
/// other descriptors must stay: LibreOffice's preinit created pipes and files in the zygote that
/// the kit's LibreOffice keeps using (closing its wake-up pipe aborts it).
pub fn close_directory_fds() -> io::Result<()> {
    for fd in open_fds()? {
        let mut stat = std::mem::MaybeUninit::<libc::stat>::zeroed();
        // SAFETY: fstat(2) writes into the buffer we own; a descriptor closed meanwhile just
        // fails with EBADF.
        let ok = unsafe { libc::fstat(fd, stat.as_mut_ptr()) } == 0;
        // SAFETY: fstat succeeded, so it initialised the buffer.
        if ok && unsafe { stat.assume_init() }.st_mode & libc::S_IFMT == libc::S_IFDIR {
            // SAFETY: closing a directory descriptor the kit never uses; single-threaded here.
            unsafe { libc::close(fd) };
        }
    }
    Ok(())
}

/// The descriptors open in this process, in ascending order (read from /proc/self/fd; the
/// directory handle used for reading is left out).
pub fn open_fds() -> io::Result<Vec<RawFd>> {
    let dir = fs::read_dir("/proc/self/fd")?;
    let mut fds: Vec<RawFd> = dir
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    // The handle read_dir used is closed now: keep only descriptors that are still open.
    fds.retain(|fd| {
        // SAFETY: fcntl(F_GETFD) takes no pointer and only asks whether `fd` is open.
        let flags = unsafe { libc::fcntl(*fd, libc::F_GETFD) };
        flags >= 0
    });
    fds.sort_unstable();
    Ok(fds)
}

/// A path as a C string, for the few raw calls (a path with a NUL byte cannot exist).
pub fn c_path(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

#[cfg(test)]
mod recording;
#[cfg(test)]
pub use recording::{Call, RecordingSyscall};
