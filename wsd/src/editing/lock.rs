//! The document's WOPI lock as its broker holds it: taken at the first open (opening.rs) or
//! when a writer joins a document open without one, refreshed, retaken after a save found it
//! gone, released when the broker ends.
//!
//! A writer who joins a document open here without a lock (its sessions so far could only view,
//! and a view-only session takes no lock, or the lock could not be taken before) waits for the
//! lock before it joins, because the lock is what keeps one document on one host
//! (docs/cluster.md): while another oxool server holds it, that server has the editing copy, and
//! a writer here would make a second writer on one WOPI file whose saves all fail. Such a writer
//! is refused with `lock-conflict` and tries again, as at the first open; the view-only sessions
//! here carry on.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::broker::Broker;
use super::command::{Command, JoinError, JoinRequest};
use super::opening::{acquire_lock, LOCK_CONFLICT};
use crate::wopi::{AccessToken, WopiClient, WopiError, WopiSrc};

impl Broker {
    /// Runs `call` with the WOPI client and the document's WOPISrc off the broker's task, and
    /// queues the command it comes back with: a storage round trip never stalls the document.
    pub(super) fn wopi_call<F, Fut>(&self, call: F)
    where
        F: FnOnce(Arc<WopiClient>, WopiSrc) -> Fut,
        Fut: Future<Output = Option<Command>> + Send + 'static,
    {
        let commands = self.commands.clone();
        let call = call(Arc::clone(&self.ctx.wopi), self.src.clone());
        tokio::spawn(async move {
            if let (Some(command), Some(commands)) = (call.await, commands.upgrade()) {
                let _ = commands.send(command).await;
            }
        });
    }

    /// Locks again with our id (after a save found the lock gone, say).
    pub(super) fn take_lock(&mut self, token: AccessToken) {
        let lock_id = self.lock.id.clone();
        self.wopi_call(|wopi, src| async move {
            let result = wopi.lock(&src, &token, &lock_id).await;
            Some(Command::Locked { lock_id, result })
        });
    }

    pub(super) fn on_locked(&mut self, lock_id: String, result: Result<(), WopiError>) {
        match result {
            Ok(()) if lock_id == self.lock.id => {
                self.lock.held = true;
                self.lock.refreshed = Instant::now();
            }
            Ok(()) => {}
            Err(error) => tracing::warn!(%error, "cannot lock the document at the WOPI host"),
        }
    }

    /// Refreshes a held lock every `lock_refresh_secs` (WOPI locks expire after 30 minutes).
    pub(super) fn refresh_lock_if_due(&mut self, now: Instant) {
        let every = Duration::from_secs(self.ctx.config.editing.lock_refresh_secs);
        if !self.lock.held || now.duration_since(self.lock.refreshed) < every {
            return;
        }
        self.lock.refreshed = now;
        let Some(token) = self.upload_token.clone() else {
            return;
        };
        let lock_id = self.lock.id.clone();
        self.wopi_call(|wopi, src| async move {
            if let Err(error) = wopi.refresh_lock(&src, &token, &lock_id).await {
                tracing::warn!(%error, "cannot refresh the WOPI lock");
            }
            None
        });
    }

    /// Releases a held lock as the broker ends (bounded: the broker's end must not hang).
    pub(super) async fn release_lock(&mut self) {
        let (true, Some(token)) = (self.lock.held, self.upload_token.clone()) else {
            return;
        };
        let unlock = self.ctx.wopi.unlock(&self.src, &token, &self.lock.id);
        match tokio::time::timeout(Duration::from_secs(10), unlock).await {
            Ok(Ok(())) => self.lock.held = false,
            Ok(Err(error)) => tracing::warn!(%error, "cannot unlock the document"),
            Err(_) => tracing::warn!("unlocking the document timed out"),
        }
    }

    /// `Some(join)` when the join needs no lock first; otherwise the join waits for
    /// [`Broker::on_writer_locked`].
    pub(super) fn wait_for_writer_lock(&mut self, join: JoinRequest) -> Option<JoinRequest> {
        if self.lock.held || !self.lock.supported || !join.info.user_can_write {
            return Some(join);
        }
        if let Some(joins) = &mut self.lock.writers_waiting {
            joins.push(join);
            return None;
        }
        let (ctx, token, lock_id) = (self.ctx.clone(), join.token.clone(), self.lock.id.clone());
        self.wopi_call(|_, src| async move {
            let result = acquire_lock(&ctx, &src, &token, lock_id).await;
            Some(Command::WriterLocked(result.map_err(|f| f.join_error())))
        });
        self.lock.writers_waiting = Some(vec![join]);
        None
    }

    pub(super) fn on_writer_locked(&mut self, result: Result<Option<String>, JoinError>) {
        let joins = self.lock.take_waiting();
        match result {
            Ok(Some(lock_id)) if lock_id == self.lock.id => {
                self.lock.held = true;
                self.lock.refreshed = Instant::now();
            }
            Ok(_) => tracing::warn!("the document is locked by someone else; writing anyway"),
            Err(refusal @ JoinError::Failed { kind, .. }) if kind == LOCK_CONFLICT => {
                tracing::info!("a writer refused: the document is open on another server");
                for join in joins {
                    let _ = join.reply.send(Err(refusal.clone()));
                }
                if self.members.is_empty() {
                    self.life.last_session_left();
                    self.leave_when_stored(true);
                }
                return;
            }
            // The WOPI host failed otherwise: the writer joins, and saving reports what storage
            // says (a lock conflict there retakes the lock).
            Err(error) => tracing::warn!(%error, "cannot lock the document for a joining writer"),
        }
        for join in joins {
            self.admit(join);
        }
    }
}
