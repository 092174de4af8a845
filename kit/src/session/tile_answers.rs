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
    let mut error = Message::new(FromKit::Error.name())
        .arg("kind", err.kind())
        .arg("message", err.to_string())
        .arg("request", &message.name);
    if let Some(view) = message.get("view") {
        error = error.arg("view", view);
    }
    if let Some(id) = id.filter(|id| id.len() <= 20) {
        error = error.arg("id", id);
    }
    Frame::new(error.render())
}

impl Session {
    /// A `tile` request: its tiles, or an error per tile id (so that wsd frees each).
    pub(super) fn tiles(&mut self, message: &Message) -> Vec<Frame> {
        let request = match self.tile_request(message) {
            Ok(request) => request,
            Err(err) => {
                let ids: Vec<&str> = match message.get("ids") {
                    Some(ids) => ids.split(',').collect(),
                    None => message.get("id").into_iter().collect(),
                };
                if ids.is_empty() {
                    return vec![error_answer(&err, message, None)];
                }
                return ids
                    .into_iter()
                    .map(|id| error_answer(&err, message, Some(id)))
                    .collect();
            }
        };
        let view = message.get("view").unwrap_or_default();
        match tiles::paint(&self.document, &request) {
            Ok(tiles) => {
                let ids = request.all_ids();
                for (index, rgba) in tiles.into_iter().enumerate() {
                    let mut on_error = Message::new(FromKit::Error.name())
                        .arg("kind", "internal")
                        .arg("request", &message.name)
                        .arg("view", view);
                    if let Some(id) = ids.get(index) {
                        on_error = on_error.arg("id", id);
                    }
                    let job = EncodeJob {
                        header: request.answer_header(view, index as u32),
                        rgba,
                        width: request.geometry.width,
                        height: request.geometry.height,
                        on_error,
                    };
                    if !self.encoder.encode(job) {
                        break;
                    }
                }
                Vec::new()
            }
            Err(err) => {
                let err = SessionError::from(err);
                let ids = request.all_ids();
                if ids.is_empty() {
                    return vec![error_answer(&err, message, None)];
                }
                ids.iter()
                    .map(|id| error_answer(&err, message, Some(&id.to_string())))
                    .collect()
            }
        }
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
