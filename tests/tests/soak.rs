//! The short soak (the long one is `oxool-bench --soak`, docs/benchmarks.md): 24 cycles of
//! open → type → save → close over docx, xlsx, pptx and odt, then 120 conversions, against a
//! real wsd, forkit and kits. Afterwards every kit, jail and kit cgroup is gone, wsd's and
//! forkit's descriptors and threads are back where they were, and their memory grew by less than
//! the budget (10 MiB for both together, the goal the long run is held to as well).

use oxool_tests::editing_setup::EditingSetup;
use oxool_tests::soak::{
    convert_cycle, edit_cycle, forkit_fd_list, growth, open_documents, settled_footprint, warm_up,
    wsd_fd_list, SOAK_DOCUMENTS,
};
use oxool_tests::user::RunAs;

const CYCLES: usize = 24;
const CONVERSIONS: usize = 120;
const BUDGET_KIB: i64 = 10 * 1024;

/// Lists a process's open descriptors (for a failure's message).
type FdList = fn(&oxool_tests::server::Server) -> Vec<String>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_type_save_close_and_convert_leave_nothing_behind() {
    // A shared machine can be slow: the test is about what is left behind, not speed.
    let EditingSetup { host, server } =
        EditingSetup::start_with(RunAs::Root, "load_timeout_secs = 300");
    let docx = std::fs::read(oxool_tests::fixture("simple.docx")).unwrap();

    let before = warm_up(&server, &host, &docx).await;
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
    let counts = [
        ("kits alive", after.kits, before.kits),
        ("jails left", after.jails, before.jails),
        ("kit cgroups left", after.kit_cgroups, before.kit_cgroups),
    ];
    for (what, now, then) in counts {
        assert!(now <= then, "{what}: {after} (before: {before})");
    }
    let descriptors = [
        (
            "wsd's",
            after.wsd_fds,
            before.wsd_fds,
            wsd_fds_before,
            wsd_fd_list as FdList,
        ),
        (
            "forkit's",
            after.forkit_fds,
            before.forkit_fds,
            fds_before,
            forkit_fd_list,
        ),
    ];
    for (whose, now, then, listed_before, list) in descriptors {
        assert!(
            now <= then,
            "{whose} descriptors: {}\nbefore: {listed_before:#?}\nafter: {:#?}",
            growth(&before, &after),
            list(&server)
        );
    }
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
