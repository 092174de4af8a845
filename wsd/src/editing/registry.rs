//! Every open document's broker, by document key (the normalised WOPISrc, so two spellings of
//! one file share one broker).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;

use super::broker;
use super::command::{
    BrokerContext, BrokerHandle, Command, DocumentSummary, JoinError, JoinRequest,
};
use super::SessionId;
use crate::drain::{self, Drain};
use crate::wopi::WopiSrc;

pub struct Registry {
    ctx: BrokerContext,
    brokers: Mutex<HashMap<String, BrokerHandle>>,
    next_broker: AtomicU64,
    next_session: AtomicU64,
    sessions: std::sync::atomic::AtomicUsize,
    shutting_down: AtomicBool,
    drain: Arc<Drain>,
}

impl Registry {
    pub fn new(ctx: BrokerContext, drain: Arc<Drain>) -> Arc<Registry> {
        Arc::new(Registry {
            ctx,
            brokers: Mutex::new(HashMap::new()),
            next_broker: AtomicU64::new(1),
            next_session: AtomicU64::new(1),
            sessions: std::sync::atomic::AtomicUsize::new(0),
            shutting_down: AtomicBool::new(false),
            drain,
        })
    }

    pub fn context(&self) -> &BrokerContext {
        &self.ctx
    }

    pub fn next_session_id(&self) -> SessionId {
        self.next_session.fetch_add(1, Ordering::Relaxed)
    }

    fn brokers(&self) -> std::sync::MutexGuard<'_, HashMap<String, BrokerHandle>> {
        self.brokers.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn document_count(&self) -> usize {
        self.brokers().len()
    }

    /// Sessions joined to a document right now.
    pub fn session_count(&self) -> usize {
        self.sessions.load(Ordering::Relaxed)
    }

    pub(super) fn session_joined(&self) {
        self.sessions.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn session_left(&self) {
        self.sessions.fetch_sub(1, Ordering::Relaxed);
    }

    /// Hands `join` to the document's broker, starting one (which loads the document) if the
    /// document is not open. The answer comes on `join.reply`.
    pub async fn submit(
        self: &Arc<Self>,
        src: &WopiSrc,
        join: JoinRequest,
    ) -> Result<BrokerHandle, JoinError> {
        if self.shutting_down.load(Ordering::Relaxed) {
            return Err(JoinError::Failed {
                kind: "shutdown",
                message: "the server is shutting down".into(),
            });
        }
        let key = src.doc_key().to_string();
        let existing = self.brokers().get(&key).cloned();
        let join = match existing {
            Some(handle) => match handle.commands.send(Command::Join(Box::new(join))).await {
                Ok(()) => return Ok(handle),
                // The broker went away meanwhile: start a new one with the same request.
                Err(tokio::sync::mpsc::error::SendError(Command::Join(join))) => {
                    self.remove(&key, handle.id);
                    *join
                }
                Err(_) => unreachable!("the command sent was a Join"),
            },
            None => join,
        };
        let mut brokers = self.brokers();
        if let Some(handle) = brokers.get(&key) {
            // Another session started it between our look and now.
            let handle = handle.clone();
            drop(brokers);
            return match handle.commands.try_send(Command::Join(Box::new(join))) {
                Ok(()) => Ok(handle),
                Err(_) => Err(JoinError::Retry),
            };
        }
        // Draining: the documents open here carry on (joins above), new ones go elsewhere.
        if self.drain.is_draining() {
            return Err(JoinError::Failed {
                kind: drain::REFUSED_KIND,
                message: Drain::refusal_message(),
            });
        }
        if brokers.len() >= self.ctx.config.editing.max_documents {
            return Err(JoinError::Failed {
                kind: "kit-unavailable",
                message: format!(
                    "{} documents are open (editing.max_documents)",
                    brokers.len()
                ),
            });
        }
        let id = self.next_broker.fetch_add(1, Ordering::Relaxed);
        let leave_registry: broker::LeaveRegistry = {
            let (registry, key) = (Arc::clone(self), key.clone());
            Box::new(move || registry.remove(&key, id))
        };
        let handle = broker::start(self.ctx.clone(), leave_registry, id, src.clone(), join);
        brokers.insert(key, handle.clone());
        Ok(handle)
    }

    /// Called by a broker that leaves; a newer broker of the same key stays.
    pub fn remove(&self, key: &str, id: u64) {
        let mut brokers = self.brokers();
        if brokers.get(key).is_some_and(|h| h.id == id) {
            brokers.remove(key);
        }
    }

    fn handles(&self) -> Vec<BrokerHandle> {
        self.brokers().values().cloned().collect()
    }

    /// Every open document, for `oxoolctl`.
    pub async fn describe(&self) -> Vec<DocumentSummary> {
        let mut summaries = Vec::new();
        for handle in self.handles() {
            let (reply, answer) = oneshot::channel();
            if handle.send(Command::Describe { reply }).await {
                if let Ok(Ok(summary)) = tokio::time::timeout(Duration::from_secs(2), answer).await
                {
                    summaries.push(summary);
                }
            }
        }
        summaries
    }

    /// Stores the document if modified, closes its sessions and its kit. False when no
    /// document has this key.
    pub async fn close(&self, key: &str, reason: &'static str) -> bool {
        let Some(handle) = self.brokers().get(key).cloned() else {
            return false;
        };
        let (done, finished) = oneshot::channel();
        if handle.send(Command::Close { reason, done }).await {
            let _ = finished.await;
        }
        true
    }

    /// SIGTERM: refuse new documents, store every modified one, close all; waits at most
    /// `timeout`. Returns the keys of documents that were not closed in time.
    pub async fn shutdown(&self, timeout: Duration) -> Vec<String> {
        self.shutting_down.store(true, Ordering::Relaxed);
        let handles = self.handles();
        let mut waits = Vec::new();
        for handle in handles {
            let (done, finished) = oneshot::channel();
            if handle
                .send(Command::Close {
                    reason: "shutdown",
                    done,
                })
                .await
            {
                waits.push((handle.key.clone(), finished));
            }
        }
        let deadline = tokio::time::Instant::now() + timeout;
        let mut late = Vec::new();
        for (key, finished) in waits {
            if tokio::time::timeout_at(deadline, finished).await.is_err() {
                late.push(key);
            }
        }
        late
    }
}
