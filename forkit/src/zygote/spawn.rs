//! Creating one kit from the zygote: one `clone(2)` into the kit's own user and PID namespaces
//! (`jail::clone_kit`), like a fork but with no process outside nameable from the child.

use std::os::fd::{OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use nix::sys::signal::{SigSet, Signal};
use nix::unistd::{getgid, getuid};
use oxool_kit::jail::{self, JailConfig, Rlimits};
use oxool_kit::lok::LokLibrary;
use oxool_kit::seccomp::SeccompProgram;
use oxool_kit::serve::{self, Entry, KitSetup};
use oxool_kit::sys::Cloned;

use super::cgroup::{self, KitCgroups};
use super::threads;
use oxool_settings::{KitEntry, KitSettings};

/// Why one kit could not be cloned; one variant per step. The zygote reports it to the front end
/// as the `reason` of `spawnfailed`.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("socketpair for a kit: {0}")]
    SocketPair(std::io::Error),
    #[error(transparent)]
    StillThreaded(#[from] threads::StillThreaded),
    #[error("placing the kit in its cgroup: {0}")]
    Cgroup(cgroup::CgroupError),
    #[error("clone of the kit: {0}")]
    Clone(oxool_kit::jail::JailError),
}

/// The largest document a kit accepts in one frame (the wire limit; wsd enforces its own,
/// usually smaller, upload limit before anything reaches a kit).
const MAX_DOCUMENT_BYTES: u32 = 1 << 30;

pub struct Spawner<'a> {
    kit: &'a KitSettings,
    cgroups: &'a KitCgroups,
    lok: Option<&'a LokLibrary>,
    seccomp: &'a SeccompProgram,
    /// What LibreOffice's preinit left open (no socket among them): with its kit socket and
    /// stdio, all a kit keeps; the zygote's control socket and signalfd are closed in the kit.
    preinit_fds: Vec<RawFd>,
    ro_binds: Vec<std::path::PathBuf>,
    /// This process's pid, as the kits' probes name their parent.
    zygote_pid: i32,
    /// The jail id of the next kit, whose cgroup is already made and warmed up
    /// ([`Spawner::prepare_next`]).
    prepared: std::cell::RefCell<Option<String>>,
}

impl<'a> Spawner<'a> {
    pub fn new(
        kit: &'a KitSettings,
        cgroups: &'a KitCgroups,
        lok: Option<&'a LokLibrary>,
        seccomp: &'a SeccompProgram,
        preinit_fds: Vec<RawFd>,
    ) -> Self {
        Spawner {
            kit,
            cgroups,
            lok,
            seccomp,
            preinit_fds,
            ro_binds: oxool_systemplate::default_ro_binds(),
            zygote_pid: std::process::id() as i32,
            prepared: std::cell::RefCell::new(None),
        }
    }

    /// Clones one kit. Returns its pid (as the zygote sees it), its jail id, wsd's end of its
    /// socket, how long the clone itself took (copying the zygote's page tables: the price of
    /// preinit) and how long the cgroup steps around it took.
    pub fn spawn(&self) -> Result<(i32, String, OwnedFd, (Duration, Duration)), SpawnError> {
        let (wsd_end, kit_end) = UnixStream::pair().map_err(SpawnError::SocketPair)?;
        let prepared = self.prepared.borrow_mut().take();
        let jail_id = prepared.clone().unwrap_or_else(jail::new_jail_id);
        let setup = KitSetup {
            jail: JailConfig {
                jails_root: self.kit.jails_root.clone(),
                jail_id: jail_id.clone(),
                systemplate: self.kit.systemplate.clone(),
                ro_binds: self.ro_binds.clone(),
                outer_uid: getuid().as_raw(),
                outer_gid: getgid().as_raw(),
                rlimits: Rlimits {
                    address_space_mb: cgroup::rlimit_fallback_mb(self.cgroups, self.kit),
                    file_size_mb: self.kit.limit_file_size_mb,
                    open_files: self.kit.limit_open_files,
                    stack_kb: self.kit.limit_stack_kb,
                },
                allow_link_fallback: self.kit.allow_link_fallback,
                tmp_size_mb: self.kit.tmp_size_mb,
            },
            socket: OwnedFd::from(kit_end),
            entry: match self.kit.entry {
                KitEntry::Lok => Entry::Lok,
                KitEntry::Probe => Entry::Probe,
            },
            program_dir: self.kit.program_dir.clone(),
            max_document_bytes: MAX_DOCUMENT_BYTES,
            // Inside its PID namespace the kit's getppid() is 0: it learns the zygote's pid here.
            parent_pid: self.zygote_pid,
            preinit_fds: self.preinit_fds.clone(),
        };
        threads::wait_until_single_threaded()?;
        // The kit is born in its own cgroup: the zygote steps in for the fork (cgroup/mod.rs).
        let cgroup_started = Instant::now();
        match prepared {
            Some(_) => self.cgroups.enter_prepared(&jail_id),
            None => self.cgroups.create_and_enter(&jail_id),
        }
        .map_err(SpawnError::Cgroup)?;
        let fork_started = Instant::now();
        // SAFETY: the zygote is single-threaded (checked just above), so the child gets a
        // consistent copy of every lock and allocator state; the child only runs the kit's own
        // code and leaves with _exit.
        match unsafe { jail::clone_kit() } {
            Ok(Cloned::Child) => {
                drop(wsd_end);
                self.become_kit(setup)
            }
            Ok(Cloned::Parent { pid }) => {
                let fork_took = fork_started.elapsed();
                self.cgroups.leave_or_exit();
                let cgroup_took = cgroup_started.elapsed() - fork_took;
                drop(setup);
                let took = (fork_took, cgroup_took);
                Ok((pid, jail_id, OwnedFd::from(wsd_end), took))
            }
            Err(err) => {
                self.cgroups.leave_or_exit();
                self.cgroups.remove(&jail_id);
                Err(SpawnError::Clone(err))
            }
        }
    }

    /// While the zygote is idle: the next kit's cgroup, made and warmed up (entered and left
    /// once), so that a spawn only moves the zygote in and out. The first move into a new cgroup
    /// costs ~0.6 ms more than later ones (v1's cpu controller, measured), which would otherwise
    /// land on every prespawn miss. A failure is only logged: the spawn then makes its own.
    pub fn prepare_next(&self) {
        if self.prepared.borrow().is_some() {
            return;
        }
        let jail_id = jail::new_jail_id();
        match self.cgroups.prepare(&jail_id) {
            Ok(()) => *self.prepared.borrow_mut() = Some(jail_id),
            Err(err) => eprintln!("oxool-forkit zygote: preparing the next kit's cgroup: {err}"),
        }
    }

    /// When the zygote stops: the prepared cgroup, which no kit will use.
    pub fn discard_prepared(&self) {
        if let Some(jail_id) = self.prepared.borrow_mut().take() {
            self.cgroups.remove(&jail_id);
        }
    }

    /// In the child: undo what belongs to the zygote, then run the kit (never returns). The
    /// zygote's descriptors (control socket, signalfd) are closed by run_kit, which keeps only
    /// the kit socket, stdio and `preinit_fds`.
    fn become_kit(&self, setup: KitSetup) -> ! {
        let mut mask = SigSet::empty();
        mask.add(Signal::SIGCHLD);
        let _ = mask.thread_unblock();
        // A kit must not outlive its zygote.
        // SAFETY: prctl(PR_SET_PDEATHSIG) only sets a flag on this process.
        unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
        // LibreOffice probes $HOME and puts temporary directories under $TMPDIR: both point
        // into the jail's private /tmp. Single-threaded, so changing the environment is sound.
        std::env::set_var("HOME", "/tmp/home");
        std::env::set_var("TMPDIR", "/tmp");
        serve::run_kit(setup, self.lok, self.seccomp)
    }
}
