//! A view-only user selects and copies (issue 12.7): clicks, Shift+click, navigation keys and
//! `get-selection` work, while drags (LibreOffice 7.4's views are never read-only themselves: a
//! drag could move an image or a shape), typing, Delete, Enter, cut and paste are refused and
//! leave the document unchanged. Real wsd, real kit, real LibreOffice.

use oxool_tests::editing_setup::EditingSetup as Setup;
use oxool_tests::input::EDITING_INPUT;
use oxool_tests::ws::{Incoming, WsClient};

/// simple.docx's page margins (twips) and its heading's space above: where its first word is.
const MARGIN: i64 = 1134;
const FIRST_WORD: (i64, i64) = (MARGIN + 200, MARGIN + 240 + 150);

/// Double-clicks the first word; its selection rectangle.
async fn select_first_word(client: &mut WsClient) -> [i64; 4] {
    let (x, y) = FIRST_WORD;
    let mark = client.mark();
    for count in [1, 2] {
        client.mouse("down", x, y, count).await;
        client.mouse("up", x, y, count).await;
    }
    let selected = client
        .wait_for("the selection's rectangles", |m| {
            m.is_event("TEXT_SELECTION") && first_rectangle(m).is_some()
        })
        .await;
    client.rewind_to(mark);
    first_rectangle(&selected).unwrap()
}

/// Drags the selection (whose rectangle is `from`) down into the next paragraph.
async fn drag_selection(client: &mut WsClient, from: [i64; 4]) {
    let [sx, sy, sw, sh] = from;
    let (from_x, from_y) = (sx + sw / 4, sy + sh / 2);
    let (to_x, to_y) = (MARGIN + 1500, sy + sh + 300);
    client.mouse("down", from_x, from_y, 1).await;
    for step in 1..=8 {
        tokio::time::sleep(std::time::Duration::from_millis(60)).await;
        let at_x = from_x + (to_x - from_x) * step / 8;
        let at_y = from_y + (to_y - from_y) * step / 8;
        client.mouse("move", at_x, at_y, 1).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(60)).await;
    client.mouse("up", to_x, to_y, 1).await;
}

/// The document's text as the kit has it now (a download converts the live document).
async fn live_text(viewer: &mut WsClient, id: u32) -> String {
    answer_text(viewer, &format!("download id={id} format=txt"), "download").await
}

async fn selection(viewer: &mut WsClient, id: u32) -> String {
    let request = format!("get-selection id={id} mimetype=text/plain;charset=utf-8");
    answer_text(viewer, &request, "selection").await
}

/// Sends `request` and waits for its answer, which must be `answer` (not an error); its text.
async fn answer_text(viewer: &mut WsClient, request: &str, answer: &str) -> String {
    viewer.send_line(request).await;
    let reply = viewer
        .wait_for(answer, |m| m.is(answer) || m.is("error"))
        .await;
    assert!(reply.is(answer), "{reply}");
    reply.body_text()
}

/// The first rectangle of a TEXT_SELECTION payload ("x, y, w, h; …"), twips.
fn first_rectangle(event: &Incoming) -> Option<[i64; 4]> {
    let text = event.body_text();
    let numbers: Vec<i64> = text
        .split(';')
        .next()?
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    numbers.try_into().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_view_only_user_selects_and_copies_but_cannot_move_text() {
    let name = "view-only-select.docx";
    let (setup, mut viewer, original) = Setup::with_viewer("simple.docx", name).await;
    let before = live_text(&mut viewer, 1).await;
    assert!(before.contains("oxool fixture heading"), "{before}");

    // A double click selects the word under it.
    select_first_word(&mut viewer).await;
    let word = selection(&mut viewer, 2).await;
    assert_eq!(word.trim(), "oxool", "the double-clicked word");

    // Shift+End extends it to the end of the line (navigation keys are allowed).
    viewer.key(0, 1029 | 0x1000).await;
    let line = selection(&mut viewer, 3).await;
    assert_eq!(line.trim(), "oxool fixture heading", "Shift+End");

    // Shift+click extends the selection into the next paragraph.
    let [sx, sy, _, sh] = select_first_word(&mut viewer).await;
    let below = (sx + 1000, sy + sh + 300);
    for kind in ["down", "up"] {
        viewer
            .send_line(&format!(
                "mouse type={kind} x={} y={} count=1 buttons=1 modifier=4096",
                below.0, below.1
            ))
            .await;
    }
    let extended = selection(&mut viewer, 4).await;
    assert!(
        extended.trim_start().starts_with("oxool fixture heading") && extended.contains("\noxool"),
        "Shift+click: {extended:?}"
    );

    // A drag: the press and the release are clicks, every move is refused.
    drag_selection(&mut viewer, [sx, sy, 900, sh]).await;
    for step in 1..=8 {
        let error = viewer.wait_for("a refused move", |m| m.is("error")).await;
        assert!(error.is_error("readonly"), "move {step}: {error}");
    }

    // Typing, Delete, Enter, cut, paste and every other edit are refused, each with its own
    // error.
    for line in EDITING_INPUT {
        viewer.expect_refused(line, "readonly").await;
    }

    assert_eq!(live_text(&mut viewer, 6).await, before, "the live document");
    setup.assert_stored_unchanged(name, &original);

    // The same drag by an editor: LibreOffice 7.4 starts no text drag-and-drop from LOK mouse
    // events, it selects from the press to the release instead (images and shapes do move).
    let mut editor = setup.open("Editor", name, true).await;
    let selected = select_first_word(&mut editor).await;
    drag_selection(&mut editor, selected).await;
    let dragged = selection(&mut editor, 7).await;
    assert!(
        dragged.contains("heading\noxool"),
        "the editor's drag selects across the paragraphs: {dragged:?}"
    );
    assert_eq!(live_text(&mut editor, 8).await, before, "nothing moved");
}

/// Clicks the title shape of simple.pptx's first slide and drags it by (1800, 1200) twips:
/// in an editable view that moves the shape. True when the document became modified.
async fn drag_title_shape(client: &mut WsClient) -> bool {
    let status = client.status.clone().expect("loaded");
    let size = |key| status.get(key).and_then(|v| v.parse::<i64>().ok()).unwrap();
    let (x, y) = (size("width") / 2, size("height") * 15 / 100);
    let mark = client.mark();
    for kind in ["down", "up"] {
        client.mouse(kind, x, y, 1).await;
    }
    client
        .wait_for("the shape's selection", |m| m.is_event("GRAPHIC_SELECTION"))
        .await;
    client.rewind_to(mark);
    client.mouse("down", x, y, 1).await;
    for step in 1..=6 {
        tokio::time::sleep(std::time::Duration::from_millis(60)).await;
        client
            .mouse("move", x + 300 * step, y + 200 * step, 1)
            .await;
    }
    client.mouse("up", x + 1800, y + 1200, 1).await;
    client
        .try_wait_for(std::time::Duration::from_secs(3), |m| {
            m.is("doc-state") && m.get("modified") == Some("1")
        })
        .await
        .is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_view_only_user_selects_a_shape_but_cannot_move_it() {
    let name = "view-only-shape.pptx";
    let setup = Setup::with_document("simple.pptx", name);
    // LibreOffice 7.4's views are never read-only themselves: an editor's drag of a shape moves
    // it, and so would a view-only user's if wsd and the kit let its moves through.
    let mut viewer = setup.open("Viewer", name, false).await;
    assert!(
        !drag_title_shape(&mut viewer).await,
        "a view-only drag modified the document"
    );
    let refused = viewer
        .seen
        .iter()
        .filter(|m| m.is_error("readonly"))
        .count();
    assert_eq!(refused, 6, "every move is refused");
    let mut editor = setup.open("Editor", name, true).await;
    assert!(
        drag_title_shape(&mut editor).await,
        "an editor's drag of the shape modifies the document"
    );
}
