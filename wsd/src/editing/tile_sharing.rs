//! One kit render for every session that wants the same tile at the same moment, and at most
//! one render of a tile waiting behind the one in progress.
//!
//! After a keystroke LibreOffice invalidates the same area in every view, and every session
//! asks for the same stale tiles within milliseconds. Painted and PNG-encoded once per session,
//! that is most of a kit's CPU when several people share a document (docs/benchmarks.md,
//! "Issue 15.1"). A request for a tile already asked of the kit therefore joins that request,
//! and the kit's answer goes to every session that asked (each through its own flow control,
//! `unchanged` check and delta base, kit_events.rs).
//!
//! A joined request must not get older pixels than its own request would have. A request sent
//! to the kit is painted after everything the kit did before reading it, so it shows every edit
//! whose invalidation wsd had received when it was sent. A session asks again because of an
//! invalidation: once an invalidation that touches the tile arrives, the request in flight may
//! predate that edit and can no longer be joined. A request for that tile then waits, with
//! every other that comes meanwhile, until the request in flight is answered, and goes to the
//! kit then as one request: when people type faster than the kit paints, each tile is painted
//! once per round instead of once per keystroke and per session, and the kit's queue stays
//! short instead of growing with the load (docs/benchmarks.md, "Waiting behind the paint in
//! progress"). Waiting costs nothing the kit would not have spent anyway: the kit paints in
//! order, so the waiting request could not have been painted before the one in flight.
//!
//! Sessions whose views paint differently (one shows formatting marks, or a slide's notes)
//! never share: requests join and wait only within the same [`RenderKey`].

use std::collections::HashMap;

use super::protocol::TileKey;
use super::SessionId;

/// What, beyond the tile's geometry, decides a view's pixels: a hash of the view's states of
/// [`RENDER_COMMANDS`] (member.rs keeps them).
pub type RenderKey = u64;

/// `.uno:` commands whose state is per view and changes what the view's tiles show.
pub const RENDER_COMMANDS: &[&str] = &[
    // Writer
    ".uno:ControlCodes",
    ".uno:Marks",
    ".uno:ViewBounds",
    ".uno:ShowHiddenParagraphs",
    ".uno:Fieldnames",
    ".uno:BrowseView",
    ".uno:SpellOnline",
    ".uno:ShowTrackedChanges",
    ".uno:ShowAnnotations",
    ".uno:ShowResolvedAnnotations",
    // Calc
    ".uno:ToggleFormula",
    ".uno:ToggleSheetGrid",
    ".uno:ViewValueHighlighting",
    ".uno:ViewGridLines",
    // Impress and Draw: which view of the slide
    ".uno:NormalMultiPaneGUI",
    ".uno:NotesMode",
    ".uno:HandoutMode",
    ".uno:OutlineView",
    ".uno:DiaMode",
    ".uno:SlideMasterPage",
    ".uno:NotesMasterPage",
    ".uno:HandoutMasterPage",
];

/// A session's request for a tile: the session and the id it gave the request.
pub type Asker = (SessionId, u64);

/// A tile request the kit has not answered yet.
struct InFlight {
    key: TileKey,
    render: RenderKey,
    /// No invalidation touching the tile has arrived since the request was sent.
    joinable: bool,
    /// The sessions its answer goes to.
    askers: Vec<Asker>,
    /// The kit request it went in (a row of tiles, kit_rows): that request's first id.
    row: u64,
    /// Asked with `fast=1`: its PNG is meant for deltas, not to be sent whole.
    fast: bool,
}

/// Requests for a tile that waited for the paint in progress; they go to the kit together.
#[derive(Debug, PartialEq, Eq)]
pub struct Waiting {
    pub key: TileKey,
    pub render: RenderKey,
    pub askers: Vec<Asker>,
}

/// What the kit's answer (or refusal) to one request id means.
#[derive(Debug, PartialEq, Eq)]
pub struct Answered {
    /// The sessions it answers.
    pub askers: Vec<Asker>,
    /// It was asked with `fast=1` (tile_requests.rs).
    pub fast: bool,
    /// Requests that waited for its row's paints and must go to the kit now.
    pub released: Vec<Waiting>,
}

/// Where a session's tile request goes.
#[derive(Debug, PartialEq, Eq)]
pub enum Route {
    /// It joined a request in flight: its answer comes with that one's.
    Joined,
    /// It waits for the paint in progress (`Answered::released`).
    Waiting,
    /// Nothing for this tile is in flight: it goes to the kit.
    ToKit,
}

/// The document's tile requests in flight to the kit, by the id the kit echoes.
#[derive(Default)]
pub struct SharedTiles {
    by_id: HashMap<u64, InFlight>,
    /// The newest request sent for a tile and render key, while the kit has not answered it.
    newest: HashMap<(TileKey, RenderKey), u64>,
    /// Requests waiting for the newest one (or, once it is answered, for the rest of its row).
    waiting: HashMap<(TileKey, RenderKey), Vec<Asker>>,
    /// Per kit row in flight (by its first id): its tiles not answered yet, and the tiles whose
    /// waiting requests are released when the whole row is answered, to go out as rows again.
    rows: HashMap<u64, (usize, Vec<(TileKey, RenderKey)>)>,
    /// Since the document opened: tiles painted by the kit, requests that joined one, and
    /// requests that waited for one.
    pub rendered: u64,
    pub shared: u64,
    pub waited: u64,
    /// The render keys requests were sent with since the document opened (a few at most):
    /// views that never share although they show the same document differ here.
    render_keys: std::collections::HashSet<RenderKey>,
}

impl SharedTiles {
    /// Where `asker`'s request for `key` goes: it joins a joinable request in flight for the
    /// same tile, waits when the request in flight can no longer be joined, or goes to the kit.
    pub fn route(&mut self, key: TileKey, render: RenderKey, asker: Asker) -> Route {
        let slot = (key, render);
        if let Some(waiting) = self.waiting.get_mut(&slot) {
            waiting.push(asker);
            self.waited += 1;
            return Route::Waiting;
        }
        let Some(in_flight) = self.newest.get(&slot).and_then(|id| self.by_id.get_mut(id)) else {
            return Route::ToKit;
        };
        if in_flight.joinable {
            in_flight.askers.push(asker);
            self.shared += 1;
            return Route::Joined;
        }
        self.waiting.insert(slot, vec![asker]);
        self.waited += 1;
        Route::Waiting
    }

    /// One kit request went out: a row of tiles, each with its kit id and who asked for it,
    /// with `fast=1` or not.
    pub fn sent(&mut self, render: RenderKey, row: Vec<(TileKey, u64, Vec<Asker>)>, fast: bool) {
        let Some(first) = row.first().map(|(_, id, _)| *id) else {
            return;
        };
        self.rows.insert(first, (row.len(), Vec::new()));
        self.render_keys.insert(render);
        for (key, id, askers) in row {
            self.rendered += 1;
            let in_flight = InFlight {
                key,
                render,
                joinable: true,
                askers,
                row: first,
                fast,
            };
            self.by_id.insert(id, in_flight);
            self.newest.insert((key, render), id);
        }
    }

    /// The kit answered (or refused) request `id`; None when it is not in flight (the kit was
    /// replaced since).
    pub fn answered(&mut self, id: u64) -> Option<Answered> {
        let in_flight = self.by_id.remove(&id)?;
        let slot = (in_flight.key, in_flight.render);
        let release = self.newest.get(&slot) == Some(&id);
        if release {
            self.newest.remove(&slot);
        }
        let mut released_slots = Vec::new();
        match self.rows.get_mut(&in_flight.row) {
            Some((left, slots)) => {
                if release && self.waiting.contains_key(&slot) {
                    slots.push(slot);
                }
                *left -= 1;
                if *left == 0 {
                    released_slots = self.rows.remove(&in_flight.row).unwrap_or_default().1;
                }
            }
            None if release => released_slots.push(slot),
            None => {}
        }
        let released = released_slots
            .into_iter()
            .filter_map(|(key, render)| {
                let askers = self.waiting.remove(&(key, render))?;
                Some(Waiting {
                    key,
                    render,
                    askers,
                })
            })
            .collect();
        Some(Answered {
            askers: in_flight.askers,
            fast: in_flight.fast,
            released,
        })
    }

    /// An invalidation of `area` (x, y, w, h in twips) of `part`, or of everything when `area`
    /// is `None` (also every part when `part` is `None`): the requests it touches can no
    /// longer be joined.
    pub fn invalidate(&mut self, part: Option<u32>, area: Option<(i64, i64, i64, i64)>) {
        let touched = |key: &TileKey| {
            part.is_none_or(|part| part == key.part)
                && area.is_none_or(|(x, y, w, h)| {
                    x < key.x + i64::from(key.tw)
                        && key.x < x.saturating_add(w)
                        && y < key.y + i64::from(key.th)
                        && key.y < y.saturating_add(h)
                })
        };
        for in_flight in self.by_id.values_mut() {
            if in_flight.joinable && touched(&in_flight.key) {
                in_flight.joinable = false;
            }
        }
    }

    /// How many different render keys requests went to the kit with.
    pub fn render_keys(&self) -> usize {
        self.render_keys.len()
    }

    /// The kit was replaced: nothing in flight will be answered, nothing waits for it.
    pub fn clear(&mut self) {
        self.by_id.clear();
        self.newest.clear();
        self.waiting.clear();
        self.rows.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::editing::protocol::test_tile_column as key;

    /// One tile sent alone for `asker`, with kit id `id`.
    fn send(shared: &mut SharedTiles, x: i64, render: RenderKey, id: u64, asker: Asker) {
        shared.sent(render, vec![(key(x), id, vec![asker])], false);
    }

    fn answered(shared: &mut SharedTiles, id: u64) -> (Vec<Asker>, Vec<Waiting>) {
        let answer = shared.answered(id).expect("in flight");
        (answer.askers, answer.released)
    }

    #[test]
    fn a_second_request_joins_the_first_and_both_get_the_answer() {
        let mut shared = SharedTiles::default();
        assert_eq!(shared.route(key(0), 7, (1, 10)), Route::ToKit);
        send(&mut shared, 0, 7, 100, (1, 10));
        assert!(!shared.by_id[&100].fast);
        assert_eq!(shared.route(key(0), 7, (2, 11)), Route::Joined);
        assert_eq!(shared.route(key(0), 7, (3, 12)), Route::Joined);
        assert_eq!(
            answered(&mut shared, 100),
            (vec![(1, 10), (2, 11), (3, 12)], vec![])
        );
        // Answered: the next request goes to the kit again.
        assert_eq!(shared.route(key(0), 7, (2, 13)), Route::ToKit);
        assert!(shared.answered(100).is_none());
        assert_eq!((shared.rendered, shared.shared, shared.waited), (1, 2, 0));
    }

    #[test]
    fn views_that_paint_differently_do_not_share() {
        let mut shared = SharedTiles::default();
        send(&mut shared, 0, 7, 100, (1, 10));
        shared.invalidate(None, None);
        assert_eq!(shared.route(key(0), 8, (2, 11)), Route::ToKit);
        assert_eq!(shared.route(key(3840), 7, (2, 12)), Route::ToKit);
    }

    #[test]
    fn after_an_invalidation_requests_wait_and_go_together_when_the_paint_is_answered() {
        let mut shared = SharedTiles::default();
        send(&mut shared, 0, 7, 100, (1, 10));
        send(&mut shared, 3840, 7, 101, (1, 11));
        // Touches only the second column's tile (x 3840..7680).
        shared.invalidate(Some(0), Some((4000, 0, 100, 100)));
        assert_eq!(shared.route(key(0), 7, (2, 20)), Route::Joined);
        assert_eq!(shared.route(key(3840), 7, (2, 21)), Route::Waiting);
        assert_eq!(shared.route(key(3840), 7, (3, 22)), Route::Waiting);
        // Another part: untouched.
        shared.invalidate(Some(1), None);
        assert_eq!(shared.route(key(0), 7, (3, 23)), Route::Joined);
        assert_eq!(
            answered(&mut shared, 100),
            (vec![(1, 10), (2, 20), (3, 23)], vec![])
        );
        // The paint in progress answers its own asker; those that waited are released.
        assert_eq!(
            answered(&mut shared, 101),
            (
                vec![(1, 11)],
                vec![Waiting {
                    key: key(3840),
                    render: 7,
                    askers: vec![(2, 21), (3, 22)]
                }]
            )
        );
        assert_eq!(shared.route(key(3840), 7, (4, 30)), Route::ToKit);
        assert_eq!(shared.waited, 2);
    }

    #[test]
    fn waiting_requests_of_a_row_are_released_when_the_whole_row_is_answered() {
        let mut shared = SharedTiles::default();
        let row = (0..3)
            .map(|i| (key(i * 3840), 100 + i as u64, vec![(1, 10 + i as u64)]))
            .collect();
        shared.sent(7, row, true);
        shared.invalidate(None, None);
        assert_eq!(shared.route(key(0), 7, (2, 20)), Route::Waiting);
        assert_eq!(shared.route(key(7680), 7, (2, 22)), Route::Waiting);
        assert!(answered(&mut shared, 100).1.is_empty());
        // Answered but its row is not: a newer request still waits with the others.
        assert_eq!(shared.route(key(0), 7, (3, 30)), Route::Waiting);
        assert!(answered(&mut shared, 101).1.is_empty());
        let last = shared.answered(102).expect("in flight");
        assert!(last.fast, "the row was asked with fast=1");
        let released: Vec<(i64, Vec<Asker>)> = last
            .released
            .into_iter()
            .map(|waiting| (waiting.key.x, waiting.askers))
            .collect();
        assert_eq!(
            released,
            vec![(0, vec![(2, 20), (3, 30)]), (7680, vec![(2, 22)])]
        );
    }

    #[test]
    fn an_area_that_only_borders_the_tile_does_not_touch_it() {
        let mut shared = SharedTiles::default();
        send(&mut shared, 3840, 7, 100, (1, 10));
        shared.invalidate(Some(0), Some((0, 0, 3840, 3840)));
        assert_eq!(shared.route(key(3840), 7, (2, 11)), Route::Joined);
    }

    #[test]
    fn clearing_forgets_everything() {
        let mut shared = SharedTiles::default();
        send(&mut shared, 0, 7, 100, (1, 10));
        shared.invalidate(None, None);
        assert_eq!(shared.route(key(0), 7, (2, 11)), Route::Waiting);
        shared.clear();
        assert_eq!(shared.route(key(0), 7, (2, 12)), Route::ToKit);
        assert!(shared.answered(100).is_none());
    }
}
