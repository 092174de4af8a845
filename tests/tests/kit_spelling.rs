//! Spell checking in a real kit: LibreOffice checks as the user types (red underlines in the
//! tiles), and a right click on a misspelled word brings LibreOffice's context menu with its
//! suggestions. Also the language commands (`.uno:LanguageStatus`).

use oxool_proto::Message;
use oxool_tests::kit_client::{Callback, KitClient};

const CORRECT: &str = "The quick brown fox jumps over the lazy dog.";
const MISSPELLED: &str = "Thiss sentense iz misspeled.";

/// A Writer document in US English: a correct paragraph, then a misspelled one.
fn fodt(paragraphs: &[&str]) -> Vec<u8> {
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<text:p>{p}</text:p>"))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text"><office:styles><style:default-style style:family="paragraph"><style:text-properties fo:font-size="12pt" fo:language="en" fo:country="US"/></style:default-style></office:styles><office:body><office:text>{body}</office:text></office:body></office:document>"#
    )
    .into_bytes()
}

/// The first page's top left: 2 cm margins are 1134 twips; a 512×256 px tile at 15 twips/px.
const TILE_PX: (u32, u32) = (512, 256);
const TILE_TWIPS: (i64, i64, i64, i64) = (0, 0, 7680, 3840);
const TWIPS_PER_PX: i64 = 15;
/// A point in the first line: Writer shows the page 284 twips below the document's top, the
/// text starts after the 1134-twip margin, and a 12 pt line is ~276 twips high.
const FIRST_LINE: (i64, i64) = (1134 + 284 + 300, 284 + 1134 + 138);

async fn wait_for_red(kit: &mut KitClient) -> Vec<(u32, u32)> {
    kit.wait_for_tile("s1", TILE_PX, TILE_TWIPS, "red underline", |tile| {
        let red = tile.red_pixels();
        (!red.is_empty()).then_some(red)
    })
    .await
}

fn is_context_menu(callback: &Callback) -> bool {
    callback.kind() == "CONTEXT_MENU"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misspelled_words_are_underlined_and_offer_suggestions() {
    let mut kit = KitClient::spawn("oxool-kit-spelling-").await;
    let loaded = kit
        .load("spelling.fodt", &fodt(&[CORRECT, MISSPELLED]), &[])
        .await;
    assert_eq!(loaded.name, "loaded", "{loaded}");
    kit.open_view("s1").await;

    let ink = kit.tile("s1", TILE_PX, TILE_TWIPS).await.ink();
    assert!(ink > 0, "the tile shows the text");
    let red = wait_for_red(&mut kit).await;
    let top = red.iter().map(|p| p.1).min().unwrap();
    let bottom = red.iter().map(|p| p.1).max().unwrap();
    eprintln!("red pixels: {} in rows {top}..={bottom}", red.len());
    // Only the second paragraph is wrong: one band of underlines, a few pixels high.
    assert!(
        bottom - top < 8,
        "red on more than one line: rows {top}..={bottom}"
    );

    // Right click (LibreOffice's button 4) just above the leftmost underline.
    let (x, y) = *red.iter().min_by_key(|p| (p.0, p.1)).unwrap();
    let (x, y) = (
        i64::from(x) * TWIPS_PER_PX + 60,
        i64::from(y) * TWIPS_PER_PX - 90,
    );
    kit.click("s1", x, y, 4).await;
    let menu = kit.wait_for_callback("CONTEXT_MENU", is_context_menu).await;
    eprintln!("context menu: {}", menu.payload);
    let json: serde_json::Value = serde_json::from_str(&menu.payload).expect("JSON menu");
    let commands: Vec<String> = json["menu"]
        .as_array()
        .expect("a menu")
        .iter()
        .filter_map(|entry| entry["command"].as_str().map(str::to_string))
        .collect();
    assert!(
        commands
            .iter()
            .any(|c| c.starts_with(".uno:SpellCheckApplySuggestion") && c.contains("This")),
        "the menu suggests \"This\" for \"Thiss\": {commands:?}"
    );

    // Escape closes the menu; then the first, correct paragraph becomes German through the
    // `uno` message: its English words are misspelled German, so it gets underlined too. The
    // language name has spaces, so it goes in `args`, not in the command.
    kit.key("s1", 0, 1281).await;
    kit.click("s1", FIRST_LINE.0, FIRST_LINE.1, 1).await;
    let german = Message::new("uno")
        .arg("view", "s1")
        .arg("command", ".uno:LanguageStatus")
        .arg(
            "args",
            r#"{"Language":{"type":"string","value":"Paragraph_German (Germany)"}}"#,
        );
    kit.send(german).await;
    let what = "underline in the German paragraph";
    kit.wait_for_tile("s1", TILE_PX, TILE_TWIPS, what, |tile| {
        tile.red_pixels()
            .iter()
            .any(|p| p.1 + 8 < top)
            .then_some(())
    })
    .await;
    let saved = String::from_utf8_lossy(&kit.save("fodt").await).into_owned();
    assert!(
        saved.contains(r#"fo:language="de" fo:country="DE""#),
        "the saved document has German text"
    );
}
