//! What a broker does with each frame from its kit (docs/kit-protocol.md, "Editing"): route
//! answers to the session that asked, turn LibreOffice callbacks into client messages.

use oxool_proto::{Frame, FromKit, Message, ToKit};

use super::broker::Broker;
use super::protocol::{self};
use super::save_state::SaveWaiter;
use super::{Outgoing, SessionId};

/// Callbacks forwarded to the client as `event` (docs/protocol.md, "Events").
const FORWARDED: &[&str] = &[
    "INVALIDATE_VISIBLE_CURSOR",
    "CURSOR_VISIBLE",
    "TEXT_SELECTION",
    "TEXT_SELECTION_START",
    "TEXT_SELECTION_END",
    "GRAPHIC_SELECTION",
    "CELL_CURSOR",
    "CELL_FORMULA",
    "CELL_ADDRESS",
    "STATE_CHANGED",
    "UNO_COMMAND_RESULT",
    "SET_PART",
    "DOCUMENT_SIZE_CHANGED",
    "CONTEXT_MENU",
    "MOUSE_POINTER",
    "HYPERLINK_CLICKED",
    "CLIPBOARD_CHANGED",
    "ERROR",
    "INVALIDATE_VIEW_CURSOR",
    "VIEW_CURSOR_VISIBLE",
    "TEXT_VIEW_SELECTION",
    "CELL_VIEW_CURSOR",
    "GRAPHIC_VIEW_SELECTION",
    "VIEW_LOCK",
    // Dialogs: painted windows (only the owning view's session gets them; the kit routes) and
    // JSDialog widget trees (dialogs, the sidebar, popups).
    "WINDOW",
    "JSDIALOG",
    // The find bar.
    "SEARCH_RESULT_SELECTION",
    "SEARCH_NOT_FOUND",
    // What a menu, the sidebar and Calc's headers, status bar and formula help follow.
    "CONTEXT_CHANGED",
    "INVALIDATE_HEADER",
    "INVALIDATE_SHEET_GEOMETRY",
    "CELL_SELECTION_AREA",
    "CELL_AUTO_FILL_AREA",
    "REFERENCE_MARKS",
    "TABLE_SELECTED",
    "VALIDITY_LIST_BUTTON",
    "VALIDITY_INPUT_HELP",
    "CALC_FUNCTION_LIST",
    // Comments: LibreOffice tells every view, so each session hears of each change once.
    "COMMENT",
    // Tracked changes: like comments, LibreOffice tells every view of an added, removed or
    // changed redline (Writer).
    "REDLINE_TABLE_SIZE_CHANGED",
    "REDLINE_TABLE_ENTRY_MODIFIED",
];

impl Broker {
    pub(super) fn on_kit_frame(&mut self, frame: Frame) {
        let message = match frame.message() {
            Ok(message) => message,
            Err(error) => {
                tracing::warn!(%error, "unparsable frame from the kit");
                return;
            }
        };
        let view: Option<SessionId> = message.get("view").and_then(|v| v.parse().ok());
        match FromKit::parse(&message.name) {
            Some(FromKit::Tile) => self.on_tile(&message, frame.payload),
            Some(FromKit::WindowTile) => {
                if let Some(session) = view {
                    self.on_window_tile(session, &message, &frame.payload);
                }
            }
            Some(FromKit::CommandValues) => {
                if let Some(session) = view {
                    self.on_command_values(session, &message, &frame.payload);
                }
            }
            Some(FromKit::Callback) => self.on_callback(view, &message, &frame.payload),
            Some(FromKit::CallbackOverflow) => {
                tracing::warn!(
                    dropped = message.get("dropped").unwrap_or("?"),
                    "the kit dropped callbacks; invalidating every view"
                );
                self.shared_tiles.invalidate(None, None);
                self.broadcast(&Message::new("invalidate").arg("all", 1).render());
            }
            Some(FromKit::ViewOpened) => self.on_view_opened(view, &message),
            Some(FromKit::Status) => self.on_status(&message, &frame.payload),
            Some(FromKit::Selection) => self.on_selection(view, &message, &frame.payload),
            Some(FromKit::Saved) => self.on_saved(&message, frame.payload),
            Some(FromKit::Error) => self.on_kit_error(view, &message),
            Some(FromKit::ViewClosed | FromKit::Ready | FromKit::Loaded) => {}
            Some(FromKit::Warmed | FromKit::Converted | FromKit::Probe) | None => {
                tracing::debug!(message = %message.name, "unexpected message from the kit")
            }
        }
    }

    /// Tells `session` that the kit refused its tile request `id`, with the tile's geometry so
    /// that the client frees its place in the window (a tile of a slide another user has just
    /// deleted is refused), and asks for its next tiles.
    fn refuse_tile(&mut self, session: SessionId, id: Option<u64>, kind: &str, text: &str) {
        if let Some(member) = self.members.get_mut(&session) {
            member.tiles.failed();
            let refused = id
                .filter(|id| member.tile_ids.contains_key(id))
                .or_else(|| member.tile_ids.keys().next().copied());
            let refused = refused.and_then(|id| member.tile_ids.remove(&id));
            let mut error = Message::new("error")
                .arg("kind", kind)
                .arg("message", text)
                .arg("request", "tiles");
            if let Some((key, _)) = refused {
                error = key.write_args(error);
            }
            member.text(error.render());
        }
        self.pump_tiles(session);
    }

    fn on_view_opened(&mut self, view: Option<SessionId>, message: &Message) {
        let Some(session) = view else { return };
        if self.is_replay_view(session) {
            return;
        }
        let Some(member) = self.members.get_mut(&session) else {
            // The session left before its view opened.
            self.kit
                .send(Message::new(ToKit::ViewClose.name()).arg("view", session));
            return;
        };
        member.lok_view = message.parse_arg("lok_view").ok();
        self.request_status(session);
        self.broadcast_users();
        let state = self.doc_state();
        if let Some(member) = self.members.get_mut(&session) {
            member.text(state);
        }
    }

    fn on_selection(&mut self, view: Option<SessionId>, message: &Message, body: &[u8]) {
        let Some(member) = view.and_then(|s| self.members.get_mut(&s)) else {
            return;
        };
        let Some(id) = member.selections.pop_front() else {
            return;
        };
        let header = Message::new("selection")
            .arg("id", id)
            .arg("mimetype", message.get("mimetype").unwrap_or("text/plain"));
        member.text(protocol::text(
            &header,
            Some(&String::from_utf8_lossy(body)),
        ));
    }

    fn on_status(&mut self, message: &Message, part_names: &[u8]) {
        let Some(session) = self.status_waiters.pop_front() else {
            return;
        };
        let Some(member) = self.members.get_mut(&session) else {
            return;
        };
        let field = |key: &str| message.get(key).unwrap_or("0").to_string();
        let status = Message::new("status")
            .arg("type", message.get("type").unwrap_or(&self.doc_type))
            .arg("parts", field("parts"))
            .arg("part", field("part"))
            .arg("width", field("width"))
            .arg("height", field("height"))
            .arg("view", session)
            .arg("lok_view", member.lok_view.unwrap_or(-1))
            .arg("readonly", u8::from(!member.can_write))
            .arg("name", &self.base_name);
        member.part = message.parse_arg::<i64>("part").ok();
        member.text(status.render());
        // Sheet and slide names, when the kit sent them (a JSON array of strings).
        if let Ok(names) = serde_json::from_slice::<Vec<String>>(part_names) {
            if !names.is_empty() {
                let body = serde_json::to_string(&names).unwrap_or_default();
                let mut parts = Message::new("parts");
                // Impress's slide hashes, which its COMMENT events name (digits and commas).
                if let Some(hashes) = message
                    .get("hashes")
                    .filter(|h| h.bytes().all(|b| b.is_ascii_digit() || b == b','))
                {
                    parts = parts.arg("hashes", hashes);
                }
                member.text(protocol::text(&parts, Some(&body)));
                self.part_names_seen(session, names);
            }
        }
    }

    /// Sheets or slides added, removed, renamed or moved by one session: LibreOffice 7.4 tells
    /// the other views nothing they could tell it from (a moved sheet that is not theirs sends
    /// them no SET_PART, no size change), so they are sent a fresh `status` and `parts` too.
    fn part_names_seen(&mut self, session: SessionId, names: Vec<String>) {
        let changed = !self.part_names.is_empty() && self.part_names != names;
        self.part_names = names;
        if !changed {
            return;
        }
        let others: Vec<SessionId> = self
            .members
            .keys()
            .copied()
            .filter(|&s| s != session)
            .collect();
        for other in others {
            self.request_status(other);
        }
    }

    fn on_saved(&mut self, message: &Message, bytes: Vec<u8>) {
        let Some(waiter) = self.save_waiters.pop_front() else {
            return;
        };
        match waiter {
            SaveWaiter::Upload { gen, trigger } => {
                self.journal_save_answered(gen);
                self.upload(gen, trigger, bytes)
            }
            SaveWaiter::Download {
                session,
                id,
                format,
            } => {
                let stem = self
                    .base_name
                    .rsplit_once('.')
                    .map_or(self.base_name.as_str(), |(stem, _)| stem);
                let header = Message::new("download")
                    .arg("id", id)
                    .arg("format", message.get("format").unwrap_or(&format))
                    .arg("name", format!("{stem}.{format}"));
                if let Some(member) = self.members.get_mut(&session) {
                    member.send(Outgoing::Binary(protocol::binary(&header, &bytes)));
                }
            }
            SaveWaiter::SaveAs { session, name } => self.put_relative(session, name, bytes),
            SaveWaiter::ConflictCopy { gen } => self.store_conflict_copy(gen, bytes),
            SaveWaiter::Checkpoint { gen, started } => {
                self.journal_save_answered(gen);
                self.on_checkpoint_saved(gen, started, bytes)
            }
        }
    }

    fn on_kit_error(&mut self, view: Option<SessionId>, message: &Message) {
        let kind = message.get("kind").unwrap_or("internal");
        let text = message
            .get("message")
            .unwrap_or("the document process failed");
        let text: String = text.chars().take(300).collect();
        let request = message.get("request").unwrap_or_default();
        match ToKit::parse(request) {
            Some(ToKit::Status) => {
                if let Some(session) = self.status_waiters.pop_front() {
                    if let Some(member) = self.members.get_mut(&session) {
                        member.error(kind, &text, Some("status"));
                    }
                }
            }
            Some(ToKit::Save) => match self.save_waiters.pop_front() {
                Some(SaveWaiter::Upload { .. }) => self.save_failed_in_kit(kind, &text),
                Some(SaveWaiter::ConflictCopy { .. }) => {
                    tracing::error!(kind, message = %text, "cannot save the conflict copy");
                    self.conflict_copy_ended();
                }
                Some(SaveWaiter::Download { session, .. }) => {
                    self.tell(session, kind, &text, "download");
                }
                Some(SaveWaiter::SaveAs { session, .. }) => {
                    self.tell(session, kind, &text, "save-as");
                }
                Some(SaveWaiter::Checkpoint { .. }) => {
                    self.on_checkpoint_failed_in_kit(kind, &text)
                }
                None => {}
            },
            Some(ToKit::Tile) => {
                // The kit echoes the refused tile's id (older kits did not: the oldest).
                let id = message.parse_arg::<u64>("id").ok();
                match id.and_then(|id| self.shared_tiles.answered(id)) {
                    Some(answer) => {
                        for (session, asked_id) in answer.askers {
                            self.refuse_tile(session, Some(asked_id), kind, &text);
                        }
                        self.send_released(answer.released);
                    }
                    None => {
                        if let Some(session) = view {
                            self.refuse_tile(session, id, kind, &text);
                        }
                    }
                }
            }
            Some(ToKit::Selection) => {
                if let Some(member) = view.and_then(|s| self.members.get_mut(&s)) {
                    let id = member.selections.pop_front().unwrap_or_default();
                    let error = Message::new("error")
                        .arg("kind", kind)
                        .arg("message", &text)
                        .arg("request", "get-selection")
                        .arg("id", id);
                    member.text(error.render());
                }
            }
            Some(
                kind_of_request @ (ToKit::WindowTile
                | ToKit::WindowKey
                | ToKit::WindowMouse
                | ToKit::WindowText
                | ToKit::WindowClose
                | ToKit::WindowResize
                | ToKit::DialogEvent
                | ToKit::CommandValues),
            ) => {
                let Some(session) = view else { return };
                let Some(member) = self.members.get_mut(&session) else {
                    return;
                };
                let mut error = Message::new("error")
                    .arg("kind", kind)
                    .arg("message", &text)
                    .arg("request", request);
                if let Some(id) = message.get("id") {
                    error = error.arg("id", id);
                }
                member.text(error.render());
                if kind_of_request == ToKit::WindowTile {
                    // A refused window tile is not answered: it leaves the window.
                    member.tiles.failed();
                    self.pump_tiles(session);
                }
            }
            Some(ToKit::ViewOpen) => {
                if let Some(session) = view {
                    self.tell(session, kind, &text, "load");
                    if let Some(mut member) = self.members.remove(&session) {
                        member.close(super::Closing::new(
                            super::close_code::INTERNAL,
                            "load-failed",
                            text.clone(),
                        ));
                    }
                }
            }
            _ => match view {
                Some(session) if self.is_replay_view(session) => {
                    tracing::warn!(kind, message = %text, request, "a replayed input failed")
                }
                Some(session) => {
                    let request = match request {
                        "" => None,
                        r => Some(r),
                    };
                    if let Some(member) = self.members.get_mut(&session) {
                        member.error(kind, &text, request);
                    }
                }
                None => tracing::warn!(kind, message = %text, "error from the kit"),
            },
        }
    }

    fn tell(&mut self, session: SessionId, kind: &str, text: &str, request: &str) {
        if let Some(member) = self.members.get_mut(&session) {
            member.error(kind, text, Some(request));
        }
    }

    /// LibreOffice 7.4 tells only the views showing a slide that it changed, but every session
    /// shows all slides as thumbnails (and a slideshow may show any): the other sessions of a
    /// presentation get the invalidation of a slide they are not on too.
    /// Tile requests in flight that an invalidation touches may predate its edit: later
    /// requests for those tiles go to the kit rather than join them (tile_sharing.rs).
    fn stop_joining(&mut self, invalidate: &Message) {
        let part = invalidate.parse_arg::<u32>("part").ok();
        let area = match invalidate.get("all") {
            Some(_) => None,
            None => Some((
                invalidate.parse_arg::<i64>("x").unwrap_or(0),
                invalidate.parse_arg::<i64>("y").unwrap_or(0),
                invalidate.parse_arg::<i64>("w").unwrap_or(i64::MAX),
                invalidate.parse_arg::<i64>("h").unwrap_or(i64::MAX),
            )),
        };
        self.shared_tiles.invalidate(part, area);
    }

    fn share_slide_invalidation(&mut self, from: SessionId, invalidate: &Message) {
        if self.doc_type != "presentation" && self.doc_type != "drawing" {
            return;
        }
        let Some(part) = invalidate.parse_arg::<i64>("part").ok() else {
            return;
        };
        let text = invalidate.render();
        for (session, member) in self.members.iter_mut() {
            if *session != from && member.part != Some(part) {
                member.text(text.clone());
            }
        }
    }

    fn on_callback(&mut self, view: Option<SessionId>, message: &Message, body: &[u8]) {
        let Some(session) = view else { return };
        let kind = message.get("kind").unwrap_or_default();
        let payload = match message.get("payload") {
            Some(payload) => payload.to_string(),
            None => String::from_utf8_lossy(body).into_owned(),
        };
        if kind == "STATE_CHANGED" && payload.starts_with(".uno:ModifiedStatus=true") {
            // Edits the input count cannot see (a dragged shape). LibreOffice's own flag stays
            // set after our saves (they store a copy) and is re-announced late, so it only
            // counts when mouse input happened since the last save began.
            if !self.modified() && self.mouse_since_save {
                self.edit_gen += 1;
                self.broadcast_doc_state();
            }
        }
        // Parsed once: in-flight tile requests stop being joinable even when the session has
        // just left.
        let invalidate = (kind == "INVALIDATE_TILES").then(|| invalidation(&payload));
        if let Some(invalidate) = &invalidate {
            self.stop_joining(invalidate);
        }
        self.note_cursor(session, kind, &payload);
        let Some(member) = self.members.get_mut(&session) else {
            return;
        };
        if kind == "STATE_CHANGED" {
            member.note_render_state(&payload);
        }
        if let Some(invalidate) = invalidate {
            member.text(invalidate.render());
            self.share_slide_invalidation(session, &invalidate);
            return;
        }
        if !FORWARDED.contains(&kind) {
            return;
        }
        member.text(protocol::text(
            &Message::new("event").arg("kind", kind),
            Some(&payload),
        ));
        if kind == "SET_PART" || kind == "DOCUMENT_SIZE_CHANGED" {
            self.request_status(session);
        }
    }
}

/// `INVALIDATE_TILES` payload → `invalidate`: `EMPTY[, part[, mode]]` or
/// `x, y, width, height[, part[, mode]]` (twips; the part is there because the kit enables
/// `LOK_FEATURE_PART_IN_INVALIDATION_CALLBACK`).
fn invalidation(payload: &str) -> Message {
    let fields: Vec<&str> = payload.split(',').map(str::trim).collect();
    if fields.first() == Some(&"EMPTY") {
        let mut m = Message::new("invalidate").arg("all", 1);
        if let Some(part) = fields.get(1).and_then(|p| p.parse::<i64>().ok()) {
            if part >= 0 {
                m = m.arg("part", part);
            }
        }
        return m;
    }
    let numbers: Vec<i64> = fields.iter().map_while(|f| f.parse().ok()).collect();
    match numbers[..] {
        [x, y, w, h, ref rest @ ..] => {
            let mut m = Message::new("invalidate");
            if let Some(part) = rest.first().filter(|p| **p >= 0) {
                m = m.arg("part", part);
            }
            m.arg("x", x.max(0))
                .arg("y", y.max(0))
                .arg("w", w.max(0))
                .arg("h", h.max(0))
        }
        _ => Message::new("invalidate").arg("all", 1),
    }
}

#[cfg(test)]
mod tests {
    use super::invalidation;

    #[test]
    fn invalidations_are_translated() {
        assert_eq!(
            invalidation("0, 15, 12240, 720, 0").render(),
            "invalidate part=0 x=0 y=15 w=12240 h=720"
        );
        assert_eq!(
            invalidation("EMPTY, 2, 0").render(),
            "invalidate all=1 part=2"
        );
        assert_eq!(invalidation("EMPTY").render(), "invalidate all=1");
        assert_eq!(invalidation("garbage").render(), "invalidate all=1");
    }
}
