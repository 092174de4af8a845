//! How much input a kit crash loses (issue 13, docs/benchmarks.md): two users type at random
//! intervals, the kit is killed at a random moment, both reconnect, and the characters that did
//! not come back are counted, with the replay journal and without it, over the same kill
//! moments. Ignored by default (several minutes); run it with
//! `cargo test -p oxool-tests --test kit_recovery_loss -- --ignored --nocapture`
//! (`KILLS=<n>` for more kills than the default 10).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use oxool_tests::checkpoints::{kill_9, last_document_kit};
use oxool_tests::editing_setup::open_writer;
use oxool_tests::server::{Server, ServerOptions};
use oxool_tests::wopi_host::{WopiHost, WopiHostOptions};
use rand::Rng;

const CHECKPOINT_MAX_SECS: u64 = 10;
/// `css::awt::Key` END with MOD1 (Ctrl).
const CTRL_END: u32 = 1029 | 0x2000;
/// A document is killed at most this often: the third crash in five minutes is final.
const KILLS_PER_DOCUMENT: usize = 2;

fn counts(text: &str) -> HashMap<char, i64> {
    let mut counts = HashMap::new();
    // Autocorrect capitalises the first word: "a0" comes back as "A0".
    for c in text
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'a' || *c == 'b')
    {
        *counts.entry(c).or_default() += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement of several minutes (docs/benchmarks.md)"]
async fn characters_lost_per_kit_kill() {
    let kills: usize = std::env::var("KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(10);
    let mut rng = rand::rng();
    let periods: Vec<Duration> = (0..kills)
        .map(|_| Duration::from_millis(rng.random_range(3_000..25_000)))
        .collect();
    for replay in [true, false] {
        measure(&periods, replay).await;
    }
}

/// Kills the kit once after each period of typing; prints the characters lost per kill.
async fn measure(periods: &[Duration], replay: bool) {
    let kills = periods.len();
    let host = WopiHost::start(WopiHostOptions::default()).unwrap();
    let server = Server::start(ServerOptions {
        wopi_hosts: vec![host.base()],
        editing_toml: Some(format!(
            "autosave_secs = 0\nidle_save_secs = 0\ncheckpoint_max_secs = {CHECKPOINT_MAX_SECS}\n\
             replay_journal = {replay}"
        )),
        ..Default::default()
    })
    .unwrap();
    let mut rng = rand::rng();
    let mut lost_per_kill = Vec::new();
    let mut typed_total = 0;
    for (kill, &period) in periods.iter().enumerate() {
        let name = format!("loss-{}.docx", kill / KILLS_PER_DOCUMENT);
        if kill % KILLS_PER_DOCUMENT == 0 {
            host.add_fixture("simple.docx", &name).unwrap();
        }
        let baseline = counts(&host.stored_text(&server.url(""), &name));
        let mut alice = open_writer(&server, &host, &name, "alice").await;
        let mut bob = open_writer(&server, &host, &name, "bob").await;
        bob.key(0, CTRL_END).await;
        // Typing: a burst of words, sometimes a pause longer than checkpoint_idle_ms.
        let started = Instant::now();
        let mut typed = String::new();
        let mut index = 0;
        while started.elapsed() < period {
            let word = format!("a{index} ");
            alice.type_keys(&word).await;
            typed.push_str(&word);
            let word = format!("b{index} ");
            bob.type_keys(&word).await;
            typed.push_str(&word);
            index += 1;
            let pause = if rng.random_range(0..10) == 0 {
                2_500
            } else {
                rng.random_range(100..400)
            };
            tokio::time::sleep(Duration::from_millis(pause)).await;
        }
        let kit = last_document_kit(&server.log()).unwrap();
        kill_9(kit);
        for client in [&mut alice, &mut bob] {
            client.wait_for("close", |m| m.is("close")).await;
            client.wait_closed().await;
        }
        drop((alice, bob));
        let mut alice = open_writer(&server, &host, &name, "alice").await;
        // One more key (not counted) makes sure there is something to save.
        alice.type_keys("z").await;
        alice.save(false).await;
        drop(alice);
        let stored = counts(&host.stored_text(&server.url(""), &name));
        let lost: i64 = counts(&typed)
            .iter()
            .map(|(c, n)| {
                let back =
                    stored.get(c).copied().unwrap_or(0) - baseline.get(c).copied().unwrap_or(0);
                (n - back).max(0)
            })
            .sum();
        typed_total += typed.chars().filter(|c| !c.is_whitespace()).count();
        eprintln!("kill {kill} (replay journal {replay}): after {period:?} of typing, {lost} characters lost");
        lost_per_kill.push(lost);
        // The broker stores and closes without sessions; the next round opens it again.
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    lost_per_kill.sort_unstable();
    let at = |q: f64| lost_per_kill[((lost_per_kill.len() - 1) as f64 * q).round() as usize];
    eprintln!(
        "characters lost per kill over {kills} kills ({typed_total} typed, replay journal \
         {replay}, checkpoint_max_secs = {CHECKPOINT_MAX_SECS}): p50 {} p95 {} max {}",
        at(0.5),
        at(0.95),
        at(1.0)
    );
}
