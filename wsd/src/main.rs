//! oxool-wsd: load the configuration, take the listening socket, start forkit, serve HTTP.
//!
//! The listener is taken before the async runtime starts any thread: socket activation
//! (`LISTEN_FDS`) must be read, and its variables cleared, while the process is single-threaded.

use std::os::fd::{FromRawFd, RawFd};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use oxool_wsd::admin::Wsd1;
use oxool_wsd::config::{Config, DEFAULT_CONFIG_PATH};
use oxool_wsd::editing::command::BrokerContext;
use oxool_wsd::editing::Registry;
use oxool_wsd::kit::forkit_client::ForkitClient;
use oxool_wsd::kit::warm::WarmKitReserve;
use oxool_wsd::kit::KitSpawner;
use oxool_wsd::local_store::LocalStore;
use oxool_wsd::tls::CertificateStore;
use oxool_wsd::wopi::{ProofKeys, WopiClient};
use oxool_wsd::AppState;
use sd_notify::NotifyState;

// `--help` and `--version` take the name, version and description from Cargo.toml.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// The configuration file.
    #[arg(long, value_name = "PATH", default_value = DEFAULT_CONFIG_PATH)]
    config: PathBuf,
}

fn main() -> ExitCode {
    match start(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // `{:#}` prints the cause chain on one line; under systemd, stderr goes to the journal.
            eprintln!("oxool-wsd: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn start(args: Args) -> anyhow::Result<()> {
    let config = Config::load(&args.config)?;
    oxool_wsd::logging::init(&config.logging.level)?;
    let listener = listener(&config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(run(config, args.config, listener))
}

/// The socket clients connect to: the one systemd passed (socket activation, the socket named
/// `http` or else the first), or, without activation, `net.listen` bound here.
fn listener(config: &Config) -> anyhow::Result<std::net::TcpListener> {
    // SAFETY: called before the runtime starts any thread, so clearing LISTEN_* from the
    // environment (which forkit and the kits must not inherit) races with nobody.
    let activated: Vec<(RawFd, String)> =
        unsafe { sd_notify::listen_fds_with_names_and_unset_env() }
            .map(|fds| fds.collect())
            .unwrap_or_default();
    let chosen = activated
        .iter()
        .find(|(_, name)| name == "http")
        .or(activated.first())
        .map(|(fd, _)| *fd);
    let listener = match chosen {
        Some(fd) => {
            // SAFETY: systemd handed this descriptor to us (LISTEN_PID matched) and nothing else
            // in the process owns it; we take ownership exactly once.
            let listener = unsafe { std::net::TcpListener::from_raw_fd(fd) };
            eprintln!("oxool-wsd: using the socket passed by systemd");
            listener
        }
        None => std::net::TcpListener::bind(config.net.listen)
            .with_context(|| format!("cannot listen on {} (net.listen)", config.net.listen))?,
    };
    listener
        .set_nonblocking(true)
        .context("cannot make the listener non-blocking")?;
    Ok(listener)
}

async fn run(
    config: Config,
    config_path: PathBuf,
    listener: std::net::TcpListener,
) -> anyhow::Result<()> {
    let forkit = ForkitClient::start(&config)
        .await
        .context("cannot start forkit")?;
    let spawner: Arc<dyn KitSpawner> = forkit.clone();
    let listener = tokio::net::TcpListener::from_std(listener)?;
    tracing::info!(address = %listener.local_addr()?, "oxool-wsd listening");
    let local_store = open_local_store(&config)?;
    let certificates = open_certificates(&config)?;
    let address = listener.local_addr()?;
    let mut state = AppState::new(config, spawner.clone());
    let registry = start_editing(&state.config, spawner, Arc::clone(&state.drain)).await?;
    state = state.with_editing(Arc::clone(&registry));
    start_recovery_uploads(&state.config, &registry).await;
    if let Some(store) = local_store {
        eprintln!(
            "oxool-wsd: {} documents in the local store; open http://{address}/ to pick one",
            store.list().map(|l| l.len()).unwrap_or(0)
        );
        state = state.with_local_store(store);
    }
    // Before READY, so that `oxoolctl status` works as soon as systemd reports wsd started.
    let admin = Wsd1::new(state.clone(), forkit, config_path.clone());
    let _admin = start_admin(admin, &state.config).await?;
    notify_systemd(&[NotifyState::Ready]);
    tokio::spawn(report_to_systemd(state.clone()));
    tokio::spawn(reload_on_sighup(config_path, certificates.clone()));
    // Documents are stored before the listener closes: sessions end first, then HTTP.
    let timeout = std::time::Duration::from_secs(state.config.editing.shutdown_timeout_secs);
    let drain = Arc::clone(&state.drain);
    let shutdown = async move {
        shutdown_signal().await;
        // The health check fails from now on: a balancer sends nothing new here while the
        // documents are stored.
        drain.start();
        store_documents(&registry, timeout).await;
    };
    match certificates {
        Some(store) => {
            oxool_wsd::http::serve_tls(listener, store.acceptor(), state, shutdown).await?
        }
        None => oxool_wsd::serve(listener, state, shutdown).await?,
    }
    tracing::info!("oxool-wsd stopped");
    Ok(())
}

/// Completes on SIGTERM (systemd stop) or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot install signal handlers; stop wsd with SIGKILL");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
        _ = int.recv() => tracing::info!("SIGINT: shutting down"),
    }
    notify_systemd(&[NotifyState::Stopping]);
}

/// The document brokers, with a WOPI client that signs with the proof keys (generated here on
/// the first start).
async fn start_editing(
    config: &Arc<Config>,
    spawner: Arc<dyn KitSpawner>,
    drain: Arc<oxool_wsd::drain::Drain>,
) -> anyhow::Result<Arc<Registry>> {
    let dir = config.storage.proof_key_dir.clone();
    let proof = match tokio::task::spawn_blocking(move || ProofKeys::open_shared(&dir)).await? {
        Ok(keys) => Some(keys),
        Err(error) => {
            tracing::warn!(%error, "WOPI requests will not carry proof signatures");
            None
        }
    };
    if config.storage.wopi_hosts.is_empty() {
        tracing::warn!(
            "WARNING: storage.wopi_hosts is empty: every WOPI document load is refused until \
             the storage's origin is listed there, e.g. wopi_hosts = [\"https://cloud.example.com\"] \
             (see docs/config.md)"
        );
    }
    let wopi = WopiClient::new(&config.storage, proof).context("invalid [storage] settings")?;
    let spawner: Arc<dyn KitSpawner> = if config.editing.warm_kit {
        Arc::new(WarmKitReserve::new(spawner))
    } else {
        spawner
    };
    Ok(Registry::new(
        BrokerContext {
            config: Arc::clone(config),
            wopi: Arc::new(wopi),
            spawner,
            locks: Arc::new(oxool_wsd::cluster::LockArbiter::new(&config.cluster)),
        },
        drain,
    ))
}

/// Checkpoints an earlier wsd left (killed, or the host lost power) go to the upload worker,
/// before any broker can start a checkpoint of its own for the same document.
async fn start_recovery_uploads(config: &Config, registry: &Registry) {
    let store = oxool_wsd::recovery::RecoveryStore::new(
        config.editing.recovery_dir.clone(),
        config.editing.recovery_max_mb,
    );
    let aside = store.clone();
    let set_aside = tokio::task::spawn_blocking(move || aside.set_aside_all())
        .await
        .unwrap_or_default();
    for result in &set_aside {
        match result {
            Ok(_) => {}
            Err(error) => tracing::error!(%error, "cannot set a checkpoint aside"),
        }
    }
    if !set_aside.is_empty() {
        tracing::warn!(
            checkpoints = set_aside.len(),
            "checkpoints of an earlier run found: storing them"
        );
    }
    let wopi = Arc::clone(&registry.context().wopi);
    tokio::spawn(oxool_wsd::recovery::uploads::run(store, wopi));
}

/// SIGTERM: every modified document is stored (and unlocked) before wsd exits.
async fn store_documents(registry: &Registry, timeout: std::time::Duration) {
    let open = registry.document_count();
    if open == 0 {
        return;
    }
    let status = format!("stopping: storing {open} open documents");
    notify_systemd(&[NotifyState::Status(&status)]);
    tracing::info!(documents = open, "storing open documents before exit");
    let late = registry.shutdown(timeout).await;
    for key in &late {
        tracing::error!(doc = %key, "the document was not stored within editing.shutdown_timeout_secs");
    }
}

/// Tells systemd (Type=notify) where wsd is; a no-op when not started by systemd.
fn notify_systemd(state: &[NotifyState]) {
    if let Err(error) = sd_notify::notify(state) {
        tracing::warn!(%error, "cannot notify systemd");
    }
}

/// STATUS and WATCHDOG for systemd. The watchdog ping comes from a task on the runtime, so a
/// wedged event loop stops it and systemd restarts wsd.
async fn report_to_systemd(state: AppState) {
    let interval = sd_notify::watchdog_enabled()
        .map(|period| period / 2)
        .unwrap_or(std::time::Duration::from_secs(10));
    let mut ticker = tokio::time::interval(interval);
    loop {
        ticker.tick().await;
        let documents = state.editing.as_ref().map_or(0, |r| r.document_count());
        let sessions = state.editing.as_ref().map_or(0, |r| r.session_count());
        let serving = if state.drain.is_draining() {
            "draining (no new documents)"
        } else {
            "serving"
        };
        let status = format!(
            "{serving}; {documents} documents, {sessions} sessions; {} conversions running, {} queued",
            state.admission.running(),
            state.admission.queued()
        );
        let _ = sd_notify::notify(&[NotifyState::Watchdog, NotifyState::Status(&status)]);
    }
}

/// `systemctl reload` (SIGHUP): re-reads and checks the configuration file, and reloads the TLS
/// certificate (new handshakes use it; open connections and sessions carry on). Other settings
/// are applied at the next start; a broken file is reported and the running configuration stays.
async fn reload_on_sighup(config_path: PathBuf, certificates: Option<Arc<CertificateStore>>) {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut hangup) = signal(SignalKind::hangup()) else {
        tracing::error!("cannot install the SIGHUP handler");
        return;
    };
    while hangup.recv().await.is_some() {
        notify_systemd(&[NotifyState::Reloading]);
        // Logs either way; the running configuration stays.
        let _ = oxool_wsd::admin::check_config(&config_path);
        if let Some(store) = &certificates {
            if let Err(error) = store.reload() {
                tracing::error!(%error, "keeping the running TLS certificate");
            }
        }
        notify_systemd(&[NotifyState::Ready]);
    }
}

/// The admin interface `org.oxool.Wsd1` (oxoolctl). On the system bus a failure is logged and
/// wsd serves documents without it; an admin socket that was asked for and cannot be had stops
/// the start, as any other broken setting does.
async fn start_admin(
    admin: Wsd1,
    config: &Config,
) -> anyhow::Result<Option<oxool_wsd::admin::AdminService>> {
    match oxool_wsd::admin::start(admin, config).await {
        Ok(service) => Ok(Some(service)),
        Err(error @ oxool_wsd::admin::AdminError::SystemBus(_)) => {
            tracing::error!(%error, "oxoolctl will not reach this wsd");
            Ok(None)
        }
        Err(error) => Err(error.into()),
    }
}

/// The TLS certificate and key of `[tls]`, when wsd speaks HTTPS itself.
fn open_certificates(config: &Config) -> anyhow::Result<Option<Arc<CertificateStore>>> {
    let (Some(certificate), Some(key)) = (&config.tls.certificate, &config.tls.private_key) else {
        return Ok(None);
    };
    Ok(Some(CertificateStore::open(certificate, key)?))
}

/// The built-in local-folder WOPI store, when `[local_store] root` is set: the directory is
/// created, and seeded from `samples` when it is empty.
fn open_local_store(config: &Config) -> anyhow::Result<Option<Arc<LocalStore>>> {
    let settings = &config.local_store;
    let Some(root) = &settings.root else {
        return Ok(None);
    };
    std::fs::create_dir_all(root)
        .with_context(|| format!("cannot create the local store {}", root.display()))?;
    if let Some(samples) = &settings.samples {
        LocalStore::seed_samples(root, samples)
            .with_context(|| format!("cannot copy the samples from {}", samples.display()))?;
    }
    // Tokens outlive a restart (open editors reconnect, a killed wsd's checkpoints are stored
    // with their session's token); without a writable key file they last one run.
    let secret = match oxool_wsd::local_store::token_key::load_or_create(&settings.token_key_file) {
        Ok(secret) => secret,
        Err(error) => {
            tracing::warn!(
                path = %settings.token_key_file.display(),
                %error,
                "cannot keep the local store's token key; its tokens end with this run, and \
                 checkpoints of a crashed run cannot be stored back into it"
            );
            LocalStore::generate_secret()
        }
    };
    let mut store = LocalStore::new(root, &secret)
        .with_context(|| format!("cannot open the local store {}", root.display()))?
        .with_max_file_bytes(settings.max_file_mb << 20);
    store = store.with_https(config.tls.https());
    if let Some(url) = &settings.public_url {
        store = store.with_public_url(url.clone());
    }
    Ok(Some(Arc::new(store)))
}
