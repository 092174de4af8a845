//! The zygote: a single-threaded process that preinitialises LibreOffice once and clones kits.
//!
//! A fork-like `clone(2)` and `unshare(CLONE_NEWUSER)` are only sound in a single-threaded
//! process, so this process never starts a thread of its own, never runs an async runtime, and
//! logs with plain `eprintln!`. LibreOffice's preinit leaves one `configmgrWriter` thread for about a second:
//! [`threads::wait_until_single_threaded`] runs before every fork. The front end talks to the
//! zygote over the control channel (control.rs).

pub mod cgroup;
mod fds;
mod huge_pages;
mod profile;
mod reap;
mod spawn;
pub mod threads;

use std::collections::HashMap;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::time::Instant;

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use oxool_kit::lok::LokLibrary;
use oxool_kit::seccomp::SeccompProgram;
use oxool_proto::Message;

use crate::control::{self, ControlError};
use oxool_settings::{KitEntry, KitSettings};

#[derive(Debug, thiserror::Error)]
pub enum ZygoteError {
    #[error("preparing the preinit profile in {dir}: {source}")]
    Profile { dir: String, source: std::io::Error },
    #[error("loading LibreOffice: {0}")]
    Lok(#[from] oxool_kit::lok::LokError),
    #[error("after LibreOffice's preinit: {0}")]
    PreinitThread(threads::StillThreaded),
    #[error("compiling the kit's seccomp filter: {0}")]
    Seccomp(#[from] oxool_kit::seccomp::SeccompError),
    #[error("refreshing the systemplate: {0}")]
    Systemplate(#[from] oxool_systemplate::SetupError),
    #[error("setting up SIGCHLD handling: {0}")]
    Signals(nix::Error),
    #[error("listing the descriptors LibreOffice's preinit left open: {0}")]
    PreinitFds(std::io::Error),
    #[error(
        "LibreOffice's preinit left a socket open (fd {fd}: {target}); every kit would inherit \
         it, a way out of the jail, so this forkit refuses to serve"
    )]
    PreinitSocket { fd: i32, target: String },
    #[error("control channel: {0}")]
    Control(#[from] ControlError),
}

/// What the zygote keeps for each live kit.
pub struct KitRecord {
    pub jail_id: String,
    /// Set when the front end asked for the kill, so the SIGKILL is not mistaken for the OOM killer.
    pub kill_requested: bool,
}

/// Runs the zygote until the front end goes away. Never returns.
pub fn run(kit: &KitSettings, cgroups: &cgroup::KitCgroups, control: OwnedFd) -> ! {
    let status = match serve(kit, cgroups, &control) {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("oxool-forkit zygote: {err}");
            let _ = control::send(
                control.as_raw_fd(),
                &Message::new("failed").arg("reason", err.to_string()),
                None,
            );
            1
        }
    };
    oxool_kit::answer::leave(status)
}

fn serve(
    kit: &KitSettings,
    cgroups: &cgroup::KitCgroups,
    control: &OwnedFd,
) -> Result<(), ZygoteError> {
    die_with_parent();
    let started = Instant::now();
    remove_stale_jails(&kit.jails_root);

    if kit.systemplate.exists() {
        oxool_systemplate::refresh_dynamic(&kit.systemplate)?;
    }
    let lok = match kit.entry {
        KitEntry::Lok => Some(preinit(kit)?),
        KitEntry::Probe => None,
    };
    // Preinit's own thread may still write the profile: only once it has ended is the set of
    // open descriptors what every kit inherits.
    threads::wait_until_single_threaded().map_err(ZygoteError::PreinitThread)?;
    let preinit_fds = fds::record_preinit_fds(control.as_raw_fd())?;
    // After preinit: LibreOffice resets the signal mask while it starts (SIG_SETMASK to
    // nothing), which would unblock SIGCHLD and starve the signalfd.
    let sigchld = block_sigchld()?;
    let seccomp = SeccompProgram::compile_kit_allowlist()?;
    // Last before the first fork: every kit's fork then copies a few hundred page-table entries
    // instead of tens of thousands (huge_pages.rs).
    if kit.huge_pages {
        let collapsed = huge_pages::collapse_anonymous_memory();
        eprintln!(
        "oxool-forkit zygote: {} MiB of preinitialised memory in huge pages ({} ranges refused{})",
        collapsed.bytes >> 20,
        collapsed.refused,
        collapsed
            .last_error
            .map(|errno| format!(", errno {errno}"))
            .unwrap_or_default()
        );
    }
    let lo_version = profile::installed_version(&kit.program_dir).unwrap_or_default();
    control::send(
        control.as_raw_fd(),
        &Message::new("preinited")
            .arg("ms", started.elapsed().as_millis())
            .arg("lo_version", lo_version),
        None,
    )?;

    let mut kits: HashMap<i32, KitRecord> = HashMap::new();
    let spawner = spawn::Spawner::new(kit, cgroups, lok.as_ref(), &seccomp, preinit_fds);
    spawner.prepare_next();
    loop {
        let (control_ready, child_ready) = wait_for_events(control, &sigchld)?;
        if child_ready {
            reap::drain_signalfd(&sigchld);
            for exit in reap::reap_exited(&mut kits, &kit.jails_root, cgroups) {
                control::send(control.as_raw_fd(), &exit, None)?;
            }
        }
        if control_ready {
            match control::recv(control.as_raw_fd()) {
                Ok((message, _)) => handle(&message, &spawner, &mut kits, control)?,
                Err(ControlError::Closed) => {
                    spawner.discard_prepared();
                    reap::kill_all(&kits);
                    reap::reap_all(&mut kits, cgroups);
                    return Ok(());
                }
                Err(ControlError::Socket(nix::Error::EAGAIN | nix::Error::EINTR)) => {}
                Err(err) => return Err(err.into()),
            }
        }
    }
}

fn handle(
    message: &Message,
    spawner: &spawn::Spawner,
    kits: &mut HashMap<i32, KitRecord>,
    control: &OwnedFd,
) -> Result<(), ZygoteError> {
    match message.name.as_str() {
        "spawn" => {
            let reply = match spawner.spawn() {
                Ok((pid, jail_id, wsd_end, (fork_took, cgroup_took))) => {
                    let msg = Message::new("spawned")
                        .arg("pid", pid)
                        .arg("jail", &jail_id)
                        .arg("fork_us", fork_took.as_micros())
                        .arg("cgroup_us", cgroup_took.as_micros());
                    kits.insert(
                        pid,
                        KitRecord {
                            jail_id,
                            kill_requested: false,
                        },
                    );
                    control::send(control.as_raw_fd(), &msg, Some(wsd_end.as_raw_fd()))?;
                    spawner.prepare_next();
                    return Ok(());
                }
                Err(err) => Message::new("spawnfailed").arg("reason", err.to_string()),
            };
            control::send(control.as_raw_fd(), &reply, None)?;
        }
        "kill" => {
            let pid: i32 = message.parse_arg("pid").unwrap_or(0);
            reap::kill_kit(kits, pid);
        }
        "abort" => {
            let pid: i32 = message.parse_arg("pid").unwrap_or(0);
            reap::abort_kit(kits, pid);
        }
        other => eprintln!("oxool-forkit zygote: ignoring unknown control message {other:?}"),
    }
    Ok(())
}

/// Jails left by a forkit that died without reaping its kits (SIGKILL, crash): its kits died
/// with it (PR_SET_PDEATHSIG), and this forkit owns the jails directory now.
fn remove_stale_jails(jails_root: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(jails_root) else {
        return;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        match oxool_kit::jail::remove_jail_dir(jails_root, &name) {
            Ok(()) => removed += 1,
            Err(err) => eprintln!("oxool-forkit zygote: stale jail {name} left alone: {err}"),
        }
    }
    if removed > 0 {
        eprintln!("oxool-forkit zygote: removed {removed} stale jails of an earlier forkit");
    }
}

/// Component libraries (the names preinit's `preload:` line prints) that no kit uses.
const UNUSED_COMPONENT_LIBRARIES: &[&str] = &[
    // scripting runtimes: macros are off, and there is no Java or Python in the jail
    "pythonloader",
    "javaloader",
    "javavm",
    "jdbc",
    // database drivers and Base's user interface
    "hsqldb",
    "firebird_sdbc",
    "mysql_jdbc",
    "mysqlc",
    "odbc",
    "dbase",
    "evoab",
    "abp",
    "flat",
    "dbu",
    "dba",
    "dbaxml",
    "dbp",
    "dbpool2",
    "rpt",
    "rptui",
    "rptxml",
    // network content providers and services: kits have no network
    "ucpftp1",
    "ucpgio1",
    "ucpdav1",
    "ldapbe2",
    "mozbootstrap",
    // desktop integration that a headless kit never shows
    "cmdmail",
    "losessioninstall",
    "LanguageTool",
    "PresenterScreen",
    "OGLTrans",
    "avmediagst",
    "deploymentgui",
    "migrationoo2",
    "migrationoo3",
];

/// Loads LibreOffice once; every kit shares these pages copy-on-write.
fn preinit(kit: &KitSettings) -> Result<LokLibrary, ZygoteError> {
    let profile_url = profile::prepare(&kit.program_dir, &kit.seed_profile, &kit.profile_dir)
        .map_err(|source| ZygoteError::Profile {
            dir: kit.profile_dir.display().to_string(),
            source,
        })?;
    // 7.4's preinit ignores its profile argument and reads UserInstallation instead
    // (docs/design.md, "LibreOffice's profile and preinit"). Single-threaded here, so setting the
    // environment is sound.
    std::env::set_var("UserInstallation", &profile_url);
    std::env::set_var("PATH", "/usr/bin:/bin");
    // LibreOffice writes temporary files under $HOME while it starts (mkstemp of ~/.execooo…);
    // forkit's system user has no home (/nonexistent), so point it at the fresh, writable
    // profile directory instead of whatever the service manager set.
    std::env::set_var("HOME", &kit.profile_dir);
    // LibreOffice's own knob: component libraries preinit must not load. A kit never runs
    // macros or database drivers, never reaches the network and has no Java or Python, so these
    // would only add mappings (each one makes every fork slower) and shared memory.
    std::env::set_var("UNODISABLELIBRARY", UNUSED_COMPONENT_LIBRARIES.join(" "));
    // LibreOffice's "system" text encoding comes from the locale's codeset; without one (wsd
    // starts forkit with an empty environment) it is Latin-1, and exports that use it (Calc's
    // CSV, whose charset token LOK 7.4's saveAs cannot pass intact) lose every other script.
    // Only the character type is set: the language of documents comes from the load options.
    std::env::remove_var("LC_ALL");
    std::env::set_var("LC_CTYPE", "C.UTF-8");
    // The languages LibreOffice enables (spell checking, language lists): read once, by preinit,
    // which also loads their hunspell dictionaries so that every kit shares them copy-on-write.
    // Unset, LibreOffice "turns off the language support" and checks no spelling at all.
    let allowlist = oxool_settings::languages::lok_allowlist(&kit.languages);
    if allowlist.is_empty() {
        std::env::remove_var("LOK_ALLOWLIST_LANGUAGES");
    } else {
        std::env::set_var("LOK_ALLOWLIST_LANGUAGES", allowlist);
    }
    let lok = LokLibrary::open(&kit.program_dir)?;
    lok.preinit(&kit.program_dir, &profile_url)?;
    Ok(lok)
}

/// The zygote must not outlive the front end that owns it (and its kits must not outlive it).
fn die_with_parent() {
    // SAFETY: prctl(PR_SET_PDEATHSIG) only sets a flag on this process.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
}

/// SIGCHLD is blocked and read through a signalfd, so reaping happens in the one loop, never in a
/// signal handler. Kits unblock it again right after fork.
fn block_sigchld() -> Result<SignalFd, ZygoteError> {
    let mut mask = SigSet::empty();
    mask.add(Signal::SIGCHLD);
    mask.thread_block().map_err(ZygoteError::Signals)?;
    SignalFd::with_flags(&mask, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK)
        .map_err(ZygoteError::Signals)
}

fn wait_for_events(control: &OwnedFd, sigchld: &SignalFd) -> Result<(bool, bool), ZygoteError> {
    let mut fds = [
        PollFd::new(control.as_fd(), PollFlags::POLLIN),
        PollFd::new(sigchld.as_fd(), PollFlags::POLLIN),
    ];
    // The timeout is a safety net: reaping also runs when no SIGCHLD arrived for a second.
    match poll(&mut fds, PollTimeout::from(1000u16)) {
        Ok(_) | Err(nix::Error::EINTR) => {}
        Err(err) => return Err(ZygoteError::Control(err.into())),
    }
    let ready = |fd: &PollFd| fd.revents().is_some_and(|r| !r.is_empty());
    let timed_out = fds.iter().all(|fd| !ready(fd));
    Ok((ready(&fds[0]), ready(&fds[1]) || timed_out))
}
