//! Inserting an image from the user's computer (issue 12.6, docs/protocol.md "Inserting an
//! image"): one binary `insert-image` frame. Refused with an error the client can show when it
//! is over the limit, not an image, or from a view-only session; a larger frame closes the
//! connection before wsd buffers it; a client cannot name a file itself through
//! `.uno:InsertGraphic`. A real image goes to the document's kit and is embedded in the stored
//! document. Real wsd, real kit, real LibreOffice.

use oxool_proto::images::MAX_IMAGE_BYTES;
use oxool_tests::editing_setup::EditingSetup as Setup;
use oxool_tests::ws::WsClient;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// A 1 × 1 red PNG.
const PNG: &[u8] = b"\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\x0d\x49\x44\x41\x54\x78\xda\x63\xfc\xcf\xc0\x50\x0f\x00\x04\x85\x01\x80\x84\xa9\x8c\x21\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";

fn image_frame(name: &str, bytes: &[u8]) -> WsMessage {
    let line = oxool_proto::Message::new("insert-image")
        .arg("name", name)
        .render();
    WsMessage::binary([line.as_bytes(), b"\n", bytes].concat())
}

async fn refusal(client: &mut WsClient, frame: WsMessage) -> String {
    client.try_send(frame).await.expect("the frame is sent");
    let error = client.wait_for("the refusal", |m| m.is("error")).await;
    assert_eq!(error.get("request"), Some("insert-image"), "{error}");
    format!(
        "{} {}",
        error.get("kind").unwrap_or_default(),
        error.get("message").unwrap_or_default()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_are_checked_then_inserted_by_the_documents_kit_only() {
    let name = "insert-image.docx";
    let users = [("Editor", true), ("Viewer", false)];
    let (setup, [mut editor, mut viewer]) = Setup::with_users("simple.docx", name, users).await;

    // Over the limit (but within the WebSocket's frame): a clear error, the session goes on.
    let too_big = [PNG, &vec![0; MAX_IMAGE_BYTES]].concat();
    let refused = refusal(&mut editor, image_frame("big.png", &too_big)).await;
    assert!(refused.starts_with("too-large "), "{refused}");
    assert!(refused.contains("10 MiB"), "{refused}");
    // Not an image (an SVG, whatever its name says).
    let svg = b"<svg xmlns='http://www.w3.org/2000/svg'><image href='file:///etc/passwd'/></svg>";
    let refused = refusal(&mut editor, image_frame("x.png", svg)).await;
    assert!(refused.starts_with("bad-request "), "{refused}");
    // A binary frame that is not an image message.
    let refused = refusal(
        &mut editor,
        WsMessage::binary(b"paste mimetype=text/plain\nx".to_vec()),
    )
    .await;
    assert!(refused.starts_with("bad-message "), "{refused}");
    // A view-only session may not insert.
    let refused = refusal(&mut viewer, image_frame("red.png", PNG)).await;
    assert!(refused.starts_with("readonly "), "{refused}");
    // Naming a file in the jail directly is not a client's to do.
    editor
        .uno(
            ".uno:InsertGraphic",
            Some(r#"{"FileName":{"type":"string","value":"file:///tmp/save/document.docx"}}"#),
        )
        .await;
    let error = editor
        .wait_for("the refused command", |m| m.is("error"))
        .await;
    assert!(error.is_error("bad-request"), "{error}");
    assert!(
        error
            .get("message")
            .unwrap_or_default()
            .contains("InsertGraphic"),
        "{error}"
    );
    editor.save(true).await;
    let stored = setup.host.path_of(name);
    let rels = oxool_tests::zip_members(&stored, "word/_rels/document.xml.rels");
    assert!(!rels.contains("media/"), "nothing inserted yet: {rels}");

    // A real image, with a name that tries to leave the jail's directory: inserted and stored.
    editor
        .try_send(image_frame("../../../etc/red.png", PNG))
        .await
        .unwrap();
    editor
        .wait_for("the image selected", |m| m.is_event("GRAPHIC_SELECTION"))
        .await;
    let saved = editor.save(true).await;
    assert_eq!(saved.get("save"), Some("idle"), "{saved}");
    let rels = oxool_tests::zip_members(&stored, "word/_rels/document.xml.rels");
    assert!(rels.contains("Target=\"media/"), "{rels}");
    assert!(
        !rels.contains("TargetMode=\"External\""),
        "linked, not embedded: {rels}"
    );
    setup.assert_no_token_in_log(&["Editor", "Viewer"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frame_over_the_websocket_limit_closes_the_connection_unread() {
    let name = "insert-image-huge.docx";
    let users = [("Editor", true), ("Other", true)];
    let (_setup, [mut editor, mut other]) = Setup::with_users("simple.docx", name, users).await;
    let huge = [PNG, &vec![0; MAX_IMAGE_BYTES + 128 * 1024]].concat();
    let _ = editor.try_send(image_frame("huge.png", &huge)).await;
    assert_eq!(editor.wait_closed().await, Some(1009));
    // The document and its other session are unaffected.
    other.send_line("status").await;
    other.wait_for("status", |m| m.is("status")).await;
}
