//! The allowlist, checked two ways: rule by rule through a BPF interpreter, and for real in forked
//! children (the filter never reaches the test runner).

use std::io::Read;
use std::os::fd::AsRawFd;

use super::bpf_interpreter::{run, SeccompData};
use super::*;

const RET_ACTION: u32 = 0xffff_0000;

fn program() -> SeccompProgram {
    SeccompProgram::compile_kit_allowlist().expect("the allowlist compiles")
}

fn verdict(program: &SeccompProgram, name: &str, args: &[u64]) -> u32 {
    let nr = ScmpSyscall::from_name(name).unwrap_or_else(|_| panic!("{name}"));
    run(
        program.instructions(),
        &SeccompData::native(i32::from(nr).into(), args),
    )
}

#[test]
fn every_listed_call_is_allowed_and_every_dangerous_one_traps() {
    let program = program();
    for rule in allowlist::rules() {
        if let Rule::Allow(name) = rule {
            if ScmpSyscall::from_name(name).is_ok() {
                assert_eq!(
                    verdict(&program, name, &[]),
                    libc::SECCOMP_RET_ALLOW,
                    "{name}"
                );
            }
        }
    }
    for name in MUST_DENY {
        let Ok(_) = ScmpSyscall::from_name(name) else {
            continue;
        };
        let action = verdict(&program, name, &[0, 0, 0, 0, 0, 0]) & RET_ACTION;
        assert!(
            action == libc::SECCOMP_RET_TRAP || action == libc::SECCOMP_RET_ERRNO,
            "{name} must not be allowed (got {action:#x})"
        );
    }
    assert_eq!(
        verdict(&program, "clone3", &[]),
        libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32
    );
    assert_eq!(verdict(&program, "execve", &[]), libc::SECCOMP_RET_TRAP);
}

#[test]
fn argument_filters_hold() {
    let program = program();
    let allow = libc::SECCOMP_RET_ALLOW;
    let trap = libc::SECCOMP_RET_TRAP;
    let af = |domain: i32| [domain as u64, libc::SOCK_STREAM as u64, 0];
    assert_eq!(verdict(&program, "socket", &af(libc::AF_UNIX)), allow);
    let no_inet = libc::SECCOMP_RET_ERRNO | libc::EAFNOSUPPORT as u32;
    assert_eq!(verdict(&program, "socket", &af(libc::AF_INET)), no_inet);
    assert_eq!(verdict(&program, "socket", &af(libc::AF_INET6)), no_inet);
    for domain in [
        libc::AF_NETLINK,
        libc::AF_PACKET,
        libc::AF_VSOCK,
        libc::AF_BLUETOOTH,
    ] {
        assert_eq!(
            verdict(&program, "socket", &af(domain)),
            trap,
            "domain {domain}"
        );
    }
    let thread_without_tls = (libc::CLONE_VM
        | libc::CLONE_FS
        | libc::CLONE_FILES
        | libc::CLONE_SIGHAND
        | libc::CLONE_THREAD) as u64;
    assert_eq!(
        verdict(&program, "clone", &[thread_without_tls]),
        trap,
        "not glibc's exact set"
    );
    assert_eq!(
        verdict(&program, "clone", &[libc::SIGCHLD as u64]),
        trap,
        "fork"
    );
    assert_eq!(verdict(&program, "chmod", &[0, 0o644]), allow);
    assert_eq!(verdict(&program, "chmod", &[0, 0o4755]), trap);
    assert_eq!(verdict(&program, "fchmodat", &[0, 0, 0o2755]), trap);
    assert_eq!(
        verdict(&program, "prctl", &[libc::PR_SET_NAME as u64]),
        allow
    );
    assert_eq!(
        verdict(&program, "prctl", &[libc::PR_SET_DUMPABLE as u64, 1]),
        trap
    );
    assert_eq!(
        verdict(&program, "prctl", &[libc::PR_SET_SECCOMP as u64]),
        trap
    );
    assert_eq!(
        verdict(&program, "prlimit64", &[0, libc::RLIMIT_NOFILE as u64]),
        allow
    );
    assert_eq!(stacked("prlimit64", &[1, libc::RLIMIT_NOFILE as u64]), trap);
    assert_eq!(verdict(&program, "ioctl", &[2, libc::TCGETS]), allow);
    assert_eq!(verdict(&program, "ioctl", &[0, libc::TIOCSTI]), trap);
    // A high bit in a 32-bit argument must not smuggle a value past an equality test.
    assert_eq!(
        verdict(&program, "socket", &[(1 << 32) | libc::AF_UNIX as u64]),
        trap
    );
}

#[test]
fn a_foreign_architecture_is_killed() {
    let program = program();
    let mut data = SeccompData::native(libc::SYS_read, &[]);
    data.arch = 0x4000_0003; // AUDIT_ARCH_I386
    assert_eq!(
        run(program.instructions(), &data),
        libc::SECCOMP_RET_KILL_PROCESS
    );
    assert_eq!(
        run(&self_pid_filter(42), &data),
        libc::SECCOMP_RET_KILL_PROCESS
    );
}

/// The self-pid filter the real allowlist builds for a kit whose pid is `pid`.
fn self_pid_filter(pid: u32) -> Vec<libc::sock_filter> {
    self_pid::program(pid, &program().self_pid_checks)
}

/// The strictest verdict of both filters (as the kernel combines stacked filters) for pid 4242.
fn stacked(name: &str, args: &[u64]) -> u32 {
    let program = program();
    let nr = ScmpSyscall::from_name(name).unwrap_or_else(|_| panic!("{name}"));
    let data = SeccompData::native(i32::from(nr).into(), args);
    let verdicts = [
        run(program.instructions(), &data),
        run(&self_pid::program(4242, &program.self_pid_checks), &data),
    ];
    // Lower action values are stricter (KILL_PROCESS 0x8000_0000 is the one exception, strictest).
    *verdicts
        .iter()
        .min_by_key(|v| {
            let action = **v & RET_ACTION;
            if action == libc::SECCOMP_RET_KILL_PROCESS {
                0
            } else {
                action as u64 + 1
            }
        })
        .unwrap()
}

#[test]
fn calls_that_take_a_pid_work_only_on_the_kit_itself() {
    let allow = libc::SECCOMP_RET_ALLOW;
    let trap = libc::SECCOMP_RET_TRAP;
    let errno = |e: i32| libc::SECCOMP_RET_ERRNO | e as u32;
    let other_pids = [1u64, 4243, u64::MAX, (1 << 32) | 4242, (1 << 32)];
    assert_eq!(stacked("tgkill", &[4242, 4243, 10]), allow);
    assert_eq!(stacked("tgkill", &[0, 4243, 10]), trap);
    assert_eq!(
        stacked("prlimit64", &[0, libc::RLIMIT_NOFILE as u64]),
        allow
    );
    assert_eq!(
        stacked("prlimit64", &[4242, libc::RLIMIT_NOFILE as u64]),
        allow
    );
    for name in ["sched_getaffinity", "sched_getparam", "sched_getscheduler"] {
        assert_eq!(stacked(name, &[0]), allow, "{name}(0)");
        assert_eq!(stacked(name, &[4242]), allow, "{name}(self)");
    }
    for pid in other_pids {
        assert_eq!(stacked("tgkill", &[pid, pid, 9]), trap, "tgkill {pid:#x}");
        assert_eq!(stacked("prlimit64", &[pid, 7]), trap, "prlimit64 {pid:#x}");
        assert_eq!(
            stacked("sched_getaffinity", &[pid]),
            errno(libc::ENOSYS),
            "{pid:#x}"
        );
        assert_eq!(stacked("sched_getparam", &[pid]), errno(libc::ESRCH));
        assert_eq!(stacked("sched_getscheduler", &[pid]), errno(libc::ESRCH));
    }
    // Every other call that names a process is not on the list at all.
    for name in [
        "kill",
        "tkill",
        "rt_sigqueueinfo",
        "rt_tgsigqueueinfo",
        "pidfd_open",
        "pidfd_send_signal",
        "pidfd_getfd",
        "get_robust_list",
        "getpriority",
        "ioprio_get",
        "ioprio_set",
        "kcmp",
        "process_madvise",
        "migrate_pages",
        "move_pages",
        "getpgid",
        "getsid",
        "setpgid",
        "waitid",
        "capget",
        "sched_rr_get_interval",
        "sched_getattr",
    ] {
        assert_eq!(stacked(name, &[4242, 0, 0]), trap, "{name}");
    }
    // Unrelated calls pass the self-pid filter untouched.
    assert_eq!(
        run(
            &self_pid_filter(4242),
            &SeccompData::native(libc::SYS_read, &[])
        ),
        allow
    );
}

/// Not in the libc crate for every target (linux/fcntl.h).
const F_SETSIG: i32 = 10;
const F_SETOWN_EX: i32 = 15;
const F_GETOWN_EX: i32 = 16;

#[test]
fn fcntl_cannot_aim_signals() {
    let allow = libc::SECCOMP_RET_ALLOW;
    let trap = libc::SECCOMP_RET_TRAP;
    let fcntl = |cmd: i32, arg: u64| stacked("fcntl", &[3, cmd as u64, arg]);
    for cmd in [
        libc::F_GETFD,
        libc::F_SETFD,
        libc::F_GETFL,
        libc::F_DUPFD,
        libc::F_DUPFD_CLOEXEC,
        libc::F_GETLK,
        libc::F_SETLK,
        libc::F_SETLKW,
        libc::F_OFD_GETLK,
        libc::F_OFD_SETLK,
        libc::F_OFD_SETLKW,
        libc::F_ADD_SEALS,
        libc::F_GET_SEALS,
    ] {
        assert_eq!(fcntl(cmd, 0), allow, "fcntl cmd {cmd}");
    }
    assert_eq!(fcntl(libc::F_SETFL, libc::O_NONBLOCK as u64), allow);
    assert_eq!(fcntl(libc::F_SETFL, libc::O_ASYNC as u64), trap);
    assert_eq!(
        fcntl(libc::F_SETFL, (libc::O_ASYNC | libc::O_NONBLOCK) as u64),
        trap
    );
    for cmd in [
        libc::F_SETOWN,
        F_SETOWN_EX,
        F_SETSIG,
        libc::F_SETLEASE,
        libc::F_NOTIFY,
        F_GETOWN_EX,
        libc::F_SETPIPE_SZ,
    ] {
        assert_eq!(fcntl(cmd, 1), trap, "fcntl cmd {cmd}");
    }
    assert_eq!(
        stacked("fcntl", &[3, (1 << 32) | libc::F_GETFD as u64]),
        trap
    );
    #[allow(clippy::unnecessary_cast)]
    for request in [
        libc::FIOASYNC as u64,
        0x8901, /* FIOSETOWN */
        0x8902, /* SIOCSPGRP */
        libc::TIOCSPGRP as u64,
    ] {
        assert_eq!(stacked("ioctl", &[3, request]), trap, "ioctl {request:#x}");
    }
}

#[test]
fn memory_is_never_writable_and_executable() {
    let allow = libc::SECCOMP_RET_ALLOW;
    let eacces = libc::SECCOMP_RET_ERRNO | libc::EACCES as u32;
    let (r, w, x) = (
        libc::PROT_READ as u64,
        libc::PROT_WRITE as u64,
        libc::PROT_EXEC as u64,
    );
    let mmap = |prot: u64| stacked("mmap", &[0, 4096, prot, libc::MAP_PRIVATE as u64, 3, 0]);
    assert_eq!(mmap(r), allow);
    assert_eq!(mmap(r | w), allow);
    assert_eq!(mmap(r | x), allow, "libraries load after the jail");
    assert_eq!(mmap(0), allow);
    assert_eq!(mmap(r | w | x), eacces);
    assert_eq!(mmap(w | x), eacces);
    let mprotect = |prot: u64| stacked("mprotect", &[0, 4096, prot]);
    assert_eq!(mprotect(r | w), allow);
    assert_eq!(mprotect(0), allow);
    assert_eq!(mprotect(r | x), eacces);
    assert_eq!(mprotect(r | w | x), eacces);
    assert_eq!(mprotect(x), eacces);
    assert_eq!(
        stacked("pkey_mprotect", &[0, 4096, r, 0]),
        libc::SECCOMP_RET_TRAP
    );
}

#[test]
fn threads_futexes_sockets_and_madvise_are_narrowed() {
    let allow = libc::SECCOMP_RET_ALLOW;
    let trap = libc::SECCOMP_RET_TRAP;
    let glibc_thread = (libc::CLONE_VM
        | libc::CLONE_FS
        | libc::CLONE_FILES
        | libc::CLONE_SIGHAND
        | libc::CLONE_THREAD
        | libc::CLONE_SYSVSEM
        | libc::CLONE_SETTLS
        | libc::CLONE_PARENT_SETTID
        | libc::CLONE_CHILD_CLEARTID) as u64;
    assert_eq!(stacked("clone", &[glibc_thread]), allow);
    for extra in [
        libc::CLONE_PARENT,
        libc::CLONE_NEWUSER,
        libc::CLONE_PTRACE,
        libc::CLONE_UNTRACED,
        libc::SIGKILL,
    ] {
        assert_eq!(stacked("clone", &[glibc_thread | extra as u64]), trap);
    }
    let futex = |op: i32| stacked("futex", &[0, op as u64]);
    for op in [libc::FUTEX_WAIT, libc::FUTEX_WAKE, libc::FUTEX_WAIT_BITSET] {
        assert_eq!(futex(op), allow);
        assert_eq!(futex(op | libc::FUTEX_PRIVATE_FLAG), allow);
        assert_eq!(
            futex(op | libc::FUTEX_PRIVATE_FLAG | libc::FUTEX_CLOCK_REALTIME),
            allow
        );
    }
    for op in [
        libc::FUTEX_WAIT_REQUEUE_PI,
        libc::FUTEX_CMP_REQUEUE_PI,
        2, /* FUTEX_FD */
    ] {
        assert_eq!(futex(op), trap);
        assert_eq!(futex(op | libc::FUTEX_PRIVATE_FLAG), trap);
    }
    let sockopt = |name: &str, level: i32, option: i32| {
        stacked(name, &[3, level as u64, option as u64, 0, 0])
    };
    assert_eq!(
        sockopt("getsockopt", libc::SOL_SOCKET, libc::SO_ERROR),
        allow
    );
    assert_eq!(
        sockopt("setsockopt", libc::SOL_SOCKET, libc::SO_RCVBUF),
        allow
    );
    for option in [
        libc::SO_ATTACH_FILTER,
        libc::SO_ATTACH_BPF,
        libc::SO_REUSEPORT,
        libc::SO_BINDTODEVICE,
        libc::SO_MARK,
        libc::SO_PASSCRED,
    ] {
        assert_eq!(sockopt("setsockopt", libc::SOL_SOCKET, option), trap);
    }
    assert_eq!(
        sockopt("setsockopt", libc::IPPROTO_TCP, libc::SO_RCVBUF),
        trap
    );
    let madvise = |advice: i32| stacked("madvise", &[0, 4096, advice as u64]);
    assert_eq!(madvise(libc::MADV_DONTNEED), allow);
    for advice in [
        libc::MADV_MERGEABLE,
        libc::MADV_HWPOISON,
        libc::MADV_DONTFORK,
        libc::MADV_PAGEOUT,
        libc::MADV_HUGEPAGE,
    ] {
        assert_eq!(madvise(advice), trap, "madvise {advice}");
    }
    assert_eq!(stacked("membarrier", &[0, 0]), trap);
    assert_eq!(stacked("arch_prctl", &[0x1002, 0]), trap);
}

#[test]
fn names_are_resolved_for_the_report() {
    let program = program();
    assert_eq!(
        program.syscall_name(libc::SYS_ptrace as usize),
        Some("ptrace")
    );
    assert_eq!(
        program.syscall_name(libc::SYS_execve as usize),
        Some("execve")
    );
}

/// What a forked child did: its exit status (or signal), its stderr, and its report socket's bytes.
struct ChildOutcome {
    status: nix::sys::wait::WaitStatus,
    stderr: String,
    report: Vec<u8>,
}

/// youki's test_in_child_process pattern: the child installs the filter and runs `body`, then
/// exits 0; the parent collects. Nothing after fork touches the test runner's state.
fn in_child(body: fn()) -> ChildOutcome {
    let program = program();
    let (stderr_read, stderr_write) = nix::unistd::pipe().unwrap();
    let (report_read, report_write) = nix::unistd::pipe().unwrap();
    // SAFETY: the child only dup2s, installs the filter, runs `body` and _exits; it never returns
    // into the test harness.
    match unsafe { nix::unistd::fork() }.unwrap() {
        nix::unistd::ForkResult::Child => {
            // SAFETY: dup2 onto fd 2 in the child; both descriptors are valid.
            unsafe { libc::dup2(stderr_write.as_raw_fd(), 2) };
            drop((stderr_read, report_read));
            let status = match program.install(report_write.as_raw_fd()) {
                Ok(()) => {
                    body();
                    0
                }
                Err(_) => 99,
            };
            // SAFETY: leave the child without running the harness's destructors.
            unsafe { libc::_exit(status) }
        }
        nix::unistd::ForkResult::Parent { child } => {
            drop((stderr_write, report_write));
            let status = nix::sys::wait::waitpid(child, None).unwrap();
            let mut stderr = String::new();
            std::fs::File::from(stderr_read)
                .read_to_string(&mut stderr)
                .unwrap();
            let mut report = Vec::new();
            std::fs::File::from(report_read)
                .read_to_end(&mut report)
                .unwrap();
            ChildOutcome {
                status,
                stderr,
                report,
            }
        }
    }
}

fn assert_denied(outcome: &ChildOutcome, name: &str) {
    use nix::sys::wait::WaitStatus;
    assert!(
        matches!(outcome.status, WaitStatus::Exited(_, EXIT_SECCOMP_DENIED)),
        "{:?} {}",
        outcome.status,
        outcome.stderr
    );
    let nr = i32::from(ScmpSyscall::from_name(name).unwrap());
    assert!(
        outcome
            .stderr
            .contains(&format!("oxool-kit: seccomp denied syscall {name} ({nr})")),
        "{}",
        outcome.stderr
    );
    let frame = oxool_proto::Frame::read_from(&mut &outcome.report[..], 0)
        .expect("a frame on the report fd");
    assert_eq!(frame.header, format!("error kind=seccomp syscall={name}"));
}

#[test]
fn allowed_calls_work_in_a_filtered_child() {
    let outcome = in_child(|| {
        let pid = std::process::id();
        let file = std::fs::File::open("/proc/self/stat").ok();
        // SAFETY: plain syscalls with valid arguments; tgkill to our own thread with signal 0.
        let (sent_self, unix) = unsafe {
            (
                libc::syscall(libc::SYS_tgkill, pid, libc::syscall(libc::SYS_gettid), 0),
                libc::socket(libc::AF_UNIX, libc::SOCK_STREAM, 0),
            )
        };
        let thread = std::thread::spawn(|| 7).join().ok();
        if file.is_none() || sent_self != 0 || unix < 0 || thread != Some(7) {
            // SAFETY: _exit from the child.
            unsafe { libc::_exit(3) }
        }
    });
    assert!(
        matches!(outcome.status, nix::sys::wait::WaitStatus::Exited(_, 0)),
        "{:?} {}",
        outcome.status,
        outcome.stderr
    );
    assert!(outcome.report.is_empty());
}

#[test]
fn a_denied_call_is_reported_by_name_and_ends_the_child() {
    let outcome = in_child(|| {
        // SAFETY: ptrace(PTRACE_TRACEME) never returns here: the filter traps it.
        unsafe { libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0) };
    });
    assert_denied(&outcome, "ptrace");
}

#[test]
fn a_netlink_socket_is_denied() {
    let outcome = in_child(|| {
        // SAFETY: socket(2) with constant arguments; trapped by the filter.
        unsafe { libc::socket(libc::AF_NETLINK, libc::SOCK_RAW, 0) };
    });
    assert_denied(&outcome, "socket");
}

#[test]
fn signalling_the_parent_is_denied() {
    let outcome = in_child(|| {
        // SAFETY: tgkill towards the parent with signal 0 (no effect even if it went through).
        unsafe { libc::syscall(libc::SYS_tgkill, libc::getppid(), libc::getppid(), 0) };
    });
    assert_denied(&outcome, "tgkill");
}
