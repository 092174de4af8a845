//! The kit's syscall allowlist: what LibreOffice 7.4 (threaded LOK mode, after preinit) and the
//! kit's own loop call while loading, rendering, typing and saving every supported format inside
//! the jail. Derived by tracing jailed kits (`strace -f`) over docx/xlsx/pptx/odt/ods/odp with
//! tiles, typing in two views and saves to PDF, ODF, OOXML, txt and csv; anything else traps.
//! Calls that take an argument LibreOffice uses in a few values only are narrowed to those values.
//! docs/seccomp.md is rendered from this table (doc.rs); a unit test keeps the two equal.
//!
//! Deliberately absent (so they trap): execve/execveat, fork/vfork and clone with any flag set but
//! glibc's thread set, ptrace, kill/tkill (tgkill is limited to the kit itself by the self-pid
//! filter), process_vm_*, mount/umount2/unshare/setns/chroot/pivot_root and the new mount API,
//! keyctl/add_key/request_key, bpf, perf_event_open, userfaultfd, io_uring_*, mknod/mknodat, the
//! setuid/setgid family, personality, kexec_*, *_module, open_by_handle_at, bind/listen/accept,
//! seccomp, wait4, every pidfd call and every call that names another process.

// libc's constant types vary (c_int, c_ulong, u32): the casts in `named!` are needed on some.
#![allow(clippy::unnecessary_cast)]

use super::rule::{named, Cmp, Named, Otherwise, Rule, Rule::*, Section};

const SETUID_SETGID: Named = named!(S_ISUID | S_ISGID);

/// Terminal-free ioctls only (isatty, non-blocking, close-on-exec, bytes available). Nothing that
/// sets an owner or asynchronous notification (FIOASYNC, FIOSETOWN, SIOCSPGRP, TIOCSPGRP).
const SAFE_IOCTLS: &[Named] = &[
    named!(TCGETS),
    named!(FIONREAD),
    named!(FIONBIO),
    named!(FIOCLEX),
    named!(FIONCLEX),
];

/// fcntl as Chromium's renderer policy has it: descriptor flags, status flags, duplication,
/// record and OFD locks (LibreOffice locks the files it opens), seals. F_SETFL is allowed only
/// without O_ASYNC (below); F_SETOWN, F_SETOWN_EX, F_SETSIG, F_SETLEASE and F_NOTIFY trap: with
/// them a pipe can deliver any signal to any process of the same uid.
const FCNTL_COMMANDS: &[Named] = &[
    named!(F_GETFD),
    named!(F_SETFD),
    named!(F_GETFL),
    named!(F_DUPFD),
    named!(F_DUPFD_CLOEXEC),
    named!(F_GETLK),
    named!(F_SETLK),
    named!(F_SETLKW),
    named!(F_OFD_GETLK),
    named!(F_OFD_SETLK),
    named!(F_OFD_SETLKW),
    named!(F_ADD_SEALS),
    named!(F_GET_SEALS),
];

/// glibc's pthread_create flag set, exactly (clone without CLONE_THREAD would be a fork).
const THREAD_CLONE_FLAGS: &[Named] = &[named!(
    CLONE_VM
        | CLONE_FS
        | CLONE_FILES
        | CLONE_SIGHAND
        | CLONE_THREAD
        | CLONE_SYSVSEM
        | CLONE_SETTLS
        | CLONE_PARENT_SETTID
        | CLONE_CHILD_CLEARTID
)];

/// The futex command bits: everything but FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME, on the
/// 32-bit `op` (the kernel ignores the upper half of the register).
const FUTEX_COMMAND: Named = Named {
    name: "FUTEX_CMD_MASK",
    value: 0xffff_ffff & !((libc::FUTEX_PRIVATE_FLAG | libc::FUTEX_CLOCK_REALTIME) as u64),
};
const FUTEX_LOCK_PI2: Named = Named {
    name: "FUTEX_LOCK_PI2",
    value: 13,
};
/// Every futex command but the requeue-PI pair (FUTEX_WAIT_REQUEUE_PI, FUTEX_CMP_REQUEUE_PI, the
/// source of several kernel exploits) and the long-removed FUTEX_FD. glibc uses WAIT, WAKE and
/// WAIT_BITSET (traced); the others serve its PI mutexes and older condition variables.
const FUTEX_COMMANDS: &[Named] = &[
    named!(FUTEX_WAIT),
    named!(FUTEX_WAKE),
    named!(FUTEX_REQUEUE),
    named!(FUTEX_CMP_REQUEUE),
    named!(FUTEX_WAKE_OP),
    named!(FUTEX_LOCK_PI),
    named!(FUTEX_UNLOCK_PI),
    named!(FUTEX_TRYLOCK_PI),
    named!(FUTEX_WAIT_BITSET),
    named!(FUTEX_WAKE_BITSET),
    FUTEX_LOCK_PI2,
];

/// madvise: glibc frees thread stacks with MADV_DONTNEED (the only advice traced); the others are
/// pure access-pattern hints about the kit's own pages. Not allowed: KSM merging, hwpoison and
/// soft-offline, fork/dump control, page-out, huge-page collapse, guard regions.
const MADVISE_ADVICE: &[Named] = &[
    named!(MADV_NORMAL),
    named!(MADV_RANDOM),
    named!(MADV_SEQUENTIAL),
    named!(MADV_WILLNEED),
    named!(MADV_DONTNEED),
    named!(MADV_FREE),
];

/// A `getsockopt`/`setsockopt` rule that allows the one `SOL_SOCKET` option `$option` (a rule
/// needs both arguments compared at once, so each option is a rule of its own).
macro_rules! sol_socket_option {
    ($call:literal, $option:ident) => {
        AllowIfAll {
            name: $call,
            all: &[
                Cmp::Eq {
                    arg: 1,
                    value: named!(SOL_SOCKET),
                },
                Cmp::Eq {
                    arg: 2,
                    value: named!($option),
                },
            ],
        }
    };
}

/// Thread names, and the read-only probes some libraries make; nothing that changes privileges.
const PRCTL_OPTIONS: &[Named] = &[
    named!(PR_SET_NAME),
    named!(PR_GET_NAME),
    named!(PR_CAPBSET_READ),
    named!(PR_GET_DUMPABLE),
    named!(PR_GET_NO_NEW_PRIVS),
];

pub(super) const SECTIONS: &[Section] = &[
    Section {
        title: "Files",
        why: "Only the jail's tree is visible; writes reach the jail's /tmp alone (everything else \
              is read-only). Modes never carry a setuid/setgid bit (useless in a kit; /tmp is \
              nosuid anyway).",
        rules: &[
            Allow("read"),
            Allow("write"),
            Allow("readv"),
            Allow("writev"),
            Allow("pread64"),
            Allow("pwrite64"),
            Allow("preadv"),
            Allow("pwritev"),
            Allow("preadv2"),
            Allow("pwritev2"),
            Allow("lseek"),
            Allow("close"),
            Allow("close_range"),
            Allow("dup"),
            Allow("dup2"),
            Allow("dup3"),
            AllowIfArgIs {
                name: "fcntl",
                arg: 1,
                values: FCNTL_COMMANDS,
            },
            AllowIfAll {
                name: "fcntl",
                all: &[
                    Cmp::Eq {
                        arg: 1,
                        value: named!(F_SETFL),
                    },
                    Cmp::Clear {
                        arg: 2,
                        mask: named!(O_ASYNC),
                    },
                ],
            },
            Allow("flock"),
            Allow("fsync"),
            Allow("fdatasync"),
            Allow("ftruncate"),
            Allow("truncate"),
            Allow("fallocate"),
            Allow("fadvise64"),
            Allow("sendfile"),
            Allow("copy_file_range"),
            Allow("open"),
            Allow("openat"),
            Allow("openat2"),
            Allow("creat"),
            Allow("stat"),
            Allow("fstat"),
            Allow("lstat"),
            Allow("newfstatat"),
            Allow("statx"),
            Allow("statfs"),
            Allow("fstatfs"),
            Allow("access"),
            Allow("faccessat"),
            Allow("faccessat2"),
            Allow("readlink"),
            Allow("readlinkat"),
            Allow("getdents64"),
            Allow("getcwd"),
            Allow("chdir"),
            Allow("fchdir"),
            Allow("mkdir"),
            Allow("mkdirat"),
            Allow("rmdir"),
            Allow("unlink"),
            Allow("unlinkat"),
            Allow("rename"),
            Allow("renameat"),
            Allow("renameat2"),
            Allow("link"),
            Allow("linkat"),
            Allow("symlink"),
            Allow("symlinkat"),
            Allow("fchown"),
            Allow("chown"),
            Allow("lchown"),
            Allow("fchownat"),
            Allow("utimensat"),
            Allow("utimes"),
            Allow("umask"),
            Allow("memfd_create"),
            AllowIfArgClear {
                name: "chmod",
                arg: 1,
                mask: SETUID_SETGID,
            },
            AllowIfArgClear {
                name: "fchmod",
                arg: 1,
                mask: SETUID_SETGID,
            },
            AllowIfArgClear {
                name: "fchmodat",
                arg: 2,
                mask: SETUID_SETGID,
            },
        ],
    },
    Section {
        title: "Memory (W^X)",
        why: "No mapping is ever writable and executable at once, and no mapping becomes \
              executable later: mmap with PROT_WRITE and PROT_EXEC together, and mprotect with \
              PROT_EXEC, fail with EACCES (not a trap: LibreOffice's UNO bridge asks for W+X memory \
              and, refused, maps a file in /tmp twice, once writable and once executable, as \
              under systemd's MemoryDenyWriteExecute). mmap(PROT_READ|PROT_EXEC) of a file stays \
              allowed: libraries are loaded after the jail. pkey_mprotect is not allowed at all.",
        rules: &[
            AllowIfArgClear {
                name: "mmap",
                arg: 2,
                mask: named!(PROT_EXEC),
            },
            AllowIfArgClear {
                name: "mmap",
                arg: 2,
                mask: named!(PROT_WRITE),
            },
            ErrnoIfArgHas {
                name: "mmap",
                arg: 2,
                mask: named!(PROT_WRITE | PROT_EXEC),
                errno: libc::EACCES,
            },
            AllowIfArgClear {
                name: "mprotect",
                arg: 2,
                mask: named!(PROT_EXEC),
            },
            ErrnoIfArgHas {
                name: "mprotect",
                arg: 2,
                mask: named!(PROT_EXEC),
                errno: libc::EACCES,
            },
            Allow("munmap"),
            Allow("mremap"),
            AllowIfArgIs {
                name: "madvise",
                arg: 2,
                values: MADVISE_ADVICE,
            },
            Allow("brk"),
            Allow("msync"),
            Allow("mincore"),
            Allow("mlock"),
            Allow("munlock"),
        ],
    },
    Section {
        title: "Threads",
        why: "LibreOffice's own threads and its thread pools, and their synchronisation. glibc \
              ≥ 2.34 tries clone3 first and falls back to clone on ENOSYS; clone3's flags live in \
              memory, where a filter cannot check them, so it fails with ENOSYS. Thread \
              priorities and affinity are hints to LibreOffice: setting them fails politely.",
        rules: &[
            AllowIfArgIs {
                name: "clone",
                arg: 0,
                values: THREAD_CLONE_FLAGS,
            },
            Errno {
                name: "clone3",
                errno: libc::ENOSYS,
            },
            AllowIfMaskedArgIs {
                name: "futex",
                arg: 1,
                mask: FUTEX_COMMAND,
                values: FUTEX_COMMANDS,
            },
            Allow("set_robust_list"),
            Allow("rseq"),
            Allow("set_tid_address"),
            Allow("sched_yield"),
            Allow("sched_get_priority_max"),
            Allow("sched_get_priority_min"),
            Allow("getcpu"),
            Errno {
                name: "sched_setscheduler",
                errno: libc::EPERM,
            },
            Errno {
                name: "sched_setparam",
                errno: libc::EPERM,
            },
            Errno {
                name: "sched_setaffinity",
                errno: libc::EPERM,
            },
            Errno {
                name: "setpriority",
                errno: libc::EPERM,
            },
        ],
    },
    Section {
        title: "Calls that name a process: the kit itself only",
        why: "A kit can name no process but itself. These calls take a pid; the self-pid filter, \
              built at install time from getpid() (1 in the kit's own PID namespace), lets them \
              through only for the kit's own pid (or 0, \"the caller\", where the kernel reads it \
              so). glibc's pthread_getattr_np asks sched_getaffinity about a thread id and treats \
              ENOSYS as \"no affinity support\", so another pid gets ENOSYS there; \
              pthread_getschedparam's sched_getparam/sched_getscheduler get ESRCH. Every other \
              call that names a process (kill, tkill, rt_sigqueueinfo, rt_tgsigqueueinfo, \
              pidfd_*, getpriority, ioprio_*, kcmp, process_madvise, migrate_pages, move_pages, \
              getpgid, getsid, setpgid, waitid, wait4, capget, get_robust_list, ptrace, \
              process_vm_*) is not on the list and traps.",
        rules: &[
            OnlySelf {
                name: "tgkill",
                arg: 0,
                zero_is_self: false,
                otherwise: Otherwise::Trap,
            },
            OnlySelf {
                name: "prlimit64",
                arg: 0,
                zero_is_self: true,
                otherwise: Otherwise::Trap,
            },
            OnlySelf {
                name: "sched_getaffinity",
                arg: 0,
                zero_is_self: true,
                otherwise: Otherwise::Errno(libc::ENOSYS),
            },
            OnlySelf {
                name: "sched_getparam",
                arg: 0,
                zero_is_self: true,
                otherwise: Otherwise::Errno(libc::ESRCH),
            },
            OnlySelf {
                name: "sched_getscheduler",
                arg: 0,
                zero_is_self: true,
                otherwise: Otherwise::Errno(libc::ESRCH),
            },
        ],
    },
    Section {
        title: "Time",
        why: "Clocks, sleeps and timer descriptors.",
        rules: &[
            Allow("clock_gettime"),
            Allow("clock_getres"),
            Allow("gettimeofday"),
            Allow("time"),
            Allow("nanosleep"),
            Allow("clock_nanosleep"),
            Allow("timerfd_create"),
            Allow("timerfd_settime"),
            Allow("timerfd_gettime"),
        ],
    },
    Section {
        title: "Signals, within the process",
        why: "Handlers, masks and waiting; sending only with tgkill to the kit itself (above).",
        rules: &[
            Allow("rt_sigaction"),
            Allow("rt_sigprocmask"),
            Allow("rt_sigreturn"),
            Allow("sigaltstack"),
            Allow("rt_sigpending"),
            Allow("rt_sigtimedwait"),
            Allow("rt_sigsuspend"),
        ],
    },
    Section {
        title: "Identity and system information (read-only)",
        why: "LibreOffice raises its soft open-files limit to the hard one (prlimit64, above); \
              prctl is limited to thread names and read-only probes.",
        rules: &[
            Allow("getpid"),
            Allow("gettid"),
            Allow("getppid"),
            Allow("getuid"),
            Allow("geteuid"),
            Allow("getgid"),
            Allow("getegid"),
            Allow("getresuid"),
            Allow("getresgid"),
            Allow("getgroups"),
            Allow("uname"),
            Allow("sysinfo"),
            Allow("getrusage"),
            Allow("getrandom"),
            Allow("times"),
            Allow("getrlimit"),
            Allow("setrlimit"),
            AllowIfArgIs {
                name: "prctl",
                arg: 0,
                values: PRCTL_OPTIONS,
            },
            AllowIfArgIs {
                name: "ioctl",
                arg: 1,
                values: SAFE_IOCTLS,
            },
        ],
    },
    Section {
        title: "Waiting and local IPC",
        why: "The kit socket, pipes, eventfds, epoll. Sockets are unix only (glibc asks nscd over \
              one; the jail has no nscd, the empty network namespace no abstract name from \
              outside). No bind/listen/accept: a kit serves nobody but its one socket. NSPR (NSS, \
              initialised for PDF export and signatures) probes for IPv6 with socket(AF_INET6) and \
              copes with EAFNOSUPPORT. Socket options: SOL_SOCKET only, and only buffer sizes, \
              timeouts and error/type queries (no traced kit sets any; SO_ATTACH_FILTER, \
              SO_ATTACH_BPF and the rest trap).",
        rules: &[
            Allow("poll"),
            Allow("ppoll"),
            Allow("select"),
            Allow("pselect6"),
            Allow("epoll_create1"),
            Allow("epoll_ctl"),
            Allow("epoll_wait"),
            Allow("epoll_pwait"),
            Allow("epoll_pwait2"),
            Allow("eventfd2"),
            Allow("pipe"),
            Allow("pipe2"),
            AllowIfArgIs {
                name: "socket",
                arg: 0,
                values: &[named!(AF_UNIX)],
            },
            AllowIfArgIs {
                name: "socketpair",
                arg: 0,
                values: &[named!(AF_UNIX)],
            },
            ErrnoIfArgIs {
                name: "socket",
                arg: 0,
                values: &[named!(AF_INET), named!(AF_INET6)],
                errno: libc::EAFNOSUPPORT,
            },
            Allow("connect"),
            Allow("sendto"),
            Allow("recvfrom"),
            Allow("sendmsg"),
            Allow("recvmsg"),
            Allow("shutdown"),
            Allow("getsockname"),
            Allow("getpeername"),
            sol_socket_option!("getsockopt", SO_ERROR),
            sol_socket_option!("getsockopt", SO_TYPE),
            sol_socket_option!("getsockopt", SO_RCVBUF),
            sol_socket_option!("getsockopt", SO_SNDBUF),
            sol_socket_option!("setsockopt", SO_RCVBUF),
            sol_socket_option!("setsockopt", SO_SNDBUF),
            sol_socket_option!("setsockopt", SO_RCVTIMEO),
            sol_socket_option!("setsockopt", SO_SNDTIMEO),
        ],
    },
    Section {
        title: "Leaving",
        why: "A kit leaves with _exit.",
        rules: &[Allow("exit"), Allow("exit_group"), Allow("restart_syscall")],
    },
];

/// Every rule, in table order.
pub(super) fn rules() -> impl Iterator<Item = &'static Rule> {
    SECTIONS.iter().flat_map(|section| section.rules.iter())
}
