//! Checkpoints of a modified document (issue 13; docs/config.md, "Checkpoints"): the kit saves
//! a copy in the document's own format (`save`, as for an upload), and wsd writes the bytes to
//! the recovery directory (crate::recovery) on a blocking thread. A checkpoint is not a save:
//! it leaves `saved_gen`, the save state and the WOPI host alone.
//!
//! When: `checkpoint_idle_ms` after input stopped, or `checkpoint_max_secs` after the first
//! edit it does not hold yet during continuous input; never while one is being taken. Each
//! checkpoint's duration is measured, and the next one waits at least nine times as long, so a
//! document whose save takes 1 s is checkpointed at most every 10 s (10 % of a core).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use oxool_proto::{Message, ToKit};

use super::broker::Broker;
use super::command::{Command, JoinError, Written};
use super::save_state::{SaveState, SaveWaiter};
use crate::recovery::{CheckpointMeta, RecoveryError, RecoveryStore};

/// The next checkpoint waits this many times the last one's duration (10 % duty cycle).
const COST_FACTOR: u32 = 9;

pub(super) fn store_of(config: &crate::config::Config) -> RecoveryStore {
    RecoveryStore::new(
        config.editing.recovery_dir.clone(),
        config.editing.recovery_max_mb,
    )
}

fn unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Broker {
    /// On every tick: takes a checkpoint when one is due.
    pub(super) fn checkpoint_if_due(&mut self, now: Instant) {
        let editing = &self.ctx.config.editing;
        if !editing.checkpoints() || self.checkpoints.running || self.recovery.without_kit() {
            return;
        }
        // The kit's `save` stores a copy without the document's encryption (LibreOffice's
        // storeToURL gets no password), so a password-protected document would lie decrypted
        // on wsd's disk: it gets no checkpoints; after a crash it reopens from storage.
        if self.password.is_some() {
            return;
        }
        let unwritten = self.modified() && self.edit_gen > self.checkpoints.requested_gen;
        if !unwritten {
            return;
        }
        // Edits counted elsewhere (a dragged shape, a dialog's OK) start the clock here.
        let dirty_since = *self.checkpoints.dirty_since.get_or_insert(now);
        // An upload of everything is on its way: storage is about to have it.
        if matches!(self.save_state, SaveState::Saving) {
            return;
        }
        let cost = self.checkpoints.last_cost;
        if let Some(finished) = self.checkpoints.last_finished {
            if now < finished + cost * COST_FACTOR {
                return;
            }
        }
        let idle = now.duration_since(self.last_input)
            >= Duration::from_millis(editing.checkpoint_idle_ms);
        // The tick comes once a second, and the save takes about as long as the last one:
        // start that much early, so the checkpoint holds every edit older than the interval.
        let interval =
            Duration::from_secs(editing.checkpoint_max_secs).max(cost * (COST_FACTOR + 1));
        let early = Duration::from_secs(1) + cost;
        let continuous = now.duration_since(dirty_since) + early >= interval;
        if idle || continuous {
            self.start_checkpoint(now);
        }
    }

    fn start_checkpoint(&mut self, now: Instant) {
        self.kit
            .send(Message::new(ToKit::Save.name()).arg("format", &self.extension));
        self.save_waiters.push_back(SaveWaiter::Checkpoint {
            gen: self.edit_gen,
            started: now,
        });
        self.journal.save_sent(self.edit_gen);
        self.checkpoints.running = true;
        self.checkpoints.requested_gen = self.edit_gen;
        self.checkpoints.dirty_since = None;
    }

    /// The kit saved the checkpoint's copy: write it on a blocking thread.
    pub(super) fn on_checkpoint_saved(&mut self, gen: u64, started: Instant, bytes: Vec<u8>) {
        let cost = started.elapsed();
        let Some(commands) = self.commands.upgrade() else {
            self.checkpoints.running = false;
            return;
        };
        let store = store_of(&self.ctx.config);
        let meta = CheckpointMeta {
            key: self.src.doc_key().to_string(),
            wopisrc: self.src.url().to_string(),
            file_name: self.base_name.clone(),
            document: String::new(),
            base_version: self.checkpoints.base_version.clone(),
            base_last_modified: self.last_modified.clone(),
            lock_id: self.lock.held.then(|| self.lock.id.clone()),
            generation: gen,
            written_unix_secs: unix_secs(),
            bytes: 0,
            save_ms: cost.as_millis() as u64,
        };
        let extension = self.extension.clone();
        // Kept beside the checkpoint (0600) for an upload after a restart; never logged.
        let token = self.upload_token.as_ref().map(|t| t.expose().to_string());
        tokio::spawn(async move {
            let result = tokio::task::spawn_blocking(move || {
                store.write(&meta, &extension, &bytes, token.as_deref())
            })
            .await
            .unwrap_or_else(|join| {
                Err(RecoveryError::Io {
                    what: "the checkpoint writer".into(),
                    source: std::io::Error::other(join.to_string()),
                })
            });
            let _ = commands
                .send(Command::CheckpointWritten(Written {
                    gen,
                    started,
                    cost,
                    result,
                }))
                .await;
        });
    }

    pub(super) fn on_checkpoint_failed_in_kit(&mut self, kind: &str, message: &str) {
        tracing::warn!(kind, message, "the kit could not save a checkpoint");
        self.checkpoints.running = false;
        self.checkpoints.last_finished = Some(Instant::now());
        // Its edits are not on disk: they count as unwritten again.
        self.checkpoints.requested_gen = self.checkpoints.written_gen;
    }

    pub(super) fn on_checkpoint_written(&mut self, written: Written) {
        let Written {
            gen,
            started,
            cost,
            result,
        } = written;
        self.checkpoints.running = false;
        self.checkpoints.last_finished = Some(Instant::now());
        self.checkpoints.last_cost = cost;
        match result {
            Ok(meta) => {
                if self.checkpoints.refused {
                    tracing::warn!("checkpoints fit in the recovery directory again");
                }
                self.checkpoints.refused = false;
                self.checkpoints.written_gen = gen;
                self.checkpoints.written_started = Some(started);
                self.journal.durable(gen);
                tracing::info!(
                    generation = gen,
                    bytes = meta.bytes,
                    save_ms = meta.save_ms,
                    "checkpoint written"
                );
            }
            Err(error) => {
                self.checkpoints.requested_gen = self.checkpoints.written_gen;
                let full = matches!(error, RecoveryError::Full { .. });
                if !full || !self.checkpoints.refused {
                    tracing::error!(
                        %error,
                        kept_generation = self.checkpoints.written_gen,
                        "CHECKPOINT REFUSED: the edits since the kept checkpoint are only in \
                         the kit until storage has them"
                    );
                }
                self.checkpoints.refused = full;
            }
        }
        self.remove_stored_checkpoint();
        self.reopen_when_settled();
    }

    /// After a PutFile (and after each write): a checkpoint storage has caught up with goes.
    pub(super) fn remove_stored_checkpoint(&mut self) {
        let stored =
            self.checkpoints.written_gen > 0 && self.checkpoints.written_gen <= self.saved_gen;
        if self.checkpoints.running || !stored {
            return;
        }
        self.remove_checkpoint("storage has its edits");
    }

    /// Removes the document's checkpoint; a few unlinks, done in place.
    pub(super) fn remove_checkpoint(&mut self, why: &str) {
        if self.checkpoints.running {
            return;
        }
        let store = store_of(&self.ctx.config);
        match store.remove(self.src.doc_key().as_str()) {
            Ok(()) => {
                if self.checkpoints.written_gen > 0 {
                    tracing::info!(
                        generation = self.checkpoints.written_gen,
                        why,
                        "checkpoint removed"
                    );
                }
                self.checkpoints.written_gen = 0;
                self.checkpoints.requested_gen = self.checkpoints.requested_gen.min(self.saved_gen);
            }
            Err(error) => tracing::error!(%error, "cannot remove a checkpoint"),
        }
    }

    /// Before the broker ends: a checkpoint being written is waited for (so it cannot land
    /// after the removal below), then a document storage has is left without one. One the kit
    /// has not answered yet is dropped with the kit.
    pub(super) async fn settle_checkpoints(
        &mut self,
        queue: &mut tokio::sync::mpsc::Receiver<Command>,
    ) {
        let in_kit = self
            .save_waiters
            .iter()
            .any(|w| matches!(w, SaveWaiter::Checkpoint { .. }));
        if in_kit {
            self.checkpoints.running = false;
        }
        while self.checkpoints.running {
            let next = tokio::time::timeout(Duration::from_secs(30), queue.recv()).await;
            match next {
                Ok(Some(Command::CheckpointWritten(written))) => {
                    self.on_checkpoint_written(written)
                }
                Ok(Some(Command::Join(join))) => {
                    let _ = join.reply.send(Err(JoinError::Retry));
                }
                Ok(Some(Command::Close { done, .. })) => {
                    let _ = done.send(());
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
        self.checkpoints.running = false;
        if !self.modified() {
            self.remove_checkpoint("the document was closed unmodified");
        } else {
            self.set_checkpoint_aside("the document closes with edits storage lacks");
        }
    }

    /// The document ends without storage having its edits: its checkpoint goes to the upload
    /// worker (crate::recovery::uploads), out of the way of a broker that opens it again.
    pub(super) fn set_checkpoint_aside(&mut self, why: &str) {
        if self.checkpoints.written_gen == 0 {
            return;
        }
        let key = self.src.doc_key().as_str();
        let held_because = self.checkpoints.held_because;
        match store_of(&self.ctx.config).set_aside(key, held_because) {
            Ok(Some(_)) => tracing::warn!(
                generation = self.checkpoints.written_gen,
                why,
                "checkpoint kept for the upload worker (oxoolctl recoveries)"
            ),
            Ok(None) => {}
            Err(error) => tracing::error!(%error, "cannot set a checkpoint aside; it stays"),
        }
        self.checkpoints.written_gen = 0;
    }
}
