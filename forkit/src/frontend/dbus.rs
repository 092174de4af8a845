//! `org.oxool.Forkit1` at `/org/oxool/Forkit1`, served. The members and their signatures are
//! defined once, in oxool-bus (bus/src/forkit1.rs), with the client proxy wsd uses.
//!
//! The same object is served on the system bus (systemd) or peer-to-peer on a socket wsd passed
//! us: one code path, two transports.

use std::sync::Arc;

use zbus::object_server::{ResponseDispatchNotifier, SignalEmitter};
use zbus::zvariant::OwnedFd;

use oxool_bus::forkit1::ForkitStats;

use super::Frontend;

pub use oxool_bus::forkit1::{BUS_NAME, OBJECT_PATH};

/// How long an aborted kit has to write its backtrace before it is killed.
const ABORT_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

pub struct Forkit1 {
    pub frontend: Arc<Frontend>,
}

#[zbus::interface(name = "org.oxool.Forkit1")]
impl Forkit1 {
    async fn spawn_kit(
        &self,
    ) -> zbus::fdo::Result<ResponseDispatchNotifier<(OwnedFd, u32, String)>> {
        let started = std::time::Instant::now();
        let (kit, refill) = self
            .frontend
            .spawn_kit()
            .await
            .map_err(|e| zbus::fdo::Error::Failed(e.to_string()))?;
        tracing::info!(kit_pid = kit.pid, jail_id = %kit.jail_id, took_us = started.elapsed().as_micros() as u64, "kit handed out");
        let (reply, sent) =
            ResponseDispatchNotifier::new((OwnedFd::from(kit.socket), kit.pid, kit.jail_id));
        // The refill is ordered once the reply is written, so it never delays the hand-out.
        let frontend = Arc::clone(&self.frontend);
        tokio::spawn(async move {
            sent.await;
            frontend.order_refill(refill).await;
        });
        Ok(reply)
    }

    async fn kill_kit(&self, pid: u32) -> zbus::fdo::Result<()> {
        self.frontend
            .zygote
            .kill(pid)
            .await
            .map_err(|e| zbus::fdo::Error::Failed(e.to_string()))
    }

    async fn abort_kit(&self, pid: u32) -> zbus::fdo::Result<()> {
        self.frontend
            .zygote
            .abort(pid)
            .await
            .map_err(|e| zbus::fdo::Error::Failed(e.to_string()))?;
        // A kit stuck where its signal handler cannot run still ends: `kill` of a kit that has
        // been reaped meanwhile is ignored by the zygote.
        let frontend = Arc::clone(&self.frontend);
        tokio::spawn(async move {
            tokio::time::sleep(ABORT_GRACE).await;
            if let Err(error) = frontend.zygote.kill(pid).await {
                tracing::warn!(%error, pid, "cannot kill the aborted kit");
            }
        });
        Ok(())
    }

    async fn stats(&self) -> ForkitStats {
        let pool = &self.frontend.pool;
        self.frontend
            .stats
            .snapshot(pool.ready_count(), pool.target())
    }

    #[zbus(signal)]
    pub async fn kit_exited(
        emitter: &SignalEmitter<'_>,
        pid: u32,
        jail_id: &str,
        status: i32,
        oom: bool,
    ) -> zbus::Result<()>;
}
