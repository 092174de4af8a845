//! The broker's side of the replay journal (replay_journal.rs; docs/config.md, "Replay"): input
//! is journaled as it goes to the kit, saves mark the journal, and after a kit crash the new
//! kit gets the journaled input again in views of its own, each placed at its session's cursor
//! first.

use std::collections::BTreeMap;

use oxool_proto::{Message, ToKit};

use super::broker::Broker;
use super::replay_journal::{Cursor, Entry};
use super::SessionId;

/// Replay views are named from here up, far above any session id (a counter from 1).
const FIRST_REPLAY_VIEW: SessionId = 1 << 62;

impl Broker {
    /// Sends a session's input to the kit, and journals it when the session may write.
    pub(super) fn send_input(&mut self, session: SessionId, message: Message) {
        let writer = self.members.get(&session).filter(|m| m.can_write);
        if let Some(member) = writer.filter(|_| self.ctx.config.editing.replay_journal) {
            self.journal.record(session, &message, member.cursor);
        }
        self.kit.send(message);
    }

    /// The kit answered the `save` of `gen`: where each session's cursor is now.
    pub(super) fn journal_save_answered(&mut self, gen: u64) {
        let cursors: BTreeMap<SessionId, Cursor> = self
            .members
            .iter()
            .filter_map(|(session, member)| member.cursor.map(|c| (*session, c)))
            .collect();
        self.journal.save_answered(gen, cursors);
    }

    /// Notes a cursor callback of `session`'s view: the caret in text and shapes, the cell
    /// cursor in a spreadsheet.
    pub(super) fn note_cursor(&mut self, session: SessionId, kind: &str, payload: &str) {
        let wanted = if self.doc_type == "spreadsheet" {
            "CELL_CURSOR"
        } else {
            "INVALIDATE_VISIBLE_CURSOR"
        };
        if kind != wanted {
            return;
        }
        if let Some(member) = self.members.get_mut(&session) {
            if let Some(cursor) = Cursor::from_callback(payload, member.part) {
                member.cursor = Some(cursor);
                self.journal.cursor_moved(session, cursor);
            }
        }
    }

    /// Sends the new kit the input journaled since the durable state `gen` it was opened from:
    /// the number of input messages replayed, `None` when the journal does not reach back to
    /// that state (or is off).
    pub(super) fn replay_journal(&mut self, gen: u64) -> Option<usize> {
        self.recovery.replay_views.clear();
        if !self.ctx.config.editing.replay_journal {
            return None;
        }
        let Some(replay) = self.journal.replay(gen) else {
            tracing::warn!(
                generation = gen,
                "the replay journal does not reach back to the reopened state"
            );
            return None;
        };
        let mut views: BTreeMap<SessionId, SessionId> = BTreeMap::new();
        let mut replayed = 0;
        for (session, entry) in replay.entries {
            let view = match views.get(&session) {
                Some(view) => *view,
                None => {
                    let view = FIRST_REPLAY_VIEW + views.len() as SessionId;
                    views.insert(session, view);
                    self.kit.send(
                        Message::new(ToKit::ViewOpen.name())
                            .arg("view", view)
                            .arg("user", "replay"),
                    );
                    let started_at = match &entry {
                        Entry::Start(cursor) => *cursor,
                        Entry::Input(_) => None,
                    };
                    let cursor = replay.cursors.get(&session).copied().or(started_at);
                    tracing::info!(session, ?cursor, "replaying a session's input");
                    if let Some(cursor) = cursor {
                        self.place_replay_view(view, cursor);
                    }
                    view
                }
            };
            if let Entry::Input(mut message) = entry {
                for (key, value) in &mut message.args {
                    if key == "view" {
                        *value = view.to_string();
                    }
                }
                self.kit.send(message);
                replayed += 1;
            }
        }
        for view in views.values() {
            self.kit
                .send(Message::new(ToKit::ViewClose.name()).arg("view", view));
        }
        self.recovery.replay_views = views.into_values().collect();
        Some(replayed)
    }

    /// Puts a replay view's cursor where its session's was: its part, then a click there.
    fn place_replay_view(&mut self, view: SessionId, cursor: Cursor) {
        if let Some(part) = cursor.part.filter(|_| self.doc_type != "text") {
            self.kit.send(
                Message::new(ToKit::SetPart.name())
                    .arg("view", view)
                    .arg("part", part),
            );
        }
        for kind in ["down", "up"] {
            self.kit.send(
                Message::new(ToKit::Mouse.name())
                    .arg("view", view)
                    .arg("type", kind)
                    .arg("x", cursor.x)
                    .arg("y", cursor.y)
                    .arg("count", 1)
                    .arg("buttons", 1)
                    .arg("modifier", 0),
            );
        }
    }

    /// Whether `view` is one of the replay's views (the broker has no member for it).
    pub(super) fn is_replay_view(&self, view: SessionId) -> bool {
        self.recovery.replay_views.contains(&view)
    }
}
