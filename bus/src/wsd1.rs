//! `org.oxool.Wsd1` at `/org/oxool/Wsd1`: wsd's administration interface, used by oxoolctl(1).
//!
//! | member | signature | meaning |
//! |---|---|---|
//! | `Status()` | `→ a{sv}` | `version` (s), `draining` (b), `uptime_s`, `documents`, `sessions`, `conversions_running`, `conversions_queued`, `conversions_total` (finished, any outcome), `conversions_converted`, and `kits_spawned`, `kits_ready`, `kits_exited`, `kits_crashed` from forkit (all `t`); `forkit_error` (s) instead of the kit counters when forkit does not answer |
//! | `ListDocuments()` | `→ a(ssu)` | key, WOPI host, sessions of each open document |
//! | `ListSessions()` | `→ a(sss)` | session id, document key, user name |
//! | `ListRecoveries()` | `→ a(sssttus)` | every checkpoint (wsd/src/recovery/): state (`open`: a document being edited whose edits storage lacks; `pending`: waiting to be stored after a restart or a close; `held:<why>`, e.g. `held:kit-crash-loop`: given up on after kit crashes, stored as a recovered copy beside the file), file name, document key, edit generation, time written (s since 1970), upload attempts, last upload error |
//! | `ListKits()` | `→ a{sv}` | forkit's `Stats()` ([`crate::forkit1::ForkitStats`]); an error when forkit is not running on the system bus (asking would D-Bus-activate it) |
//! | `KillKit(u pid)` | `→ ()` | SIGKILL of a kit through forkit (which refuses pids it did not spawn) |
//! | `CloseDocument(s key)` | `→ ()` | save and close one document |
//! | `Drain()` | `→ b` | take no new documents (`/cool/health` answers 503), open ones carry on; true when this call started draining |
//! | `Resume()` | `→ b` | take new documents again; true when it was draining |
//! | `Reload()` | `→ ()` | re-read and check the configuration file, as SIGHUP does; the error names the bad key |
//! | `RotateProofKeys()` | `→ ()` | new WOPI proof key; the current one becomes the old one |
//!
//! Documents and sessions come from the document brokers (editing/registry.rs); `CloseDocument`
//! of a key that is not open answers `org.oxool.Wsd1.Error.NoSuchDocument`.
//!
//! Transports: the system bus when `[forkit] bus = "system"` (the policy in
//! units/dbus/org.oxool.Wsd1.conf lets root and the group oxool call it), and, when
//! `net.admin_socket` is set, peer-to-peer on that unix socket, for root and wsd's own user.

use std::collections::HashMap;

use zbus::zvariant::OwnedValue;

pub const BUS_NAME: &str = "org.oxool.Wsd1";
pub const OBJECT_PATH: &str = "/org/oxool/Wsd1";

/// The client side (oxoolctl); wsd/src/admin.rs serves the same members.
#[zbus::proxy(
    interface = "org.oxool.Wsd1",
    default_service = "org.oxool.Wsd1",
    default_path = "/org/oxool/Wsd1"
)]
pub trait Wsd1 {
    fn status(&self) -> zbus::Result<HashMap<String, OwnedValue>>;
    fn list_documents(&self) -> zbus::Result<Vec<(String, String, u32)>>;
    fn list_sessions(&self) -> zbus::Result<Vec<(String, String, String)>>;
    #[allow(clippy::type_complexity)]
    fn list_recoveries(&self)
        -> zbus::Result<Vec<(String, String, String, u64, u64, u32, String)>>;
    fn list_kits(&self) -> zbus::Result<crate::forkit1::ForkitStats>;
    fn kill_kit(&self, pid: u32) -> zbus::Result<()>;
    fn close_document(&self, key: &str) -> zbus::Result<()>;
    fn drain(&self) -> zbus::Result<bool>;
    fn resume(&self) -> zbus::Result<bool>;
    fn reload(&self) -> zbus::Result<()>;
    fn rotate_proof_keys(&self) -> zbus::Result<()>;
}
