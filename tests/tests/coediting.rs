//! Co-editing end to end: WebSocket clients (docs/protocol.md) → the real oxool-wsd → real kits
//! with LibreOffice, documents served by the independent WOPI host (tests/wopi-host). Every
//! stored result is checked by its content, converted by the server's own convert-to.

use oxool_tests::editing_setup::EditingSetup as Setup;
use oxool_tests::input::EDITING_INPUT;
use oxool_tests::user::RunAs;
use oxool_tests::wopi_host::WopiHost;
use oxool_tests::ws::{Incoming, WsClient};

/// The `viewId` of an event's JSON (LibreOffice sends it as a string or a number).
fn view_id(event: &Incoming) -> Option<String> {
    match &event.json()["viewId"] {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Waits for `other`'s cursor in this session's view and for an invalidation, in any order,
/// both since `mark`.
async fn sees_edits_of(client: &mut WsClient, other_lok_view: &str, mark: usize) {
    client.rewind_to(mark);
    client
        .wait_for("the other view's cursor", |m| {
            m.is_event("INVALIDATE_VIEW_CURSOR") && view_id(m).as_deref() == Some(other_lok_view)
        })
        .await;
    client.rewind_to(mark);
    client
        .wait_for("an invalidation", |m| m.is("invalidate"))
        .await;
}

fn header<'a>(request: &'a serde_json::Value, name: &str) -> Option<&'a str> {
    request["headers"]
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_str())
}

async fn two_writers_edit_a_docx(run_as: RunAs) {
    let setup = Setup::start(run_as);
    let label = run_as.label();
    let name = "coedit.docx";
    let (mut a, mut b) = setup.open_alice_and_bob("simple.docx", name).await;

    let status_a = a.status.clone().unwrap();
    let status_b = b.status.clone().unwrap();
    for status in [&status_a, &status_b] {
        assert_eq!(status.get("type"), Some("text"), "[{label}] {status}");
        assert_eq!(status.get("readonly"), Some("0"), "[{label}] {status}");
        assert_eq!(status.get("name"), Some(name), "[{label}] {status}");
        assert_eq!(status.get("parts"), Some("1"), "[{label}] {status}");
    }
    assert_ne!(status_a.get("view"), status_b.get("view"));
    assert_ne!(a.lok_view(), b.lok_view(), "each session has its own view");

    // Both sessions are in the user list A receives, with their names and distinct colours.
    let users = a
        .latest_or_wait("a user list with both sessions", |m| {
            m.is("users") && m.json().as_array().map(|u| u.len()) == Some(2)
        })
        .await
        .json();
    let users = users.as_array().unwrap();
    let names: Vec<&str> = users.iter().filter_map(|u| u["name"].as_str()).collect();
    assert!(
        names.contains(&"Alice") && names.contains(&"Bob"),
        "{users:?}"
    );
    assert_ne!(users[0]["color"], users[1]["color"], "{users:?}");
    assert_eq!(
        users.iter().filter(|u| u["self"] == true).count(),
        1,
        "{users:?}"
    );

    // A first tile, then the same tile again: unchanged.
    a.tiles(0, 256, 3840, &[(0, 0)]).await;
    let tile = a.wait_for("the first tile", |m| m.is_tile()).await;
    assert!(tile.binary && tile.get("format") == Some("png"), "{tile}");
    let png = png::Decoder::new(std::io::Cursor::new(&tile.body))
        .read_info()
        .expect("a PNG");
    assert_eq!((png.info().width, png.info().height), (256, 256));
    a.refresh_tiles(0, 256, 3840, &[(0, 0)]).await;
    let again = a.wait_for("the same tile again", |m| m.is_tile()).await;
    assert_eq!(again.get("unchanged"), Some("1"), "{again}");
    assert!(!again.binary, "{again}");

    // A types; B sees A's cursor and the invalidated area. Then the other way round.
    let mark = b.mark();
    a.type_keys("AlphaMarker ").await;
    sees_edits_of(&mut b, &a.lok_view(), mark).await;
    a.wait_for("modified=1", |m| {
        m.is("doc-state") && m.get("modified") == Some("1")
    })
    .await;
    // Writer applies a view's typed characters later, in batches: B typing now could land in
    // the middle of A's word (a CI run stored "AlphaMarBker"). A save is the kit's barrier
    // behind every queued key, so once it is done A's word is whole.
    a.save(false).await;
    let mark = a.mark();
    b.type_keys("BravoMarker ").await;
    sees_edits_of(&mut a, &b.lok_view(), mark).await;

    // The tile A saw before is repainted with the edits: no longer "unchanged".
    a.refresh_tiles(0, 256, 3840, &[(0, 0)]).await;
    let repainted = a.wait_for("the repainted tile", |m| m.is_tile()).await;
    assert!(
        repainted.binary,
        "the edited tile is sent again: {repainted}"
    );

    let saved = a.save(false).await;
    assert_eq!(saved.get("save"), Some("idle"), "[{label}] {saved}");
    assert_eq!(saved.get("modified"), Some("0"), "[{label}] {saved}");
    b.wait_for("B hears of the save", |m| {
        m.is("doc-state") && m.get("modified") == Some("0")
    })
    .await;
    let text = setup.stored_text(name);
    assert!(
        text.contains("AlphaMarker") && text.contains("BravoMarker"),
        "[{label}] stored text: {text}"
    );
    assert!(text.contains("oxool fixture text alpha"), "{text}");

    // The upload was a locked, user-modified PutFile.
    let puts = setup.host.requests("PutFile", name).unwrap();
    let put = puts.last().expect("a PutFile");
    assert_eq!(put["status"], 200, "{put}");
    assert!(
        header(put, "X-WOPI-Lock").is_some_and(|l| !l.is_empty()),
        "{put}"
    );
    assert_eq!(
        header(put, "X-COOL-WOPI-IsModifiedByUser"),
        Some("true"),
        "{put}"
    );

    // The last session leaving unlocks the file.
    drop(a);
    drop(b);
    wait_until_unlocked(&setup.host, name).await;
    setup.assert_no_token_in_log(&["Alice", "Bob"]);
}

async fn wait_until_unlocked(host: &WopiHost, name: &str) {
    oxool_tests::eventually::eventually_async(
        &format!("{name} to be unlocked after its last session left"),
        oxool_tests::ws::DEADLINE,
        || async { host.locks().unwrap().get(name).is_none().then_some(()) },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_writers_edit_a_docx_as_root() {
    two_writers_edit_a_docx(RunAs::Root).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_writers_edit_a_docx_as_unprivileged_user() {
    two_writers_edit_a_docx(RunAs::Unprivileged).await;
}

/// Cells of a CSV line.
fn cells(line: &str) -> Vec<&str> {
    line.split(',').map(|c| c.trim_matches('"')).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_writers_edit_an_xlsx_and_the_formula_follows() {
    let setup = Setup::start(RunAs::Root);
    let name = "coedit.xlsx";
    let (mut a, mut b) = setup.open_alice_and_bob("simple.xlsx", name).await;
    assert_eq!(a.status.as_ref().unwrap().get("type"), Some("spreadsheet"));
    assert_eq!(a.status.as_ref().unwrap().get("parts"), Some("2"));

    // A: A1 = 7 (A3 = SUM(A1:A2) becomes 47). B: B1 = A1*3 in its own view.
    let mark = b.mark();
    let goto = |cell: &str| format!(r#"{{"ToPoint":{{"type":"string","value":"{cell}"}}}}"#);
    a.uno(".uno:GoToCell", Some(&goto("A1"))).await;
    a.type_keys("7").await;
    a.enter().await;
    b.uno(".uno:GoToCell", Some(&goto("B1"))).await;
    b.type_keys("=A1*3").await;
    b.enter().await;
    b.rewind_to(mark);
    b.wait_for("A's cell cursor in B's view", |m| {
        m.is_event("CELL_VIEW_CURSOR") && view_id(m).as_deref() == Some(&a.lok_view())
    })
    .await;
    b.rewind_to(mark);
    b.wait_for("an invalidation", |m| m.is("invalidate")).await;

    a.save_stored().await;
    let csv = setup.stored_text(name);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(cells(lines[0])[..2], ["7", "21"], "stored csv: {csv}");
    assert_eq!(cells(lines[2])[0], "47", "the sum is recalculated: {csv}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pptx_switches_slides_and_types_into_a_shape() {
    let name = "deck.pptx";
    let setup = Setup::with_document("simple.pptx", name);
    let mut a = setup.open("Alice", name, true).await;
    assert_eq!(a.status.as_ref().unwrap().get("type"), Some("presentation"));
    assert_eq!(a.status.as_ref().unwrap().get("parts"), Some("2"));
    a.send(oxool_proto::Message::new("set-part").arg("part", 1))
        .await;
    let status = a
        .wait_for("a fresh status after the slide switch", |m| {
            m.is("status") && m.get("part") == Some("1")
        })
        .await;
    assert_eq!(status.get("parts"), Some("2"), "{status}");
    // Impress types into a shape in edit mode only: Tab selects the first shape, Enter edits.
    // As a person would, wait to see the selection, then the text cursor, before going on
    // (keys sent at once were seen to miss the shape: Impress handles them asynchronously).
    a.key(0, 1282).await;
    a.wait_for("the shape selected", |m| {
        m.is_event("GRAPHIC_SELECTION") && m.body_text() != "EMPTY"
    })
    .await;
    a.enter().await;
    a.wait_for("the text cursor in the shape", |m| {
        m.is_event("CURSOR_VISIBLE") && m.body_text().trim() == "true"
    })
    .await;
    a.skip_seen();
    a.type_keys("ZuluMarker").await;
    a.wait_for("the typed text repainted", |m| m.is("invalidate"))
        .await;
    a.latest_or_wait("modified=1", |m| {
        m.is("doc-state") && m.get("modified") == Some("1")
    })
    .await;
    a.save_stored().await;
    let text = setup.stored_text(name);
    assert!(text.contains("ZuluMarker"), "stored slides: {text}");
    assert!(text.contains("oxool slide one title"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_view_only_session_cannot_modify() {
    let name = "readonly.docx";
    let (setup, mut viewer, original) = Setup::with_viewer("simple.docx", name).await;
    let status = viewer.status.clone().unwrap();
    assert_eq!(status.get("readonly"), Some("1"), "{status}");
    let users = viewer
        .latest_or_wait("the user list", |m| m.is("users"))
        .await
        .json();
    assert_eq!(users[0]["readonly"], true, "{users}");

    // Every kind of input that may edit is refused, each with its own error (selecting with the
    // left button and copying are allowed: tests/tests/view_only_selection.rs).
    for line in EDITING_INPUT {
        // Only the refusal counts: LibreOffice repaints on its own (the spell checker's
        // underlines arrive after load), so an invalidation proves nothing either way. Input that
        // got through would show as no refusal and, at the end, as a changed stored file.
        viewer.expect_refused(line, "readonly").await;
    }
    // It may still look: tiles, status, download.
    viewer.tiles(0, 256, 3840, &[(0, 0)]).await;
    viewer.wait_for("a tile", |m| m.is_tile()).await;
    viewer.send_line("download id=1 format=txt").await;
    let download = viewer
        .wait_for("the download", |m| m.is("download") || m.is("error"))
        .await;
    assert!(download.is("download") && download.binary, "{download}");
    assert!(
        String::from_utf8_lossy(&download.body).contains("oxool fixture text alpha"),
        "{download}"
    );
    // A view-only session takes no lock; the document is closed once it leaves, and only then
    // is "it never uploaded" a fact rather than "it had not uploaded yet".
    assert!(
        setup.host.locks().unwrap().get(name).is_none(),
        "a view-only session took a lock"
    );
    drop(viewer);
    oxool_tests::eventually::eventually(
        "the document to close after its only (view-only) session left",
        oxool_tests::ws::DEADLINE,
        || setup.server.log().contains("document closed").then_some(()),
    );
    assert!(
        setup.host.requests("PutFile", name).unwrap().is_empty(),
        "a view-only session never uploads"
    );
    setup.assert_stored_unchanged(name, &original);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflict_is_reported_and_overwrite_stores() {
    let name = "conflict.docx";
    let setup = Setup::with_document("simple.docx", name);
    let mut a = setup.open("Alice", name, true).await;
    a.type_keys("FirstEdit ").await;
    a.save_stored().await;

    // Someone changes the file in storage; our next upload must not silently replace it.
    a.type_keys("SecondEdit ").await;
    a.wait_for("modified=1", |m| {
        m.is("doc-state") && m.get("modified") == Some("1")
    })
    .await;
    setup.host.touch(name, None).unwrap();
    let conflict = a.save(false).await;
    assert_eq!(conflict.get("save"), Some("conflict"), "{conflict}");
    assert_eq!(conflict.get("kind"), Some("document-changed"), "{conflict}");
    assert_eq!(conflict.get("modified"), Some("1"), "{conflict}");
    let puts = setup.host.requests("PutFile", name).unwrap();
    assert_eq!(puts.last().unwrap()["status"], 409, "{puts:?}");

    let overwritten = a.save(true).await;
    assert_eq!(overwritten.get("save"), Some("idle"), "{overwritten}");
    assert_eq!(overwritten.get("modified"), Some("0"), "{overwritten}");
    let text = setup.stored_text(name);
    assert!(
        text.contains("FirstEdit") && text.contains("SecondEdit"),
        "stored after overwrite: {text}"
    );
}

/// Every key sent before `save` is in what the save stores, even when the save follows at once
/// (LibreOffice handles keys asynchronously; a save must wait for them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_save_right_after_typing_stores_every_key() {
    let setup = Setup::start(RunAs::Root);
    for (fixture, name) in [("simple.docx", "quick.docx"), ("simple.xlsx", "quick.xlsx")] {
        setup.host.add_fixture(fixture, name).unwrap();
        let mut a = setup.open("Alice", name, true).await;
        a.type_keys("QuickSaveMarker").await;
        if name.ends_with(".xlsx") {
            a.enter().await;
        }
        let saved = a.save(false).await;
        assert_eq!(saved.get("save"), Some("idle"), "{name}: {saved}");
        assert_eq!(saved.get("modified"), Some("0"), "{name}: {saved}");
        let text = setup.stored_text(name);
        assert!(text.contains("QuickSaveMarker"), "{name} stored: {text}");
        // And nothing is left unsaved behind the client's back.
        let later = a.drain_for(std::time::Duration::from_secs(1)).await;
        assert!(
            !later
                .iter()
                .any(|m| m.is("doc-state") && m.get("modified") == Some("1")),
            "{name}: modified again after the save without new input"
        );
    }
}

/// Two users typing in turn, one at the start and one at the end: each word lands whole at its
/// own user's cursor. LibreOffice 7.4 applies a queued key to the view current when it runs,
/// so the kit applies one view's queued keys before it posts another's (kit/src/session/mod.rs);
/// without that, the first letter of a turn could land at the other user's cursor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_of_users_typing_in_turn_land_at_their_own_cursors() {
    const CTRL_END: u32 = 1029 | 0x2000;
    let setup = Setup::start(RunAs::Root);
    let name = "turns.docx";
    let (mut a, mut b) = setup.open_alice_and_bob("simple.docx", name).await;
    b.key(0, CTRL_END).await;
    let mut words = Vec::new();
    for turn in 0..25 {
        for (client, who) in [(&mut a, "alice"), (&mut b, "bob")] {
            let word = format!("{who}{turn}turn");
            client.type_keys(&format!("{word} ")).await;
            words.push(word);
        }
        // Fast, but within wsd's input rate limit (200 messages a second, two per key).
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    }
    a.save_stored().await;
    let stored = setup.stored_text(name).to_lowercase();
    let broken: Vec<&String> = words
        .iter()
        .filter(|w| !stored.contains(w.as_str()))
        .collect();
    assert!(
        broken.is_empty(),
        "words not whole: {broken:?}\nstored: {stored}\nA: {}\nB: {}",
        a.recent(12),
        b.recent(12)
    );
    // Alice's words come before the fixture's text, Bob's after it.
    let fixture = stored.find("oxool fixture").expect("the fixture's text");
    assert!(stored.find("alice24turn").unwrap() < fixture, "{stored}");
    assert!(stored.find("bob0turn").unwrap() > fixture, "{stored}");
}

/// Two users in a spreadsheet move with the arrow keys and type into their own cells, four
/// times: each value lands in the cell its user's cursor is on. LibreOffice 7.4's Calc applies
/// a key before the cursor move queued ahead of it has settled, so with several views the kit
/// lets each key be applied before it posts the next (kit/src/session/mod.rs); without that,
/// values landed a few cells left of the cursor, or in the first column.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_of_two_users_in_a_spreadsheet_land_in_their_own_cells() {
    const RIGHT: u32 = 1027;
    const CTRL_HOME: u32 = 1028 | 0x2000;
    let setup = Setup::start(RunAs::Root);
    for round in 0..4 {
        let name = format!("cells-{round}.xlsx");
        setup.host.add_fixture("simple.xlsx", &name).unwrap();
        let mut a = setup.open("Alice", &name, true).await;
        let mut b = setup.open("Bob", &name, true).await;
        for (client, column) in [(&mut a, 5), (&mut b, 6)] {
            client.key(0, CTRL_HOME).await;
            for _ in 0..column {
                client.key(0, RIGHT).await;
            }
        }
        a.type_keys("4711").await;
        a.enter().await;
        b.type_keys("5822").await;
        b.enter().await;
        // Each waits for its own cursor below the value: the kit has applied its keys.
        for (client, cell) in [(&mut a, "F2"), (&mut b, "G2")] {
            client
                .wait_for(cell, |m| {
                    m.is_event("CELL_ADDRESS") && m.body_text().trim() == cell
                })
                .await;
        }
        a.save_stored().await;
        let csv = setup.stored_text(&name);
        let first_row = csv.lines().next().unwrap_or_default();
        assert_eq!(
            first_row, "2,,,,,4711,5822",
            "round {round}: the values are not in F1 and G1:\n{csv}"
        );
    }
}
