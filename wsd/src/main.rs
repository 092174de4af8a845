//! oxool-wsd: load the configuration, take the listening socket, start forkit, serve HTTP.
//!
//! The listener is taken before the async runtime starts any thread: socket activation
//! (`LISTEN_FDS`) must be read, and its variables cleared, while the process is single-threaded.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use oxool_wsd::config::{Config, DEFAULT_CONFIG_PATH};
use oxool_wsd::forkit_client::ForkitClient;
use oxool_wsd::kits::KitSpawner;
use oxool_wsd::AppState;
use sd_notify::NotifyState;

#[derive(Debug, Parser)]
#[command(
    name = "oxool-wsd",
    version,
    about = "oxool's broker: HTTP towards the world, kits through forkit"
)]
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
    runtime.block_on(run(config, listener))
}

/// The socket clients connect to. Socket activation slots in here; without it wsd binds
/// `net.listen` itself.
fn listener(config: &Config) -> anyhow::Result<std::net::TcpListener> {
    let listener = std::net::TcpListener::bind(config.net.listen)
        .with_context(|| format!("cannot listen on {} (net.listen)", config.net.listen))?;
    listener
        .set_nonblocking(true)
        .context("cannot make the listener non-blocking")?;
    Ok(listener)
}

async fn run(config: Config, listener: std::net::TcpListener) -> anyhow::Result<()> {
    let forkit = ForkitClient::start(&config)
        .await
        .context("cannot start forkit")?;
    let spawner: Arc<dyn KitSpawner> = forkit;
    let listener = tokio::net::TcpListener::from_std(listener)?;
    tracing::info!(address = %listener.local_addr()?, "oxool-wsd listening");
    notify_systemd(&[NotifyState::Ready]);
    oxool_wsd::serve(listener, AppState::new(config, spawner), shutdown_signal()).await?;
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

/// Tells systemd (Type=notify) where wsd is; a no-op when not started by systemd.
fn notify_systemd(state: &[NotifyState]) {
    if let Err(error) = sd_notify::notify(state) {
        tracing::warn!(%error, "cannot notify systemd");
    }
}
