//! `org.oxool.Wsd1` at `/org/oxool/Wsd1`: wsd's administration interface, used by oxoolctl(1).
//! The members and their signatures are defined once, in oxool-bus (bus/src/wsd1.rs).

use std::collections::HashMap;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use oxool_bus::forkit1::ForkitStats;
use zbus::zvariant::OwnedValue;

use crate::config::{Config, ConfigError, ForkitBus};
use crate::kit::forkit_client::ForkitClient;
use crate::kit::KitSpawner;
use crate::metrics::Outcome;
use crate::state::AppState;
use crate::wopi::proof::ProofKeys;

mod socket;

use oxool_bus::forkit1::BUS_NAME as FORKIT_BUS_NAME;
pub use oxool_bus::wsd1::{BUS_NAME, OBJECT_PATH};

/// Starting the admin service, one variant per step.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("cannot claim {BUS_NAME} on the system bus: {0}")]
    SystemBus(zbus::Error),
    #[error("another process answers on the admin socket {0}; is another wsd running?")]
    SocketInUse(PathBuf),
    #[error("{0} exists and is not a socket; refusing to replace it (net.admin_socket)")]
    NotASocket(PathBuf),
    #[error("cannot remove the stale admin socket {path}: {error}")]
    RemoveStale {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("cannot listen on the admin socket {path} (net.admin_socket): {error}")]
    Bind {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("cannot make the admin socket {path} private: {error}")]
    Permissions {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// What a method call answers when it fails; the D-Bus error name is
/// `org.oxool.Wsd1.Error.<Variant>` and the text is for the administrator.
#[derive(Debug, zbus::DBusError)]
#[zbus(prefix = "org.oxool.Wsd1.Error")]
pub enum CallError {
    #[zbus(error)]
    ZBus(zbus::Error),
    /// No open document has this key.
    NoSuchDocument(String),
    /// The configuration file is invalid (the text names the file, line and key).
    InvalidConfig(String),
    /// forkit did not answer or refused.
    Forkit(String),
    /// The proof keys could not be rotated.
    ProofKeys(String),
}

/// The object served at [`OBJECT_PATH`].
#[derive(Clone)]
pub struct Wsd1 {
    state: AppState,
    forkit: Arc<ForkitClient>,
    config_path: PathBuf,
    started: Instant,
    /// Our system bus connection, once claimed: used to ask whether forkit runs before asking
    /// it anything, since any call to org.oxool.Forkit1 there would D-Bus-activate it.
    system_bus: Arc<std::sync::OnceLock<zbus::Connection>>,
}

impl Wsd1 {
    pub fn new(state: AppState, forkit: Arc<ForkitClient>, config_path: PathBuf) -> Wsd1 {
        Wsd1 {
            state,
            forkit,
            config_path,
            started: Instant::now(),
            system_bus: Arc::default(),
        }
    }

    /// forkit's `Stats()`. On the system bus only when forkit already runs: a status query must
    /// not start forkit (and LibreOffice with it).
    async fn forkit_stats(&self) -> Result<ForkitStats, String> {
        if let Some(bus) = self.system_bus.get() {
            let running = async {
                let dbus = zbus::fdo::DBusProxy::new(bus).await?;
                let name = zbus::names::BusName::try_from(FORKIT_BUS_NAME)?;
                Ok::<bool, zbus::Error>(dbus.name_has_owner(name).await?)
            };
            match running.await {
                Ok(true) => {}
                Ok(false) => {
                    return Err("forkit is not running (the first kit request starts it)".into())
                }
                Err(error) => return Err(error.to_string()),
            }
        }
        self.forkit.stats().await.map_err(|e| e.to_string())
    }
}

#[zbus::interface(name = "org.oxool.Wsd1")]
impl Wsd1 {
    async fn status(&self) -> HashMap<String, OwnedValue> {
        let admission = &self.state.admission;
        let metrics = &self.state.metrics;
        let finished: u64 = Outcome::ALL.iter().map(|o| metrics.count(*o)).sum();
        let mut status: HashMap<String, OwnedValue> = HashMap::new();
        let mut number = |key: &str, value: u64| {
            status.insert(key.to_string(), OwnedValue::from(value));
        };
        number("uptime_s", self.started.elapsed().as_secs());

        let editing = self.state.editing.as_ref();
        number(
            "documents",
            editing.map_or(0, |r| r.document_count() as u64),
        );
        number("sessions", editing.map_or(0, |r| r.session_count() as u64));
        number("conversions_running", admission.running() as u64);
        number("conversions_queued", admission.queued() as u64);
        number("conversions_total", finished);
        number("conversions_converted", metrics.count(Outcome::Converted));
        match self.forkit_stats().await {
            Ok(stats) => {
                number("kits_spawned", stats.spawned);
                number("kits_ready", stats.ready_in_pool);
                number("kits_exited", stats.exited);
                number("kits_crashed", stats.crashed);
            }
            Err(error) => {
                status.insert("forkit_error".into(), text_value(&error));
            }
        }
        status.insert("version".into(), text_value(env!("CARGO_PKG_VERSION")));
        status.insert(
            "draining".into(),
            OwnedValue::from(self.state.drain.is_draining()),
        );
        status
    }

    /// Key, WOPI host and number of sessions of each open document.
    async fn list_documents(&self) -> Vec<(String, String, u32)> {
        let Some(registry) = &self.state.editing else {
            return Vec::new();
        };
        registry
            .describe()
            .await
            .into_iter()
            .map(|d| (d.key, d.host, d.sessions.len() as u32))
            .collect()
    }

    /// Every checkpoint: `open` (a document being edited whose edits storage lacks) or
    /// `pending` (waiting for the upload worker: left by an earlier wsd or a closed document),
    /// or `held:<why>` (pending, given up on after kit crashes: stored as a recovered copy),
    /// with file name, document key, generation, time written, upload attempts, last error.
    async fn list_recoveries(&self) -> Vec<(String, String, String, u64, u64, u32, String)> {
        let store = crate::recovery::RecoveryStore::new(
            self.state.config.editing.recovery_dir.clone(),
            self.state.config.editing.recovery_max_mb,
        );
        let listed = tokio::task::spawn_blocking(move || {
            let open = store.list().into_iter().flatten().map(|meta| {
                let state = crate::recovery::UploadState::default();
                ("open", meta, state)
            });
            let pending = store
                .pending()
                .into_iter()
                .map(|(_, meta, state)| ("pending", meta, state));
            open.chain(pending).collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
        listed
            .into_iter()
            .map(|(kind, meta, state)| {
                // A checkpoint held after a crash loop says why: it is stored as a copy.
                let kind = match &state.held_because {
                    Some(why) => format!("held:{why}"),
                    None => kind.to_string(),
                };
                (
                    kind,
                    meta.file_name,
                    meta.key,
                    meta.generation,
                    meta.written_unix_secs,
                    state.attempts,
                    state.last_error.unwrap_or_default(),
                )
            })
            .collect()
    }

    /// Session id, document key and user name of each session.
    async fn list_sessions(&self) -> Vec<(String, String, String)> {
        let Some(registry) = &self.state.editing else {
            return Vec::new();
        };
        let mut sessions = Vec::new();
        for document in registry.describe().await {
            for (id, name) in document.sessions {
                sessions.push((id.to_string(), document.key.clone(), name));
            }
        }
        sessions
    }

    async fn list_kits(&self) -> Result<ForkitStats, CallError> {
        self.forkit_stats().await.map_err(CallError::Forkit)
    }

    async fn kill_kit(&self, pid: u32) -> Result<(), CallError> {
        tracing::warn!(kit_pid = pid, "admin: killing a kit");
        self.forkit
            .kill_kit(pid)
            .await
            .map_err(|e| CallError::Forkit(e.to_string()))
    }

    async fn close_document(&self, key: String) -> Result<(), CallError> {
        let closed = match &self.state.editing {
            Some(registry) => registry.close(&key, "closed-by-admin").await,
            None => false,
        };
        if closed {
            tracing::info!(doc = %key, "admin: document stored and closed");
            Ok(())
        } else {
            Err(CallError::NoSuchDocument(format!(
                "no such document: {key}"
            )))
        }
    }

    /// Stops taking new documents (the health check answers 503); open ones carry on. True
    /// when this call started it.
    async fn drain(&self) -> bool {
        let started = self.state.drain.start();
        if started {
            let documents = self
                .state
                .editing
                .as_ref()
                .map_or(0, |r| r.document_count());
            tracing::warn!(
                documents,
                "admin: draining; no new documents are opened here"
            );
        }
        started
    }

    /// Takes new documents again. True when it was draining.
    async fn resume(&self) -> bool {
        let resumed = self.state.drain.resume();
        if resumed {
            tracing::warn!("admin: drain ended; new documents are opened here again");
        }
        resumed
    }

    async fn reload(&self) -> Result<(), CallError> {
        let path = self.config_path.clone();
        tokio::task::spawn_blocking(move || check_config(&path))
            .await
            .map_err(|e| CallError::InvalidConfig(e.to_string()))?
            .map_err(|e| CallError::InvalidConfig(e.to_string()))
    }

    async fn rotate_proof_keys(&self) -> Result<(), CallError> {
        let dir = self.state.config.storage.proof_key_dir.clone();
        // RSA key generation takes a moment of CPU: keep it off the async workers.
        tokio::task::spawn_blocking(move || ProofKeys::open_shared(&dir)?.rotate())
            .await
            .map_err(|e| CallError::ProofKeys(e.to_string()))?
            .map_err(|e| CallError::ProofKeys(e.to_string()))
    }
}

fn text_value(text: &str) -> OwnedValue {
    zbus::zvariant::Value::from(text)
        .try_into_owned()
        .expect("a string value holds no file descriptor")
}

/// Re-reads and checks the configuration file, for `Reload()` and SIGHUP alike. Settings take
/// effect at the next start; a broken file is reported and the running configuration stays.
pub fn check_config(path: &Path) -> Result<(), ConfigError> {
    match Config::load(path) {
        Ok(_) => {
            tracing::info!(path = %path.display(), "reload: configuration re-read and valid");
            Ok(())
        }
        Err(error) => {
            tracing::error!(%error, "reload: the configuration is invalid; keeping the running one");
            Err(error)
        }
    }
}

/// The running admin service; dropping it stops serving and removes the admin socket.
pub struct AdminService {
    _system_bus: Option<zbus::Connection>,
    socket: Option<socket::AdminSocket>,
}

impl Drop for AdminService {
    fn drop(&mut self) {
        if let Some(socket) = self.socket.take() {
            socket.remove();
        }
    }
}

/// Serves `object` where the configuration says: the system bus (when forkit is reached there)
/// and the admin socket (when `net.admin_socket` is set).
pub async fn start(object: Wsd1, config: &Config) -> Result<AdminService, AdminError> {
    let system_bus = match config.forkit.bus {
        ForkitBus::System => {
            let connection = claim_system_bus(object.clone()).await?;
            let _ = object.system_bus.set(connection.clone());
            Some(connection)
        }
        ForkitBus::Standalone => None,
    };
    let socket = match &config.net.admin_socket {
        Some(path) => Some(socket::AdminSocket::listen(path, object)?),
        None => None,
    };
    Ok(AdminService {
        _system_bus: system_bus,
        socket,
    })
}

/// Serves the object on the system bus under its well-known name. The bus policy decides who
/// may call (root and the group oxool) and that only the user oxool may own the name.
async fn claim_system_bus(object: Wsd1) -> Result<zbus::Connection, AdminError> {
    zbus::connection::Builder::system()
        .and_then(|b| b.name(BUS_NAME))
        .and_then(|b| b.serve_at(OBJECT_PATH, object))
        .map_err(AdminError::SystemBus)?
        .build()
        .await
        .map_err(AdminError::SystemBus)
}

/// Makes a freshly bound socket file reachable by its owner only (root passes anyway).
pub(crate) fn make_private(path: &Path) -> Result<(), AdminError> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(|error| {
        AdminError::Permissions {
            path: path.to_path_buf(),
            error,
        }
    })
}

/// Removes a socket file left by a wsd that died, after checking that nobody answers on it
/// and that it is a socket (a typo in the setting must not delete a file).
pub(crate) fn remove_stale_socket(path: &Path) -> Result<(), AdminError> {
    let Ok(metadata) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    if !metadata.file_type().is_socket() {
        return Err(AdminError::NotASocket(path.to_path_buf()));
    }
    if std::os::unix::net::UnixStream::connect(path).is_ok() {
        return Err(AdminError::SocketInUse(path.to_path_buf()));
    }
    std::fs::remove_file(path).map_err(|error| AdminError::RemoveStale {
        path: path.to_path_buf(),
        error,
    })
}
