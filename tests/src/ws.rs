//! A client of wsd's WebSocket protocol (docs/protocol.md), written from the document, for the
//! end-to-end tests and the benchmark.
//!
//! Every frame the server sends is read at once by a task of its own (so the server never sees
//! a slow client unless a test asks for one), stamped with its arrival time and kept in order.
//! Waits are deadlines on observed messages, never fixed sleeps. Tiles are acknowledged with
//! `tile-done` as they arrive, as a browser does once it has drawn them.
//!
//! Here: connecting and the waits on what arrived. The requests (load, input, tiles, save):
//! `commands`; the byte-counting stream: `wire`; parsing what arrives: `incoming`.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use oxool_proto::Message;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::WebSocketStream;

mod commands;
mod incoming;
mod wire;
use incoming::parse_frame;
pub use incoming::Incoming;
use wire::CountingStream;
pub use wire::WireBytes;

/// How long any single wait may take: loading a document in a fresh kit is the slowest step.
pub const DEADLINE: Duration = Duration::from_secs(90);

enum Event {
    Message(Incoming),
    /// The connection ended: the close code the server gave (None without a close frame).
    Closed(Option<u16>),
}

type Sink = SplitSink<WebSocketStream<CountingStream>, WsMessage>;

/// One WebSocket session with wsd.
pub struct WsClient {
    /// A label for failure messages ("A", "B", "viewer").
    pub label: String,
    sink: Sink,
    events: UnboundedReceiver<Event>,
    /// Everything received so far, oldest first.
    pub seen: Vec<Incoming>,
    /// Index into `seen` of the first message not yet looked at by `wait_for`.
    cursor: usize,
    /// The close code once the connection ended (`Some(None)`: ended without a close frame).
    pub closed: Option<Option<u16>>,
    pub wire: Arc<WireBytes>,
    /// Send `tile-done` for each tile received (on by default).
    pub auto_ack_tiles: bool,
    /// The `status` answered to `load`.
    pub status: Option<Incoming>,
    paused: Arc<AtomicBool>,
    /// The task that reads the connection: it holds the socket's read half.
    reader: tokio::task::JoinHandle<()>,
}

/// Dropping a client disconnects it: the reader task holds the socket's read half, which kept
/// the connection open until the server next sent something.
impl Drop for WsClient {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl WsClient {
    /// Connects to `/cool/ws` of the server listening on `port`, without naming the document
    /// in the URL (a single host needs no routing).
    pub async fn connect(port: u16, label: &str) -> anyhow::Result<WsClient> {
        Self::connect_with(port, label, None).await
    }

    /// Connects to `/cool/ws?WOPISrc=…` on 127.0.0.1:`port`, the URL the editor page hands
    /// out for `wopisrc`: a balancer in front routes it by the document.
    pub async fn connect_routed(port: u16, label: &str, wopisrc: &str) -> anyhow::Result<WsClient> {
        Self::connect_routed_to(SocketAddr::from(([127, 0, 0, 1], port)), label, wopisrc).await
    }

    /// [`connect_routed`](Self::connect_routed) to any address (one host of a cluster).
    pub async fn connect_routed_to(
        addr: SocketAddr,
        label: &str,
        wopisrc: &str,
    ) -> anyhow::Result<WsClient> {
        let path = oxool_wsd::editing::ws_route::ws_path(wopisrc);
        Self::connect_path(addr, label, &path).await
    }

    /// Connects to `path` (with its query) at `addr`: the `ws` an editor page handed out.
    pub async fn connect_path(
        addr: SocketAddr,
        label: &str,
        path: &str,
    ) -> anyhow::Result<WsClient> {
        Self::open(addr, label, None, path).await
    }

    /// Like `connect`, with a small TCP receive buffer and segment size: with `pause_reading`,
    /// a slow client (a narrow link far away) whose backlog shows at the server soon. The
    /// server's kernel sizes its send buffer from the segment size at the handshake: with
    /// loopback's 64 KiB segments it starts at its maximum (megabytes), with 536-byte ones at
    /// tens of kilobytes, and a peer that does not read never lets it grow.
    pub async fn connect_with(
        port: u16,
        label: &str,
        receive_buffer: Option<u32>,
    ) -> anyhow::Result<WsClient> {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        Self::open(addr, label, receive_buffer, "/cool/ws").await
    }

    async fn open(
        addr: SocketAddr,
        label: &str,
        receive_buffer: Option<u32>,
        path: &str,
    ) -> anyhow::Result<WsClient> {
        let socket = tokio::net::TcpSocket::new_v4()?;
        if let Some(size) = receive_buffer {
            socket.set_recv_buffer_size(size)?;
            nix::sys::socket::setsockopt(&socket, nix::sys::socket::sockopt::TcpMaxSeg, &536)?;
        }
        let tcp = socket.connect(addr).await?;
        tcp.set_nodelay(true)?;
        let wire = Arc::new(WireBytes::default());
        let stream = CountingStream {
            inner: tcp,
            counters: wire.clone(),
        };
        let url = format!("ws://{addr}{path}");
        let (socket, _response) = tokio_tungstenite::client_async(url, stream).await?;
        let (sink, mut stream) = socket.split();
        let (tx, events) = tokio::sync::mpsc::unbounded_channel();
        let paused = Arc::new(AtomicBool::new(false));
        let reader_paused = paused.clone();
        let reader = tokio::spawn(async move {
            let mut code = None;
            loop {
                // A paused client does not read at all: the server sees a slow client.
                while reader_paused.load(Ordering::Relaxed) {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                let Some(frame) = stream.next().await else {
                    break;
                };
                let at = Instant::now();
                let (bytes, binary) = match frame {
                    Ok(WsMessage::Text(text)) => (text.as_bytes().to_vec(), false),
                    Ok(WsMessage::Binary(bytes)) => (bytes.to_vec(), true),
                    Ok(WsMessage::Close(frame)) => {
                        code = frame.map(|f| u16::from(f.code));
                        break;
                    }
                    Ok(_) => continue,
                    Err(_) => break,
                };
                let incoming = parse_frame(&bytes, binary, at);
                if tx.send(Event::Message(incoming)).is_err() {
                    return;
                }
            }
            let _ = tx.send(Event::Closed(code));
        });
        Ok(WsClient {
            label: label.to_string(),
            sink,
            events,
            seen: Vec::new(),
            cursor: 0,
            closed: None,
            wire,
            auto_ack_tiles: true,
            status: None,
            paused,
            reader,
        })
    }

    /// Stops (or resumes) reading from the connection.
    pub fn pause_reading(&self, paused: bool) {
        self.paused.store(paused, Ordering::Relaxed);
    }

    /// Sends one text frame as is (also malformed lines, for the bad-input tests).
    pub async fn send_line(&mut self, line: &str) {
        self.sink
            .send(WsMessage::text(line.to_string()))
            .await
            .unwrap_or_else(|e| panic!("[{}] sending {line:?}: {e}", self.label));
    }

    /// Sends a frame; an error (the server closed) is returned, not a panic.
    pub async fn try_send(&mut self, frame: WsMessage) -> anyhow::Result<()> {
        self.sink.send(frame).await.map_err(Into::into)
    }

    pub async fn send(&mut self, message: Message) {
        self.send_line(&message.render()).await;
    }

    /// A message with a body after the first line.
    pub async fn send_with_body(&mut self, message: Message, body: &str) {
        self.send_line(&format!("{}\n{body}", message.render()))
            .await;
    }

    /// Receives what has arrived, waiting at most until `until`; false at the deadline or once
    /// the connection has ended.
    async fn receive_one(&mut self, until: Instant) -> bool {
        if self.closed.is_some() {
            return false;
        }
        let left = until.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, self.events.recv()).await {
            Ok(Some(Event::Message(incoming))) => {
                let tile = incoming.is_tile() || incoming.is("window-tile");
                self.seen.push(incoming);
                if tile && self.auto_ack_tiles {
                    let ack = Message::new("tile-done").arg("count", 1).render();
                    let _ = self.sink.send(WsMessage::text(ack)).await;
                }
                true
            }
            Ok(Some(Event::Closed(code))) => {
                self.closed = Some(code);
                false
            }
            Ok(None) => {
                self.closed = Some(None);
                false
            }
            Err(_) => false,
        }
    }

    /// The first message from now on that satisfies `pred`; panics with the recent history at
    /// the deadline or when the connection ends first.
    pub async fn wait_for(&mut self, what: &str, pred: impl Fn(&Incoming) -> bool) -> Incoming {
        match self.try_wait_for(DEADLINE, &pred).await {
            Some(found) => found,
            None => panic!(
                "[{}] no {what} before the deadline (closed: {:?}); last messages:\n{}",
                self.label,
                self.closed,
                self.recent(40)
            ),
        }
    }

    /// Sends `line` and waits for the error that refuses it, which must be of `kind`.
    pub async fn expect_refused(&mut self, line: &str, kind: &str) -> Incoming {
        self.send_line(line).await;
        let error = self.wait_for("the refusal", |m| m.is("error")).await;
        assert!(error.is_error(kind), "{line}: {error}");
        error
    }

    /// Asks for the `command-values` of `command` (a font or style list, the comments, the
    /// tracked changes); their answer, awaited as `what`.
    pub async fn command_values(&mut self, what: &str, command: &str) -> Incoming {
        self.send(Message::new("command-values").arg("command", command))
            .await;
        self.wait_for(what, |m| {
            m.is("command-values") && m.get("command") == Some(command)
        })
        .await
    }

    /// The array `key` of the [`WsClient::command_values`] of `command` (the comments, the
    /// tracked changes), awaited as `what`.
    pub async fn command_values_list(
        &mut self,
        what: &str,
        command: &str,
        key: &str,
    ) -> Vec<serde_json::Value> {
        let values = self.command_values(what, command).await.json();
        values[key]
            .as_array()
            .unwrap_or_else(|| panic!("{what}: a {key} array in {values}"))
            .clone()
    }

    /// The most recent message received so far that satisfies `pred` (also one an earlier wait
    /// went past), else the first one to come.
    pub async fn latest_or_wait(
        &mut self,
        what: &str,
        pred: impl Fn(&Incoming) -> bool,
    ) -> Incoming {
        if let Some(found) = self.seen.iter().rev().find(|m| pred(m)) {
            return found.clone();
        }
        self.wait_for(what, pred).await
    }

    /// Like `wait_for` with a deadline of its own; None when it passes or the connection ends.
    pub async fn try_wait_for(
        &mut self,
        timeout: Duration,
        pred: impl Fn(&Incoming) -> bool,
    ) -> Option<Incoming> {
        let until = Instant::now() + timeout;
        loop {
            while self.cursor < self.seen.len() {
                let index = self.cursor;
                self.cursor += 1;
                if pred(&self.seen[index]) {
                    return Some(self.seen[index].clone());
                }
            }
            if !self.receive_one(until).await {
                // Whatever is still queued counts, even after the close.
                if self.cursor < self.seen.len() {
                    continue;
                }
                return None;
            }
        }
    }

    /// The next message not yet looked at, waiting at most until `until`; None at the deadline
    /// or once the connection has ended. For clients that react to every message in turn.
    pub async fn next_before(&mut self, until: Instant) -> Option<Incoming> {
        if self.cursor == self.seen.len() && !self.receive_one(until).await {
            return None;
        }
        let next = self.seen.get(self.cursor).cloned();
        self.cursor += next.is_some() as usize;
        next
    }

    /// Drops what was received and looked at, so a long-running client (the load generator)
    /// does not keep every tile it was ever sent.
    pub fn forget_seen(&mut self) {
        self.seen.drain(..self.cursor);
        self.cursor = 0;
    }

    /// Reads everything the server sends for `period` (to check that something does NOT come).
    pub async fn drain_for(&mut self, period: Duration) -> Vec<Incoming> {
        let start = self.seen.len();
        let until = Instant::now() + period;
        while Instant::now() < until && self.receive_one(until).await {}
        self.seen[start..].to_vec()
    }

    /// Waits until the connection has ended; the close code (None: no close frame).
    pub async fn wait_closed(&mut self) -> Option<u16> {
        let until = Instant::now() + DEADLINE;
        while self.closed.is_none() {
            if !self.receive_one(until).await && self.closed.is_none() {
                panic!(
                    "[{}] the connection did not close; last messages:\n{}",
                    self.label,
                    self.recent(20)
                );
            }
        }
        self.closed.unwrap()
    }

    /// A position in what was received, to look from later (`rewind_to`).
    pub fn mark(&self) -> usize {
        self.seen.len()
    }

    /// The next waits look again at what arrived since `mark`: for several things that may
    /// come in any order.
    pub fn rewind_to(&mut self, mark: usize) {
        self.cursor = mark.min(self.seen.len());
    }

    /// Marks everything received so far as looked at.
    pub fn skip_seen(&mut self) {
        self.cursor = self.seen.len();
    }

    /// The last `n` messages, one a line.
    pub fn recent(&self, n: usize) -> String {
        let from = self.seen.len().saturating_sub(n);
        self.seen[from..]
            .iter()
            .map(|m| format!("  {m}\n"))
            .collect()
    }
}
