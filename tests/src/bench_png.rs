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
