//! One document's kit, seen from its broker: spawn it, load the document (docs/kit-protocol.md,
//! `load`/`loaded`), then two tasks: a reader that hands every frame to the broker, and a writer
//! that sends what the broker queues.
//!
//! The kit is untrusted: its frames are bounded by `kit.max_document_mb`, and a kit that breaks
//! the protocol is killed. The reader waits when the broker is busy, so a flood of callbacks
//! pushes back into the kit, whose own queue drops and counts (it never blocks LibreOffice).

use std::sync::Arc;
use std::time::Duration;

use oxool_proto::{Frame, FrameError, Message};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;

use crate::kits::{KitSpawner, SpawnError};

/// Frames waiting for the kit: tile requests are bounded by the sessions' windows and input by
/// the rate limit, so this is never reached in normal use.
const TO_KIT_CAPACITY: usize = 8192;

#[derive(Debug, thiserror::Error)]
pub enum KitLinkError {
    #[error("no document process available: {0}")]
    Spawn(#[from] SpawnError),
    #[error("the document process could not load the document: {0}")]
    Load(String),
    #[error("the document process ended while loading the document")]
    Crashed,
    #[error("loading the document took longer than {} seconds", .0.as_secs())]
    Timeout(Duration),
    #[error("the document process broke the protocol: {0}")]
    Protocol(String),
}

impl KitLinkError {
    pub fn kind(&self) -> &'static str {
        match self {
            KitLinkError::Spawn(_) => "kit-unavailable",
            KitLinkError::Load(_) | KitLinkError::Timeout(_) | KitLinkError::Protocol(_) => "load",
            KitLinkError::Crashed => "kit-crashed",
        }
    }
}

/// What the kit said when it loaded the document.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub doc_type: String,
    pub parts: u32,
}

/// The broker's side of a loaded kit.
pub struct KitLink {
    pub pid: u32,
    pub jail_id: String,
    to_kit: mpsc::Sender<Frame>,
    spawner: Arc<dyn KitSpawner>,
}

/// What the reader task reports.
#[derive(Debug)]
pub enum FromKit {
    Frame(Frame),
    /// The kit closed its socket or broke the protocol; `reason` says which. A kit that broke
    /// it may still run, under a hostile document's control: the broker kills it.
    Gone {
        reason: String,
        broke_protocol: bool,
    },
}

impl KitLink {
    /// Spawns a kit, loads `document` named `file_name` within `timeout`, and starts the
    /// reader (frames go to `events`, wrapped by `wrap`) and the writer.
    pub async fn open<E: Send + 'static>(
        spawner: &Arc<dyn KitSpawner>,
        file_name: &str,
        document: Vec<u8>,
        timeout: Duration,
        max_frame: u32,
        events: mpsc::Sender<E>,
        wrap: fn(FromKit) -> E,
    ) -> Result<(KitLink, Loaded), KitLinkError> {
        let kit = tokio::time::timeout(timeout, spawner.spawn_kit())
            .await
            .map_err(|_| KitLinkError::Spawn(SpawnError::Timeout))??;
        let (mut reader, mut writer) = kit.stream.into_split();
        let load = Frame::with_payload(
            Message::new("load").arg("name", file_name).render(),
            document,
        );
        let loaded = tokio::time::timeout(timeout, async {
            load.write_async(&mut writer)
                .await
                .map_err(|_| KitLinkError::Crashed)?;
            read_loaded(&mut reader, max_frame).await
        })
        .await;
        let loaded = match loaded.unwrap_or(Err(KitLinkError::Timeout(timeout))) {
            Ok(loaded) => loaded,
            Err(error) => {
                // A kit that failed to load is of no further use; one that timed out may hang.
                let _ = spawner.kill_kit(kit.pid).await;
                return Err(error);
            }
        };
        let (to_kit, queue) = mpsc::channel(TO_KIT_CAPACITY);
        tokio::spawn(write_frames(writer, queue));
        tokio::spawn(read_frames(reader, max_frame, events, wrap));
        Ok((
            KitLink {
                pid: kit.pid,
                jail_id: kit.jail_id,
                to_kit,
                spawner: Arc::clone(spawner),
            },
            loaded,
        ))
    }

    /// Queues a message for the kit. `false` when the kit is gone or hopelessly behind.
    pub fn send(&self, message: Message) -> bool {
        self.send_frame(Frame::new(message.render()))
    }

    pub fn send_frame(&self, frame: Frame) -> bool {
        self.to_kit.try_send(frame).is_ok()
    }

    /// Asks the kit to leave; forkit reaps it and removes its jail.
    pub fn close(&self) {
        let _ = self.send(Message::new("exit"));
    }

    /// Ends a kit that misbehaves or must go now.
    pub async fn kill(&self) {
        if let Err(error) = self.spawner.kill_kit(self.pid).await {
            tracing::warn!(%error, pid = self.pid, "cannot kill the kit");
        }
    }
}

impl Drop for KitLink {
    fn drop(&mut self) {
        // Dropping the writer's queue closes the socket, which also makes the kit leave.
        self.close();
    }
}

async fn read_loaded(reader: &mut OwnedReadHalf, max_frame: u32) -> Result<Loaded, KitLinkError> {
    loop {
        let frame = match Frame::read_async(reader, max_frame).await {
            Ok(frame) => frame,
            Err(FrameError::Closed | FrameError::Io(_)) => return Err(KitLinkError::Crashed),
            Err(error) => return Err(KitLinkError::Protocol(error.to_string())),
        };
        let message = frame
            .message()
            .map_err(|e| KitLinkError::Protocol(e.to_string()))?;
        match message.name.as_str() {
            "ready" => continue,
            "loaded" => {
                return Ok(Loaded {
                    doc_type: message.get("type").unwrap_or("other").to_string(),
                    parts: message.parse_arg("parts").unwrap_or(1),
                })
            }
            "error" => {
                let text = message.get("message").unwrap_or("unknown error");
                return Err(KitLinkError::Load(text.chars().take(300).collect()));
            }
            other => {
                return Err(KitLinkError::Protocol(format!(
                    "unexpected {other:?} while loading"
                )))
            }
        }
    }
}

async fn write_frames(mut writer: OwnedWriteHalf, mut queue: mpsc::Receiver<Frame>) {
    while let Some(frame) = queue.recv().await {
        if let Err(error) = frame.write_async(&mut writer).await {
            tracing::debug!(%error, "kit socket closed for writing");
            return;
        }
    }
}

async fn read_frames<E>(
    mut reader: OwnedReadHalf,
    max_frame: u32,
    events: mpsc::Sender<E>,
    wrap: fn(FromKit) -> E,
) {
    let (reason, broke_protocol) = loop {
        match Frame::read_async(&mut reader, max_frame).await {
            Ok(frame) => {
                if events.send(wrap(FromKit::Frame(frame))).await.is_err() {
                    return; // the broker is gone
                }
            }
            Err(FrameError::Closed) => break ("the document process ended".to_string(), false),
            Err(FrameError::Io(error)) => break (format!("the kit socket failed: {error}"), false),
            Err(error) => {
                break (
                    format!("the document process broke the protocol: {error}"),
                    true,
                )
            }
        }
    };
    let gone = FromKit::Gone {
        reason,
        broke_protocol,
    };
    let _ = events.send(wrap(gone)).await;
}
