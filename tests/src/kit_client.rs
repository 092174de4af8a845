//! One real kit (forkit started peer to peer, real jail, real seccomp, real LibreOffice) driven
//! over the wsd ↔ kit protocol (docs/kit-protocol.md): for tests of what LibreOffice does in a
//! kit, without wsd in between. Waits are deadlines on observed state, never fixed sleeps.
//!
//! [`Kit`] is the connection both test clients share; they differ only in how they keep the
//! callbacks seen on the way: [`KitClient`] as [`Callback`]s, [`KitSession`] (in
//! `kit_session.rs`, which always has a document loaded) as messages.
//!
//! [`KitSession`]: crate::kit_session::KitSession

use std::sync::Arc;
use std::time::{Duration, Instant};

use oxool_proto::{Frame, Message};
use oxool_wsd::kit::forkit_client::ForkitClient;
use tokio::net::unix::OwnedWriteHalf;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::eventually::eventually_every_async;
use crate::input::{click, key_press};

pub const DEADLINE: Duration = Duration::from_secs(60);

/// How a kit client keeps a callback frame (its header and body) seen on the way.
pub trait KeptCallback {
    fn kept(message: Message, body: Vec<u8>) -> Self;
}

/// A callback the kit forwarded: its header and its payload (inline or in the body).
#[derive(Debug, Clone)]
pub struct Callback {
    pub message: Message,
    pub payload: String,
}

impl KeptCallback for Callback {
    fn kept(message: Message, body: Vec<u8>) -> Callback {
        let payload = match message.get("payload") {
            Some(inline) => inline.to_string(),
            None => String::from_utf8_lossy(&body).into_owned(),
        };
        Callback { message, payload }
    }
}

impl Callback {
    pub fn kind(&self) -> &str {
        self.message.get("kind").unwrap_or_default()
    }
}

/// A kit: a writer, and every frame it sends, in order.
pub struct Kit<C> {
    write: Option<OwnedWriteHalf>,
    frames: UnboundedReceiver<Frame>,
    /// Callbacks seen while waiting for other frames, kept for later checks.
    pub callbacks: Vec<C>,
    _forkit: Arc<ForkitClient>,
    _scratch: tempfile::TempDir,
}

/// A kit whose callbacks are kept as [`Callback`]s.
pub type KitClient = Kit<Callback>;

impl<C: KeptCallback> Kit<C> {
    /// A fresh kit; nothing loaded yet.
    pub async fn spawn(prefix: &str) -> Kit<C> {
        let kit = crate::spawn_lok_kit(prefix).await;
        Kit {
            write: Some(kit.write),
            frames: kit.frames,
            callbacks: Vec::new(),
            _forkit: kit.forkit,
            _scratch: kit.scratch,
        }
    }

    pub async fn send_frame(&mut self, frame: Frame) {
        frame
            .write_async(self.write.as_mut().expect("the writer is here"))
            .await
            .unwrap();
    }

    /// The write side, for a test that writes from a task of its own (the kit answers while it
    /// is still writing); give it back with [`Kit::restore_writer`].
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
            callbacks.push(C::kept(message, body))
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
        done: impl Fn(&[C]) -> bool,
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
            self.callbacks.push(C::kept(message, frame.payload));
        }
        Some(())
    }

    /// Waits until the callbacks seen satisfy `done`.
    pub async fn wait_for_callbacks(&mut self, what: &str, done: impl Fn(&[C]) -> bool) {
        if self.try_wait_for_callbacks(DEADLINE, done).await.is_none() {
            panic!("no {what} before the deadline");
        }
    }

    pub async fn key(&mut self, view: &str, char_code: u32, key_code: u32) {
        let target = Message::new("key").arg("view", view);
        for key in key_press(&target, char_code, key_code) {
            self.send(key).await;
        }
    }

    pub async fn type_text(&mut self, view: &str, text: &str) {
        for ch in text.chars() {
            self.key(view, ch as u32, 0).await;
        }
    }

    /// Sends `view-open` for `view` (its user too), read-only when `readonly`; the kit's
    /// `view-opened` answer.
    pub async fn open_view_as(&mut self, view: &str, readonly: bool) -> Message {
        let mut open = Message::new("view-open")
            .arg("view", view)
            .arg("user", view);
        if readonly {
            open = open.arg("readonly", 1);
        }
        self.send(open).await;
        self.answer("view-opened").await.0
    }
}

impl KitClient {
    /// Sends `load` with `bytes` as the document `name` (plus `args`); the kit's answer.
    pub async fn load(&mut self, name: &str, bytes: &[u8], args: &[(&str, &str)]) -> Message {
        let mut load = Message::new("load").arg("name", name);
        for (key, value) in args {
            load = load.arg(key, value);
        }
        self.send_frame(Frame::with_payload(load.render(), bytes.to_vec()))
            .await;
        self.next_answer().await.0
    }

    /// Waits until a callback satisfies `found`; returns it. Older callbacks count too.
    pub async fn wait_for_callback(
        &mut self,
        what: &str,
        found: impl Fn(&Callback) -> bool,
    ) -> Callback {
        self.wait_for_callbacks(what, |seen| seen.iter().any(&found))
            .await;
        let callback = self.callbacks.iter().find(|c| found(c));
        callback.expect("the callback just seen").clone()
    }

    pub async fn open_view(&mut self, view: &str) -> i32 {
        let opened = self.open_view_as(view, false).await;
        opened.parse_arg("lok_view").unwrap()
    }
    /// A mouse click (down, up) of `buttons` (LibreOffice's: left 1, middle 2, right 4) at
    /// (`x`, `y`) twips.
    pub async fn click(&mut self, view: &str, x: i64, y: i64, buttons: u32) {
        let target = Message::new("mouse").arg("view", view);
        for mouse in click(&target, x, y, buttons) {
            self.send(mouse.arg("modifier", 0)).await;
        }
    }

    /// Paints a `width`×`height` px tile of the twips rectangle (`x`, `y`, `tw`, `th`) of part
    /// 0: its RGBA pixels, decoded independently of the kit's encoder.
    pub async fn tile(&mut self, view: &str, px: (u32, u32), twips: (i64, i64, i64, i64)) -> Rgba {
        let (x, y, tw, th) = twips;
        let tile = Message::new("tile")
            .arg("view", view)
            .arg("id", 1)
            .arg("part", 0)
            .arg("width", px.0)
            .arg("height", px.1)
            .arg("x", x)
            .arg("y", y)
            .arg("tw", tw)
            .arg("th", th);
        self.send(tile).await;
        let (_, png) = self.answer("tile").await;
        Rgba::decode(&png)
    }

    /// Paints the tile of [`KitClient::tile`] every 200 ms until `found` gets what it looks for
    /// in its pixels (LibreOffice paints some things, as spelling marks, in its own time);
    /// panics naming `what` at the deadline.
    pub async fn wait_for_tile<T>(
        &mut self,
        view: &str,
        px: (u32, u32),
        twips: (i64, i64, i64, i64),
        what: &str,
        mut found: impl FnMut(Rgba) -> Option<T>,
    ) -> T {
        let every = Duration::from_millis(200);
        eventually_every_async(what, DEADLINE, every, async || {
            found(self.tile(view, px, twips).await)
        })
        .await
    }

    /// `save format=…`: the document's bytes.
    pub async fn save(&mut self, format: &str) -> Vec<u8> {
        self.send(Message::new("save").arg("format", format)).await;
        self.answer("saved").await.1
    }
}

/// Decoded pixels of a tile.
pub struct Rgba {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl Rgba {
    pub fn decode(png_bytes: &[u8]) -> Rgba {
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder.read_info().expect("a PNG header");
        let mut pixels = vec![0; reader.output_buffer_size().expect("a tile-sized image")];
        let info = reader.next_frame(&mut pixels).expect("PNG image data");
        assert_eq!(info.color_type, png::ColorType::Rgba);
        pixels.truncate(info.buffer_size());
        Rgba {
            width: info.width,
            height: info.height,
            pixels,
        }
    }

    /// (x, y, [r, g, b, a]) of every pixel.
    pub fn iter(&self) -> impl Iterator<Item = (u32, u32, [u8; 4])> + '_ {
        self.pixels.chunks_exact(4).enumerate().map(|(i, p)| {
            let i = i as u32;
            (i % self.width, i / self.width, [p[0], p[1], p[2], p[3]])
        })
    }

    /// The pixels that are clearly red (LibreOffice's spelling underline).
    pub fn red_pixels(&self) -> Vec<(u32, u32)> {
        self.iter()
            .filter(|(_, _, [r, g, b, a])| *a > 128 && *r > 180 && *g < 90 && *b < 90)
            .map(|(x, y, _)| (x, y))
            .collect()
    }

    /// The pixels that are ink (dark) on the white page.
    pub fn ink(&self) -> usize {
        self.iter()
            .filter(|(_, _, [r, g, b, a])| *a > 128 && (*r as u32 + *g as u32 + *b as u32) < 384)
            .count()
    }
}
