//! The WOPI allow-list against a real wsd and the real WOPI host: a wildcard entry does not reach
//! a loopback address (DNS rebinding) unless that address is listed itself, and the empty
//! default refuses every load with a message that names the setting.
//!
//! The name `wopi.rebind.test` resolves to 127.0.0.1 through an /etc/hosts that only wsd sees
//! (its own mount namespace), as a hostile DNS zone would answer.

use oxool_tests::server::{Server, ServerOptions};
use oxool_tests::wopi_host::{token, WopiHost, WopiHostOptions};
use oxool_tests::ws::WsClient;

const HOSTS: &str = "127.0.0.1 localhost\n127.0.0.1 wopi.rebind.test\n";

fn start_server(wopi_hosts: Vec<String>) -> Server {
    Server::start(ServerOptions {
        wopi_hosts,
        etc_hosts: Some(HOSTS.into()),
        storage_toml: "retries = 0".into(),
        ..Default::default()
    })
    .expect("the server starts")
}

fn host_with_document(name: &str) -> WopiHost {
    let host = WopiHost::start(WopiHostOptions::default()).expect("the WOPI host starts");
    host.add_fixture("simple.docx", name).unwrap();
    host.clear_log().unwrap();
    host
}

/// Eve's load of `src` by a new client `label`, refused as `wopi-host-not-allowed`: the
/// error's message.
async fn refused(server: &Server, label: &str, src: &str) -> String {
    let mut client = WsClient::connect(server.port, label).await.unwrap();
    let error = client
        .load_refused(src, Some(&token("eve", "Eve", true)))
        .await;
    assert_eq!(error.get("kind"), Some("wopi-host-not-allowed"), "{error}");
    error.get("message").unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wildcard_name_resolving_to_loopback_is_refused_unless_the_address_is_listed() {
    let name = "rebind.docx";
    let host = host_with_document(name);
    let rebound = host.wopisrc(name).replace("127.0.0.1", "wopi.rebind.test");
    let wildcard = format!("http://*.rebind.test:{}", host.port);

    // Only the wildcard: the name matches, its address is loopback, nothing is sent.
    let server = start_server(vec![wildcard.clone()]);
    let message = refused(&server, "rebind", &rebound).await;
    assert!(
        message.contains("internal"),
        "the error says why: {message}"
    );
    assert_eq!(
        host.log().unwrap(),
        Vec::<serde_json::Value>::new(),
        "a refused load reached the WOPI host"
    );
    drop(server);

    // The same wildcard with the address listed: the load goes through by that name.
    let server = start_server(vec![wildcard, host.base()]);
    let mut client = WsClient::connect(server.port, "listed").await.unwrap();
    client.load(&rebound, &token("ann", "Ann", true)).await;
    assert!(
        !host.requests("CheckFileInfo", name).unwrap().is_empty(),
        "the WOPI host saw the load"
    );
    drop(server);

    // A name listed exactly is the operator's choice and may resolve to loopback.
    let server = start_server(vec![format!("http://wopi.rebind.test:{}", host.port)]);
    let mut client = WsClient::connect(server.port, "exact").await.unwrap();
    client.load(&rebound, &token("bob", "Bob", true)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_empty_default_refuses_every_load_and_says_which_setting() {
    let name = "default.docx";
    let host = host_with_document(name);
    let server = Server::start(ServerOptions::default()).expect("the server starts");
    let log = std::fs::read_to_string(server.dir.path().join("wsd.log")).unwrap();
    assert!(
        log.contains("WARNING: storage.wopi_hosts is empty"),
        "a warning at start:\n{log}"
    );
    let message = refused(&server, "default", &host.wopisrc(name)).await;
    assert!(
        message.contains("storage.wopi_hosts"),
        "the error names the setting: {message}"
    );
    assert_eq!(host.log().unwrap(), Vec::<serde_json::Value>::new());
}
