//! Every common script renders in a real kit: text typed as key events (what wsd's `text`
//! sends) in Chinese, Arabic, Hebrew and Devanagari, in a document whose font (Liberation
//! Serif) has none of these letters, so LibreOffice must find them through fontconfig in the
//! jail. A missing glyph is drawn as the same box whatever the character, so two lines of the
//! same script and length render identically as boxes and differently as glyphs. Also: a
//! colour emoji, and a document naming a font that does not exist.

use oxool_tests::kit_client::{KitClient, Rgba};

/// Pairs of lines: same script, same number of code points, different characters.
const PAIRS: &[(&str, &str, &str)] = &[
    ("CJK", "你好世界你好", "天地人和天地"),
    ("Arabic", "مرحبا", "سلامك"),
    ("Hebrew", "שלום", "בוקר"),
    ("Devanagari", "नमस्ते", "कमलनयन"),
];
const EMOJI: &str = "😀🎉";
const MISSING_FONT_TEXT: &str = "Substitute";

fn document() -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text"><office:font-face-decls><style:font-face style:name="Liberation Serif" svg:font-family="'Liberation Serif'"/><style:font-face style:name="Missing" svg:font-family="'Oxool No Such Font'"/></office:font-face-decls><office:styles><style:default-style style:family="paragraph"><style:paragraph-properties fo:margin-bottom="0.25cm"/><style:text-properties style:font-name="Liberation Serif" fo:font-size="16pt" style:font-name-asian="Liberation Serif" style:font-size-asian="16pt" style:font-name-complex="Liberation Serif" style:font-size-complex="16pt"/></style:default-style></office:styles><office:automatic-styles><style:style style:name="M" style:family="paragraph"><style:text-properties style:font-name="Missing"/></style:style></office:automatic-styles><office:body><office:text><text:p/><text:p>{EMOJI}</text:p><text:p text:style-name="M">{MISSING_FONT_TEXT}</text:p></office:text></office:body></office:document>"#
    )
    .into_bytes()
}

/// Whether the pixel at (`x`, `y`) is ink: opaque and dark or coloured.
fn inked(tile: &Rgba, x: u32, y: u32) -> bool {
    let i = ((y * tile.width + x) * 4) as usize;
    let p = &tile.pixels[i..i + 4];
    p[3] > 128 && (p[0] < 200 || p[1] < 200 || p[2] < 200)
}

/// The rows of each line of text: runs of rows with ink (dark or coloured), top to bottom. The
/// page's left edge is a line down the whole tile, so columns inked in most rows are not text.
fn line_bands(tile: &Rgba) -> Vec<(u32, u32)> {
    let text_columns: Vec<u32> = (0..tile.width)
        .filter(|&x| {
            (0..tile.height).filter(|&y| inked(tile, x, y)).count() < tile.height as usize / 2
        })
        .collect();
    // The page's top edge is a line across the tile: rows inked in most columns are not text.
    let inked_row = |y: u32| {
        let ink = text_columns.iter().filter(|&&x| inked(tile, x, y)).count();
        ink > 0 && ink < text_columns.len() / 2
    };
    let mut bands = Vec::new();
    let mut start = None;
    for y in 0..tile.height {
        match (inked_row(y), start) {
            (true, None) => start = Some(y),
            (false, Some(top)) => {
                bands.push((top, y));
                start = None;
            }
            _ => {}
        }
    }
    bands
}

/// The pixels of rows `band`, left-aligned, `height` rows.
fn band_pixels(tile: &Rgba, band: (u32, u32), height: u32) -> Vec<u8> {
    let row = (tile.width * 4) as usize;
    let top = band.0 as usize * row;
    tile.pixels[top..top + height as usize * row].to_vec()
}

fn colourful(tile: &Rgba, band: (u32, u32)) -> usize {
    tile.iter()
        .filter(|(_, y, _)| (band.0..band.1).contains(y))
        .filter(|(_, _, [r, g, b, a])| *a > 128 && r.max(g).max(b) - r.min(g).min(b) > 80)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_script_renders_glyphs() {
    let mut kit = KitClient::spawn("oxool-kit-fonts-").await;
    let loaded = kit.load("scripts.fodt", &document(), &[]).await;
    assert_eq!(loaded.name, "loaded", "{loaded}");
    kit.open_view("v").await;
    for (_, first, second) in PAIRS {
        for line in [first, second] {
            kit.type_text("v", line).await;
            kit.key("v", 13, 1280).await;
        }
    }
    // Typed lines, the emoji line, the missing-font line (the typing left one empty line).
    let expected_bands = PAIRS.len() * 2 + 2;
    let what = format!("{expected_bands} lines of text");
    let twips = (0, 0, 9600, 9600);
    let (tile, bands) = kit
        .wait_for_tile("v", (640, 640), twips, &what, |tile| {
            let bands = line_bands(&tile);
            (bands.len() >= expected_bands).then_some((tile, bands))
        })
        .await;
    eprintln!("line bands: {bands:?}");
    assert_eq!(
        bands.len(),
        expected_bands,
        "one band per line of text: {bands:?}"
    );
    for (i, (script, first, second)) in PAIRS.iter().enumerate() {
        let (a, b) = (bands[2 * i], bands[2 * i + 1]);
        let height = (a.1 - a.0).max(b.1 - b.0);
        assert_ne!(
            band_pixels(&tile, a, height),
            band_pixels(&tile, b, height),
            "{script}: {first:?} and {second:?} render alike: boxes, not glyphs"
        );
    }
    let emoji = bands[PAIRS.len() * 2];
    assert!(
        colourful(&tile, emoji) > 50,
        "the emoji line {emoji:?} has no colour"
    );
    let substituted = bands[PAIRS.len() * 2 + 1];
    assert!(
        substituted.1 - substituted.0 > 5,
        "the line in a missing font shows its text with a substitute: {substituted:?}"
    );
    // What was typed is what the document holds (nothing lost on the way in).
    let saved = String::from_utf8(kit.save("txt").await).unwrap();
    for (_, first, second) in PAIRS {
        assert!(saved.contains(first) && saved.contains(second), "{saved}");
    }
}
