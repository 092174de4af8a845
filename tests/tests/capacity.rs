//! The capacity load generator (tests/src/capacity.rs) in small: two people type into one docx
//! for a few seconds. Each one's keys must reach the other's screen (repainted tiles after the
//! other's keys), and after a save both people's first words must be in the stored document.
//! No latency is judged here: `oxool-bench --capacity` measures.

use std::time::Duration;

use oxool_tests::capacity::{marker, run_once, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_people_see_each_others_keys_and_both_are_stored() {
    let (host, server) = start().unwrap();
    let (run, mut people) = run_once(&host, &server, 2, Duration::from_secs(8))
        .await
        .unwrap();
    assert_eq!(run.documents.len(), 1);
    let name = run.documents[0].name.clone();
    for (person, report) in people.iter().zip(&run.reports) {
        assert!(
            report.keys_sent >= 10,
            "{} typed only {} keys",
            person.marker,
            report.keys_sent
        );
        assert!(
            !report.latencies.is_empty(),
            "{} never saw the other person's keys repainted ({} given up)",
            person.marker,
            report.given_up
        );
    }
    let saved = people[0].client.save(false).await;
    assert_eq!(saved.get("save"), Some("idle"), "{saved}");
    let text = host.stored_text(&server.url(""), &name).to_lowercase();
    for person in 0..2 {
        let word = marker(0, person);
        assert!(
            text.contains(&word),
            "{word} is not in the stored {name}: {text}"
        );
    }
}
