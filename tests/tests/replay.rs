//! The replay journal in a spreadsheet (issue 13; docs/config.md, "Replay"): two users type into
//! their own cells, a checkpoint is written, they type more, and the kit is killed before the
//! next checkpoint. The new kit gets the later input again, each user's at their own cell
//! cursor, so storage ends with every cell. Without the journal the later cells are lost
//! (tests/tests/kit_kills.rs measures both in Writer).

use std::time::Duration;

use oxool_tests::checkpoints::{
    checkpointing, closed_with, kill_9, last_document_kit, reopen_recovered, wait_for_checkpoint,
};
use oxool_tests::editing_setup::{open_writer, EditingSetup};
use oxool_tests::user::RunAs;
use oxool_tests::ws::WsClient;

/// Selects `cell` (as Calc's name box does).
async fn go_to(client: &mut WsClient, cell: &str) {
    let args = format!(r#"{{"ToPoint":{{"type":"string","value":"{cell}"}}}}"#);
    client.uno(".uno:GoToCell", Some(&args)).await;
}

/// Types `value` into the current cell and confirms it with Enter (the cursor moves down).
async fn enter_value(client: &mut WsClient, value: &str) {
    client.type_keys(value).await;
    client.enter().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cells_typed_after_the_last_checkpoint_are_replayed_in_their_cells() {
    // The checkpoint comes after a pause of 1.5 s and never during the typing below.
    let EditingSetup { host, server } =
        EditingSetup::start_with(RunAs::Root, &checkpointing(1500, 600));
    let name = "replayed.xlsx";
    host.add_fixture("simple.xlsx", name).unwrap();
    let mut alice = open_writer(&server, &host, name, "alice").await;
    let mut bob = open_writer(&server, &host, name, "bob").await;
    go_to(&mut alice, "F1").await;
    go_to(&mut bob, "G1").await;
    enter_value(&mut alice, "4711").await;
    enter_value(&mut bob, "5822").await;
    let recovery = server.recovery_dir();
    let first = wait_for_checkpoint(&recovery, Duration::from_secs(30), |found| {
        found.first().map(|c| c.generation())
    })
    .await
    .expect("a checkpoint after the pause");
    // F2, G2, F3 and G3: typed after the checkpoint, then the kit dies before the next one.
    for (alice_value, bob_value) in [("6933", "7044"), ("8155", "9266")] {
        enter_value(&mut alice, alice_value).await;
        enter_value(&mut bob, bob_value).await;
    }
    // Every key is at the kit before it dies (the journal takes what reached wsd).
    tokio::time::sleep(Duration::from_millis(400)).await;
    let newest = oxool_tests::checkpoints::checkpoints(&recovery)
        .first()
        .map(|c| c.generation());
    assert_eq!(newest, Some(first), "no checkpoint after the first");
    kill_9(last_document_kit(&server.log()).expect("the document's kit"));
    for client in [&mut alice, &mut bob] {
        let close = closed_with(client).await;
        assert_eq!(close.get("reason"), Some("kit-crashed"), "{close}");
    }
    drop((alice, bob));
    let (mut again, recovered) = reopen_recovered(&server, &host, name, "alice").await;
    assert_eq!(recovered.get("source"), Some("checkpoint"), "{recovered}");
    assert_eq!(recovered.get("lost_edits"), Some("0"), "{recovered}");
    assert_ne!(recovered.get("replayed"), Some("0"), "{recovered}");
    again.save_stored().await;
    let csv = host.stored_text(&server.url(""), name);
    let cell = |row: usize, column: usize| -> String {
        csv.lines()
            .nth(row)
            .and_then(|line| line.split(',').nth(column))
            .unwrap_or_default()
            .trim_matches('"')
            .to_string()
    };
    let cells = [
        (0, 5, "4711"),
        (0, 6, "5822"),
        (1, 5, "6933"),
        (1, 6, "7044"),
        (2, 5, "8155"),
        (2, 6, "9266"),
    ];
    for (row, column, value) in cells {
        assert_eq!(
            cell(row, column),
            value,
            "row {row} column {column} after the replay:\n{csv}"
        );
    }
}
