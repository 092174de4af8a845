//! oxool-forkit: the kit spawner.
//!
//! Shape (docs/design.md, "Threads and fork"): `main` parses the command line while the process is
//! still single-threaded, forks the zygote (which preinitialises LibreOffice and forks kits), and
//! only then starts the async front end that serves `org.oxool.Forkit1`.

mod args;
mod control;
mod frontend;
mod zygote;

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Parser;
use nix::unistd::{fork, ForkResult};

use args::Args;
use frontend::dbus::{Forkit1, BUS_NAME, OBJECT_PATH};
use frontend::pool::{Pool, PoolSizing};
use frontend::{Frontend, KitExit, Stats, ZygoteLink};
use oxool_settings::KitSettings;

fn main() {
    let args = Args::parse();
    let kit = match args.kit_settings() {
        Ok(kit) => kit,
        Err(err) => {
            eprintln!("oxool-forkit: {err}");
            std::process::exit(1);
        }
    };
    // While forkit is one process: cgroup v2 moves that process into a leaf cgroup, and the
    // zygote forked below inherits it.
    let (cgroups, no_cgroup_reason) = zygote::cgroup::prepare(&kit);
    let cgroup_mode = cgroups.mode();
    let (front_end, zygote_end) = match control::control_pair() {
        Ok(pair) => pair,
        Err(err) => {
            eprintln!("oxool-forkit: {err}");
            std::process::exit(1);
        }
    };
    // SAFETY: no thread has been started yet (clap spawns none), so the child is a consistent
    // copy; it runs the zygote, which stays single-threaded and leaves with _exit.
    match unsafe { fork() } {
        Ok(ForkResult::Child) => {
            drop(front_end);
            // The zygote, and every kit it makes, holds nothing of the front end's: above all
            // not the D-Bus connection to wsd (--p2p-fd), through which a kit could answer
            // wsd's SpawnKit calls itself. Only stdio and the control socket stay.
            let keep = [0, 1, 2, zygote_end.as_raw_fd()];
            if let Err(err) = oxool_kit::sys::close_fds_except(&keep) {
                eprintln!("oxool-forkit zygote: closing inherited descriptors: {err}");
                oxool_kit::answer::leave(1);
            }
            zygote::run(&kit, &cgroups, zygote_end)
        }
        Ok(ForkResult::Parent { .. }) => drop(zygote_end),
        Err(err) => {
            eprintln!("oxool-forkit: forking the zygote: {err}");
            std::process::exit(1);
        }
    }
    let limits = FrontEndStart {
        kit,
        cgroup_mode,
        no_cgroup_reason,
    };
    if let Err(err) = run_front_end(args, limits, front_end) {
        eprintln!("oxool-forkit: {err:#}");
        std::process::exit(1);
    }
}

#[tokio::main]
async fn run_front_end(args: Args, start: FrontEndStart, control: OwnedFd) -> anyhow::Result<()> {
    init_logging();
    let kit = start.kit;
    if let Some(reason) = start.no_cgroup_reason {
        tracing::warn!(
            rlimit_as_mb = if kit.limit_virt_mem_mb > 0 {
                kit.limit_virt_mem_mb
            } else {
                kit.memory_max_mb
            },
            "WARNING: no cgroup bounds the memory of kits, only rlimits (RLIMIT_AS): {reason}"
        );
    }
    let zygote = ZygoteLink::new(control).context("control channel")?;
    let (message, _) = zygote.recv().await.context("waiting for the zygote")?;
    match message.name.as_str() {
        "preinited" => tracing::info!(
            preinit_ms = message.get("ms").unwrap_or_default(),
            lo_version = message.get("lo_version").unwrap_or_default(),
            "zygote ready"
        ),
        "failed" => bail!(
            "the zygote failed: {}",
            message.get("reason").unwrap_or_default()
        ),
        other => bail!("unexpected first message from the zygote: {other}"),
    }
    let mut stats = Stats::default();
    stats.cgroup_mode = start.cgroup_mode.name();
    stats.preinit_ms.store(
        message.parse_arg("ms").unwrap_or(0),
        std::sync::atomic::Ordering::Relaxed,
    );
    let frontend = Arc::new(Frontend {
        pool: Pool::new(PoolSizing::from_settings(&kit)),
        zygote,
        stats,
        spawn_timeout: Duration::from_secs(args.spawn_timeout_secs),
    });
    let connection = connect(&args, Arc::clone(&frontend)).await?;
    frontend.zygote.order_spawns(frontend.pool.fill()).await;
    tokio::spawn(Arc::clone(&frontend).resize_pool_every_second());

    let (exits_tx, mut exits_rx) = tokio::sync::mpsc::unbounded_channel::<KitExit>();
    let emitter = zbus::object_server::SignalEmitter::new(&connection, OBJECT_PATH)?.into_owned();
    tokio::spawn(async move {
        while let Some(exit) = exits_rx.recv().await {
            let _ =
                Forkit1::kit_exited(&emitter, exit.pid, &exit.jail_id, exit.status, exit.oom).await;
        }
    });
    let events = tokio::spawn(Arc::clone(&frontend).run_events(exits_tx));
    let closed = wait_for_peer_gone(&connection);
    tokio::select! {
        result = events => match result {
            Ok(Err(err)) => bail!("the zygote went away: {err}"),
            _ => bail!("the zygote went away"),
        },
        () = closed => {
            tracing::info!("the D-Bus peer went away; stopping");
            Ok(())
        }
    }
}

/// What `main` found before the zygote was forked, for the front end.
struct FrontEndStart {
    kit: KitSettings,
    cgroup_mode: zygote::cgroup::Mode,
    /// Why kits get rlimits only (logged once, as a warning).
    no_cgroup_reason: Option<String>,
}

/// Peer-to-peer with the wsd that started us, or the system bus under systemd.
async fn connect(args: &Args, frontend: Arc<Frontend>) -> anyhow::Result<zbus::Connection> {
    let service = Forkit1 { frontend };
    if let Some(fd) = args.p2p_fd {
        // SAFETY: wsd passed this descriptor to us for exactly this purpose and nothing else in
        // this process refers to it; we take ownership once, here.
        let owned = unsafe { OwnedFd::from_raw_fd(fd) };
        let stream = std::os::unix::net::UnixStream::from(owned);
        stream.set_nonblocking(true)?;
        let stream = tokio::net::UnixStream::from_std(stream)?;
        let connection = zbus::connection::Builder::unix_stream(stream)
            .server(zbus::Guid::generate())?
            .p2p()
            .serve_at(OBJECT_PATH, service)?
            .build()
            .await
            .context("peer-to-peer D-Bus with wsd")?;
        Ok(connection)
    } else if args.system_bus {
        let connection = zbus::connection::Builder::system()?
            .name(BUS_NAME)?
            .serve_at(OBJECT_PATH, service)?
            .build()
            .await
            .context("claiming org.oxool.Forkit1 on the system bus")?;
        Ok(connection)
    } else {
        bail!("say how to serve: --p2p-fd N (started by wsd) or --system-bus (systemd)")
    }
}

/// Resolves when a peer-to-peer connection closes (never, on the bus: systemd stops us there).
async fn wait_for_peer_gone(connection: &zbus::Connection) {
    if connection.unique_name().is_some() {
        std::future::pending::<()>().await;
    }
    let mut stream = zbus::MessageStream::from(connection);
    use futures_util::StreamExt;
    while let Some(message) = stream.next().await {
        if message.is_err() {
            break;
        }
    }
}

fn init_logging() {
    use tracing_subscriber::prelude::*;
    let filter = tracing_subscriber::EnvFilter::new("info");
    let journald = std::path::Path::new("/run/systemd/journal/socket")
        .exists()
        .then(|| tracing_journald::layer().ok())
        .flatten()
        // Fields become OXOOL_<NAME> journal fields (OXOOL_KIT_PID, OXOOL_JAIL_ID).
        .map(|layer| layer.with_field_prefix(Some("OXOOL".to_string())));
    match journald {
        Some(layer) => tracing_subscriber::registry()
            .with(filter)
            .with(layer)
            .init(),
        None => tracing_subscriber::registry()
            .with(filter)
            .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
            .init(),
    }
}
