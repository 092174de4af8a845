//! Durable checkpoints (issue 13; docs/config.md, "Checkpoints"): a modified document is saved
//! to wsd's recovery directory after input stops and during continuous input, without counting
//! as a save; the checkpoint goes once storage has its edits. Real wsd, real kits, the
//! independent WOPI host; the checkpoint's content is checked by converting it.

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use oxool_tests::checkpoints::{
    checkpoint_text, checkpointing, checkpoints, save_removes_checkpoints, wait_for_checkpoint,
};
use oxool_tests::editing_setup::EditingSetup;
use oxool_tests::large_document::LargeDocument;
use oxool_tests::user::RunAs;
use oxool_tests::wopi_host::{token, token_secret_for};
use oxool_tests::ws::WsClient;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoints_follow_input_and_go_when_storage_has_the_edits() {
    // No automatic saves: only checkpoints happen on their own.
    let EditingSetup { host, server } =
        EditingSetup::start_with(RunAs::Root, &checkpointing(1000, 4));
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
    save_removes_checkpoints(&mut alice, &recovery, Duration::from_secs(10)).await;
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

/// CPU time (user + system, ms) a process used so far, from /proc.
fn cpu_ms(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces): utime is the 12th, stime the 13th.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = fields
        .get(11..13)
        .map_or(0, |f| f.iter().filter_map(|v| v.parse::<u64>().ok()).sum());
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    ticks * 1000 / hz
}

/// The cost of a checkpoint (docs/benchmarks.md, "Issue 13"): for each document, a few rounds
/// of one keystroke then an idle checkpoint; the save's wall time (as wsd measures it), the
/// kit's CPU time over the checkpoint, and the bytes written. The documents: one page, seven
/// pages, and ~300 pages with 20 photographs (tests/src/large_document.rs, made into a docx by
/// the server's own convert-to).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoint_cost_of_a_small_a_seven_page_and_a_large_document() {
    let EditingSetup { host, server } =
        EditingSetup::start_with(RunAs::Root, &checkpointing(500, 10));
    let recovery = server.recovery_dir();
    host.add_fixture("simple.docx", "simple.docx").unwrap();
    host.add_fixture("bench-7pages.docx", "bench-7pages.docx")
        .unwrap();
    let large = LargeDocument::three_hundred_pages().fodt();
    let converted = oxool_tests::http::convert(&server.url(""), "large.fodt", &large, "docx")
        .expect("converting the large document");
    assert_eq!(converted.status, 200, "{}", converted.text());
    host.add_document("large.docx", &converted.body).unwrap();

    for (name, rounds) in [
        ("simple.docx", 5),
        ("bench-7pages.docx", 5),
        ("large.docx", 3),
    ] {
        let mut client = WsClient::connect(server.port, name).await.unwrap();
        client
            .load(&host.wopisrc(name), &token("alice", "Alice", true))
            .await;
        let kit = oxool_tests::checkpoints::last_document_kit(&server.log()).unwrap();
        let (mut save_ms, mut cpu, mut bytes) = (Vec::new(), Vec::new(), 0);
        let mut last_gen = 0;
        for round in 0..rounds {
            client.type_keys(&format!("r{round}")).await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            let before = cpu_ms(kit);
            // A costly save stretches the schedule (at most 10 % of a core): up to 10 × the save.
            let c = wait_for_checkpoint(&recovery, Duration::from_secs(120), |c| {
                c.first().filter(|c| c.generation() > last_gen).cloned()
            })
            .await
            .expect("a checkpoint");
            cpu.push(cpu_ms(kit) - before);
            last_gen = c.generation();
            save_ms.push(c.meta["save_ms"].as_u64().unwrap());
            bytes = c.document.len();
        }
        save_ms.sort_unstable();
        cpu.sort_unstable();
        let (mid, last) = (rounds / 2, rounds - 1);
        eprintln!(
            "checkpoint cost {name}: save p50 {} ms (max {}), kit CPU p50 {} ms (max {}), {bytes} bytes",
            save_ms[mid], save_ms[last], cpu[mid], cpu[last]
        );
        assert!(bytes > 0 && save_ms[last] > 0, "{name}: {save_ms:?}");
        save_removes_checkpoints(&mut client, &recovery, Duration::from_secs(30)).await;
    }
}
