//! A document's kit ended without being asked to (a LibreOffice crash, its memory limit, a
//! seccomp kill, a broken protocol): the broker reopens the document in a fresh kit, from its
//! newest checkpoint (checkpoint.rs) or from storage when it has none, and keeps its WOPI lock,
//! its upload token and its save state. The sessions are closed with `kit-crashed`, on which
//! clients reconnect; they rejoin the reopened document and are told `recovered` (how many edits
//! the checkpoint did not hold). A document whose kit crashed `MAX_CRASHES` times within
//! `CRASH_WINDOW` is not reopened again: its sessions are closed with `kit-crash-loop` and its
//! checkpoint is kept.

use std::time::{Duration, Instant};

use oxool_proto::Message;

use super::broker::Broker;
use super::checkpoint::store_of;
use super::command::{Command, JoinError, JoinRequest, OpenFailure, Reopened, Source};
use super::recovery_state::Pending;
use super::save_state::{SaveState, SaveWaiter};
use super::{close_code, Closing};
use crate::kit::link::{KitDocument, KitLink};

/// Crashes within `CRASH_WINDOW` after which the document is not reopened.
const MAX_CRASHES: usize = 3;
const CRASH_WINDOW: Duration = Duration::from_secs(300);
/// How long sessions joining a reopened document are told that it was recovered.
const NOTICE_FOR: Duration = Duration::from_secs(120);

impl Broker {
    pub(super) fn on_kit_gone(&mut self, reason: &str, broke_protocol: bool, out_of_memory: bool) {
        tracing::warn!(kit_pid = self.kit.pid, %reason, out_of_memory, "the document's kit ended");
        self.recovery.kill_kit = broke_protocol;
        let now = Instant::now();
        let crashes = &mut self.recovery.crashes;
        crashes.retain(|at| now.duration_since(*at) < CRASH_WINDOW);
        crashes.push_back(now);
        let crash_loop = crashes.len() >= MAX_CRASHES;
        self.forget_kit_requests();
        // Reopening a document that needed more memory than a kit may use would only fail
        // again, and so would one that keeps crashing: those closes are final, and say why.
        let final_close = if out_of_memory {
            Some(Closing::new(
                close_code::INTERNAL,
                "kit-out-of-memory",
                crate::kit::OUT_OF_MEMORY,
            ))
        } else if crash_loop {
            Some(Closing::new(
                close_code::INTERNAL,
                "kit-crash-loop",
                "the document process ended unexpectedly three times in five minutes; the \
                 document is not reopened, and its last checkpoint is kept for the administrator",
            ))
        } else {
            None
        };
        let closing = final_close.clone().unwrap_or_else(|| {
            Closing::new(
                close_code::INTERNAL,
                "kit-crashed",
                "the document process ended unexpectedly; it is reopened from its last \
                 checkpoint: reconnect",
            )
        });
        for member in self.members.values_mut() {
            member.error(closing.reason, &closing.message, None);
            member.close(closing.clone());
        }
        self.members.clear();
        if final_close.is_some() {
            if self.modified() {
                tracing::error!(
                    checkpoint_generation = self.checkpoints.written_gen(),
                    edit_generation = self.edit_gen,
                    "the document is not reopened; its checkpoint (if any) is kept"
                );
            }
            self.recovery.notice = None;
            // (A checkpoint being written is set aside when the broker ends.)
            self.checkpoints.held_because = Some(closing.reason);
            if !self.checkpoints.is_running() {
                self.set_checkpoint_aside(closing.reason);
            }
            self.life.end();
            return;
        }
        self.recovery.pending = Some(Pending {
            crashed_at: now,
            started: false,
        });
        self.reopen_when_settled();
    }

    /// What the dead kit had not answered will never be answered.
    fn forget_kit_requests(&mut self) {
        let upload_in_kit = self
            .save_waiters
            .iter()
            .any(|w| matches!(w, SaveWaiter::Upload { .. }));
        let checkpoint_in_kit = self
            .save_waiters
            .iter()
            .any(|w| matches!(w, SaveWaiter::Checkpoint { .. }));
        self.save_waiters.clear();
        self.status_waiters.clear();
        self.conflict_copy_ended();
        if checkpoint_in_kit {
            self.checkpoints.lost_in_kit();
        }
        if upload_in_kit && matches!(self.save_state, SaveState::Saving) {
            // The save never reached storage: the document is saved again once reopened.
            self.save_state = SaveState::Idle;
        }
    }

    /// Starts the reopening once no upload and no checkpoint write is under way: either may
    /// hold newer edits than the checkpoint on disk.
    pub(super) fn reopen_when_settled(&mut self) {
        let Some(pending) = &mut self.recovery.pending else {
            return;
        };
        if pending.started
            || matches!(self.save_state, SaveState::Saving)
            || self.checkpoints.is_running()
        {
            return;
        }
        pending.started = true;
        let Some(commands) = self.commands.upgrade() else {
            return;
        };
        let checkpoint_gen = self.checkpoints.written_gen();
        let from_checkpoint = checkpoint_gen > self.saved_gen;
        let ctx = self.ctx.clone();
        let src = self.src.clone();
        let token = self.upload_token.clone();
        let file_name = self.base_name.clone();
        let password = self.password.clone();
        tracing::warn!(
            from_checkpoint,
            checkpoint_generation = checkpoint_gen,
            "reopening the document in a new kit"
        );
        tokio::spawn(async move {
            let mut source = Source::Storage;
            let mut bytes = None;
            if from_checkpoint {
                let store = store_of(&ctx.config);
                let key = src.doc_key().to_string();
                match tokio::task::spawn_blocking(move || store.read(&key)).await {
                    Ok(Ok(Some((meta, document)))) if meta.generation == checkpoint_gen => {
                        source = Source::Checkpoint {
                            gen: checkpoint_gen,
                        };
                        bytes = Some(document);
                    }
                    other => tracing::error!(
                        found = ?other.map(|r| r.map(|c| c.map(|(meta, _)| meta.generation))),
                        "cannot read the checkpoint: reopening from storage"
                    ),
                }
            }
            let bytes = match (bytes, token) {
                (Some(bytes), _) => Ok(bytes),
                (None, Some(token)) => ctx
                    .wopi
                    .get_file(&src, &token, None, ctx.wopi.max_file_bytes())
                    .await
                    .map_err(|e| OpenFailure::new(e.kind(), e.to_string())),
                (None, None) => Err(OpenFailure::new(
                    "kit-crashed",
                    "no session may read the document from storage again".into(),
                )),
            };
            let result = match bytes {
                Ok(bytes) => KitLink::open_retrying(
                    &ctx.spawner,
                    KitDocument {
                        file_name: &file_name,
                        password: password.as_ref(),
                        bytes,
                    },
                    ctx.config.editing.load_timeout(),
                    ctx.config.kit.max_document_bytes(),
                    commands.clone(),
                    Command::Kit,
                )
                .await
                .map_err(|e| OpenFailure::new(e.kind(), e.to_string())),
                Err(failure) => Err(failure),
            };
            let _ = commands
                .send(Command::Reopened(Box::new(Reopened { source, result })))
                .await;
        });
    }

    pub(super) fn on_reopened(&mut self, reopened: Reopened) {
        let Reopened { source, result } = reopened;
        let crashed_at = self
            .recovery
            .pending
            .take()
            .map_or_else(Instant::now, |p| p.crashed_at);
        let joins = std::mem::take(&mut self.recovery.waiting_joins);
        let (kit, loaded) = match result {
            Ok(opened) => opened,
            Err(failure) => {
                tracing::error!(kind = failure.kind, message = %failure.message,
                    "cannot reopen the document after its kit ended; its checkpoint is kept");
                // They start a new broker, which opens the document from storage.
                for join in joins {
                    let _ = join.reply.send(Err(JoinError::Retry));
                }
                self.checkpoints.held_because = Some("reopen-failed");
                self.set_checkpoint_aside("the document could not be reopened");
                self.life.end();
                return;
            }
        };
        let old = std::mem::replace(&mut self.kit, kit);
        // The old kit's tile requests are never answered.
        self.shared_tiles.clear();
        if std::mem::take(&mut self.recovery.kill_kit) {
            tokio::spawn(async move { old.kill().await });
        }
        self.doc_type = loaded.doc_type;
        let (base_gen, source_name, from_storage) = match source {
            Source::Checkpoint { gen } => (gen, "checkpoint", false),
            Source::Storage => (self.saved_gen, "storage", true),
        };
        // Before any join: the sessions' views open on the replayed document.
        let replay = self.replay_journal(base_gen);
        let lost_edits = match replay {
            Some(_) => self.journal.not_replayable_after(base_gen),
            None => self.edit_gen.saturating_sub(base_gen),
        };
        let replayed = replay.unwrap_or(0);
        if from_storage && replayed == 0 {
            // The kit holds what storage has: nothing is modified any more.
            self.saved_gen = self.edit_gen;
            self.checkpoints.forget_unwritten();
        }
        let checkpoint_age = self
            .checkpoints
            .written_started()
            .map_or(0, |at| crashed_at.saturating_duration_since(at).as_secs());
        tracing::warn!(
            kit_pid = self.kit.pid,
            source = source_name,
            lost_edits,
            replayed,
            "the document was reopened after its kit ended"
        );
        let notice = Message::new("recovered")
            .arg("source", source_name)
            .arg("lost_edits", lost_edits)
            .arg("replayed", replayed)
            .arg("checkpoint_age_secs", checkpoint_age)
            .render();
        self.recovery.notice = Some((Instant::now() + NOTICE_FOR, notice));
        for join in joins {
            self.join(join);
        }
        if let Some(queued) = self.save_queued.take() {
            self.request_save(queued);
        }
        if self.members.is_empty() {
            // Nobody came back (yet): store the recovered edits; a session that reconnects
            // later finds them in storage.
            self.life.last_session_left();
        }
        if self.life.is_leaving() {
            self.leave_when_stored(true);
        }
    }

    /// A join while the document has no kit waits for the reopening; true when it was kept.
    pub(super) fn hold_join(&mut self, join: JoinRequest) -> Option<JoinRequest> {
        if !self.recovery.without_kit() {
            return Some(join);
        }
        self.recovery.waiting_joins.push(join);
        None
    }

    /// `recovered …` for a session joining soon after a reopening.
    pub(super) fn recovery_notice(&self) -> Option<String> {
        self.recovery
            .notice
            .as_ref()
            .filter(|(until, _)| Instant::now() < *until)
            .map(|(_, text)| text.clone())
    }
}
