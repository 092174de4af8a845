//! The tiles a web client asks for at 100 % zoom: squares of 256 px covering 3840 twips, four
//! across a page.

pub const TILE_PX: u32 = 256;
pub const TILE_TWIPS: i64 = 3840;
/// Tiles across a page's width.
pub const PAGE_COLUMNS: i64 = 4;

/// The twip positions of the tiles in `rows` (counted from the document's top), a page wide.
pub fn page_tiles(rows: std::ops::Range<i64>) -> Vec<(i64, i64)> {
    rows.flat_map(|row| (0..PAGE_COLUMNS).map(move |col| (col * TILE_TWIPS, row * TILE_TWIPS)))
        .collect()
}
