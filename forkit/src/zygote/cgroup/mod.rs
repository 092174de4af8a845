//! One cgroup per kit: memory (no swap), tasks and a CPU weight, set before the kit runs.
//!
//! Shape: [`prepare`] runs once in forkit's `main`, while forkit is still a single process,
//! and picks the mode: cgroup v2 ([`v2`]), cgroup v1 ([`v1`]) or, when neither can be written,
//! rlimits only (with one WARNING, logged by the front end). Per kit, in the single-threaded
//! zygote, in this order:
//!
//! 1. [`KitCgroups::create`]: the kit's cgroup with its limits, before anything else (usually
//!    ahead of time, while the zygote is idle: [`KitCgroups::prepare`] also enters and leaves
//!    it once, since the first move into a fresh cgroup is the slow one);
//! 2. [`KitCgroups::enter`]: the zygote writes itself into it right before the fork, so the kit
//!    is born inside it (no window in which it runs unbounded, no synchronisation with the kit);
//! 3. [`KitCgroups::leave`]: right after the fork the zygote goes back to its own cgroup;
//! 4. after the kit is reaped: [`KitCgroups::oom_killed`] reads whether the kernel's OOM killer
//!    ended it, then [`KitCgroups::remove`] deletes the cgroup.
//!
//! The zygote's own pages stay charged where they were (charges do not move with a task, v1's
//! `memory.move_charge_at_immigrate` is off by default); what the kit touches after the fork,
//! including its copy-on-write copies and its tmpfs `/tmp`, is charged to the kit.

mod discover;
mod v1;
mod v2;

use std::io;
use std::path::{Path, PathBuf};

use oxool_settings::KitSettings;

/// The controllers a kit cgroup uses (v1: each its own hierarchy, or `cpu` beside `cpuacct`).
const CONTROLLERS: [&str; 3] = ["memory", "pids", "cpu"];

/// Per-forkit directory where kit cgroups sit when forkit's own cgroup is shared with others
/// (cgroup v1, the v2 root): `oxool-forkit-<pid>` of the front end.
const GROUP_PREFIX: &str = "oxool-forkit-";

/// One variant per step.
#[derive(Debug, thiserror::Error)]
pub enum CgroupError {
    #[error("reading /proc/self/cgroup and /proc/self/mountinfo: {0}")]
    Discover(io::Error),
    #[error("forkit's cgroup {path} also holds {others} other process(es); cgroup v2 gives controllers only to the children of a cgroup without processes: run forkit in a delegated cgroup of its own, as oxool-forkit.service does (Delegate=yes)")]
    Shared { path: PathBuf, others: usize },
    #[error("moving forkit into its leaf cgroup {path}: {source}")]
    MoveToLeaf { path: PathBuf, source: io::Error },
    #[error("enabling the {controller} controller in {path}: {source}")]
    EnableController {
        controller: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error("creating the cgroup {path}: {source}")]
    Create { path: PathBuf, source: io::Error },
    #[error("setting {path} to {value}: {source}")]
    Limit {
        path: PathBuf,
        value: String,
        source: io::Error,
    },
    #[error("moving the zygote into the kit cgroup {path}: {source}")]
    Enter { path: PathBuf, source: io::Error },
    #[error("moving the zygote back into {path}: {source}")]
    Leave { path: PathBuf, source: io::Error },
}

/// What [`prepare`] found: the value `Stats()` reports as `cgroup_mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    V2,
    V1,
    Rlimits,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::V2 => "v2",
            Mode::V1 => "v1",
            Mode::Rlimits => "rlimits",
        }
    }
}

/// The limits of each kit cgroup, from `[kit]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `memory.max`; `None` = unlimited.
    pub memory_bytes: Option<u64>,
    /// `pids.max`; `None` = unlimited.
    pub pids: Option<u64>,
    /// `cpu.weight` (1..=10000).
    pub cpu_weight: u32,
    /// `cpu.idle = 1` on the group of all kits ([`make_kits_idle`]).
    pub idle: bool,
}

impl Limits {
    pub fn from_settings(kit: &KitSettings) -> Limits {
        Limits {
            memory_bytes: (kit.memory_max_mb > 0)
                .then(|| kit.memory_max_mb.saturating_mul(1 << 20)),
            pids: (kit.pids_max > 0).then_some(kit.pids_max),
            cpu_weight: kit.cpu_weight,
            idle: kit.cpu_idle,
        }
    }
}

pub enum KitCgroups {
    V2(v2::Tree),
    V1(v1::Tree),
    /// No cgroup could be used: the kit gets RLIMIT_AS instead (see [`rlimit_fallback_mb`]),
    /// as it does in a v2 tree without the memory controller.
    Rlimits,
}

/// Picks the mode and prepares the tree kits go into. Never fails: when no cgroup can be used
/// it returns [`KitCgroups::Rlimits`] and the reason, for the one warning the front end logs.
/// Must run while forkit is a single process (v2 moves forkit's only process into a leaf).
pub fn prepare(kit: &KitSettings) -> (KitCgroups, Option<String>) {
    let limits = Limits::from_settings(kit);
    let pid = std::process::id();
    let hierarchies = match discover::hierarchies() {
        Ok(found) => found,
        Err(err) => {
            return (
                KitCgroups::Rlimits,
                Some(CgroupError::Discover(err).to_string()),
            )
        }
    };
    let mut reasons = Vec::new();
    match v2::Tree::prepare(&hierarchies, limits, pid, true) {
        Ok(Some(tree)) => return (KitCgroups::V2(tree), None),
        Ok(None) => {}
        Err(err) => reasons.push(format!("cgroup v2: {err}")),
    }
    match v1::Tree::prepare(&hierarchies, limits, pid) {
        Ok(Some(tree)) => return (KitCgroups::V1(tree), None),
        Ok(None) => {}
        Err(err) => reasons.push(format!("cgroup v1: {err}")),
    }
    if reasons.is_empty() {
        reasons.push("no memory controller is mounted (cgroup v2 or v1)".into());
    }
    let reason = Some(reasons.join("; "));
    // Memory stays bounded by rlimits, but each kit can still get a cgroup v2 of its own (a
    // hybrid host whose memory controller we may not write): one place per kit's processes.
    match v2::Tree::prepare(&hierarchies, limits, pid, false) {
        Ok(Some(tree)) => (KitCgroups::V2(tree), reason),
        _ => (KitCgroups::Rlimits, reason),
    }
}

/// `RLIMIT_AS` in MiB when no cgroup bounds a kit: the configured one, else `memory_max_mb`.
pub fn rlimit_fallback_mb(cgroups: &KitCgroups, kit: &KitSettings) -> u64 {
    if cgroups.mode() == Mode::Rlimits && kit.limit_virt_mem_mb == 0 {
        kit.memory_max_mb
    } else {
        kit.limit_virt_mem_mb
    }
}

impl KitCgroups {
    pub fn mode(&self) -> Mode {
        match self {
            KitCgroups::V2(tree) if tree.bounds_memory() => Mode::V2,
            // Kits grouped in v2 cgroups without the memory controller: bounded by rlimits.
            KitCgroups::V2(_) => Mode::Rlimits,
            KitCgroups::V1(_) => Mode::V1,
            KitCgroups::Rlimits => Mode::Rlimits,
        }
    }

    /// Step 1: the kit's cgroup, with its limits.
    pub fn create(&self, jail_id: &str) -> Result<(), CgroupError> {
        match self {
            KitCgroups::V2(tree) => tree.create(jail_id),
            KitCgroups::V1(tree) => tree.create(jail_id),
            KitCgroups::Rlimits => Ok(()),
        }
    }

    /// Step 2: the calling (single-threaded) zygote moves into the kit's cgroup.
    pub fn enter(&self, jail_id: &str) -> Result<(), CgroupError> {
        match self {
            KitCgroups::V2(tree) => tree.enter(jail_id),
            KitCgroups::V1(tree) => tree.enter(jail_id),
            KitCgroups::Rlimits => Ok(()),
        }
    }

    /// Step 3: the zygote back in its own cgroup. A zygote that cannot leave must stop
    /// forking: it would be counted, and OOM-killed, with the kit.
    pub fn leave(&self) -> Result<(), CgroupError> {
        match self {
            KitCgroups::V2(tree) => tree.leave(),
            KitCgroups::V1(tree) => tree.leave(),
            KitCgroups::Rlimits => Ok(()),
        }
    }

    /// Steps 1 and 2, right before the fork. On failure nothing is left behind.
    pub fn create_and_enter(&self, jail_id: &str) -> Result<(), CgroupError> {
        let result = self.create(jail_id).and_then(|()| self.enter(jail_id));
        if result.is_err() {
            self.leave_or_exit();
            self.remove(jail_id);
        }
        result
    }

    /// Steps 1 and 2 ahead of time, while the zygote is idle: the cgroup made, entered and
    /// left once. [`KitCgroups::enter_prepared`] then only moves the zygote in.
    pub fn prepare(&self, jail_id: &str) -> Result<(), CgroupError> {
        self.create_and_enter(jail_id)?;
        self.leave_or_exit();
        Ok(())
    }

    /// Step 2 for a prepared cgroup; on failure nothing is left behind.
    pub fn enter_prepared(&self, jail_id: &str) -> Result<(), CgroupError> {
        let result = self.enter(jail_id);
        if result.is_err() {
            self.leave_or_exit();
            self.remove(jail_id);
        }
        result
    }

    /// Step 3 in the zygote, right after the fork (or a failed fork).
    pub fn leave_or_exit(&self) {
        if let Err(err) = self.leave() {
            eprintln!(
                "oxool-forkit zygote: {err}; stopping rather than fork inside a kit's cgroup"
            );
            oxool_kit::answer::leave(1);
        }
    }

    /// Step 4a: whether the kernel's OOM killer ended a process of this kit's cgroup.
    /// `None` when there is no cgroup to ask.
    pub fn oom_killed(&self, jail_id: &str) -> Option<bool> {
        match self {
            KitCgroups::V2(tree) => tree.oom_killed(jail_id),
            KitCgroups::V1(tree) => Some(tree.oom_killed(jail_id)),
            KitCgroups::Rlimits => None,
        }
    }

    /// Step 4b: the reaped kit's cgroup removed (logged, not fatal, when it fails).
    pub fn remove(&self, jail_id: &str) {
        let result = match self {
            KitCgroups::V2(tree) => tree.remove(jail_id),
            KitCgroups::V1(tree) => tree.remove(jail_id),
            KitCgroups::Rlimits => Ok(()),
        };
        if let Err(err) = result {
            eprintln!("oxool-forkit zygote: removing the cgroup of kit {jail_id}: {err}");
        }
    }

    /// When forkit stops, after its kits are reaped: the per-forkit group, if it has one.
    pub fn remove_own(&self) {
        match self {
            KitCgroups::V2(tree) => tree.remove_own(),
            KitCgroups::V1(tree) => tree.remove_own(),
            KitCgroups::Rlimits => {}
        }
    }
}

/// Writes one cgroup file (one `write(2)`, as the kernel expects).
fn write(path: &Path, value: &str) -> io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new().write(true).open(path)?;
    file.write_all(value.as_bytes())
}

/// `mkdir` that accepts an existing directory (a restarted forkit finds its own again).
fn mkdir(path: &Path) -> Result<(), CgroupError> {
    match std::fs::create_dir(path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(CgroupError::Create {
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn set(dir: &Path, file: &str, value: String) -> Result<(), CgroupError> {
    let path = dir.join(file);
    write(&path, &value).map_err(|source| CgroupError::Limit {
        path,
        value,
        source,
    })
}

/// `[kit] cpu_idle`: the group that holds every kit (v1's and the v2 root's
/// `oxool-forkit-<pid>`, the delegated v2's `<service cgroup>/kits`) becomes idle-class, so a
/// process beside it that wakes (forkit's front end answering SpawnKit, and in v1 or the v2
/// root every process in forkit's cgroup, wsd among them) takes the CPU from a kit at once
/// instead of waiting out the kit's time slice. The kits still share what is left by their
/// `cpu.weight`. Why this is safe: it can only lower the kits' priority, never raise it.
/// A kernel without `cpu.idle` (before 5.15) leaves the kits as they were, with a warning.
fn make_kits_idle(kits: &Path) -> Result<(), CgroupError> {
    if !kits.join("cpu.idle").exists() {
        eprintln!(
            "oxool-forkit: kit.cpu_idle is set, but this kernel has no cpu.idle in {}; \
             kits keep the normal CPU class",
            kits.display()
        );
        return Ok(());
    }
    set(kits, "cpu.idle", "1".into())
}

/// The counter `key` of a flat-keyed cgroup file (`memory.events`, `memory.oom_control`).
fn read_counter(path: &Path, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().find_map(|line| {
        let (name, value) = line.split_once(' ')?;
        (name == key).then(|| value.trim().parse().ok()).flatten()
    })
}

/// Removes the kit cgroups (empty: their kits are dead) under `dir`, then `dir` itself when
/// `and_dir`. Returns how many were removed; a cgroup still in use stays (EBUSY).
fn remove_children(dir: &Path, and_dir: bool) -> usize {
    let mut removed = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.file_type().is_ok_and(|t| t.is_dir()) && std::fs::remove_dir(entry.path()).is_ok()
        {
            removed += 1;
        }
    }
    if and_dir {
        let _ = std::fs::remove_dir(dir);
    }
    removed
}

/// Per-forkit groups (`oxool-forkit-<pid>`) under `base` whose forkit is gone: removed with
/// their kit cgroups. A group of a live forkit (tests run several side by side) is left alone.
fn remove_stale_groups(base: &Path, own_pid: u32) {
    let mut removed = 0;
    for entry in std::fs::read_dir(base).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(GROUP_PREFIX)
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == own_pid || forkit_alive(pid) {
            continue;
        }
        removed += remove_children(&entry.path(), true);
    }
    if removed > 0 {
        eprintln!(
            "oxool-forkit: removed {removed} stale kit cgroups of an earlier forkit in {}",
            base.display()
        );
    }
}

fn forkit_alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .is_ok_and(|comm| comm.trim_end() == "oxool-forkit")
}
