//! One simulated person of the capacity load generator (capacity.rs): types at about 5
//! characters a second in words with pauses, scrolls now and then, sometimes saves, and, as the
//! web client does, asks again for the visible tiles an `invalidate` names, taking tile deltas
//! (`delta=1`; it only counts them, as it does whole tiles).
//!
//! Keystroke → other users' tiles: every key a user sends is noted, with its time, in its
//! document's key log. A peer that receives an `invalidate` after that time and then has every
//! visible tile it names repainted (a binary tile or `unchanged=1`) counts the key as seen, with
//! the latency from the key being sent to the last of those tiles. Keys are attributed to the
//! first invalidation a peer receives after them (not measured when it touches none of the
//! peer's visible tiles); when the kit falls behind, that invalidation
//! may belong to an earlier key, so the generator also reports how long the sessions take to
//! fall quiet once typing stops (the backlog, capacity.rs).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};

use crate::tile_grid::{page_tiles, TILE_PX, TILE_TWIPS};
use crate::ws::{Incoming, WsClient};

/// The visible area: 5 rows of tiles, a page wide.
const ROWS: i64 = 5;
/// Text boxes on the first slide of bench-slides.pptx: one per person of a presentation.
const SLIDE_BOXES: usize = 6;
/// A batch of repainted tiles that has not arrived after this long is given up on.
const GIVE_UP: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Sheet,
    Slides,
}

/// The keys typed into one document, in the order they were sent.
#[derive(Default)]
pub struct KeyLog {
    keys: Mutex<Vec<(usize, Instant)>>,
}

impl KeyLog {
    fn note(&self, user: usize, at: Instant) {
        self.keys.lock().unwrap().push((user, at));
    }

    /// Keys from `from` on sent before `before` by others than `user`; the next `from`.
    fn others_since(&self, from: usize, before: Instant, user: usize) -> (Vec<Instant>, usize) {
        let keys = self.keys.lock().unwrap();
        let mut next = from;
        let mut found = Vec::new();
        for &(by, at) in &keys[from.min(keys.len())..] {
            if at >= before {
                break;
            }
            next += 1;
            if by != user {
                found.push(at);
            }
        }
        (found, next)
    }

    fn len(&self) -> usize {
        self.keys.lock().unwrap().len()
    }
}

/// What one user measured and did.
#[derive(Debug, Default)]
pub struct UserReport {
    /// Latencies of other users' keys to this user's repainted tiles.
    pub latencies: Vec<Duration>,
    /// Other users' keys whose tiles did not arrive within the give-up time.
    pub given_up: usize,
    pub keys_sent: usize,
    pub saves: usize,
    pub scrolls: usize,
}

/// Tiles asked again for, with the keys they will show.
struct Repaint {
    tiles: Vec<(i64, i64)>,
    keys: Vec<Instant>,
    asked: Instant,
}

pub struct User {
    pub client: WsClient,
    pub index: usize,
    pub kind: Kind,
    /// The first word this user types, to find in the stored document.
    pub marker: String,
    /// Sends `save` now and then (one user per document).
    pub saves: bool,
    pub log: Arc<KeyLog>,
    rng: rand::rngs::StdRng,
    /// The first row of tiles shown (scrolling moves it).
    top_row: i64,
    /// Position in the key log up to which other users' keys were attributed.
    log_cursor: usize,
    repaints: VecDeque<Repaint>,
    report: UserReport,
}

/// What a user does next.
enum Step {
    Char(char),
    Word(String),
    Enter,
    Scroll,
    Save,
}

impl User {
    pub fn new(
        client: WsClient,
        index: usize,
        kind: Kind,
        marker: String,
        log: Arc<KeyLog>,
        seed: u64,
    ) -> User {
        User {
            client,
            index,
            kind,
            marker,
            saves: false,
            log,
            rng: rand::rngs::StdRng::seed_from_u64(seed),
            top_row: 0,
            log_cursor: 0,
            repaints: VecDeque::new(),
            report: UserReport::default(),
        }
    }

    fn visible_tiles(&self) -> Vec<(i64, i64)> {
        page_tiles(self.top_row..self.top_row + ROWS)
    }

    /// Puts this user's cursor where it types, apart from the others, as people who share a
    /// document do: Writer users go down as many lines as their index, Calc users right as
    /// many columns (Enter then keeps each in its own column), and Impress users select their
    /// own text box of bench-slides.pptx's six (Tab) and edit it (Enter). LibreOffice lets
    /// only one view edit a text box's text at a time: people typing into the same box would
    /// measure that contention, not the server.
    pub async fn take_position(&mut self) {
        let tiles = self.visible_tiles();
        self.client
            .delta_tiles(0, TILE_PX, TILE_TWIPS as u32, &tiles, false)
            .await;
        match self.kind {
            Kind::Text => {
                for _ in 0..self.index {
                    self.client.key(0, 1024).await;
                }
            }
            Kind::Sheet => {
                for _ in 0..self.index {
                    self.client.key(0, 1027).await;
                }
            }
            Kind::Slides => {
                for _ in 0..=(self.index % SLIDE_BOXES) {
                    self.client.key(9, 1282).await;
                }
                let _ = self
                    .client
                    .try_wait_for(Duration::from_secs(10), |m| {
                        m.is_event("GRAPHIC_SELECTION") && m.body_text() != "EMPTY"
                    })
                    .await;
                self.client.enter().await;
                let _ = self
                    .client
                    .try_wait_for(Duration::from_secs(10), |m| {
                        m.is_event("CURSOR_VISIBLE") && m.body_text().trim() == "true"
                    })
                    .await;
            }
        }
        self.client.skip_seen();
        self.log_cursor = self.log.len();
    }

    /// Works until `end`, then returns what it measured.
    pub async fn work_until(&mut self, end: Instant) -> UserReport {
        let mut plan: VecDeque<Step> = VecDeque::new();
        plan.push_back(Step::Word(self.marker.clone()));
        let started = Instant::now();
        let mut next_step = started + self.pause(0.0, 1.0);
        let mut next_scroll = started + self.pause(10.0, 30.0);
        let mut next_save = started + self.pause(20.0, 60.0);
        while Instant::now() < end {
            let wake = next_step.min(end);
            if let Some(message) = self.client.next_before(wake).await {
                self.handle(&message).await;
                if self.client.seen.len() > 256 {
                    self.client.forget_seen();
                }
                continue;
            }
            if Instant::now() >= end {
                break;
            }
            let now = Instant::now();
            let step = if now >= next_scroll {
                next_scroll = now + self.pause(10.0, 30.0);
                Step::Scroll
            } else if self.saves && now >= next_save {
                next_save = now + self.pause(20.0, 60.0);
                Step::Save
            } else {
                plan.pop_front().unwrap_or_else(|| self.next_word())
            };
            next_step = now + self.act(step, &mut plan).await;
        }
        self.give_up_stale(Instant::now() + GIVE_UP);
        std::mem::take(&mut self.report)
    }

    fn pause(&mut self, from_s: f64, to_s: f64) -> Duration {
        Duration::from_secs_f64(self.rng.random_range(from_s..to_s))
    }

    /// A word of 3 to 8 random letters.
    fn next_word(&mut self) -> Step {
        let length = self.rng.random_range(3..=8);
        Step::Word(
            (0..length)
                .map(|_| self.rng.random_range(b'a'..=b'z') as char)
                .collect(),
        )
    }

    /// Does `step`; how long until the next one.
    async fn act(&mut self, step: Step, plan: &mut VecDeque<Step>) -> Duration {
        match step {
            Step::Word(word) => {
                plan.extend(word.chars().map(Step::Char));
                plan.push_back(Step::Char(' '));
                if self.kind == Kind::Sheet || self.rng.random_bool(0.05) {
                    plan.push_back(Step::Enter);
                }
                Duration::ZERO
            }
            Step::Char(ch) => {
                self.log.note(self.index, Instant::now());
                self.client.key(ch as u32, 0).await;
                self.report.keys_sent += 1;
                if ch == ' ' {
                    // The pause between words: a person thinking.
                    self.pause(0.2, 1.5)
                } else {
                    // About 5 characters a second.
                    self.pause(0.12, 0.28)
                }
            }
            Step::Enter => {
                self.log.note(self.index, Instant::now());
                self.client.enter().await;
                self.report.keys_sent += 1;
                self.pause(0.2, 0.6)
            }
            Step::Scroll => {
                self.report.scrolls += 1;
                self.top_row = if self.top_row == 0 { ROWS } else { 0 };
                // Keys typed while the typing area was out of view are not measured.
                self.log_cursor = self.log.len();
                self.give_up_stale(Instant::now() + GIVE_UP);
                let tiles = self.visible_tiles();
                self.client
                    .delta_tiles(0, TILE_PX, TILE_TWIPS as u32, &tiles, false)
                    .await;
                self.pause(1.0, 4.0)
            }
            Step::Save => {
                self.report.saves += 1;
                self.client.send(oxool_proto::Message::new("save")).await;
                self.pause(0.2, 0.6)
            }
        }
    }

    async fn handle(&mut self, message: &Incoming) {
        if message.is("invalidate") {
            // The keys before it are the ones it repaints. Those whose invalidation touches
            // none of this user's visible tiles (it scrolled away) are not measured: counted
            // at the next invalidation that does, they would add the time spent looking
            // elsewhere.
            let (keys, next) = self
                .log
                .others_since(self.log_cursor, message.at, self.index);
            self.log_cursor = next;
            let stale = self.stale_tiles(message);
            if stale.is_empty() {
                return;
            }
            self.client
                .delta_tiles(0, TILE_PX, TILE_TWIPS as u32, &stale, true)
                .await;
            self.repaints.push_back(Repaint {
                tiles: stale,
                keys,
                asked: Instant::now(),
            });
        } else if message.is_tile() {
            let at = (
                message.get("x").and_then(|v| v.parse().ok()).unwrap_or(-1),
                message.get("y").and_then(|v| v.parse().ok()).unwrap_or(-1),
            );
            // One answer serves every batch that asked for this tile (the server keeps only the
            // newest request for a tile).
            for repaint in &mut self.repaints {
                repaint.tiles.retain(|tile| *tile != at);
            }
            while let Some(done) = self.repaints.front() {
                if !done.tiles.is_empty() {
                    break;
                }
                let done = self.repaints.pop_front().unwrap();
                self.report
                    .latencies
                    .extend(done.keys.iter().map(|key| message.at - *key));
            }
            self.give_up_stale(Instant::now());
        }
    }

    /// Batches still waiting for tiles asked more than [`GIVE_UP`] before `now`.
    fn give_up_stale(&mut self, now: Instant) {
        while let Some(old) = self.repaints.front() {
            if now.duration_since(old.asked) < GIVE_UP {
                break;
            }
            let old = self.repaints.pop_front().unwrap();
            self.report.given_up += old.keys.len();
        }
    }

    /// The visible tiles an `invalidate` makes stale.
    fn stale_tiles(&self, invalidate: &Incoming) -> Vec<(i64, i64)> {
        if invalidate.get("part").is_some_and(|part| part != "0") {
            return Vec::new();
        }
        invalidate.stale_tiles(self.visible_tiles(), TILE_TWIPS)
    }
}
