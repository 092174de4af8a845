//! A row of tiles painted in one LibreOffice call (`tile … count=N ids=…`,
//! docs/kit-protocol.md) gives, tile for tile, the pixels of the tiles painted one by one: in a
//! text document exactly, in a spreadsheet but for the last two columns of a tile with a
//! neighbour to its right (a tile painted alone misses what the neighbour spills over; the row
//! has it). Slides are not painted in rows: there a shape's edge lands a pixel apart depending
//! on where the paint starts (381 pixels of bench-slides.pptx's second column of boxes), so
//! wsd asks rows of text documents only (wsd/src/editing/client_messages.rs). A refused row
//! answers every id.

use oxool_proto::Message;
use oxool_tests::kit_client::{KitClient, Rgba};

const COLUMNS: i64 = 4;
/// The columns at a tile's right edge that LibreOffice paints differently alone than in a row.
const SEAM_COLUMNS: usize = 2;

/// The request for a row of [`COLUMNS`] tiles of 256 px / 3840 twips from (0, `y`).
fn row_request(y: i64, ids: &[u64]) -> Message {
    let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
    Message::new("tile")
        .arg("view", "rows")
        .arg("part", 0)
        .arg("width", 256)
        .arg("height", 256)
        .arg("x", 0)
        .arg("y", y)
        .arg("tw", 3840)
        .arg("th", 3840)
        .arg("count", COLUMNS)
        .arg("ids", ids.join(","))
}

async fn rows_equal_single_tiles(fixture: &str) {
    let mut kit = KitClient::spawn("oxool-test-rows-").await;
    let bytes = std::fs::read(oxool_tests::fixture(fixture)).expect("a fixture");
    let loaded = kit.load(fixture, &bytes, &[]).await;
    assert_eq!(loaded.name, "loaded", "{fixture}: {loaded:?}");
    kit.open_view("rows").await;
    for y in [0, 3840] {
        let mut singles = Vec::new();
        for column in 0..COLUMNS {
            singles.push(
                kit.tile("rows", (256, 256), (column * 3840, y, 3840, 3840))
                    .await,
            );
        }
        let ids: Vec<u64> = (0..COLUMNS as u64).map(|i| 100 + i).collect();
        kit.send(row_request(y, &ids)).await;
        for (column, id) in ids.iter().enumerate() {
            let (answer, png) = kit.answer("tile").await;
            assert_eq!(answer.get("id"), Some(id.to_string().as_str()), "{answer}");
            let x = column as i64 * 3840;
            assert_eq!(answer.get("x"), Some(x.to_string().as_str()), "{answer}");
            assert_eq!(answer.get("width"), Some("256"), "{answer}");
            let tile = Rgba::decode(&png);
            let differing: Vec<(usize, usize)> = tile
                .pixels
                .chunks_exact(4)
                .zip(singles[column].pixels.chunks_exact(4))
                .enumerate()
                .filter(|(_, (a, b))| a != b)
                .map(|(i, _)| (i % 256, i / 256))
                .collect();
            let differing_at = differing;
            let differing = differing_at.len();
            // A tile painted alone loses what its right neighbour spills into its last columns
            // (Calc's grid line crossings, a slide's anti-aliased text): painted as a row those
            // columns are right. Elsewhere, and in Writer's text, the pixels are the same.
            let inside_the_row = (column as i64) < COLUMNS - 1;
            let away_from_the_seam = differing_at
                .iter()
                .filter(|(px, _)| !(inside_the_row && *px >= 256 - SEAM_COLUMNS))
                .count();
            assert_eq!(
                away_from_the_seam,
                0,
                "{fixture}: tile ({x}, {y}) of the row: {:?}",
                &differing_at[..differing_at.len().min(40)]
            );
            if fixture.ends_with(".docx") {
                assert_eq!(differing, 0, "{fixture}: tile ({x}, {y}) of the row");
            }
        }
        if y == 0 {
            assert!(
                singles.iter().any(|t| t.ink() > 0),
                "{fixture}: the first row shows something"
            );
        }
    }
    // A row that would start its last tile beyond the document: an error per id.
    kit.send(row_request(2_000_000_000 / 3840 * 3840, &[7, 8, 9, 10]))
        .await;
    for id in ["7", "8", "9", "10"] {
        let (error, _) = kit.answer("error").await;
        assert_eq!(error.get("id"), Some(id), "{error}");
        assert_eq!(error.get("request"), Some("tile"), "{error}");
    }
}

#[tokio::test]
async fn a_row_of_a_text_document_is_its_tiles() {
    rows_equal_single_tiles("bench-7pages.docx").await;
}

#[tokio::test]
async fn a_row_of_a_spreadsheet_is_its_tiles() {
    rows_equal_single_tiles("simple.xlsx").await;
}
