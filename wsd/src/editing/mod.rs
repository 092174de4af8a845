//! Co-editing: the client WebSocket protocol (docs/protocol.md) and the document brokers.
//!
//! ```text
//!  browser ──WebSocket── session.rs ──Command──▶ broker.rs (one per DocKey) ──frames──▶ kit
//!     ▲                      ▲                      │  │ saving.rs: save → PutFile, retries
//!     └──── Outgoing ────────┴──────────────────────┘  └ kit_events.rs: tiles, callbacks
//! ```
//!
//! - [`registry`]: DocKey → broker; creates brokers, finds them for `oxoolctl`, stops them all
//!   at shutdown after they stored their documents.
//! - [`broker`]: owns one kit, the WOPI lock, the sessions (one LibreOffice view each) and the
//!   save state; everything about one document happens on its task, in order. [`command`]: what
//!   a broker is sent; its state types (`save_state`, `lock_state`, `checkpoint_state`,
//!   `recovery_state`) are leaves that the files handling them (saving.rs, lock.rs, …) share.
//! - [`session`]: one WebSocket: handshake, `load` (allow-list, CheckFileInfo), rate limit,
//!   then messages both ways.
//! - [`protocol`]: parsing and rendering the messages; [`tiles`]: the flow-control window;
//!   `opening`: GetFile, lock and kit for a document's first session; `lock`: the WOPI lock
//!   afterwards (a joining writer, refresh, retake, release); `member`: a session as
//!   its broker sees it; `outbox`: the bounded queue from a broker to a session's WebSocket.
//! - [`ws_route`]: the WOPISrc in the WebSocket URL, which a load balancer routes by.

pub mod broker;
mod checkpoint;
mod checkpoint_state;
pub mod client_files;
mod client_messages;
mod colors;
pub mod command;
mod images;
mod kit_crash;
mod kit_events;
mod lifecycle;
mod lock;
mod lock_state;
mod member;
mod opening;
mod outbox;
pub mod page;
pub mod protocol;
mod recovery_state;
pub mod registry;
mod replay;
mod replay_journal;
mod save_state;
mod saving;
pub mod session;
mod tile_answers;
pub mod tile_delta;
pub mod tile_rect;
mod tile_requests;
mod tile_sharing;
pub mod tile_shift;
mod tiles;
mod windows;
pub mod ws_route;

pub use crate::config::editing::{BrowserConfig, EditingConfig};
pub use registry::Registry;

/// A session's id: unique in this wsd, sent to the client as `view=`.
pub type SessionId = u64;

/// What a session's WebSocket task sends to its client.
#[derive(Debug)]
pub enum Outgoing {
    Text(String),
    Binary(Vec<u8>),
}

impl Outgoing {
    /// Bytes of payload, as the queue to the client counts them.
    pub fn payload_len(&self) -> usize {
        match self {
            Outgoing::Text(text) => text.len(),
            Outgoing::Binary(bytes) => bytes.len(),
        }
    }
}

/// Why and how the server ends a session (`close reason=…`, then the close frame).
#[derive(Debug, Clone)]
pub struct Closing {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    /// The `error` line sent before `close`, when it says more than `error kind=<reason>`.
    pub error: Option<String>,
}

impl Closing {
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Closing {
        Closing {
            code,
            reason,
            message: message.into(),
            error: None,
        }
    }

    /// A document that cannot open without a (correct) password: `error kind=password-required
    /// type=to-view` (or `password-wrong`, `to-modify`), then `close reason=load-failed`.
    pub fn password(kind: &'static str, password_type: &'static str, message: String) -> Closing {
        let error = oxool_proto::Message::new("error")
            .arg("kind", kind)
            .arg("message", &message)
            .arg("type", password_type)
            .render();
        Closing {
            code: close_code::NORMAL,
            reason: "load-failed",
            message,
            error: Some(error),
        }
    }
}

/// WebSocket close codes (RFC 6455) used by the protocol.
pub mod close_code {
    pub const NORMAL: u16 = 1000;
    pub const GOING_AWAY: u16 = 1001;
    pub const POLICY: u16 = 1008;
    pub const TOO_BIG: u16 = 1009;
    pub const INTERNAL: u16 = 1011;
}
