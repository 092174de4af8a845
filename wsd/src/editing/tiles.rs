//! One session's tile flow control (docs/protocol.md, "Flow control"): at most [`WINDOW`] tiles
//! asked of the kit or sent and not yet acknowledged; the rest wait in a pending set where a
//! newer request for the same tile replaces the older one, bounded by [`MAX_PENDING`]. Tiles of
//! LibreOffice's windows (dialogs) share the window and go first: a dialog is small and
//! someone is looking at it.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};

use super::protocol::window::{WindowTile, MAX_PENDING_WINDOW_TILES};
use oxool_proto::limits::MAX_TILE_PIXELS;

use super::protocol::TileKey;
use super::tile_delta::DeltaBases;

pub const WINDOW: u32 = 32;
pub const MAX_PENDING: usize = 1024;
/// Remembered tile contents per session, for `unchanged=1`; forgotten wholesale beyond.
const MAX_REMEMBERED: usize = 8192;

#[derive(Default)]
pub struct TileFlow {
    in_flight: u32,
    pending: VecDeque<(TileKey, bool)>,
    /// `window-tile` requests waiting for room, in order.
    pending_windows: VecDeque<WindowTile>,
    /// A hash of the last pixels this session received per tile.
    sent: HashMap<TileKey, u64>,
    /// The client applies tile deltas (it said so in a `tiles` request).
    pub deltas: bool,
    /// With `deltas`: the last PNG this session received per tile, the base of its next delta.
    pub bases: DeltaBases,
}

#[derive(Debug, PartialEq, Eq)]
pub struct PendingFull;

/// Tile requests going to the kit (key, id), grouped into rows of neighbouring tiles of the
/// same geometry that the kit paints in one LibreOffice call (docs/kit-protocol.md, `tile …
/// count=`): left to right, each row at most [`MAX_TILE_PIXELS`] wide.
pub fn kit_rows(mut tiles: Vec<(TileKey, u64)>) -> Vec<Vec<(TileKey, u64)>> {
    tiles.sort_by_key(|(key, _)| {
        (
            key.part, key.y, key.tw, key.th, key.width, key.height, key.x,
        )
    });
    let mut rows: Vec<Vec<(TileKey, u64)>> = Vec::new();
    for (key, id) in tiles {
        if let Some(row) = rows.last_mut() {
            let (last, _) = row[row.len() - 1];
            let fits = (row.len() as u32 + 1) * key.width <= MAX_TILE_PIXELS;
            if fits
                && key
                    == (TileKey {
                        x: last.x + i64::from(last.tw),
                        ..last
                    })
            {
                row.push((key, id));
                continue;
            }
        }
        rows.push(vec![(key, id)]);
    }
    rows
}

impl TileFlow {
    /// Adds a batch to the pending set; refuses it whole when it would overflow.
    pub fn request(&mut self, tiles: &[TileKey], refresh: bool) -> Result<(), PendingFull> {
        let new = tiles
            .iter()
            .filter(|t| !self.pending.iter().any(|(p, _)| p == *t))
            .count();
        if self.pending.len() + new > MAX_PENDING {
            return Err(PendingFull);
        }
        for tile in tiles {
            match self.pending.iter_mut().find(|(p, _)| p == tile) {
                Some(entry) => entry.1 = refresh,
                None => self.pending.push_back((*tile, refresh)),
            }
        }
        Ok(())
    }

    /// Queues a `window-tile` request; refuses it when [`MAX_PENDING_WINDOW_TILES`] wait.
    pub fn request_window(&mut self, tile: WindowTile) -> Result<(), PendingFull> {
        if self.pending_windows.len() >= MAX_PENDING_WINDOW_TILES {
            return Err(PendingFull);
        }
        self.pending_windows.push_back(tile);
        Ok(())
    }

    /// The next window tile to ask the kit for, if the window has room.
    pub fn next_window(&mut self) -> Option<WindowTile> {
        if self.in_flight >= WINDOW {
            return None;
        }
        let next = self.pending_windows.pop_front()?;
        self.in_flight += 1;
        Some(next)
    }

    /// The next tile to ask the kit for, if the window has room.
    pub fn next(&mut self) -> Option<(TileKey, bool)> {
        if self.in_flight >= WINDOW {
            return None;
        }
        let next = self.pending.pop_front()?;
        self.in_flight += 1;
        Some(next)
    }

    /// The client handled `count` answers.
    pub fn acknowledge(&mut self, count: u32) {
        self.in_flight = self.in_flight.saturating_sub(count);
    }

    /// The kit refused a tile: it will not be answered, so it leaves the window.
    pub fn failed(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    /// Records the pixels sent for `key`; true when they equal what was sent before.
    pub fn same_as_sent(&mut self, key: TileKey, png: &[u8]) -> bool {
        let mut hasher = DefaultHasher::new();
        png.hash(&mut hasher);
        let hash = hasher.finish();
        if self.sent.len() >= MAX_REMEMBERED {
            self.sent.clear();
        }
        self.sent.insert(key, hash) == Some(hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::editing::protocol::test_tile_column as key;

    #[test]
    fn the_window_bounds_what_is_in_flight() {
        let mut flow = TileFlow::default();
        let tiles: Vec<_> = (0..100).map(key).collect();
        flow.request(&tiles, false).unwrap();
        let mut taken = 0;
        while flow.next().is_some() {
            taken += 1;
        }
        assert_eq!(taken, WINDOW);
        flow.acknowledge(2);
        assert!(flow.next().is_some());
        assert!(flow.next().is_some());
        assert!(flow.next().is_none());
    }

    #[test]
    fn repeated_requests_replace_and_overflow_is_refused() {
        let mut flow = TileFlow::default();
        flow.request(&[key(1), key(1)], false).unwrap();
        flow.request(&[key(1)], true).unwrap();
        assert_eq!(flow.next(), Some((key(1), true)));
        let many: Vec<_> = (0..MAX_PENDING as i64 + 1).map(key).collect();
        assert_eq!(flow.request(&many, false), Err(PendingFull));
    }

    #[test]
    fn window_tiles_share_the_window() {
        let mut flow = TileFlow::default();
        let tiles: Vec<_> = (0..31).map(key).collect();
        flow.request(&tiles, false).unwrap();
        while flow.next().is_some() {}
        let dialog = WindowTile {
            id: 4,
            x: 0,
            y: 0,
            width: 500,
            height: 400,
            scale: "1".into(),
        };
        flow.request_window(dialog.clone()).unwrap();
        flow.request_window(dialog.clone()).unwrap();
        assert_eq!(flow.next_window(), Some(dialog.clone()));
        assert_eq!(flow.next_window(), None, "32 in flight");
        flow.failed();
        assert_eq!(flow.next_window(), Some(dialog.clone()));
        for _ in 0..MAX_PENDING_WINDOW_TILES {
            flow.request_window(dialog.clone()).unwrap();
        }
        assert_eq!(flow.request_window(dialog), Err(PendingFull));
    }

    #[test]
    fn neighbouring_tiles_of_one_geometry_go_to_the_kit_as_rows() {
        let at = |x: i64, y: i64| TileKey { x, y, ..key(0) };
        // Out of order, a gap, another row and another size.
        let smaller = TileKey {
            width: 128,
            ..at(3840, 0)
        };
        let tiles = vec![
            (at(7680, 0), 3),
            (at(0, 0), 1),
            (at(3840, 0), 2),
            (at(15360, 0), 4),
            (at(0, 3840), 5),
            (smaller, 6),
        ];
        let ids: Vec<Vec<u64>> = kit_rows(tiles)
            .iter()
            .map(|row| row.iter().map(|(_, id)| *id).collect())
            .collect();
        assert_eq!(ids, vec![vec![6], vec![1, 2, 3], vec![4], vec![5]]);
        // At most 1024 px: five 256 px tiles make a row of four and one of one.
        let five = (0..5).map(|i| (at(i * 3840, 0), i as u64)).collect();
        let lengths: Vec<usize> = kit_rows(five).iter().map(Vec::len).collect();
        assert_eq!(lengths, vec![4, 1]);
    }

    #[test]
    fn unchanged_pixels_are_recognised() {
        let mut flow = TileFlow::default();
        assert!(!flow.same_as_sent(key(0), b"png1"));
        assert!(flow.same_as_sent(key(0), b"png1"));
        assert!(!flow.same_as_sent(key(0), b"png2"));
    }
}
