//! The open document of a kit and the sessions that edit it (docs/kit-protocol.md, "Editing").
//!
//! After `load`, the request loop hands every editing message to [`Session::handle`]: views
//! ([`views`]), input ([`input`]), tiles ([`tiles`]), LibreOffice's dialogs ([`windows`] for who
//! owns which, [`dialogs`] for the requests), status, part switching and saving. Every
//! call into LibreOffice happens on the request loop's thread, after `setView` selected the
//! sender's view. Callbacks take the other way: LibreOffice's thread → bounded queue → the
//! forwarding thread ([`events`]) → the shared [`writer::FrameWriter`].

pub mod args;
pub mod barrier;
mod dialog_requests;
pub mod dialogs;
pub mod events;
pub mod images;
pub mod input;
pub mod protected;
mod tile_answers;
pub mod tile_encoder;
pub mod tiles;
pub mod views;
pub mod windows;
pub mod writer;

/// A request line a unit test writes, as the message the session reads (a malformed line is the
/// test's own mistake).
#[cfg(test)]
fn parse(line: &str) -> oxool_proto::Message {
    oxool_proto::Message::parse(line).unwrap()
}

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use oxool_proto::{Frame, Message};

use self::args::ArgError;
use self::events::{CallbackQueue, EventsError};
use self::input::{Input, InputError};
use self::protected::{ProtectedFile, ProtectedSaveError};
use self::tile_answers::error_answer;
use self::tile_encoder::TileEncoder;
use self::tiles::TileError;
use self::views::{ViewError, Views, MAX_USER_LEN, MAX_VIEW_ID_LEN};
use self::windows::{SharedOwners, WindowId};
use self::writer::FrameWriter;
use crate::convert;
use crate::lok::enums::feature;
use crate::lok::{Document, DocumentType, LokError, Office};
use oxool_proto::{FromKit, ToKit};

/// Whether a [`Session`] answers `kind`; the request loop routes those here and handles the
/// document's life (`load`, `convert`, `warm-up`, `exit`) itself.
pub fn handles(kind: ToKit) -> bool {
    !matches!(
        kind,
        ToKit::Convert | ToKit::Load | ToKit::WarmUp | ToKit::Probe | ToKit::Exit
    )
}

/// Load options of a document for editing: none. `Batch=true` (what a conversion loads with)
/// would put LibreOffice's dialogs in `DialogCancelMode::LOKSilent` for the whole process, so
/// every modal dialog (Format ▸ Paragraph, Insert Table, Character) would be cancelled before
/// it shows. Without it, LOK's own mode holds: a dialog opened for a view (one with a LOK
/// notifier) runs and is painted through `WINDOW`; one without a view (a question while the
/// document loads) is still cancelled silently.
pub const LOAD_OPTIONS: &str = "";

/// MIME types of `selection` and `paste`: what browsers put on and take from the clipboard.
use oxool_proto::limits::CLIPBOARD_TYPES;
/// Largest `paste` payload and `selection` answer.
const MAX_CLIPBOARD_BYTES: usize = 8 << 20;

/// Inside the jail: where `save` writes before the bytes go to wsd.
const SAVE_DIR: &str = "/tmp/save";

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Argument(#[from] ArgError),
    #[error(transparent)]
    View(#[from] ViewError),
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Tile(#[from] TileError),
    #[error("view {0:?} is read-only")]
    ReadOnly(String),
    #[error("window {0} is not open in this session's view")]
    NotYourWindow(WindowId),
    #[error("LibreOffice has no values for {0}")]
    NoValues(String),
    #[error("{command}'s values are {len} bytes; at most {max}")]
    ValuesTooLarge {
        command: String,
        len: usize,
        max: usize,
    },
    #[error("unsupported format {0:?}")]
    Format(String),
    #[error("LibreOffice could not save the document as {format}: {source}")]
    Save {
        format: String,
        #[source]
        source: LokError,
    },
    #[error("LibreOffice could not save the protected document: {0}")]
    ProtectedSave(#[from] ProtectedSaveError),
    #[error(transparent)]
    ImageRefused(#[from] oxool_proto::images::ImageRefusal),
    #[error("{0}")]
    Image(String),
    #[error("jail file system: {0}")]
    Io(#[from] std::io::Error),
    #[error("LibreOffice failed to {step}: {source}")]
    Lok {
        step: &'static str,
        #[source]
        source: LokError,
    },
}

impl SessionError {
    /// The `kind` of the `error` message (docs/kit-protocol.md).
    pub fn kind(&self) -> &'static str {
        match self {
            SessionError::Argument(_)
            | SessionError::Input(InputError::Argument(_))
            | SessionError::Tile(
                TileError::Argument(_) | TileError::OutsideDocument(_) | TileError::Zoom(_),
            )
            | SessionError::View(
                ViewError::AlreadyOpen(_) | ViewError::Unknown(_) | ViewError::TooMany,
            )
            | SessionError::NotYourWindow(_)
            | SessionError::NoValues(_) => "bad-request",
            SessionError::ValuesTooLarge { .. } => "too-large",
            SessionError::ImageRefused(refusal) => refusal.kind(),
            SessionError::ReadOnly(_) => "readonly",
            SessionError::Format(_) => "format",
            SessionError::Save { .. } | SessionError::ProtectedSave(_) => "save",
            _ => "internal",
        }
    }
}

fn lok(step: &'static str) -> impl FnOnce(LokError) -> SessionError {
    move |source| SessionError::Lok { step, source }
}

/// Callback formats wsd relies on: the part in `INVALIDATE_TILES` (Calc and Impress tiles are
/// per part) and the view id in `INVALIDATE_VISIBLE_CURSOR`; comments reported as `COMMENT`
/// callbacks instead of painted into the tiles (the web client shows them in a panel); and
/// LibreOffice's password requests, answered from the `load` message. Set before the document
/// loads.
pub fn prepare_office(office: &Office) -> Result<(), LokError> {
    crate::lok::password::enable_password_requests(
        office,
        feature::PART_IN_INVALIDATION_CALLBACK
            | feature::VIEWID_IN_VISCURSOR_INVALIDATION_CALLBACK
            | feature::NO_TILED_ANNOTATIONS,
    )
}

/// How long a save's answer waits for the callbacks queued before it to be written.
const FORWARD_WAIT: std::time::Duration = std::time::Duration::from_millis(500);

/// Slides whose hashes the status names (each up to 20 digits: well within a header).
const MAX_HASHED_PARTS: i32 = 2000;

pub struct Session {
    document: Document,
    /// Encodes painted tiles and writes them while the next is painted.
    encoder: TileEncoder,
    views: Views,
    queue: CallbackQueue,
    /// Images inserted so far: each one's file in the jail gets its own number.
    images_inserted: u64,
    /// Which view owns which dialog (the forwarder records them).
    windows: SharedOwners,
    /// Input was posted that LibreOffice may not have applied yet (see [`barrier`]).
    input_pending: std::cell::Cell<bool>,
    /// The LibreOffice view that posted it (a writing one): the barrier runs there.
    input_view: std::cell::Cell<i32>,
    /// Views that posted keys or mouse events since the last `save`: a save settles each, so
    /// that their cursor events reach wsd before `saved` (wsd's replay journal places each
    /// session's cursor by them).
    views_with_input: std::cell::RefCell<std::collections::BTreeSet<i32>>,
    /// The document is a spreadsheet (asked once: the type of an open document never changes).
    spreadsheet: bool,
    /// Set when the document was loaded with a password: saves in its own format keep it.
    protected: Option<ProtectedFile>,
}

impl Session {
    /// Takes the loaded document and starts forwarding its callbacks through `writer`.
    /// `protected`: the document was loaded with a password (see [`protected`]).
    pub fn new(
        document: Document,
        writer: FrameWriter,
        protected: Option<ProtectedFile>,
    ) -> Result<Session, EventsError> {
        let loaded_view = document.view().unwrap_or(0);
        let spreadsheet = matches!(document.document_type(), Ok(DocumentType::Spreadsheet));
        let names = Arc::new(Mutex::new(HashMap::new()));
        let windows = SharedOwners::default();
        let encoder = TileEncoder::start(writer.clone()).map_err(EventsError::SpawnTileEncoder)?;
        let queue = events::start_forwarder(writer, names.clone(), windows.clone())?;
        Ok(Session {
            document,
            encoder,
            views: Views::new(loaded_view, names),
            queue,
            windows,
            images_inserted: 0,
            input_pending: std::cell::Cell::new(false),
            input_view: std::cell::Cell::new(loaded_view),
            views_with_input: Default::default(),
            spreadsheet,
            protected,
        })
    }

    /// The open document.
    pub fn document(&self) -> &Document {
        &self.document
    }

    /// Answers one editing message. Empty: input was posted; its effects arrive as callbacks.
    /// A row of tiles has an answer per tile.
    pub fn handle(&mut self, kind: ToKit, message: &Message, payload: &[u8]) -> Vec<Frame> {
        let answers = match kind {
            ToKit::Tile => self.tiles(message),
            _ => match self.dispatch(kind, message, payload) {
                Ok(answer) => answer.into_iter().collect(),
                Err(err) => vec![error_answer(&err, message, message.get("id"))],
            },
        };
        if !answers.is_empty() {
            // Answers leave in the order of their requests: after the tiles asked before.
            self.encoder.wait_idle();
        }
        answers
    }

    fn dispatch(
        &mut self,
        kind: ToKit,
        message: &Message,
        payload: &[u8],
    ) -> Result<Option<Frame>, SessionError> {
        // What runs synchronously must see the input posted before it (barrier.rs).
        if matches!(
            kind,
            ToKit::Save
                | ToKit::Selection
                | ToKit::Uno
                | ToKit::Paste
                | ToKit::InsertImage
                | ToKit::SetPart
                | ToKit::CommandValues
        ) {
            self.settle_input();
        }
        match kind {
            ToKit::ViewOpen => self.open_view(message).map(Some),
            ToKit::ViewClose => {
                let id = args::required(message, "view")?;
                self.close_windows_of(id)?;
                self.views.close(id)?;
                let closed = Message::new(FromKit::ViewClosed.name()).arg("view", id);
                Ok(Some(Frame::new(closed.render())))
            }
            ToKit::Key => self.post_input(message, Input::key(message)?).map(|_| None),
            ToKit::Mouse => self
                .post_input(message, Input::mouse(message)?)
                .map(|_| None),
            ToKit::Uno => self.post_input(message, Input::uno(message)?).map(|_| None),
            // handle() answers tiles: a row has several answers.
            ToKit::Tile => unreachable!("tiles are answered by Session::tiles"),
            ToKit::Status => self.status(message).map(Some),
            ToKit::SetPart => self.set_part(message).map(|_| None),
            ToKit::Save => {
                self.settle_views_with_input();
                let saved = self.save(message);
                // The cursor events of the input the copy holds go before `saved`.
                if !self.queue.wait_forwarded(FORWARD_WAIT) {
                    eprintln!("oxool-kit: callbacks were not forwarded before a save's answer");
                }
                saved.map(Some)
            }
            ToKit::Selection => self.selection(message).map(Some),
            ToKit::Paste => self.paste(message, payload).map(|_| None),
            ToKit::InsertImage => self.insert_image(message, payload).map(|_| None),
            ToKit::WindowTile => self.window_tile(message).map(Some),
            ToKit::WindowKey
            | ToKit::WindowMouse
            | ToKit::WindowText
            | ToKit::WindowClose
            | ToKit::WindowResize
            | ToKit::DialogEvent => self.window_input(message, payload).map(|_| None),
            ToKit::CommandValues => self.command_values(message).map(Some),
            ToKit::Convert | ToKit::Load | ToKit::WarmUp | ToKit::Probe | ToKit::Exit => {
                Err(ArgError::Invalid {
                    key: "name",
                    detail: format!("{kind} is not a session message"),
                }
                .into())
            }
        }
    }

    fn open_view(&mut self, message: &Message) -> Result<Frame, SessionError> {
        let id = args::short_text(message, "view", MAX_VIEW_ID_LEN)?;
        let readonly = args::flag(message, "readonly")?;
        let user = match message.get("user") {
            Some(_) => args::short_text(message, "user", MAX_USER_LEN)?,
            None => "",
        };
        let lok_view = self
            .views
            .open(&mut self.document, &self.queue, id, readonly, user)?;
        let opened = Message::new(FromKit::ViewOpened.name())
            .arg("view", id)
            .arg("lok_view", lok_view);
        Ok(Frame::new(opened.render()))
    }

    /// Selects the sender's view; the view's id for the answer.
    fn select_view(&self, message: &Message) -> Result<String, SessionError> {
        let id = args::required(message, "view")?;
        let view = self.views.get(id)?;
        self.document
            .set_view(view.lok_view)
            .map_err(lok("select the view"))?;
        Ok(id.to_string())
    }

    fn post_input(&self, message: &Message, input: Input) -> Result<(), SessionError> {
        let id = args::required(message, "view")?;
        let view = self.views.get(id)?;
        if view.readonly && !input.view_only_permitted() {
            return Err(SessionError::ReadOnly(id.to_string()));
        }
        // Input of another view still queued in LibreOffice is applied first: 7.4 may apply a
        // queued key to the view that is current when it runs, so the first key of a user who
        // types right after another could land at the other user's cursor.
        let lok_view = view.lok_view;
        if self.input_pending.get() && self.input_view.get() != lok_view {
            self.settle_input();
        }
        self.select_view(message)?;
        input.post(&self.document).map_err(InputError::from)?;
        if matches!(input, Input::Key { .. } | Input::Mouse { .. }) {
            self.input_pending.set(true);
            self.input_view.set(lok_view);
            self.views_with_input.borrow_mut().insert(lok_view);
        }
        // A shortcut's command is queued behind the key: let it run before later input, so
        // Ctrl+End followed by typing types at the end.
        if input.is_shortcut() || self.settle_each_input() {
            self.settle_input();
        }
        Ok(())
    }

    /// Runs the barrier in every view that posted input since the last save: LibreOffice
    /// flushes each view's callbacks (its cursor among them) on its own, and a barrier in one
    /// view does not flush another's.
    fn settle_views_with_input(&self) {
        let views = std::mem::take(&mut *self.views_with_input.borrow_mut());
        for view in views {
            if self.document.set_view(view).is_err() {
                continue; // closed since
            }
            if let Err(error) = self.queue.barrier().settle(&self.document) {
                eprintln!("oxool-kit: cannot settle a view before saving: {error}");
            }
        }
    }

    /// Whether every key and mouse event is applied before the next is posted: in a
    /// spreadsheet open in several views. There LibreOffice 7.4 applies a key typed right after
    /// an arrow key before the cell cursor has settled, and values landed in cells left of the
    /// cursor (tests/tests/coediting.rs). It costs one barrier per input (a few ms when idle).
    fn settle_each_input(&self) -> bool {
        self.spreadsheet && self.views.count() > 1
    }

    /// Waits until LibreOffice applied the input posted so far (a few ms when it is idle).
    fn settle_input(&self) {
        if !self.input_pending.replace(false) {
            return;
        }
        // The posting view may have closed since; then any view will do.
        let _ = self.document.set_view(self.input_view.get());
        match self.queue.barrier().settle(&self.document) {
            Ok(true) => {}
            Ok(false) => eprintln!("oxool-kit: LibreOffice did not apply queued input in time"),
            Err(error) => eprintln!("oxool-kit: cannot wait for queued input: {error}"),
        }
    }

    fn status(&self, message: &Message) -> Result<Frame, SessionError> {
        if message.get("view").is_some() {
            self.select_view(message)?;
        }
        let document = &self.document;
        let kind = match document.document_type().map_err(lok("tell the type"))? {
            DocumentType::Text => "text",
            DocumentType::Spreadsheet => "spreadsheet",
            DocumentType::Presentation => "presentation",
            DocumentType::Drawing => "drawing",
            DocumentType::Other(_) => "other",
        };
        let (width, height) = document.document_size().map_err(lok("measure"))?;
        let status = Message::new(FromKit::Status.name())
            .arg("type", kind)
            .arg("parts", document.parts().map_err(lok("count the parts"))?)
            .arg("part", document.part().map_err(lok("tell the part"))?)
            .arg("width", width)
            .arg("height", height)
            .arg("views", self.views.count())
            .arg("dropped_callbacks", self.queue.dropped());
        // The sheet and slide names, for tabs and the slide strip (a JSON array).
        let parts = document.parts().map_err(lok("count the parts"))?;
        let names: Vec<String> = match kind {
            "spreadsheet" | "presentation" | "drawing" => (0..parts.min(10_000))
                .map(|part| document.part_name(part).unwrap_or_default())
                .collect(),
            _ => Vec::new(),
        };
        // Slide hashes: Impress's COMMENT events name their slide by hash. Left out where they
        // would not fit a header.
        let status = if matches!(kind, "presentation" | "drawing") && parts <= MAX_HASHED_PARTS {
            let hashes: Vec<String> = (0..parts)
                .map(|part| document.part_hash(part).unwrap_or_default())
                .collect();
            status.arg("hashes", hashes.join(","))
        } else {
            status
        };
        let body = serde_json::to_vec(&names).unwrap_or_default();
        Ok(Frame::with_payload(status.render(), body))
    }

    /// The view's selection as `mimetype` (the clipboard's copy); answered with `selection`.
    fn selection(&self, message: &Message) -> Result<Frame, SessionError> {
        let mime = clipboard_type(message)?;
        let view = self.select_view(message)?;
        let (text, used) = self
            .document
            .get_text_selection(mime)
            .map_err(lok("read the selection"))?;
        if text.len() > MAX_CLIPBOARD_BYTES {
            return Err(ArgError::Invalid {
                key: "selection",
                detail: format!("{} bytes; at most {MAX_CLIPBOARD_BYTES}", text.len()),
            }
            .into());
        }
        let header = Message::new(FromKit::Selection.name())
            .arg("view", view)
            .arg("mimetype", if used.is_empty() { mime } else { &used })
            .render();
        Ok(Frame::with_payload(header, text.into_bytes()))
    }

    /// Pastes the payload (`mimetype`) at the view's cursor.
    fn paste(&self, message: &Message, payload: &[u8]) -> Result<(), SessionError> {
        let mime = clipboard_type(message)?;
        let id = args::required(message, "view")?;
        if self.views.get(id)?.readonly {
            return Err(SessionError::ReadOnly(id.to_string()));
        }
        if payload.is_empty() || payload.len() > MAX_CLIPBOARD_BYTES {
            return Err(ArgError::Invalid {
                key: "payload",
                detail: format!("{} bytes; 1..={MAX_CLIPBOARD_BYTES}", payload.len()),
            }
            .into());
        }
        self.select_view(message)?;
        match self.document.paste(mime, payload) {
            Ok(true) => Ok(()),
            Ok(false) => Err(ArgError::Invalid {
                key: "mimetype",
                detail: format!("LibreOffice cannot paste {mime} here"),
            }
            .into()),
            Err(source) => Err(SessionError::Lok {
                step: "paste",
                source,
            }),
        }
    }

    /// `insert-image`: the payload at the view's cursor (images.rs).
    fn insert_image(&mut self, message: &Message, payload: &[u8]) -> Result<(), SessionError> {
        let id = args::required(message, "view")?;
        if self.views.get(id)?.readonly {
            return Err(SessionError::ReadOnly(id.to_string()));
        }
        let name = message.get("name").unwrap_or_default();
        self.images_inserted += 1;
        let image = images::ImageFile::prepare(name, payload, self.images_inserted)?;
        self.select_view(message)?;
        image.insert(&self.document, self.queue.barrier(), payload)
    }

    fn set_part(&self, message: &Message) -> Result<(), SessionError> {
        let parts = self.document.parts().map_err(lok("count the parts"))?;
        let part = args::int_in(message, "part", 0..=i64::from(parts.max(1) - 1))?;
        self.select_view(message)?;
        self.document
            .set_part(args::as_i32(part))
            .map_err(lok("switch the part"))
    }

    /// `saveAs` into the jail's /tmp (storeToURL: the document keeps its own location), then
    /// the bytes go to wsd, which uploads them. A document loaded with a password is saved in
    /// its own format with `.uno:Save` instead, so it keeps the password ([`protected`]).
    fn save(&self, message: &Message) -> Result<Frame, SessionError> {
        let format = args::required(message, "format")?.to_ascii_lowercase();
        let document_type = self
            .document
            .document_type()
            .map_err(lok("tell the type"))?;
        if !convert::formats_for(document_type).contains(&format.as_str()) {
            return Err(SessionError::Format(format));
        }
        if let Some(protected) = self.protected.as_ref().filter(|p| p.is_own_format(&format)) {
            let view = self.views.registered_view();
            let bytes = protected.save(&self.document, self.queue.barrier(), view)?;
            return Ok(saved_frame(&format, bytes));
        }
        let options = message
            .get("options")
            .filter(|o| !o.is_empty())
            .or_else(|| convert::default_filter_options(&format));
        std::fs::create_dir_all(SAVE_DIR)?;
        let path = Path::new(SAVE_DIR).join(format!("document.{format}"));
        let saved = self.document.save_as(&path, &format, options);
        let bytes = saved
            .map_err(|source| SessionError::Save {
                format: format.clone(),
                source,
            })
            .and_then(|()| Ok(std::fs::read(&path)?));
        let _ = std::fs::remove_file(&path);
        Ok(saved_frame(&format, bytes?))
    }
}

/// The answer to `save`.
fn saved_frame(format: &str, bytes: Vec<u8>) -> Frame {
    let header = Message::new(FromKit::Saved.name())
        .arg("format", format)
        .arg("bytes", bytes.len())
        .render();
    Frame::with_payload(header, bytes)
}

/// The `mimetype` argument, one of [`CLIPBOARD_TYPES`].
fn clipboard_type(message: &Message) -> Result<&'static str, SessionError> {
    let mime = args::required(message, "mimetype")?;
    CLIPBOARD_TYPES
        .iter()
        .find(|t| t.eq_ignore_ascii_case(mime))
        .copied()
        .ok_or_else(|| {
            ArgError::Invalid {
                key: "mimetype",
                detail: format!("{mime:?} is not one of {CLIPBOARD_TYPES:?}"),
            }
            .into()
        })
}
