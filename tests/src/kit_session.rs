//! One real kit with a loaded document, driven over the wsd ↔ kit protocol
//! (docs/kit-protocol.md, "Editing"): forkit started peer to peer, real jail, real seccomp, real
//! LibreOffice. Waits are deadlines on observed state, never fixed sleeps.

use std::sync::Arc;
use std::time::{Duration, Instant};

use oxool_proto::{Frame, Message};
use oxool_wsd::kit::forkit_client::ForkitClient;
use tokio::net::unix::OwnedWriteHalf;
use tokio::sync::mpsc::UnboundedReceiver;

pub const DEADLINE: Duration = Duration::from_secs(60);

/// One kit with a loaded document: a writer, and every frame it sends, in order.
pub struct KitSession {
    write: Option<OwnedWriteHalf>,
    frames: UnboundedReceiver<Frame>,
    /// Callbacks seen while waiting for other frames, kept for later checks.
    pub callbacks: Vec<Message>,
    _forkit: Arc<ForkitClient>,
    _scratch: tempfile::TempDir,
}

impl KitSession {
    /// Spawns a kit and loads the fixture `fixture` in it.
    pub async fn load(fixture: &str) -> KitSession {
        KitSession::load_after(fixture, false).await
    }

    /// [`KitSession::load`], after a `warm-up` first when `warm` (as wsd's reserve kit).
    pub async fn load_after(fixture: &str, warm: bool) -> KitSession {
        let spawned = crate::spawn_lok_kit("oxool-kit-session-").await;
        let mut kit = KitSession {
            write: Some(spawned.write),
            frames: spawned.frames,
            callbacks: Vec::new(),
            _forkit: spawned.forkit,
            _scratch: spawned.scratch,
        };
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

    pub async fn send_frame(&mut self, frame: Frame) {
        frame
            .write_async(self.write.as_mut().expect("the writer is here"))
            .await
            .unwrap();
    }

    /// The write side, for a test that writes from a task of its own (the kit answers while it
    /// is still writing); give it back with [`KitSession::restore_writer`].
    pub fn take_writer(&mut self) -> OwnedWriteHalf {
        self.write.take().expect("the writer is here")
    }

    pub fn restore_writer(&mut self, write: OwnedWriteHalf) {
        self.write = Some(write);
    }

    pub async fn send(&mut self, message: Message) {
        self.send_frame(Frame::new(message.render())).await;
    }

    /// The next frame that is not a callback; callbacks on the way are kept.
    pub async fn next_answer(&mut self) -> (Message, Vec<u8>) {
        let callbacks = &mut self.callbacks;
        crate::next_kit_answer(&mut self.frames, DEADLINE, |message, body| {
            callbacks.push(callback(message, &body))
        })
        .await
    }

    /// The next answer, which must be `name`.
    pub async fn answer(&mut self, name: &str) -> (Message, Vec<u8>) {
        let (message, payload) = self.next_answer().await;
        assert_eq!(message.name, name, "unexpected answer {message}");
        (message, payload)
    }

    /// Waits until the callbacks seen satisfy `done`; `None` when they do not by `within`.
    pub async fn try_wait_for_callbacks(
        &mut self,
        within: Duration,
        done: impl Fn(&[Message]) -> bool,
    ) -> Option<()> {
        let until = Instant::now() + within;
        while !done(&self.callbacks) {
            let left = until.saturating_duration_since(Instant::now());
            let frame = tokio::time::timeout(left, self.frames.recv())
                .await
                .ok()?
                .expect("the kit is alive");
            let message = frame.message().unwrap();
            assert!(
                message.name.starts_with("callback"),
                "unexpected answer {message} while waiting for callbacks"
            );
            self.callbacks.push(callback(message, &frame.payload));
        }
        Some(())
    }

    /// Waits until the callbacks seen satisfy `done`.
    pub async fn wait_for_callbacks(&mut self, what: &str, done: impl Fn(&[Message]) -> bool) {
        if self.try_wait_for_callbacks(DEADLINE, done).await.is_none() {
            panic!("no {what} before the deadline");
        }
    }

    pub async fn open_view(&mut self, view: &str, readonly: bool) -> i32 {
        let mut open = Message::new("view-open")
            .arg("view", view)
            .arg("user", view);
        if readonly {
            open = open.arg("readonly", 1);
        }
        self.send(open).await;
        let (opened, _) = self.answer("view-opened").await;
        assert_eq!(opened.get("view"), Some(view));
        opened.parse_arg("lok_view").unwrap()
    }

    pub async fn type_text(&mut self, view: &str, text: &str) {
        for ch in text.chars() {
            self.key(view, ch as u32, 0).await;
        }
    }

    pub async fn key(&mut self, view: &str, char_code: u32, key_code: u32) {
        for kind in ["input", "up"] {
            let key = Message::new("key")
                .arg("view", view)
                .arg("type", kind)
                .arg("char", char_code)
                .arg("code", key_code);
            self.send(key).await;
        }
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
        let until = Instant::now() + DEADLINE;
        loop {
            let text = self.save_text(format).await;
            if done(&text) {
                return text;
            }
            assert!(
                Instant::now() < until,
                "saved {format} never showed the edit: {text:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
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

/// A callback frame as one message: a payload sent in the body (`body=1`) becomes `payload=`.
fn callback(mut message: Message, body: &[u8]) -> Message {
    if message.get("body") == Some("1") {
        let body = String::from_utf8_lossy(body).into_owned();
        message = message.arg("payload", body);
    }
    message
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
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a tile-sized image")];
    let info = reader.next_frame(&mut pixels).expect("PNG image data");
    assert_eq!(info.color_type, png::ColorType::Rgba);
    pixels.truncate(info.buffer_size());
    (info.width, info.height, pixels)
}
