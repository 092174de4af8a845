//! What a broker is sent: [`Command`]s through its [`BrokerHandle`], a session's
//! [`JoinRequest`], and the reports of the tasks it starts (an upload, a checkpoint write, a
//! reopening). The broker's state and its handling of each command: broker.rs and the files it
//! names.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use super::outbox::OutboxSender;
use super::protocol::ClientMessage;
use super::save_state::SaveTrigger;
use super::{Closing, SessionId};
use crate::config::Config;
use crate::kit::link::{KitEvent, KitLink, Loaded};
use crate::kit::KitSpawner;
use crate::password::DocumentPassword;
use crate::recovery::{CheckpointMeta, RecoveryError};
use crate::wopi::{AccessToken, FileInfo, PutResult, WopiClient, WopiError};

#[derive(Clone)]
pub struct BrokerHandle {
    pub id: u64,
    pub key: String,
    pub(super) commands: mpsc::Sender<Command>,
}

impl BrokerHandle {
    /// Queues `command`; false when the broker is gone.
    pub async fn send(&self, command: Command) -> bool {
        self.commands.send(command).await.is_ok()
    }
}

/// What wsd shares with every broker.
#[derive(Clone)]
pub struct BrokerContext {
    pub config: Arc<Config>,
    pub wopi: Arc<WopiClient>,
    pub spawner: Arc<dyn KitSpawner>,
    /// Decides about documents another oxool server holds the WOPI lock of (cluster.rs).
    pub locks: Arc<crate::cluster::LockArbiter>,
}

pub struct JoinRequest {
    pub session: SessionId,
    pub token: AccessToken,
    /// `load … password=`: used only by the session whose join opens the document.
    pub password: Option<DocumentPassword>,
    pub info: FileInfo,
    pub outbox: OutboxSender,
    pub closer: oneshot::Sender<Closing>,
    pub reply: oneshot::Sender<Result<(), JoinError>>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum JoinError {
    /// The broker is closing for good: ask the registry again.
    #[error("the document is being closed")]
    Retry,
    #[error("{message}")]
    Failed { kind: &'static str, message: String },
    /// The document needs a (correct) password: `kind` password-required or password-wrong,
    /// `password_type` to-view or to-modify.
    #[error("{message}")]
    Password {
        kind: &'static str,
        password_type: &'static str,
        message: String,
    },
}

/// A summary for `oxoolctl`.
#[derive(Debug, Clone)]
pub struct DocumentSummary {
    pub key: String,
    pub host: String,
    pub kit_pid: u32,
    pub modified: bool,
    pub sessions: Vec<(SessionId, String)>,
}

pub enum Command {
    Join(Box<JoinRequest>),
    Leave {
        session: SessionId,
    },
    Client {
        session: SessionId,
        message: ClientMessage,
    },
    Kit(KitEvent),
    Uploaded(Uploaded),
    SavedAs {
        session: SessionId,
        result: Result<crate::wopi::NewFile, WopiError>,
    },
    ConflictCopied {
        gen: u64,
        result: Result<crate::wopi::NewFile, WopiError>,
    },
    Locked {
        lock_id: String,
        result: Result<(), WopiError>,
    },
    /// The lock asked for by a writer joining a document open without one (lock.rs).
    WriterLocked(Result<Option<String>, JoinError>),
    CheckpointWritten(Written),
    Reopened(Box<Reopened>),
    Tick,
    /// Store the document if modified, close every session with `reason`, leave.
    Close {
        reason: &'static str,
        done: oneshot::Sender<()>,
    },
    Describe {
        reply: oneshot::Sender<DocumentSummary>,
    },
}

/// Why the document did not open, for every session waiting for it.
#[derive(Debug)]
pub(super) struct OpenFailure {
    pub kind: &'static str,
    pub message: String,
    /// `to-view` or `to-modify` when a (correct) password is missing.
    pub password_type: Option<&'static str>,
}

impl OpenFailure {
    pub(super) fn new(kind: &'static str, message: String) -> OpenFailure {
        OpenFailure {
            kind,
            message,
            password_type: None,
        }
    }

    pub fn join_error(&self) -> JoinError {
        let message = self.message.clone();
        match self.password_type {
            Some(password_type) => JoinError::Password {
                kind: self.kind,
                password_type,
                message,
            },
            None => JoinError::Failed {
                kind: self.kind,
                message,
            },
        }
    }
}

/// An upload task's report (saving.rs).
pub struct Uploaded {
    pub(super) gen: u64,
    pub(super) trigger: SaveTrigger,
    pub(super) result: Result<PutResult, WopiError>,
}

/// What a checkpoint's blocking write reports to the broker (checkpoint.rs).
pub struct Written {
    pub(super) gen: u64,
    pub(super) started: Instant,
    pub(super) cost: Duration,
    pub(super) result: Result<CheckpointMeta, RecoveryError>,
}

/// Where the reopened document came from.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    Checkpoint { gen: u64 },
    Storage,
}

/// The reopening task's report (kit_crash.rs).
pub struct Reopened {
    pub(super) source: Source,
    pub(super) result: Result<(KitLink, Loaded), OpenFailure>,
}
