//! One document's kit, seen from its broker: spawn it, load the document (docs/kit-protocol.md,
//! `load`/`loaded`), then two tasks: a reader that hands every frame to the broker, and a writer
//! that sends what the broker queues.
//!
//! The kit is untrusted: each frame's payload is bounded by its message name (a `saved` document
//! by `kit.max_document_mb`, a tile by a few MiB, a callback by 4 MiB; proto/src/limits.rs), and
//! a kit that breaks the protocol is killed. The reader waits when the broker is busy, so a flood of callbacks
//! pushes back into the kit, whose own queue drops and counts (it never blocks LibreOffice).

use std::sync::Arc;
use std::time::Duration;

use oxool_proto::{kit_payload_limit, Frame, FrameError, FromKit, Message, ToKit};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;

use crate::kit::answer::{classify, Reply};
use crate::kit::{KitSpawner, SpawnError};
use crate::password::DocumentPassword;

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
    /// The kernel's OOM killer ended the kit while it loaded the document.
    #[error("{}", crate::kit::OUT_OF_MEMORY)]
    OutOfMemory,
    #[error("loading the document took longer than {} seconds", .0.as_secs())]
    Timeout(Duration),
    #[error("the document process broke the protocol: {0}")]
    Protocol(String),
    /// The document needs a (correct) password (docs/kit-protocol.md, `load`).
    #[error("{message}")]
    Password {
        kind: &'static str,
        password_type: &'static str,
        message: String,
    },
}

impl KitLinkError {
    pub fn kind(&self) -> &'static str {
        match self {
            KitLinkError::Spawn(_) => "kit-unavailable",
            KitLinkError::Load(_) | KitLinkError::Timeout(_) | KitLinkError::Protocol(_) => "load",
            KitLinkError::Crashed => "kit-crashed",
            KitLinkError::OutOfMemory => "kit-out-of-memory",
            KitLinkError::Password { kind, .. } => kind,
        }
    }
}

/// The document a kit loads: its name (for the extension and the title), the password of a
/// protected one (never logged), its bytes.
#[derive(Clone)]
pub struct KitDocument<'a> {
    pub file_name: &'a str,
    pub password: Option<&'a DocumentPassword>,
    pub bytes: Vec<u8>,
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
pub enum KitEvent {
    Frame(Frame),
    /// The kit closed its socket or broke the protocol; `reason` says which. A kit that broke
    /// it may still run, under a hostile document's control: the broker kills it.
    Gone {
        reason: String,
        broke_protocol: bool,
        /// forkit reported that the kernel's OOM killer ended the kit.
        out_of_memory: bool,
    },
}

impl KitLink {
    /// Spawns a kit and loads `document` within `timeout` (once more in a new kit when the
    /// first hangs, dies or breaks the protocol while loading: that says nothing about the
    /// document), then starts the reader (frames go to `events`, wrapped by `wrap`) and the
    /// writer. About one load in a hundred under the kill tests never got its answer
    /// (docs/benchmarks.md, issue 13); a refusal, a password question or the memory limit is the
    /// document's and is not retried.
    pub async fn open_retrying<E: Send + 'static>(
        spawner: &Arc<dyn KitSpawner>,
        document: KitDocument<'_>,
        timeout: Duration,
        max_frame: u32,
        events: mpsc::Sender<E>,
        wrap: fn(KitEvent) -> E,
    ) -> Result<(KitLink, Loaded), KitLinkError> {
        let first = document.clone();
        let kit = match load_in_new_kit(spawner, first, timeout, max_frame).await {
            Err(
                error @ (KitLinkError::Timeout(_)
                | KitLinkError::Crashed
                | KitLinkError::Protocol(_)),
            ) => {
                tracing::warn!(%error, "the kit failed while loading; trying a new kit");
                load_in_new_kit(spawner, document, timeout, max_frame).await
            }
            other => other,
        }?;
        let (to_kit, queue) = mpsc::channel(TO_KIT_CAPACITY);
        tokio::spawn(write_frames(kit.writer, queue));
        let exit_of = Some((Arc::clone(spawner), kit.pid));
        tokio::spawn(read_frames(kit.reader, max_frame, events, wrap, exit_of));
        Ok((
            KitLink {
                pid: kit.pid,
                jail_id: kit.jail_id,
                to_kit,
                spawner: Arc::clone(spawner),
            },
            kit.loaded,
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
        let _ = self.send(Message::new(ToKit::Exit.name()));
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

/// A kit that has loaded its document, before its reader and writer start.
struct LoadedKit {
    pid: u32,
    jail_id: String,
    reader: OwnedReadHalf,
    writer: OwnedWriteHalf,
    loaded: Loaded,
}

/// Spawns a kit and loads `document` within `timeout`; a kit that fails to load is ended.
async fn load_in_new_kit(
    spawner: &Arc<dyn KitSpawner>,
    document: KitDocument<'_>,
    timeout: Duration,
    max_frame: u32,
) -> Result<LoadedKit, KitLinkError> {
    let kit = tokio::time::timeout(timeout, spawner.spawn_kit())
        .await
        .map_err(|_| KitLinkError::Spawn(SpawnError::Timeout))??;
    let (mut reader, mut writer) = kit.stream.into_split();
    let mut load = Message::new(ToKit::Load.name()).arg("name", document.file_name);
    if let Some(password) = document.password {
        load = load.arg("password", password.expose());
    }
    let load = Frame::with_payload(load.render(), document.bytes);
    let loaded = tokio::time::timeout(timeout, async {
        load.write_async(&mut writer)
            .await
            .map_err(|_| KitLinkError::Crashed)?;
        read_loaded(&mut reader, max_frame).await
    })
    .await;
    let loaded = match loaded.unwrap_or(Err(KitLinkError::Timeout(timeout))) {
        Ok(loaded) => loaded,
        Err(KitLinkError::Crashed) if out_of_memory(spawner, kit.pid).await => {
            return Err(KitLinkError::OutOfMemory);
        }
        Err(error @ KitLinkError::Timeout(_)) => {
            // A hostile or enormous document, or a hang in LibreOffice or the kit: the
            // backtrace the aborted kit writes to the journal says which.
            tracing::warn!(
                pid = kit.pid,
                "the kit hung while loading; aborting it for its backtrace"
            );
            let _ = spawner.abort_kit(kit.pid).await;
            return Err(error);
        }
        Err(error) => {
            // A kit that failed to load is of no further use.
            let _ = spawner.kill_kit(kit.pid).await;
            return Err(error);
        }
    };
    Ok(LoadedKit {
        pid: kit.pid,
        jail_id: kit.jail_id,
        reader,
        writer,
        loaded,
    })
}

async fn read_loaded(reader: &mut OwnedReadHalf, max_frame: u32) -> Result<Loaded, KitLinkError> {
    loop {
        let frame = match read_kit_frame(reader, max_frame).await {
            Ok(frame) => frame,
            Err(FrameError::Closed | FrameError::Io(_)) => return Err(KitLinkError::Crashed),
            Err(error) => return Err(KitLinkError::Protocol(error.to_string())),
        };
        let reply =
            classify(frame, FromKit::Loaded).map_err(|e| KitLinkError::Protocol(e.to_string()))?;
        match reply {
            Reply::Skip => continue,
            Reply::Answer(message, _) => {
                return Ok(Loaded {
                    doc_type: message.get("type").unwrap_or("other").to_string(),
                    parts: message.parse_arg("parts").unwrap_or(1),
                })
            }
            Reply::Refused(message) => {
                let text: String = message
                    .get("message")
                    .unwrap_or("unknown error")
                    .chars()
                    .take(300)
                    .collect();
                return Err(
                    password_error(&message, text.clone()).unwrap_or(KitLinkError::Load(text))
                );
            }
            Reply::Unexpected(name) => {
                return Err(KitLinkError::Protocol(format!(
                    "unexpected {name:?} while loading"
                )))
            }
        }
    }
}

/// The kit's `error kind=password-required|password-wrong type=to-view|to-modify`, with the
/// kind and type as the protocol spells them (anything else from the kit is not passed on).
fn password_error(error: &Message, message: String) -> Option<KitLinkError> {
    let kind = match error.get("kind")? {
        "password-required" => "password-required",
        "password-wrong" => "password-wrong",
        _ => return None,
    };
    let password_type = match error.get("type") {
        Some("to-modify") => "to-modify",
        _ => "to-view",
    };
    Some(KitLinkError::Password {
        kind,
        password_type,
        message,
    })
}

/// One frame from the kit, its payload bounded by its message name; `max_document` bounds a
/// `saved` document.
async fn read_kit_frame(
    reader: &mut (impl tokio::io::AsyncRead + Unpin),
    max_document: u32,
) -> Result<Frame, FrameError> {
    Frame::read_async_by_name(reader, |name| kit_payload_limit(name, max_document)).await
}

async fn write_frames(mut writer: OwnedWriteHalf, mut queue: mpsc::Receiver<Frame>) {
    while let Some(frame) = queue.recv().await {
        if let Err(error) = frame.write_async(&mut writer).await {
            tracing::debug!(%error, "kit socket closed for writing");
            return;
        }
    }
}

/// Whether forkit reported that the kernel's OOM killer ended kit `pid`.
async fn out_of_memory(spawner: &Arc<dyn KitSpawner>, pid: u32) -> bool {
    spawner.kit_exit(pid).await.is_some_and(|exit| exit.oom)
}

/// `exit_of`: whom to ask how the kit ended when its socket closes.
async fn read_frames<E>(
    mut reader: impl tokio::io::AsyncRead + Unpin,
    max_frame: u32,
    events: mpsc::Sender<E>,
    wrap: fn(KitEvent) -> E,
    exit_of: Option<(Arc<dyn KitSpawner>, u32)>,
) {
    let (reason, broke_protocol) = loop {
        match read_kit_frame(&mut reader, max_frame).await {
            Ok(frame) => {
                if events.send(wrap(KitEvent::Frame(frame))).await.is_err() {
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
    let out_of_memory = match (&exit_of, broke_protocol) {
        (Some((spawner, pid)), false) => out_of_memory(spawner, *pid).await,
        _ => false,
    };
    let gone = KitEvent::Gone {
        reason,
        broke_protocol,
        out_of_memory,
    };
    let _ = events.send(wrap(gone)).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;
    use tokio::net::UnixStream;

    fn wrap(from: KitEvent) -> KitEvent {
        from
    }

    /// What the reader reports after the kit end of a real socketpair sends `bytes`.
    async fn reader_reports(frames: Vec<Vec<u8>>) -> Vec<KitEvent> {
        let (wsd_end, mut kit_end) = UnixStream::pair().unwrap();
        let (events, mut received) = mpsc::channel(16);
        let reader = tokio::spawn(read_frames(wsd_end, 100 << 20, events, wrap, None));
        // The kit writes in the background: wsd stops reading at the oversized header, so a
        // large write would block forever.
        tokio::spawn(async move {
            for bytes in frames {
                if kit_end.write_all(&bytes).await.is_err() {
                    return;
                }
            }
            // Keep the socket open: an oversized frame must end the link by itself.
            std::future::pending::<()>().await;
        });
        let mut seen = Vec::new();
        while let Some(from) = received.recv().await {
            let gone = matches!(from, KitEvent::Gone { .. });
            seen.push(from);
            if gone {
                break;
            }
        }
        reader.await.unwrap();
        seen
    }

    #[tokio::test]
    async fn an_oversized_callback_breaks_the_protocol() {
        let small = Frame::new("callback view=1 kind=STATE_CHANGED payload=x");
        // A JSDialog tree of a sidebar deck: large, but within the callback limit.
        let jsdialog =
            Frame::with_payload("callback view=1 kind=JSDIALOG body=1", vec![b'x'; 4 << 20]);
        let oversized = Frame::with_payload(
            "callback view=1 kind=JSDIALOG body=1",
            vec![b'x'; (4 << 20) + 1],
        );
        let seen = reader_reports(vec![
            small.encode().unwrap(),
            jsdialog.encode().unwrap(),
            oversized.encode().unwrap(),
        ])
        .await;
        assert!(matches!(&seen[0], KitEvent::Frame(frame) if *frame == small));
        assert!(matches!(&seen[1], KitEvent::Frame(frame) if *frame == jsdialog));
        match &seen[2] {
            KitEvent::Gone {
                reason,
                broke_protocol: true,
                ..
            } => assert!(reason.contains("\"callback\""), "{reason}"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_tile_and_a_saved_document_may_be_larger() {
        let tile = Frame::with_payload("tile view=1 part=0", vec![1; 1 << 20]);
        let saved = Frame::with_payload("saved format=odt bytes=1", vec![2; 8 << 20]);
        let seen = reader_reports(vec![
            tile.encode().unwrap(),
            saved.encode().unwrap(),
            Frame::with_payload("tile view=1", vec![0; 7 << 20])
                .encode()
                .unwrap(),
        ])
        .await;
        assert!(matches!(&seen[0], KitEvent::Frame(frame) if *frame == tile));
        assert!(matches!(&seen[1], KitEvent::Frame(frame) if *frame == saved));
        assert!(matches!(
            &seen[2],
            KitEvent::Gone {
                broke_protocol: true,
                ..
            }
        ));
    }
}
