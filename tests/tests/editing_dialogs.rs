//! LibreOffice's dialogs end to end (docs/protocol.md, "Dialogs"): WebSocket clients → the real
//! oxool-wsd → a real kit. Each user gets only the windows of their own view, paints them,
//! types into them and closes them; a dialog left open by a user who went away blocks nobody.

use std::time::Duration;

use oxool_proto::Message;
use oxool_tests::editing_setup::EditingSetup as Setup;
use oxool_tests::input::{click, key_press, window_tile};
use oxool_tests::user::RunAs;
use oxool_tests::ws::{Incoming, WsClient};

/// Ctrl+K: `css::awt::Key::K` (522) with MOD1.
const CTRL_K: u32 = 0x2000 | 522;
const ESCAPE: u32 = 1281;

fn window_event(m: &Incoming, action: &str) -> bool {
    m.is_event("WINDOW") && m.json()["action"] == action
}

/// Opens the hyperlink dialog with Ctrl+K; its id and size.
async fn ctrl_k(client: &mut WsClient) -> (String, u32, u32) {
    client.key(u32::from('k'), CTRL_K).await;
    let created = client
        .wait_for("the hyperlink dialog", |m| window_event(m, "created"))
        .await
        .json();
    assert_eq!(created["type"], "dialog", "{created}");
    let size: Vec<u32> = oxool_tests::window_size(&created);
    (
        created["id"].as_str().unwrap().to_string(),
        size[0],
        size[1],
    )
}

async fn escape(client: &mut WsClient, id: &str) {
    for key in key_press(&Message::new("window-key").arg("id", id), 0, ESCAPE) {
        client.send(key).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_user_has_their_own_dialogs() {
    let setup = Setup::start(RunAs::Root);
    let name = "dialogs.docx";
    let (mut alice, mut bob) = setup.open_alice_and_bob("simple.docx", name).await;
    let mut viewer = setup.open("Viewer", name, false).await;

    // Two dialogs open at once, each announced to its own user only.
    let (a_id, a_w, a_h) = ctrl_k(&mut alice).await;
    let mark = bob.mark();
    let (b_id, ..) = ctrl_k(&mut bob).await;
    assert_ne!(a_id, b_id);
    bob.rewind_to(mark);
    let foreign = bob
        .try_wait_for(Duration::from_millis(500), |m| {
            m.is_event("WINDOW") && m.json()["id"] == a_id.as_str()
        })
        .await;
    assert!(foreign.is_none(), "Bob got Alice's window: {foreign:?}");

    // Alice paints her dialog at scale 1 and 2.
    for (scale, factor) in [("1", 1), ("2", 2)] {
        alice.send(window_tile(&a_id, a_w, a_h, scale)).await;
        let tile = alice
            .wait_for("the dialog's pixels", |m| m.is("window-tile"))
            .await;
        assert!(tile.binary && tile.get("format") == Some("png"), "{tile}");
        assert_eq!(tile.get("id"), Some(a_id.as_str()));
        let png = png::Decoder::new(std::io::Cursor::new(&tile.body))
            .read_info()
            .expect("a PNG");
        assert_eq!(
            (png.info().width, png.info().height),
            (a_w * factor, a_h * factor)
        );
    }

    // Bob may neither paint nor type into Alice's dialog; the viewer may not type at all.
    bob.send(window_tile(&a_id, 10, 10, "1")).await;
    let refused = bob.wait_for("the refusal", |m| m.is("error")).await;
    assert_eq!(refused.get("kind"), Some("bad-request"), "{refused}");
    assert_eq!(refused.get("request"), Some("window-tile"), "{refused}");
    assert_eq!(refused.get("id"), Some(a_id.as_str()), "{refused}");
    escape(&mut bob, &a_id).await;
    let refused = bob.wait_for("the refusal", |m| m.is("error")).await;
    assert_eq!(refused.get("request"), Some("window-key"), "{refused}");
    escape(&mut viewer, &a_id).await;
    let refused = viewer.wait_for("the refusal", |m| m.is("error")).await;
    assert_eq!(refused.get("kind"), Some("readonly"), "{refused}");
    // Alice's dialog is still there.
    alice.send(window_tile(&a_id, 10, 10, "1")).await;
    alice
        .wait_for("the dialog still paints", |m| m.is("window-tile"))
        .await;

    // Escape closes Alice's dialog; Bob's stays open.
    escape(&mut alice, &a_id).await;
    alice
        .wait_for("the close", |m| window_event(m, "close"))
        .await;
    bob.send(window_tile(&b_id, 10, 10, "1")).await;
    bob.wait_for("Bob's dialog still paints", |m| m.is("window-tile"))
        .await;

    // Bob leaves with his dialog open: it is closed, and Alice can still type and open one.
    drop(bob);
    let mark = alice.mark();
    alice.type_keys("AfterBob ").await;
    alice.wait_for("the edit", |m| m.is("invalidate")).await;
    alice.rewind_to(mark);
    let (again, ..) = ctrl_k(&mut alice).await;
    alice
        .send(Message::new("window-close").arg("id", &again))
        .await;
    alice
        .wait_for("the close", |m| window_event(m, "close"))
        .await;
    alice.save(false).await;
    let text = setup.host.stored_text(&setup.server.url(""), name);
    assert!(text.contains("AfterBob"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dialog_requests_are_checked_and_lists_answered() {
    let name = "dialog-input.docx";
    let users = [("Alice", true), ("Viewer", false)];
    let (_setup, [mut alice, mut viewer]) = Setup::with_users("simple.docx", name, users).await;

    // Malformed or absurd requests: a clear error each, naming the request.
    let oversized = format!("{{\"id\":\"ok\",\"data\":\"{}\"}}", "x".repeat(70_000));
    let bad: Vec<(String, &str)> = vec![
        (
            "window-tile id=2 x=-1 y=0 width=10 height=10".into(),
            "window-tile",
        ),
        (
            "window-tile id=2 x=0 y=0 width=100000 height=10".into(),
            "window-tile",
        ),
        (
            "window-tile id=2 x=0 y=0 width=2048 height=2048 scale=4".into(),
            "window-tile",
        ),
        (
            "window-tile id=2 x=0 y=0 width=10 height=10 scale=-1".into(),
            "window-tile",
        ),
        (
            "window-tile id=0 x=0 y=0 width=10 height=10".into(),
            "window-tile",
        ),
        (
            "window-mouse id=2 type=down x=5 y=99999999999".into(),
            "window-mouse",
        ),
        ("window-key id=2 type=sideways char=1".into(), "window-key"),
        (
            "window-resize id=2 width=-4 height=10".into(),
            "window-resize",
        ),
        ("dialog-event id=2".into(), "dialog-event"),
        ("dialog-event id=2\n{\"id\":".into(), "dialog-event"),
        ("dialog-event id=2\n[\"ok\"]".into(), "dialog-event"),
        (format!("dialog-event id=2\n{oversized}"), "dialog-event"),
        (
            "command-values command=.uno:Font%20Name".into(),
            "command-values",
        ),
        ("command-values command=uno:Bold".into(), "command-values"),
    ];
    for (line, request) in &bad {
        alice.send_line(line).await;
        let error = alice.wait_for("the refusal", |m| m.is("error")).await;
        assert_eq!(error.get("request"), Some(*request), "{line:.80}: {error}");
        assert!(
            matches!(error.get("kind"), Some("bad-request" | "bad-message")),
            "{line:.80}: {error}"
        );
    }
    // A window that does not exist: refused by the kit, with its id.
    alice.send(window_tile("424242", 10, 10, "1")).await;
    let error = alice.wait_for("the refusal", |m| m.is("error")).await;
    assert_eq!(error.get("kind"), Some("bad-request"), "{error}");
    assert_eq!(error.get("id"), Some("424242"), "{error}");
    escape(&mut alice, "424242").await;
    let error = alice.wait_for("the refusal", |m| m.is("error")).await;
    assert_eq!(error.get("request"), Some("window-key"), "{error}");

    // A view-only session may not send window input, but may read lists.
    escape(&mut viewer, "2").await;
    for _ in ["input", "up"] {
        let error = viewer.wait_for("the refusal", |m| m.is("error")).await;
        assert_eq!(error.get("kind"), Some("readonly"), "{error}");
        assert_eq!(error.get("request"), Some("window-key"), "{error}");
    }
    viewer
        .send_with_body(
            Message::new("dialog-event").arg("id", 2),
            r#"{"id":"ok","cmd":"click","data":"1","type":"responsebutton"}"#,
        )
        .await;
    let error = viewer
        .wait_for("the refusal", |m| m.is_error("readonly"))
        .await;
    assert_eq!(error.get("request"), Some("dialog-event"), "{error}");
    let fonts = viewer
        .command_values("the font list", ".uno:CharFontName")
        .await;
    assert!(
        fonts.json()["commandValues"]["Liberation Sans"].is_array(),
        "{fonts}"
    );
    let styles = alice
        .command_values("the style list", ".uno:StyleApply")
        .await;
    assert_eq!(styles.get("command"), Some(".uno:StyleApply"));
    let paragraph_styles = styles.json()["commandValues"]["ParagraphStyles"].clone();
    assert!(
        paragraph_styles
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s == "Heading 1")),
        "{styles}"
    );

    // A right click (button 4) on the text: LibreOffice's context menu.
    for mouse in click(&Message::new("mouse"), 1800, 1700, 4) {
        alice.send(mouse).await;
    }
    let menu = alice
        .wait_for("the context menu", |m| m.is_event("CONTEXT_MENU"))
        .await;
    assert!(menu.json()["menu"].is_array(), "{menu}");

    // The sidebar, shown on request: its whole tree (over 16 KiB, the kit sends it in a frame
    // body) reaches the client as one message.
    alice.uno(".uno:SidebarShow", None).await;
    let sidebar = alice
        .wait_for("the sidebar's tree", |m| {
            m.is_event("JSDIALOG")
                && m.json()["jsontype"] == "sidebar"
                && m.json().get("action").is_none()
        })
        .await;
    assert!(
        sidebar.body.len() > 16 * 1024,
        "{} bytes",
        sidebar.body.len()
    );

    // All of that cost nothing: the document still answers.
    alice.send(Message::new("status")).await;
    alice.wait_for("status", |m| m.is("status")).await;
}

/// Format ▸ Paragraph through wsd: the new indent is typed (IME) and confirmed with a click; the
/// document counts as modified, and leaving stores it with the indent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dialogs_change_is_stored_when_its_user_leaves() {
    let name = "indent.docx";
    let setup = Setup::with_document("simple.docx", name);
    let mut alice = setup.open("Alice", name, true).await;
    alice.uno(".uno:ParagraphDialog", None).await;
    let created = alice
        .wait_for("the Paragraph dialog", |m| window_event(m, "created"))
        .await
        .json();
    let id = created["id"].as_str().unwrap().to_string();
    let size: Vec<i64> = oxool_tests::window_size(&created);
    alice
        .wait_for("the field's cursor", |m| {
            window_event(m, "cursor_visible") && m.json()["visible"] == "true"
        })
        .await;
    let key = |kind: &str, code: u32| {
        Message::new("window-key")
            .arg("id", &id)
            .arg("type", kind)
            .arg("char", 0)
            .arg("code", code)
    };
    for code in [1028, 0x1000 | 1029] {
        // Home, Shift+End: the field's text selected.
        alice.send(key("input", code)).await;
        alice.send(key("up", code)).await;
    }
    for kind in ["input", "end"] {
        let ime = Message::new("window-text")
            .arg("id", &id)
            .arg("type", kind)
            .arg("text", "1.5");
        alice.send(ime).await;
    }
    alice.send(key("input", 1282)).await; // Tab
    alice.send(key("up", 1282)).await;
    let target = Message::new("window-mouse").arg("id", &id);
    for mouse in click(&target, size[0] - 57, size[1] - 30, 1) {
        alice.send(mouse).await;
    }
    alice
        .wait_for("the dialog's close", |m| window_event(m, "close"))
        .await;
    alice
        .latest_or_wait("modified=1", |m| {
            m.is("doc-state") && m.get("modified") == Some("1")
        })
        .await;
    drop(alice);
    let stored = oxool_tests::eventually::eventually_async(
        "the indent in storage",
        oxool_tests::ws::DEADLINE,
        || async {
            let puts = setup.host.requests("PutFile", name).ok()?;
            if puts.is_empty() {
                return None;
            }
            let flat = setup.host.stored_as(&setup.server.url(""), name, "fodt");
            let flat = String::from_utf8_lossy(&flat).into_owned();
            flat.contains("fo:margin-left=\"1.5in\"").then_some(flat)
        },
    )
    .await;
    assert!(stored.contains("oxool fixture text alpha"));
}
