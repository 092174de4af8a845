//! Tile deltas (docs/protocol.md, "Tile deltas"): when a refreshed tile changed, a client that
//! asked for deltas gets only the rows that changed, as moves of pixels it holds and a PNG of
//! the rest (tile_shift.rs), instead of the whole tile. A typed character changes a strip of
//! one line, so the delta is a few hundred bytes where the whole tile is ~13 KB.
//!
//! The kit sends PNGs; wsd keeps, per session, the last PNG each tile was answered with (the
//! "base", bounded by [`MAX_BASE_BYTES`], least recently sent forgotten first) and decodes the
//! base and the new tile to find the changed band. A tile without a base, or whose delta
//! would not be smaller, goes out whole.

use std::collections::{HashMap, VecDeque};
use std::io::Cursor;
use std::sync::Arc;

use oxool_proto::Message;

use super::protocol::{tile_header, TileKey};
pub use super::tile_rect::{changed_rect, Rect};
use super::tile_shift::{self, BandPlan};

/// A tile's PNG as the kit sent it, shared by every session it goes to and by their bases.
pub type Png = Arc<[u8]>;

/// The PNGs remembered per session as delta bases: ~150 text tiles, a large screen's worth.
pub const MAX_BASE_BYTES: usize = 2 * 1024 * 1024;

/// A tile delta: the rows that changed (`band`: its `y` and `height`; `x` and `width` bound
/// the columns that changed), how they are rebuilt (moves of held pixels and patch runs), and
/// the patch image as a PNG (empty when the moves explain every change).
#[derive(Debug)]
pub struct Delta {
    pub band: Rect,
    pub plan: BandPlan,
    pub png: Vec<u8>,
}

/// The header of a tile delta: the band's rows (`dy dh`), then `moves=x:w:sx,…` and
/// `patch=x:w,…` when there are any (docs/protocol.md, "Tile deltas").
pub fn tile_delta_header(key: &TileKey, delta: &Delta) -> Message {
    let mut header = tile_header(key)
        .arg("format", "png")
        .arg("delta", 1)
        .arg("dy", delta.band.y)
        .arg("dh", delta.band.height);
    if !delta.plan.moves.is_empty() {
        let moves: Vec<String> = delta
            .plan
            .moves
            .iter()
            .map(|m| format!("{}:{}:{}", m.x, m.width, m.sx))
            .collect();
        header = header.arg("moves", moves.join(","));
    }
    if !delta.plan.patch.is_empty() {
        let runs: Vec<String> = delta
            .plan
            .patch
            .iter()
            .map(|run| format!("{}:{}", run.x, run.width))
            .collect();
        header = header.arg("patch", runs.join(","));
    }
    header
}

/// The last PNG sent per tile, for one session, least recently sent forgotten first.
#[derive(Default)]
pub struct DeltaBases {
    bases: HashMap<TileKey, (Png, u64)>,
    bytes: usize,
    clock: u64,
}

impl DeltaBases {
    /// Forgets and returns the base of `key`.
    pub fn take(&mut self, key: &TileKey) -> Option<Png> {
        let (png, _) = self.bases.remove(key)?;
        self.bytes -= png.len();
        Some(png)
    }

    /// Remembers `png` as what the client now holds for `key`.
    pub fn keep(&mut self, key: TileKey, png: Png) {
        if let Some((old, _)) = self.bases.remove(&key) {
            self.bytes -= old.len();
        }
        if png.len() > MAX_BASE_BYTES {
            return;
        }
        while self.bytes + png.len() > MAX_BASE_BYTES {
            let Some(oldest) = self
                .bases
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| *k)
            else {
                break;
            };
            self.take(&oldest);
        }
        self.clock += 1;
        self.bytes += png.len();
        self.bases.insert(key, (png, self.clock));
    }

    /// Whether the client holds a base for `key`.
    pub fn has(&self, key: &TileKey) -> bool {
        self.bases.contains_key(key)
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

/// Decodes a tile PNG of exactly `width` × `height` straight RGBA pixels; None otherwise (the
/// kit runs a hostile document: its PNG is checked before anything is allocated for it).
pub fn decode(png: &[u8], width: u32, height: u32) -> Option<Vec<u8>> {
    let decoder = png::Decoder::new(Cursor::new(png));
    let mut reader = decoder.read_info().ok()?;
    let info = reader.info();
    if (info.width, info.height) != (width, height)
        || info.color_type != png::ColorType::Rgba
        || info.bit_depth != png::BitDepth::Eight
        || info.interlaced
    {
        return None;
    }
    let mut pixels = vec![0u8; reader.output_buffer_size()?];
    reader.next_frame(&mut pixels).ok()?;
    Some(pixels)
}

/// Straight RGBA pixels as PNG: grey when every pixel is an opaque grey (text on white: a
/// quarter of the raw bytes, and deflate finds far more repeats), RGB when every pixel is
/// opaque, RGBA otherwise. A PNG decoder gives back the same RGBA pixels.
pub fn encode_pixels(rgba: Vec<u8>, width: u32, height: u32) -> Option<Vec<u8>> {
    let opaque = rgba.chunks_exact(4).all(|p| p[3] == 255);
    let grey = opaque && rgba.chunks_exact(4).all(|p| p[0] == p[1] && p[1] == p[2]);
    let (color, data) = if grey {
        let data = rgba.chunks_exact(4).map(|p| p[0]).collect();
        (png::ColorType::Grayscale, data)
    } else if opaque {
        let mut data = Vec::with_capacity(rgba.len() / 4 * 3);
        for p in rgba.chunks_exact(4) {
            data.extend_from_slice(&p[..3]);
        }
        (png::ColorType::Rgb, data)
    } else {
        (png::ColorType::Rgba, rgba)
    };
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(color);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Balanced);
    encoder.set_deflate_compression(png::DeflateCompression::Level(
        oxool_proto::limits::TILE_PNG_ZLIB_LEVEL,
    ));
    let mut writer = encoder.write_header().ok()?;
    writer.write_image_data(&data).ok()?;
    writer.finish().ok()?;
    Some(out)
}

/// Tiles decoded and compared lately, shared by a document's sessions: viewers of one document
/// are sent the same PNGs and hold the same bases, so each PNG is decoded once and each
/// base → new comparison made once, not once per session.
#[derive(Default)]
pub struct DecodedTiles {
    /// (PNG, its size, its pixels), most recent last.
    recent: VecDeque<(Png, Size, Arc<Vec<u8>>)>,
    /// (base, new, size, what they compare to), most recent last.
    compared: VecDeque<(Png, Png, Size, Arc<Compared>)>,
}

/// A tile's width and height in pixels.
type Size = (u32, u32);

/// Decoded tiles and comparisons kept per document: 8 × 256 KiB at 256 px.
const DECODED_KEPT: usize = 8;
const COMPARED_KEPT: usize = 8;

/// The same PNG: the same allocation (what a document's sessions share), or the same bytes.
fn same_png(a: &Png, b: &Png) -> bool {
    Arc::ptr_eq(a, b) || a[..] == b[..]
}

impl DecodedTiles {
    /// The pixels of `png` ([`decode`]), decoded again only when not among the recent ones.
    pub fn pixels(&mut self, png: &Png, width: u32, height: u32) -> Option<Arc<Vec<u8>>> {
        let size = (width, height);
        if let Some(i) = self
            .recent
            .iter()
            .position(|(p, s, _)| *s == size && same_png(p, png))
        {
            let entry = self.recent.remove(i)?;
            let pixels = entry.2.clone();
            self.recent.push_back(entry);
            return Some(pixels);
        }
        let pixels = Arc::new(decode(png, width, height)?);
        self.recent.push_back((png.clone(), size, pixels.clone()));
        if self.recent.len() > DECODED_KEPT {
            self.recent.pop_front();
        }
        Some(pixels)
    }
}

/// The delta from the tile the client holds (`base`) to `new`; None when either does not
/// decode or nothing changed.
pub fn delta(base: &[u8], new: &[u8], width: u32, height: u32) -> Option<Delta> {
    let (base, new): (Png, Png) = (base.into(), new.into());
    let compared = compare(&mut DecodedTiles::default(), &base, &new, width, height);
    match Arc::try_unwrap(compared).ok()? {
        Compared::Changed(delta) => Some(delta),
        Compared::Same | Compared::Unknown => None,
    }
}

/// What a new tile is to the one the client holds.
#[derive(Debug)]
pub enum Compared {
    /// The same pixels (the two PNGs may still differ: the kit compresses some faster).
    Same,
    /// Changed: the delta that rebuilds it.
    Changed(Delta),
    /// One of them does not decode as a tile of this size.
    Unknown,
}

/// Compares the tile the client holds (`base`) with `new`, through a document's
/// [`DecodedTiles`]: a comparison made lately for another session is not made again.
pub fn compare(
    decoded: &mut DecodedTiles,
    base: &Png,
    new: &Png,
    width: u32,
    height: u32,
) -> Arc<Compared> {
    let size = (width, height);
    let made = decoded
        .compared
        .iter()
        .find(|(b, n, s, _)| *s == size && Arc::ptr_eq(b, base) && Arc::ptr_eq(n, new));
    if let Some((_, _, _, compared)) = made {
        return compared.clone();
    }
    let compared = Arc::new(match changed_pixels(decoded, base, new, width, height) {
        Some(Some(delta)) => Compared::Changed(delta),
        Some(None) => Compared::Same,
        None => Compared::Unknown,
    });
    decoded
        .compared
        .push_back((base.clone(), new.clone(), size, compared.clone()));
    if decoded.compared.len() > COMPARED_KEPT {
        decoded.compared.pop_front();
    }
    compared
}

fn changed_pixels(
    decoded: &mut DecodedTiles,
    base: &Png,
    new: &Png,
    width: u32,
    height: u32,
) -> Option<Option<Delta>> {
    let old = decoded.pixels(base, width, height)?;
    let new = decoded.pixels(new, width, height)?;
    let Some(band) = changed_rect(&old, &new, width, height) else {
        return Some(None);
    };
    let plan = tile_shift::plan_band(&old, &new, width, band);
    let png = match plan.patch_width() {
        0 => Vec::new(),
        patch_width => encode_pixels(
            tile_shift::patch_pixels(&new, width, band, &plan),
            patch_width,
            band.height,
        )?,
    };
    Some(Some(Delta { band, plan, png }))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn tile(width: u32, height: u32, paint: &[(u32, u32, [u8; 4])]) -> Vec<u8> {
        let mut pixels = vec![255u8; (width * height * 4) as usize];
        for &(x, y, rgba) in paint {
            let i = ((y * width + x) * 4) as usize;
            pixels[i..i + 4].copy_from_slice(&rgba);
        }
        pixels
    }

    /// A tile as the kit encodes it: always RGBA.
    fn kit_png(pixels: &[u8], width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(pixels).unwrap();
        writer.finish().unwrap();
        out
    }

    fn patch(pixels: &[u8], width: u32, height: u32) -> Vec<u8> {
        encode_pixels(pixels.to_vec(), width, height).unwrap()
    }

    /// What a client does with a delta: the moves, then the patch runs.
    fn apply(pixels: &mut [u8], width: u32, delta: &Delta) {
        let patch = match delta.png.is_empty() {
            true => Vec::new(),
            false => decode_any(&delta.png),
        };
        tile_shift::apply_plan(pixels, width, delta.band, &delta.plan, &patch);
    }

    /// Any 8-bit PNG as straight RGBA, as a browser decodes it.
    pub(crate) fn decode_any(png: &[u8]) -> Vec<u8> {
        let mut reader = png::Decoder::new(Cursor::new(png)).read_info().unwrap();
        let mut data = vec![0u8; reader.output_buffer_size().expect("a tile-sized image")];
        let info = reader.next_frame(&mut data).unwrap();
        match info.color_type {
            png::ColorType::Grayscale => data.iter().flat_map(|&g| [g, g, g, 255]).collect(),
            png::ColorType::Rgb => data
                .chunks(3)
                .flat_map(|p| [p[0], p[1], p[2], 255])
                .collect(),
            _ => data,
        }
    }

    #[test]
    fn grey_and_opaque_patches_decode_to_the_same_pixels() {
        let grey = tile(8, 4, &[(2, 1, [40, 40, 40, 255])]);
        let opaque = tile(8, 4, &[(2, 1, [40, 41, 40, 255])]);
        let clear = tile(8, 4, &[(2, 1, [40, 40, 40, 7])]);
        for pixels in [grey, opaque, clear] {
            assert_eq!(decode_any(&patch(&pixels, 8, 4)), pixels);
        }
    }

    #[test]
    fn the_rectangle_bounds_every_change() {
        let old = tile(16, 8, &[]);
        let new = tile(16, 8, &[(3, 2, [0, 0, 0, 255]), (9, 5, [1, 2, 3, 255])]);
        let rect = changed_rect(&old, &new, 16, 8).unwrap();
        assert_eq!(
            rect,
            Rect {
                x: 3,
                y: 2,
                width: 7,
                height: 4
            }
        );
        assert_eq!(changed_rect(&old, &old, 16, 8), None);
        let corner = tile(16, 8, &[(0, 7, [0, 0, 0, 0])]);
        let rect = changed_rect(&old, &corner, 16, 8).unwrap();
        assert_eq!((rect.x, rect.y, rect.width, rect.height), (0, 7, 1, 1));
        let edge = tile(16, 8, &[(15, 0, [0, 0, 0, 0]), (0, 0, [0, 0, 0, 0])]);
        let rect = changed_rect(&old, &edge, 16, 8).unwrap();
        assert_eq!((rect.x, rect.y, rect.width, rect.height), (0, 0, 16, 1));
    }

    #[test]
    fn a_delta_applied_to_the_base_gives_the_new_tile() {
        let old = tile(32, 32, &[(1, 1, [9, 9, 9, 255])]);
        let mut paint = Vec::new();
        for x in 5..20 {
            paint.push((x, 10 + x % 3, [x as u8, 0, 200, 128]));
        }
        let new = tile(32, 32, &paint);
        let delta = delta(&kit_png(&old, 32, 32), &kit_png(&new, 32, 32), 32, 32).unwrap();
        let mut held = old.clone();
        apply(&mut held, 32, &delta);
        assert_eq!(held, new);
    }

    #[test]
    fn a_tile_decodes_once_while_it_is_recent() {
        let mut decoded = DecodedTiles::default();
        let first: Png = kit_png(&tile(8, 8, &[(1, 1, [0, 0, 0, 255])]), 8, 8).into();
        let a = decoded.pixels(&first, 8, 8).unwrap();
        for x in 0..DECODED_KEPT as u32 - 1 {
            let other: Png = kit_png(&tile(8, 8, &[(x, 2, [0, 0, 0, 255])]), 8, 8).into();
            decoded.pixels(&other, 8, 8).unwrap();
        }
        let again = decoded.pixels(&first, 8, 8).unwrap();
        assert!(
            std::sync::Arc::ptr_eq(&a, &again),
            "still recent: not decoded again"
        );
        assert_eq!(*again, tile(8, 8, &[(1, 1, [0, 0, 0, 255])]));
        for x in 0..DECODED_KEPT as u32 {
            let other: Png = kit_png(&tile(8, 8, &[(x, 3, [0, 0, 0, 255])]), 8, 8).into();
            decoded.pixels(&other, 8, 8).unwrap();
        }
        let later = decoded.pixels(&first, 8, 8).unwrap();
        assert!(
            !std::sync::Arc::ptr_eq(&a, &later),
            "forgotten, decoded again"
        );
        assert_eq!(later, a);
        assert!(
            decoded.pixels(&first, 16, 4).is_none(),
            "asked as another size"
        );
    }

    #[test]
    fn sessions_holding_the_same_base_share_one_comparison() {
        let mut decoded = DecodedTiles::default();
        let base: Png = kit_png(&tile(8, 8, &[]), 8, 8).into();
        let new: Png = kit_png(&tile(8, 8, &[(3, 3, [0, 0, 0, 255])]), 8, 8).into();
        let first = compare(&mut decoded, &base, &new, 8, 8);
        let second = compare(&mut decoded, &base.clone(), &new.clone(), 8, 8);
        assert!(Arc::ptr_eq(&first, &second), "made once");
        assert!(matches!(*first, Compared::Changed(_)));
        // The same pixels in other bytes (the kit's fast PNG) are the same tile.
        let mut fast = Vec::new();
        let mut encoder = png::Encoder::new(&mut fast, 8, 8);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&tile(8, 8, &[])).unwrap();
        writer.finish().unwrap();
        assert_ne!(&fast[..], &base[..]);
        let same = compare(&mut decoded, &base, &fast.into(), 8, 8);
        assert!(matches!(*same, Compared::Same));
        let garbage: Png = b"not a png".to_vec().into();
        assert!(matches!(
            *compare(&mut decoded, &garbage, &new, 8, 8),
            Compared::Unknown
        ));
    }

    #[test]
    fn tiles_of_another_size_or_garbage_give_no_delta() {
        let small = kit_png(&tile(8, 8, &[]), 8, 8);
        assert!(delta(&small, &small, 16, 16).is_none());
        assert!(delta(b"not a png", &small, 8, 8).is_none());
    }

    #[test]
    fn bases_stay_within_their_budget_least_recent_first() {
        let mut bases = DeltaBases::default();
        let key = crate::editing::protocol::test_tile_column;
        let chunk = MAX_BASE_BYTES / 4;
        for x in 0..4 {
            bases.keep(key(x), vec![0; chunk].into());
        }
        bases.keep(key(0), vec![1; chunk].into());
        bases.keep(key(9), vec![2; chunk].into());
        assert!(bases.bytes() <= MAX_BASE_BYTES);
        assert!(bases.take(&key(1)).is_none(), "the least recent went first");
        assert_eq!(bases.take(&key(0)).as_deref(), Some(&vec![1; chunk][..]));
        assert!(bases.take(&key(9)).is_some());
    }
}
