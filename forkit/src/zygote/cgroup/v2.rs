//! cgroup v2: one unified hierarchy, controllers handed down through `cgroup.subtree_control`.
//!
//! Delegated (systemd `Delegate=yes`): forkit's own cgroup holds only forkit. A cgroup with
//! processes cannot give its children controllers (the no-internal-processes rule), so forkit
//! moves into the leaf `<own>/forkit`, enables the controllers in `<own>` and `<own>/kits`, and
//! each kit gets `<own>/kits/<jail_id>`. In the root cgroup (exempt from that rule; a container
//! or `make run` as root in one) kits go to `<root>/oxool-forkit-<pid>/<jail_id>` instead.

use std::path::{Path, PathBuf};

use super::discover::{Hierarchy, Version};
use super::{
    make_kits_idle, mkdir, read_counter, remove_children, remove_stale_groups, set, write,
    CgroupError, Limits, CONTROLLERS, GROUP_PREFIX,
};

pub struct Tree {
    /// The cgroup the zygote lives in between forks.
    home: PathBuf,
    /// Whether `kits` is this forkit's own `oxool-forkit-<pid>` (removed when it stops).
    own_group: bool,
    /// The parent of every kit cgroup.
    kits: PathBuf,
    /// Of [`CONTROLLERS`], those this hierarchy offers.
    controllers: Vec<&'static str>,
    limits: Limits,
}

impl Tree {
    /// `Ok(None)`: there is no v2 hierarchy (with the memory controller, when `need_memory`).
    /// Without `need_memory` kits are only grouped, one cgroup each, with what the hierarchy
    /// offers (a hybrid host whose memory controller is v1 and read-only to us).
    pub fn prepare(
        hierarchies: &[Hierarchy],
        limits: Limits,
        pid: u32,
        need_memory: bool,
    ) -> Result<Option<Tree>, CgroupError> {
        let Some(unified) = hierarchies.iter().find(|h| h.version == Version::V2) else {
            return Ok(None);
        };
        let own = &unified.own_dir;
        let offered = std::fs::read_to_string(own.join("cgroup.controllers")).unwrap_or_default();
        let controllers: Vec<&'static str> = CONTROLLERS
            .into_iter()
            .filter(|c| offered.split_whitespace().any(|o| o == *c))
            .collect();
        if need_memory && !controllers.contains(&"memory") {
            return Ok(None);
        }
        let own_group = unified.own_path == "/";
        let (home, kits) = if own_group {
            let group = own.join(format!("{GROUP_PREFIX}{pid}"));
            enable(own, &controllers)?;
            remove_stale_groups(own, pid);
            mkdir(&group)?;
            (own.clone(), group)
        } else {
            move_into_leaf(own, pid)?
        };
        enable(&kits, &controllers)?;
        if limits.idle && controllers.contains(&"cpu") {
            make_kits_idle(&kits)?;
        }
        Ok(Some(Tree {
            home,
            own_group,
            kits,
            controllers,
            limits,
        }))
    }

    /// Whether kit cgroups here bound memory (else they only group each kit's processes).
    pub fn bounds_memory(&self) -> bool {
        self.controllers.contains(&"memory")
    }

    pub fn kit_dir(&self, jail_id: &str) -> PathBuf {
        self.kits.join(jail_id)
    }

    pub fn create(&self, jail_id: &str) -> Result<(), CgroupError> {
        let dir = self.kit_dir(jail_id);
        mkdir(&dir)?;
        let limit = |value: Option<u64>| value.map_or("max".to_string(), |v| v.to_string());
        if self.bounds_memory() {
            set(&dir, "memory.max", limit(self.limits.memory_bytes))?;
        }
        if self.bounds_memory() && self.limits.memory_bytes.is_some() {
            // Absent when the kernel accounts no swap (no swap to bound then).
            if dir.join("memory.swap.max").exists() {
                set(&dir, "memory.swap.max", "0".into())?;
            }
            // The kernel's OOM killer ends the whole kit, never leaves it half-dead.
            set(&dir, "memory.oom.group", "1".into())?;
        }
        if self.controllers.contains(&"pids") {
            set(&dir, "pids.max", limit(self.limits.pids))?;
        }
        if self.controllers.contains(&"cpu") {
            set(&dir, "cpu.weight", self.limits.cpu_weight.to_string())?;
        }
        Ok(())
    }

    pub fn enter(&self, jail_id: &str) -> Result<(), CgroupError> {
        let path = self.kit_dir(jail_id).join("cgroup.procs");
        // "0" is the writing process: the zygote, single-threaded, so its only thread moves.
        write(&path, "0").map_err(|source| CgroupError::Enter { path, source })
    }

    pub fn leave(&self) -> Result<(), CgroupError> {
        let path = self.home.join("cgroup.procs");
        write(&path, "0").map_err(|source| CgroupError::Leave { path, source })
    }

    /// `None` when the cgroup has no memory controller to ask.
    pub fn oom_killed(&self, jail_id: &str) -> Option<bool> {
        if !self.bounds_memory() {
            return None;
        }
        let events = self.kit_dir(jail_id).join("memory.events");
        Some(
            read_counter(&events, "oom_kill").is_some_and(|n| n > 0)
                || read_counter(&events, "oom_group_kill").is_some_and(|n| n > 0),
        )
    }

    pub fn remove(&self, jail_id: &str) -> std::io::Result<()> {
        std::fs::remove_dir(self.kit_dir(jail_id))
    }

    pub fn remove_own(&self) {
        if self.own_group {
            let _ = std::fs::remove_dir(&self.kits);
        }
    }
}

/// The delegated case: forkit (still one process) into `<own>/forkit`, controllers enabled in
/// `<own>`, kit cgroups of an earlier forkit in `<own>/kits` removed. Returns (home, kits).
fn move_into_leaf(own: &Path, pid: u32) -> Result<(PathBuf, PathBuf), CgroupError> {
    let leaf = own.join("forkit");
    let procs = std::fs::read_to_string(own.join("cgroup.procs")).unwrap_or_default();
    let others = procs
        .split_whitespace()
        .filter(|p| p.parse::<u32>().ok() != Some(pid))
        .count();
    if others > 0 {
        return Err(CgroupError::Shared {
            path: own.to_path_buf(),
            others,
        });
    }
    mkdir(&leaf)?;
    let leaf_procs = leaf.join("cgroup.procs");
    write(&leaf_procs, "0").map_err(|source| CgroupError::MoveToLeaf {
        path: leaf.clone(),
        source,
    })?;
    let offered = std::fs::read_to_string(own.join("cgroup.controllers")).unwrap_or_default();
    let controllers: Vec<&'static str> = CONTROLLERS
        .into_iter()
        .filter(|c| offered.split_whitespace().any(|o| o == *c))
        .collect();
    enable(own, &controllers)?;
    let kits = own.join("kits");
    mkdir(&kits)?;
    let removed = remove_children(&kits, false);
    if removed > 0 {
        eprintln!("oxool-forkit: removed {removed} stale kit cgroups of an earlier forkit");
    }
    Ok((leaf, kits))
}

fn enable(dir: &Path, controllers: &[&'static str]) -> Result<(), CgroupError> {
    let path = dir.join("cgroup.subtree_control");
    for controller in controllers {
        write(&path, &format!("+{controller}")).map_err(|source| {
            CgroupError::EnableController {
                controller,
                path: path.clone(),
                source,
            }
        })?;
    }
    Ok(())
}
