//! forkit's front end: async, threads allowed. It owns the zygote's control channel, the pool of
//! ready kits and the D-Bus service `org.oxool.Forkit1`.

pub mod dbus;
pub mod pool;
mod pool_sizing;
mod stats;
mod zygote_link;

use std::sync::Arc;
use std::time::Duration;

pub use stats::Stats;
pub use zygote_link::ZygoteLink;

use pool::{Pool, ReadyKit, SpawnFailure, SpawnOrder};

pub struct Frontend {
    pub pool: Pool,
    pub zygote: ZygoteLink,
    pub stats: Stats,
    pub spawn_timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum SpawnKitError {
    #[error("timed out after {0:?} waiting for a kit")]
    Timeout(Duration),
    #[error("spawning a kit failed: {0}")]
    Failed(#[from] SpawnFailure),
    #[error("forkit is stopping")]
    Stopping,
}

impl Frontend {
    /// Hands out a ready kit (waiting for one if the pool is empty), with the refill the take
    /// calls for. A kit from the pool comes with its refill still to be ordered: the caller
    /// orders it once the kit is on its way ([`Frontend::order_refill`]), because the zygote
    /// woken by the order would compete for the CPU with the hand-out (a clone of the
    /// preinitialised zygote takes milliseconds of kernel time). A miss orders at once.
    pub async fn spawn_kit(self: &Arc<Self>) -> Result<(ReadyKit, SpawnOrder), SpawnKitError> {
        let (taken, order) = self.pool.take();
        let (kit, refill) = match taken {
            Ok(kit) => {
                self.stats.count_pool_hit();
                (kit, order)
            }
            Err(receiver) => {
                self.stats.count_pool_miss();
                self.zygote.order_spawns(order).await;
                match tokio::time::timeout(self.spawn_timeout, receiver).await {
                    Ok(Ok(Ok(kit))) => (kit, SpawnOrder(0)),
                    Ok(Ok(Err(reason))) => return Err(SpawnKitError::Failed(reason)),
                    Ok(Err(_)) => return Err(SpawnKitError::Stopping),
                    Err(_) => return Err(SpawnKitError::Timeout(self.spawn_timeout)),
                }
            }
        };
        self.stats.count_handed_out();
        Ok((kit, refill))
    }

    /// Asks the zygote for the kits a hand-out left the pool short of.
    pub async fn order_refill(&self, order: SpawnOrder) {
        self.zygote.order_spawns(order).await;
    }

    /// Keeps the pool's size in step with the demand as it decays: grows it, or retires one
    /// waiting kit a second while it holds more than it needs.
    pub async fn resize_pool_every_second(self: Arc<Self>) {
        let mut every = tokio::time::interval(Duration::from_secs(1));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let (order, retired) = self.pool.tick();
            if let Some(kit) = retired {
                tracing::info!(kit_pid = kit.pid, jail_id = %kit.jail_id, "retiring a kit the pool no longer needs");
                drop(kit);
            }
            self.zygote.order_spawns(order).await;
        }
    }
}

/// A kit the zygote reaped, for the `KitExited` signal.
#[derive(Debug, Clone)]
pub struct KitExit {
    pub pid: u32,
    pub jail_id: String,
    /// Exit code, or minus the signal number.
    pub status: i32,
    pub oom: bool,
}

impl Frontend {
    /// Processes what the zygote reports, until it goes away. Kit exits go to `exits`.
    pub async fn run_events(
        self: Arc<Self>,
        exits: tokio::sync::mpsc::UnboundedSender<KitExit>,
    ) -> Result<(), crate::control::ControlError> {
        loop {
            let (message, fd) = self.zygote.recv().await?;
            match message.name.as_str() {
                "spawned" => {
                    self.stats.count_spawned();
                    self.stats
                        .count_fork(message.parse_arg("fork_us").unwrap_or(0));
                    self.stats
                        .count_cgroup(message.parse_arg("cgroup_us").unwrap_or(0));
                    let pid: u32 = message.parse_arg("pid").unwrap_or(0);
                    let jail_id = message.get("jail").unwrap_or_default().to_string();
                    let Some(fd) = fd else {
                        tracing::error!("zygote sent a kit without its socket");
                        continue;
                    };
                    tokio::spawn(Arc::clone(&self).await_ready(fd, pid, jail_id));
                }
                "spawnfailed" => {
                    let reason = message.get("reason").unwrap_or_default();
                    tracing::error!("the zygote could not spawn a kit: {reason}");
                    self.stats.count_spawn_failure();
                    let order = self
                        .pool
                        .spawn_failed(SpawnFailure::Zygote(reason.to_string()));
                    self.zygote.order_spawns(order).await;
                }
                "exited" => {
                    let exit = KitExit {
                        pid: message.parse_arg("pid").unwrap_or(0),
                        jail_id: message.get("jail").unwrap_or_default().to_string(),
                        status: match message.parse_arg::<i32>("signal").unwrap_or(0) {
                            0 => message.parse_arg("status").unwrap_or(0),
                            signal => -signal,
                        },
                        oom: message.get("oom") == Some("1"),
                    };
                    let signal = if exit.status < 0 { -exit.status } else { 0 };
                    self.stats.count_exit(exit.status.max(0), signal, exit.oom);
                    tracing::info!(kit_pid = exit.pid, jail_id = %exit.jail_id, status = exit.status, oom = exit.oom, "kit exited");
                    let order = self.pool.kit_exited(exit.pid);
                    self.zygote.order_spawns(order).await;
                    let _ = exits.send(exit);
                }
                "failed" => {
                    let reason = message.get("reason").unwrap_or_default().to_string();
                    return Err(crate::control::ControlError::Malformed(reason));
                }
                other => tracing::warn!("unknown message from the zygote: {other}"),
            }
        }
    }

    /// Reads the kit's `ready` frame before the kit may be handed out.
    async fn await_ready(self: Arc<Self>, fd: std::os::fd::OwnedFd, pid: u32, jail_id: String) {
        let started = std::time::Instant::now();
        match read_ready(fd, self.spawn_timeout).await {
            Ok((socket, mounts, setup_us)) => {
                let spawn_to_ready = started.elapsed().as_micros() as u64;
                self.stats
                    .count_ready(spawn_to_ready, setup_us, mounts != "bind");
                let order = self.pool.kit_ready(ReadyKit {
                    socket,
                    pid,
                    jail_id,
                });
                self.zygote.order_spawns(order).await;
            }
            Err(error) => {
                tracing::error!(kit_pid = pid, jail_id = %jail_id, "kit did not get ready: {error}");
                let _ = self.zygote.kill(pid).await;
                self.stats.count_spawn_failure();
                let order = self
                    .pool
                    .spawn_failed(SpawnFailure::NotReady(error.to_string()));
                self.zygote.order_spawns(order).await;
            }
        }
    }
}

/// Why a kit the zygote spawned could not be handed out; one variant per step of [`read_ready`].
#[derive(Debug, thiserror::Error)]
pub enum ReadyError {
    #[error("the kit's socket: {0}")]
    Socket(std::io::Error),
    #[error("no ready after {0:?}")]
    Timeout(Duration),
    #[error("reading the kit's first frame: {0}")]
    Read(oxool_proto::FrameError),
    #[error("the kit's first frame: {0}")]
    Malformed(oxool_proto::MessageError),
    #[error("the kit said {0:?} instead of ready")]
    NotReady(String),
}

async fn read_ready(
    fd: std::os::fd::OwnedFd,
    timeout: Duration,
) -> Result<(std::os::fd::OwnedFd, String, u64), ReadyError> {
    let std_stream = std::os::unix::net::UnixStream::from(fd);
    std_stream
        .set_nonblocking(true)
        .map_err(ReadyError::Socket)?;
    let mut stream = tokio::net::UnixStream::from_std(std_stream).map_err(ReadyError::Socket)?;
    let frame = tokio::time::timeout(timeout, oxool_proto::Frame::read_async(&mut stream, 0))
        .await
        .map_err(|_| ReadyError::Timeout(timeout))?
        .map_err(ReadyError::Read)?;
    let message = frame.message().map_err(ReadyError::Malformed)?;
    if message.name != "ready" {
        return Err(ReadyError::NotReady(frame.header));
    }
    let mounts = message.get("mounts").unwrap_or("bind").to_string();
    let setup_us = message.parse_arg("setup_us").unwrap_or(0);
    let std_stream = stream.into_std().map_err(ReadyError::Socket)?;
    std_stream
        .set_nonblocking(false)
        .map_err(ReadyError::Socket)?;
    Ok((std::os::fd::OwnedFd::from(std_stream), mounts, setup_us))
}
