//! Fifty kit kills at random moments while two users type (issue 13): after each, what storage
//! gets has every word typed more than `checkpoint_max_secs` before the kill. The kill comes at
//! any point: mid-word, while a checkpoint is being saved or written, right after the document
//! reopened. Real wsd, real kits, the independent WOPI host. `KILLS=<n>` changes the count.
//!
//! The margin: a word counts as "older" when it was sent more than `checkpoint_max_secs` plus
//! one second before the kill; the second is the kit's own lag in taking the key and the save
//! of the checkpoint, which the interval does not include.

use std::time::{Duration, Instant};

use oxool_tests::checkpoints::{kill_9, last_document_kit};
use oxool_tests::editing_setup::open_writer;
use oxool_tests::server::{Server, ServerOptions};
use oxool_tests::wopi_host::{WopiHost, WopiHostOptions};
use rand::Rng;

const CHECKPOINT_MAX_SECS: u64 = 1;
/// What the kit may lag behind the keys it was sent, plus the checkpoint's own save.
const MARGIN: Duration = Duration::from_secs(1);
/// `css::awt::Key` END with MOD1 (Ctrl): to the end of the document.
const CTRL_END: u32 = 1029 | 0x2000;
/// A document is killed at most this often: the third crash in five minutes is final.
const KILLS_PER_DOCUMENT: usize = 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_kit_kills_lose_nothing_older_than_checkpoint_max_secs() {
    let kills: usize = std::env::var("KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(50);
    let host = WopiHost::start(WopiHostOptions::default()).unwrap();
    let server = Server::start(ServerOptions {
        wopi_hosts: vec![host.base()],
        editing_toml: Some(format!(
            "autosave_secs = 0\nidle_save_secs = 0\ncheckpoint_idle_ms = 500\nload_timeout_secs = 20\n\
             checkpoint_max_secs = {CHECKPOINT_MAX_SECS}"
        )),
        ..Default::default()
    })
    .unwrap();
    let mut rng = rand::rng();
    let mut lost_per_kill = Vec::new();
    for kill in 0..kills {
        let name = format!("kills-{}.docx", kill / KILLS_PER_DOCUMENT);
        if kill % KILLS_PER_DOCUMENT == 0 {
            host.add_fixture("simple.docx", &name).unwrap();
        }
        let mut alice = open_writer(&server, &host, &name, "alice").await;
        let mut bob = open_writer(&server, &host, &name, "bob").await;
        bob.key(0, CTRL_END).await;
        // Words unique to this kill, each with the moment it was sent.
        let mut sent: Vec<(String, Instant)> = Vec::new();
        let period = Duration::from_millis(rng.random_range(300..4_000));
        let started = Instant::now();
        let mut index = 0;
        while started.elapsed() < period {
            for (client, who) in [(&mut alice, 'a'), (&mut bob, 'b')] {
                let word = format!("{who}{kill}q{index}");
                client.type_keys(&format!("{word} ")).await;
                sent.push((word, Instant::now()));
            }
            index += 1;
            let pause = if rng.random_range(0..8) == 0 {
                rng.random_range(600..1_500)
            } else {
                rng.random_range(50..300)
            };
            tokio::time::sleep(Duration::from_millis(pause)).await;
        }
        let kit = last_document_kit(&server.log()).expect("the document's kit in wsd's log");
        kill_9(kit);
        let killed_at = Instant::now();
        for client in [&mut alice, &mut bob] {
            let close = client.wait_for("close", |m| m.is("close")).await;
            assert_eq!(
                close.get("reason"),
                Some("kit-crashed"),
                "kill {kill}: {close}"
            );
            client.wait_closed().await;
        }
        drop((alice, bob));
        let mut alice = open_writer(&server, &host, &name, "alice").await;
        // One more key (not counted) makes sure there is something to save.
        alice.type_keys("z").await;
        let saved = alice.save(false).await;
        assert_eq!(saved.get("save"), Some("idle"), "kill {kill}: {saved}");
        drop(alice);
        // Autocorrect may capitalise a word that starts a sentence.
        let stored = host.stored_text(&server.url(""), &name).to_lowercase();
        let missing = |(word, _): &&(String, Instant)| !stored.contains(word.as_str());
        let old_and_missing: Vec<&String> = sent
            .iter()
            .filter(|(_, at)| killed_at.duration_since(*at) > MARGIN + secs(CHECKPOINT_MAX_SECS))
            .filter(|w| missing(w))
            .map(|(word, _)| word)
            .collect();
        assert!(
            old_and_missing.is_empty(),
            "kill {kill} after {period:?} of typing: words sent more than {CHECKPOINT_MAX_SECS} s \
             (+{MARGIN:?}) before the kill are not in storage: {old_and_missing:?}\nstored: {stored}"
        );
        let lost: usize = sent
            .iter()
            .filter(|w| missing(w))
            .map(|(word, _)| word.len())
            .sum();
        lost_per_kill.push(lost);
    }
    lost_per_kill.sort_unstable();
    let at = |q: f64| lost_per_kill[((lost_per_kill.len() - 1) as f64 * q).round() as usize];
    eprintln!(
        "characters lost per kill over {kills} kills (checkpoint_max_secs {CHECKPOINT_MAX_SECS}, \
         checkpoint_idle_ms 500): p50 {} p95 {} max {}",
        at(0.5),
        at(0.95),
        at(1.0)
    );
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}
