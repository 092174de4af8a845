//! The flow-control rule (docs/protocol.md, "Flow control"): a client that stops reading is
//! disconnected with `slow-client` once its queue is full, its connection is let go even though
//! it never reads the close, and the document and the other session carry on. Real wsd, real
//! kit, the independent WOPI host.

use std::time::Duration;

use oxool_tests::editing_setup::EditingSetup;
use oxool_tests::eventually::{eventually, poll_every_async};
use oxool_tests::user::RunAs;
use oxool_tests::wopi_host::token;
use oxool_tests::ws::{Incoming, WsClient, DEADLINE};

/// Sockets in state ESTABLISHED whose local port is `port`: the server's ends of its client
/// connections (the clients' own ends have `port` as the remote port).
fn server_side_connections(port: u16) -> usize {
    const ESTABLISHED: &str = "01";
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|table| std::fs::read_to_string(table).ok())
        .flat_map(|table| table.lines().skip(1).map(str::to_owned).collect::<Vec<_>>())
        .filter(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local_port = fields
                .get(1)
                .and_then(|address| address.rsplit(':').next())
                .and_then(|hex| u16::from_str_radix(hex, 16).ok());
            local_port == Some(port) && fields.get(3) == Some(&ESTABLISHED)
        })
        .count()
}

/// LibreOfficeKit's key code of the right arrow (it ends a selection, a navigation key).
const KEY_RIGHT: u32 = 1027;

fn users_count(message: &Incoming) -> Option<usize> {
    message
        .is("users")
        .then(|| message.json().as_array().map(Vec::len))
        .flatten()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_let_go_and_the_document_carries_on() {
    // The writer types as fast as the kit takes it: the input rate limit is not under test.
    let EditingSetup { host, server } = EditingSetup::start_with(
        RunAs::Root,
        "input_rate_per_sec = 100000\ninput_burst = 100000",
    );
    let name = "slow.docx";
    host.add_fixture("bench-7pages.docx", name).unwrap();
    let wopisrc = host.wopisrc(name);

    let mut writer = WsClient::connect(server.port, "writer").await.unwrap();
    writer.load(&wopisrc, &token("alice", "Alice", true)).await;
    // A small receive buffer: the backlog shows at the server after kilobytes, not megabytes.
    let mut slow = WsClient::connect_with(server.port, "slow", Some(4096))
        .await
        .unwrap();
    slow.load(&wopisrc, &token("sloth", "Sloth", true)).await;
    writer
        .wait_for("two users", |m| users_count(m) == Some(2))
        .await;
    assert_eq!(server_side_connections(server.port), 2);

    // The slow client stops reading. The writer selects the whole seven pages and lets go,
    // again and again: each time every other view is sent the selection (a rectangle per
    // line, kilobytes) and the cursor, until the slow client's queue is full and the server
    // lets it go. (Typing alone would take minutes: LibreOffice coalesces fast keys.)
    slow.pause_reading(true);
    // One round after another, with no pause between: the rounds are the pace.
    let mut rounds = 0;
    let left = poll_every_async(DEADLINE, Duration::ZERO, async || {
        writer.uno(".uno:SelectAll", None).await;
        writer.key(0, KEY_RIGHT).await;
        writer.type_keys("x").await;
        rounds += 1;
        writer
            .try_wait_for(Duration::from_millis(2), |m| users_count(m) == Some(1))
            .await
    })
    .await
    .unwrap_or_else(|| {
        panic!(
            "the slow client was not disconnected after {rounds} rounds; writer saw:\n{}",
            writer.recent(20)
        )
    });
    assert!(
        left.body_text().contains("Alice") && !left.body_text().contains("Sloth"),
        "{left}"
    );

    // Its connection is closed by the server although it never reads the close.
    eventually(
        "the server to let go of the slow client's connection",
        DEADLINE,
        || (server_side_connections(server.port) <= 1).then_some(()),
    );

    // The document carries on: the writer types and saves, a newcomer loads.
    writer.type_keys("Zulu").await;
    let saved = writer.save_stored().await;
    assert_eq!(saved.get("modified"), Some("0"), "{saved}");
    let stored = host.stored_text(&server.url(""), name);
    assert!(stored.contains("Zulu"), "{stored}");
    let mut newcomer = WsClient::connect(server.port, "newcomer").await.unwrap();
    newcomer.load(&wopisrc, &token("bob", "Bob", true)).await;

    // When the slow client reads at last, it finds its connection ended.
    slow.pause_reading(false);
    // wait_closed fails the test if the connection does not end. The error and the close frame
    // had 5 s to go out to a client that did not read: they may have been dropped with the
    // connection (docs/protocol.md, flow control). What did arrive must be the slow-client close.
    let code = slow.wait_closed().await;
    let error_seen = slow.seen.iter().any(|m| m.is_error("slow-client"));
    if let Some(code) = code {
        assert_eq!(code, 1008, "a slow client is closed with policy violation");
        assert!(error_seen, "the close came without the slow-client error");
    }
    let other_errors: Vec<_> = slow
        .seen
        .iter()
        .filter(|m| m.is("error") && !m.is_error("slow-client"))
        .collect();
    assert!(other_errors.is_empty(), "{other_errors:?}");
    assert!(server.log().contains("client does not read"));
}
