//! convert-to and the world's scripts, end to end through the real /cool/convert-to: text and
//! CSV output is UTF-8 (a kit has no locale, so LibreOffice's default there is Latin-1).

use oxool_tests::server::{Server, ServerOptions};

/// Cyrillic, Greek, CJK, Arabic, Hebrew, Devanagari, Latin with accents, and an emoji: nothing
/// of it fits Latin-1 except the accents.
const WORLD: &str = "Привет Γειά 你好 こんにちは 안녕 مرحبا שלום नमस्ते façade 😀";

fn server() -> Server {
    Server::start(ServerOptions::default()).expect("server starts")
}

fn fodt(paragraph: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text"><office:body><office:text><text:p>{paragraph}</text:p></office:text></office:body></office:document>"#
    )
    .into_bytes()
}

fn fods(cells: &[&str]) -> Vec<u8> {
    let row: String = cells
        .iter()
        .map(|c| format!(r#"<table:table-cell office:value-type="string"><text:p>{c}</text:p></table:table-cell>"#))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.spreadsheet"><office:body><office:spreadsheet><table:table table:name="S"><table:table-row>{row}</table:table-row></table:table></office:spreadsheet></office:body></office:document>"#
    )
    .into_bytes()
}

#[test]
fn text_and_csv_come_out_as_utf8() {
    let server = server();

    let txt = server.converted("world.fodt", &fodt(WORLD), "txt");
    let text = String::from_utf8(txt.clone())
        .unwrap_or_else(|_| panic!("txt is not UTF-8: {:02x?}", &txt[..txt.len().min(64)]));
    // LibreOffice's UTF-8 text export starts with a byte order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    assert_eq!(text.trim_end(), WORLD, "txt");

    let cells = ["Привет", "你好", "مرحبا", "a,b", "say \"hi\""];
    let csv = server.converted("world.fods", &fods(&cells), "csv");
    let csv = String::from_utf8(csv).expect("csv is UTF-8");
    assert_eq!(
        csv.trim_end(),
        r#"Привет,你好,مرحبا,"a,b","say ""hi""""#,
        "csv: comma-separated, quoted where needed"
    );
}
