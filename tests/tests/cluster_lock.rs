//! One document, one host (docs/cluster.md): the WOPI lock arbitrates between two oxool
//! servers. A document open on one is refused on the other with `lock-conflict` while its
//! holder runs; once the holder is lost hard (kill -9 of wsd, forkit and kits), the other takes
//! its lock over and opens the document from storage. Two real servers, real kits, the
//! independent WOPI host.

use std::time::Duration;

use oxool_tests::eventually::eventually;
use oxool_tests::server::{free_port, Server, ServerOptions};
use oxool_tests::wopi_host::{token, WopiHost, WopiHostOptions};
use oxool_tests::ws::WsClient;

fn start_server(host: &WopiHost, port: u16, peers: &[u16]) -> Server {
    let peers: Vec<String> = peers
        .iter()
        .map(|p| format!("http://127.0.0.1:{p}"))
        .collect();
    Server::start(ServerOptions {
        wopi_hosts: vec![host.base()],
        editing_toml: Some("autosave_secs = 0\nidle_save_secs = 0\nwarm_kit = false".into()),
        extra_toml: format!("[cluster]\npeers = {peers:?}\n"),
        prespawn: 0,
        port: Some(port),
        ..Default::default()
    })
    .unwrap()
}

/// The WOPI host with `simple.docx` stored as one document, and two servers A and B of a
/// cluster in front of it, each the other's peer.
struct TwoPeers {
    host: WopiHost,
    /// The document's WOPISrc.
    src: String,
    a: Server,
    b: Server,
    port_a: u16,
    port_b: u16,
}

impl TwoPeers {
    fn start(document: &str) -> TwoPeers {
        let host = WopiHost::start(WopiHostOptions::default()).unwrap();
        host.add_fixture("simple.docx", document).unwrap();
        let src = host.wopisrc(document);
        let (port_a, port_b) = (free_port().unwrap(), free_port().unwrap());
        let a = start_server(&host, port_a, &[port_b]);
        let b = start_server(&host, port_b, &[port_a]);
        TwoPeers {
            host,
            src,
            a,
            b,
            port_a,
            port_b,
        }
    }
}

/// The keys `oxoolctl documents` lists on a server.
fn open_documents(server: &Server) -> String {
    server.oxoolctl("documents").unwrap()
}

/// The lock the WOPI host holds for `name`, if any.
fn lock_of(host: &WopiHost, name: &str) -> Option<String> {
    host.locks().unwrap()[name].as_str().map(str::to_string)
}

/// A session of `user` (write access as given) loaded on the server at `port`.
async fn open_as(port: u16, src: &str, user: &str, write: bool) -> WsClient {
    let mut client = WsClient::connect_routed(port, user, src).await.unwrap();
    let name = user[..1].to_uppercase() + &user[1..];
    client.load(src, &token(user, &name, write)).await;
    client
}

/// The `error` a writer `user` gets when loading on the server at `port`.
async fn refused_as(port: u16, src: &str, user: &str) -> (WsClient, oxool_tests::ws::Incoming) {
    let mut client = WsClient::connect_routed(port, user, src).await.unwrap();
    let name = user[..1].to_uppercase() + &user[1..];
    let error = client
        .load_refused(src, Some(&token(user, &name, true)))
        .await;
    (client, error)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_open_on_one_server_is_refused_on_another_until_that_one_is_gone() {
    let TwoPeers {
        host,
        src,
        mut a,
        b,
        port_a,
        port_b,
    } = TwoPeers::start("shared.docx");

    let mut alice = open_as(a.port, &src, "alice", true).await;
    let lock = lock_of(&host, "shared.docx").unwrap();
    assert!(lock.starts_with("oxool-"), "{lock}");

    // B finds A's lock, asks A (its peer) and A runs it: no second editing copy.
    let (mut bob, error) = refused_as(b.port, &src, "bob").await;
    assert_eq!(error.get("kind"), Some("lock-conflict"), "{error}");
    let message = error.get("message").unwrap_or_default().to_string();
    assert!(
        message.contains("another server") && message.contains("try again"),
        "{message}"
    );
    let close = bob.wait_for("close", |m| m.is("close")).await;
    assert_eq!(close.get("reason"), Some("lock-conflict"), "{close}");
    assert_eq!(open_documents(&b), "no open documents\n");
    assert_eq!(lock_of(&host, "shared.docx"), Some(lock.clone()));
    // A is lost hard: its lock stays at the WOPI host, and nothing answers on its port.
    a.kill_hard();
    alice.wait_closed().await;
    let _bob = open_as(b.port, &src, "bob", true).await;
    let taken = lock_of(&host, "shared.docx").unwrap();
    assert_ne!(taken, lock, "B did not take the lock over");
    assert!(b.log().contains("taking it over"), "{}", b.log());
    assert!(
        !host
            .requests("UnlockAndRelock", "shared.docx")
            .unwrap()
            .is_empty(),
        "the lock was not replaced in one step"
    );

    // A comes back (a new run, a new server id): B holds the document, so A refuses it.
    let a = start_server(&host, port_a, &[port_b]);
    let (_carol, error) = refused_as(a.port, &src, "carol").await;
    assert_eq!(error.get("kind"), Some("lock-conflict"), "{error}");
    assert_eq!(open_documents(&a), "no open documents\n");
}

/// The lock is taken when a writer joins, not only at the first open: a document opened
/// view-only here holds no lock, so another server may open it for writing meanwhile. A writer
/// joining here must then be refused (one document, one host), not admitted as a second writer
/// whose saves all fail; once the other server let the document go, the writer joins here and
/// this server holds the lock and saves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_joining_a_view_only_copy_takes_the_lock_or_is_refused() {
    let TwoPeers {
        host, src, a, b, ..
    } = TwoPeers::start("viewed.docx");

    let vera = open_as(a.port, &src, "vera", false).await;
    assert_eq!(lock_of(&host, "viewed.docx"), None);

    // The balancer sent a writer to B meanwhile: B opens the document and locks it.
    let bob = open_as(b.port, &src, "bob", true).await;
    let b_lock = lock_of(&host, "viewed.docx").unwrap();

    // A writer joining A's view-only copy is refused while B holds the document.
    let (_carol, error) = refused_as(a.port, &src, "carol").await;
    assert_eq!(error.get("kind"), Some("lock-conflict"), "{error}");
    assert_eq!(lock_of(&host, "viewed.docx"), Some(b_lock.clone()));
    // The viewer carries on.
    assert!(open_documents(&a).contains("viewed.docx"), "{}", a.log());

    // B lets the document go (its writer leaves: stored, unlocked); now the writer joins A.
    drop(bob);
    eventually("B's unlock", Duration::from_secs(60), || {
        lock_of(&host, "viewed.docx").is_none().then_some(())
    });
    let mut carol = open_as(a.port, &src, "carol", true).await;
    let a_lock = lock_of(&host, "viewed.docx").unwrap();
    assert!(a_lock.starts_with("oxool-") && a_lock != b_lock, "{a_lock}");
    carol.type_keys("Carol writes on A ").await;
    let saved = carol.save_stored().await;
    assert_eq!(saved.get("modified"), Some("0"), "{saved}");
    drop(vera);
}
