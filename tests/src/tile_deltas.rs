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
    /// Deltas with a move (`mx … sx`).
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
        if answer.get("mx").is_some() {
            self.moves += 1;
            let (mx, my) = (number(answer, "mx"), number(answer, "my"));
            let (mw, mh) = (number(answer, "mw"), number(answer, "mh"));
            let sx: i64 = answer
                .get("sx")
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("sx in {answer}"))?;
            let source = i64::from(mx) - sx;
            if mx + mw > width
                || my + mh > height
                || source < 0
                || source + i64::from(mw) > i64::from(width)
            {
                return Err(format!("a move outside its tile: {answer}"));
            }
            let held = tile.clone();
            let (stride, row) = (width as usize * 4, mw as usize * 4);
            for y in my as usize..(my + mh) as usize {
                let to = y * stride + mx as usize * 4;
                let from = y * stride + source as usize * 4;
                tile[to..to + row].copy_from_slice(&held[from..from + row]);
            }
        }
        let (dx, dy) = (number(answer, "dx"), number(answer, "dy"));
        let (dw, dh) = (number(answer, "dw"), number(answer, "dh"));
        if dw == 0 && dh == 0 && answer.body.is_empty() {
            return Ok(());
        }
        if dw == 0 || dh == 0 || dx + dw > width || dy + dh > height {
            return Err(format!("a delta outside its tile: {answer}"));
        }
        let patch = decode_png(&answer.body, dw, dh);
        let (stride, row) = (width as usize * 4, dw as usize * 4);
        for line in 0..dh as usize {
            let to = (dy as usize + line) * stride + dx as usize * 4;
            tile[to..to + row].copy_from_slice(&patch[line * row..(line + 1) * row]);
        }
        Ok(())
    }
}
