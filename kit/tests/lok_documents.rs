//! LibreOffice through the safe wrappers: init, version, loading every fixture, parts, tiles.

#[path = "lok_support.rs"]
mod support;

use oxool_kit::lok::{DocumentType, Office, TileArea, TileMode};
use std::path::Path;
use support::{in_lok_process, work_copy};

#[test]
fn version_info_is_json_for_7_4() {
    in_lok_process("version_info_is_json_for_7_4", |office, _| {
        let info: serde_json::Value =
            serde_json::from_str(&office.version_info().unwrap()).expect("version info is JSON");
        assert_eq!(info["ProductName"], "LibreOffice", "{info}");
        assert_eq!(info["ProductVersion"], "7.4", "{info}");
        // The vtables LibreOffice built are the ones our FFI describes.
        assert_eq!(office.class_size(), 128);
        let filters: serde_json::Value =
            serde_json::from_str(&office.filter_types().unwrap()).expect("filter types are JSON");
        assert!(
            filters.get("writer8").is_some(),
            "no writer8 in filter types"
        );
    });
}

/// (fixture, type, parts). A text document's parts are its pages.
const FIXTURES: &[(&str, DocumentType, i32)] = &[
    ("simple.odt", DocumentType::Text, 1),
    ("simple.docx", DocumentType::Text, 1),
    ("simple.ods", DocumentType::Spreadsheet, 2),
    ("simple.xlsx", DocumentType::Spreadsheet, 2),
    ("simple.odp", DocumentType::Presentation, 2),
    ("simple.pptx", DocumentType::Presentation, 2),
    ("bench-7pages.docx", DocumentType::Text, 7),
];

#[test]
fn fixtures_load_with_type_parts_and_tiles() {
    in_lok_process(
        "fixtures_load_with_type_parts_and_tiles",
        |office, scratch| {
            for (name, document_type, parts) in FIXTURES {
                check_fixture(office, &work_copy(scratch, name), *document_type, *parts);
            }
        },
    );
}

fn check_fixture(office: &Office, path: &Path, document_type: DocumentType, parts: i32) {
    let name = path.display();
    let document = office.load(path, "Language=en-US").expect("load");
    assert_eq!(document.class_size(), 536, "{name}");
    assert_eq!(document.document_type().unwrap(), document_type, "{name}");
    document
        .initialize_for_rendering(r#"{".uno:Author":{"type":"string","value":"oxool test"}}"#)
        .unwrap();
    // A Writer document lays its pages out lazily; the page count is right once rendering
    // has been initialised.
    assert_eq!(document.parts().unwrap(), parts, "{name}: parts");
    let (width, height) = document.document_size().unwrap();
    assert!(width > 0 && height > 0, "{name}: size {width}x{height}");
    assert_eq!(document.tile_mode().unwrap(), TileMode::Bgra, "{name}");

    // One 256 px tile over the top-left of the document at 50 %: text must leave ink.
    let mut tile = vec![0u8; 256 * 256 * 4];
    document
        .paint_tile(&mut tile, TileArea::top_left(256, 7680))
        .unwrap();
    let inked = tile
        .chunks_exact(4)
        .filter(|px| px[3] > 0 && (px[0] < 200 || px[1] < 200 || px[2] < 200))
        .count();
    assert!(inked > 20, "{name}: only {inked} non-white pixels");

    // The buffer check refuses a canvas the buffer cannot hold.
    assert!(document
        .paint_tile(&mut tile[..100], TileArea::top_left(256, 3840))
        .is_err());

    match document_type {
        DocumentType::Spreadsheet => {
            assert_eq!(document.part_name(0).unwrap(), "Numbers", "{name}");
            assert_eq!(document.part_name(1).unwrap(), "Second", "{name}");
            document.set_part(1).unwrap();
            assert_eq!(document.part().unwrap(), 1, "{name}");
        }
        DocumentType::Presentation => {
            document.set_part(1).unwrap();
            assert_eq!(document.part().unwrap(), 1, "{name}");
            assert!(!document.part_hash(0).unwrap().is_empty(), "{name}");
            assert_ne!(
                document.part_hash(0).unwrap(),
                document.part_hash(1).unwrap(),
                "{name}"
            );
        }
        _ => {
            let rectangles = document.part_page_rectangles().unwrap();
            assert_eq!(
                rectangles.split(';').count() as i32,
                parts,
                "{name}: {rectangles}"
            );
        }
    }
    println!("{name}: ok, {width}x{height} twips, {inked} inked pixels");
}

#[test]
fn broken_documents_fail_to_load_without_crashing() {
    in_lok_process(
        "broken_documents_fail_to_load_without_crashing",
        |office, scratch| {
            // A docx cut in half is a broken zip: no filter takes it.
            let error = office
                .load(&work_copy(scratch, "truncated.docx"), "Batch=true")
                .err()
                .expect("a truncated docx must not load");
            println!("truncated.docx: {error}");
            assert!(!error.to_string().is_empty());

            let missing = office.load(&scratch.join("does-not-exist.odt"), "");
            assert!(missing.is_err());

            // Random bytes are not an error to LibreOffice: after the docx filter refuses them,
            // type detection falls back to Writer's plain-text import (soffice --convert-to does the
            // same). What matters is that nothing crashes and the result is a text document.
            match office.load(&work_copy(scratch, "random-bytes.docx"), "Batch=true") {
                Err(error) => println!("random-bytes.docx: {error}"),
                Ok(document) => {
                    assert_eq!(document.document_type().unwrap(), DocumentType::Text);
                    println!("random-bytes.docx: loaded as plain text");
                }
            }

            // The office still works after the failures.
            let document = office.load(&work_copy(scratch, "simple.odt"), "").unwrap();
            assert_eq!(document.document_type().unwrap(), DocumentType::Text);
        },
    );
}

/// The forkit's shape: preinit once, wait until the process is single-threaded again, fork,
/// and initialise in the child, which then loads and saves a document.
#[test]
fn preinit_then_fork_then_init() {
    support::in_library_process("preinit_then_fork_then_init", |library, scratch| {
        let program = Path::new(oxool_kit::lok::DEFAULT_PROGRAM_DIR);
        // 7.4's preinit ignores its profile argument and reads UserInstallation instead.
        let profile_url = oxool_kit::lok::file_url(&scratch.join("profile")).unwrap();
        std::env::set_var("UserInstallation", &profile_url);
        // libtest may run this test on a thread of its own, so "single-threaded" here means
        // "no thread left over from LibreOffice": back to the count from before preinit.
        let threads = || std::fs::read_dir("/proc/self/task").unwrap().count();
        let before = threads();
        library
            .preinit(program, &profile_url)
            .expect("lok_preinit_2");
        let settled = support::poll(|| (threads() == before).then_some(()));
        assert!(settled.is_some(), "preinit's helper thread never ended");

        // SAFETY: no LibreOffice thread runs (checked just above) and libtest's own thread only
        // waits for this one, so the child gets a consistent copy; it only calls LOK and then
        // _exit()s.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let kit_profile = oxool_kit::lok::file_url(&scratch.join("kit-profile")).unwrap();
                let office = library
                    .init(program, &kit_profile)
                    .expect("init after preinit");
                let input = work_copy(scratch, "simple.docx");
                let document = office.load(&input, "").expect("load in the forked kit");
                assert_eq!(document.document_type().unwrap(), DocumentType::Text);
                let pdf = scratch.join("work/forked.pdf");
                document
                    .save_as(&pdf, "pdf", None)
                    .expect("save in the forked kit");
                assert!(support::pdf_text(&pdf).contains("oxool fixture text alpha"));
            }));
            // SAFETY: leave the forked kit without running atexit handlers (LibreOffice's
            // thread is alive), as real kits do.
            unsafe { libc::_exit(if outcome.is_ok() { 0 } else { 1 }) };
        }
        let mut status = 0;
        // SAFETY: waits for the child we just forked; `status` is a valid out pointer.
        let waited = unsafe { libc::waitpid(pid, &mut status, 0) };
        assert_eq!(waited, pid);
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "forked kit failed: status {status:#x}"
        );
    });
}
