//! Tile requests: bounded geometry, `paintPartTile`, premultiplied BGRA → straight RGBA → PNG.
//!
//! A request may name a row of `count` neighbouring tiles (`ids` then gives each its id): they
//! are painted in one LibreOffice call on a canvas `count` tiles wide and cut into tiles, each
//! answered on its own. LibreOffice's cost per call is about a third of a tile's (the 7-page
//! docx: 0.65× the time per tile for rows of 3, `oxool-bench --png`); in a text document the
//! cut tiles are the pixels of tiles painted one by one (tests/tests/kit_tile_rows.rs says
//! where other documents differ).
//!
//! A tile request is the cheapest way for a client to make a kit work hard, so every number is
//! checked before LibreOffice sees it: the canvas is at most 1024 × 1024 px (4 MiB of pixels),
//! the area is positive and starts inside the document (plus a margin for the last row and
//! column of tiles), and the zoom stays between 1 and 300 twips per pixel (1500 % … 5 %).

use oxool_proto::tile::TileGeometry;
use oxool_proto::{FromKit, Message};

use super::args::{self, ArgError};
use crate::lok::{Document, LokError, TileArea, TileMode};

/// The largest canvas side in pixels (wsd refuses larger requests already).
pub const MAX_TILE_PIXELS: i64 = oxool_proto::limits::MAX_TILE_PIXELS as i64;
/// How far past the document's size (twips) a tile may start: one row or column of tiles at
/// low zoom, and the empty cells a Calc client scrolls into.
pub const DOCUMENT_MARGIN_TWIPS: i64 = 50_000;
/// Zoom bounds, in twips per pixel (15 at 100 %).
pub const MIN_TWIPS_PER_PIXEL: i64 = 1;
pub const MAX_TWIPS_PER_PIXEL: i64 = 300;

#[derive(Debug, thiserror::Error)]
pub enum TileError {
    #[error(transparent)]
    Argument(#[from] ArgError),
    #[error("the tile lies outside the document: {0}")]
    OutsideDocument(String),
    #[error("the zoom is out of range: {0}")]
    Zoom(String),
    #[error("LibreOffice could not paint the tile: {0}")]
    Paint(#[source] LokError),
    #[error("LibreOffice paints tiles in an unknown pixel layout ({0:?})")]
    PixelLayout(TileMode),
    #[error("PNG encoding failed: {0}")]
    Encode(#[from] png::EncodingError),
}

/// One `tile` request, checked: every number of its geometry also fits an `i32`, which is what
/// LibreOffice takes. `geometry` is the first (leftmost) tile of the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileRequest {
    pub id: Option<u64>,
    pub geometry: TileGeometry,
    /// Tiles in the row, 1 unless the request says `count`; the row is at most
    /// [`MAX_TILE_PIXELS`] wide.
    pub count: u32,
    /// With `count` > 1: each tile's id, left to right (`ids=`), when the request gave them.
    pub ids: Vec<u64>,
    /// How its PNGs are compressed: [`PngSpeed::Fast`] when wsd asks with `fast=1`.
    pub speed: PngSpeed,
}

/// How hard a tile's PNG is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PngSpeed {
    /// zlib level [`oxool_proto::limits::TILE_PNG_ZLIB_LEVEL`]: the PNG a client receives.
    Small,
    /// fdeflate (png's `Compression::Fast`): ~10× faster for ~3× the bytes. wsd asks for it
    /// when every session that asked will get a delta made from the decoded pixels, not this
    /// PNG (docs/kit-protocol.md).
    Fast,
}

impl TileRequest {
    /// Parses and checks a request against the document's part count and size (twips).
    pub fn parse(
        message: &Message,
        parts: i32,
        document_size: (i64, i64),
    ) -> Result<TileRequest, TileError> {
        let id = match message.get("id") {
            None => None,
            Some(_) => Some(args::int_in(message, "id", 0..=i64::from(u32::MAX))? as u64),
        };
        let part = args::int_in(message, "part", 0..=i64::from(parts.max(1) - 1))?;
        let width = args::int_in(message, "width", 1..=MAX_TILE_PIXELS)?;
        let height = args::int_in(message, "height", 1..=MAX_TILE_PIXELS)?;
        let positive = 1..=i64::from(i32::MAX);
        let tw = args::int_in(message, "tw", positive.clone())?;
        let th = args::int_in(message, "th", positive)?;
        let x = args::int_in(message, "x", 0..=i64::from(i32::MAX))?;
        let y = args::int_in(message, "y", 0..=i64::from(i32::MAX))?;
        let count = args::int_or(message, "count", 1..=(MAX_TILE_PIXELS / width).max(1), 1)?;
        let speed = match args::int_or(message, "fast", 0..=1, 0)? {
            1 => PngSpeed::Fast,
            _ => PngSpeed::Small,
        };
        let ids = match message.get("ids") {
            None => Vec::new(),
            Some(list) => {
                let ids: Vec<u64> = list
                    .split(',')
                    .map(|id| id.parse::<u32>().map(u64::from))
                    .collect::<Result<_, _>>()
                    .map_err(|_| ArgError::Invalid {
                        key: "ids",
                        detail: format!("{:?} is not a list of numbers", truncated(list)),
                    })?;
                if ids.len() as i64 != count {
                    return Err(ArgError::Invalid {
                        key: "ids",
                        detail: format!("{} ids for {count} tiles", ids.len()),
                    }
                    .into());
                }
                ids
            }
        };
        for (side, twips, pixels) in [("tw/width", tw, width), ("th/height", th, height)] {
            let zoom_range =
                pixels * MIN_TWIPS_PER_PIXEL..=pixels.saturating_mul(MAX_TWIPS_PER_PIXEL);
            if !zoom_range.contains(&twips) {
                return Err(TileError::Zoom(format!(
                    "{side} = {twips}/{pixels} must be {MIN_TWIPS_PER_PIXEL}..={MAX_TWIPS_PER_PIXEL} twips per pixel"
                )));
            }
        }
        let (doc_w, doc_h) = document_size;
        // Every tile of the row must start where a tile of its own may.
        let last_x = x + (count - 1) * tw;
        if last_x > doc_w + DOCUMENT_MARGIN_TWIPS || y > doc_h + DOCUMENT_MARGIN_TWIPS {
            return Err(TileError::OutsideDocument(format!(
                "({last_x}, {y}) starts beyond the document's {doc_w} × {doc_h} twips + {DOCUMENT_MARGIN_TWIPS}"
            )));
        }
        // Every number is inside a range checked above, so the casts are lossless.
        Ok(TileRequest {
            id,
            geometry: TileGeometry {
                part: part as u32,
                x,
                y,
                tw: tw as u32,
                th: th as u32,
                width: width as u32,
                height: height as u32,
            },
            count: count as u32,
            ids,
            speed,
        })
    }

    /// The `index`th tile of the row: its geometry and id.
    fn tile(&self, index: u32) -> (TileGeometry, Option<u64>) {
        let geometry = TileGeometry {
            x: self.geometry.x + i64::from(index) * i64::from(self.geometry.tw),
            ..self.geometry
        };
        let id = match self.ids.get(index as usize) {
            Some(id) => Some(*id),
            None if index == 0 => self.id,
            None => None,
        };
        (geometry, id)
    }

    /// The ids an error about this request names: each tile's, or the one `id`.
    pub fn all_ids(&self) -> Vec<u64> {
        match (self.ids.is_empty(), self.id) {
            (false, _) => self.ids.clone(),
            (true, Some(id)) => vec![id],
            (true, None) => Vec::new(),
        }
    }

    /// The header of the answer for the `index`th tile, echoing its geometry and id so wsd can
    /// match it to its request.
    pub fn answer_header(&self, view: &str, index: u32) -> String {
        let (geometry, id) = self.tile(index);
        let mut message = Message::new(FromKit::Tile.name()).arg("view", view);
        if let Some(id) = id {
            message = message.arg("id", id);
        }
        geometry.write_args(message).arg("format", "png").render()
    }
}

/// Paints the row of tiles with the current view in one call: each tile's straight RGBA pixels,
/// left to right (tile_encoder.rs encodes them).
pub fn paint(document: &Document, request: &TileRequest) -> Result<Vec<Vec<u8>>, TileError> {
    let mode = document.tile_mode().map_err(TileError::Paint)?;
    let geometry = &request.geometry;
    let (width, height) = (geometry.width as usize, geometry.height as usize);
    let row_width = width * request.count as usize;
    let mut pixels = vec![0u8; row_width * height * 4];
    // TileRequest::parse checked that every number fits an i32.
    document
        .paint_part_tile(
            &mut pixels,
            geometry.part as i32,
            // count × width ≤ MAX_TILE_PIXELS and count × tw ≤ the document's width plus a
            // margin (parse), so these fit an i32 too.
            TileArea {
                canvas_w: row_width as i32,
                canvas_h: geometry.height as i32,
                pos_x: geometry.x as i32,
                pos_y: geometry.y as i32,
                tile_w: (i64::from(geometry.tw) * i64::from(request.count)) as i32,
                tile_h: geometry.th as i32,
            },
        )
        .map_err(TileError::Paint)?;
    match mode {
        TileMode::Bgra => unpremultiply(&mut pixels, true),
        TileMode::Rgba => unpremultiply(&mut pixels, false),
        other => return Err(TileError::PixelLayout(other)),
    }
    if request.count == 1 {
        return Ok(vec![pixels]);
    }
    Ok((0..request.count as usize)
        .map(|index| {
            let column = index * width * 4;
            let mut tile = Vec::with_capacity(width * height * 4);
            for line in pixels.chunks_exact(row_width * 4) {
                tile.extend_from_slice(&line[column..column + width * 4]);
            }
            tile
        })
        .collect())
}

/// At most 32 characters of a client's text, for an error message.
fn truncated(text: &str) -> String {
    text.chars().take(32).collect()
}

/// Premultiplied BGRA (or RGBA) → straight RGBA, in place.
pub fn unpremultiply(pixels: &mut [u8], bgra: bool) {
    for pixel in pixels.chunks_exact_mut(4) {
        if bgra {
            pixel.swap(0, 2);
        }
        let alpha = u32::from(pixel[3]);
        if alpha == 0 || alpha == 255 {
            continue;
        }
        for channel in &mut pixel[..3] {
            *channel = ((u32::from(*channel) * 255 + alpha / 2) / alpha).min(255) as u8;
        }
    }
}

/// Straight RGBA → PNG at [`oxool_proto::limits::TILE_PNG_ZLIB_LEVEL`] with adaptive filters:
/// on real tiles a quarter of the fastest setting's size for ~0.7 ms of encoding
/// (docs/benchmarks.md, "PNG encoding of tiles"); bytes per typed character are what
/// co-editing over slow links pays for.
pub fn encode_png(rgba: &[u8], width: u32, height: u32) -> Result<Vec<u8>, png::EncodingError> {
    encode_png_at(rgba, width, height, PngSpeed::Small)
}

/// [`encode_png`] at `speed`.
pub fn encode_png_at(
    rgba: &[u8],
    width: u32,
    height: u32,
    speed: PngSpeed,
) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::with_capacity(rgba.len() / 8);
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    match speed {
        PngSpeed::Small => {
            encoder.set_compression(png::Compression::Balanced);
            encoder.set_deflate_compression(png::DeflateCompression::Level(
                oxool_proto::limits::TILE_PNG_ZLIB_LEVEL,
            ));
        }
        PngSpeed::Fast => encoder.set_compression(png::Compression::Fast),
    }
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgba)?;
    writer.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(line: &str) -> Result<TileRequest, TileError> {
        TileRequest::parse(&Message::parse(line).unwrap(), 2, (12240, 15840))
    }

    #[test]
    fn ordinary_tiles_pass() {
        let tile =
            request("tile view=a part=0 width=256 height=256 x=0 y=3840 tw=3840 th=3840 id=7")
                .unwrap();
        assert_eq!(tile.id, Some(7));
        assert_eq!(tile.geometry.y, 3840);
        assert!(tile
            .answer_header("a", 0)
            .starts_with("tile view=a id=7 part=0"));
        assert_eq!(tile.count, 1);
    }

    #[test]
    fn a_row_names_each_tile_with_its_own_id_and_place() {
        let row = request(
            "tile view=a part=0 width=256 height=256 x=3840 y=0 tw=3840 th=3840 count=3 ids=4,5,6",
        )
        .unwrap();
        assert_eq!(row.count, 3);
        assert_eq!(row.all_ids(), vec![4, 5, 6]);
        assert!(row
            .answer_header("a", 2)
            .starts_with("tile view=a id=6 part=0 x=11520 y=0 tw=3840"));
    }

    #[test]
    fn absurd_rows_are_refused() {
        for line in [
            // Wider than 1024 px.
            "tile part=0 width=256 height=256 x=0 y=0 tw=3840 th=3840 count=5",
            "tile part=0 width=1024 height=256 x=0 y=0 tw=3840 th=3840 count=2",
            "tile part=0 width=256 height=256 x=0 y=0 tw=3840 th=3840 count=0",
            // Ids that do not match the count, or are not numbers.
            "tile part=0 width=256 height=256 x=0 y=0 tw=3840 th=3840 count=2 ids=1",
            "tile part=0 width=256 height=256 x=0 y=0 tw=3840 th=3840 count=2 ids=1,x",
            // The last tile would start beyond the document (12240 + 50000 twips).
            "tile part=0 width=256 height=256 x=60000 y=0 tw=3840 th=3840 count=2",
        ] {
            assert!(request(line).is_err(), "{line}");
        }
    }

    #[test]
    fn absurd_tiles_are_refused() {
        for line in [
            "tile part=0 width=100000 height=256 x=0 y=0 tw=3840 th=3840",
            "tile part=0 width=256 height=0 x=0 y=0 tw=3840 th=3840",
            "tile part=0 width=256 height=256 x=-1 y=0 tw=3840 th=3840",
            "tile part=0 width=256 height=256 x=0 y=0 tw=-3840 th=3840",
            "tile part=5 width=256 height=256 x=0 y=0 tw=3840 th=3840",
            "tile part=0 width=256 height=256 x=0 y=99999999 tw=3840 th=3840",
            "tile part=0 width=256 height=256 x=0 y=0 tw=2147483647 th=3840",
            "tile part=0 width=256 height=256 x=0 y=0 tw=1 th=3840",
            "tile part=0 width=256 x=0 y=0 tw=3840 th=3840",
            "tile part=0 width=abc height=256 x=0 y=0 tw=3840 th=3840",
        ] {
            assert!(request(line).is_err(), "{line}");
        }
        let err = request("tile part=0 width=4096 height=256 x=0 y=0 tw=3840 th=3840").unwrap_err();
        assert!(err.to_string().contains("\"width\""), "{err}");
    }

    #[test]
    fn unpremultiplies_and_swaps() {
        // Half-transparent pure red, premultiplied, in BGRA order.
        let mut pixels = vec![0, 0, 128, 128, 255, 255, 255, 255, 0, 0, 0, 0];
        unpremultiply(&mut pixels, true);
        assert_eq!(&pixels[..4], &[255, 0, 0, 128]);
        assert_eq!(&pixels[4..8], &[255, 255, 255, 255]);
        assert_eq!(&pixels[8..], &[0, 0, 0, 0]);
    }

    #[test]
    fn png_round_trips_at_both_speeds() {
        let rgba: Vec<u8> = (0..16 * 8 * 4).map(|i| (i % 251) as u8).collect();
        for speed in [PngSpeed::Small, PngSpeed::Fast] {
            let png = encode_png_at(&rgba, 16, 8, speed).unwrap();
            let decoder = png::Decoder::new(std::io::Cursor::new(png));
            let mut reader = decoder.read_info().unwrap();
            let mut out = vec![0; reader.output_buffer_size().expect("a tile-sized image")];
            let info = reader.next_frame(&mut out).unwrap();
            assert_eq!((info.width, info.height), (16, 8));
            assert_eq!(&out[..info.buffer_size()], &rgba[..], "{speed:?}");
        }
    }

    #[test]
    fn fast_compression_is_asked_for_with_fast_1() {
        let line = "tile view=a part=0 width=256 height=256 x=0 y=0 tw=3840 th=3840";
        assert_eq!(request(line).unwrap().speed, PngSpeed::Small);
        let fast = request(&format!("{line} fast=1")).unwrap();
        assert_eq!(fast.speed, PngSpeed::Fast);
        assert!(request(&format!("{line} fast=2")).is_err());
    }
}
