//! One real kit (forkit started peer to peer, real jail, real seccomp, real LibreOffice) driven
//! over the wsd ↔ kit protocol (docs/kit-protocol.md): for tests of what LibreOffice does in a
//! kit, without wsd in between. Waits are deadlines on observed state, never fixed sleeps.

use std::sync::Arc;
use std::time::{Duration, Instant};

use oxool_proto::{Frame, Message};
use oxool_wsd::kit::forkit_client::ForkitClient;
use tokio::net::unix::OwnedWriteHalf;
use tokio::sync::mpsc::UnboundedReceiver;

pub const DEADLINE: Duration = Duration::from_secs(60);

/// A callback the kit forwarded: its header and its payload (inline or in the body).
#[derive(Debug, Clone)]
pub struct Callback {
    pub message: Message,
    pub payload: String,
}

impl Callback {
    fn new(message: Message, body: Vec<u8>) -> Callback {
        let payload = match message.get("payload") {
            Some(inline) => inline.to_string(),
            None => String::from_utf8_lossy(&body).into_owned(),
        };
        Callback { message, payload }
    }

    pub fn kind(&self) -> &str {
        self.message.get("kind").unwrap_or_default()
    }
}

/// A kit with a document loaded: a writer, and every frame it sends, in order.
pub struct KitClient {
    write: OwnedWriteHalf,
    frames: UnboundedReceiver<Frame>,
    /// Callbacks seen while waiting for other frames, kept for later checks.
    pub callbacks: Vec<Callback>,
    _forkit: Arc<ForkitClient>,
    _scratch: tempfile::TempDir,
}

impl KitClient {
    /// A fresh kit; nothing loaded yet.
    pub async fn spawn(prefix: &str) -> KitClient {
        let kit = crate::spawn_lok_kit(prefix).await;
        KitClient {
            write: kit.write,
            frames: kit.frames,
            callbacks: Vec::new(),
            _forkit: kit.forkit,
            _scratch: kit.scratch,
        }
    }

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

    pub async fn send_frame(&mut self, frame: Frame) {
        frame.write_async(&mut self.write).await.unwrap();
    }

    pub async fn send(&mut self, message: Message) {
        self.send_frame(Frame::new(message.render())).await;
    }

    async fn next_frame(&mut self, until: Instant, what: &str) -> Frame {
        let left = until.saturating_duration_since(Instant::now());
        tokio::time::timeout(left, self.frames.recv())
            .await
            .unwrap_or_else(|_| panic!("no {what} before the deadline"))
            .expect("the kit is alive")
    }

    fn keep_callback(&mut self, message: Message, body: Vec<u8>) {
        self.callbacks.push(Callback::new(message, body));
    }

    /// The next frame that is not a callback; callbacks on the way are kept.
    pub async fn next_answer(&mut self) -> (Message, Vec<u8>) {
        let callbacks = &mut self.callbacks;
        crate::next_kit_answer(&mut self.frames, DEADLINE, |message, body| {
            callbacks.push(Callback::new(message, body))
        })
        .await
    }

    /// The next answer, which must be `name`.
    pub async fn answer(&mut self, name: &str) -> (Message, Vec<u8>) {
        let (message, payload) = self.next_answer().await;
        assert_eq!(message.name, name, "unexpected answer {message}");
        (message, payload)
    }

    /// Waits until a callback satisfies `found`; returns it. Older callbacks count too.
    pub async fn wait_for_callback(
        &mut self,
        what: &str,
        found: impl Fn(&Callback) -> bool,
    ) -> Callback {
        let until = Instant::now() + DEADLINE;
        loop {
            if let Some(callback) = self.callbacks.iter().find(|c| found(c)) {
                return callback.clone();
            }
            let frame = self.next_frame(until, what).await;
            let message = frame.message().unwrap();
            assert!(
                message.name.starts_with("callback"),
                "unexpected answer {message} while waiting for {what}"
            );
            self.keep_callback(message, frame.payload);
        }
    }

    pub async fn open_view(&mut self, view: &str) -> i32 {
        let open = Message::new("view-open")
            .arg("view", view)
            .arg("user", view);
        self.send(open).await;
        let (opened, _) = self.answer("view-opened").await;
        opened.parse_arg("lok_view").unwrap()
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

    pub async fn type_text(&mut self, view: &str, text: &str) {
        for ch in text.chars() {
            self.key(view, ch as u32, 0).await;
        }
    }

    /// A mouse click (down, up) of `buttons` (LibreOffice's: left 1, middle 2, right 4) at
    /// (`x`, `y`) twips.
    pub async fn click(&mut self, view: &str, x: i64, y: i64, buttons: u32) {
        for kind in ["down", "up"] {
            let mouse = Message::new("mouse")
                .arg("view", view)
                .arg("type", kind)
                .arg("x", x)
                .arg("y", y)
                .arg("count", 1)
                .arg("buttons", buttons)
                .arg("modifier", 0);
            self.send(mouse).await;
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
