//! SIGTERM with modified documents open: every one is stored before oxool-wsd exits.
//! Real wsd, real kits, the independent WOPI host; stored files checked by their content.

use std::time::Duration;

use oxool_tests::editing_setup::EditingSetup;
use oxool_tests::server::{Server, ServerOptions};
use oxool_tests::user::RunAs;
use oxool_tests::wopi_host::token;
use oxool_tests::ws::WsClient;

/// (fixture, stored name, marker typed into it)
const DOCUMENTS: [(&str, &str, &str); 3] = [
    ("simple.docx", "one.docx", "ShutdownOne"),
    ("simple.odt", "two.odt", "ShutdownTwo"),
    ("simple.xlsx", "three.xlsx", "ShutdownThree"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stores_every_modified_document_before_exit() {
    // No automatic saves: what is stored, the shutdown stored.
    let EditingSetup { host, mut server } = EditingSetup::start(RunAs::Root);
    let mut clients = Vec::new();
    for (fixture, name, marker) in DOCUMENTS {
        host.add_fixture(fixture, name).unwrap();
        let mut client = WsClient::connect(server.port, name).await.unwrap();
        client
            .load(&host.wopisrc(name), &token("alice", "Alice", true))
            .await;
        client.type_keys(marker).await;
        if name.ends_with(".xlsx") {
            client.enter().await;
        }
        client
            .wait_for("modified=1", |m| {
                m.is("doc-state") && m.get("modified") == Some("1")
            })
            .await;
        clients.push(client);
    }
    for (_, name, _) in DOCUMENTS {
        assert!(
            host.requests("PutFile", name).unwrap().is_empty(),
            "{name} was uploaded before the shutdown"
        );
    }

    let exit = server
        .sigterm_and_wait(Duration::from_secs(120))
        .unwrap()
        .unwrap_or_else(|| panic!("wsd did not exit after SIGTERM:\n{}", server.log()));
    assert!(exit.success(), "wsd exit status {exit}:\n{}", server.log());

    // Each client was told, and closed with "going away".
    for client in &mut clients {
        let close = client
            .wait_for("close reason=shutdown", |m| m.is("close"))
            .await;
        assert_eq!(close.get("reason"), Some("shutdown"), "{close}");
        assert_eq!(client.wait_closed().await, Some(1001));
    }

    // Everything was stored before the process ended: check with a fresh server converting.
    let converter = Server::start(ServerOptions::default()).unwrap();
    for (_, name, marker) in DOCUMENTS {
        let puts = host.requests("PutFile", name).unwrap();
        let last = puts
            .last()
            .unwrap_or_else(|| panic!("{name} was never stored"));
        assert_eq!(last["status"], 200, "{name}: {last}");
        let exit_save = last["headers"]
            .as_object()
            .and_then(|h| {
                h.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("X-COOL-WOPI-IsExitSave"))
            })
            .and_then(|(_, v)| v.as_str());
        assert_eq!(exit_save, Some("true"), "{name}: {last}");
        let text = host.stored_text(&converter.url(""), name);
        assert!(text.contains(marker), "{name} stored: {text}");
    }
    // And the locks were released.
    assert_eq!(host.locks().unwrap(), serde_json::json!({}));
}
