//! Shared by the jail integration tests: a systemplate, a jails root, things outside that a kit
//! must not reach, and "run this in a freshly forked, really jailed child".

#![allow(dead_code)]

#[path = "../../tests/src/environment.rs"]
pub mod environment;

use std::io::Read;
use std::net::TcpListener;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};

use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::ForkResult;
use oxool_kit::jail::{self, JailConfig, JailReport, Rlimits};
use oxool_kit::sys::{Cloned, LinuxSyscall};
use oxool_proto::{Frame, Message};

/// Exit status of a child whose jail failed.
pub const EXIT_JAIL_FAILED: i32 = 71;

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub systemplate: PathBuf,
    pub jails_root: PathBuf,
    /// Stands for wsd's configuration file.
    pub secret_file: PathBuf,
    /// Another kit's jail with a document in it.
    pub other_jail: PathBuf,
    pub inet: TcpListener,
    pub inet6: Option<TcpListener>,
    pub abstract_name: String,
    pub abstract_listener: UnixListener,
}

impl Fixture {
    pub fn create() -> Fixture {
        let dir = tempfile::Builder::new()
            .prefix("oxool-jail-test-")
            .tempdir()
            .unwrap();
        let systemplate = dir.path().join("systemplate");
        oxool_systemplate::setup(&systemplate).expect("systemplate");
        let jails_root = dir.path().join("jails");
        std::fs::create_dir(&jails_root).unwrap();
        let secret_file = dir.path().join("oxool.toml");
        std::fs::write(&secret_file, "secret = \"do not read\"\n").unwrap();
        let other_jail = jails_root.join("OtherKitJail0001");
        std::fs::create_dir_all(other_jail.join("tmp")).unwrap();
        std::fs::write(
            other_jail.join("tmp/document.odt"),
            "someone else's document",
        )
        .unwrap();
        let inet = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = inet.local_addr().unwrap().port();
        let inet6 = TcpListener::bind(("::1", port)).ok();
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let serial = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let abstract_name = format!("oxool-probe-{}-{serial}", std::process::id());
        let abstract_listener = {
            use std::os::linux::net::SocketAddrExt;
            let address =
                std::os::unix::net::SocketAddr::from_abstract_name(abstract_name.as_bytes())
                    .unwrap();
            UnixListener::bind_addr(&address).unwrap()
        };
        Fixture {
            dir,
            systemplate,
            jails_root,
            secret_file,
            other_jail,
            inet,
            inet6,
            abstract_name,
            abstract_listener,
        }
    }

    pub fn config(&self) -> JailConfig {
        JailConfig {
            jails_root: self.jails_root.clone(),
            jail_id: jail::new_jail_id(),
            systemplate: self.systemplate.clone(),
            ro_binds: jail::default_ro_binds(),
            outer_uid: nix::unistd::getuid().as_raw(),
            outer_gid: nix::unistd::getgid().as_raw(),
            rlimits: Rlimits {
                address_space_mb: 0,
                file_size_mb: 256,
                open_files: 1024,
                stack_kb: 0,
            },
            allow_link_fallback: false,
            tmp_size_mb: 256,
        }
    }

    pub fn inet_port(&self) -> u16 {
        self.inet.local_addr().unwrap().port()
    }
}

/// What a jailed child sent and how it ended.
pub struct ChildRun {
    pub frames: Vec<Message>,
    pub status: WaitStatus,
}

impl ChildRun {
    pub fn find(&self, name: &str) -> Option<&Message> {
        self.frames.iter().find(|m| m.name == name)
    }
}

/// Sends one message on the report descriptor (the child's side).
pub fn report(fd: RawFd, message: Message) {
    let bytes = Frame::new(message.render()).encode().unwrap();
    // SAFETY: write(2) from a live buffer to a descriptor the child owns.
    unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
}

/// Forks a child that opens a directory descriptor (the planted fd), closes every other
/// descriptor as a kit does, enters the real jail, reports `jailed` with the step timings and
/// then runs `body(report_fd, planted_fd, &report)`. The child ends with `_exit(0)` after `body`.
pub fn run_jailed(
    cfg: &JailConfig,
    body: impl FnOnce(RawFd, Option<RawFd>, &JailReport),
) -> ChildRun {
    run_jailed_with(cfg, FdPolicy::CloseAll, body)
}

/// Which descriptors the child closes before the jail.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum FdPolicy {
    /// Everything but 0–2 and the report pipe (the planted fd too).
    CloseAll,
    /// Only the ones listed (a preinitialised LibreOffice keeps descriptors it needs, e.g. the
    /// headless backend's wake-up pipe).
    CloseOnly(&'static [RawFd]),
}

pub fn run_jailed_with(
    cfg: &JailConfig,
    fds: FdPolicy,
    body: impl FnOnce(RawFd, Option<RawFd>, &JailReport),
) -> ChildRun {
    let (read_end, write_end) = nix::unistd::pipe().unwrap();
    match clone_as_kit() {
        ForkResult::Child => {
            drop(read_end);
            let report_fd = write_end.as_raw_fd();
            let planted = plant_directory_fd();
            // jail::enter closes every descriptor but `keep` (its step 0).
            let keep: Vec<RawFd> = match fds {
                FdPolicy::CloseAll => vec![0, 1, 2, report_fd],
                FdPolicy::CloseOnly(list) => {
                    for fd in list.iter().copied().chain(planted) {
                        // SAFETY: close(2) on a descriptor number; the child uses none of these.
                        unsafe { libc::close(fd) };
                    }
                    oxool_kit::sys::open_fds().unwrap()
                }
            };
            let jail_report = match jail::enter(cfg, &keep, &LinuxSyscall) {
                Ok(jail_report) => jail_report,
                Err(err) => {
                    report(
                        report_fd,
                        Message::new("error")
                            .arg("kind", "jail")
                            .arg("message", err),
                    );
                    // SAFETY: leave the child at once.
                    unsafe { libc::_exit(EXIT_JAIL_FAILED) }
                }
            };
            let mut jailed = Message::new("jailed")
                .arg("setup_us", jail_report.setup.as_micros())
                .arg("mode", format!("{:?}", jail_report.mount_mode));
            for (step, duration) in &jail_report.steps {
                jailed = jailed.arg(step, duration.as_micros());
            }
            report(report_fd, jailed);
            body(report_fd, planted, &jail_report);
            // SAFETY: leave the child without running the harness's destructors.
            unsafe { libc::_exit(0) }
        }
        ForkResult::Parent { child } => {
            drop(write_end);
            let mut bytes = Vec::new();
            std::fs::File::from(read_end)
                .read_to_end(&mut bytes)
                .unwrap();
            let status = waitpid(child, None).unwrap();
            let mut frames = Vec::new();
            let mut rest = &bytes[..];
            while !rest.is_empty() {
                let Ok(frame) = Frame::read_from(&mut rest, 0) else {
                    break;
                };
                frames.push(Message::parse(&frame.header).unwrap());
            }
            let jail_dir = cfg.jails_root.join(&cfg.jail_id);
            jail::remove_jail_dir(&cfg.jails_root, &cfg.jail_id).unwrap();
            assert!(!jail_dir.exists(), "remove_jail_dir left {jail_dir:?}");
            ChildRun { frames, status }
        }
    }
}

/// Creates a child the way forkit's zygote creates a kit: one clone into its own user and PID
/// namespaces (`jail::clone_kit`), which `jail::enter` expects to have happened.
pub fn clone_as_kit() -> ForkResult {
    // SAFETY: as with the fork these tests used before: the child only does jail work (no lock a
    // harness thread could hold is taken) and leaves with _exit, never returning into the harness.
    match unsafe { jail::clone_kit() }.unwrap() {
        Cloned::Child => ForkResult::Child,
        Cloned::Parent { pid } => ForkResult::Parent {
            child: nix::unistd::Pid::from_raw(pid),
        },
    }
}

fn plant_directory_fd() -> Option<RawFd> {
    // SAFETY: open(2) with a constant path; the fd (or -1) is ours.
    let fd = unsafe { libc::open(c"/".as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY) };
    (fd >= 0).then_some(fd)
}

/// A copy of the running test binary that another user can execute (the target dir may not be
/// readable to them).
pub fn copy_of_current_exe(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let exe = std::env::current_exe().unwrap();
    let copy = dir.join(exe.file_name().unwrap());
    // Copied by `cp` in a process of its own: a copy written here could be inherited, still open
    // for writing, by a child another test thread forks meanwhile, and exec'ing it would then
    // fail with ETXTBSY ("Text file busy").
    let status = std::process::Command::new("cp")
        .arg(&exe)
        .arg(&copy)
        .status()
        .unwrap();
    assert!(status.success(), "cp of the test binary");
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    copy
}

/// The uid and gid of the unprivileged test user, created when absent (root only).
pub fn unprivileged_test_user() -> Option<(u32, u32)> {
    const USER: &str = "oxool-test";
    if nix::unistd::User::from_name(USER).ok().flatten().is_none() {
        let created = std::process::Command::new("useradd")
            .args([
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                USER,
            ])
            .status()
            .ok()?;
        if !created.success() {
            return None;
        }
    }
    let user = nix::unistd::User::from_name(USER).ok().flatten()?;
    Some((user.uid.as_raw(), user.gid.as_raw()))
}
