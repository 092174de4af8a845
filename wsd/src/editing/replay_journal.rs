//! The replay journal (issue 13; docs/config.md, "Replay"): the input each session sent the
//! kit since the newest document state that is durable (a checkpoint on disk or a PutFile), so
//! that after a kit crash the reopened document gets that input again, and keeps the edits the
//! checkpoint did not hold.
//!
//! The kit applies its requests in order, so the input sent before a `save` is in what that
//! save returns and the input sent after it is not: a [`Mark`] records where the journal stood
//! when a `save` of a checkpoint or an upload was sent, and becomes the base of a replay once
//! the copy is durable. Input is only worth replaying at the cursor it was typed at, which the
//! saved document does not hold: the mark also keeps each session's cursor as the kit reported
//! it when it answered the save (the kit settles queued input before saving, so the cursor
//! events of that input came first). A session that has no cursor in the mark (it joined
//! later) gets the cursor it had when it first sent input after the mark ([`Entry::Start`]).
//!
//! What is journaled: keys (and text, as keys), mouse events on the document, UNO commands and
//! part changes; not dialogs, pastes or inserted images. The journal holds at most [`MAX_ENTRIES`] messages;
//! past that it is dropped, and no replay is offered until the next durable state.

use std::collections::{BTreeMap, VecDeque};

use oxool_proto::Message;

use super::SessionId;

/// Messages kept at most (a checkpoint every 10 s at a few hundred messages per second).
pub(super) const MAX_ENTRIES: usize = 4096;

/// A point in twips on a part: where a session's cursor was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Cursor {
    pub part: Option<i64>,
    pub x: i64,
    pub y: i64,
}

impl Cursor {
    /// The middle of a callback's rectangle, `x, y, w, h[, …]` or LibreOffice's JSON with a
    /// `rectangle`; `None` for `EMPTY` or anything else.
    pub(super) fn from_callback(payload: &str, part: Option<i64>) -> Option<Cursor> {
        let json;
        let rectangle = if payload.trim_start().starts_with('{') {
            json = serde_json::from_str::<serde_json::Value>(payload).ok()?;
            json.get("rectangle")?.as_str()?
        } else {
            payload
        };
        let numbers: Vec<i64> = rectangle
            .split(',')
            .map_while(|f| f.trim().parse().ok())
            .take(4)
            .collect();
        let [x, y, w, h] = numbers[..] else {
            return None;
        };
        (w >= 0 && h > 0).then_some(Cursor {
            part,
            x: x + w / 2,
            y: y + h / 2,
        })
    }
}

#[derive(Debug, Clone)]
pub(super) enum Entry {
    /// The session's first input after a mark, and its cursor then.
    Start(Option<Cursor>),
    /// A message for the kit, as sent (its `view` is the session's).
    Input(Message),
}

/// Where the journal stood when a `save` was sent, for the generation it saves.
#[derive(Debug)]
struct Mark {
    gen: u64,
    /// The sequence number of the first entry the save does not hold.
    seq: u64,
    /// The sessions' cursors when the kit answered the save; `None` until it did.
    cursors: Option<BTreeMap<SessionId, Cursor>>,
    durable: bool,
}

/// What to send a new kit after reopening from a durable state.
#[derive(Debug, Default)]
pub(super) struct Replay {
    /// Each session's cursor at the base, where it has one.
    pub cursors: BTreeMap<SessionId, Cursor>,
    /// In the order the sessions sent them.
    pub entries: Vec<(SessionId, Entry)>,
}

#[derive(Debug)]
pub(super) struct Journal {
    entries: VecDeque<(u64, SessionId, Entry)>,
    next_seq: u64,
    marks: Vec<Mark>,
    /// The sequence number of the newest mark each session has sent input after.
    started_after: BTreeMap<SessionId, u64>,
    /// Edit generations made by input that is not journaled (a paste, an image), oldest first.
    not_journaled: VecDeque<u64>,
}

impl Journal {
    /// A journal for a document just loaded: the loaded state (generation `gen`) is durable,
    /// and the sessions' views start where a new view starts.
    pub(super) fn new(gen: u64) -> Journal {
        Journal {
            entries: VecDeque::new(),
            next_seq: 0,
            marks: vec![Mark {
                gen,
                seq: 0,
                cursors: Some(BTreeMap::new()),
                durable: true,
            }],
            started_after: BTreeMap::new(),
            not_journaled: VecDeque::new(),
        }
    }

    /// Edit generation `gen` came from input a replay cannot repeat.
    pub(super) fn edit_not_journaled(&mut self, gen: u64) {
        self.not_journaled.push_back(gen);
        if self.not_journaled.len() > MAX_ENTRIES {
            self.not_journaled.pop_front();
        }
    }

    /// Of the edits after generation `gen`, how many a replay cannot repeat.
    pub(super) fn not_replayable_after(&self, gen: u64) -> u64 {
        self.not_journaled.iter().filter(|g| **g > gen).count() as u64
    }

    /// Input `session` sent the kit; `cursor` is where its cursor was last reported.
    pub(super) fn record(&mut self, session: SessionId, message: &Message, cursor: Option<Cursor>) {
        let newest_mark = self.marks.last().map(|m| m.seq);
        if let Some(seq) = newest_mark {
            if self.started_after.insert(session, seq) != Some(seq) {
                self.push(session, Entry::Start(cursor));
            }
        }
        self.push(session, Entry::Input(message.clone()));
        if self.entries.len() > MAX_ENTRIES {
            // Too much to replay: nothing is offered until the next durable state.
            tracing::warn!(
                max = MAX_ENTRIES,
                "the replay journal is full; it starts again at the next checkpoint"
            );
            self.entries.clear();
            self.marks.clear();
            self.started_after.clear();
        }
    }

    fn push(&mut self, session: SessionId, entry: Entry) {
        self.entries.push_back((self.next_seq, session, entry));
        self.next_seq += 1;
    }

    /// A `save` of generation `gen` (a checkpoint or an upload) was sent to the kit.
    pub(super) fn save_sent(&mut self, gen: u64) {
        self.marks.push(Mark {
            gen,
            seq: self.next_seq,
            cursors: None,
            durable: false,
        });
    }

    /// The kit answered the save of `gen`: the sessions' cursors then.
    pub(super) fn save_answered(&mut self, gen: u64, cursors: BTreeMap<SessionId, Cursor>) {
        if let Some(mark) = self
            .marks
            .iter_mut()
            .find(|m| m.gen == gen && m.cursors.is_none())
        {
            mark.cursors = Some(cursors);
        }
    }

    /// `session`'s cursor moved. LibreOffice reports some moves late (another user's edit that
    /// reflows the text around this cursor is laid out when LibreOffice is idle), possibly after
    /// it answered a save: a move that arrives while nobody has sent input since the newest
    /// save still describes that save's document, and corrects its mark.
    pub(super) fn cursor_moved(&mut self, session: SessionId, cursor: Cursor) {
        let next_seq = self.next_seq;
        for mark in self.marks.iter_mut().filter(|m| m.seq == next_seq) {
            if let Some(cursors) = &mut mark.cursors {
                cursors.insert(session, cursor);
            }
        }
    }

    /// The copy of `gen` is durable (on disk or in storage): it becomes the base of a replay,
    /// and what is older goes.
    pub(super) fn durable(&mut self, gen: u64) {
        let Some(index) = self
            .marks
            .iter()
            .rposition(|m| m.gen == gen && m.cursors.is_some())
        else {
            return;
        };
        let newest_durable = self.marks.iter().rposition(|m| m.durable);
        if newest_durable.is_some_and(|d| d > index) {
            return; // a newer state is already durable
        }
        self.marks[index].durable = true;
        self.marks.drain(..index);
        self.not_journaled.retain(|g| *g > gen);
        let seq = self.marks[0].seq;
        while self.entries.front().is_some_and(|(s, _, _)| *s < seq) {
            self.entries.pop_front();
        }
    }

    /// The input to replay on the durable state of generation `gen`, if the journal has it.
    pub(super) fn replay(&self, gen: u64) -> Option<Replay> {
        let mark = self
            .marks
            .iter()
            .rev()
            .find(|m| m.durable && m.gen == gen)?;
        let entries: Vec<(SessionId, Entry)> = self
            .entries
            .iter()
            .filter(|(seq, _, _)| *seq >= mark.seq)
            .map(|(_, session, entry)| (*session, entry.clone()))
            .collect();
        Some(Replay {
            cursors: mark.cursors.clone().unwrap_or_default(),
            entries,
        })
    }

    /// Entries in the journal.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: char) -> Message {
        Message::new("key").arg("view", 1).arg("char", u32::from(c))
    }

    fn inputs(replay: &Replay) -> Vec<String> {
        replay
            .entries
            .iter()
            .filter_map(|(_, e)| match e {
                Entry::Input(m) => m.get("char").map(str::to_string),
                Entry::Start(_) => None,
            })
            .collect()
    }

    #[test]
    fn replay_starts_at_the_durable_save_and_keeps_its_cursors() {
        let mut journal = Journal::new(0);
        journal.record(1, &key('a'), None);
        journal.save_sent(1);
        journal.record(1, &key('b'), None);
        let at = Cursor {
            part: None,
            x: 10,
            y: 20,
        };
        journal.save_answered(1, BTreeMap::from([(1, at)]));
        // Not durable yet: a crash now replays everything on the loaded state.
        assert_eq!(inputs(&journal.replay(0).unwrap()), ["97", "98"]);
        assert!(journal.replay(1).is_none());
        journal.durable(1);
        let replay = journal.replay(1).unwrap();
        assert_eq!(inputs(&replay), ["98"]);
        assert_eq!(replay.cursors.get(&1), Some(&at));
        assert!(journal.replay(0).is_none(), "the older state is gone");
        assert_eq!(journal.len(), 2, "b and its start");
    }

    #[test]
    fn a_session_gets_a_start_with_its_cursor_after_each_mark() {
        let mut journal = Journal::new(0);
        let here = Some(Cursor {
            part: Some(2),
            x: 1,
            y: 2,
        });
        journal.record(7, &key('a'), here);
        journal.record(7, &key('b'), None);
        journal.save_sent(2);
        journal.record(7, &key('c'), here);
        let starts = |journal: &Journal, gen| {
            journal
                .replay(gen)
                .unwrap()
                .entries
                .iter()
                .filter(|(_, e)| matches!(e, Entry::Start(_)))
                .count()
        };
        assert_eq!(starts(&journal, 0), 2);
        journal.save_answered(2, BTreeMap::new());
        journal.durable(2);
        assert_eq!(starts(&journal, 2), 1);
    }

    #[test]
    fn a_late_cursor_move_corrects_the_mark_until_input_follows() {
        let mut journal = Journal::new(0);
        journal.save_sent(1);
        let at = |x| Cursor {
            part: None,
            x,
            y: 0,
        };
        journal.save_answered(1, BTreeMap::from([(1, at(10))]));
        journal.cursor_moved(1, at(20));
        journal.record(2, &key('a'), None);
        // After input, a move may come from that input: the mark keeps what it had.
        journal.cursor_moved(1, at(30));
        journal.durable(1);
        assert_eq!(journal.replay(1).unwrap().cursors.get(&1), Some(&at(20)));
    }

    #[test]
    fn an_older_durable_state_does_not_replace_a_newer_one() {
        let mut journal = Journal::new(0);
        journal.save_sent(1);
        journal.save_answered(1, BTreeMap::new());
        journal.record(1, &key('x'), None);
        journal.save_sent(2);
        journal.save_answered(2, BTreeMap::new());
        journal.durable(2);
        journal.durable(1);
        assert!(journal.replay(2).is_some());
        assert!(journal.replay(1).is_none());
    }

    #[test]
    fn a_full_journal_offers_no_replay_until_the_next_durable_state() {
        let mut journal = Journal::new(0);
        for _ in 0..=MAX_ENTRIES {
            journal.record(1, &key('k'), None);
        }
        assert!(journal.replay(0).is_none());
        journal.save_sent(5);
        journal.record(1, &key('z'), None);
        journal.save_answered(5, BTreeMap::new());
        journal.durable(5);
        assert_eq!(inputs(&journal.replay(5).unwrap()), ["122"]);
    }

    #[test]
    fn cursors_are_read_from_both_payload_forms() {
        let plain = Cursor::from_callback("100, 200, 10, 300", None).unwrap();
        assert_eq!((plain.x, plain.y), (105, 350));
        let json = r#"{"viewId":"0","rectangle":"100, 200, 10, 300","mispelledWord":""}"#;
        assert_eq!(Cursor::from_callback(json, Some(1)).unwrap().part, Some(1));
        assert!(Cursor::from_callback("EMPTY", None).is_none());
        assert!(Cursor::from_callback("{broken", None).is_none());
    }
}
