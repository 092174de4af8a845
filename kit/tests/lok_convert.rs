//! `convert`: every fixture to PDF, round trips between ODF and OOXML, text and CSV output,
//! PDF versions, and the errors (unknown format, wrong format for the type, broken input).

#[path = "lok_support.rs"]
mod support;

use std::path::{Path, PathBuf};

use oxool_kit::convert::{convert, ConvertError, ConvertRequest};
use oxool_kit::lok::{DocumentType, Office};
use support::{in_lok_process, pdf_header_version, pdf_pages, pdf_text, work_copy};

fn request<'a>(input: &'a Path, output_dir: &'a Path, format: &'a str) -> ConvertRequest<'a> {
    ConvertRequest {
        input,
        output_dir,
        format,
        filter_options: None,
        pdf_version: None,
        password: None,
    }
}

/// Converts `input` to `format` into a fresh directory under `scratch/work`.
fn convert_to(office: &Office, scratch: &Path, input: &Path, format: &str) -> PathBuf {
    let dir = scratch.join("work").join(format!(
        "{}-to-{format}",
        input.file_name().unwrap().to_string_lossy()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let output = convert(office, &request(input, &dir, format))
        .unwrap_or_else(|e| panic!("{} -> {format}: {e}", input.display()));
    assert_eq!(output.extension().unwrap(), format);
    output
}

const TEXT_LINES: &[&str] = &["oxool fixture text alpha", "second paragraph beta"];
const SLIDE_TITLES: &[&str] = &["oxool slide one title", "oxool slide two title"];

#[test]
fn every_fixture_converts_to_pdf() {
    in_lok_process("every_fixture_converts_to_pdf", |office, scratch| {
        let cases: &[(&str, u32, &[&str])] = &[
            ("simple.odt", 1, TEXT_LINES),
            ("simple.docx", 1, TEXT_LINES),
            // One page per sheet (the narrow column clips "second sheet gamma" in print).
            ("simple.ods", 2, &["42", "second sheet"]),
            ("simple.xlsx", 2, &["42", "second sheet"]),
            ("simple.odp", 2, SLIDE_TITLES),
            ("simple.pptx", 2, SLIDE_TITLES),
            (
                "bench-7pages.docx",
                7,
                &["Section 12 of", "oxool benchmark end marker"],
            ),
        ];
        for (name, pages, texts) in cases {
            let pdf = convert_to(office, scratch, &work_copy(scratch, name), "pdf");
            assert_eq!(pdf_pages(&pdf), *pages, "{name}: pages");
            let text = pdf_text(&pdf);
            for expected in *texts {
                assert!(
                    text.contains(expected),
                    "{name}: no {expected:?} in\n{text}"
                );
            }
            println!("{name} -> pdf: {pages} pages");
        }
    });
}

#[test]
fn text_and_spreadsheet_round_trips() {
    in_lok_process("text_and_spreadsheet_round_trips", |office, scratch| {
        // text -> txt directly.
        let txt = convert_to(office, scratch, &work_copy(scratch, "simple.odt"), "txt");
        let text = std::fs::read_to_string(&txt).unwrap();
        for line in TEXT_LINES {
            assert!(text.contains(line), "{text}");
        }

        // docx -> odt -> txt and odt -> docx -> txt.
        for (source, via) in [("simple.docx", "odt"), ("simple.odt", "docx")] {
            let middle = convert_to(office, scratch, &work_copy(scratch, source), via);
            let txt = convert_to(office, scratch, &middle, "txt");
            let text = std::fs::read_to_string(&txt).unwrap();
            for line in TEXT_LINES {
                assert!(text.contains(line), "{source} via {via}: {text}");
            }
        }

        // sheet -> csv gives the cell values, the formula result included.
        for (source, via) in [
            ("simple.xlsx", Some("ods")),
            ("simple.ods", Some("xlsx")),
            ("simple.ods", None),
        ] {
            let mut input = work_copy(scratch, source);
            if let Some(via) = via {
                input = convert_to(office, scratch, &input, via);
            }
            let csv = convert_to(office, scratch, &input, "csv");
            let text = std::fs::read_to_string(&csv).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines, ["2", "40", "42"], "{source} via {via:?}");
        }

        // pptx -> odp and odp -> pptx keep both slides and their titles.
        for (source, via) in [("simple.pptx", "odp"), ("simple.odp", "pptx")] {
            let middle = convert_to(office, scratch, &work_copy(scratch, source), via);
            let pdf = convert_to(office, scratch, &middle, "pdf");
            assert_eq!(pdf_pages(&pdf), 2, "{source} via {via}");
            let text = pdf_text(&pdf);
            for title in SLIDE_TITLES {
                assert!(text.contains(title), "{source} via {via}: {text}");
            }
        }

        // A path that needs percent-encoding in its URL, both ways.
        let odd = scratch.join("work/a b#c%41 é.odt");
        std::fs::copy(work_copy(scratch, "simple.odt"), &odd).unwrap();
        let pdf = convert_to(office, scratch, &odd, "pdf");
        assert_eq!(pdf.file_name().unwrap(), "a b#c%41 é.pdf");
        assert!(pdf_text(&pdf).contains("oxool fixture text alpha"));
    });
}

#[test]
fn pdf_versions_follow_pdfver() {
    in_lok_process("pdf_versions_follow_pdfver", |office, scratch| {
        let input = work_copy(scratch, "simple.odt");
        for (version, header, pdfa_part) in [
            ("PDF-1.6", "1.6", None),
            ("PDF-1.5", "1.5", None),
            ("pdf/a-1b", "1.4", Some(1)),
            ("PDF/A-2b", "1.6", Some(2)),
            ("PDF/A-3b", "1.6", Some(3)),
        ] {
            let dir = scratch.join("work").join(version.replace('/', "_"));
            std::fs::create_dir_all(&dir).unwrap();
            let pdf = convert(
                office,
                &ConvertRequest {
                    pdf_version: Some(version),
                    password: None,
                    ..request(&input, &dir, "pdf")
                },
            )
            .unwrap();
            assert_eq!(pdf_header_version(&pdf), header, "{version}");
            let bytes = std::fs::read(&pdf).unwrap();
            let claims = |part: u32| {
                let needle = format!("<pdfaid:part>{part}</pdfaid:part>");
                bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
            };
            match pdfa_part {
                Some(part) => assert!(claims(part), "{version}: no PDF/A-{part} metadata"),
                None => assert!(!(1..=3).any(claims), "{version}: unexpected PDF/A claim"),
            }
            println!("{version}: %PDF-{header}, PDF/A part {pdfa_part:?}");
        }
        let error = convert(
            office,
            &ConvertRequest {
                pdf_version: Some("PDF/A-9z"),
                password: None,
                ..request(&input, scratch, "pdf")
            },
        )
        .unwrap_err();
        assert!(
            matches!(error, ConvertError::UnsupportedPdfVersion { .. }),
            "{error}"
        );
    });
}

#[test]
fn conversion_errors_are_typed() {
    in_lok_process("conversion_errors_are_typed", |office, scratch| {
        let out = scratch.join("work");
        // Unknown formats are refused before anything is loaded: the input need not exist.
        let missing = scratch.join("no-such-input.odt");
        for format in ["exe", "", "docx/../x", "PDF2"] {
            let error = convert(office, &request(&missing, &out, format)).unwrap_err();
            assert!(
                matches!(error, ConvertError::UnsupportedFormat { .. }),
                "{format:?}: {error}"
            );
        }

        // A format the document type cannot export to.
        let odt = work_copy(scratch, "simple.odt");
        match convert(office, &request(&odt, &out, "csv")).unwrap_err() {
            ConvertError::Format {
                format,
                document_type,
            } => {
                assert_eq!(format, "csv");
                assert_eq!(document_type, DocumentType::Text);
            }
            other => panic!("csv from text: {other}"),
        }
        let ods = work_copy(scratch, "simple.ods");
        assert!(matches!(
            convert(office, &request(&ods, &out, "pptx")).unwrap_err(),
            ConvertError::Format { .. }
        ));

        // Broken and missing input: a load error with LibreOffice's text, and no crash.
        for input in [work_copy(scratch, "truncated.docx"), missing.clone()] {
            match convert(office, &request(&input, &out, "pdf")).unwrap_err() {
                ConvertError::Load { message } => {
                    assert!(!message.is_empty());
                    println!("{}: {message}", input.display());
                }
                other => panic!("{}: {other}", input.display()),
            }
        }

        // Upper-case formats are accepted, as Collabora does.
        let pdf = convert(office, &request(&odt, &out, "PDF")).unwrap();
        assert_eq!(pdf.extension().unwrap(), "pdf");
    });
}
