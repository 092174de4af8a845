//! The geometry of one tile, as wsd asks the kit for it and the kit echoes it in its answer.
//!
//! wsd writes `tile part x y tw th width height view id`; the kit checks those numbers
//! (kit/src/session/tiles.rs) and answers `tile view id part x y tw th width height format=png`,
//! and wsd matches the answer to its request by the echoed geometry. Both sides write the
//! geometry with [`TileGeometry::write_args`] so the two cannot drift apart.

use crate::Message;

/// What a tile's pixels depend on besides the document: its part, its top-left corner and size
/// in twips, and its size in pixels. wsd also uses it as the key of its tile caches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileGeometry {
    pub part: u32,
    pub x: i64,
    pub y: i64,
    pub tw: u32,
    pub th: u32,
    pub width: u32,
    pub height: u32,
}

impl TileGeometry {
    /// `message` with the geometry appended: `part x y tw th width height`.
    pub fn write_args(&self, message: Message) -> Message {
        message
            .arg("part", self.part)
            .arg("x", self.x)
            .arg("y", self.y)
            .arg("tw", self.tw)
            .arg("th", self.th)
            .arg("width", self.width)
            .arg("height", self.height)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_geometry_in_wire_order() {
        let geometry = TileGeometry {
            part: 1,
            x: 3840,
            y: 7680,
            tw: 3840,
            th: 1920,
            width: 256,
            height: 128,
        };
        assert_eq!(
            geometry.write_args(Message::new("tile")).render(),
            "tile part=1 x=3840 y=7680 tw=3840 th=1920 width=256 height=128"
        );
    }
}
