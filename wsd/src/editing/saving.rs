//! Saving, on the broker's task: the kit saves a copy (`save format=<ext>`), a task uploads it
//! (PutFile with the lock and Collabora's `X-COOL-WOPI-*` headers) and reports back.
//!
//! Nothing is discarded: whether an edit is stored is tracked with generations. Every edit
//! raises `edit_gen`; a save takes the generation at its start, and only a successful upload
//! raises `saved_gen` to it. A failed upload leaves the document modified, tells every session
//! (`doc-state save=failed`) and is retried with backoff; a 1010 conflict stops automatic saves
//! until a user overwrites or reloads.

use std::sync::Arc;
use std::time::{Duration, Instant};

use oxool_proto::{Message, ToKit};

use super::broker::Broker;
use super::command::{Command, Uploaded};
use super::save_state::{SaveState, SaveTrigger, SaveWaiter};
use super::{close_code, Closing, SessionId};
use crate::wopi::{NewFile, PutFlags, PutResult, WopiError};

/// Backoff of upload retries: 2 s, 4 s, … at most this.
const MAX_RETRY: Duration = Duration::from_secs(60);
/// While shutting down, retries come quickly: wsd has `shutdown_timeout_secs` in all.
const SHUTDOWN_RETRY: Duration = Duration::from_secs(1);

impl Broker {
    pub(super) fn request_save(&mut self, trigger: SaveTrigger) {
        // Without a kit (being reopened after a crash), the save waits for the new one.
        if matches!(self.save_state, SaveState::Saving) || self.recovery.without_kit() {
            self.save_queued = Some(match self.save_queued {
                Some(queued) => queued.merge(trigger),
                None => trigger,
            });
            return;
        }
        if matches!(self.save_state, SaveState::Conflict { .. }) && !trigger.overwrite {
            if let Some(session) = trigger.requested_by {
                if let Some(member) = self.members.get_mut(&session) {
                    member.error(
                        "document-changed",
                        "the document was changed in storage: overwrite it (save overwrite=1) \
                         or reload",
                        Some("save"),
                    );
                }
            }
            return;
        }
        // A person's save right after a dialog's OK or a drag goes ahead even before
        // LibreOffice's ModifiedStatus has said the document changed (kit_events.rs): that
        // edit is in the kit, and skipping the save would leave it out of storage.
        let unseen_edit = trigger.requested_by.is_some() && self.mouse_since_save;
        if !self.modified() && !trigger.overwrite && !unseen_edit {
            // Nothing storage does not have: tell the one who asked that it is stored.
            if let Some(session) = trigger.requested_by {
                let state = self.doc_state();
                if let Some(member) = self.members.get_mut(&session) {
                    member.text(state);
                }
            }
            return;
        }
        self.kit
            .send(Message::new(ToKit::Save.name()).arg("format", &self.extension));
        self.mouse_since_save = false;
        self.save_waiters.push_back(SaveWaiter::Upload {
            gen: self.edit_gen,
            trigger,
        });
        self.journal.save_sent(self.edit_gen);
        self.save_state = SaveState::Saving;
        self.broadcast_doc_state();
    }

    /// The kit saved: upload on a task, so the document stays responsive.
    pub(super) fn upload(&mut self, gen: u64, trigger: SaveTrigger, bytes: Vec<u8>) {
        let token = trigger
            .requested_by
            .and_then(|s| self.members.get(&s))
            .filter(|m| m.can_write)
            .map(|m| m.token.clone())
            .or_else(|| self.upload_token.clone());
        let Some(token) = token else {
            self.finish_upload(gen, trigger, Err(WopiError::MissingToken));
            return;
        };
        let flags = PutFlags {
            is_modified_by_user: true,
            is_autosave: trigger.autosave,
            is_exit_save: trigger.exit,
        };
        let lock = self.lock.held.then(|| self.lock.id.clone());
        let timestamp = (!trigger.overwrite)
            .then(|| self.last_modified.clone())
            .flatten();
        tracing::info!(
            bytes = bytes.len(),
            autosave = trigger.autosave,
            exit = trigger.exit,
            "uploading"
        );
        self.wopi_call(|wopi, src| async move {
            let result = wopi
                .put_file(
                    &src,
                    &token,
                    lock.as_deref(),
                    timestamp.as_deref(),
                    bytes,
                    flags,
                )
                .await;
            Some(Command::Uploaded(Uploaded {
                gen,
                trigger,
                result,
            }))
        });
    }

    pub(super) fn on_uploaded(&mut self, uploaded: Uploaded) {
        let Uploaded {
            gen,
            trigger,
            result,
        } = uploaded;
        self.finish_upload(gen, trigger, result);
    }

    fn finish_upload(
        &mut self,
        gen: u64,
        trigger: SaveTrigger,
        result: Result<PutResult, WopiError>,
    ) {
        match result {
            Ok(PutResult::Ok { last_modified }) => {
                tracing::info!("stored");
                self.saved_gen = self.saved_gen.max(gen);
                self.journal.durable(gen);
                if last_modified.is_some() {
                    self.last_modified = last_modified;
                }
                self.save_state = SaveState::Idle;
                self.last_save = Instant::now();
                // Storage's version is now one we did not read; the timestamp tells instead.
                self.checkpoints.base_version = None;
                self.remove_stored_checkpoint();
            }
            Ok(result) if result.is_document_changed() => {
                tracing::warn!("PutFile: the document changed in storage (1010 conflict)");
                self.save_state = SaveState::Conflict {
                    copy_running: false,
                };
            }
            Ok(PutResult::Conflict { .. }) => {
                self.save_failed(
                    "lock-conflict",
                    "the WOPI host refused our lock (another editor holds the file?)",
                );
                // Try to (re)take the lock before the retry: an old lock may have expired.
                if let Some(token) = self.upload_token.clone().filter(|_| self.lock.supported) {
                    self.lock.held = false;
                    self.take_lock(token);
                }
            }
            Ok(PutResult::Unauthorized { status }) => self.save_failed(
                "storage-unauthorized",
                &format!("the WOPI host refused the token ({status}); it may have expired"),
            ),
            Ok(PutResult::TooLarge) => {
                self.save_failed("too-large", "the WOPI host refused a file this large")
            }
            Err(error) => {
                tracing::warn!(%error, "upload failed");
                self.save_failed(error.kind(), &error.to_string());
            }
        }
        self.broadcast_doc_state();
        if let Some(session) = trigger.requested_by {
            if let SaveState::Conflict { .. } = self.save_state {
                if let Some(member) = self.members.get_mut(&session) {
                    member.error(
                        "document-changed",
                        "the document was changed in storage since it was opened",
                        Some("save"),
                    );
                }
            }
        }
        if let Some(queued) = self.save_queued.take() {
            if matches!(self.save_state, SaveState::Idle) {
                self.request_save(queued);
            }
        }
        if self.life.is_leaving() {
            self.leave_when_stored(true);
        }
        self.reopen_when_settled();
    }

    pub(super) fn save_failed_in_kit(&mut self, kind: &str, message: &str) {
        self.save_failed(
            kind,
            &format!("the document process could not save: {message}"),
        );
        self.broadcast_doc_state();
    }

    fn save_failed(&mut self, kind: &str, message: &str) {
        let attempts = match &self.save_state {
            SaveState::Failed { attempts, .. } => attempts + 1,
            _ => 1,
        };
        let wait = if self.life.is_closing() {
            SHUTDOWN_RETRY
        } else {
            Duration::from_secs(1u64 << attempts.min(6)).min(MAX_RETRY)
        };
        tracing::warn!(
            kind,
            attempts,
            retry_secs = wait.as_secs(),
            "the save failed; will retry"
        );
        self.save_state = SaveState::Failed {
            kind: kind.to_string(),
            message: message.chars().take(300).collect(),
            retry_at: Instant::now() + wait,
            attempts,
        };
    }

    /// `doc-state` as it is now.
    pub(super) fn doc_state(&self) -> String {
        let m = Message::new("doc-state").arg("modified", u8::from(self.modified()));
        match &self.save_state {
            SaveState::Idle => m.arg("save", "idle"),
            SaveState::Saving => m.arg("save", "saving"),
            SaveState::Failed {
                kind,
                message,
                retry_at,
                ..
            } => m
                .arg("save", "failed")
                .arg("kind", kind)
                .arg(
                    "retry_secs",
                    retry_at.saturating_duration_since(Instant::now()).as_secs(),
                )
                .arg("message", message),
            SaveState::Conflict { .. } => m
                .arg("save", "conflict")
                .arg("kind", "document-changed")
                .arg("message", "the document was changed in storage"),
        }
        .render()
    }

    pub(super) fn broadcast_doc_state(&mut self) {
        let state = self.doc_state();
        self.broadcast(&state);
    }

    /// Once a second: retries, autosave, idle save, lock refresh.
    pub(super) fn on_tick(&mut self) {
        let now = Instant::now();
        let config = Arc::clone(&self.ctx.config);
        let editing = &config.editing;
        let exit = self.life.is_leaving();
        match &self.save_state {
            SaveState::Failed { retry_at, .. } if now >= *retry_at => {
                self.request_save(SaveTrigger {
                    exit,
                    ..SaveTrigger::automatic()
                });
            }
            SaveState::Idle if self.modified() => {
                let autosave = editing.autosave_secs > 0
                    && now.duration_since(self.last_save)
                        >= Duration::from_secs(editing.autosave_secs);
                let idle = editing.idle_save_secs > 0
                    && now.duration_since(self.last_input)
                        >= Duration::from_secs(editing.idle_save_secs);
                if autosave || idle {
                    self.request_save(SaveTrigger::automatic());
                }
            }
            _ => {}
        }
        self.checkpoint_if_due(now);
        let copy_stopped = matches!(
            self.save_state,
            SaveState::Conflict {
                copy_running: false
            }
        );
        if copy_stopped && self.life.is_leaving() {
            self.leave_when_stored(true); // retries a failed conflict copy
        }
        self.refresh_lock_if_due(now);
    }

    /// After a conflict, a user chose storage's version: every session reconnects.
    pub(super) fn reload(&mut self) {
        tracing::info!("reloading from storage; unsaved edits are dropped by request");
        let closing = Closing::new(
            close_code::NORMAL,
            "reloaded",
            "the document is reloaded from storage",
        );
        for member in self.members.values_mut() {
            member.close(closing.clone());
        }
        self.members.clear();
        self.saved_gen = self.edit_gen;
        self.life.end();
    }

    pub(super) fn put_relative(&mut self, session: SessionId, name: String, bytes: Vec<u8>) {
        let Some(token) = self.members.get(&session).map(|m| m.token.clone()) else {
            return;
        };
        self.wopi_call(|wopi, src| async move {
            let result = wopi
                .put_relative_file(&src, &token, &name, false, bytes)
                .await;
            Some(Command::SavedAs { session, result })
        });
    }

    /// Uploads the conflict copy as `<name> (conflict <seconds since 1970>).<ext>`.
    pub(super) fn store_conflict_copy(&mut self, gen: u64, bytes: Vec<u8>) {
        let Some(token) = self.upload_token.clone() else {
            self.conflict_copy_ended();
            return;
        };
        let stem = self
            .base_name
            .rsplit_once('.')
            .map_or(self.base_name.as_str(), |(stem, _)| stem);
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let name = format!("{stem} (conflict {seconds}).{}", self.extension);
        self.wopi_call(|wopi, src| async move {
            let result = wopi
                .put_relative_file(&src, &token, &name, false, bytes)
                .await;
            Some(Command::ConflictCopied { gen, result })
        });
    }

    /// The conflict copy ended (stored, failed, or its kit ended): it may start again.
    pub(super) fn conflict_copy_ended(&mut self) {
        if let SaveState::Conflict { copy_running } = &mut self.save_state {
            *copy_running = false;
        }
    }

    pub(super) fn on_conflict_copied(&mut self, gen: u64, result: Result<NewFile, WopiError>) {
        self.conflict_copy_ended();
        match result {
            Ok(file) => {
                tracing::warn!(copy = %file.name, "storage changed meanwhile: our edits are stored as a copy");
                self.saved_gen = self.saved_gen.max(gen);
            }
            Err(error) => {
                tracing::error!(%error, "cannot store the conflict copy; will retry");
                return;
            }
        }
        if self.life.is_leaving() {
            self.leave_when_stored(true);
        }
    }

    pub(super) fn on_saved_as(&mut self, session: SessionId, result: Result<NewFile, WopiError>) {
        let Some(member) = self.members.get_mut(&session) else {
            return;
        };
        match result {
            Ok(file) => member.text(
                Message::new("saved-as")
                    .arg("name", &file.name)
                    .arg("wopisrc", file.src.url().as_str())
                    .render(),
            ),
            Err(error) => member.error(error.kind(), &error.to_string(), Some("save-as")),
        }
    }
}
