//! `org.oxool.Forkit1` at `/org/oxool/Forkit1`: forkit's interface, which wsd calls.
//!
//! | member | signature | meaning |
//! |---|---|---|
//! | `SpawnKit()` | `→ (h socket, u pid, s jail_id)` | a jailed kit that reported `ready`; the socket speaks docs/kit-protocol.md |
//! | `KillKit(u pid)` | `→ ()` | SIGKILL a kit this forkit spawned (hung conversions); other pids are refused |
//! | `Stats()` | `→ a{sv}` | counters (all `t`): spawned, pool_hits, pool_misses, exited, crashed, oom_killed, seccomp_killed, link_fallback_jails, ready_in_pool, pool_target (kits the pool aims to keep ready now), preinit_ms, fork_us_sum, cgroup_us_sum, jail_setup_us_sum, spawn_to_ready_us_sum, …; and `cgroup_mode` (`s`): `v2`, `v1` or `rlimits` (docs/config.md) |
//! | signal `KitExited` | `(u pid, s jail_id, i status, b oom)` | a kit was reaped; `status` is the exit code, or minus the signal number when killed |
//!
//! The same object is served on the system bus (systemd) or peer-to-peer on a socket wsd passed
//! us: one code path, two transports.

use std::collections::HashMap;

use zbus::zvariant::{OwnedFd, OwnedValue};

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
    fn stats(&self) -> zbus::Result<HashMap<String, OwnedValue>>;
    #[zbus(signal)]
    fn kit_exited(&self, pid: u32, jail_id: String, status: i32, oom: bool) -> zbus::Result<()>;
}
