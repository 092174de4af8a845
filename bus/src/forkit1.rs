//! `org.oxool.Forkit1` at `/org/oxool/Forkit1`: forkit's interface, which wsd calls.
//!
//! | member | signature | meaning |
//! |---|---|---|
//! | `SpawnKit()` | `→ (h socket, u pid, s jail_id)` | a jailed kit that reported `ready`; the socket speaks docs/kit-protocol.md |
//! | `KillKit(u pid)` | `→ ()` | SIGKILL a kit this forkit spawned (hung conversions); other pids are refused |
//! | `AbortKit(u pid)` | `→ ()` | SIGABRT a kit this forkit spawned, so that it writes its backtrace to stderr (the journal) before it dies; SIGKILL if it still runs 3 s later. For a kit that hung where it should not (loading a document) |
//! | `Stats()` | `→ a{sv}` | [`ForkitStats`], a dictionary on the wire (one key per field, counters `t`, `cgroup_mode` `s`) so that a counter can be added without changing the signature |
//! | signal `KitExited` | `(u pid, s jail_id, i status, b oom)` | a kit was reaped; `status` is the exit code, or minus the signal number when killed or crashed (a kit, PID 1 of its namespace, that cannot die of its crash signal exits 128 + N after its backtrace, and is reported as −N) |
//!
//! The same object is served on the system bus (systemd) or peer-to-peer on a socket wsd passed
//! us: one code path, two transports.

use zbus::zvariant::{DeserializeDict, OwnedFd, SerializeDict, Type};

pub const BUS_NAME: &str = "org.oxool.Forkit1";
pub const OBJECT_PATH: &str = "/org/oxool/Forkit1";

/// The client side; forkit/src/frontend/dbus.rs serves the same members.
#[zbus::proxy(
    interface = "org.oxool.Forkit1",
    default_service = "org.oxool.Forkit1",
    default_path = "/org/oxool/Forkit1"
)]
pub trait Forkit1 {
    fn spawn_kit(&self) -> zbus::Result<(OwnedFd, u32, String)>;
    fn kill_kit(&self, pid: u32) -> zbus::Result<()>;
    fn abort_kit(&self, pid: u32) -> zbus::Result<()>;
    fn stats(&self) -> zbus::Result<ForkitStats>;
    #[zbus(signal)]
    fn kit_exited(&self, pid: u32, jail_id: String, status: i32, oom: bool) -> zbus::Result<()>;
}

/// forkit's counters since it started, as `Stats()` gives them (and `Wsd1.ListKits()` passes on).
#[derive(Debug, Clone, Default, PartialEq, Eq, SerializeDict, DeserializeDict, Type)]
#[zvariant(signature = "a{sv}")]
pub struct ForkitStats {
    /// How long preloading LibreOffice took in the zygote.
    pub preinit_ms: u64,
    pub spawned: u64,
    pub spawn_failures: u64,
    pub handed_out: u64,
    /// SpawnKit answered from the pool of ready kits, or with a kit spawned for the call.
    pub pool_hits: u64,
    pub pool_misses: u64,
    pub exited: u64,
    /// Ended by a signal other than SIGKILL (not out of memory, not seccomp).
    pub crashed: u64,
    pub oom_killed: u64,
    pub seccomp_killed: u64,
    /// Jails whose files were linked rather than bind-mounted (docs/config.md).
    pub link_fallback_jails: u64,
    /// Sums over every kit, for averages: spawn request → `ready`, fork, the cgroup steps and
    /// the jail's set-up, in microseconds.
    pub spawn_to_ready_us_sum: u64,
    pub fork_us_sum: u64,
    pub cgroup_us_sum: u64,
    pub jail_setup_us_sum: u64,
    /// Kits ready in the pool now, and how many the pool aims to keep ready now.
    pub ready_in_pool: u64,
    pub pool_target: u64,
    /// How kits are bounded: `v2`, `v1` (one cgroup per kit) or `rlimits` (docs/config.md).
    pub cgroup_mode: String,
}

impl ForkitStats {
    /// Every field by its name on the wire, as text, for listings (`oxoolctl kits`).
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        let counters = [
            ("preinit_ms", self.preinit_ms),
            ("spawned", self.spawned),
            ("spawn_failures", self.spawn_failures),
            ("handed_out", self.handed_out),
            ("pool_hits", self.pool_hits),
            ("pool_misses", self.pool_misses),
            ("exited", self.exited),
            ("crashed", self.crashed),
            ("oom_killed", self.oom_killed),
            ("seccomp_killed", self.seccomp_killed),
            ("link_fallback_jails", self.link_fallback_jails),
            ("spawn_to_ready_us_sum", self.spawn_to_ready_us_sum),
            ("fork_us_sum", self.fork_us_sum),
            ("cgroup_us_sum", self.cgroup_us_sum),
            ("jail_setup_us_sum", self.jail_setup_us_sum),
            ("ready_in_pool", self.ready_in_pool),
            ("pool_target", self.pool_target),
        ];
        let mut entries: Vec<(&'static str, String)> = counters
            .into_iter()
            .map(|(name, value)| (name, value.to_string()))
            .collect();
        entries.push(("cgroup_mode", self.cgroup_mode.clone()));
        entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zbus::zvariant::{serialized::Context, to_bytes, LE};

    #[test]
    fn stats_travel_as_a_dictionary_and_come_back_whole() {
        assert_eq!(ForkitStats::SIGNATURE.to_string(), "a{sv}");
        let stats = ForkitStats {
            spawned: 7,
            crashed: 1,
            cgroup_mode: "v2".into(),
            ..ForkitStats::default()
        };
        let bytes = to_bytes(Context::new_dbus(LE, 0), &stats).unwrap();
        let (back, _): (ForkitStats, _) = bytes.deserialize().unwrap();
        assert_eq!(back, stats);
        assert_eq!(stats.entries().len(), 18);
    }
}
