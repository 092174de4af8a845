//! convert-to end to end: HTTP → wsd → D-Bus → forkit → a jailed kit with real LibreOffice, as
//! root and as an unprivileged user. Every result is checked by its content.

use oxool_tests::server::{Server, ServerOptions};
use oxool_tests::tools::{is_zip, odf_mimetype, pdf_pages, pdf_text, read};
use oxool_tests::user::RunAs;

const TEXT: &str = "oxool fixture text alpha";
const TEXT2: &str = "second paragraph beta";
const SLIDE1: &str = "oxool slide one title";
const SLIDE2: &str = "oxool slide two title";

fn server(run_as: RunAs) -> Server {
    Server::start(ServerOptions {
        run_as,
        ..Default::default()
    })
    .expect("server starts")
}

fn to_pdf_text(server: &Server, file: &str, bytes: &[u8]) -> (String, u32) {
    let pdf = server.converted(file, bytes, "pdf");
    assert!(pdf.starts_with(b"%PDF"), "{file} → pdf is not a PDF");
    (pdf_text(&pdf).unwrap(), pdf_pages(&pdf).unwrap())
}

fn fixture_pdf_text(server: &Server, fixture: &str) -> (String, u32) {
    to_pdf_text(server, fixture, &read(&oxool_tests::fixture(fixture)))
}

/// Fixture `file` converted to PDF shows every one of `texts`, on `pages` pages when given.
fn assert_pdf_shows(server: &Server, label: &str, file: &str, texts: &[&str], pages: Option<u32>) {
    let (text, found_pages) = fixture_pdf_text(server, file);
    for expected in texts {
        assert!(
            text.contains(expected),
            "[{label}] {file} → pdf lacks {expected:?}: {text}"
        );
    }
    if let Some(pages) = pages {
        assert_eq!(found_pages, pages, "[{label}] {file} → pdf pages");
    }
}

fn csv_cells(csv: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(csv)
        .lines()
        .map(|l| l.trim().to_string())
        .collect()
}

fn converts_every_kind(run_as: RunAs) {
    let server = server(run_as);
    let label = run_as.label();

    for file in ["simple.docx", "simple.odt"] {
        assert_pdf_shows(&server, label, file, &[TEXT, TEXT2], Some(1));
        let txt = String::from_utf8(server.converted_fixture(file, "txt")).unwrap();
        assert!(
            txt.contains(TEXT) && txt.contains(TEXT2),
            "[{label}] {file} → txt: {txt}"
        );
    }
    for file in ["simple.xlsx", "simple.ods"] {
        // The formula's result.
        assert_pdf_shows(&server, label, file, &["42"], None);
        let cells = csv_cells(&server.converted_fixture(file, "csv"));
        assert_eq!(&cells[..3], ["2", "40", "42"], "[{label}] {file} → csv");
    }
    for file in ["simple.pptx", "simple.odp"] {
        assert_pdf_shows(&server, label, file, &[SLIDE1, SLIDE2], Some(2));
    }

    // Round trips between the OOXML and ODF formats, checked by converting the result again.
    let docx_to_odt = server.converted_fixture("simple.docx", "odt");
    assert_eq!(
        odf_mimetype(&docx_to_odt),
        Some("application/vnd.oasis.opendocument.text")
    );
    let txt = String::from_utf8(server.converted("back.odt", &docx_to_odt, "txt")).unwrap();
    assert!(txt.contains(TEXT), "[{label}] docx → odt → txt: {txt}");
    let odt_to_docx = server.converted_fixture("simple.odt", "docx");
    assert!(is_zip(&odt_to_docx) && odf_mimetype(&odt_to_docx).is_none());
    let txt = String::from_utf8(server.converted("back.docx", &odt_to_docx, "txt")).unwrap();
    assert!(txt.contains(TEXT2), "[{label}] odt → docx → txt: {txt}");

    let xlsx_to_ods = server.converted_fixture("simple.xlsx", "ods");
    assert_eq!(
        odf_mimetype(&xlsx_to_ods),
        Some("application/vnd.oasis.opendocument.spreadsheet")
    );
    assert_eq!(
        &csv_cells(&server.converted("back.ods", &xlsx_to_ods, "csv"))[..3],
        ["2", "40", "42"]
    );
    let ods_to_xlsx = server.converted_fixture("simple.ods", "xlsx");
    assert!(is_zip(&ods_to_xlsx) && odf_mimetype(&ods_to_xlsx).is_none());
    assert_eq!(
        &csv_cells(&server.converted("back.xlsx", &ods_to_xlsx, "csv"))[..3],
        ["2", "40", "42"]
    );

    let pptx_to_odp = server.converted_fixture("simple.pptx", "odp");
    assert_eq!(
        odf_mimetype(&pptx_to_odp),
        Some("application/vnd.oasis.opendocument.presentation")
    );
    let (text, pages) = to_pdf_text(&server, "back.odp", &pptx_to_odp);
    assert!(
        text.contains(SLIDE2) && pages == 2,
        "[{label}] pptx → odp → pdf: {text}"
    );
    let odp_to_pptx = server.converted_fixture("simple.odp", "pptx");
    assert!(is_zip(&odp_to_pptx) && odf_mimetype(&odp_to_pptx).is_none());
    let (text, pages) = to_pdf_text(&server, "back.pptx", &odp_to_pptx);
    assert!(
        text.contains(SLIDE1) && pages == 2,
        "[{label}] odp → pptx → pdf: {text}"
    );

    let (text, pages) = fixture_pdf_text(&server, "bench-7pages.docx");
    assert_eq!(pages, 7, "[{label}] the 7-page document");
    assert!(text.contains("oxool benchmark end marker"));

    server
        .wait_for_quiescence(1)
        .expect("every conversion's kit and jail are gone");
}

oxool_tests::tests_as_root_and_unprivileged!(converts_every_kind: converts_every_kind_as_root, converts_every_kind_as_unprivileged_user);
