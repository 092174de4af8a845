//! PNG encoding of tiles, a quarter of the kits' CPU in the capacity profile
//! (docs/benchmarks.md): real tiles painted by LibreOffice in a jailed kit (the 7-page docx, a
//! spreadsheet and slides), decoded, then encoded again with each candidate setting. The anchor
//! is what the kits used before, png 0.17 at its default compression, run in the same process;
//! each line reports its time and bytes as ratios to it.

use std::time::Instant;

use crate::kit_client::{KitClient, Rgba};

/// One encoder setting under test.
struct Candidate {
    label: &'static str,
    encode: fn(&Rgba) -> Vec<u8>,
}

/// The tiles the kits painted: (document, columns × rows of 256 px tiles of 3840 twips).
const DOCUMENTS: &[(&str, u32, u32)] = &[
    ("bench-7pages.docx", 3, 9),
    ("simple.xlsx", 4, 3),
    ("simple.pptx", 4, 3),
];

pub async fn run(quick: bool) -> anyhow::Result<()> {
    paint_per_tile_or_per_row(if quick { 2 } else { 10 }).await;
    let tiles = painted_tiles().await;
    let rounds = if quick { 3 } else { 20 };
    println!(
        "(png) {} real tiles (256×256) from {} documents, {rounds} rounds each",
        tiles.len(),
        DOCUMENTS.len()
    );
    let candidates = [
        Candidate {
            label: "anchor: png 0.17, Compression::Default",
            encode: encode_017_default,
        },
        Candidate {
            label: "png 0.18, Compression::Balanced (zlib level 6, adaptive filter)",
            encode: |t| encode_018(t, png::Compression::Balanced, None),
        },
        Candidate {
            label: "png 0.18, zlib level 3, adaptive filter",
            encode: |t| encode_018(t, png::Compression::Balanced, Some(3)),
        },
        Candidate {
            label: "png 0.18, zlib level 1, adaptive filter",
            encode: |t| encode_018(t, png::Compression::Balanced, Some(1)),
        },
        Candidate {
            label: "png 0.18, Compression::Fast (fdeflate)",
            encode: |t| encode_018(t, png::Compression::Fast, None),
        },
    ];
    let mut anchor: Option<(f64, usize)> = None;
    for candidate in &candidates {
        let started = Instant::now();
        let mut bytes = 0;
        for _ in 0..rounds {
            bytes = tiles.iter().map(|t| (candidate.encode)(t).len()).sum();
        }
        let us_per_tile = started.elapsed().as_secs_f64() * 1e6 / (rounds * tiles.len()) as f64;
        let (anchor_us, anchor_bytes) = *anchor.get_or_insert((us_per_tile, bytes));
        println!(
            "(png) {:<64} {:>7.0} µs/tile ({:.2}× the anchor's time)  {:>6} B/tile ({:.2}× its bytes)",
            candidate.label,
            us_per_tile,
            us_per_tile / anchor_us,
            bytes / tiles.len(),
            bytes as f64 / anchor_bytes as f64
        );
    }
    Ok(())
}

/// Every tile of [`DOCUMENTS`], as LibreOffice painted it (decoded from the kit's PNG: lossless).
async fn painted_tiles() -> Vec<Rgba> {
    let mut tiles = Vec::new();
    for (fixture, columns, rows) in DOCUMENTS {
        let mut kit = KitClient::spawn("oxool-bench-png-").await;
        let bytes = std::fs::read(crate::fixture(fixture)).expect("a fixture");
        let loaded = kit.load(fixture, &bytes, &[]).await;
        assert_eq!(loaded.name, "loaded", "{fixture}: {loaded:?}");
        kit.open_view("bench").await;
        for row in 0..*rows {
            for column in 0..*columns {
                let twips = (i64::from(column) * 3840, i64::from(row) * 3840, 3840, 3840);
                tiles.push(kit.tile("bench", (256, 256), twips).await);
            }
        }
    }
    tiles
}

fn encode_017_default(tile: &Rgba) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png017::Encoder::new(&mut out, tile.width, tile.height);
    encoder.set_color(png017::ColorType::Rgba);
    encoder.set_depth(png017::BitDepth::Eight);
    encoder.set_compression(png017::Compression::Default);
    let mut writer = encoder.write_header().expect("a PNG header");
    writer.write_image_data(&tile.pixels).expect("PNG data");
    writer.finish().expect("a PNG");
    out
}

fn encode_018(tile: &Rgba, compression: png::Compression, level: Option<u8>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, tile.width, tile.height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(compression);
    if let Some(level) = level {
        encoder.set_deflate_compression(png::DeflateCompression::Level(level));
    }
    let mut writer = encoder.write_header().expect("a PNG header");
    writer.write_image_data(&tile.pixels).expect("PNG data");
    writer.finish().expect("a PNG");
    out
}

/// LibreOffice's cost per paint call: the 7-page docx's first 9 rows of 3 tiles painted one
/// tile per request (the anchor) and one row per request (a 768 × 256 canvas), in the same kit,
/// alternating; and whether a row cut into tiles gives the tiles' own pixels.
async fn paint_per_tile_or_per_row(rounds: u32) {
    const COLUMNS: i64 = 3;
    const ROWS: i64 = 9;
    let mut kit = KitClient::spawn("oxool-bench-paint-").await;
    let fixture = "bench-7pages.docx";
    let bytes = std::fs::read(crate::fixture(fixture)).expect("a fixture");
    let loaded = kit.load(fixture, &bytes, &[]).await;
    assert_eq!(loaded.name, "loaded", "{fixture}: {loaded:?}");
    kit.open_view("bench").await;
    let (mut per_tile, mut per_row) = (0.0, 0.0);
    let mut differing = 0usize;
    for _ in 0..rounds {
        let started = Instant::now();
        let mut tiles = Vec::new();
        for row in 0..ROWS {
            for column in 0..COLUMNS {
                let twips = (column * 3840, row * 3840, 3840, 3840);
                tiles.push(kit.tile("bench", (256, 256), twips).await);
            }
        }
        per_tile += started.elapsed().as_secs_f64();
        let started = Instant::now();
        let mut rows = Vec::new();
        for row in 0..ROWS {
            let twips = (0, row * 3840, COLUMNS * 3840, 3840);
            rows.push(kit.tile("bench", (256 * COLUMNS as u32, 256), twips).await);
        }
        per_row += started.elapsed().as_secs_f64();
        for (row, painted) in rows.iter().enumerate() {
            for column in 0..COLUMNS as usize {
                let tile = &tiles[row * COLUMNS as usize + column];
                for y in 0..256usize {
                    let from = (y * painted.width as usize + column * 256) * 4;
                    let row_pixels = &painted.pixels[from..from + 256 * 4];
                    let tile_pixels = &tile.pixels[y * 256 * 4..(y + 1) * 256 * 4];
                    differing += row_pixels
                        .chunks_exact(4)
                        .zip(tile_pixels.chunks_exact(4))
                        .filter(|(a, b)| a != b)
                        .count();
                }
            }
        }
    }
    let tiles = f64::from(rounds) * (COLUMNS * ROWS) as f64;
    println!(
        "(paint) {fixture}: one request per tile {:.2} ms/tile (anchor), one per row of {COLUMNS} \
         {:.2} ms/tile ({:.2}× the anchor); pixels of rows cut into tiles that differ from the \
         tiles: {differing}",
        per_tile * 1e3 / tiles,
        per_row * 1e3 / tiles,
        per_row / per_tile
    );
}
