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
    for rule in RULES {
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
    let thread = (libc::CLONE_VM
        | libc::CLONE_FS
        | libc::CLONE_FILES
        | libc::CLONE_SIGHAND
        | libc::CLONE_THREAD) as u64;
    assert_eq!(verdict(&program, "clone", &[thread]), allow);
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
    assert_eq!(
        verdict(&program, "prlimit64", &[1, libc::RLIMIT_NOFILE as u64]),
        trap
    );
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
        run(&self_signal::program(42), &data),
        libc::SECCOMP_RET_KILL_PROCESS
    );
}

#[test]
fn the_self_signal_filter_limits_tgkill_to_the_own_pid() {
    let filter = self_signal::program(4242);
    let tgkill = |pid: u64| {
        run(
            &filter,
            &SeccompData::native(libc::SYS_tgkill, &[pid, 4243, 10]),
        )
    };
    assert_eq!(tgkill(4242), libc::SECCOMP_RET_ALLOW);
    assert_eq!(tgkill(1), libc::SECCOMP_RET_TRAP);
    assert_eq!(tgkill((1 << 32) | 4242), libc::SECCOMP_RET_TRAP);
    assert_eq!(
        run(&filter, &SeccompData::native(libc::SYS_read, &[])),
        libc::SECCOMP_RET_ALLOW
    );
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
