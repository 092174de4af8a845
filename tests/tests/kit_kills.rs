//! Kit kills at random moments while two users type (issue 13): after each, what storage gets
//! has every word typed before the kill but for the last moment. The kill comes at any point:
//! mid-word, while a checkpoint is being saved or written, right after the document reopened.
//! Real wsd, real kits, the independent WOPI host. `KILLS=<n>` changes the count.
//!
//! Two runs, whose losses are printed side by side for docs/benchmarks.md:
//! - with the replay journal (the default): every word sent more than [`MARGIN`] before the
//!   kill is in storage: the checkpoint holds the older input and the journal the newer;
//! - without it (`replay_journal = false`): every word sent more than `checkpoint_max_secs`
//!   plus [`MARGIN`] before the kill; the checkpoint alone holds them.
//!
//! With the journal, each user's words must also stand one after the other where the user typed
//! them: a replay view placed at the wrong cursor splits that run. LibreOffice reports late a
//! cursor that another user's edit reflowed, so this happens now and then (about one kill in
//! thirty here); the test fails when it happens after more than a tenth of the kills.
//!
//! The margin is the time a key takes from the client to the kit's socket, and, without the
//! journal, the kit's own lag in taking the key and the save of the checkpoint, which the
//! interval does not include.

use std::time::{Duration, Instant};

use oxool_tests::checkpoints::{kill_9, last_document_kit};
use oxool_tests::editing_setup::open_writer;
use oxool_tests::server::{Server, ServerOptions};
use oxool_tests::wopi_host::{WopiHost, WopiHostOptions};
use rand::Rng;

const CHECKPOINT_MAX_SECS: u64 = 1;
/// What a key may take to reach the kit, plus (without the journal) the checkpoint's own save.
const MARGIN: Duration = Duration::from_secs(1);
/// `css::awt::Key` END with MOD1 (Ctrl): to the end of the document.
const CTRL_END: u32 = 1029 | 0x2000;
/// A document is killed at most this often: the third crash in five minutes is final.
const KILLS_PER_DOCUMENT: usize = 2;

fn kills_or(default: usize) -> usize {
    std::env::var("KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_kit_kills_with_the_replay_journal_lose_only_the_last_moment() {
    kill_while_typing(kills_or(50), true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kit_kills_without_the_journal_lose_nothing_older_than_checkpoint_max_secs() {
    kill_while_typing(kills_or(20), false).await;
}

async fn kill_while_typing(kills: usize, replay: bool) {
    let host = WopiHost::start(WopiHostOptions::default()).unwrap();
    let server = Server::start(ServerOptions {
        wopi_hosts: vec![host.base()],
        editing_toml: Some(format!(
            "autosave_secs = 0\nidle_save_secs = 0\ncheckpoint_idle_ms = 500\nload_timeout_secs = 20\n\
             checkpoint_max_secs = {CHECKPOINT_MAX_SECS}\nreplay_journal = {replay}"
        )),
        ..Default::default()
    })
    .unwrap();
    let mut rng = rand::rng();
    let mut lost_per_kill = Vec::new();
    let mut misplaced_kills = 0;
    for kill in 0..kills {
        let name = format!("kills-{replay}-{}.docx", kill / KILLS_PER_DOCUMENT);
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
        let must_hold = if replay {
            MARGIN
        } else {
            MARGIN + secs(CHECKPOINT_MAX_SECS)
        };
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
        let words: Vec<&str> = sent.iter().map(|(word, _)| word.as_str()).collect();
        // A word the replay typed in two places (the kill fell inside it, and the rest went
        // to a stale cursor, see below) is kept, out of place. Without the journal nothing is
        // replayed: a word cut by the kill is lost.
        let split: Vec<&str> = words
            .iter()
            .copied()
            .filter(|word| replay && !stored.contains(word) && split_in_two(&stored, word, &words))
            .collect();
        let missing = |(word, _): &&(String, Instant)| {
            !stored.contains(word.as_str()) && !split.contains(&word.as_str())
        };
        let old_and_missing: Vec<&String> = sent
            .iter()
            .filter(|(_, at)| killed_at.duration_since(*at) > must_hold)
            .filter(|w| missing(w))
            .map(|(word, _)| word)
            .collect();
        assert!(
            old_and_missing.is_empty(),
            "kill {kill} after {period:?} of typing (replay journal {replay}): words sent more \
             than {must_hold:?} before the kill are not in storage: {old_and_missing:?}\n\
             stored: {stored}"
        );
        // Each user's words stand where that user typed them, one after the other; a replay
        // that typed a word at a stale cursor splits this run (counted, see the end).
        let split_runs: Vec<String> = ['a', 'b']
            .iter()
            .flat_map(|who| {
                let words: Vec<&String> = sent
                    .iter()
                    .map(|(word, _)| word)
                    .filter(|word| word.starts_with(*who))
                    .collect();
                words
                    .windows(2)
                    .filter(|pair| {
                        let (first, next) = (pair[0].as_str(), pair[1].as_str());
                        stored.contains(first)
                            && stored.contains(next)
                            && !stored.contains(&format!("{first} {next}"))
                    })
                    .map(|pair| format!("{} … {}", pair[0], pair[1]))
                    .collect::<Vec<_>>()
            })
            .collect();
        let split_runs: Vec<String> = split_runs
            .into_iter()
            .chain(split.iter().map(|word| format!("{word} split in two")))
            .collect();
        if !split_runs.is_empty() {
            eprintln!("kill {kill}: words out of place: {split_runs:?}\nstored: {stored}");
            misplaced_kills += 1;
        }
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
        "characters lost per kill over {kills} kills (replay journal {replay}, checkpoint_max_secs \
         {CHECKPOINT_MAX_SECS}, checkpoint_idle_ms 500): p50 {} p95 {} max {}",
        at(0.5),
        at(0.95),
        at(1.0)
    );
    eprintln!("kills after which a word stood out of place: {misplaced_kills} of {kills}");
    // A replay places each view at its session's last reported cursor; LibreOffice reports a
    // cursor that another user's edit reflowed late, so a word can land a line off (docs/
    // config.md, "Replay"): rare, and bounded here. Unplaced replay views fail every kill.
    assert!(
        misplaced_kills * 10 <= kills,
        "{misplaced_kills} of {kills} kills left words out of place"
    );
}

/// Whether every character of `word` is in `stored` in two pieces, as a replay leaves it:
/// its head (its first k characters) starting a token and not followed by the rest, and the
/// rest ending a token, each token other than a whole sent word (`words`). A word that was never
/// typed is not found this way: its pieces occur only inside other sent words; nor is a word of
/// which only the head was stored.
fn split_in_two(stored: &str, word: &str, words: &[&str]) -> bool {
    let is_part = |c: char| c.is_ascii_alphanumeric();
    // The token (run of letters and digits) around stored[at..at + len], with its bounds.
    let token_at = |at: usize, len: usize| -> (usize, usize) {
        let start = stored[..at]
            .rfind(|c: char| !is_part(c))
            .map_or(0, |i| i + 1);
        let end = stored[at + len..]
            .find(|c: char| !is_part(c))
            .map_or(stored.len(), |i| at + len + i);
        (start, end)
    };
    let free_token = |(start, end): (usize, usize)| !words.contains(&&stored[start..end]);
    (1..word.len()).any(|k| {
        let (head, tail) = word.split_at(k);
        let head_found = stored.match_indices(head).any(|(at, _)| {
            let token = token_at(at, head.len());
            token.0 == at && !stored[at + head.len()..].starts_with(tail) && free_token(token)
        });
        let tail_found = stored.match_indices(tail).any(|(at, _)| {
            let token = token_at(at, tail.len());
            token.1 == at + tail.len() && !stored[..at].ends_with(head) && free_token(token)
        });
        head_found && tail_found
    })
}

#[test]
fn a_word_typed_in_two_places_is_found_and_a_lost_one_is_not() {
    // Kill 38 of a CI run: "b38q6" was typed as "b" here and "38q6" after a later "z".
    let stored = "a38q5 a38q6 b38q5 bb38q19 b38q20 z38q6 b38q7";
    let words = [
        "a38q5", "a38q6", "b38q5", "b38q6", "b38q7", "b38q19", "b38q20",
    ];
    assert!(split_in_two(stored, "b38q6", &words));
    // Kill 45 of the next run: "b45q2" as "b45q" and, after two words and a "z", "2".
    let stored = "b45q0 b45q1 b45qb45q16 b45q17 z2 b45q3";
    let words = ["b45q0", "b45q1", "b45q2", "b45q3", "b45q16", "b45q17"];
    assert!(split_in_two(stored, "b45q2", &words));
    // Never typed: "38q6" and "b" occur only inside other sent words.
    let lost = "a38q5 a38q6 b38q5 b38q7";
    assert!(!split_in_two(
        lost,
        "b38q6",
        &["a38q5", "a38q6", "b38q5", "b38q6", "b38q7"]
    ));
    // Cut by the kill, only its head stored: a digit elsewhere is not its rest.
    let cut = "a6q5 a6q b6q5";
    assert!(!split_in_two(cut, "a6q6", &["a6q5", "a6q6", "b6q5"]));
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}
