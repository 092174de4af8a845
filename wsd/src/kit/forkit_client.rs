//! wsd's side of `org.oxool.Forkit1`.
//!
//! Standalone (development, `make run`, tests): wsd starts oxool-forkit itself, hands it its own
//! `[kit]` settings and speaks D-Bus peer-to-peer over a socketpair. Under systemd: the system
//! bus, where D-Bus activation starts forkit. One proxy, two transports.

use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use oxool_bus::forkit1::Forkit1Proxy;
use tokio::net::UnixStream;

use crate::config::{Config, ForkitBus};
use crate::kit::exits::{KitExits, REPORT_WAIT};
use crate::kit::{BoxFuture, KitExit, KitHandle, KitSpawner, SpawnError};

/// The descriptor number forkit finds its end of the peer-to-peer socket at.
const P2P_FD: i32 = 3;
/// The descriptor number forkit reads its `[kit]` settings from (`--config /proc/self/fd/4`).
const SETTINGS_FD: i32 = 4;
/// How long a forkit that stopped answering gets to be reported exited (a SIGKILL takes
/// milliseconds); also how long it gets to answer that check.
const CHILD_EXIT_WAIT: Duration = Duration::from_secs(2);

pub struct ForkitClient {
    link: tokio::sync::RwLock<Link>,
    /// The uid every kit socket's peer must have: forkit's (ours, when we started it). On the
    /// system bus it is learnt from the bus at the first spawn, so forkit is only activated by
    /// the first kit request.
    forkit_uid: tokio::sync::OnceCell<u32>,
    spawn_timeout: Duration,
    /// What a restarted forkit is started with (standalone).
    config: Config,
    /// forkit's recent `KitExited` reports.
    exits: Arc<KitExits>,
}

/// One connection to forkit.
struct Link {
    proxy: Forkit1Proxy<'static>,
    connection: zbus::Connection,
    /// The forkit we started (standalone); killed when the link is dropped.
    child: Option<tokio::process::Child>,
}

impl Link {
    async fn open(config: &Config) -> anyhow::Result<Link> {
        match config.forkit.bus {
            ForkitBus::Standalone => {
                let (ours, theirs) = std::os::unix::net::UnixStream::pair()?;
                let child = spawn_forkit(config, OwnedFd::from(theirs))?;
                ours.set_nonblocking(true)?;
                let connection =
                    zbus::connection::Builder::unix_stream(UnixStream::from_std(ours)?)
                        .p2p()
                        .build()
                        .await
                        .context("peer-to-peer D-Bus with forkit")?;
                let proxy = Forkit1Proxy::builder(&connection)
                    .destination("org.oxool.Forkit1")?
                    .build()
                    .await?;
                Ok(Link {
                    proxy,
                    connection,
                    child: Some(child),
                })
            }
            ForkitBus::System => {
                let connection = zbus::Connection::system().await.context("the system bus")?;
                // No call yet: the first SpawnKit D-Bus-activates forkit. After a crash the bus
                // activates it again on the next call, so this link never needs reopening.
                let proxy = Forkit1Proxy::builder(&connection)
                    .cache_properties(zbus::proxy::CacheProperties::No)
                    .build()
                    .await?;
                Ok(Link {
                    proxy,
                    connection,
                    child: None,
                })
            }
        }
    }

    /// A forkit we started has exited (killed, crashed): the link is dead.
    fn child_exited(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|child| !matches!(child.try_wait(), Ok(None)))
    }

    /// A forkit we started is gone. One killed a moment ago has already lost its end of the
    /// socket (the reset the caller saw) while the kernel does not report it exited yet: when
    /// it no longer answers on the bus, its exit is waited for (bounded).
    async fn child_gone(&mut self) -> bool {
        if self.child.is_none() {
            return false;
        }
        if self.child_exited() {
            return true;
        }
        let answers = tokio::time::timeout(CHILD_EXIT_WAIT, self.proxy.stats()).await;
        if matches!(answers, Ok(Ok(_))) {
            return false;
        }
        let Some(child) = self.child.as_mut() else {
            return false;
        };
        tokio::time::timeout(CHILD_EXIT_WAIT, child.wait())
            .await
            .is_ok()
    }
}

impl ForkitClient {
    pub async fn start(config: &Config) -> anyhow::Result<Arc<ForkitClient>> {
        let link = Link::open(config).await?;
        let exits = Arc::new(KitExits::default());
        exits.listen(&link.proxy).await.context("KitExited")?;
        let forkit_uid = match config.forkit.bus {
            ForkitBus::Standalone => {
                tokio::sync::OnceCell::new_with(Some(nix::unistd::getuid().as_raw()))
            }
            ForkitBus::System => tokio::sync::OnceCell::new(),
        };
        Ok(Arc::new(ForkitClient {
            link: tokio::sync::RwLock::new(link),
            forkit_uid,
            spawn_timeout: Duration::from_secs(config.forkit.spawn_timeout_secs),
            config: config.clone(),
            exits,
        }))
    }

    /// forkit's counters (`Stats()`).
    pub async fn stats(&self) -> zbus::Result<oxool_bus::forkit1::ForkitStats> {
        self.link.read().await.proxy.stats().await
    }

    /// Restarts a forkit we started that has gone away, so one killed forkit does not leave
    /// wsd without kits. Returns whether it did.
    async fn restart_if_gone(&self) -> Result<bool, SpawnError> {
        let mut link = self.link.write().await;
        if !link.child_gone().await {
            return Ok(false);
        }
        tracing::warn!("forkit has exited; starting a new one");
        *link = Link::open(&self.config)
            .await
            .map_err(|e| SpawnError::Unreachable(format!("restarting forkit: {e:#}")))?;
        self.exits
            .listen(&link.proxy)
            .await
            .map_err(|e| SpawnError::Unreachable(format!("KitExited of the new forkit: {e}")))?;
        Ok(true)
    }

    /// `KillKit`, or `AbortKit` when the kit's backtrace is wanted.
    async fn end_kit(&self, pid: u32, abort: bool) -> Result<(), SpawnError> {
        let link = self.link.read().await;
        let ended = match abort {
            true => link.proxy.abort_kit(pid).await,
            false => link.proxy.kill_kit(pid).await,
        };
        ended.map_err(|e| SpawnError::Failed(e.to_string()))
    }

    async fn spawn(&self) -> Result<KitHandle, SpawnError> {
        match self.spawn_once().await {
            Err(SpawnError::Failed(_) | SpawnError::Unreachable(_))
                if self.restart_if_gone().await? =>
            {
                self.spawn_once().await
            }
            other => other,
        }
    }

    async fn spawn_once(&self) -> Result<KitHandle, SpawnError> {
        let link = self.link.read().await;
        let call = link.proxy.spawn_kit();
        let (fd, pid, jail_id) = tokio::time::timeout(self.spawn_timeout, call)
            .await
            .map_err(|_| SpawnError::Timeout)?
            .map_err(|e| SpawnError::Failed(e.to_string()))?;
        let fd: OwnedFd = fd.into();
        let expected = *self
            .forkit_uid
            .get_or_try_init(|| system_forkit_uid(&link.connection))
            .await
            .map_err(|e| SpawnError::Failed(format!("who owns org.oxool.Forkit1: {e}")))?;
        check_peer_uid(&fd, expected)?;
        let stream = std::os::unix::net::UnixStream::from(fd);
        stream
            .set_nonblocking(true)
            .map_err(|e| SpawnError::Failed(e.to_string()))?;
        let stream = UnixStream::from_std(stream).map_err(|e| SpawnError::Failed(e.to_string()))?;
        Ok(KitHandle {
            stream,
            pid,
            jail_id,
        })
    }
}

impl KitSpawner for ForkitClient {
    fn spawn_kit(&self) -> BoxFuture<'_, Result<KitHandle, SpawnError>> {
        Box::pin(self.spawn())
    }

    fn kill_kit(&self, pid: u32) -> BoxFuture<'_, Result<(), SpawnError>> {
        Box::pin(self.end_kit(pid, false))
    }

    fn abort_kit(&self, pid: u32) -> BoxFuture<'_, Result<(), SpawnError>> {
        Box::pin(self.end_kit(pid, true))
    }

    fn kit_exit(&self, pid: u32) -> BoxFuture<'_, Option<KitExit>> {
        Box::pin(self.exits.wait_for(pid, REPORT_WAIT))
    }
}

/// SO_PEERCRED: the kit socket must come from a process running as forkit's uid, so a socket
/// smuggled in by anyone else is refused before a document is sent.
fn check_peer_uid(fd: &OwnedFd, expected: u32) -> Result<(), SpawnError> {
    let creds = nix::sys::socket::getsockopt(fd, nix::sys::socket::sockopt::PeerCredentials)
        .map_err(|e| SpawnError::Failed(format!("SO_PEERCRED: {e}")))?;
    if creds.uid() != expected {
        return Err(SpawnError::PeerCredentials {
            found: creds.uid(),
            expected,
        });
    }
    Ok(())
}

/// The uid that owns org.oxool.Forkit1 on the bus (the bus daemon vouches for it).
async fn system_forkit_uid(connection: &zbus::Connection) -> anyhow::Result<u32> {
    let dbus = zbus::fdo::DBusProxy::new(connection).await?;
    let name = zbus::names::BusName::try_from("org.oxool.Forkit1")?;
    // Activates forkit if it is not running yet.
    let _ = dbus
        .start_service_by_name("org.oxool.Forkit1".try_into()?, 0)
        .await;
    let bus_uid = dbus.get_connection_unix_user(name).await?;
    let seen_here = uid_as_seen_here(bus_uid, &std::fs::read_to_string("/proc/self/uid_map")?);
    if seen_here == nix::unistd::getuid().as_raw() {
        tracing::warn!(
            uid = bus_uid,
            "forkit runs as wsd's own user: a kit that escaped its jail would be wsd; \
             run oxool-forkit.service as oxool-kit"
        );
    }
    Ok(seen_here)
}

/// The bus daemon reports forkit's uid as the host sees it, but SO_PEERCRED reports the peer's
/// uid as seen from wsd's user namespace (PrivateUsers=yes maps only root and oxool; every
/// other uid reads as the overflow uid). Translate the one into the other through our
/// `/proc/self/uid_map`, so that the comparison is between like and like. Under PrivateUsers
/// the check then proves the kit socket was made by neither wsd's user nor root.
fn uid_as_seen_here(host_uid: u32, uid_map: &str) -> u32 {
    for line in uid_map.lines() {
        let fields: Vec<u64> = line
            .split_whitespace()
            .filter_map(|f| f.parse().ok())
            .collect();
        if let [inside, outside, count] = fields[..] {
            let uid = u64::from(host_uid);
            if uid >= outside && uid < outside + count {
                return (inside + uid - outside) as u32;
            }
        }
    }
    std::fs::read_to_string("/proc/sys/kernel/overflowuid")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(65534)
}

/// The forkit binary: the configured path, or, when that does not exist (a development tree),
/// the `oxool-forkit` next to this executable.
fn forkit_binary(config: &Config) -> anyhow::Result<PathBuf> {
    if config.forkit.binary.exists() {
        return Ok(config.forkit.binary.clone());
    }
    let sibling = std::env::current_exe()?.with_file_name("oxool-forkit");
    if sibling.exists() {
        return Ok(sibling);
    }
    bail!("forkit binary {} not found", config.forkit.binary.display())
}

/// Starts forkit with nothing through the environment. Its `[kit]` settings are exactly ours:
/// wsd serialises its `[kit]` section (whatever file, or test, it came from) into a memfd that
/// forkit reads as its configuration file, so forkit never falls back on defaults of its own.
fn spawn_forkit(config: &Config, p2p: OwnedFd) -> anyhow::Result<tokio::process::Child> {
    let settings = kit_settings_file(config)?;
    let mut command = std::process::Command::new(forkit_binary(config)?);
    command
        .arg("--config")
        .arg(format!("/proc/self/fd/{SETTINGS_FD}"))
        // Already in the settings; repeated so that `ps` (and the tests) can tell which forkit,
        // zygote and kits belong to which wsd.
        .arg("--jails-root")
        .arg(&config.kit.jails_root)
        .arg("--spawn-timeout-secs")
        .arg(config.forkit.spawn_timeout_secs.to_string())
        .arg("--p2p-fd")
        .arg(P2P_FD.to_string())
        .env_clear()
        .env("PATH", "/usr/bin:/bin");
    let p2p_raw = p2p.as_raw_fd();
    let settings_raw = settings.as_raw_fd();
    // SAFETY: runs between fork and exec in the child: fcntl and dup2 are async-signal-safe and
    // only rearrange descriptors of the child; both sources stay open until exec (we hold them).
    unsafe {
        command.pre_exec(move || {
            // First out of the way of the targets (either source may sit on 3 or 4), then onto
            // them; dup2 clears close-on-exec on the target, the temporary copies keep it.
            let p2p_high = libc::fcntl(p2p_raw, libc::F_DUPFD_CLOEXEC, 10);
            let settings_high = libc::fcntl(settings_raw, libc::F_DUPFD_CLOEXEC, 10);
            if p2p_high < 0
                || settings_high < 0
                || libc::dup2(p2p_high, P2P_FD) < 0
                || libc::dup2(settings_high, SETTINGS_FD) < 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut command = tokio::process::Command::from(command);
    command.kill_on_drop(true);
    let child = command.spawn().context("starting oxool-forkit")?;
    drop(p2p);
    drop(settings);
    Ok(child)
}

/// The `[kit]` section, in a memfd (no file on disk to clean up).
fn kit_settings_file(config: &Config) -> anyhow::Result<OwnedFd> {
    use nix::sys::memfd::{memfd_create, MFdFlags};
    let fd = memfd_create(c"oxool-kit-settings", MFdFlags::MFD_CLOEXEC)
        .context("memfd for forkit's settings")?;
    let mut file = std::fs::File::from(fd);
    std::io::Write::write_all(&mut file, config.kit.to_toml().as_bytes())
        .context("writing forkit's settings")?;
    Ok(OwnedFd::from(file))
}

#[cfg(test)]
mod tests {
    use super::uid_as_seen_here;

    #[test]
    fn uids_are_translated_through_the_uid_map() {
        let identity = "         0          0 4294967295\n";
        assert_eq!(uid_as_seen_here(998, identity), 998);
        // systemd's PrivateUsers=yes for User=oxool (host uid 999): root and oxool only.
        let private = "         0          0          1\n       999        999          1\n";
        assert_eq!(uid_as_seen_here(999, private), 999);
        assert_eq!(uid_as_seen_here(0, private), 0);
        assert_eq!(uid_as_seen_here(998, private), 65534);
        let shifted = "0 100000 65536\n";
        assert_eq!(uid_as_seen_here(100_005, shifted), 5);
    }
}
