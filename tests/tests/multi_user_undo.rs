//! Undo and redo with several users (issue 12, point 3), against real kits. LibreOffice keeps one
//! undo stack per document and marks each action with the view that made it. In LibreOfficeKit
//! mode it refuses to undo (or redo) another view's action: the dispatch then answers the view
//! that asked with `UNO_COMMAND_RESULT` `{"commandName":".uno:Undo","success":true,"result":
//! {"type":"long","value":"6683"}}` (6683 is LibreOffice's SID_REPAIRPACKAGE: "conflict, only a
//! document repair could"). Writer 7.4 still undoes a user's own edit when the later edits of
//! others are in other paragraphs. These tests pin down both, because the web client tells
//! the user from exactly that answer.

use std::path::Path;

use oxool_tests::editing_setup::EditingSetup as Setup;
use oxool_tests::user::RunAs;
use oxool_tests::ws::WsClient;
use oxool_tests::zip_members;

/// LibreOffice's SID_REPAIRPACKAGE: the result of an undo or redo refused for a conflict.
const UNDO_CONFLICT: &str = "6683";
/// `css::awt::Key` END with Ctrl (MOD1): the end of the document.
const CTRL_END: u32 = 1029 | 0x2000;

/// The stored document's text: the `w:t` runs of word/document.xml, joined.
fn docx_text(path: &Path) -> String {
    let xml = zip_members(path, "word/document.xml");
    let mut text = String::new();
    let mut rest = xml.as_str();
    while let Some(at) = rest.find("<w:t") {
        rest = &rest[at + 4..];
        // `<w:t>` or `<w:t xml:space=…>`, not `<w:tab/>` or `<w:tbl>`.
        if !(rest.starts_with('>') || rest.starts_with(' ')) {
            continue;
        }
        let Some(open_end) = rest.find('>') else {
            break;
        };
        rest = &rest[open_end + 1..];
        // The run's text: up to the next tag, when that tag closes the run.
        let end = rest.find('<').unwrap_or(rest.len());
        if rest[end..].starts_with("</w:t>") {
            text.push_str(&rest[..end]);
        }
        rest = &rest[end..];
    }
    text
}

/// `saver` saves; waits until both users have seen the save end. The kit applies every key
/// posted before a save first, so this is the barrier that orders one user's typing before the
/// other's: without waiting at `other` too, its next save could mistake this one's broadcast
/// states for its own.
async fn save_seen_by_both(saver: &mut WsClient, other: &mut WsClient) {
    saver.save_stored().await;
    other
        .wait_for("the other user's save", |m| {
            m.is("doc-state") && m.get("save") == Some("saving")
        })
        .await;
    other
        .wait_for("the end of the other user's save", |m| {
            m.is("doc-state") && m.get("save") != Some("saving")
        })
        .await;
}

/// Alice and Bob open a copy of simple.docx as `name`. Alice types `first` at the heading, then
/// Bob types `second` at the heading too, or at the end of the document when `bob_at_end`; each
/// edit is saved and seen by both before what comes next.
async fn alice_then_bob(
    name: &str,
    first: &str,
    bob_at_end: bool,
    second: &str,
) -> (Setup, WsClient, WsClient) {
    let setup = Setup::start(RunAs::Root);
    let (mut a, mut b) = setup.open_alice_and_bob("simple.docx", name).await;
    a.type_keys(first).await;
    save_seen_by_both(&mut a, &mut b).await;
    if bob_at_end {
        b.key(0, CTRL_END).await;
    }
    b.type_keys(second).await;
    save_seen_by_both(&mut b, &mut a).await;
    (setup, a, b)
}

/// The text of stored document `name` ([`docx_text`]).
fn stored_text(setup: &Setup, name: &str) -> String {
    docx_text(&setup.host.path_of(name))
}

/// Sends `command` (`.uno:Undo`, `.uno:Redo`) and returns its `UNO_COMMAND_RESULT` JSON.
async fn undo_like(client: &mut WsClient, command: &'static str) -> serde_json::Value {
    client.skip_seen();
    client.uno(command, None).await;
    client
        .wait_for(command, |m| {
            m.is_event("UNO_COMMAND_RESULT") && m.json()["commandName"] == command
        })
        .await
        .json()
}

fn refused(result: &serde_json::Value) -> bool {
    result["result"]["type"] == "long" && result["result"]["value"] == UNDO_CONFLICT
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undo_after_another_users_edit_in_the_same_paragraph_is_refused_with_a_reason() {
    // Both cursors start at the heading: A types, then B types into the same paragraph.
    let name = "undo.docx";
    let (setup, mut a, mut b) = alice_then_bob(name, "Alpha", false, "Beta").await;

    // A's undo is refused, A is told why, and nothing changed.
    let result = undo_like(&mut a, ".uno:Undo").await;
    assert!(refused(&result), "a conflict result: {result}");
    save_seen_by_both(&mut a, &mut b).await;
    let text = stored_text(&setup, name);
    assert!(text.contains("Alpha") && text.contains("Beta"), "{text}");

    // B undoes B's own edit: allowed (LibreOffice 7.4 reports `success: false` with no result
    // even then, so only the conflict result means refused).
    let result = undo_like(&mut b, ".uno:Undo").await;
    assert!(!refused(&result), "{result}");
    save_seen_by_both(&mut b, &mut a).await;
    let text = stored_text(&setup, name);
    assert!(!text.contains("Beta") && text.contains("Alpha"), "{text}");

    // Redo is refused the same way: B's undone edit is on top of the redo stack, not A's.
    let result = undo_like(&mut a, ".uno:Redo").await;
    assert!(refused(&result), "redo of B's edit by A: {result}");

    // A's own edit is the last one now: A's undo works.
    let result = undo_like(&mut a, ".uno:Undo").await;
    assert!(!refused(&result), "{result}");
    save_seen_by_both(&mut a, &mut b).await;
    let text = stored_text(&setup, name);
    assert!(!text.contains("Alpha"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writer_undoes_a_users_own_edit_when_the_later_edit_is_in_another_paragraph() {
    let name = "apart.docx";
    let (setup, mut a, mut b) = alice_then_bob(name, "Gamma", true, "Delta").await;

    // B's later edit is in the last paragraph, A's in the heading: independent, so allowed.
    let result = undo_like(&mut a, ".uno:Undo").await;
    assert!(!refused(&result), "{result}");
    save_seen_by_both(&mut a, &mut b).await;
    let text = stored_text(&setup, name);
    assert!(!text.contains("Gamma"), "A's edit is undone: {text}");
    assert!(text.contains("Delta"), "B's edit stays: {text}");
}
