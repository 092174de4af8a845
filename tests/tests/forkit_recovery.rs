//! A forkit killed with SIGKILL takes its zygote and kits with it, and wsd starts a new one at
//! the next request: the server keeps converting.

use oxool_tests::fixture;
use oxool_tests::http::convert;
use oxool_tests::server::{Server, ServerOptions};
use oxool_tests::tools::read;

fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    after_name.split(' ').nth(1)?.parse().ok()
}

#[test]
fn wsd_recovers_from_a_killed_forkit() {
    let server = Server::start(ServerOptions::default()).unwrap();
    let document = read(&fixture("simple.odt"));
    let first = convert(&server.url(""), "simple.odt", &document, "txt").unwrap();
    assert_eq!(first.status, 200, "{}", first.text());

    let processes = server.forkit_processes();
    let front_end = *processes
        .iter()
        .find(|pid| parent_of(**pid).is_some_and(|parent| !processes.contains(&parent)))
        .expect("forkit's front end");
    // SAFETY: kill(2) on a process of this test's own server.
    assert_eq!(unsafe { libc::kill(front_end as i32, libc::SIGKILL) }, 0);

    // The next request may meet the dying forkit; it must still be answered.
    let again = convert(&server.url(""), "simple.odt", &document, "txt").unwrap();
    assert_eq!(
        again.status,
        200,
        "after the kill: {}\n{}",
        again.text(),
        server.log()
    );
    assert!(String::from_utf8_lossy(&again.body).contains("oxool fixture text alpha"));
    assert!(
        !server.forkit_processes().contains(&front_end),
        "the killed forkit is gone"
    );
    server
        .wait_for_quiescence(1)
        .expect("the old zygote and kits died with their forkit");
}
