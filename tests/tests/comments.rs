//! Comments end to end (issue 12, point 1): WebSocket clients → the real oxool-wsd → a real kit
//! with LibreOffice, documents served by the WOPI host. LibreOffice reports comments as
//! `COMMENT` callbacks (the kit turns tiled annotations off); every session sees them live, and
//! `command-values command=.uno:ViewAnnotations` lists the ones a document already has.

use std::path::Path;

use oxool_tests::editing_setup::EditingSetup as Setup;
use oxool_tests::user::RunAs;
use oxool_tests::ws::{Incoming, WsClient};
use oxool_tests::zip_members;

/// The `comment` object of a `COMMENT` event.
fn comment(event: &Incoming) -> serde_json::Value {
    event.json()["comment"].clone()
}

/// A JSON value LibreOffice sends as a string or a number, as text.
fn text_of(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// LibreOffice's property-value arguments for a comment command.
fn args(pairs: &[(&str, &str)]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = pairs
        .iter()
        .map(|(k, v)| {
            (
                k.to_string(),
                serde_json::json!({"type": "string", "value": v}),
            )
        })
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// Waits for a `COMMENT` event with this action (and text, when given).
async fn comment_event(
    client: &mut WsClient,
    what: &str,
    action: &'static str,
    text: Option<&'static str>,
) -> serde_json::Value {
    let event = client
        .wait_for(what, |m| {
            m.is_event("COMMENT")
                && comment(m)["action"] == action
                && text.is_none_or(|t| text_of(&comment(m)["text"]).contains(t))
        })
        .await;
    comment(&event)
}

/// The document's comments as `command-values command=.uno:ViewAnnotations` lists them.
async fn comment_list(client: &mut WsClient, what: &str) -> Vec<serde_json::Value> {
    client
        .command_values_list(what, ".uno:ViewAnnotations", "comments")
        .await
}

/// `word/comments.xml` of a stored docx (empty when it has none).
fn docx_comments(path: &Path) -> String {
    zip_members(path, "word/comments.xml")
}

/// A docx with one comment by "Carol" on the word "Anchored", written part by part.
fn docx_with_a_comment() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("commented.docx");
    let script = r#"
import sys, zipfile
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
parts = {
 '[Content_Types].xml': '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/comments.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/></Types>',
 '_rels/.rels': '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
 'word/_rels/document.xml.rels': '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments" Target="comments.xml"/></Relationships>',
 'word/document.xml': '<?xml version="1.0" encoding="UTF-8"?><w:document ' + W + '><w:body><w:p><w:r><w:t xml:space="preserve">Before </w:t></w:r><w:commentRangeStart w:id="0"/><w:r><w:t>Anchored</w:t></w:r><w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r><w:r><w:t xml:space="preserve"> after.</w:t></w:r></w:p></w:body></w:document>',
 'word/comments.xml': '<?xml version="1.0" encoding="UTF-8"?><w:comments ' + W + '><w:comment w:id="0" w:author="Carol" w:date="2024-03-01T10:00:00Z" w:initials="C"><w:p><w:r><w:t>PreexistingRemark</w:t></w:r></w:p></w:comment></w:comments>',
}
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    for name, text in parts.items():
        z.writestr(name, text)
"#;
    oxool_tests::python3(script, &[path.as_os_str()]);
    std::fs::read(&path).unwrap()
}

/// The WOPI host, with [`docx_with_a_comment`] stored as `name`, and wsd.
fn with_a_commented_docx(name: &str) -> Setup {
    let setup = Setup::start(RunAs::Root);
    setup
        .host
        .add_document(name, &docx_with_a_comment())
        .unwrap();
    setup
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_users_add_reply_edit_resolve_and_delete_comments_in_a_docx() {
    let setup = Setup::start(RunAs::Root);
    let name = "comments.docx";
    let (mut a, mut b) = setup.open_alice_and_bob("simple.docx", name).await;

    // A adds a comment: both see it, with A's name, a time and an anchor.
    a.uno(
        ".uno:InsertAnnotation",
        Some(&args(&[("Text", "First remark")])),
    )
    .await;
    let added = comment_event(&mut b, "A's comment at B", "Add", Some("First remark")).await;
    assert_eq!(added["author"], "Alice", "{added}");
    assert!(!text_of(&added["dateTime"]).is_empty(), "{added}");
    assert!(!text_of(&added["anchorPos"]).is_empty(), "{added}");
    let first = text_of(&added["id"]);
    let seen_by_a = comment_event(&mut a, "A's own comment", "Add", Some("First remark")).await;
    assert_eq!(text_of(&seen_by_a["id"]), first);

    // B replies: the reply names its parent.
    b.uno(
        ".uno:ReplyComment",
        Some(&args(&[("Id", &first), ("Text", "A reply")])),
    )
    .await;
    let reply = comment_event(&mut a, "B's reply at A", "Add", Some("A reply")).await;
    assert_eq!(reply["author"], "Bob", "{reply}");
    assert_eq!(text_of(&reply["parent"]), first, "{reply}");
    let reply_id = text_of(&reply["id"]);

    // A edits the first comment.
    a.uno(
        ".uno:EditAnnotation",
        Some(&args(&[("Id", &first), ("Text", "Edited remark")])),
    )
    .await;
    let edited = comment_event(&mut b, "the edit at B", "Modify", Some("Edited remark")).await;
    assert_eq!(text_of(&edited["id"]), first, "{edited}");

    // B resolves it, and reopens it (the command toggles).
    b.uno(".uno:ResolveComment", Some(&args(&[("Id", &first)])))
        .await;
    let resolved = a
        .wait_for("the resolution at A", |m| {
            m.is_event("COMMENT")
                && text_of(&comment(m)["id"]) == first
                && text_of(&comment(m)["resolved"]) == "true"
        })
        .await;
    assert_eq!(comment(&resolved)["action"], "Resolve", "{resolved}");

    // The list a late question gets has both, the reply under its parent.
    let comments = comment_list(&mut a, "the comment list").await;
    assert_eq!(comments.len(), 2, "{comments:?}");
    // A late joiner gets the same list, the resolution included.
    let mut c = setup.open("Carol", name, true).await;
    let late = comment_list(&mut c, "the late joiner's comment list").await;
    assert_eq!(late.len(), 2, "{late:?}");
    let first_of_late = late
        .iter()
        .find(|c| text_of(&c["id"]) == first)
        .expect("the first");
    assert_eq!(first_of_late["author"], "Alice", "{late:?}");
    assert_eq!(text_of(&first_of_late["resolved"]), "true", "{late:?}");
    drop(c);

    // Save: the stored docx has both comments with their authors.
    a.save_stored().await;
    let xml = docx_comments(&setup.host.path_of(name));
    for expected in [
        "Edited remark",
        "A reply",
        "w:author=\"Alice\"",
        "w:author=\"Bob\"",
    ] {
        assert!(
            xml.contains(expected),
            "{expected} is not in comments.xml: {xml}"
        );
    }

    // B deletes the reply; then A deletes every comment of Alice.
    b.uno(".uno:DeleteComment", Some(&args(&[("Id", &reply_id)])))
        .await;
    let removed = comment_event(&mut a, "the removal at A", "Remove", None).await;
    assert_eq!(text_of(&removed["id"]), reply_id, "{removed}");
    a.uno(".uno:DeleteAuthor", Some(&args(&[("Author", "Alice")])))
        .await;
    // B also saw the reply's removal: wait for this one by its id.
    b.wait_for("Alice's removal at B", |m| {
        m.is_event("COMMENT")
            && comment(m)["action"] == "Remove"
            && text_of(&comment(m)["id"]) == first
    })
    .await;
    a.save_stored().await;
    let xml = docx_comments(&setup.host.path_of(name));
    assert!(!xml.contains("remark"), "the comments are gone: {xml}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_docx_with_a_comment_lists_it_on_open_and_delete_all_removes_it() {
    let name = "commented.docx";
    let setup = with_a_commented_docx(name);
    let mut a = setup.open("Alice", name, true).await;
    let comments = comment_list(&mut a, "the comment list").await;
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert_eq!(comments[0]["author"], "Carol", "{comments:?}");
    assert!(
        text_of(&comments[0]["text"]).contains("PreexistingRemark"),
        "{comments:?}"
    );

    a.uno(".uno:DeleteAllNotes", None).await;
    comment_event(&mut a, "the removal", "Remove", None).await;
    a.save_stored().await;
    let xml = docx_comments(&setup.host.path_of(name));
    assert!(!xml.contains("PreexistingRemark"), "{xml}");
}

/// odt, xlsx and pptx: a comment added at the cursor (Writer), the cell cursor (Calc) or on the
/// slide (Impress) reaches the other session live and is in the stored file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comments_round_trip_in_odt_xlsx_and_pptx() {
    let setup = Setup::start(RunAs::Root);
    for (fixture, name, member, delete) in [
        (
            "simple.odt",
            "notes.odt",
            "content.xml",
            ".uno:DeleteComment",
        ),
        ("simple.xlsx", "notes.xlsx", "comments", ".uno:DeleteNote"),
        (
            "simple.pptx",
            "notes.pptx",
            "comment",
            ".uno:DeleteAnnotation",
        ),
    ] {
        let (mut a, mut b) = setup.open_alice_and_bob(fixture, name).await;
        a.uno(
            ".uno:InsertAnnotation",
            Some(&args(&[("Text", "RoundTripRemark")])),
        )
        .await;
        let added = comment_event(&mut b, name, "Add", Some("RoundTripRemark")).await;
        assert_eq!(added["author"], "Alice", "{name}: {added}");
        if let Some(hash) = added["parthash"].as_str() {
            // Impress names the slide by its hash: `parts` lists the hashes in slide order.
            a.send(oxool_proto::Message::new("status")).await;
            let parts = a
                .wait_for("the slide hashes", |m| {
                    m.is("parts") && m.get("hashes").is_some()
                })
                .await;
            let hashes: Vec<&str> = parts.get("hashes").unwrap().split(',').collect();
            assert_eq!(hashes.first(), Some(&hash), "{name}: {parts} {added}");
        }
        let saved = a.save(false).await;
        assert_eq!(saved.get("save"), Some("idle"), "{name}: {saved}");
        let xml = zip_members(&setup.host.path_of(name), member);
        assert!(
            xml.contains("RoundTripRemark"),
            "{name}: the comment is not in its {member}: {xml}"
        );
        assert!(
            xml.contains("Alice"),
            "{name}: no author in {member}: {xml}"
        );

        // Edit by id works in every application.
        let id = text_of(&added["id"]);
        a.uno(
            ".uno:EditAnnotation",
            Some(&args(&[("Id", &id), ("Text", "EditedRemark")])),
        )
        .await;
        comment_event(&mut b, name, "Modify", Some("EditedRemark")).await;
        // Each application names its delete command differently.
        a.uno(delete, Some(&args(&[("Id", &id)]))).await;
        comment_event(&mut b, name, "Remove", None).await;
    }
}

/// Visitors who read the comments and leave at once while others type and save never crash
/// the kit. LibreOffice 7.4 crashed, about one time in twenty, when a view was destroyed while
/// another view still had cursor updates of it queued (kit/src/session/views.rs); the kit now
/// parks closed views instead of destroying them. Every round here is such a moment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitors_who_read_the_comments_and_leave_do_not_crash_the_kit() {
    let name = "visited.docx";
    let setup = with_a_commented_docx(name);
    let mut a = setup.open("Alice", name, true).await;
    let mut b = setup.open("Bob", name, true).await;
    for round in 0..30 {
        let mut visitor = setup.open(&format!("Visitor{round}"), name, true).await;
        let list = comment_list(&mut visitor, "the visitor's comment list").await;
        assert_eq!(list.len(), 1, "{list:?}");
        drop(visitor);
        a.type_keys(&format!("w{round}x ")).await;
        b.type_keys("b").await;
        let saved = a.save(false).await;
        assert_eq!(saved.get("save"), Some("idle"), "round {round}: {saved}");
    }
    let log = setup.server.log();
    assert!(!log.contains("crashed with signal"), "a kit crashed: {log}");
    assert!(!log.contains("document's kit ended"), "a kit ended: {log}");
    let text = setup.stored_text(name);
    assert!(text.contains("w29x"), "stored: {text}");
}
