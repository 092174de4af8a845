//! LibreOffice's own windows, on the broker's side (docs/protocol.md, "Dialogs"): window
//! requests (parsed and bounded in protocol/window.rs) go to the kit, its window tiles and value
//! lists back to the session. The kit checks that the session's view owns the window, so
//! another session's window is refused there.

use oxool_proto::{Message, ToKit};

use super::broker::Broker;
use super::protocol;
use super::protocol::window::{WindowRequest, WindowTile};
use super::SessionId;

impl Broker {
    /// A window request of `session`, already parsed, rate-limited and allowed.
    pub(super) fn on_window(&mut self, session: SessionId, request: WindowRequest) {
        if let WindowRequest::Tile(tile) = request {
            let Some(member) = self.members.get_mut(&session) else {
                return;
            };
            if member.tiles.request_window(tile.clone()).is_err() {
                let error = Message::new("error")
                    .arg("kind", "too-many-tiles")
                    .arg(
                        "message",
                        "too many window tiles are waiting; acknowledge tiles with tile-done",
                    )
                    .arg("request", "window-tile")
                    .arg("id", tile.id);
                member.text(error.render());
                return;
            }
            self.pump_tiles(session);
            return;
        }
        let (message, body) = request.to_kit(session);
        self.kit
            .send_frame(oxool_proto::Frame::with_payload(message.render(), body));
        // A dialog's OK may change the document without a key that says so: LibreOffice's
        // ModifiedStatus tells then (kit_events.rs), as for mouse input.
        self.last_input = std::time::Instant::now();
        self.mouse_since_save = true;
    }

    /// Sends the kit the window tile that got a place in the session's window.
    pub(super) fn send_window_tile(&mut self, session: SessionId, tile: &WindowTile) -> bool {
        let (message, _) = WindowRequest::Tile(tile.clone()).to_kit(session);
        self.kit.send(message)
    }

    pub(super) fn request_command_values(&mut self, session: SessionId, command: &str) {
        self.kit.send(
            Message::new(ToKit::CommandValues.name())
                .arg("view", session)
                .arg("command", command),
        );
    }

    /// The kit's `window-tile` answer: the PNG goes to the session as a binary frame.
    pub(super) fn on_window_tile(&mut self, session: SessionId, message: &Message, png: &[u8]) {
        let Some(member) = self.members.get_mut(&session) else {
            return;
        };
        let mut header = Message::new("window-tile");
        for key in ["id", "x", "y", "width", "height", "scale"] {
            header = header.arg(key, message.get(key).unwrap_or("0"));
        }
        let header = header.arg("format", "png");
        member.send(super::Outgoing::Binary(protocol::binary(&header, png)));
    }

    /// The kit's `command-values` answer: LibreOffice's JSON as the body.
    pub(super) fn on_command_values(&mut self, session: SessionId, message: &Message, json: &[u8]) {
        let Some(member) = self.members.get_mut(&session) else {
            return;
        };
        let header = Message::new("command-values")
            .arg("command", message.get("command").unwrap_or_default());
        member.text(protocol::text(
            &header,
            Some(&String::from_utf8_lossy(json)),
        ));
    }
}
