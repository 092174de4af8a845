//! Draining a server (docs/cluster.md): `oxoolctl drain` makes `/cool/health` fail, refuses new
//! documents with a retryable error, and lets open documents, their new users and convert-to
//! carry on; `oxoolctl resume` ends it; `oxoolctl drain --close` stores and closes the open
//! documents so that their users reconnect elsewhere. Real wsd, real kits, the independent
//! WOPI host.

use std::time::Duration;

use oxool_tests::editing_setup::EditingSetup;
use oxool_tests::server::{Server, ServerOptions};
use oxool_tests::user::RunAs;
use oxool_tests::wopi_host::token;
use oxool_tests::ws::WsClient;

/// `GET /cool/health`: status and body.
fn health(server: &Server) -> (u16, String) {
    match ureq::get(&server.url("/cool/health")).call() {
        Ok(response) => (200, response.into_string().unwrap()),
        Err(ureq::Error::Status(status, response)) => (status, response.into_string().unwrap()),
        Err(error) => panic!("GET /cool/health: {error}"),
    }
}

async fn type_and_see_modified(client: &mut WsClient, text: &str) {
    client.type_keys(text).await;
    client
        .wait_for("modified=1", |m| {
            m.is("doc-state") && m.get("modified") == Some("1")
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draining_server_keeps_its_documents_and_takes_no_new_ones() {
    // No automatic saves: what is stored, the shutdown stored.
    let EditingSetup { host, mut server } = EditingSetup::start(RunAs::Root);
    for name in ["open.docx", "new.docx"] {
        host.add_fixture("simple.docx", name).unwrap();
    }
    let open_src = host.wopisrc("open.docx");
    let new_src = host.wopisrc("new.docx");
    assert_eq!(health(&server), (200, "ok\n".into()));

    let mut alice = WsClient::connect_routed(server.port, "alice", &open_src)
        .await
        .unwrap();
    alice.load(&open_src, &token("alice", "Alice", true)).await;

    let said = server.oxoolctl("drain").unwrap();
    assert!(said.starts_with("draining"), "{said}");
    let said = server.oxoolctl("drain").unwrap();
    assert!(said.starts_with("already draining\n"), "{said}");
    assert_eq!(health(&server), (503, "draining\n".into()));
    let status = server.oxoolctl("status").unwrap();
    assert!(status.contains("draining (no new documents)"), "{status}");

    // The open document carries on, and takes another user.
    type_and_see_modified(&mut alice, "DrainMarker").await;
    let mut bob = WsClient::connect_routed(server.port, "bob", &open_src)
        .await
        .unwrap();
    bob.load(&open_src, &token("bob", "Bob", true)).await;

    // A new document is refused, retryably, before anything is asked of storage.
    host.clear_log().unwrap();
    let mut carol = WsClient::connect_routed(server.port, "carol", &new_src)
        .await
        .unwrap();
    let error = carol
        .load_refused(&new_src, Some(&token("carol", "Carol", true)))
        .await;
    assert_eq!(error.get("kind"), Some("draining"), "{error}");
    let close = carol.wait_for("close", |m| m.is("close")).await;
    assert_eq!(close.get("reason"), Some("draining"), "{close}");
    assert!(
        host.requests("GetFile", "new.docx").unwrap().is_empty(),
        "a refused document was fetched"
    );

    // convert-to keeps working while draining (docs/cluster.md).
    let document = std::fs::read(oxool_tests::fixture("simple.docx")).unwrap();
    let converted =
        oxool_tests::http::convert(&server.url(""), "simple.docx", &document, "pdf").unwrap();
    assert_eq!(converted.status, 200, "{}", converted.text());

    // Resumed, the new document opens.
    assert_eq!(
        server.oxoolctl("resume").unwrap(),
        "taking new documents again\n"
    );
    assert_eq!(health(&server), (200, "ok\n".into()));
    let mut carol = WsClient::connect_routed(server.port, "carol-again", &new_src)
        .await
        .unwrap();
    carol.load(&new_src, &token("carol", "Carol", true)).await;

    // `drain --close` stores and closes what is open: the users are told to reconnect
    // (`closed-by-admin`), and the locks are released for the server that opens it next.
    // (Stopping a draining server stores its documents too: tests/tests/cluster.rs.)
    let said = server.oxoolctl_args(&["drain", "--close"]).unwrap();
    assert_eq!(
        said,
        "draining: no new documents\nstored and closed 2 documents\n"
    );
    for client in [&mut alice, &mut bob, &mut carol] {
        let close = client.wait_for("close", |m| m.is("close")).await;
        assert_eq!(close.get("reason"), Some("closed-by-admin"), "{close}");
    }
    assert_eq!(server.oxoolctl("documents").unwrap(), "no open documents\n");
    let exit = server
        .sigterm_and_wait(Duration::from_secs(120))
        .unwrap()
        .unwrap_or_else(|| panic!("wsd did not exit after SIGTERM:\n{}", server.log()));
    assert!(exit.success(), "wsd exit status {exit}:\n{}", server.log());
    let converter = Server::start(ServerOptions::default()).unwrap();
    let text = host.stored_text(&converter.url(""), "open.docx");
    assert!(text.contains("DrainMarker"), "stored: {text}");
    assert_eq!(host.locks().unwrap(), serde_json::json!({}));
}
