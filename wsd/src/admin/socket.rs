//! `net.admin_socket`: `org.oxool.Wsd1` peer-to-peer on a unix socket, for a wsd without the
//! system bus (standalone, development, containers). oxoolctl connects with
//! `--address unix:path=PATH`.
//!
//! There is no bus policy here, so wsd does the bus's job itself: the socket file is mode 0600,
//! and every connection's `SO_PEERCRED` must be root or wsd's own user before the D-Bus
//! handshake starts.

use std::path::{Path, PathBuf};

use tokio::net::{UnixListener, UnixStream};
use tokio::task::JoinHandle;

use super::{make_private, remove_stale_socket, AdminError, Wsd1, OBJECT_PATH};

/// The listening admin socket and the task accepting on it.
pub struct AdminSocket {
    path: PathBuf,
    accepting: JoinHandle<()>,
}

impl AdminSocket {
    /// Binds `path` (replacing a stale socket of a dead wsd) and serves `object` on every
    /// connection an allowed user makes.
    pub fn listen(path: &Path, object: Wsd1) -> Result<AdminSocket, AdminError> {
        remove_stale_socket(path)?;
        let listener = UnixListener::bind(path).map_err(|error| AdminError::Bind {
            path: path.to_path_buf(),
            error,
        })?;
        make_private(path)?;
        tracing::info!(path = %path.display(), "admin interface org.oxool.Wsd1 on a unix socket");
        let accepting = tokio::spawn(accept_loop(listener, object));
        Ok(AdminSocket {
            path: path.to_path_buf(),
            accepting,
        })
    }

    /// Stops accepting and removes the socket file (connections already open finish).
    pub fn remove(self) {
        self.accepting.abort();
        if let Err(error) = std::fs::remove_file(&self.path) {
            tracing::warn!(path = %self.path.display(), %error, "cannot remove the admin socket");
        }
    }
}

async fn accept_loop(listener: UnixListener, object: Wsd1) {
    let own_uid = nix::unistd::geteuid().as_raw();
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(error) => {
                // EMFILE and the like: wait a moment instead of spinning.
                tracing::warn!(%error, "admin socket: accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        match peer_allowed(&stream, own_uid) {
            Ok(()) => {
                tokio::spawn(serve_peer(stream, object.clone()));
            }
            Err(reason) => tracing::warn!("admin socket: refused a connection: {reason}"),
        }
    }
}

/// Only root and the user wsd runs as may administer it: the kernel vouches for the peer's uid.
fn peer_allowed(stream: &UnixStream, own_uid: u32) -> Result<(), String> {
    let credentials = stream
        .peer_cred()
        .map_err(|e| format!("SO_PEERCRED: {e}"))?;
    let uid = credentials.uid();
    if uid == 0 || uid == own_uid {
        Ok(())
    } else {
        Err(format!("uid {uid} is neither root nor wsd's uid {own_uid}"))
    }
}

/// One oxoolctl connection: a D-Bus server handshake, then the object until the peer leaves.
async fn serve_peer(stream: UnixStream, object: Wsd1) {
    let connection = match zbus::connection::Builder::unix_stream(stream)
        .server(zbus::Guid::generate())
        .and_then(|b| b.p2p().serve_at(OBJECT_PATH, object))
    {
        Ok(builder) => builder.build().await,
        Err(error) => Err(error),
    };
    let connection = match connection {
        Ok(connection) => connection,
        Err(error) => {
            tracing::warn!(%error, "admin socket: D-Bus handshake failed");
            return;
        }
    };
    wait_for_peer_gone(&connection).await;
}

/// Resolves when the peer closes the connection; until then the connection (and with it the
/// served object) must stay alive.
async fn wait_for_peer_gone(connection: &zbus::Connection) {
    use futures_util::StreamExt;
    let mut messages = zbus::MessageStream::from(connection);
    while let Some(message) = messages.next().await {
        if message.is_err() {
            break;
        }
    }
}
