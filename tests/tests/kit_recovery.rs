//! A kit killed while two users type (issue 13): the broker reopens the document from its last
//! checkpoint in a new kit, the users reconnect (the close reason `kit-crashed` allows it) and
//! are told `recovered`, and storage gets every character typed more than
//! `checkpoint_max_secs` before the kill. A third crash within five minutes is final
//! (`kit-crash-loop`) and keeps the checkpoint. Real wsd, real kits, the independent WOPI host.

use std::time::{Duration, Instant};

use oxool_tests::checkpoints::{
    checkpointing, checkpoints, closed_with, kill_9, last_document_kit, reopen_recovered,
    wait_for_checkpoint,
};
use oxool_tests::editing_setup::{open_writer, EditingSetup};
use oxool_tests::eventually::poll_every_async;
use oxool_tests::server::Server;
use oxool_tests::user::RunAs;
use oxool_tests::wopi_host::token;
use oxool_tests::ws::WsClient;

const CHECKPOINT_MAX_SECS: u64 = 3;
/// `css::awt::Key` END with MOD1 (Ctrl): to the end of the document.
const CTRL_END: u32 = 1029 | 0x2000;

struct Typist {
    client: WsClient,
    prefix: &'static str,
    /// Each token typed and when it was sent.
    typed: Vec<(String, Instant)>,
}

impl Typist {
    async fn type_token(&mut self) {
        let token = format!("{}{} ", self.prefix, self.typed.len());
        self.client.type_keys(&token).await;
        self.typed.push((token, Instant::now()));
    }
}

/// Both type a token every 250 ms for `period`; then the kit is killed. Returns the kill time.
async fn type_then_kill(server: &Server, typists: &mut [Typist], period: Duration) -> Instant {
    let kit = last_document_kit(&server.log()).expect("the document's kit in wsd's log");
    let started = Instant::now();
    while started.elapsed() < period {
        for typist in typists.iter_mut() {
            typist.type_token().await;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    kill_9(kit);
    Instant::now()
}

/// How often each letter and digit occurs (case folded).
fn char_counts(text: &str) -> std::collections::HashMap<char, i64> {
    let mut counts = std::collections::HashMap::new();
    for c in text.chars().filter(char::is_ascii_alphanumeric) {
        *counts.entry(c.to_ascii_lowercase()).or_default() += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_kit_is_reopened_from_its_checkpoint_and_a_crash_loop_stops() {
    let EditingSetup { host, server } =
        EditingSetup::start_with(RunAs::Root, &checkpointing(1000, CHECKPOINT_MAX_SECS));
    let name = "recovered.docx";
    host.add_fixture("simple.docx", name).unwrap();
    let before = host.stored_text(&server.url(""), name);
    let mut typists = vec![
        Typist {
            client: open_writer(&server, &host, name, "alice").await,
            prefix: "a",
            typed: Vec::new(),
        },
        Typist {
            client: open_writer(&server, &host, name, "bob").await,
            prefix: "b",
            typed: Vec::new(),
        },
    ];
    // Bob types at the end, Alice at the start: their words do not interleave.
    typists[1].client.key(0, CTRL_END).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    // First crash, while both type: the document is reopened from its checkpoint.
    let killed = type_then_kill(&server, &mut typists, Duration::from_secs(8)).await;
    for typist in &mut typists {
        let close = closed_with(&mut typist.client).await;
        assert_eq!(close.get("reason"), Some("kit-crashed"), "{close}");
    }
    let (mut alice, recovered) = reopen_recovered(&server, &host, name, "alice").await;
    assert_eq!(recovered.get("source"), Some("checkpoint"), "{recovered}");
    assert!(recovered.get("lost_edits").is_some(), "{recovered}");
    let state = alice.wait_for("doc-state", |m| m.is("doc-state")).await;
    assert_eq!(state.get("modified"), Some("1"), "stays modified: {state}");
    let (bob, _) = reopen_recovered(&server, &host, name, "bob").await;
    assert!(
        host.requests("PutFile", name).unwrap().is_empty(),
        "stored before a save"
    );

    // They carry on, save, and storage has every token typed in time.
    alice.type_keys("AfterRecovery ").await;
    let saved = alice.save(false).await;
    assert_eq!(saved.get("modified"), Some("0"), "{saved}");
    let text = host.stored_text(&server.url(""), name);
    assert!(text.contains("AfterRecovery"), "{text}");
    // Every character, counted: Writer 7.4 sometimes applies a key of one view at another
    // view's cursor when two type at once ("a13 14 a15" … "b14 ab15"), and autocorrect
    // capitalises the first word, so whole words are not what to look for.
    let deadline = killed - Duration::from_secs(CHECKPOINT_MAX_SECS);
    let mut in_time = String::new();
    let mut late = 0;
    for typist in &typists {
        for (token, at) in &typist.typed {
            if *at <= deadline {
                in_time.push_str(token);
            } else {
                late += 1;
            }
        }
    }
    let mut available = char_counts(&text);
    for (c, n) in char_counts(&format!("{before}AfterRecovery")) {
        *available.entry(c).or_default() -= n;
    }
    for (c, n) in char_counts(&in_time) {
        let stored = available.get(&c).copied().unwrap_or(0);
        assert!(
            stored >= n,
            "{n} × {c:?} typed more than {CHECKPOINT_MAX_SECS} s before the kill, {stored} \
             stored: {text}"
        );
    }
    eprintln!(
        "first crash: {} characters typed in time are all stored; {late} words typed within \
         {CHECKPOINT_MAX_SECS} s of the kill not required",
        in_time.len()
    );
    wait_for_checkpoint(&server.recovery_dir(), Duration::from_secs(10), |c| {
        c.is_empty().then_some(())
    })
    .await
    .expect("the checkpoint goes once storage has the edits");

    // Two more crashes within five minutes: the third is final and keeps the checkpoint.
    let mut clients = vec![alice, bob];
    for crash in 2..=3 {
        let mut typists: Vec<Typist> = clients
            .drain(..)
            .zip(if crash == 2 { ["c", "d"] } else { ["e", "f"] })
            .map(|(client, prefix)| Typist {
                client,
                prefix,
                typed: Vec::new(),
            })
            .collect();
        let kit = last_document_kit(&server.log()).expect("the reopened kit");
        let older = checkpoints(&server.recovery_dir())
            .first()
            .map_or(0, |c| c.generation());
        typists[0].type_token().await;
        // Input stopped: a checkpoint of the new edit comes, then the kill.
        wait_for_checkpoint(&server.recovery_dir(), Duration::from_secs(20), |c| {
            c.first().filter(|c| c.generation() > older).map(|_| ())
        })
        .await
        .expect("a checkpoint after the reopening");
        kill_9(kit);
        let reason = if crash == 3 {
            "kit-crash-loop"
        } else {
            "kit-crashed"
        };
        for typist in &mut typists {
            let close = closed_with(&mut typist.client).await;
            assert_eq!(close.get("reason"), Some(reason), "crash {crash}: {close}");
        }
        if crash == 2 {
            for user in ["alice", "bob"] {
                clients.push(open_writer(&server, &host, name, user).await);
            }
            // Storage refuses the copy at first: the held checkpoint shows in oxoolctl.
            host.set_faults(serde_json::json!({"PutRelativeFile": {"status": 500}}))
                .unwrap();
        }
    }
    assert!(
        server.log().contains("is not reopened"),
        "wsd's log says why the document stays closed"
    );
    // Its checkpoint is kept (oxoolctl shows it), and stored as a recovered copy (it may be what
    // crashes the kit), never over the file.
    // Each look runs oxoolctl or lists the host's files: twice a second.
    let every = Duration::from_millis(500);
    let mut listing = String::new();
    let held = poll_every_async(Duration::from_secs(30), every, async || {
        listing = server.oxoolctl("recoveries").unwrap_or_default();
        (listing.contains("held:kit-crash-loop") && listing.contains("500")).then_some(())
    })
    .await;
    assert!(
        held.is_some(),
        "no held checkpoint in oxoolctl recoveries: {listing}"
    );
    host.clear_faults().unwrap();
    let copy = poll_every_async(Duration::from_secs(30), every, async || {
        std::fs::read_dir(host.root())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .find(|n| n.starts_with("recovered (recovered "))
    })
    .await
    .unwrap_or_else(|| {
        panic!(
            "no recovered copy:\n{}",
            server.oxoolctl("recoveries").unwrap_or_default()
        )
    });
    let copy_text = host.stored_text(&server.url(""), &copy).to_lowercase();
    assert!(
        copy_text.contains("e0 "),
        "the crash loop's edit in the copy: {copy_text}"
    );
    let original = host.stored_text(&server.url(""), name).to_lowercase();
    assert!(
        !original.contains("e0 "),
        "the crash loop's edit over the file: {original}"
    );
    assert!(checkpoints(&server.recovery_dir()).is_empty());
}

/// A password-protected document gets no checkpoint (the kit's copy would not be encrypted);
/// after a crash the new kit opens it from storage with the password it was opened with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_protected_document_is_reopened_with_its_password() {
    const PASSWORD: &str = "Sésame 100% ouvre-toi";
    let EditingSetup { host, server } =
        EditingSetup::start_with(RunAs::Root, "checkpoint_idle_ms = 500\n");
    let name = "protected.odt";
    host.add_document(name, &oxool_tests::protected::protected_odt(PASSWORD))
        .unwrap();
    let mut alice = WsClient::connect(server.port, "alice").await.unwrap();
    alice
        .send(oxool_proto::Message::new("oxool").arg("version", 1))
        .await;
    alice
        .send(
            oxool_proto::Message::new("load")
                .arg("wopisrc", host.wopisrc(name))
                .arg("token", token("alice", "Alice", true))
                .arg("password", PASSWORD),
        )
        .await;
    alice.wait_for("status", |m| m.is("status")).await;
    alice.type_keys("SecretMarker ").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        checkpoints(&server.recovery_dir()).is_empty(),
        "a decrypted copy of a protected document on wsd's disk"
    );
    kill_9(last_document_kit(&server.log()).unwrap());
    closed_with(&mut alice).await;
    let (_again, recovered) = reopen_recovered(&server, &host, name, "alice").await;
    assert_eq!(recovered.get("source"), Some("storage"), "{recovered}");
    // No checkpoint, but the replay journal (in wsd's memory only) typed the keys again.
    assert_ne!(recovered.get("replayed"), Some("0"), "{recovered}");
    assert_eq!(recovered.get("lost_edits"), Some("0"), "{recovered}");
    assert!(!server.log().contains(PASSWORD), "the password in the log");
}
