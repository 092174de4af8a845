//! Durable checkpoints (issue 13; docs/config.md, "Checkpoints"): a modified document is saved
//! to wsd's recovery directory after input stops and during continuous input, without counting
//! as a save; the checkpoint goes once storage has its edits. Real wsd, real kits, the
//! independent WOPI host; the checkpoint's content is checked by converting it.

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use oxool_tests::checkpoints::{checkpoint_text, checkpoints, wait_for_checkpoint};
use oxool_tests::server::{Server, ServerOptions};
use oxool_tests::wopi_host::{token, token_secret_for, WopiHost, WopiHostOptions};
use oxool_tests::ws::WsClient;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoints_follow_input_and_go_when_storage_has_the_edits() {
    let host = WopiHost::start(WopiHostOptions::default()).unwrap();
    // No automatic saves: only checkpoints happen on their own.
    let server = Server::start(ServerOptions {
        wopi_hosts: vec![host.base()],
        editing_toml: Some(
            "autosave_secs = 0\nidle_save_secs = 0\ncheckpoint_idle_ms = 1000\n\
             checkpoint_max_secs = 4"
                .into(),
        ),
        ..Default::default()
    })
    .unwrap();
    let recovery = server.recovery_dir();
    let name = "checkpointed.docx";
    host.add_fixture("simple.docx", name).unwrap();
    let mut alice = WsClient::connect(server.port, "alice").await.unwrap();
    alice
        .load(&host.wopisrc(name), &token("alice", "Alice", true))
        .await;
    assert!(
        checkpoints(&recovery).is_empty(),
        "a checkpoint before any edit"
    );

    // Input stops: a checkpoint with the typed text appears, and the document stays modified.
    alice.type_keys("IdleMarker").await;
    let typed = Instant::now();
    let first = wait_for_checkpoint(&recovery, Duration::from_secs(20), |c| c.first().cloned())
        .await
        .unwrap_or_else(|| panic!("no checkpoint:\n{}", server.log()));
    let after = typed.elapsed();
    assert!(
        after >= Duration::from_millis(900),
        "before input stopped: {after:?}"
    );
    let text = checkpoint_text(&server.url(""), &first);
    assert!(text.contains("IdleMarker"), "checkpoint text: {text}");
    let meta = &first.meta;
    assert_eq!(meta["file_name"], name, "{meta}");
    assert_eq!(meta["bytes"].as_u64(), Some(first.document.len() as u64));
    assert!(first.generation() > 0, "{meta}");
    assert!(meta["base_last_modified"].is_string(), "{meta}");
    assert!(meta["save_ms"].as_u64().is_some(), "{meta}");
    let wopisrc = meta["wopisrc"].as_str().unwrap();
    assert!(wopisrc.ends_with(name), "{meta}");
    let json = std::fs::read_to_string(first.dir.join("checkpoint.json")).unwrap();
    assert!(
        !json.contains(&token_secret_for("alice")),
        "a token on disk: {json}"
    );
    assert!(!json.contains("access_token"), "a token on disk: {json}");
    for dir in [&recovery, &first.dir] {
        let mode = std::fs::metadata(dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", dir.display());
    }
    assert!(
        host.requests("PutFile", name).unwrap().is_empty(),
        "a checkpoint uploaded"
    );
    alice.skip_seen();

    // A save to storage removes it.
    let saved = alice.save(false).await;
    assert_eq!(saved.get("modified"), Some("0"), "{saved}");
    wait_for_checkpoint(&recovery, Duration::from_secs(10), |c| {
        c.is_empty().then_some(())
    })
    .await
    .expect("the checkpoint stays after storage has its edits");
    assert!(!first.dir.exists(), "its directory stays");

    // Continuous input (never idle for checkpoint_idle_ms): checkpoints come at most
    // checkpoint_max_secs apart (plus a save's duration), each newer than the last.
    let started = Instant::now();
    let mut generations = Vec::new();
    let mut index = 0;
    while started.elapsed() < Duration::from_secs(11) {
        alice.type_keys(&format!("c{index} ")).await;
        index += 1;
        tokio::time::sleep(Duration::from_millis(300)).await;
        if let Some(c) = checkpoints(&recovery).first() {
            if generations.last() != Some(&c.generation()) {
                generations.push(c.generation());
            }
        }
    }
    assert!(
        generations.len() >= 2,
        "continuous input for 11 s made checkpoints of generations {generations:?}"
    );
    assert!(
        generations.windows(2).all(|w| w[0] < w[1]),
        "{generations:?}"
    );

    // A clean close (the exit save stores everything) leaves no checkpoint.
    drop(alice);
    wait_for_checkpoint(&recovery, Duration::from_secs(30), |c| {
        c.is_empty().then_some(())
    })
    .await
    .unwrap_or_else(|| panic!("a checkpoint after a clean close:\n{}", server.log()));
    let stored = host.stored_text(&server.url(""), name);
    assert!(
        stored.contains("IdleMarker") && stored.contains("c1 "),
        "{stored}"
    );
    assert!(
        !server.log().contains(&token_secret_for("alice")),
        "a token in the log"
    );
}
