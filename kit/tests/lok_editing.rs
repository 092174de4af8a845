//! Co-editing through LOK: two views typing into one document, callbacks per view, UNO commands.

#[path = "lok_support.rs"]
mod support;

use std::path::Path;
use std::sync::mpsc;

use oxool_kit::lok::enums::{callback, key_code, keyevent};
use oxool_kit::lok::{CallbackEvent, Document, Office};
use support::{collect_more, in_lok_process, poll, settle, work_copy};

/// Types `text` into the current view, one key press and release per character.
fn type_text(document: &Document, text: &str) {
    for ch in text.chars() {
        document
            .post_key_event(keyevent::KEYINPUT, ch as i32, 0)
            .unwrap();
        document
            .post_key_event(keyevent::KEYUP, ch as i32, 0)
            .unwrap();
    }
}

fn press(document: &Document, char_code: i32, key: i32) {
    document
        .post_key_event(keyevent::KEYINPUT, char_code, key)
        .unwrap();
    document
        .post_key_event(keyevent::KEYUP, char_code, key)
        .unwrap();
}

/// A work copy of fixture `name` loaded (in English) and ready for input and painting.
fn load_for_editing(office: &Office, scratch: &Path, name: &str) -> Document {
    let document = office
        .load(&work_copy(scratch, name), "Language=en-US")
        .unwrap();
    document.initialize_for_rendering("{}").unwrap();
    document
}

fn kinds(events: &[CallbackEvent], view: i32, kind: i32) -> usize {
    events
        .iter()
        .filter(|e| e.view == view && e.kind == kind)
        .count()
}

#[test]
fn two_writer_views_type_and_get_their_callbacks() {
    in_lok_process(
        "two_writer_views_type_and_get_their_callbacks",
        |office, scratch| {
            let mut document = load_for_editing(office, scratch, "simple.odt");
            let first = document.view().unwrap();
            let (tx_first, rx_first) = mpsc::channel();
            document.register_channel(tx_first).unwrap();

            let second = document.create_view().unwrap();
            assert_ne!(first, second, "Writer must give a real second view");
            assert_eq!(
                document.view().unwrap(),
                second,
                "a new view becomes current"
            );
            document.initialize_for_rendering("{}").unwrap();
            let (tx_second, rx_second) = mpsc::channel();
            document.register_channel(tx_second).unwrap();
            assert_eq!(document.views_count().unwrap(), 2);
            let mut ids = document.view_ids().unwrap();
            ids.sort();
            assert_eq!(ids, vec![first.min(second), first.max(second)]);

            let txt = scratch.join("work/typed.txt");
            let saved_text = |document: &Document| -> Option<String> {
                document.save_as(&txt, "txt", None).ok()?;
                std::fs::read_to_string(&txt).ok()
            };
            // Key events are applied asynchronously, and Writer buffers typed characters per
            // view: a second view typing before the first view's keys ran interleaves the words
            // (a CI run failed that way). Let each view's keys land before the next view types.
            let (mut seen_first, mut seen_second) = (Vec::new(), Vec::new());
            document.set_view(first).unwrap();
            type_text(&document, "Kilo");
            settle(&document, &rx_first, &mut seen_first);
            poll(|| saved_text(&document).filter(|text| text.contains("Kilo")))
                .expect("the first view's word reaches the document");
            document.set_view(second).unwrap();
            type_text(&document, "Lima");
            settle(&document, &rx_second, &mut seen_second);

            // Each view hears about its own edits on its own registration.
            let events_first = collect_more(&rx_first, seen_first, |seen| {
                kinds(seen, first, callback::INVALIDATE_TILES) > 0
                    && kinds(seen, first, callback::INVALIDATE_VISIBLE_CURSOR) > 0
            });
            let events_second = collect_more(&rx_second, seen_second, |seen| {
                kinds(seen, second, callback::INVALIDATE_TILES) > 0
                    && kinds(seen, second, callback::INVALIDATE_VISIBLE_CURSOR) > 0
            });
            for (view, events) in [(first, &events_first), (second, &events_second)] {
                assert!(
                    kinds(events, view, callback::INVALIDATE_TILES) > 0,
                    "view {view}: no INVALIDATE_TILES in {} events",
                    events.len()
                );
                assert!(
                    kinds(events, view, callback::INVALIDATE_VISIBLE_CURSOR) > 0,
                    "view {view}: no cursor callback"
                );
                assert!(
                    events.iter().all(|e| e.view == view),
                    "events of view {view} carry another view id"
                );
            }
            println!(
                "callbacks: view {first}: {}, view {second}: {}",
                events_first.len(),
                events_second.len()
            );

            // The edits land in the document: poll a plain-text save until both words show up.
            let mut last_seen = String::new();
            let text = poll(|| {
                let text = saved_text(&document)?;
                last_seen = text.clone();
                (text.contains("Kilo") && text.contains("Lima")).then_some(text)
            })
            .unwrap_or_else(|| {
                panic!("typed text from both views reaches the document: {last_seen:?}")
            });
            assert!(text.contains("oxool fixture text alpha"), "{text}");
            println!("document text after typing: {text:?}");

            // A UNO command, then the selection it makes, as the client's copy would read it.
            document.set_view(first).unwrap();
            document
                .post_uno_command(".uno:SelectAll", None, false)
                .unwrap();
            let selected = poll(|| {
                let (text, mime) = document
                    .get_text_selection("text/plain;charset=utf-8")
                    .ok()?;
                (text.contains("second paragraph beta")).then_some((text, mime))
            })
            .expect("SelectAll selects the document's text");
            assert!(selected.0.contains("Kilo"), "{selected:?}");
            assert!(selected.1.starts_with("text/plain"), "{selected:?}");

            document.destroy_view(second).unwrap();
            assert_eq!(document.views_count().unwrap(), 1);
        },
    );
}

#[test]
fn calc_cell_input_recalculates_the_formula() {
    in_lok_process(
        "calc_cell_input_recalculates_the_formula",
        |office, scratch| {
            let mut document = load_for_editing(office, scratch, "simple.ods");
            let (tx, rx) = mpsc::channel();
            document.register_channel(tx).unwrap();
            // The cursor starts on A1 (2); 100 + Enter replaces it, so A3 = SUM(A1:A2) becomes 140.
            type_text(&document, "100");
            press(&document, 13, key_code::RETURN);
            // A save while the keys are still queued could end the cell edit half way (a CI run
            // stored 40, never 140): let LibreOffice apply the input first, as the kit does.
            let mut seen = Vec::new();
            settle(&document, &rx, &mut seen);

            let csv = scratch.join("work/edited.csv");
            let text = poll(|| {
                document.save_as(&csv, "csv", None).ok()?;
                let text = std::fs::read_to_string(&csv).ok()?;
                text.lines().any(|l| l == "140").then_some(text)
            })
            .expect("the formula result follows the edited cell");
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines, ["100", "40", "140"], "{text}");

            let events = collect_more(&rx, seen, |seen| {
                seen.iter().any(|e| e.kind == callback::CELL_CURSOR)
            });
            assert!(
                events.iter().any(|e| e.kind == callback::CELL_CURSOR),
                "no CELL_CURSOR callback among {} events",
                events.len()
            );
        },
    );
}
