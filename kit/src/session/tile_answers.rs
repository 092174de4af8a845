//! Answering `tile` requests: the checked request is painted (as one row when it names several
//! tiles, tiles.rs) and each tile goes to the encoding thread (tile_encoder.rs), which writes
//! its answer; a refused request is answered at once, with an error per tile id.

use oxool_proto::{Frame, FromKit, Message};

use super::tile_encoder::EncodeJob;
use super::tiles::{self, TileRequest};
use super::{lok, Session, SessionError};

/// The `error` answer to `message`, naming its view and `id` (a tile's or a window's, so wsd can
/// tell which request failed).
pub(super) fn error_answer(err: &SessionError, message: &Message, id: Option<&str>) -> Frame {
    let error = error_header(err.kind(), Some(err.to_string()), message, id);
    Frame::new(error.render())
}

/// An `error` answer to `message`: `kind`, the reason when it is known yet, the request, its
/// view and `id`.
fn error_header(
    kind: &str,
    reason: Option<String>,
    message: &Message,
    id: Option<&str>,
) -> Message {
    let mut error = Message::new(FromKit::Error.name()).arg("kind", kind);
    if let Some(reason) = reason {
        error = error.arg("message", reason);
    }
    error = error.arg("request", &message.name);
    if let Some(view) = message.get("view") {
        error = error.arg("view", view);
    }
    if let Some(id) = id.filter(|id| id.len() <= 20) {
        error = error.arg("id", id);
    }
    error
}

/// `err` answered for every tile `message` asked for: one error per id (`ids=`, or `id=`), so
/// that wsd frees each, or one without an id.
fn refuse_tiles(err: &SessionError, message: &Message) -> Vec<Frame> {
    let ids: Vec<&str> = match message.get("ids") {
        Some(ids) => ids.split(',').collect(),
        None => message.get("id").into_iter().collect(),
    };
    if ids.is_empty() {
        return vec![error_answer(err, message, None)];
    }
    ids.into_iter()
        .map(|id| error_answer(err, message, Some(id)))
        .collect()
}

impl Session {
    /// A `tile` request: nothing (its tiles go to the encoding thread, which answers each), or
    /// an error per tile id.
    pub(super) fn tiles(&mut self, message: &Message) -> Vec<Frame> {
        let painted = self
            .tile_request(message)
            .and_then(|request| Ok((tiles::paint(&self.document, &request)?, request)));
        let (tiles, request) = match painted {
            Ok(painted) => painted,
            Err(err) => return refuse_tiles(&err, message),
        };
        let view = message.get("view").unwrap_or_default();
        let ids = request.all_ids();
        for (index, rgba) in tiles.into_iter().enumerate() {
            let id = ids.get(index).map(u64::to_string);
            let job = EncodeJob {
                header: request.answer_header(view, index as u32),
                rgba,
                width: request.geometry.width,
                height: request.geometry.height,
                speed: request.speed,
                on_error: error_header("internal", None, message, id.as_deref()),
            };
            if !self.encoder.encode(job) {
                break;
            }
        }
        Vec::new()
    }

    /// Selects the request's view and checks the request against the document.
    fn tile_request(&self, message: &Message) -> Result<TileRequest, SessionError> {
        self.select_view(message)?;
        let parts = self.document.parts().map_err(lok("count the parts"))?;
        let size = self
            .document
            .document_size()
            .map_err(lok("measure the document"))?;
        Ok(TileRequest::parse(message, parts, size)?)
    }
}
