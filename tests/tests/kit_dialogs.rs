//! LibreOffice's dialogs inside one real kit (docs/kit-protocol.md, "Dialogs"): painted windows
//! owned per view, painted at scale 1 and 2, driven by keys, mouse and IME; JSDialog dialogs
//! answered with `dialog-event`; context menus from a right click; command values; bad input.

use std::collections::HashSet;

use oxool_proto::{Frame, Message};
use oxool_tests::input::{click, key_press};
use oxool_tests::kit_session::{decode_png, payloads, KitSession};
use serde_json::Value;

const ESCAPE: u32 = 1281;
/// Ctrl+K: `css::awt::Key::K` with MOD1.
const CTRL_K: u32 = 0x2000 | 522;

/// The window id and size of the first `created` WINDOW of session `view` whose title starts
/// with `title`.
async fn created(kit: &mut KitSession, view: &str, title: &str) -> (String, i64, i64) {
    let found = |callbacks: &[Message]| {
        payloads(callbacks, view, "WINDOW").into_iter().find(|p| {
            p["action"] == "created" && p["title"].as_str().is_some_and(|t| t.starts_with(title))
        })
    };
    kit.wait_for_callbacks(&format!("the {title} dialog"), |c| found(c).is_some())
        .await;
    let window = found(&kit.callbacks).unwrap();
    assert_eq!(window["type"], "dialog", "{window}");
    let size: Vec<i64> = oxool_tests::window_size(&window);
    (window["id"].as_str().unwrap().to_string(), size[0], size[1])
}

/// Waits for the `close` of window `id` in session `view`'s callbacks.
async fn closed(kit: &mut KitSession, view: &str, kind: &str, id: &str) {
    kit.wait_for_callbacks(&format!("the close of {id}"), |c| {
        payloads(c, view, kind)
            .iter()
            .any(|p| p["action"] == "close" && (window_id_of(p).as_deref() == Some(id)))
    })
    .await;
}

/// A payload's window id, a string or a number.
fn window_id_of(payload: &Value) -> Option<String> {
    match &payload["id"] {
        Value::String(id) => Some(id.clone()),
        Value::Number(id) => Some(id.to_string()),
        _ => None,
    }
}

/// `window-tile` of the whole window `id`, asked by session `view`.
fn window_tile(view: &str, id: &str, width: i64, height: i64, scale: &str) -> Message {
    oxool_tests::input::window_tile(id, width, height, scale).arg("view", view)
}

async fn window_key(kit: &mut KitSession, view: &str, id: &str, char_code: u32, code: u32) {
    let target = Message::new("window-key").arg("view", view).arg("id", id);
    for key in key_press(&target, char_code, code) {
        kit.send(key).await;
    }
}

async fn window_click(kit: &mut KitSession, view: &str, id: &str, x: i64, y: i64) {
    let target = Message::new("window-mouse").arg("view", view).arg("id", id);
    for mouse in click(&target, x, y, 1) {
        kit.send(mouse).await;
    }
}

/// Waits for a JSDIALOG callback of session "a" of type `jsontype` with `action` (`None`: no
/// action, a whole tree).
async fn jsdialog_for_a(kit: &mut KitSession, what: &str, jsontype: &str, action: Option<&str>) {
    kit.wait_for_callbacks(what, |c| {
        payloads(c, "a", "JSDIALOG").iter().any(|p| {
            p["jsontype"] == jsontype
                && match action {
                    None => p.get("action").is_none(),
                    Some(action) => p["action"] == action,
                }
        })
    })
    .await;
}

/// The error answering a refused request: its kind, and `request` and `id` echoed.
async fn refused(kit: &mut KitSession, kind: &str, request: &str) -> Message {
    let error = kit.expect_error(kind).await;
    assert_eq!(error.get("request"), Some(request), "{error}");
    error
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn painted_dialogs_belong_to_the_view_that_opened_them() {
    let mut kit = KitSession::load("simple.docx").await;
    kit.open_view("a", false).await;
    kit.open_view("b", false).await;
    kit.open_view("viewer", true).await;

    // A asks by command, B by Ctrl+K: two hyperlink dialogs, each announced to its view only.
    kit.uno("a", ".uno:HyperlinkDialog", None).await;
    let (a_id, width, height) = created(&mut kit, "a", "Hyperlink").await;
    kit.key("b", u32::from('k'), CTRL_K).await;
    let (b_id, ..) = created(&mut kit, "b", "Hyperlink").await;
    assert_ne!(a_id, b_id);
    for (view, other) in [("a", &b_id), ("b", &a_id)] {
        let foreign = payloads(&kit.callbacks, view, "WINDOW")
            .into_iter()
            .find(|p| p["id"] == other.as_str());
        assert!(
            foreign.is_none(),
            "{view} got {other}'s window: {foreign:?}"
        );
    }

    // A's dialog painted at scale 1 and 2: a PNG of the right size with a dialog on it.
    for (scale, factor) in [("1", 1), ("2", 2)] {
        kit.send(window_tile("a", &a_id, width, height, scale))
            .await;
        let (answer, png) = kit.answer("window-tile").await;
        assert_eq!(answer.get("id"), Some(a_id.as_str()), "{answer}");
        assert_eq!(answer.get("scale"), Some(scale), "{answer}");
        let (w, h, pixels) = decode_png(&png);
        assert_eq!(
            (i64::from(w), i64::from(h)),
            (width * factor, height * factor)
        );
        let colours: HashSet<&[u8]> = pixels.chunks_exact(4).collect();
        assert!(
            colours.len() > 50,
            "a painted dialog, not a blank: {} colours",
            colours.len()
        );
        assert!(
            pixels.chunks_exact(4).all(|p| p[3] == 255),
            "dialogs are opaque"
        );
    }
    // Part of it at scale 1.5, from an offset.
    let part = window_tile("a", &a_id, 100, 50, "1.5")
        .arg("x", 20)
        .arg("y", 30);
    kit.send(part).await;
    let (_, png) = kit.answer("window-tile").await;
    assert_eq!(decode_png(&png).0, 150);

    // B may neither paint nor type into A's dialog; nobody may use a window that does not
    // exist; the viewer may not type; absurd geometry is refused. The kit carries on.
    kit.send(window_tile("b", &a_id, 10, 10, "1")).await;
    let error = refused(&mut kit, "bad-request", "window-tile").await;
    assert_eq!(error.get("id"), Some(a_id.as_str()), "{error}");
    assert!(
        error.get("message").unwrap().contains("not open"),
        "{error}"
    );
    window_key(&mut kit, "b", &a_id, 0, ESCAPE).await;
    refused(&mut kit, "bad-request", "window-key").await;
    refused(&mut kit, "bad-request", "window-key").await;
    kit.send(
        Message::new("window-close")
            .arg("view", "b")
            .arg("id", &a_id),
    )
    .await;
    refused(&mut kit, "bad-request", "window-close").await;
    kit.send(window_tile("a", "999999", 10, 10, "1")).await;
    refused(&mut kit, "bad-request", "window-tile").await;
    window_key(&mut kit, "viewer", &a_id, 0, ESCAPE).await;
    refused(&mut kit, "readonly", "window-key").await;
    refused(&mut kit, "readonly", "window-key").await;
    for (key, value) in [
        ("x", "-1"),
        ("width", "0"),
        ("width", "100000"),
        ("height", "99999999999999999999"),
        ("scale", "0.5"),
        ("scale", "NaN"),
        ("id", "-4"),
    ] {
        let mut tile = window_tile("a", &a_id, 2048, 2048, "2");
        tile = Message {
            args: tile
                .args
                .into_iter()
                .map(|(k, v)| {
                    if k == key {
                        (k, value.to_string())
                    } else {
                        (k, v)
                    }
                })
                .collect(),
            ..tile
        };
        kit.send(tile).await;
        refused(&mut kit, "bad-request", "window-tile").await;
    }
    let far = Message::new("window-mouse")
        .arg("view", "a")
        .arg("id", &a_id)
        .arg("type", "down")
        .arg("x", -5)
        .arg("y", 1_i64 << 40);
    kit.send(far).await;
    refused(&mut kit, "bad-request", "window-mouse").await;

    // A resizes its dialog; LibreOffice lays it out again at the new size.
    let resize = Message::new("window-resize")
        .arg("view", "a")
        .arg("id", &a_id)
        .arg("width", 600)
        .arg("height", 500);
    kit.send(resize).await;
    kit.wait_for_callbacks("the new size", |c| {
        payloads(c, "a", "WINDOW")
            .iter()
            .any(|p| p["action"] == "size_changed" && p["size"] == "600, 500")
    })
    .await;
    kit.send(window_tile("a", &a_id, 600, 500, "1")).await;
    let (_, png) = kit.answer("window-tile").await;
    assert_eq!(decode_png(&png).0, 600);

    // Escape closes A's dialog; B's is still open.
    window_key(&mut kit, "a", &a_id, 0, ESCAPE).await;
    closed(&mut kit, "a", "WINDOW", &a_id).await;
    kit.send(window_tile("a", &a_id, 10, 10, "1")).await;
    refused(&mut kit, "bad-request", "window-tile").await;
    kit.send(window_tile("b", &b_id, 10, 10, "1")).await;
    kit.answer("window-tile").await;

    // B leaves with its dialog open: the kit closes it first. A types and opens another one.
    kit.send(Message::new("view-close").arg("view", "b")).await;
    kit.answer("view-closed").await;
    kit.type_text("a", "AfterB").await;
    kit.callbacks.clear();
    kit.key("a", u32::from('k'), CTRL_K).await;
    let (again, ..) = created(&mut kit, "a", "Hyperlink").await;
    kit.send(
        Message::new("window-close")
            .arg("view", "a")
            .arg("id", &again),
    )
    .await;
    closed(&mut kit, "a", "WINDOW", &again).await;
    let text = kit.wait_for_saved("txt", |t| t.contains("AfterB")).await;
    assert!(text.contains("oxool fixture text alpha"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn format_paragraph_sets_the_indent_through_keys_ime_and_mouse() {
    let mut kit = KitSession::load("simple.docx").await;
    kit.open_view("a", false).await;
    kit.uno("a", ".uno:ParagraphDialog", None).await;
    let (id, width, height) = created(&mut kit, "a", "Paragraph").await;
    // The text cursor starts in "Before text" (Indents & Spacing). Select its text, compose
    // the new value through IME, leave the field, then click OK.
    kit.wait_for_callbacks("the field's cursor", |c| {
        payloads(c, "a", "WINDOW")
            .iter()
            .any(|p| p["action"] == "cursor_visible" && p["visible"] == "true")
    })
    .await;
    window_key(&mut kit, "a", &id, 0, 1028).await; // Home
    window_key(&mut kit, "a", &id, 0, 0x1000 | 1029).await; // Shift+End
    for (kind, text) in [("input", "1."), ("input", "1.5"), ("end", "1.5")] {
        let ime = Message::new("window-text")
            .arg("view", "a")
            .arg("id", &id)
            .arg("type", kind)
            .arg("text", text);
        kit.send(ime).await;
    }
    window_key(&mut kit, "a", &id, 0, 1282).await; // Tab
    kit.send(window_tile("a", &id, width, height, "1")).await;
    kit.answer("window-tile").await;
    // OK, at the bottom right of the dialog (measured on its painted image).
    window_click(&mut kit, "a", &id, width - 57, height - 30).await;
    closed(&mut kit, "a", "WINDOW", &id).await;
    let flat = kit
        .wait_for_saved("fodt", |t| t.contains("fo:margin-left=\"1.5in\""))
        .await;
    assert!(flat.contains("oxool fixture text alpha"));

    // A second user opens the modal dialog too, and leaves with it open: it is closed, and A
    // goes on.
    kit.open_view("b", false).await;
    kit.uno("b", ".uno:ParagraphDialog", None).await;
    created(&mut kit, "b", "Paragraph").await;
    // B's modal dialog does not stop A.
    kit.type_text("a", "WhileOpen").await;
    kit.wait_for_saved("txt", |t| t.contains("WhileOpen")).await;
    kit.send(Message::new("view-close").arg("view", "b")).await;
    kit.answer("view-closed").await;
    kit.callbacks.clear();
    kit.uno("a", ".uno:ParagraphDialog", None).await;
    let (again, ..) = created(&mut kit, "a", "Paragraph").await;
    window_key(&mut kit, "a", &again, 0, ESCAPE).await;
    closed(&mut kit, "a", "WINDOW", &again).await;
    kit.type_text("a", "Onwards").await;
    kit.wait_for_saved("txt", |t| t.contains("Onwards")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn right_click_menus_and_command_values() {
    let mut kit = KitSession::load("simple.docx").await;
    kit.open_view("a", false).await;
    kit.open_view("viewer", true).await;
    // A right click (VCL's button 4) on the first word: LibreOffice's own context menu.
    for mouse in click(&Message::new("mouse").arg("view", "a"), 1800, 1700, 4) {
        kit.send(mouse).await;
    }
    kit.wait_for_callbacks("the context menu", |c| {
        !payloads(c, "a", "CONTEXT_MENU").is_empty()
    })
    .await;
    let menu = payloads(&kit.callbacks, "a", "CONTEXT_MENU").remove(0);
    let commands: Vec<&str> = menu["menu"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|entry| entry["command"].as_str())
        .collect();
    // Spell checking is on, so the word under the pointer ("oxool") may already be underlined:
    // LibreOffice then offers its spelling menu instead of the text menu. Both are its own.
    let text_menu = commands.contains(&".uno:Paste");
    let spelling_menu = commands.iter().any(|c| c.starts_with(".uno:SpellCheck"));
    assert!(text_menu || spelling_menu, "{commands:?}");

    // Fonts and styles as LibreOffice knows them; a view-only session may ask.
    for view in ["a", "viewer"] {
        let fonts = Message::new("command-values")
            .arg("view", view)
            .arg("command", ".uno:CharFontName");
        kit.send(fonts).await;
        let (answer, body) = kit.answer("command-values").await;
        assert_eq!(answer.get("command"), Some(".uno:CharFontName"));
        let fonts: Value = serde_json::from_slice(&body).unwrap();
        assert!(
            fonts["commandValues"]["Liberation Serif"].is_array(),
            "{answer}"
        );
    }
    let styles = Message::new("command-values")
        .arg("view", "a")
        .arg("command", ".uno:StyleApply");
    kit.send(styles).await;
    let (_, body) = kit.answer("command-values").await;
    let styles: Value = serde_json::from_slice(&body).unwrap();
    let paragraph_styles = styles["commandValues"]["ParagraphStyles"]
        .as_array()
        .unwrap();
    assert!(
        paragraph_styles.iter().any(|s| s == "Heading 1"),
        "{styles}"
    );
    for bad in [
        ".uno:NoSuchList",
        ".uno:",
        "CharFontName",
        ".uno:A;B",
        ".uno:A?b c",
    ] {
        let ask = Message::new("command-values")
            .arg("view", "a")
            .arg("command", bad);
        kit.send(ask).await;
        refused(&mut kit, "bad-request", "command-values").await;
    }

    // The sidebar starts hidden; shown, it arrives whole as JSDialog (and as a painted
    // window); hidden again, it closes.
    kit.callbacks.clear();
    kit.uno("a", ".uno:SidebarShow", None).await;
    jsdialog_for_a(&mut kit, "the sidebar's tree", "sidebar", None).await;
    // Its widgets answer to `dialog-event id=0` (the sender's own sidebar): Italic.
    let italic = r#"{"id":"fonteffects","cmd":"click","data":".uno:Italic","type":"toolbox"}"#;
    let event = Message::new("dialog-event").arg("view", "a").arg("id", 0);
    kit.send_frame(Frame::with_payload(
        event.render(),
        italic.as_bytes().to_vec(),
    ))
    .await;
    kit.wait_for_callbacks("italic on", |c| {
        c.iter().any(|c| {
            c.get("view") == Some("a")
                && c.get("kind") == Some("STATE_CHANGED")
                && c.get("payload") == Some(".uno:Italic=true")
        })
    })
    .await;
    kit.uno("a", ".uno:SidebarHide", None).await;
    jsdialog_for_a(&mut kit, "the sidebar's close", "sidebar", Some("close")).await;
    assert!(
        payloads(&kit.callbacks, "viewer", "JSDIALOG").is_empty(),
        "the viewer's sidebar stayed hidden"
    );

    // Find & Replace is a JSDialog dialog in this LibreOffice (not a painted one).
    kit.uno("a", ".uno:SearchDialog", None).await;
    jsdialog_for_a(&mut kit, "Find & Replace", "dialog", None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calc_text_import_is_a_jsdialog_answered_with_dialog_events() {
    let mut kit = KitSession::load("simple.ods").await;
    kit.open_view("a", false).await;
    kit.open_view("b", false).await;
    kit.uno(
        "a",
        ".uno:GoToCell",
        Some(r#"{"ToPoint":{"type":"string","value":"C5"}}"#),
    )
    .await;
    // Several lines of plain text: Calc asks how to import them, as a JSDialog dialog.
    let paste = Message::new("paste")
        .arg("view", "a")
        .arg("mimetype", "text/plain;charset=utf-8");
    kit.send_frame(Frame::with_payload(
        paste.render(),
        b"x,y\n31,32\n".to_vec(),
    ))
    .await;
    let tree = |c: &[Message]| {
        payloads(c, "a", "JSDIALOG")
            .into_iter()
            .find(|p| p["jsontype"] == "dialog" && p.get("action").is_none())
    };
    kit.wait_for_callbacks("the Text Import dialog", |c| tree(c).is_some())
        .await;
    let dialog = tree(&kit.callbacks).unwrap();
    assert_eq!(dialog["text"], "Text Import", "{}", dialog["text"]);
    let id = window_id_of(&dialog).expect("the dialog's window id");
    assert!(
        payloads(&kit.callbacks, "b", "JSDIALOG")
            .iter()
            .all(|p| p["jsontype"] != "dialog"),
        "B got A's dialog"
    );

    // A dialog's own buttons answer with their response code (the tree's `responses`).
    let responses = dialog["responses"]
        .as_array()
        .expect("the dialog's responses");
    let ok_code = responses
        .iter()
        .find(|r| r["id"] == "ok")
        .map(|r| r["response"].to_string())
        .expect("an OK response");
    let ok = format!(r#"{{"id":"ok","cmd":"click","data":"{ok_code}","type":"responsebutton"}}"#)
        .into_bytes();
    let event = |view: &str| {
        Message::new("dialog-event")
            .arg("view", view)
            .arg("id", &id)
            .render()
    };
    // Not B's dialog; not JSON; too large: refused, and the dialog stays.
    kit.send_frame(Frame::with_payload(event("b"), ok.clone()))
        .await;
    refused(&mut kit, "bad-request", "dialog-event").await;
    for body in [
        b"{\"id\":".to_vec(),
        b"[1]".to_vec(),
        vec![b' '; 64 * 1024 + 1],
        Vec::new(),
    ] {
        kit.send_frame(Frame::with_payload(event("a"), body)).await;
        refused(&mut kit, "bad-request", "dialog-event").await;
    }
    // OK imports the two lines at C5 (with the dialog's default options: Tab separates, so
    // each line is one cell, which the csv export quotes).
    kit.send_frame(Frame::with_payload(event("a"), ok)).await;
    closed(&mut kit, "a", "JSDIALOG", &id).await;
    let csv = kit.wait_for_saved("csv", |t| t.contains("\"31,32\"")).await;
    assert!(csv.contains("\"x,y\""), "{csv}");

    // B leaves while its own Text Import is open: the kit closes it, and A imports again.
    let paste_b = Message::new("paste")
        .arg("view", "b")
        .arg("mimetype", "text/plain;charset=utf-8");
    kit.callbacks.clear();
    kit.send_frame(Frame::with_payload(paste_b.render(), b"q\nr\n".to_vec()))
        .await;
    kit.wait_for_callbacks("B's Text Import", |c| {
        payloads(c, "b", "JSDIALOG")
            .iter()
            .any(|p| p["jsontype"] == "dialog" && p.get("action").is_none())
    })
    .await;
    kit.send(Message::new("view-close").arg("view", "b")).await;
    kit.answer("view-closed").await;
    kit.callbacks.clear();
    let paste_a = Message::new("paste")
        .arg("view", "a")
        .arg("mimetype", "text/plain;charset=utf-8");
    kit.send_frame(Frame::with_payload(paste_a.render(), b"s\nt\n".to_vec()))
        .await;
    kit.wait_for_callbacks("A's next Text Import", |c| tree(c).is_some())
        .await;
}
