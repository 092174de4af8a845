//! Faults of the WOPI host (injected through tests/wopi-host's control API) while opening and
//! while saving: each gives the client a clear `error kind=…` or `doc-state save=failed`, the
//! server stays up, and no edit is lost: a later save stores it.

use std::time::Duration;

use oxool_proto::Message;
use oxool_tests::server::{Server, ServerOptions};
use oxool_tests::wopi_host::{token, token_secret_for, WopiHost, WopiHostOptions};
use oxool_tests::ws::{Incoming, WsClient};
use serde_json::json;

const EXPIRED_TOKEN: &str = "user=late;name=Late;secret=expired-token-secret";

fn start() -> (WopiHost, Server) {
    let host = WopiHost::start(WopiHostOptions {
        extra_args: vec!["--expired-token".into(), EXPIRED_TOKEN.into()],
        ..Default::default()
    })
    .unwrap();
    // Short WOPI deadlines and one retry keep the timeout cases short; 1 MiB files at most.
    let server = Server::start(ServerOptions {
        storage_toml: "timeout_secs = 2\nretries = 1\nmax_file_mb = 1".into(),
        wopi_hosts: vec![host.base()],
        editing_toml: Some("autosave_secs = 0\nidle_save_secs = 0".into()),
        ..Default::default()
    })
    .unwrap();
    (host, server)
}

/// Opens `name` expecting a refusal; returns the error.
async fn load_fails(server: &Server, host: &WopiHost, name: &str, token: &str) -> Incoming {
    let mut client = WsClient::connect(server.port, name).await.unwrap();
    let error = client.load_refused(&host.wopisrc(name), Some(token)).await;
    assert!(
        !error.get("message").unwrap_or_default().is_empty(),
        "a message for people: {error}"
    );
    error
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_while_opening_are_reported_and_the_server_carries_on() {
    let (host, server) = start();
    let alice = token("alice", "Alice", true);
    let simple = std::fs::read(oxool_tests::fixture("simple.docx")).unwrap();
    // (operation, fault, expected error kind)
    let cases = [
        (
            "CheckFileInfo",
            json!({"status": 500}),
            "storage-server-error",
        ),
        ("CheckFileInfo", json!({"delay_secs": 8}), "storage-timeout"),
        ("GetFile", json!({"status": 503}), "storage-server-error"),
        ("GetFile", json!({"delay_secs": 8}), "storage-timeout"),
        (
            "CheckFileInfo",
            json!({"body": "garbage{"}),
            "fileinfo-invalid",
        ),
        (
            "CheckFileInfo",
            json!({"body_bytes": 3_000_000}),
            "fileinfo-too-large",
        ),
        (
            "GetFile",
            json!({"extra_bytes": 1000}),
            "file-larger-than-announced",
        ),
        (
            "CheckFileInfo",
            json!({"redirect_loop": true}),
            "storage-redirect",
        ),
        (
            "GetFile",
            json!({"redirect_loop": true}),
            "storage-redirect",
        ),
        ("any", json!({"status": 401}), "storage-unauthorized"),
    ];
    for (index, (operation, fault, kind)) in cases.iter().enumerate() {
        let name = format!("open-fault-{index}.docx");
        host.add_document(&name, &simple).unwrap();
        host.set_faults(json!({ *operation: fault })).unwrap();
        let error = load_fails(&server, &host, &name, &alice).await;
        assert_eq!(
            error.get("kind"),
            Some(*kind),
            "{operation} {fault}: {error}"
        );
        host.clear_faults().unwrap();
    }

    // An expired token, and a file over storage.max_file_mb.
    host.add_document("expired.docx", &simple).unwrap();
    let error = load_fails(&server, &host, "expired.docx", EXPIRED_TOKEN).await;
    assert_eq!(error.get("kind"), Some("storage-unauthorized"), "{error}");
    let big: Vec<u8> = (0..2u32 << 20).map(|i| (i * 7 + i / 251) as u8).collect();
    host.add_document("big.docx", &big).unwrap();
    let error = load_fails(&server, &host, "big.docx", &alice).await;
    assert_eq!(error.get("kind"), Some("file-too-large"), "{error}");

    // The server is still up and opens a document normally.
    host.add_document("fine.docx", &simple).unwrap();
    let mut fine = WsClient::connect(server.port, "fine").await.unwrap();
    let status = fine.load(&host.wopisrc("fine.docx"), &alice).await;
    assert_eq!(status.get("type"), Some("text"), "{status}");
    let log = server.log();
    assert!(
        !log.contains(&token_secret_for("alice")),
        "a token in wsd's log"
    );
    assert!(
        !log.contains("expired-token-secret"),
        "a token in wsd's log"
    );
}

/// Waits for the end of a save that must fail with `kind`; returns the doc-state.
async fn save_fails(client: &mut WsClient, kind_prefix: &str) -> Incoming {
    let failed = client.save(false).await;
    assert_eq!(failed.get("save"), Some("failed"), "{failed}");
    assert_eq!(
        failed.get("modified"),
        Some("1"),
        "nothing is discarded: {failed}"
    );
    let kind = failed.get("kind").unwrap_or_default();
    assert!(
        kind.starts_with(kind_prefix),
        "kind {kind_prefix}…: {failed}"
    );
    assert!(
        failed
            .get("retry_secs")
            .and_then(|s| s.parse::<u64>().ok())
            .is_some(),
        "{failed}"
    );
    failed
}

/// Saves until storage has everything (the server may also be retrying on its own).
async fn save_until_stored(client: &mut WsClient) {
    client.send(Message::new("save")).await;
    let stored = client
        .wait_for("modified=0 save=idle", |m| {
            m.is("doc-state")
                && ((m.get("modified") == Some("0") && m.get("save") == Some("idle"))
                    || m.get("save") == Some("conflict"))
        })
        .await;
    assert_eq!(stored.get("save"), Some("idle"), "{stored}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_uploads_keep_the_edits_until_a_save_succeeds() {
    let (host, server) = start();
    let name = "upload-faults.docx";
    host.add_fixture("simple.docx", name).unwrap();
    let mut a = WsClient::connect(server.port, "A").await.unwrap();
    a.load(&host.wopisrc(name), &token("alice", "Alice", true))
        .await;
    let mut b = WsClient::connect(server.port, "B").await.unwrap();
    b.load(&host.wopisrc(name), &token("bob", "Bob", true))
        .await;

    // (PutFile fault, expected kind or kind prefix, marker typed before the save)
    let cases = [
        (
            json!({"status": 500}),
            "storage-server-error",
            "MarkerFiveHundred",
        ),
        (
            json!({"delay_secs": 8, "status": 503}),
            "storage-timeout",
            "MarkerTimeout",
        ),
        (json!({"reset": true}), "storage-", "MarkerReset"),
        (
            json!({"status": 401}),
            "storage-unauthorized",
            "MarkerExpired",
        ),
    ];
    let mut typed = Vec::new();
    for (fault, kind, marker) in cases {
        a.type_keys(&format!("{marker} ")).await;
        a.wait_for("modified=1", |m| {
            m.is("doc-state") && m.get("modified") == Some("1")
        })
        .await;
        typed.push(marker);
        host.set_faults(json!({ "PutFile": fault })).unwrap();
        b.skip_seen();
        let failed = save_fails(&mut a, kind).await;
        // The other session is told too.
        b.wait_for("B hears of the failed save", |m| {
            m.is("doc-state") && m.get("save") == Some("failed")
        })
        .await;
        // The file in storage is what it was: nothing half-written.
        let before = host.stored_text(&server.url(""), name);
        assert!(!before.contains(marker), "{fault}: {failed}: {before}");

        host.clear_faults().unwrap();
        save_until_stored(&mut a).await;
        let text = host.stored_text(&server.url(""), name);
        for marker in &typed {
            assert!(text.contains(marker), "{marker} lost after {fault}: {text}");
        }
    }
    // The kit and the sessions are still there.
    b.send(Message::new("ping")).await;
    b.wait_for("pong", |m| m.is("pong")).await;
    b.drain_for(Duration::from_millis(100)).await;
    assert!(b.closed.is_none());
}
