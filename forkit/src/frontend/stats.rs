//! Counters behind `Stats()` (oxool_bus::forkit1::ForkitStats).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use oxool_bus::forkit1::ForkitStats;

#[derive(Default)]
pub struct Stats {
    pub preinit_ms: AtomicU64,
    /// How kits are bounded: `v2`, `v1` (one cgroup per kit) or `rlimits` (no cgroup usable).
    pub cgroup_mode: &'static str,
    spawned: AtomicU64,
    spawn_failures: AtomicU64,
    handed_out: AtomicU64,
    pool_hits: AtomicU64,
    pool_misses: AtomicU64,
    exited: AtomicU64,
    crashed: AtomicU64,
    oom_killed: AtomicU64,
    seccomp_killed: AtomicU64,
    link_fallback_jails: AtomicU64,
    ready_us_sum: AtomicU64,
    fork_us_sum: AtomicU64,
    /// The zygote's cgroup steps per kit: create, enter before the clone, leave after it.
    cgroup_us_sum: AtomicU64,
    jail_setup_us_sum: AtomicU64,
}

impl Stats {
    pub fn count_spawned(&self) {
        self.spawned.fetch_add(1, Relaxed);
    }
    pub fn count_spawn_failure(&self) {
        self.spawn_failures.fetch_add(1, Relaxed);
    }
    pub fn count_handed_out(&self) {
        self.handed_out.fetch_add(1, Relaxed);
    }
    pub fn count_pool_hit(&self) {
        self.pool_hits.fetch_add(1, Relaxed);
    }
    pub fn count_pool_miss(&self) {
        self.pool_misses.fetch_add(1, Relaxed);
    }
    pub fn count_fork(&self, fork_us: u64) {
        self.fork_us_sum.fetch_add(fork_us, Relaxed);
    }
    pub fn count_cgroup(&self, cgroup_us: u64) {
        self.cgroup_us_sum.fetch_add(cgroup_us, Relaxed);
    }

    pub fn count_ready(&self, spawn_to_ready_us: u64, jail_setup_us: u64, fallback_mounts: bool) {
        self.ready_us_sum.fetch_add(spawn_to_ready_us, Relaxed);
        self.jail_setup_us_sum.fetch_add(jail_setup_us, Relaxed);
        if fallback_mounts {
            self.link_fallback_jails.fetch_add(1, Relaxed);
        }
    }

    /// Classifies one kit exit: status 70 is the kit's seccomp handler, a signal is a crash.
    pub fn count_exit(&self, status: i32, signal: i32, oom: bool) {
        self.exited.fetch_add(1, Relaxed);
        if oom {
            self.oom_killed.fetch_add(1, Relaxed);
        } else if status == 70 || signal == libc::SIGSYS {
            self.seccomp_killed.fetch_add(1, Relaxed);
        } else if signal != 0 && signal != libc::SIGKILL {
            self.crashed.fetch_add(1, Relaxed);
        }
    }

    /// What `Stats()` answers: every counter now, with the pool's state and the cgroup mode.
    pub fn snapshot(&self, ready_in_pool: usize, pool_target: usize) -> ForkitStats {
        ForkitStats {
            preinit_ms: self.preinit_ms.load(Relaxed),
            spawned: self.spawned.load(Relaxed),
            spawn_failures: self.spawn_failures.load(Relaxed),
            handed_out: self.handed_out.load(Relaxed),
            pool_hits: self.pool_hits.load(Relaxed),
            pool_misses: self.pool_misses.load(Relaxed),
            exited: self.exited.load(Relaxed),
            crashed: self.crashed.load(Relaxed),
            oom_killed: self.oom_killed.load(Relaxed),
            seccomp_killed: self.seccomp_killed.load(Relaxed),
            link_fallback_jails: self.link_fallback_jails.load(Relaxed),
            spawn_to_ready_us_sum: self.ready_us_sum.load(Relaxed),
            fork_us_sum: self.fork_us_sum.load(Relaxed),
            cgroup_us_sum: self.cgroup_us_sum.load(Relaxed),
            jail_setup_us_sum: self.jail_setup_us_sum.load(Relaxed),
            ready_in_pool: ready_in_pool as u64,
            pool_target: pool_target as u64,
            cgroup_mode: self.cgroup_mode.to_string(),
        }
    }
}
