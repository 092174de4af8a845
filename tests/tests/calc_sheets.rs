//! Calc's sheets with two users (issue 12, point 4): WebSocket clients → the real oxool-wsd →
//! a real kit with LibreOffice. When A moves a sheet that B is not on, LibreOffice 7.4 tells
//! B's view nothing (no SET_PART, no size change); wsd sees the names change in A's `status`
//! and sends B a fresh `status` and `parts`, so B's sheet tabs follow.

use oxool_tests::editing_setup::EditingSetup as Setup;
use oxool_tests::user::RunAs;
use oxool_tests::ws::{Incoming, WsClient};

fn names(m: &Incoming) -> Vec<String> {
    serde_json::from_str(&m.body_text()).unwrap_or_default()
}

async fn parts_become(client: &mut WsClient, what: &str, want: &[&str]) {
    client
        .wait_for(what, |m| m.is("parts") && names(m) == want)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sheet_inserted_renamed_or_moved_by_one_user_reaches_the_other() {
    let setup = Setup::start(RunAs::Root);
    let name = "sheets.ods";
    let (mut a, mut b) = setup.open_alice_and_bob("simple.ods", name).await;
    parts_become(&mut b, "B's first sheet names", &["Numbers", "Second"]).await;

    // A adds a third sheet and renames it: B hears of both.
    for (command, sheet, what) in [
        (".uno:Insert", "Extra", "the inserted sheet at B"),
        (".uno:Name", "Budget", "the renamed sheet at B"),
    ] {
        let args = format!(
            r#"{{"Name":{{"type":"string","value":"{sheet}"}},"Index":{{"type":"long","value":3}}}}"#
        );
        a.uno(command, Some(&args)).await;
        parts_become(&mut b, what, &["Numbers", "Second", sheet]).await;
    }

    // A moves Budget (A's current sheet, not B's) before Second: only A's view is told by
    // LibreOffice; B gets the new order from wsd.
    let before_move = b.mark();
    a.uno(
        ".uno:Move",
        Some(r#"{"Index":{"type":"long","value":2},"Copy":{"type":"boolean","value":false},"UseCurrentDocument":{"type":"boolean","value":true}}"#),
    )
    .await;
    parts_become(
        &mut a,
        "the moved sheet at A",
        &["Numbers", "Budget", "Second"],
    )
    .await;
    parts_become(
        &mut b,
        "the moved sheet at B",
        &["Numbers", "Budget", "Second"],
    )
    .await;
    // The `status` that came with it (just before it) keeps B on its own sheet.
    b.rewind_to(before_move);
    let status = b
        .wait_for("B's status with three sheets", |m| {
            m.is("status") && m.get("parts") == Some("3")
        })
        .await;
    assert_eq!(status.get("part"), Some("0"), "B stays on its sheet");
}
