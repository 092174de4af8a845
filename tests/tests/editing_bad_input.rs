//! Bad client input over the WebSocket: each gets an error on its own session, while the kit
//! and the other sessions of the document carry on. Real wsd, real kit, the independent WOPI
//! host; nothing refused before a request may reach the host.

use std::time::Duration;

use oxool_proto::Message;
use oxool_tests::editing_setup::EditingSetup;
use oxool_tests::eventually::poll_until_async;
use oxool_tests::user::RunAs;
use oxool_tests::wopi_host::token;
use oxool_tests::ws::{WsClient, DEADLINE};
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// The server allows exactly this host's `http://127.0.0.1:<port>`, so `localhost:<port>`
/// (the same host under another name) is not on the list.
fn start() -> EditingSetup {
    EditingSetup::start(RunAs::Root)
}

async fn expect_error(client: &mut WsClient, what: &str, kind: &str) {
    let error = client.wait_for(what, |m| m.is("error")).await;
    assert_eq!(error.get("kind"), Some(kind), "{what}: {error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_loads_send_no_request_to_storage() {
    let setup = start();
    let name = "a.docx";
    setup.host.add_fixture("simple.docx", name).unwrap();
    let port = setup.server.port;
    setup.host.clear_log().unwrap();

    let elsewhere = setup.host.wopisrc(name).replace("127.0.0.1", "localhost");
    let mut client = WsClient::connect(port, "not-allowed").await.unwrap();
    let error = client
        .load_refused(&elsewhere, Some(&token("eve", "Eve", true)))
        .await;
    assert_eq!(error.get("kind"), Some("wopi-host-not-allowed"), "{error}");

    let mut client = WsClient::connect(port, "no-token").await.unwrap();
    let error = client.load_refused(&setup.host.wopisrc(name), None).await;
    assert_eq!(error.get("kind"), Some("missing-token"), "{error}");
    let mut client = WsClient::connect(port, "empty-token").await.unwrap();
    let error = client
        .load_refused(&setup.host.wopisrc(name), Some(""))
        .await;
    assert_eq!(error.get("kind"), Some("missing-token"), "{error}");

    let mut client = WsClient::connect(port, "bad-wopisrc").await.unwrap();
    let error = client
        .load_refused("not a url", Some(&token("eve", "Eve", true)))
        .await;
    assert!(
        error
            .get("kind")
            .unwrap_or_default()
            .starts_with("wopisrc-"),
        "{error}"
    );
    // The WebSocket URL names one document (a balancer routed it by that), `load` another.
    setup.host.add_fixture("simple.docx", "b.docx").unwrap();
    let routed = setup.host.wopisrc("b.docx");
    let mut client = WsClient::connect_routed(port, "elsewhere-routed", &routed)
        .await
        .unwrap();
    let error = client
        .load_refused(&setup.host.wopisrc(name), Some(&token("eve", "Eve", true)))
        .await;
    assert_eq!(error.get("kind"), Some("wopisrc-mismatch"), "{error}");
    assert!(
        error.get("message").unwrap_or_default().contains("WOPISrc"),
        "{error}"
    );
    client.wait_closed().await;
    assert_eq!(
        setup.host.log().unwrap(),
        Vec::<serde_json::Value>::new(),
        "a refused load sent a request to storage"
    );

    // Before load: anything but oxool/load is refused and the connection closed.
    let mut early = WsClient::connect(port, "early").await.unwrap();
    early.send_line("status").await;
    expect_error(&mut early, "not-loaded", "not-loaded").await;
    early.wait_closed().await;
    // No common protocol version.
    let mut old = WsClient::connect(port, "old").await.unwrap();
    old.send_line("oxool version=0").await;
    expect_error(&mut old, "version", "version").await;
    old.wait_closed().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_messages_hurt_only_their_own_session() {
    let setup = start();
    let name = "shared.docx";
    setup.host.add_fixture("simple.docx", name).unwrap();
    let wopisrc = setup.host.wopisrc(name);
    let port = setup.server.port;
    let mut bad = WsClient::connect(port, "bad").await.unwrap();
    bad.load(&wopisrc, &token("mallory", "Mallory", true)).await;
    // A routed URL (the editor page's) and an unrouted one open the same document.
    let mut good = WsClient::connect_routed(port, "good", &wopisrc)
        .await
        .unwrap();
    good.load(&wopisrc, &token("alice", "Alice", true)).await;

    // Unknown and malformed messages.
    let malformed = [
        ("frobnicate", "bad-message"),
        ("=== ==", "bad-message"),
        ("key type=input char=abc code=0", "bad-message"),
        ("mouse type=down count=1", "bad-message"),
        ("tiles part=0 width=256", "bad-message"),
        (
            "mouse type=down x=%zz y=1 count=1 buttons=1 modifier=0",
            "bad-message",
        ),
        ("key type=input char=0 code=0", "bad-request"),
        ("key type=input", "bad-request"),
        ("set-part part=99", "bad-request"),
        ("uno command=.uno:CloseDoc", "bad-request"),
        ("uno command=.uno:RunMacro", "bad-request"),
        (
            "mouse type=down x=1 y=1 count=9 buttons=1 modifier=0",
            "bad-request",
        ),
    ];
    for (line, kind) in malformed {
        bad.send_line(line).await;
        expect_error(&mut bad, line, kind).await;
    }

    // Absurd tile requests: each batch refused whole.
    let absurd = [
        "tiles part=0 width=100000 height=256 tw=3840 th=3840 at=0:0",
        "tiles part=0 width=0 height=256 tw=3840 th=3840 at=0:0",
        "tiles part=0 width=256 height=256 tw=3840 th=3840 at=-3840:0",
        "tiles part=0 width=256 height=256 tw=3840 th=3840 at=0:-1",
        "tiles part=0 width=256 height=256 tw=-1 th=3840 at=0:0",
        "tiles part=0 width=256 height=256 tw=3840 th=3840 at=0:2000000000",
        "tiles part=0 width=256 height=256 tw=2147483647 th=3840 at=0:0",
        "tiles part=0 width=1099511627776 height=256 tw=3840 th=3840 at=0:0",
        "tiles part=7 width=256 height=256 tw=3840 th=3840 at=0:0",
    ];
    // Wrong answers are collected and asserted at the end, so one run shows every mismatch.
    let mut wrong = Vec::new();
    for line in absurd {
        bad.send_line(line).await;
        let error = bad.wait_for(line, |m| m.is("error") || m.is_tile()).await;
        assert!(error.is("error"), "{line} was answered: {error}");
        if !error.is_error("bad-request") || error.get("request") != Some("tiles") {
            wrong.push(format!("{line}: {error}"));
        }
    }
    let too_many: Vec<String> = (0..257).map(|i| format!("{}:0", i * 16)).collect();
    bad.send_line(&format!(
        "tiles part=0 width=16 height=16 tw=256 th=256 at={}",
        too_many.join(",")
    ))
    .await;
    expect_error(&mut bad, "257 tiles in one batch", "bad-request").await;

    // Thousands at once: 32 in flight while unacknowledged, 1024 pending; the fifth batch of
    // 256 would overflow the pending set and is refused whole. Every other tile is answered.
    bad.auto_ack_tiles = false;
    bad.skip_seen();
    for batch in 0..5i64 {
        let at: Vec<String> = (0..256i64)
            .map(|i| format!("{}:{}", (i % 64) * 256, (batch * 4 + i / 64) * 256))
            .collect();
        bad.send_line(&format!(
            "tiles part=0 width=16 height=16 tw=256 th=256 at={}",
            at.join(",")
        ))
        .await;
    }
    expect_error(&mut bad, "the overflowing batch", "too-many-tiles").await;
    let unacked = bad.drain_for(Duration::from_secs(2)).await;
    let tiles = |client: &WsClient| client.seen.iter().filter(|m| m.is_tile()).count();
    let in_flight = tiles(&bad);
    assert!(
        in_flight <= 32,
        "{in_flight} tiles sent without acknowledgement ({} more just now)",
        unacked.len()
    );
    bad.auto_ack_tiles = true;
    bad.send(Message::new("tile-done").arg("count", in_flight))
        .await;
    let all = poll_until_async(DEADLINE, async || {
        bad.drain_for(Duration::from_millis(200)).await;
        (tiles(&bad) >= 4 * 256).then_some(())
    })
    .await;
    assert!(all.is_some(), "only {} of 1024 tiles answered", tiles(&bad));
    bad.drain_for(Duration::from_millis(500)).await;
    assert_eq!(tiles(&bad), 1024);

    // A flood of input: rate-limited on this session only.
    bad.skip_seen();
    for i in 0..2000 {
        bad.send_line(&format!(
            "mouse type=move x={} y=1440 count=1 buttons=0 modifier=0",
            1440 + i % 100
        ))
        .await;
    }
    expect_error(&mut bad, "the rate limit", "rate-limited").await;
    let flood_answers = bad.drain_for(Duration::from_millis(500)).await;
    let limited = bad
        .seen
        .iter()
        .filter(|m| m.is_error("rate-limited"))
        .count();
    assert!(
        limited <= 3,
        "one rate-limited error per second, got {limited}: {} messages after",
        flood_answers.len()
    );

    // The other session (and the kit) did not notice: it types, sees its edit, and saves.
    good.skip_seen();
    good.type_keys("StillWorking ").await;
    good.wait_for("good's invalidation", |m| m.is("invalidate"))
        .await;
    let saved = good.save(false).await;
    assert_eq!(saved.get("save"), Some("idle"), "{saved}");
    let text = setup.host.stored_text(&setup.server.url(""), name);
    assert!(text.contains("StillWorking"), "{text}");
    assert!(
        good.seen.iter().all(|m| !m.is("error")),
        "errors reached the good session: {}",
        good.recent(30)
    );
    // The bad session is still open, and answers.
    bad.send_line("ping").await;
    bad.wait_for("pong", |m| m.is("pong")).await;

    // A frame over 64 KiB closes that connection with 1009; the others stay.
    let huge = format!("text text={}", "x".repeat(70 * 1024));
    let _ = bad.try_send(WsMessage::text(huge)).await;
    assert_eq!(bad.wait_closed().await, Some(1009));
    good.send_line("ping").await;
    good.wait_for("pong after the other closed", |m| m.is("pong"))
        .await;
    assert!(
        wrong.is_empty(),
        "tile batches not refused with bad-request request=tiles:\n{}",
        wrong.join("\n")
    );
}
