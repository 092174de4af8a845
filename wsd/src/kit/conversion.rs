//! One conversion with one fresh kit: spawn it, send `convert` with the document, read the
//! answer under a deadline, and throw the kit away.
//!
//! The kit is untrusted (it runs LibreOffice on a hostile document), so everything it says is
//! bounded: the payload of a `converted` answer by `kit.max_document_mb` and of any other
//! message by its own small limit (proto/src/limits.rs), the time by `convert.timeout_secs`,
//! and the error text it sends back by [`MAX_KIT_TEXT`]. A kit that overruns its deadline is
//! killed through forkit; a kit abandoned mid-conversion (the client went away) too.

use std::sync::Arc;
use std::time::{Duration, Instant};

use oxool_proto::{kit_payload_limit, Frame, FrameError, FromKit, Message, ToKit};
use tokio::net::UnixStream;

use tracing::Instrument;

use crate::kit::answer::{classify, Reply};
use crate::kit::{KitHandle, KitSpawner, SpawnError};
use crate::metrics::Metrics;

/// Longest kit-supplied text passed on to the HTTP client.
const MAX_KIT_TEXT: usize = 300;

/// What to convert; `file_name` is a bare file name (no directories).
#[derive(Debug, Clone)]
pub struct ConversionRequest {
    pub file_name: String,
    pub format: String,
    pub options: Option<String>,
    pub pdf_version: Option<String>,
    /// The password of a protected document: passed to the kit, never logged.
    pub password: Option<crate::password::DocumentPassword>,
    pub document: Vec<u8>,
}

#[derive(Debug, Clone, Copy)]
pub struct ConversionLimits {
    pub spawn_timeout: Duration,
    pub timeout: Duration,
    /// Largest converted document accepted from the kit.
    pub max_result_bytes: u32,
}

#[derive(Debug)]
pub struct Converted {
    pub format: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConversionError {
    #[error("no conversion process available: {0}")]
    Spawn(SpawnError),
    #[error("the conversion did not finish within {} seconds", .0.as_secs())]
    Timeout(Duration),
    #[error("the conversion process crashed")]
    Crashed,
    /// The kernel's OOM killer ended the kit (forkit's `KitExited oom=true`).
    #[error("{}", crate::kit::OUT_OF_MEMORY)]
    OutOfMemory,
    #[error("the conversion process was stopped by its seccomp sandbox (system call {syscall})")]
    Seccomp { syscall: String },
    #[error("the document could not be loaded: {0}")]
    Load(String),
    #[error("{0}")]
    PasswordProtected(String),
    #[error("cannot convert to this format: {0}")]
    Format(String),
    #[error("the conversion request was refused: {0}")]
    BadRequest(String),
    #[error("the document is too large for the conversion process: {0}")]
    TooLarge(String),
    #[error("the conversion failed ({kind}): {message}")]
    Failed { kind: String, message: String },
    #[error("the converted document exceeds the limit of {limit} bytes")]
    ResultTooLarge { limit: u32 },
    #[error("the conversion process sent an unexpected answer: {0}")]
    Protocol(String),
}

/// Converts `request` in a fresh kit from `spawner`.
pub async fn convert(
    spawner: &Arc<dyn KitSpawner>,
    metrics: &Metrics,
    limits: ConversionLimits,
    request: ConversionRequest,
) -> Result<Converted, ConversionError> {
    let started = Instant::now();
    let kit = tokio::time::timeout(limits.spawn_timeout, spawner.spawn_kit())
        .await
        .map_err(|_| ConversionError::Spawn(SpawnError::Timeout))?
        .map_err(ConversionError::Spawn)?;
    metrics.record_spawn(started.elapsed());
    let span = tracing::info_span!("kit", pid = kit.pid, jail = %kit.jail_id);
    use_kit(spawner, limits, request, kit)
        .instrument(span)
        .await
}

async fn use_kit(
    spawner: &Arc<dyn KitSpawner>,
    limits: ConversionLimits,
    request: ConversionRequest,
    kit: KitHandle,
) -> Result<Converted, ConversionError> {
    tracing::debug!(format = %request.format, bytes = request.document.len(), "converting");
    let mut guard = KitGuard {
        spawner: Arc::clone(spawner),
        pid: kit.pid,
        settled: false,
    };
    let mut stream = kit.stream;
    let answer = tokio::time::timeout(
        limits.timeout,
        converse(&mut stream, request, limits.max_result_bytes),
    )
    .await;
    let result = match answer {
        Err(_elapsed) => {
            tracing::warn!(
                timeout_secs = limits.timeout.as_secs(),
                "conversion timed out"
            );
            kill(spawner.as_ref(), kit.pid).await;
            Err(ConversionError::Timeout(limits.timeout))
        }
        Ok(Err(ConversionError::Crashed)) => {
            // forkit knows whether the kernel killed it for memory (its cgroup's OOM count).
            let error = match spawner.kit_exit(kit.pid).await {
                Some(exit) if exit.oom => ConversionError::OutOfMemory,
                _ => ConversionError::Crashed,
            };
            tracing::warn!(%error, "kit died during the conversion");
            Err(error)
        }
        Ok(Err(error @ ConversionError::Seccomp { .. })) => {
            tracing::warn!(%error, "kit died during the conversion");
            Err(error)
        }
        Ok(Err(
            error @ (ConversionError::Protocol(_) | ConversionError::ResultTooLarge { .. }),
        )) => {
            // A kit that breaks the protocol may be under a hostile document's control: it does
            // not get to decide when it leaves.
            tracing::warn!(%error, "kit misbehaved, killing it");
            kill(spawner.as_ref(), kit.pid).await;
            Err(error)
        }
        Ok(result) => {
            say_goodbye(&mut stream).await;
            result
        }
    };
    guard.settled = true;
    result
}

/// Sends the request and reads the answer. The write and the read run together: a kit may
/// answer (`error kind=too-large`) before it has read the whole document, and then stop reading.
async fn converse(
    stream: &mut UnixStream,
    request: ConversionRequest,
    max_result_bytes: u32,
) -> Result<Converted, ConversionError> {
    let frame = Frame::with_payload(convert_message(&request).render(), request.document);
    let (mut reader, mut writer) = stream.split();
    let write = frame.write_async(&mut writer);
    let read = read_answer(&mut reader, max_result_bytes);
    tokio::pin!(write, read);
    let mut writing = true;
    loop {
        tokio::select! {
            written = &mut write, if writing => {
                writing = false;
                if let Err(error) = written {
                    // The kit stopped reading: keep reading, it may have said why before it went.
                    tracing::debug!(%error, "kit stopped reading the document");
                }
            }
            answer = &mut read => return answer,
        }
    }
}

fn convert_message(request: &ConversionRequest) -> Message {
    let mut message = Message::new(ToKit::Convert.name())
        .arg("name", &request.file_name)
        .arg("format", &request.format);
    if let Some(options) = &request.options {
        message = message.arg("options", options);
    }
    if let Some(version) = &request.pdf_version {
        message = message.arg("pdfver", version);
    }
    if let Some(password) = &request.password {
        message = message.arg("password", password.expose());
    }
    message
}

/// The kit's answer to `convert`; `ready` frames (sent once jailed) are skipped.
async fn read_answer(
    reader: &mut (impl tokio::io::AsyncRead + Unpin),
    max_result_bytes: u32,
) -> Result<Converted, ConversionError> {
    loop {
        let limit = |name: &str| kit_payload_limit(name, max_result_bytes);
        let frame = match Frame::read_async_by_name(reader, limit).await {
            Ok(frame) => frame,
            Err(FrameError::MessageTooLarge { name, .. }) if name == FromKit::Converted.name() => {
                return Err(ConversionError::ResultTooLarge {
                    limit: max_result_bytes,
                })
            }
            Err(FrameError::Closed | FrameError::Io(_)) => return Err(ConversionError::Crashed),
            Err(error) => return Err(ConversionError::Protocol(error.to_string())),
        };
        let reply = classify(frame, FromKit::Converted)
            .map_err(|e| ConversionError::Protocol(e.to_string()))?;
        match reply {
            Reply::Skip => continue,
            Reply::Answer(message, bytes) => {
                let format = message.get("format").unwrap_or_default().to_string();
                tracing::debug!(
                    convert_ms = message.get("convert_ms").unwrap_or_default(),
                    "the kit converted"
                );
                return Ok(Converted { format, bytes });
            }
            Reply::Refused(message) => return Err(kit_error(&message)),
            Reply::Unexpected(name) => {
                return Err(ConversionError::Protocol(format!(
                    "message {:?}",
                    bounded(&name)
                )))
            }
        }
    }
}

/// Maps the kit's `error kind=… message=…` to what the HTTP side distinguishes.
fn kit_error(message: &Message) -> ConversionError {
    let text = bounded(message.get("message").unwrap_or("no reason given"));
    match message.get("kind").unwrap_or("internal") {
        "seccomp" => ConversionError::Seccomp {
            syscall: bounded(message.get("syscall").unwrap_or("unknown")),
        },
        "load" => ConversionError::Load(text),
        "password-protected" => ConversionError::PasswordProtected(text),
        "format" => ConversionError::Format(text),
        "bad-request" => ConversionError::BadRequest(text),
        "too-large" => ConversionError::TooLarge(text),
        kind => ConversionError::Failed {
            kind: bounded(kind),
            message: text,
        },
    }
}

/// Kit text made safe for a one-line plain-text answer: no control characters, bounded length.
fn bounded(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_KIT_TEXT)
        .collect()
}

/// Tells a kit that is still alive to leave; it also leaves on EOF, so failures do not matter.
async fn say_goodbye(stream: &mut UnixStream) {
    if let Err(error) = Frame::new("exit").write_async(stream).await {
        tracing::debug!(%error, "kit gone before exit");
    }
}

async fn kill(spawner: &dyn KitSpawner, pid: u32) {
    if let Err(error) = spawner.kill_kit(pid).await {
        tracing::error!(pid, %error, "could not kill a kit");
    }
}

/// Kills the kit when the conversion is abandoned half-way (the request future was dropped
/// because the client went away): closing the socket is not enough for a kit stuck in LibreOffice.
struct KitGuard {
    spawner: Arc<dyn KitSpawner>,
    pid: u32,
    settled: bool,
}

impl Drop for KitGuard {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let spawner = Arc::clone(&self.spawner);
            let pid = self.pid;
            tracing::info!(pid, "conversion abandoned, killing its kit");
            runtime.spawn(async move { kill(spawner.as_ref(), pid).await });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn convert_message_carries_the_optional_arguments() {
        let mut request = ConversionRequest {
            file_name: "my file.docx".into(),
            format: "pdf".into(),
            options: None,
            pdf_version: None,
            password: None,
            document: vec![],
        };
        assert_eq!(
            convert_message(&request).render(),
            "convert name=my%20file.docx format=pdf"
        );
        request.options = Some("{\"a\":1}".into());
        request.pdf_version = Some("PDF/A-2b".into());
        let message = Message::parse(&convert_message(&request).render()).unwrap();
        assert_eq!(message.get("options"), Some("{\"a\":1}"));
        assert_eq!(message.get("pdfver"), Some("PDF/A-2b"));
        assert_eq!(message.get("password"), None);
        request.password = crate::password::DocumentPassword::new("p w%");
        let message = Message::parse(&convert_message(&request).render()).unwrap();
        assert_eq!(message.get("password"), Some("p w%"));
    }

    #[test]
    fn kit_errors_map_by_kind() {
        let parse = |line: &str| kit_error(&Message::parse(line).unwrap());
        assert!(
            matches!(parse("error kind=load message=broken"), ConversionError::Load(m) if m == "broken")
        );
        assert!(matches!(
            parse("error kind=format message=x"),
            ConversionError::Format(_)
        ));
        assert!(matches!(
            parse("error kind=seccomp syscall=mkdir"),
            ConversionError::Seccomp { syscall } if syscall == "mkdir"
        ));
        assert!(matches!(
            parse("error kind=save message=x"),
            ConversionError::Failed { .. }
        ));
        assert!(matches!(parse("error"), ConversionError::Failed { .. }));
    }

    #[test]
    fn kit_text_is_bounded_and_single_line() {
        let text = bounded(&format!("a\nb{}", "x".repeat(1000)));
        assert!(text.starts_with("a b"));
        assert_eq!(text.chars().count(), MAX_KIT_TEXT);
    }
}
