//! Co-editing inside one real kit (forkit started peer to peer, real jail, real seccomp, real
//! LibreOffice): views, input, tiles, callbacks, status and save over the wsd ↔ kit protocol
//! (docs/kit-protocol.md, "Editing"). Waits are deadlines on observed state, never fixed sleeps.

use oxool_proto::{Frame, Message};
use oxool_tests::kit_session::{decode_png, seen, KitSession as Kit};

fn tile(view: &str, id: u32) -> Message {
    tile_with(view, id, &[])
}

/// A tile request with some geometry replaced.
fn tile_with(view: &str, id: u32, changes: &[(&str, i64)]) -> Message {
    let mut message = Message::new("tile").arg("view", view).arg("id", id);
    for (key, default) in [
        ("part", 0),
        ("width", 256),
        ("height", 256),
        ("x", 0),
        ("y", 0),
        ("tw", 3840),
        ("th", 3840),
    ] {
        let value = changes
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(default, |(_, v)| *v);
        message = message.arg(key, value);
    }
    message
}

/// The same pixels as PNG at another compression level, for comparison with the kit's setting.
fn png_size(rgba: &[u8], width: u32, height: u32, compression: png::Compression) -> usize {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_compression(compression);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(rgba).unwrap();
    writer.finish().unwrap();
    out.len()
}

/// zstd (level 3, the CLI's default) of the raw pixels, for the size note in the protocol doc.
fn zstd_size(raw: &[u8]) -> Option<usize> {
    use std::io::Write;
    let mut child = std::process::Command::new("zstd")
        .args(["-3", "-c", "-q"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(raw).ok()?;
    Some(child.wait_with_output().ok()?.stdout.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_writer_views_edit_one_document() {
    let mut kit = Kit::load("simple.docx").await;
    let a = kit.open_view("session-a", false).await;
    let b = kit.open_view("session-b", false).await;
    assert_ne!(a, b, "each session gets its own LibreOffice view");
    let status = kit.status().await;
    assert_eq!(status.get("type"), Some("text"), "{status}");
    assert_eq!(status.get("views"), Some("2"), "{status}");

    // A types; B hears about it: tiles to repaint, and A's cursor moving in B's view.
    kit.callbacks.clear();
    kit.type_text("session-a", "Hello").await;
    let a_cursor = format!("\"viewId\": \"{a}\"");
    kit.wait_for_callbacks("B's callbacks caused by A", |c| {
        seen(c, "session-b", "INVALIDATE_TILES")
            && c.iter().any(|c| {
                c.get("view") == Some("session-b")
                    && c.get("kind") == Some("INVALIDATE_VIEW_CURSOR")
                    && c.get("payload").unwrap_or_default().contains(&a_cursor)
            })
    })
    .await;
    kit.type_text("session-b", "World").await;
    let text = kit
        .wait_for_saved("txt", |t| t.contains("Hello") && t.contains("World"))
        .await;
    assert!(text.contains("oxool fixture text alpha"), "{text}");

    // A tile: a valid PNG of the requested size with ink on it.
    kit.send(tile("session-a", 41)).await;
    let (answer, png_bytes) = kit.answer("tile").await;
    assert_eq!(answer.get("id"), Some("41"));
    assert_eq!(answer.get("format"), Some("png"));
    let (width, height, pixels) = decode_png(&png_bytes);
    assert_eq!((width, height), (256, 256));
    let ink = pixels
        .chunks_exact(4)
        .filter(|p| p[3] == 255 && (p[0] < 200 || p[1] < 200 || p[2] < 200))
        .count();
    assert!(ink > 0, "the first tile of a text document shows text");
    eprintln!(
        "tile 256x256 px: raw {} B, kit png {} B, png (balanced) {} B, png (high) {} B, zstd-3 of raw {:?} B",
        pixels.len(),
        png_bytes.len(),
        png_size(&pixels, width, height, png::Compression::Balanced),
        png_size(&pixels, width, height, png::Compression::High),
        zstd_size(&pixels)
    );

    // A read-only session may look and select but not type.
    kit.open_view("viewer", true).await;
    // (A status after each attempt: a kit that accepted the input would answer it at once.)
    kit.key("viewer", 'x' as u32, 0).await;
    kit.send(Message::new("status")).await;
    let refused = kit.expect_error("readonly").await;
    assert_eq!(refused.get("view"), Some("viewer"));
    kit.expect_error("readonly").await;
    kit.answer("status").await;
    // The right button opens LibreOffice's context menu, whose entries edit.
    let right_click = Message::new("mouse")
        .arg("view", "viewer")
        .arg("type", "down")
        .arg("x", 1000)
        .arg("y", 1000)
        .arg("buttons", 4);
    kit.send(right_click).await;
    kit.send(Message::new("status")).await;
    kit.expect_error("readonly").await;
    kit.answer("status").await;
    let bold = Message::new("uno")
        .arg("view", "viewer")
        .arg("command", ".uno:Bold");
    kit.send(bold).await;
    kit.send(Message::new("status")).await;
    kit.expect_error("readonly").await;
    kit.answer("status").await;
    kit.send(tile("viewer", 1)).await;
    kit.answer("tile").await;

    // Malformed requests name the argument; the kit carries on.
    kit.send(
        Message::new("key")
            .arg("view", "session-a")
            .arg("type", "sideways"),
    )
    .await;
    let bad = kit.expect_error("bad-request").await;
    assert!(bad.get("message").unwrap().contains("\"type\""), "{bad}");
    kit.send(
        Message::new("key")
            .arg("view", "nobody")
            .arg("type", "input")
            .arg("char", 65),
    )
    .await;
    kit.expect_error("bad-request").await;
    let close = Message::new("uno")
        .arg("view", "session-a")
        .arg("command", ".uno:CloseDoc");
    kit.send(close).await;
    kit.expect_error("bad-request").await;

    // Absurd tiles: huge, negative, and 5000 in a row; all refused, then status still answers.
    let absurd = [
        tile_with("session-a", 2, &[("width", 100_000)]),
        tile_with("session-a", 3, &[("x", -3840)]),
        tile_with("session-a", 4, &[("tw", -1)]),
        tile_with("session-a", 5, &[("y", 2_000_000_000)]),
        tile_with("session-a", 6, &[("tw", i64::from(i32::MAX))]),
        tile_with("session-a", 7, &[("width", 1 << 40), ("height", 1 << 40)]),
    ];
    for request in absurd {
        let line = request.render();
        kit.send(request).await;
        let error = kit.expect_error("bad-request").await;
        assert_eq!(error.get("request"), Some("tile"), "{line}: {error}");
    }
    let flood: Vec<u8> = (0..5000)
        .flat_map(|i| {
            Frame::new(tile_with("session-a", i, &[("height", 5000 + i64::from(i))]).render())
                .encode()
                .unwrap()
        })
        .collect();
    // Written by a task of its own: the kit answers while we are still writing.
    let mut write = kit.take_writer();
    let writer = tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        write.write_all(&flood).await.unwrap();
        write
    });
    for _ in 0..5000 {
        kit.expect_error("bad-request").await;
    }
    kit.restore_writer(writer.await.unwrap());
    let status = kit.status().await;
    assert_eq!(status.get("views"), Some("3"), "{status}");

    // Closing views: the kit keeps serving the others.
    kit.send(Message::new("view-close").arg("view", "viewer"))
        .await;
    kit.answer("view-closed").await;
    kit.send(tile("session-b", 9)).await;
    kit.answer("tile").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calc_cell_input_commits_with_enter() {
    let mut kit = Kit::load("simple.ods").await;
    let first_view = kit.open_view("calc-a", false).await;
    let status = kit.status().await;
    assert_eq!(status.get("type"), Some("spreadsheet"), "{status}");
    assert_eq!(status.get("parts"), Some("2"), "{status}");
    let goto = Message::new("uno")
        .arg("view", "calc-a")
        .arg("command", ".uno:GoToCell")
        .arg("args", r#"{"ToPoint":{"type":"string","value":"A1"}}"#);
    kit.send(goto).await;
    kit.type_text("calc-a", "7").await;
    kit.key("calc-a", 13, 1280).await;
    // A1 was 2 and A3 = SUM(A1:A2): the csv shows the new value and the recalculated sum.
    let csv = kit
        .wait_for_saved("csv", |t| t.lines().next() == Some("7"))
        .await;
    assert!(csv.lines().any(|l| l == "47"), "{csv}");

    kit.send(
        Message::new("set-part")
            .arg("view", "calc-a")
            .arg("part", 1),
    )
    .await;
    kit.send(
        Message::new("set-part")
            .arg("view", "calc-a")
            .arg("part", 9),
    )
    .await;
    kit.expect_error("bad-request").await;
    kit.wait_for_callbacks("the part switch", |c| seen(c, "calc-a", "SET_PART"))
        .await;
    let status = kit.status().await;
    assert_eq!(status.get("part"), Some("1"), "{status}");

    // The last session leaving keeps the document's view for the next one.
    kit.send(Message::new("view-close").arg("view", "calc-a"))
        .await;
    kit.answer("view-closed").await;
    assert_eq!(kit.open_view("calc-b", false).await, first_view);
    kit.send(Message::new("view-open").arg("view", "calc-b"))
        .await;
    kit.expect_error("bad-request").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn impress_switches_slides_and_types_into_a_shape() {
    let mut kit = Kit::load("simple.pptx").await;
    kit.open_view("deck", false).await;
    let status = kit.status().await;
    assert_eq!(status.get("type"), Some("presentation"), "{status}");
    assert_eq!(status.get("parts"), Some("2"), "{status}");
    kit.send(Message::new("set-part").arg("view", "deck").arg("part", 1))
        .await;
    kit.wait_for_callbacks("the slide switch", |c| seen(c, "deck", "SET_PART"))
        .await;
    // Typed text needs a shape in edit mode: Tab selects the first shape, Enter edits it.
    kit.key("deck", 0, 1282).await;
    kit.key("deck", 13, 1280).await;
    kit.type_text("deck", "Zulu").await;
    let flat = kit.wait_for_saved("fodp", |t| t.contains("Zulu")).await;
    assert!(
        flat.contains("oxool slide two title"),
        "the fixture's second slide"
    );
    // A format of another document type is refused before LibreOffice tries it.
    kit.send(Message::new("save").arg("format", "csv")).await;
    kit.expect_error("format").await;
}
