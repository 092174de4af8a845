//! wsd killed with SIGKILL while users type (issue 13): at its next start it stores the
//! checkpoints the dead process left. A document storage still has as the checkpoint's base
//! gets the edits in place (PutFile under the lock); one that changed in storage meanwhile is
//! left untouched and the edits are stored beside it as `<name> (recovered <time>).<ext>`.
//! While storage fails, the checkpoints wait (`oxoolctl recoveries` shows them) and are retried.
//! Real wsd, real kits, the independent WOPI host.

use std::time::Duration;

use oxool_tests::checkpoints::{checkpointing, checkpoints, wait_for_checkpoint};
use oxool_tests::editing_setup::EditingSetup;
use oxool_tests::eventually::eventually_every_async;
use oxool_tests::server::ServerOptions;
use oxool_tests::wopi_host::{token, WopiHost};
use oxool_tests::ws::WsClient;
use serde_json::json;

/// How often the waits below look again: each look runs oxoolctl or asks the WOPI host.
const EVERY: Duration = Duration::from_millis(500);

fn recovered_copies(host: &WopiHost, stem: &str) -> Vec<String> {
    std::fs::read_dir(host.root())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&format!("{stem} (recovered ")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_wsd_stores_what_the_killed_one_had_only_in_checkpoints() {
    let options = ServerOptions {
        storage_toml: "retries = 0".into(),
        ..Default::default()
    };
    let EditingSetup { host, mut server } =
        EditingSetup::start_from(options, &checkpointing(1000, 3));
    let recovery = server.recovery_dir();
    let (kept, changed) = ("kept.docx", "changed.docx");
    let mut clients = Vec::new();
    for (name, marker) in [(kept, "KeptMarker"), (changed, "ChangedMarker")] {
        host.add_fixture("simple.docx", name).unwrap();
        let mut client = WsClient::connect(server.port, name).await.unwrap();
        client
            .load(&host.wopisrc(name), &token("alice", "Alice", true))
            .await;
        client.type_keys(marker).await;
        clients.push(client);
    }
    wait_for_checkpoint(&recovery, Duration::from_secs(20), |c| {
        (c.len() == 2).then_some(())
    })
    .await
    .unwrap_or_else(|| panic!("two checkpoints:\n{}", server.log()));
    // Someone changes one of them in storage meanwhile.
    host.touch(changed, None).unwrap();
    let changed_in_storage = host.stored(changed);
    // Storage fails at first: the restarted wsd keeps the checkpoints and retries.
    host.set_faults(json!({"CheckFileInfo": {"status": 500}}))
        .unwrap();

    server.kill_9_and_restart().unwrap();
    drop(clients);
    let mut listing = String::new();
    eventually_every_async(
        "a failed attempt in oxoolctl recoveries",
        Duration::from_secs(30),
        EVERY,
        async || {
            listing = server.oxoolctl("recoveries").unwrap_or_default();
            (listing.lines().filter(|l| l.starts_with("pending")).count() == 2
                && listing.contains("500"))
            .then_some(())
        },
    )
    .await;
    assert!(
        listing.contains(kept) && listing.contains(changed),
        "{listing}"
    );
    assert!(
        host.requests("PutFile", kept).unwrap().is_empty(),
        "stored while failing"
    );
    host.clear_faults().unwrap();

    // Retried (10 s after the first failure): the edits reach storage.
    eventually_every_async(
        "the recovered edits in storage",
        Duration::from_secs(60),
        EVERY,
        async || {
            (!host.requests("PutFile", kept).unwrap().is_empty()
                && !recovered_copies(&host, "changed").is_empty())
            .then_some(())
        },
    )
    .await;
    let text = host.stored_text(&server.url(""), kept);
    assert!(text.contains("KeptMarker"), "stored in place: {text}");
    let put = host.requests("PutFile", kept).unwrap();
    assert_eq!(put.last().unwrap()["status"], 200, "{put:?}");
    assert_eq!(
        host.stored(changed),
        changed_in_storage,
        "the changed original is untouched"
    );
    let copy = &recovered_copies(&host, "changed")[0];
    assert!(copy.ends_with(".docx"), "{copy}");
    let text = host.stored_text(&server.url(""), copy);
    assert!(text.contains("ChangedMarker"), "the recovered copy: {text}");

    // Nothing is left to recover, and no lock is left behind.
    eventually_every_async(
        "no checkpoint left",
        Duration::from_secs(10),
        EVERY,
        async || {
            (server.oxoolctl("recoveries").unwrap_or_default() == "no checkpoints\n").then_some(())
        },
    )
    .await;
    assert!(checkpoints(&recovery).is_empty());
    assert_eq!(host.locks().unwrap(), json!({}));
}
