//! One client WebSocket (`GET /cool/ws`, docs/protocol.md): handshake, `load` (the allow-list
//! and CheckFileInfo happen here, with this session's token), joining the document's broker,
//! then messages both ways until either side closes.
//!
//! What a client sends is parsed and bounded here ([`protocol::parse_client`]) and input is
//! rate-limited here, so a hostile client costs its own task and never the broker's.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket};
use axum::extract::{Query, State, WebSocketUpgrade};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use oxool_proto::Message;
use tokio::sync::oneshot;
use tracing::Instrument;

use super::command::{BrokerHandle, Command, JoinError, JoinRequest};
use super::outbox::{outbox, OutboxReceiver};
use super::protocol::{
    self, ClientMessage, Refused, MAX_CLIENT_FRAME, MAX_CLIENT_LINE, PROTOCOL_VERSION,
};
use super::ws_route::{self, WsParams};
use super::{close_code, Closing, Outgoing, Registry, SessionId};
use crate::wopi::{AccessToken, WopiSrc};

/// How long the handshake and `load` may take to arrive.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long queued messages, the `close` message and the close frame may take to go out when
/// the server ends a session; a client that does not read them is then simply dropped (a
/// write to it would otherwise wait for as long as TCP keeps a zero window open: for ever).
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

type Sink = futures_util::stream::SplitSink<WebSocket, WsMessage>;
type Stream = futures_util::stream::SplitStream<WebSocket>;

/// `GET /cool/ws[?WOPISrc=…]`.
pub async fn upgrade(
    State(registry): State<Arc<Registry>>,
    Query(params): Query<WsParams>,
    ws: WebSocketUpgrade,
) -> Response {
    ws.max_message_size(super::images::MAX_BINARY_FRAME)
        .max_frame_size(super::images::MAX_BINARY_FRAME)
        .on_upgrade(move |socket| {
            let session = registry.next_session_id();
            let span = tracing::info_span!("session", session);
            run(socket, registry, session, params).instrument(span)
        })
}

async fn run(socket: WebSocket, registry: Arc<Registry>, session: SessionId, params: WsParams) {
    let (mut sink, mut stream) = socket.split();
    let opened = match open(&mut sink, &mut stream, &registry, session, &params).await {
        Ok(opened) => opened,
        Err(closing) => {
            let error = closing
                .error
                .clone()
                .unwrap_or_else(|| protocol::error(closing.reason, &closing.message, None));
            let _ = send_text(&mut sink, error).await;
            close(&mut sink, &closing).await;
            return;
        }
    };
    let Opened {
        broker,
        mut outbox,
        closer,
    } = opened;
    let settings = &registry.context().config.editing;
    let mut limiter = RateLimit::new(settings.input_rate_per_sec, settings.input_burst);
    registry.session_joined();
    serve(
        &mut sink,
        &mut stream,
        &broker,
        session,
        &mut outbox,
        closer,
        &mut limiter,
    )
    .await;
    registry.session_left();
    broker.send(Command::Leave { session }).await;
}

struct Opened {
    broker: BrokerHandle,
    outbox: OutboxReceiver,
    closer: oneshot::Receiver<Closing>,
}

/// Handshake, `load`, join. An `Err` is the `error` kind and text to send before closing.
async fn open(
    sink: &mut Sink,
    stream: &mut Stream,
    registry: &Arc<Registry>,
    session: SessionId,
    params: &WsParams,
) -> Result<Opened, Closing> {
    let refuse =
        |kind: &'static str, message: String| Closing::new(close_code::POLICY, kind, message);
    let version = match next_message(stream).await? {
        ClientMessage::Hello { version: 0 } => {
            return Err(refuse(
                "version",
                format!("this server speaks protocol versions 1..={PROTOCOL_VERSION}"),
            ))
        }
        ClientMessage::Hello { version } => version.min(PROTOCOL_VERSION),
        _ => {
            return Err(refuse(
                "not-loaded",
                "the first message must be `oxool version=<n>`".into(),
            ))
        }
    };
    let hello = Message::new("oxool")
        .arg("version", version)
        .arg("server", env!("CARGO_PKG_VERSION"));
    send_text(sink, hello.render()).await.map_err(|_| gone())?;
    let (wopisrc, token, password) = match next_message(stream).await? {
        ClientMessage::Load {
            wopisrc,
            token,
            password,
        } => (wopisrc, AccessToken::new(token), password),
        _ => {
            return Err(refuse(
                "not-loaded",
                "the second message must be `load`".into(),
            ))
        }
    };
    let ctx = registry.context();
    let src = WopiSrc::parse(&wopisrc).map_err(|e| refuse(e.kind(), e.to_string()))?;
    ws_route::check(params.wopisrc.as_deref(), &src)
        .map_err(|e| refuse(e.kind(), e.to_string()))?;
    if token.is_empty() {
        return Err(refuse(
            "missing-token",
            "load needs the access token (token=)".into(),
        ));
    }
    ctx.wopi
        .check_allowed(src.url())
        .map_err(|e| refuse(e.kind(), e.to_string()))?;
    send_text(
        sink,
        Message::new("progress").arg("stage", "storage").render(),
    )
    .await
    .map_err(|_| gone())?;
    let info = ctx
        .wopi
        .check_file_info(&src, &token)
        .await
        .map_err(|e| Closing::new(close_code::NORMAL, e.kind(), e.to_string()))?;
    tracing::info!(doc = %src.doc_key(), can_write = info.user_can_write, "opening");
    // A broker that is closing for good answers Retry; a new one is started on the next try.
    for _ in 0..5 {
        let (outbox_sender, outbox) = outbox();
        let (closer_sender, closer) = oneshot::channel();
        let (reply, answer) = oneshot::channel();
        let join = JoinRequest {
            session,
            token: token.clone(),
            password: password.clone(),
            info: info.clone(),
            outbox: outbox_sender,
            closer: closer_sender,
            reply,
        };
        let broker = match registry.submit(&src, join).await {
            Ok(broker) => broker,
            Err(error) => {
                let Some(closing) = closing_of(error) else {
                    continue;
                };
                return Err(closing);
            }
        };
        // While the broker loads, keep sending what it queued (progress) and watch the client.
        let mut outbox = outbox;
        match wait_for_join(answer, sink, &mut outbox).await? {
            Ok(()) => {
                return Ok(Opened {
                    broker,
                    outbox,
                    closer,
                })
            }
            Err(error) => {
                let Some(closing) = closing_of(error) else {
                    continue;
                };
                return Err(closing);
            }
        }
    }
    Err(Closing::new(
        close_code::INTERNAL,
        "internal",
        "the document kept closing while this session joined",
    ))
}

/// How a session ends when its join failed for good; `None` when it asks the registry again.
fn closing_of(error: JoinError) -> Option<Closing> {
    match error {
        JoinError::Retry => None,
        JoinError::Failed { kind, message } => {
            Some(Closing::new(close_code::NORMAL, kind, message))
        }
        JoinError::Password {
            kind,
            password_type,
            message,
        } => Some(Closing::password(kind, password_type, message)),
    }
}

/// Waits for the broker's answer to a join, passing on what it queued meanwhile (`progress`).
async fn wait_for_join(
    mut answer: oneshot::Receiver<Result<(), JoinError>>,
    sink: &mut Sink,
    outbox: &mut OutboxReceiver,
) -> Result<Result<(), JoinError>, Closing> {
    loop {
        tokio::select! {
            reply = &mut answer => {
                return reply.map_err(|_| {
                    Closing::new(close_code::INTERNAL, "internal", "the document closed while loading")
                });
            }
            Some(out) = outbox.recv() => {
                send(sink, out).await.map_err(|_| gone())?;
            }
        }
    }
}

fn gone() -> Closing {
    Closing::new(close_code::NORMAL, "protocol", "the client went away")
}

/// The next client text message within the handshake deadline.
async fn next_message(stream: &mut Stream) -> Result<ClientMessage, Closing> {
    let refuse =
        |kind: &'static str, message: String| Closing::new(close_code::POLICY, kind, message);
    loop {
        let received = tokio::time::timeout(HANDSHAKE_TIMEOUT, stream.next())
            .await
            .map_err(|_| refuse("not-loaded", "no load within 30 seconds".into()))?;
        match received {
            Some(Ok(WsMessage::Text(text))) => {
                return protocol::parse_client(&text).map_err(|e| refuse(e.kind, e.message))
            }
            Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => continue,
            Some(Ok(WsMessage::Binary(_))) => {
                return Err(refuse(
                    "bad-message",
                    "binary frames are not accepted before load".into(),
                ))
            }
            Some(Ok(WsMessage::Close(_))) | Some(Err(_)) | None => return Err(gone()),
        }
    }
}

async fn serve(
    sink: &mut Sink,
    stream: &mut Stream,
    broker: &BrokerHandle,
    session: SessionId,
    outbox: &mut OutboxReceiver,
    mut closer: oneshot::Receiver<Closing>,
    limiter: &mut RateLimit,
) {
    loop {
        tokio::select! {
            biased;
            closing = &mut closer => return end_session(sink, outbox, closing).await,
            out = outbox.recv() => {
                let Some(out) = out else { return };
                // A client that stopped reading blocks this write; the broker then finds its
                // queue full and sends the closer, which must still be heard.
                tokio::select! {
                    biased;
                    closing = &mut closer => return end_session(sink, outbox, closing).await,
                    sent = send_queued(sink, out, outbox) => if sent.is_err() { return },
                }
            }
            received = stream.next() => {
                let text = match received {
                    Some(Ok(WsMessage::Text(text))) => text,
                    Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => continue,
                    Some(Ok(WsMessage::Binary(frame))) => {
                        // The only binary client message: an image (images.rs).
                        let parsed = super::images::parse_binary(&frame);
                        drop(frame);
                        match parsed {
                            Ok(message) => {
                                if !limiter.allow(cost(&message)) {
                                    let error = protocol::error("rate-limited",
                                        "too much input; some was dropped", Some(message.name()));
                                    if send_text(sink, error).await.is_err() { return }
                                    continue;
                                }
                                if !broker.send(Command::Client { session, message }).await { return }
                            }
                            Err(Refused { kind, message }) => {
                                let error = protocol::error(kind, &message, Some("insert-image"));
                                if send_text(sink, error).await.is_err() { return }
                            }
                        }
                        continue;
                    }
                    Some(Ok(WsMessage::Close(_))) => {
                        // Answer the client's close frame (queued by the WebSocket layer).
                        let _ = sink.close().await;
                        return;
                    }
                    None => return,
                    Some(Err(error)) => {
                        tracing::debug!(%error, "client connection failed");
                        let closing = Closing::new(close_code::TOO_BIG, "protocol",
                            format!("the connection failed: {error}"));
                        close(sink, &closing).await;
                        return;
                    }
                };
                // The WebSocket admits frames the size of an image; text stays within its own limit.
                if text.len() > MAX_CLIENT_FRAME {
                    let closing = Closing::new(close_code::TOO_BIG, "protocol",
                        format!("a text frame is at most {MAX_CLIENT_FRAME} bytes"));
                    let _ = send_text(sink, protocol::error("bad-message", &closing.message, None)).await;
                    close(sink, &closing).await;
                    return;
                }
                if text.split('\n').next().is_some_and(|line| line.len() > MAX_CLIENT_LINE) {
                    let closing = Closing::new(close_code::TOO_BIG, "protocol",
                        format!("a message line is at most {MAX_CLIENT_LINE} bytes"));
                    let _ = send_text(sink, protocol::error("bad-message", &closing.message, None)).await;
                    close(sink, &closing).await;
                    return;
                }
                match protocol::parse_client(&text) {
                    Ok(message) => {
                        if message.is_input() && !limiter.allow(cost(&message)) {
                            if limiter.should_report() {
                                let error = protocol::error("rate-limited",
                                    "too much input; some was dropped", Some(message.name()));
                                if send_text(sink, error).await.is_err() { return }
                            }
                            continue;
                        }
                        if !broker.send(Command::Client { session, message }).await {
                            return;
                        }
                    }
                    Err(Refused { kind, message }) => {
                        let request = text.split([' ', '\n']).next().filter(|n| n.len() <= 20);
                        let error = protocol::error(kind, &message, request);
                        if send_text(sink, error).await.is_err() { return }
                    }
                }
            }
        }
    }
}

/// Rate-limit tokens a message costs: a long `text` is many keys.
fn cost(message: &ClientMessage) -> f64 {
    match message {
        ClientMessage::Text(text) => 1.0 + text.chars().count() as f64 / 32.0,
        _ => 1.0,
    }
}

/// The broker ends the session (its closer fired): what is queued (unless the client is too slow
/// for it), then `close` and the close frame, all within [`CLOSE_TIMEOUT`]. A broker that went
/// away without a word leaves nothing to send.
async fn end_session(
    sink: &mut Sink,
    outbox: &mut OutboxReceiver,
    closing: Result<Closing, oneshot::error::RecvError>,
) {
    let Ok(closing) = closing else { return };
    let closing = &closing;
    let ending = async {
        if closing.reason == "slow-client" {
            let error = protocol::error("slow-client", &closing.message, None);
            let _ = send_text(sink, error).await;
        } else {
            while let Some(out) = outbox.try_recv() {
                if send(sink, out).await.is_err() {
                    return;
                }
            }
        }
        close(sink, closing).await;
    };
    if tokio::time::timeout(CLOSE_TIMEOUT, ending).await.is_err() {
        tracing::info!(
            reason = closing.reason,
            "the client did not take the close; dropped"
        );
    }
}

async fn send(sink: &mut Sink, out: Outgoing) -> Result<(), axum::Error> {
    sink.send(ws_message(out)).await
}

/// At most this many queued messages go out in one write.
const MAX_BATCH: usize = 64;

/// Sends `first` and whatever else the broker has queued by now in one write: a keystroke's
/// invalidation, cursors, states and tiles reach a viewer together, with one system call
/// instead of one per message (the sends were a tenth of wsd's CPU with 50 people typing).
async fn send_queued(
    sink: &mut Sink,
    first: Outgoing,
    outbox: &mut OutboxReceiver,
) -> Result<(), axum::Error> {
    sink.feed(ws_message(first)).await?;
    for _ in 1..MAX_BATCH {
        let Some(out) = outbox.try_recv() else { break };
        sink.feed(ws_message(out)).await?;
    }
    sink.flush().await
}

fn ws_message(out: Outgoing) -> WsMessage {
    match out {
        Outgoing::Text(text) => WsMessage::Text(text.into()),
        Outgoing::Binary(bytes) => WsMessage::Binary(bytes.into()),
    }
}

async fn send_text(sink: &mut Sink, text: String) -> Result<(), axum::Error> {
    sink.send(WsMessage::Text(text.into())).await
}

/// `close reason=…` (unless already sent by the broker) and the close frame, within
/// [`CLOSE_TIMEOUT`].
async fn close(sink: &mut Sink, closing: &Closing) {
    let text = Message::new("close")
        .arg("reason", closing.reason)
        .arg("message", &closing.message)
        .render();
    let frame = CloseFrame {
        code: closing.code,
        reason: closing.reason.into(),
    };
    let closing = async {
        let _ = send_text(sink, text).await;
        let _ = sink.send(WsMessage::Close(Some(frame))).await;
        let _ = sink.close().await;
    };
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, closing).await;
}

/// A token bucket: `rate` per second, at most `burst` at once.
struct RateLimit {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
    last_report: Option<Instant>,
}

impl RateLimit {
    fn new(rate: u32, burst: u32) -> RateLimit {
        RateLimit {
            rate: f64::from(rate),
            burst: f64::from(burst),
            tokens: f64::from(burst),
            last: Instant::now(),
            last_report: None,
        }
    }

    fn allow(&mut self, cost: f64) -> bool {
        let now = Instant::now();
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens >= cost {
            self.tokens -= cost;
            true
        } else {
            false
        }
    }

    /// One `rate-limited` error per second at most.
    fn should_report(&mut self) -> bool {
        let now = Instant::now();
        match self.last_report {
            Some(last) if now.duration_since(last) < Duration::from_secs(1) => false,
            _ => {
                self.last_report = Some(now);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RateLimit;

    #[test]
    fn the_rate_limit_allows_a_burst_then_refuses() {
        let mut limit = RateLimit::new(10, 20);
        let allowed = (0..100).filter(|_| limit.allow(1.0)).count();
        assert!((20..=22).contains(&allowed), "{allowed}");
        assert!(limit.should_report());
        assert!(!limit.should_report());
    }
}
