//! The WOPI lock for a writer who joins a document that is open here without one: its
//! sessions so far could only view (a view-only session takes no lock), or the lock could not
//! be taken before. The writer waits for the lock before it joins, because the lock is what
//! keeps one document on one host (docs/cluster.md): while another oxool server holds it, that
//! server has the editing copy, and a writer here would make a second writer on one WOPI file
//! whose saves all fail. Such a writer is refused with `lock-conflict` and tries again, as at
//! the first open; the view-only sessions here carry on.

use std::time::Instant;

use super::broker::{Broker, Command, JoinError, JoinRequest};
use super::opening::{acquire_lock, LOCK_CONFLICT};

/// Writers waiting for the lock that the first of them asked for.
#[derive(Default)]
pub(super) struct WriterLockWait {
    joins: Option<Vec<JoinRequest>>,
}

impl WriterLockWait {
    /// The joins still waiting, for the broker's end.
    pub(super) fn take_all(&mut self) -> Vec<JoinRequest> {
        self.joins.take().unwrap_or_default()
    }
}

impl Broker {
    /// `Some(join)` when the join needs no lock first; otherwise the join waits for
    /// [`Broker::on_writer_locked`].
    pub(super) fn wait_for_writer_lock(&mut self, join: JoinRequest) -> Option<JoinRequest> {
        if self.locked || !self.supports_locks || !join.info.user_can_write {
            return Some(join);
        }
        if let Some(joins) = &mut self.writer_lock.joins {
            joins.push(join);
            return None;
        }
        let Some(commands) = self.commands.upgrade() else {
            return Some(join);
        };
        let (ctx, src, token, lock_id) = (
            self.ctx.clone(),
            self.src.clone(),
            join.token.clone(),
            self.lock_id.clone(),
        );
        tokio::spawn(async move {
            let result = acquire_lock(&ctx, &src, &token, lock_id).await;
            let result = result.map_err(|failure| failure.join_error());
            let _ = commands.send(Command::WriterLocked(result)).await;
        });
        self.writer_lock.joins = Some(vec![join]);
        None
    }

    pub(super) fn on_writer_locked(&mut self, result: Result<Option<String>, JoinError>) {
        let joins = self.writer_lock.take_all();
        match result {
            Ok(Some(lock_id)) if lock_id == self.lock_id => {
                self.locked = true;
                self.lock_refreshed = Instant::now();
            }
            Ok(_) => tracing::warn!("the document is locked by someone else; writing anyway"),
            Err(refusal @ JoinError::Failed { kind, .. }) if kind == LOCK_CONFLICT => {
                tracing::info!("a writer refused: the document is open on another server");
                for join in joins {
                    let _ = join.reply.send(Err(refusal.clone()));
                }
                if self.members.is_empty() {
                    self.exiting = true;
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
