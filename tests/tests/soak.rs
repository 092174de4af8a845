//! The short soak (the long one is `oxool-bench --soak`, docs/benchmarks.md): 24 cycles of
//! open → type → save → close over docx, xlsx, pptx and odt, then 120 conversions, against a
//! real wsd, forkit and kits. Afterwards every kit, jail and kit cgroup is gone, wsd's and
//! forkit's descriptors and threads are back where they were, and their memory grew by less than
//! the budget (10 MiB for both together, the goal the long run is held to as well).

use oxool_tests::server::{Server, ServerOptions};
use oxool_tests::soak::{
    convert_cycle, edit_cycle, forkit_fd_list, growth, open_documents, quiet_footprint,
    settled_footprint, wsd_fd_list, SOAK_DOCUMENTS,
};
use oxool_tests::wopi_host::{WopiHost, WopiHostOptions};

const CYCLES: usize = 24;
const CONVERSIONS: usize = 120;
const BUDGET_KIB: i64 = 10 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_type_save_close_and_convert_leave_nothing_behind() {
    let host = WopiHost::start(WopiHostOptions::default()).unwrap();
    let server = Server::start(ServerOptions {
        wopi_hosts: vec![host.base()],
        // A shared machine can be slow: the test is about what is left behind, not speed.
        editing_toml: Some("autosave_secs = 0\nidle_save_secs = 0\nload_timeout_secs = 300".into()),
        ..Default::default()
    })
    .unwrap();
    let docx = std::fs::read(oxool_tests::fixture("simple.docx")).unwrap();

    // One cycle of each kind first: caches, pools and lazily made things reach their size.
    for (fixture, prefix) in SOAK_DOCUMENTS {
        edit_cycle(
            &server,
            &host,
            fixture,
            &format!("{prefix}-warm.{}", ext(fixture)),
        )
        .await;
    }
    convert_cycle(&server, &docx);
    let before = quiet_footprint(&server);
    println!("before: {before}");
    let fds_before = forkit_fd_list(&server);
    let wsd_fds_before = wsd_fd_list(&server);

    for cycle in 0..CYCLES {
        let (fixture, prefix) = SOAK_DOCUMENTS[cycle % SOAK_DOCUMENTS.len()];
        edit_cycle(
            &server,
            &host,
            fixture,
            &format!("{prefix}-{cycle}.{}", ext(fixture)),
        )
        .await;
    }
    for _ in 0..CONVERSIONS {
        convert_cycle(&server, &docx);
    }
    let after = settled_footprint(&server, &before);
    println!("after {CYCLES} edits and {CONVERSIONS} conversions: {after}");
    println!("growth: {}", growth(&before, &after));

    println!(
        "oxoolctl documents:\n{}",
        server.oxoolctl("documents").unwrap()
    );
    let open = open_documents(&server);
    assert!(
        open.is_empty(),
        "documents still open after their sessions left: {open:?}"
    );
    // At most as many as in the quiet state before: more would be kits or jails left behind.
    assert!(
        after.kits <= before.kits,
        "kits alive: {after} (before: {before})"
    );
    assert!(
        after.jails <= before.jails,
        "jails left: {after} (before: {before})"
    );
    assert!(
        after.kit_cgroups <= before.kit_cgroups,
        "kit cgroups left: {after} (before: {before})"
    );
    assert!(
        after.wsd_fds <= before.wsd_fds,
        "wsd's descriptors: {}\nbefore: {wsd_fds_before:#?}\nafter: {:#?}",
        growth(&before, &after),
        wsd_fd_list(&server)
    );
    assert!(
        after.forkit_fds <= before.forkit_fds,
        "forkit's descriptors: {}\nbefore: {fds_before:#?}\nafter: {:#?}",
        growth(&before, &after),
        forkit_fd_list(&server)
    );
    // RSS, not PSS: forkit's PSS moves with the number of kits sharing its pages.
    let grown = (after.wsd_rss_kib + after.forkit_rss_kib) as i64
        - (before.wsd_rss_kib + before.forkit_rss_kib) as i64;
    assert!(
        grown < BUDGET_KIB,
        "wsd and forkit grew by {grown} KiB: {}",
        growth(&before, &after)
    );
}

fn ext(fixture: &str) -> &str {
    fixture.rsplit('.').next().unwrap()
}
