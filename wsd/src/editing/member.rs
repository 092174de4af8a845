//! A session as its document's broker knows it: its token and rights, its view, its tile
//! window, and the queue to its WebSocket.

use std::collections::{BTreeMap, VecDeque};

use oxool_proto::Message;
use tokio::sync::oneshot;

use std::hash::{Hash, Hasher};

use super::outbox::OutboxSender;
use super::protocol;
use super::replay_journal::Cursor;
use super::tile_sharing::{RenderKey, RENDER_COMMANDS};
use super::tiles::TileFlow;
use super::{Closing, Outgoing};
use crate::wopi::AccessToken;

/// A session as the broker knows it.
pub(super) struct Member {
    pub token: AccessToken,
    pub can_write: bool,
    /// May store copies next to the file (save-as): writing and not `UserCanNotWriteRelative`.
    pub can_save_as: bool,
    pub name: String,
    pub color: &'static str,
    pub lok_view: Option<i32>,
    pub outbox: OutboxSender,
    pub closer: Option<oneshot::Sender<Closing>>,
    pub tiles: TileFlow,
    /// Tile requests sent to the kit: the kit echoes `id`.
    pub tile_ids: BTreeMap<u64, (protocol::TileKey, bool)>,
    /// The client stopped reading: it is closed after the current command.
    pub slow: bool,
    /// `get-selection` ids waiting for the kit, in order.
    pub selections: VecDeque<u64>,
    /// The part (sheet, slide) its view showed in the last `status` it was sent.
    pub part: Option<i64>,
    /// Its view's last `STATE_CHANGED` of each command that changes its tiles
    /// ([`tile_sharing::RENDER_COMMANDS`]): views that agree share tile renders.
    pub render_states: BTreeMap<&'static str, String>,
    /// Where its view's cursor was last reported (replay.rs).
    pub cursor: Option<Cursor>,
}

impl Member {
    /// Queues a message for the client; a full queue marks the client slow (docs/protocol.md).
    pub fn send(&mut self, out: Outgoing) {
        if self.slow {
            return;
        }
        if self.outbox.try_send(out).is_err() {
            self.slow = true;
        }
    }

    /// What decides this view's pixels besides the tile's geometry (tile_sharing.rs).
    pub fn render_key(&self) -> RenderKey {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.render_states.hash(&mut hasher);
        hasher.finish()
    }

    /// Notes a `STATE_CHANGED` payload (`.uno:Name=value` or LibreOffice's JSON form) when it
    /// is the state of a command that changes what the view's tiles show.
    pub fn note_render_state(&mut self, payload: &str) {
        let (name, value) = match payload.split_once('=') {
            Some((name, value)) if !payload.starts_with('{') => (name.to_string(), value.into()),
            _ => match serde_json::from_str::<serde_json::Value>(payload) {
                Ok(json) => (
                    json["commandName"].as_str().unwrap_or_default().to_string(),
                    json["state"].to_string(),
                ),
                Err(_) => return,
            },
        };
        if let Some(command) = RENDER_COMMANDS.iter().find(|c| **c == name) {
            self.render_states.insert(command, value);
        }
    }

    pub fn text(&mut self, text: String) {
        self.send(Outgoing::Text(text));
    }

    pub fn error(&mut self, kind: &str, message: &str, request: Option<&str>) {
        self.text(protocol::error(kind, message, request));
    }

    /// Sends `close` and ends the session's WebSocket.
    pub fn close(&mut self, closing: Closing) {
        let text = Message::new("close")
            .arg("reason", closing.reason)
            .arg("message", &closing.message)
            .render();
        let _ = self.outbox.try_send(Outgoing::Text(text));
        if let Some(closer) = self.closer.take() {
            let _ = closer.send(closing);
        }
    }
}
