//! One kit's life after the clone: jail, seccomp, `ready`, then LibreOffice (or the probes).
//!
//! forkit's zygote calls [`run_kit`] in the freshly cloned, still single-threaded child (PID 1 of
//! its own PID namespace: a signal it sends itself without a handler is ignored, SIGKILL from the
//! zygote and a fault's SIGSEGV still end it; glibc's abort() ends it with SIGSEGV). The
//! order below is the security argument of the whole design (docs/design.md, "Kit jail, in
//! order"):
//! nothing the document can influence runs before the jail and the seccomp filter are in place,
//! and LibreOffice starts its threads only after both. The wire format is docs/kit-protocol.md.

use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Instant;

use oxool_proto::{Frame, FromKit, Message, ToKit};

use crate::answer::{error_frame, fail, leave, next_frame_or_leave, reply};
use crate::convert::{self, ConvertError, ConvertRequest};
use crate::jail::{self, JailConfig, JailReport, MountMode};
use crate::lok::password::{self, LoadError, PasswordFailure, PasswordKind, ReadOnly};
use crate::lok::{Document, DocumentType, LokLibrary, Office};
use crate::seccomp::SeccompProgram;
use crate::session::{self, writer::FrameWriter, Session};
use crate::sniff::Refusal;
use crate::sys::LinuxSyscall;

/// Exit status of a kit that could not build its jail (distinct from seccomp's 70).
pub const EXIT_JAIL_FAILED: i32 = 71;
/// Exit status of a kit whose LibreOffice failed to start.
pub const EXIT_LOK_FAILED: i32 = 72;

/// Inside the jail: where a conversion's input and output live (on the jail's private tmpfs).
const CONVERT_DIR: &str = "/tmp/convert";
/// Inside the jail: the kit's own LibreOffice profile.
const KIT_PROFILE_URL: &str = "file:///tmp/user";

pub enum Entry {
    /// Serve documents with LibreOffice (the product).
    Lok,
    /// Run sandbox probes in place of LibreOffice (test-only, `--entry probe`).
    Probe,
}

pub struct KitSetup {
    pub jail: JailConfig,
    /// The kit's end of the socket whose other end wsd gets from SpawnKit.
    pub socket: OwnedFd,
    pub entry: Entry,
    pub program_dir: PathBuf,
    /// The largest document a `convert` frame may carry.
    pub max_document_bytes: u32,
    /// The zygote's pid, read before the clone: inside its own PID namespace the kit's
    /// `getppid()` is 0 (the probes aim at this pid from inside, where it names nothing).
    pub parent_pid: i32,
    /// The descriptors LibreOffice's preinit opened in the zygote (none is a socket): besides its
    /// kit socket and stdio, the only ones a kit keeps.
    pub preinit_fds: Vec<RawFd>,
}

/// Runs one kit to its end. Never returns: kits leave with `_exit`, so LibreOffice's own teardown
/// (which misbehaves while its threads run) never starts.
pub fn run_kit(setup: KitSetup, lok: Option<&LokLibrary>, seccomp: &SeccompProgram) -> ! {
    let KitSetup {
        jail,
        socket,
        entry,
        program_dir,
        max_document_bytes,
        parent_pid,
        preinit_fds,
    } = setup;
    let mut socket = UnixStream::from(socket);
    #[cfg(not(feature = "probes"))]
    let _ = parent_pid;
    // Probe mode plants a directory descriptor opened before the jail, so the fchdir probe can
    // show that no directory opened outside survives into the jail (close_directory_fds).
    #[cfg(feature = "probes")]
    let planted_fd = matches!(entry, Entry::Probe)
        .then(crate::probes::serve::plant_directory_fd)
        .flatten();
    // 0: the kit holds nothing of the zygote's (control socket, signalfd, other kits' sockets)
    //    and nothing the forkit inherited: only stdio, its kit socket and preinit's descriptors
    //    (jail::enter's first step).
    let keep: Vec<RawFd> = [0, 1, 2, socket.as_raw_fd()]
        .into_iter()
        .chain(preinit_fds.iter().copied())
        .collect();

    // A crash in LibreOffice leaves its backtrace in the journal (before LibreOffice starts, so
    // that handlers it may install chain to this one).
    if let Err(err) = crate::crash::arm() {
        eprintln!("oxool-kit: no crash backtraces: {err}");
    }
    // 0–5: inherited descriptors, namespaces, mounts, pivot_root, capabilities, no_new_privs,
    // rlimits (jail::enter).
    let report = match jail::enter(&jail, &keep, &LinuxSyscall) {
        Ok(report) => report,
        Err(err) => fail(&mut socket, "jail", &err.to_string(), EXIT_JAIL_FAILED),
    };
    // 6: the seccomp allowlist compiled once in the zygote; from here a denied call ends the kit.
    if let Err(err) = seccomp.install(socket.as_raw_fd()) {
        fail(&mut socket, "seccomp", &err.to_string(), EXIT_JAIL_FAILED);
    }
    send_ready(&mut socket, &jail.jail_id, &entry, &report);

    // 7: only now may LibreOffice start its threads.
    match entry {
        Entry::Lok => {
            let Some(lok) = lok else {
                fail(
                    &mut socket,
                    "internal",
                    "no LibreOffice in this forkit",
                    EXIT_LOK_FAILED,
                )
            };
            let started = Instant::now();
            let office = match lok.init(&program_dir, KIT_PROFILE_URL) {
                Ok(office) => office,
                Err(err) => fail(&mut socket, "internal", &err.to_string(), EXIT_LOK_FAILED),
            };
            eprintln!(
                "oxool-kit: LibreOffice started in {} ms",
                started.elapsed().as_millis()
            );
            serve_documents(socket, &office, max_document_bytes)
        }
        #[cfg(feature = "probes")]
        Entry::Probe => {
            let kept = crate::probes::serve::KeptFds {
                planted: planted_fd,
                preinit: preinit_fds,
            };
            crate::probes::serve::serve_probes(socket, parent_pid, kept, max_document_bytes)
        }
        #[cfg(not(feature = "probes"))]
        Entry::Probe => fail(
            &mut socket,
            "internal",
            "this build has no sandbox probes (oxool-kit's test feature `probes`)",
            EXIT_JAIL_FAILED,
        ),
    }
}

fn send_ready(socket: &mut UnixStream, jail_id: &str, entry: &Entry, report: &JailReport) {
    let mounts = match report.mount_mode {
        MountMode::Bind => "bind",
        MountMode::Link => "link",
        MountMode::Copy => "copy",
    };
    let entry = match entry {
        Entry::Lok => "lok",
        Entry::Probe => "probe",
    };
    let ready = Message::new(FromKit::Ready.name())
        .arg("jail", jail_id)
        .arg("pid", std::process::id())
        .arg("mounts", mounts)
        .arg("root", if report.pivoted { "pivot" } else { "chroot" })
        .arg("setup_us", report.setup.as_micros())
        .arg("entry", entry);
    reply(socket, Frame::new(ready.render()));
}

/// The request loop of a document kit: `convert` (convert-to uses a fresh kit per request) or
/// `load` (the document stays open in this kit and is edited through the session messages of
/// [`session::handles`]), then `exit` or EOF.
///
/// Once a document is open, a second thread forwards LibreOffice's callbacks to wsd, so every
/// write goes through one [`FrameWriter`] and frames never interleave.
fn serve_documents(mut socket: UnixStream, office: &Office, max_document_bytes: u32) -> ! {
    let writer = match socket.try_clone() {
        Ok(write_side) => FrameWriter::new(write_side),
        Err(err) => fail(&mut socket, "internal", &err.to_string(), EXIT_LOK_FAILED),
    };
    let mut session: Option<Session> = None;
    loop {
        // The document loop's answers go through the shared writer.
        let frame = next_frame_or_leave(&mut socket, max_document_bytes, |_, frame| {
            send(&writer, frame)
        });
        let message = match frame.message() {
            Ok(message) => message,
            Err(err) => {
                send(&writer, error_frame("bad-request", &err.to_string()));
                continue;
            }
        };
        let answer = match ToKit::parse(&message.name) {
            Some(ToKit::Convert) => match convert_one(office, &message, &frame.payload) {
                Ok((format, bytes, took)) => {
                    let header = Message::new(FromKit::Converted.name())
                        .arg("format", format)
                        .arg("convert_ms", took.as_millis())
                        .render();
                    Some(Frame::with_payload(header, bytes))
                }
                Err(err) => Some(err.frame()),
            },
            Some(ToKit::WarmUp) if session.is_some() => Some(error_frame(
                "bad-request",
                "this kit already holds a document",
            )),
            Some(ToKit::WarmUp) => Some(match crate::warm_up::warm_up(office) {
                Ok(took) => Frame::new(
                    Message::new(FromKit::Warmed.name())
                        .arg("ms", took.as_millis())
                        .render(),
                ),
                Err(message) => error_frame("internal", &format!("warm-up: {message}")),
            }),
            Some(ToKit::Load) if session.is_some() => Some(error_frame(
                "bad-request",
                "this kit already holds a document (one document per kit)",
            )),
            Some(ToKit::Load) => Some(
                match load_for_editing(office, &message, &frame.payload, &writer) {
                    Ok(opened) => {
                        let loaded = Message::new(FromKit::Loaded.name())
                            .arg("type", document_type_name(opened.document()))
                            .arg("parts", opened.document().parts().unwrap_or(0));
                        session = Some(opened);
                        Frame::new(loaded.render())
                    }
                    Err(err) => err.frame(),
                },
            ),
            Some(ToKit::Exit) => leave(0),
            Some(kind) if session::handles(kind) => match session.as_mut() {
                Some(session) => {
                    // A row of tiles has an answer per tile.
                    for answer in session.handle(kind, &message, &frame.payload) {
                        send(&writer, answer);
                    }
                    None
                }
                None => Some(error_frame("bad-request", "no document is loaded")),
            },
            _ => Some(error_frame(
                "bad-request",
                &format!("unknown message {:?}", message.name),
            )),
        };
        if let Some(answer) = answer {
            send(&writer, answer);
        }
    }
}

/// Loads the document and starts its session (with the callback forwarder).
fn load_for_editing(
    office: &Office,
    message: &Message,
    payload: &[u8],
    writer: &FrameWriter,
) -> Result<Session, RequestError> {
    if let Err(err) = session::prepare_office(office) {
        eprintln!("oxool-kit: optional LOK features unavailable: {err}");
    }
    let (document, input) = load_one(office, message, payload)?;
    // Loaded with a password: its saves in its own format must keep it (session/protected.rs).
    let protected = password_of(message).map(|_| session::protected::ProtectedFile::new(&input));
    Session::new(document, writer.clone(), protected)
        .map_err(|err| RequestError::new("internal", err.to_string()))
}

fn send(writer: &FrameWriter, frame: Frame) {
    if let Err(err) = writer.send(&frame) {
        eprintln!("oxool-kit: writing to wsd: {err}");
        leave(1);
    }
}

fn document_type_name(document: &Document) -> &'static str {
    match document.document_type() {
        Ok(DocumentType::Text) => "text",
        Ok(DocumentType::Spreadsheet) => "spreadsheet",
        Ok(DocumentType::Presentation) => "presentation",
        Ok(DocumentType::Drawing) => "drawing",
        _ => "other",
    }
}

/// A failed request, as the `error` message reports it.
struct RequestError {
    kind: &'static str,
    message: String,
    /// `type=` of a password error: `to-view` or `to-modify`.
    password_type: Option<&'static str>,
}

impl RequestError {
    fn new(kind: &'static str, message: String) -> RequestError {
        RequestError {
            kind,
            message,
            password_type: None,
        }
    }

    fn frame(&self) -> Frame {
        let mut error = Message::new(FromKit::Error.name())
            .arg("kind", self.kind)
            .arg("message", &self.message);
        if let Some(password_type) = self.password_type {
            error = error.arg("type", password_type);
        }
        Frame::new(error.render())
    }
}

impl From<ConvertError> for RequestError {
    fn from(err: ConvertError) -> Self {
        let kind = match &err {
            ConvertError::Load { .. } => "load",
            // convert-to answers one way for a missing and a wrong password (HTTP 4xx).
            ConvertError::Password(_) => "password-protected",
            ConvertError::UnsupportedFormat { .. }
            | ConvertError::UnsupportedPdfVersion { .. }
            | ConvertError::Format { .. } => "format",
            ConvertError::InputName { .. } => "bad-request",
            _ => "save",
        };
        RequestError::new(kind, err.to_string())
    }
}

impl From<std::io::Error> for RequestError {
    fn from(err: std::io::Error) -> Self {
        RequestError::new("internal", format!("jail file system: {err}"))
    }
}

/// The `password=` of a `load` or `convert` (empty is none). Never logged.
fn password_of(message: &Message) -> Option<&str> {
    message.get("password").filter(|p| !p.is_empty())
}

/// Writes the document into the jail's private /tmp under a name derived from the client's.
fn store_input(message: &Message, document: &[u8]) -> Result<PathBuf, RequestError> {
    let input_dir = Path::new(CONVERT_DIR).join("in");
    std::fs::create_dir_all(&input_dir)?;
    // The same rule as wsd's (oxool_proto::file_name): the name never decides a path.
    let name = oxool_proto::file_name::safe_file_name(message.get("name").unwrap_or("document"));
    match crate::sniff::check_container(&name, document) {
        Ok(()) => {}
        // With a password, an encrypted document goes to LibreOffice, which asks for it.
        Err(Refusal::PasswordProtected) if password_of(message).is_some() => {}
        Err(refusal) => return Err(RequestError::new(refusal.kind(), refusal.message())),
    }
    let input = input_dir.join(name);
    std::fs::write(&input, document)?;
    Ok(input)
}

fn convert_one(
    office: &Office,
    message: &Message,
    document: &[u8],
) -> Result<(String, Vec<u8>, std::time::Duration), RequestError> {
    let started = Instant::now();
    let format = message
        .get("format")
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !oxool_proto::formats::is_export_target(&format) {
        return Err(ConvertError::UnsupportedFormat { format }.into());
    }
    let input = store_input(message, document)?;
    let output_dir = Path::new(CONVERT_DIR).join("out");
    std::fs::create_dir_all(&output_dir)?;
    let request = ConvertRequest {
        input: &input,
        output_dir: &output_dir,
        format: &format,
        filter_options: message.get("options").filter(|o| !o.is_empty()),
        pdf_version: message.get("pdfver").filter(|v| !v.is_empty()),
        password: password_of(message),
    };
    let output = convert::convert(office, &request)?;
    let took = started.elapsed();
    let bytes = std::fs::read(&output)?;
    // Each input and output is read once: remove them so a long-lived kit does not fill its tmpfs.
    let _ = std::fs::remove_file(&input);
    let _ = std::fs::remove_file(&output);
    Ok((format, bytes, took))
}

/// The loaded document and the file in the jail it was loaded from (its own location).
fn load_one(
    office: &Office,
    message: &Message,
    document: &[u8],
) -> Result<(Document, PathBuf), RequestError> {
    // Encrypted, and no password given: what LibreOffice would ask for, without asking it.
    let input = store_input(message, document).map_err(|err| match err.kind {
        "password-protected" => {
            let failure = PasswordFailure::Required(PasswordKind::ToView);
            RequestError {
                kind: failure.kind(),
                message: failure.to_string(),
                password_type: Some(PasswordKind::ToView.as_str()),
            }
        }
        _ => err,
    })?;
    // A session edits: a document protected against modification needs its password too.
    let loaded = password::load_with_password(
        office,
        &input,
        session::LOAD_OPTIONS,
        password_of(message),
        ReadOnly::Refuse,
    );
    let document = loaded.map_err(|err| match err {
        LoadError::Password(failure) => RequestError {
            kind: failure.kind(),
            message: failure.to_string(),
            password_type: Some(failure.password_kind().as_str()),
        },
        LoadError::Lok(err) => RequestError::new("load", err.to_string()),
    })?;
    Ok((document, input))
}
