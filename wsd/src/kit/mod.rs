//! wsd's kit-facing side, in one place: how kits are obtained ([`KitSpawner`], implemented by
//! [`forkit_client::ForkitClient`] over D-Bus `org.oxool.Forkit1`, peer-to-peer when wsd started
//! forkit itself, or on the system bus under systemd), what forkit reports of their exits
//! ([`exits`]), and the two ways wsd speaks docs/kit-protocol.md: one conversion per kit
//! ([`conversion`]) and an editing document's link ([`link`]), with the warmed kit kept in
//! reserve for editing ([`warm`]).

pub mod answer;
pub mod conversion;
pub mod exits;
pub mod forkit_client;
pub mod link;
pub mod warm;

use std::future::Future;
use std::pin::Pin;

use tokio::net::UnixStream;

/// A jailed kit, ready for one document. Dropping it closes the socket, which makes the kit exit.
#[derive(Debug)]
pub struct KitHandle {
    /// The wsd end of the kit's socket; `SO_PEERCRED` already checked against forkit's uid.
    pub stream: UnixStream,
    pub pid: u32,
    pub jail_id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("forkit is not reachable: {0}")]
    Unreachable(String),
    #[error("forkit could not spawn a kit: {0}")]
    Failed(String),
    #[error("the kit socket's peer is uid {found}, expected forkit's uid {expected}")]
    PeerCredentials { found: u32, expected: u32 },
    #[error("timed out waiting for a kit")]
    Timeout,
}

/// How a kit ended, from forkit's `KitExited` signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KitExit {
    /// The exit code, or minus the signal number.
    pub status: i32,
    /// The kernel's OOM killer ended it: the document needed more than `[kit] memory_max_mb`.
    pub oom: bool,
}

/// What wsd tells a document's users when its kit was killed for memory.
pub const OUT_OF_MEMORY: &str = "the document needed more memory than a kit may use";

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the request handlers need from forkit.
pub trait KitSpawner: Send + Sync + 'static {
    /// A fresh, jailed kit (from forkit's prespawned pool when one is ready).
    fn spawn_kit(&self) -> BoxFuture<'_, Result<KitHandle, SpawnError>>;
    /// Ends a kit that hangs or misbehaves (SIGKILL through forkit, which owns it).
    fn kill_kit(&self, pid: u32) -> BoxFuture<'_, Result<(), SpawnError>>;
    /// Ends a kit that hung where it should not, after it wrote its backtrace to the journal
    /// (SIGABRT through forkit, SIGKILL if that does not end it). Without forkit: a kill.
    fn abort_kit(&self, pid: u32) -> BoxFuture<'_, Result<(), SpawnError>> {
        self.kill_kit(pid)
    }
    /// How a kit whose socket broke has ended, waiting briefly for forkit's report (the socket
    /// closes before forkit has reaped the kit). `None` when nothing was heard in time.
    fn kit_exit(&self, _pid: u32) -> BoxFuture<'_, Option<KitExit>> {
        Box::pin(std::future::ready(None))
    }
}
