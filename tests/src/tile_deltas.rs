//! A client's store of tiles that applies tile deltas (docs/protocol.md, "Tile deltas"): the
//! Rust mirror of what browser/src/tile-layer.js does with a `tile … delta=1` frame, for the
//! equality test (tests/tests/tile_deltas.rs) and the benchmark. Tiles are kept as straight
//! RGBA, decoded from the PNGs the server sends.

use std::collections::HashMap;
use std::io::Cursor;

use crate::ws::Incoming;

/// Tiles by their twip position, all of one size and zoom.
#[derive(Default)]
pub struct HeldTiles {
    tiles: HashMap<(i64, i64), Vec<u8>>,
    /// Answers handled so far: whole PNGs, deltas, `unchanged=1`.
    pub whole: usize,
    pub deltas: usize,
    /// Deltas with at least one move (`moves=…`).
    pub moves: usize,
    pub unchanged: usize,
}

/// Decodes an 8-bit PNG (grey, RGB or RGBA) into straight RGBA, as a browser does; panics when
/// it is not `width` × `height`.
pub fn decode_png(bytes: &[u8], width: u32, height: u32) -> Vec<u8> {
    let mut reader = png::Decoder::new(Cursor::new(bytes))
        .read_info()
        .expect("a PNG");
    let info = reader.info();
    assert_eq!((info.width, info.height), (width, height), "PNG size");
    assert_eq!(info.bit_depth, png::BitDepth::Eight, "8 bit");
    let mut data = vec![0; reader.output_buffer_size().expect("a tile-sized image")];
    let frame = reader.next_frame(&mut data).expect("PNG data");
    match frame.color_type {
        png::ColorType::Grayscale => data.iter().flat_map(|&g| [g, g, g, 255]).collect(),
        png::ColorType::Rgb => data
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        png::ColorType::Rgba => data,
        other => panic!("a {other:?} PNG"),
    }
}

/// A list argument of `n`-number runs (`moves=43:61:7,104:80:8`, `patch=36:7`); empty when the
/// argument is absent.
fn runs(answer: &Incoming, key: &str, n: usize) -> Result<Vec<Vec<i64>>, String> {
    let Some(list) = answer.get(key) else {
        return Ok(Vec::new());
    };
    list.split(',')
        .map(|run| {
            let numbers: Vec<i64> = run.split(':').filter_map(|v| v.parse().ok()).collect();
            match numbers.len() == n {
                true => Ok(numbers),
                false => Err(format!("{key}={list}: {run:?} is not {n} numbers")),
            }
        })
        .collect()
}

fn number(answer: &Incoming, key: &str) -> u32 {
    answer
        .get(key)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{key} in {answer}"))
}

impl HeldTiles {
    pub fn get(&self, at: (i64, i64)) -> Option<&[u8]> {
        self.tiles.get(&at).map(Vec::as_slice)
    }

    /// Handles one `tile` answer as the web client does; an answer the client cannot apply
    /// (a delta or `unchanged=1` for a tile it does not hold, a rectangle outside the tile) is
    /// an error.
    pub fn apply(&mut self, answer: &Incoming) -> Result<(), String> {
        assert!(answer.is_tile(), "{answer}");
        let at = (
            answer.get("x").and_then(|v| v.parse().ok()).unwrap_or(-1),
            answer.get("y").and_then(|v| v.parse().ok()).unwrap_or(-1),
        );
        let (width, height) = (number(answer, "width"), number(answer, "height"));
        if answer.get("unchanged") == Some("1") {
            self.unchanged += 1;
            return match self.tiles.contains_key(&at) {
                true => Ok(()),
                false => Err(format!("unchanged=1 for a tile not held: {answer}")),
            };
        }
        if !answer.binary || answer.get("format") != Some("png") {
            return Err(format!("not a PNG tile: {answer}"));
        }
        if answer.get("delta") != Some("1") {
            self.whole += 1;
            self.tiles
                .insert(at, decode_png(&answer.body, width, height));
            return Ok(());
        }
        self.deltas += 1;
        let Some(tile) = self.tiles.get_mut(&at) else {
            return Err(format!("a delta for a tile not held: {answer}"));
        };
        let (dy, dh) = (number(answer, "dy"), number(answer, "dh"));
        if dh == 0 || dy + dh > height {
            return Err(format!("a band outside its tile: {answer}"));
        }
        let moves = runs(answer, "moves", 3)?;
        let patch_runs = runs(answer, "patch", 2)?;
        if !moves.is_empty() {
            self.moves += 1;
        }
        let held = tile.clone();
        let stride = width as usize * 4;
        for run in &moves {
            let (x, w, sx) = (run[0], run[1], run[2]);
            if x < 0
                || w <= 0
                || x + w > i64::from(width)
                || x - sx < 0
                || x - sx + w > i64::from(width)
            {
                return Err(format!("a move outside its tile: {answer}"));
            }
            for y in dy as usize..(dy + dh) as usize {
                let to = y * stride + x as usize * 4;
                let from = y * stride + (x - sx) as usize * 4;
                tile[to..to + w as usize * 4].copy_from_slice(&held[from..from + w as usize * 4]);
            }
        }
        if patch_runs.is_empty() {
            return match answer.body.is_empty() {
                true => Ok(()),
                false => Err(format!("a payload without patch runs: {answer}")),
            };
        }
        let patch_width: i64 = patch_runs.iter().map(|run| run[1]).sum();
        if patch_runs
            .iter()
            .any(|run| run[0] < 0 || run[1] <= 0 || run[0] + run[1] > i64::from(width))
        {
            return Err(format!("a patch run outside its tile: {answer}"));
        }
        let patch = decode_png(&answer.body, patch_width as u32, dh);
        let patch_stride = patch_width as usize * 4;
        for line in 0..dh as usize {
            let mut from = line * patch_stride;
            for run in &patch_runs {
                let (x, len) = (run[0] as usize, run[1] as usize * 4);
                let to = (dy as usize + line) * stride + x * 4;
                tile[to..to + len].copy_from_slice(&patch[from..from + len]);
                from += len;
            }
        }
        Ok(())
    }
}
