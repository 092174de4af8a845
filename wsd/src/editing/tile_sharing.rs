//! One kit render for every session that wants the same tile at the same moment.
//!
//! After a keystroke LibreOffice invalidates the same area in every view, and every session
//! asks for the same stale tiles within milliseconds. Painted and PNG-encoded once per session,
//! that is most of a kit's CPU when several people share a document (docs/benchmarks.md,
//! "Issue 15.1"). A request for a tile already asked of the kit therefore joins that request,
//! and the kit's answer goes to every session that joined (each through its own flow control,
//! `unchanged` check and delta base, kit_events.rs).
//!
//! A joined request must not get older pixels than its own request would have. A request sent
//! to the kit is painted after everything the kit did before reading it, so it shows every edit
//! whose invalidation wsd had received when it was sent. A session asks again because of an
//! invalidation: once an invalidation that touches the tile arrives, the request in flight may
//! predate that edit and can no longer be joined. Sessions whose views paint differently (one
//! shows formatting marks, or a slide's notes) never share: requests join only within the same
//! [`RenderKey`].

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

/// A tile request the kit has not answered yet.
struct InFlight {
    key: TileKey,
    render: RenderKey,
    /// No invalidation touching the tile has arrived since the request was sent.
    joinable: bool,
    /// Sessions that joined, with their own request ids.
    joined: Vec<(SessionId, u64)>,
}

/// The document's tile requests in flight to the kit, by the id the kit echoes.
#[derive(Default)]
pub struct SharedTiles {
    by_id: HashMap<u64, InFlight>,
    /// The joinable request for a tile and render key, if any.
    joinable: HashMap<(TileKey, RenderKey), u64>,
    /// Since the document opened: requests sent to the kit, and requests that joined one.
    pub rendered: u64,
    pub shared: u64,
}

impl SharedTiles {
    /// Joins `session`'s request `id` to a joinable request in flight for the same tile;
    /// `false` when there is none and the request must go to the kit.
    pub fn join(&mut self, key: TileKey, render: RenderKey, session: SessionId, id: u64) -> bool {
        let Some(kit_id) = self.joinable.get(&(key, render)) else {
            return false;
        };
        match self.by_id.get_mut(kit_id) {
            Some(in_flight) => {
                in_flight.joined.push((session, id));
                self.shared += 1;
                true
            }
            None => false,
        }
    }

    /// Request `id` for `key` went to the kit.
    pub fn sent(&mut self, key: TileKey, render: RenderKey, id: u64) {
        self.rendered += 1;
        self.by_id.insert(
            id,
            InFlight {
                key,
                render,
                joinable: true,
                joined: Vec::new(),
            },
        );
        self.joinable.insert((key, render), id);
    }

    /// The kit answered (or refused) request `id`: the sessions that joined it.
    pub fn answered(&mut self, id: u64) -> Vec<(SessionId, u64)> {
        let Some(in_flight) = self.by_id.remove(&id) else {
            return Vec::new();
        };
        if self.joinable.get(&(in_flight.key, in_flight.render)) == Some(&id) {
            self.joinable.remove(&(in_flight.key, in_flight.render));
        }
        in_flight.joined
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
        for (id, in_flight) in self.by_id.iter_mut() {
            if in_flight.joinable && touched(&in_flight.key) {
                in_flight.joinable = false;
                if self.joinable.get(&(in_flight.key, in_flight.render)) == Some(id) {
                    self.joinable.remove(&(in_flight.key, in_flight.render));
                }
            }
        }
    }

    /// The kit was replaced: nothing in flight will be answered.
    pub fn clear(&mut self) {
        self.by_id.clear();
        self.joinable.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::editing::protocol::test_tile_column as key;

    #[test]
    fn a_second_request_joins_the_first_and_both_get_the_answer() {
        let mut shared = SharedTiles::default();
        assert!(!shared.join(key(0), 7, 1, 10));
        shared.sent(key(0), 7, 10);
        assert!(shared.join(key(0), 7, 2, 11));
        assert!(shared.join(key(0), 7, 3, 12));
        assert_eq!(shared.answered(10), vec![(2, 11), (3, 12)]);
        // Answered: the next request goes to the kit again.
        assert!(!shared.join(key(0), 7, 2, 13));
        assert!(shared.answered(10).is_empty());
    }

    #[test]
    fn views_that_paint_differently_do_not_share() {
        let mut shared = SharedTiles::default();
        shared.sent(key(0), 7, 10);
        assert!(!shared.join(key(0), 8, 2, 11));
        assert!(!shared.join(key(3840), 7, 2, 12));
    }

    #[test]
    fn an_invalidation_that_touches_the_tile_stops_joining_but_others_do_not() {
        let mut shared = SharedTiles::default();
        shared.sent(key(0), 7, 10);
        shared.sent(key(3840), 7, 11);
        // Touches only the second column's tile (x 3840..7680).
        shared.invalidate(Some(0), Some((4000, 0, 100, 100)));
        assert!(shared.join(key(0), 7, 2, 20));
        assert!(!shared.join(key(3840), 7, 2, 21));
        // Another part: untouched.
        shared.invalidate(Some(1), None);
        assert!(shared.join(key(0), 7, 3, 22));
        // Everything.
        shared.invalidate(None, None);
        assert!(!shared.join(key(0), 7, 4, 23));
        // Those that joined before still get the answer; a newer request is joinable again.
        assert_eq!(shared.answered(10), vec![(2, 20), (3, 22)]);
        shared.sent(key(3840), 7, 30);
        assert!(shared.join(key(3840), 7, 2, 31));
        assert_eq!(shared.answered(11), vec![]);
        assert_eq!(shared.answered(30), vec![(2, 31)]);
    }

    #[test]
    fn an_area_that_only_borders_the_tile_does_not_touch_it() {
        let mut shared = SharedTiles::default();
        shared.sent(key(3840), 7, 10);
        shared.invalidate(Some(0), Some((0, 0, 3840, 3840)));
        assert!(shared.join(key(3840), 7, 2, 11));
    }

    #[test]
    fn clearing_forgets_everything() {
        let mut shared = SharedTiles::default();
        shared.sent(key(0), 7, 10);
        shared.clear();
        assert!(!shared.join(key(0), 7, 2, 11));
        assert!(shared.answered(10).is_empty());
    }
}
