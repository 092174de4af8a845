//! cgroup v1: one hierarchy per controller (or `cpu,cpuacct` together). No rule against
//! processes beside child cgroups, so kits go to `<own>/oxool-forkit-<pid>/<jail_id>` in each
//! hierarchy, next to whatever else shares forkit's cgroup (`make run`, the test machines).

use std::path::PathBuf;

use super::discover::{Hierarchy, Version};
use super::{
    make_kits_idle, mkdir, read_counter, remove_stale_groups, set, write, CgroupError, Limits,
    CONTROLLERS, GROUP_PREFIX,
};

pub struct Tree {
    /// Per controller used: (name, forkit's own cgroup, the per-forkit group of kits).
    controllers: Vec<Controller>,
    limits: Limits,
}

struct Controller {
    name: &'static str,
    home: PathBuf,
    group: PathBuf,
}

impl Tree {
    /// `Ok(None)`: no v1 hierarchy has the memory controller.
    pub fn prepare(
        hierarchies: &[Hierarchy],
        limits: Limits,
        pid: u32,
    ) -> Result<Option<Tree>, CgroupError> {
        let mut controllers = Vec::new();
        for name in CONTROLLERS {
            let Some(hierarchy) = hierarchies
                .iter()
                .find(|h| h.version == Version::V1 && h.controllers.iter().any(|c| c == name))
            else {
                continue;
            };
            // Two controllers mounted together share one directory: use it once.
            if controllers
                .iter()
                .any(|c: &Controller| c.home == hierarchy.own_dir)
            {
                continue;
            }
            controllers.push(Controller {
                name,
                home: hierarchy.own_dir.clone(),
                group: hierarchy.own_dir.join(format!("{GROUP_PREFIX}{pid}")),
            });
        }
        if !controllers.iter().any(|c| c.name == "memory") {
            return Ok(None);
        }
        for controller in &mut controllers {
            remove_stale_groups(&controller.home, pid);
            mkdir(&controller.group)?;
            if controller.name == "cpu" && limits.idle {
                make_kits_idle(&controller.group)?;
                // The zygote's work (cgroups made and removed, kits cloned and reaped) is for
                // the pool too: between forks it waits inside the idle group, beside the kits
                // (v1 allows processes next to child cgroups). The front end stays outside.
                controller.home = controller.group.clone();
            }
        }
        Ok(Some(Tree {
            controllers,
            limits,
        }))
    }

    pub fn create(&self, jail_id: &str) -> Result<(), CgroupError> {
        for controller in &self.controllers {
            let dir = controller.group.join(jail_id);
            mkdir(&dir)?;
            match controller.name {
                "memory" => {
                    if let Some(bytes) = self.limits.memory_bytes {
                        set(&dir, "memory.limit_in_bytes", bytes.to_string())?;
                        // Memory plus swap at the same bound: no swap. Absent without swap
                        // accounting (swapaccount=0), where the kernel cannot bound it.
                        if dir.join("memory.memsw.limit_in_bytes").exists() {
                            set(&dir, "memory.memsw.limit_in_bytes", bytes.to_string())?;
                        }
                    }
                }
                "pids" => {
                    let value = self.limits.pids.map_or("max".into(), |n| n.to_string());
                    set(&dir, "pids.max", value)?;
                }
                _ => {
                    // cpu.shares is weight-like: 1024 is v2's weight 100.
                    let shares = (u64::from(self.limits.cpu_weight) * 1024 / 100).max(2);
                    set(&dir, "cpu.shares", shares.to_string())?;
                }
            }
        }
        Ok(())
    }

    pub fn enter(&self, jail_id: &str) -> Result<(), CgroupError> {
        for controller in &self.controllers {
            // `tasks`, not `cgroup.procs`: moving the calling thread alone skips the kernel's
            // global threadgroup lock (cgroup_procs_write_start), which stalled a fork for
            // milliseconds on a busy machine.
            // The zygote is single-threaded, so its one thread is the whole process.
            let path = controller.group.join(jail_id).join("tasks");
            write(&path, "0").map_err(|source| CgroupError::Enter { path, source })?;
        }
        Ok(())
    }

    pub fn leave(&self) -> Result<(), CgroupError> {
        for controller in &self.controllers {
            let path = controller.home.join("tasks");
            write(&path, "0").map_err(|source| CgroupError::Leave { path, source })?;
        }
        Ok(())
    }

    /// `memory.oom_control` counts OOM kills (since Linux 4.13); before that, a kit that hit
    /// its limit (`memory.failcnt`) and died of SIGKILL is the best sign there is.
    pub fn oom_killed(&self, jail_id: &str) -> bool {
        let Some(memory) = self.controllers.iter().find(|c| c.name == "memory") else {
            return false;
        };
        let dir = memory.group.join(jail_id);
        match read_counter(&dir.join("memory.oom_control"), "oom_kill") {
            Some(kills) => kills > 0,
            None => std::fs::read_to_string(dir.join("memory.failcnt"))
                .ok()
                .and_then(|t| t.trim().parse::<u64>().ok())
                .is_some_and(|n| n > 0),
        }
    }

    pub fn remove_own(&self) {
        for controller in &self.controllers {
            // A zygote that lives in the group (`kit.cpu_idle`) steps out first: a cgroup with
            // a task cannot be removed.
            if controller.home == controller.group {
                if let Some(outside) = controller.group.parent() {
                    let _ = write(&outside.join("tasks"), "0");
                }
            }
            let _ = std::fs::remove_dir(&controller.group);
        }
    }

    pub fn remove(&self, jail_id: &str) -> std::io::Result<()> {
        let mut first_error = None;
        for controller in &self.controllers {
            if let Err(err) = std::fs::remove_dir(controller.group.join(jail_id)) {
                first_error.get_or_insert(err);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}
