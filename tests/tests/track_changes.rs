//! Tracked changes end to end (issue 12, point 2): WebSocket clients → the real oxool-wsd → a
//! real kit with LibreOffice. Recording is `.uno:TrackChanges` (its state comes back as
//! `STATE_CHANGED`); LibreOffice tells every view of each change as `REDLINE_TABLE_SIZE_CHANGED`
//! (added, removed) or `REDLINE_TABLE_ENTRY_MODIFIED`, and `command-values
//! command=.uno:AcceptTrackedChanges` lists the changes a document has.

use std::path::Path;

use oxool_tests::editing_setup::EditingSetup as Setup;
use oxool_tests::user::RunAs;
use oxool_tests::ws::{Incoming, WsClient};
use oxool_tests::zip_members;

/// A JSON value LibreOffice sends as a string or a number, as text.
fn text_of(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The `redline` object of a `REDLINE_TABLE_*` event.
fn redline(event: &Incoming) -> serde_json::Value {
    event.json()["redline"].clone()
}

/// Waits for a `REDLINE_TABLE_SIZE_CHANGED` event with this action (`Add`, `Remove`).
async fn redline_event(
    client: &mut WsClient,
    what: &str,
    action: &'static str,
) -> serde_json::Value {
    let event = client
        .wait_for(what, |m| {
            m.is_event("REDLINE_TABLE_SIZE_CHANGED") && redline(m)["action"] == action
        })
        .await;
    redline(&event)
}

/// Waits for `STATE_CHANGED` of `.uno:TrackChanges` with this value.
async fn recording_state(client: &mut WsClient, what: &str, on: bool) {
    let expected = format!(".uno:TrackChanges={on}");
    client
        .wait_for(what, |m| {
            m.is_event("STATE_CHANGED") && m.body_text().trim() == expected
        })
        .await;
}

/// The document's tracked changes as `command-values command=.uno:AcceptTrackedChanges`
/// lists them.
async fn change_list(client: &mut WsClient, what: &str) -> Vec<serde_json::Value> {
    client
        .command_values_list(what, ".uno:AcceptTrackedChanges", "redlines")
        .await
}

/// The argument of `.uno:AcceptTrackedChange` / `.uno:RejectTrackedChange`: the change's id.
fn change_id_args(command: &str, id: &str) -> String {
    let name = command.trim_start_matches(".uno:");
    serde_json::json!({ name: {"type": "unsigned short", "value": id} }).to_string()
}

/// `word/document.xml` of a stored docx.
fn docx_document(path: &Path) -> String {
    zip_members(path, "word/document.xml")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_users_record_accept_and_reject_tracked_changes() {
    let setup = Setup::start(RunAs::Root);
    let name = "tracked.docx";
    let (mut a, mut b) = setup.open_alice_and_bob("simple.docx", name).await;
    assert!(
        change_list(&mut a, "the list before").await.is_empty(),
        "simple.docx has no tracked changes"
    );

    // A records; A types: both hear of one insertion by Alice.
    a.uno(".uno:TrackChanges", None).await;
    recording_state(&mut a, "recording on at A", true).await;
    // The other user's menu shows it too.
    recording_state(&mut b, "recording on at B", true).await;
    a.type_keys("Tracked").await;
    let added = redline_event(&mut b, "A's change at B", "Add").await;
    assert_eq!(added["author"], "Alice", "{added}");
    assert_eq!(added["type"], "Insert", "{added}");
    let seen_by_a = redline_event(&mut a, "A's change at A", "Add").await;
    assert_eq!(text_of(&seen_by_a["index"]), text_of(&added["index"]));
    // Wait for the last key to be in the change before listing.
    a.wait_for("the whole word in the change", |m| {
        m.is_event("REDLINE_TABLE_ENTRY_MODIFIED")
            && text_of(&redline(m)["description"]).contains("Tracked")
    })
    .await;
    let list = change_list(&mut b, "the list at B").await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["author"], "Alice", "{list:?}");
    assert_eq!(list[0]["type"], "Insert", "{list:?}");
    assert!(!text_of(&list[0]["dateTime"]).is_empty(), "{list:?}");
    let id = text_of(&list[0]["index"]);

    // The panel's click: `.uno:NextTrackedChange` with the id selects that change at B.
    b.skip_seen();
    b.uno(
        ".uno:NextTrackedChange",
        Some(&change_id_args(".uno:NextTrackedChange", &id)),
    )
    .await;
    b.wait_for("the change selected", |m| {
        m.is_event("TEXT_SELECTION") && !m.body_text().trim().is_empty()
    })
    .await;
    // Show and hide: a toggle whose state comes back like recording's.
    b.uno(".uno:ShowTrackedChanges", None).await;
    b.wait_for("the changes hidden", |m| {
        m.is_event("STATE_CHANGED") && m.body_text().trim() == ".uno:ShowTrackedChanges=false"
    })
    .await;
    b.uno(".uno:ShowTrackedChanges", None).await;
    b.wait_for("the changes shown", |m| {
        m.is_event("STATE_CHANGED") && m.body_text().trim() == ".uno:ShowTrackedChanges=true"
    })
    .await;

    // B accepts it by id: both hear of the removal, the list is empty.
    b.uno(
        ".uno:AcceptTrackedChange",
        Some(&change_id_args(".uno:AcceptTrackedChange", &id)),
    )
    .await;
    let removed = redline_event(&mut a, "the acceptance at A", "Remove").await;
    assert_eq!(text_of(&removed["index"]), id, "{removed}");
    assert!(change_list(&mut a, "the list after accepting")
        .await
        .is_empty());

    // A types more, B rejects all: the typed text goes with the change.
    a.type_keys("Gone").await;
    redline_event(&mut b, "the second change at B", "Add").await;
    a.wait_for("the second word in the change", |m| {
        m.is_event("REDLINE_TABLE_ENTRY_MODIFIED")
            && text_of(&redline(m)["description"]).contains("Gone")
    })
    .await;
    b.uno(".uno:RejectAllTrackedChanges", None).await;
    redline_event(&mut a, "the rejection at A", "Remove").await;
    assert!(change_list(&mut b, "the list after rejecting")
        .await
        .is_empty());

    // Recording off again.
    a.uno(".uno:TrackChanges", None).await;
    recording_state(&mut a, "recording off at A", false).await;

    a.save_stored().await;
    let xml = docx_document(&setup.host.path_of(name));
    assert!(xml.contains("Tracked"), "the accepted text stays: {xml}");
    assert!(!xml.contains("Gone"), "the rejected text went: {xml}");
    assert!(!xml.contains("<w:ins "), "no change left: {xml}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_docx_with_tracked_changes_lists_them_and_keeps_new_ones() {
    let name = "reviewed.docx";
    let setup = Setup::with_document("tracked.docx", name);
    let mut a = setup.open("Alice", name, true).await;
    let list = change_list(&mut a, "the list on open").await;
    assert_eq!(list.len(), 2, "{list:?}");
    assert!(list.iter().all(|c| c["author"] == "Carol"), "{list:?}");
    let mut types: Vec<String> = list.iter().map(|c| text_of(&c["type"])).collect();
    types.sort();
    assert_eq!(types, ["Delete", "Insert"], "{list:?}");

    // A records a change of her own; the stored docx has all three.
    a.uno(".uno:TrackChanges", None).await;
    recording_state(&mut a, "recording on", true).await;
    a.type_keys("Alice").await;
    let added = redline_event(&mut a, "A's change", "Add").await;
    assert_eq!(added["author"], "Alice", "{added}");
    a.wait_for("the whole word in the change", |m| {
        m.is_event("REDLINE_TABLE_ENTRY_MODIFIED")
            && text_of(&redline(m)["description"]).contains("Alice")
    })
    .await;
    a.save_stored().await;
    let stored = setup.host.path_of(name);
    let xml = docx_document(&stored);
    for expected in [
        "w:author=\"Carol\"",
        "w:author=\"Alice\"",
        "<w:del ",
        "<w:ins ",
    ] {
        assert!(
            xml.contains(expected),
            "{expected} is not in document.xml: {xml}"
        );
    }

    // The stored bytes opened afresh (another name, so another kit loads them): the changes
    // are listed again.
    setup
        .host
        .add_document("reopened.docx", &std::fs::read(&stored).unwrap())
        .unwrap();
    let mut c = setup.open("Carol", "reopened.docx", true).await;
    let list = change_list(&mut c, "the list of the reopened docx").await;
    assert_eq!(list.len(), 3, "{list:?}");
    assert!(list.iter().any(|c| c["author"] == "Alice"), "{list:?}");
}
