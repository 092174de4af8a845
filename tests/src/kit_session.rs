//! One real kit with a loaded document, driven over the wsd ↔ kit protocol
//! (docs/kit-protocol.md, "Editing"): forkit started peer to peer, real jail, real seccomp, real
//! LibreOffice. Waits are deadlines on observed state, never fixed sleeps. The connection is
//! the shared [`Kit`]; this client keeps callbacks as messages.

use std::time::Duration;

use oxool_proto::{Frame, Message};

use crate::eventually::poll_every_async;
pub use crate::kit_client::DEADLINE;
use crate::kit_client::{KeptCallback, Kit, Rgba};

/// One kit with a loaded document; its callbacks are kept as messages.
pub type KitSession = Kit<Message>;

/// A callback frame as one message: a payload sent in the body (`body=1`) becomes `payload=`.
impl KeptCallback for Message {
    fn kept(mut message: Message, body: Vec<u8>) -> Message {
        if message.get("body") == Some("1") {
            let body = String::from_utf8_lossy(&body).into_owned();
            message = message.arg("payload", body);
        }
        message
    }
}

impl KitSession {
    /// Spawns a kit and loads the fixture `fixture` in it.
    pub async fn load(fixture: &str) -> KitSession {
        KitSession::load_after(fixture, false).await
    }

    /// [`KitSession::load`], after a `warm-up` first when `warm` (as wsd's reserve kit).
    pub async fn load_after(fixture: &str, warm: bool) -> KitSession {
        let mut kit = KitSession::spawn("oxool-kit-session-").await;
        if warm {
            kit.send(Message::new("warm-up")).await;
            kit.answer("warmed").await;
        }
        let bytes = std::fs::read(crate::fixture(fixture)).unwrap();
        let load = Message::new("load").arg("name", fixture).render();
        kit.send_frame(Frame::with_payload(load, bytes)).await;
        let loaded = kit.answer("loaded").await;
        assert!(loaded.0.get("type").is_some(), "{loaded:?}");
        kit
    }

    pub async fn open_view(&mut self, view: &str, readonly: bool) -> i32 {
        let opened = self.open_view_as(view, readonly).await;
        assert_eq!(opened.get("view"), Some(view));
        opened.parse_arg("lok_view").unwrap()
    }

    pub async fn uno(&mut self, view: &str, command: &str, args: Option<&str>) {
        let mut uno = Message::new("uno")
            .arg("view", view)
            .arg("command", command);
        if let Some(args) = args {
            uno = uno.arg("args", args);
        }
        self.send(uno).await;
    }

    pub async fn save_bytes(&mut self, format: &str) -> Vec<u8> {
        self.send(Message::new("save").arg("format", format)).await;
        let (saved, bytes) = self.answer("saved").await;
        assert_eq!(saved.parse_arg::<usize>("bytes").unwrap(), bytes.len());
        bytes
    }

    pub async fn save_text(&mut self, format: &str) -> String {
        String::from_utf8_lossy(&self.save_bytes(format).await).into_owned()
    }

    /// Saves as `format` until the text satisfies `done` (edits are asynchronous in LOK).
    pub async fn wait_for_saved(&mut self, format: &str, done: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        let every = Duration::from_millis(100);
        let saved = poll_every_async(DEADLINE, every, async || {
            let text = self.save_text(format).await;
            if done(&text) {
                return Some(text);
            }
            last = text;
            None
        })
        .await;
        saved.unwrap_or_else(|| panic!("saved {format} never showed the edit: {last:?}"))
    }

    pub async fn status(&mut self) -> Message {
        self.send(Message::new("status")).await;
        self.answer("status").await.0
    }

    pub async fn expect_error(&mut self, kind: &str) -> Message {
        let (error, _) = self.answer("error").await;
        assert_eq!(error.get("kind"), Some(kind), "{error}");
        error
    }
}

/// Whether a callback of `kind` for session `view` was seen.
pub fn seen(callbacks: &[Message], view: &str, kind: &str) -> bool {
    callbacks
        .iter()
        .any(|c| c.get("view") == Some(view) && c.get("kind") == Some(kind))
}

/// The JSON payloads of the `kind` callbacks for session `view`, in order.
pub fn payloads(callbacks: &[Message], view: &str, kind: &str) -> Vec<serde_json::Value> {
    callbacks
        .iter()
        .filter(|c| c.get("view") == Some(view) && c.get("kind") == Some(kind))
        .filter_map(|c| serde_json::from_str(c.get("payload")?).ok())
        .collect()
}

/// Decodes a PNG independently of the kit's encoder: (width, height, RGBA pixels).
pub fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let rgba = Rgba::decode(bytes);
    (rgba.width, rgba.height, rgba.pixels)
}
