//! Three oxool servers behind Debian's HAProxy with the shipped configuration
//! (docs/haproxy/oxool.cfg), the independent WOPI host as storage (docs/cluster.md). In
//! bounded time (about 50 s on a shared 2-core machine): 30 documents with 2 users each, 6
//! conversions:
//!
//! 1. every document lands on exactly one server, with both its users (`oxoolctl documents`,
//!    and each server's `/metrics`);
//! 2. convert-to spreads over all three servers (`oxoolctl status` counts);
//! 3. a server with documents open drains and stops: its documents are stored, their users
//!    reconnect through the balancer to another server and load the stored version;
//! 4. a server with documents open is killed (-9, with its forkit and kits): its documents
//!    reopen on the last server from storage, which takes the dead server's locks over;
//! 5. both come back: the documents stay where they are, new users join them there;
//!
//! and after every step no document is open on two servers.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use oxool_proto::Message;
use oxool_tests::balancer::Balancer;
use oxool_tests::eventually::poll_every_async;
use oxool_tests::server::{free_port, Server, ServerOptions};
use oxool_tests::wopi_host::{token, WopiHost, WopiHostOptions};
use oxool_tests::ws::WsClient;

const DOCUMENTS: usize = 30;
const CONVERSIONS: usize = 6;
/// How long a user may take to get a document open through the balancer, retries included.
const REOPEN_DEADLINE: Duration = Duration::from_secs(90);

struct Cluster {
    host: WopiHost,
    ports: [u16; 3],
    servers: [Option<Server>; 3],
    balancer: Balancer,
}

impl Cluster {
    fn start() -> Cluster {
        let host = WopiHost::start(WopiHostOptions::default()).unwrap();
        let ports = [(); 3].map(|_| free_port().unwrap());
        let mut cluster = Cluster {
            servers: [None, None, None],
            balancer: Balancer::start(&ports).unwrap(),
            host,
            ports,
        };
        for index in 0..3 {
            cluster.start_server(index);
        }
        cluster
    }

    fn start_server(&mut self, index: usize) {
        let peers: Vec<String> = (0..3)
            .filter(|&other| other != index)
            .map(|other| format!("http://127.0.0.1:{}", self.ports[other]))
            .collect();
        let server = Server::start(ServerOptions {
            wopi_hosts: vec![self.host.base()],
            editing_toml: Some("autosave_secs = 0\nidle_save_secs = 0\nwarm_kit = false".into()),
            extra_toml: format!("[cluster]\npeers = {peers:?}\n"),
            prespawn: 1,
            port: Some(self.ports[index]),
            ..Default::default()
        })
        .unwrap();
        self.servers[index] = Some(server);
        self.balancer.wait_until(index, true).unwrap();
    }

    fn server(&self, index: usize) -> &Server {
        self.servers[index].as_ref().expect("a running server")
    }

    /// Document name → (server index, sessions) of every server that has it open.
    fn placement(&self) -> BTreeMap<String, Vec<(usize, u32)>> {
        let mut placement: BTreeMap<String, Vec<(usize, u32)>> = BTreeMap::new();
        for (index, server) in self.servers.iter().enumerate() {
            let Some(server) = server else { continue };
            let listing = server.oxoolctl("documents").unwrap();
            for row in listing.lines().skip(1) {
                let fields: Vec<&str> = row.split_whitespace().collect();
                let (Some(key), Some(sessions)) = (fields.first(), fields.last()) else {
                    continue;
                };
                let name = key.rsplit('/').next().unwrap_or_default().to_string();
                placement
                    .entry(name)
                    .or_default()
                    .push((index, sessions.parse().unwrap_or(0)));
            }
        }
        placement
    }

    /// No document open on two servers; the server each open document is on.
    fn one_server_per_document(&self, when: &str) -> BTreeMap<String, usize> {
        let placement = self.placement();
        placement
            .into_iter()
            .map(|(name, servers)| {
                assert_eq!(servers.len(), 1, "{when}: {name} is open on {servers:?}");
                (name, servers[0].0)
            })
            .collect()
    }

    /// A gauge of server `index`'s `/metrics`.
    fn metric(&self, index: usize, name: &str) -> u64 {
        let text = ureq::get(&self.server(index).url("/metrics"))
            .call()
            .unwrap()
            .into_string()
            .unwrap();
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in:\n{text}"))
    }

    fn conversions_done(&self, index: usize) -> u64 {
        let status = self.server(index).oxoolctl("status").unwrap();
        status
            .lines()
            .find(|line| line.starts_with("conversions"))
            .and_then(|line| line.split(", ").nth(2))
            .and_then(|part| part.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no conversion count in:\n{status}"))
    }
}

fn document_name(index: usize) -> String {
    format!("doc{index}.docx")
}

/// A user: the name for its token and its WebSocket, through the balancer.
struct User {
    name: String,
    document: String,
    client: WsClient,
}

/// Connects through the balancer and loads, again and again while the answer says to retry
/// (the balancer has no server for the document yet, `draining`, `lock-conflict`), as the web
/// client does with backoff.
async fn open(cluster: &Cluster, name: &str, document: &str) -> User {
    let src = cluster.host.wopisrc(document);
    let mut last = String::new();
    let every = Duration::from_millis(500);
    let opened = poll_every_async(REOPEN_DEADLINE, every, async || {
        try_open(cluster.balancer.port, name, &src)
            .await
            .map_err(|why| last = why)
            .ok()
    })
    .await;
    let client = opened.unwrap_or_else(|| {
        panic!("{name} could not open {document} within {REOPEN_DEADLINE:?}; last: {last}")
    });
    User {
        name: name.into(),
        document: document.into(),
        client,
    }
}

async fn try_open(port: u16, name: &str, src: &str) -> Result<WsClient, String> {
    let mut client = WsClient::connect_routed(port, name, src)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    client.send(Message::new("oxool").arg("version", 1)).await;
    let user_token = token(name, name, true);
    let load = Message::new("load")
        .arg("wopisrc", src)
        .arg("token", &user_token);
    client.send(load).await;
    let answer = client
        .try_wait_for(Duration::from_secs(60), |m| m.is("status") || m.is("error"))
        .await
        .ok_or_else(|| "no answer to load".to_string())?;
    if !answer.is("status") {
        let kind = answer.get("kind").unwrap_or_default();
        assert!(
            matches!(kind, "lock-conflict" | "draining" | "shutdown"),
            "{name}: a load refused for a reason that is no reason to retry: {answer}"
        );
        return Err(answer.to_string());
    }
    client.status = Some(answer);
    Ok(client)
}

async fn type_marker(user: &mut User, marker: &str) {
    user.client.type_keys(marker).await;
    user.client
        .wait_for("modified=1", |m| {
            m.is("doc-state") && m.get("modified") == Some("1")
        })
        .await;
}

/// The index of the last request of `operation` on `document` in the WOPI host's log.
fn last_request(host: &WopiHost, operation: &str, document: &str) -> Option<usize> {
    host.log()
        .unwrap()
        .iter()
        .rposition(|r| r["operation"] == operation && r["file"] == document)
}

/// The document was loaded from storage after it was last stored: its users see the stored
/// version, with `marker` in it.
fn reopened_from_storage(cluster: &Cluster, document: &str, marker: &str) {
    let stored = last_request(&cluster.host, "PutFile", document)
        .unwrap_or_else(|| panic!("{document} was never stored"));
    let fetched = last_request(&cluster.host, "GetFile", document).unwrap();
    assert!(
        fetched > stored,
        "{document} was not fetched after it was stored"
    );
    let text = cluster
        .host
        .stored_text(&cluster.balancer.url(""), document);
    assert!(text.contains(marker), "{document} stored: {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_servers_behind_haproxy_keep_each_document_on_one_server() {
    let started = Instant::now();
    let mut cluster = Cluster::start();
    for index in 0..DOCUMENTS {
        cluster
            .host
            .add_fixture("simple.docx", &document_name(index))
            .unwrap();
    }

    // 1. Two users per document, through the balancer: one server each, both users there.
    let mut users = Vec::new();
    for index in 0..DOCUMENTS {
        for user in ["ann", "ben"] {
            users.push(open(&cluster, &format!("{user}{index}"), &document_name(index)).await);
        }
    }
    let placement = cluster.placement();
    assert_eq!(placement.len(), DOCUMENTS, "{placement:?}");
    for (name, servers) in &placement {
        assert_eq!(servers.len(), 1, "{name} is open on {servers:?}");
        assert_eq!(servers[0].1, 2, "{name}: both users on its one server");
    }
    let home = cluster.one_server_per_document("after opening");
    eprintln!("documents per server: {home:?}");
    // Each server's metrics say the same as oxoolctl.
    for index in 0..3 {
        let here = home.values().filter(|&&s| s == index).count() as u64;
        assert_eq!(cluster.metric(index, "oxool_documents_open"), here);
        assert_eq!(cluster.metric(index, "oxool_sessions"), 2 * here);
    }

    // 2. Conversions spread over all three servers.
    let before: Vec<u64> = (0..3).map(|i| cluster.conversions_done(i)).collect();
    let document = std::fs::read(oxool_tests::fixture("simple.docx")).unwrap();
    for _ in 0..CONVERSIONS {
        let converted =
            oxool_tests::http::convert(&cluster.balancer.url(""), "a.docx", &document, "pdf")
                .unwrap();
        assert_eq!(converted.status, 200, "{}", converted.text());
    }
    let spread: Vec<u64> = (0..3)
        .map(|i| cluster.conversions_done(i) - before[i])
        .collect();
    eprintln!("conversions per server: {spread:?}");
    assert_eq!(spread.iter().sum::<u64>(), CONVERSIONS as u64);
    assert!(spread.iter().all(|&n| n > 0), "not spread: {spread:?}");

    // 3. Drain and stop the server with the most documents; a user of each types first.
    let count = |server: usize, home: &BTreeMap<String, usize>| {
        home.values().filter(|&&s| s == server).count()
    };
    let drained = (0..3).max_by_key(|&s| count(s, &home)).unwrap();
    let moved: Vec<String> = home
        .iter()
        .filter(|(_, &s)| s == drained)
        .map(|(name, _)| name.clone())
        .collect();
    // One user types per document: two typing at once may interleave their letters.
    for user in users.iter_mut().filter(|u| moved.contains(&u.document)) {
        if user.name.starts_with("ann") {
            let marker = format!("Drained{}", user.name);
            type_marker(user, &marker).await;
        }
    }
    cluster.server(drained).oxoolctl("drain").unwrap();
    assert_eq!(cluster.metric(drained, "oxool_draining"), 1);
    cluster.balancer.wait_until(drained, false).unwrap();
    let mut server = cluster.servers[drained].take().unwrap();
    let exit = server.sigterm_and_wait(Duration::from_secs(120)).unwrap();
    assert!(exit.is_some_and(|e| e.success()), "{}", server.log());
    for user in users.iter_mut().filter(|u| moved.contains(&u.document)) {
        let close = user.client.wait_for("close", |m| m.is("close")).await;
        assert_eq!(close.get("reason"), Some("shutdown"), "{close}");
        *user = open(&cluster, &user.name.clone(), &user.document.clone()).await;
    }
    let home = cluster.one_server_per_document("after the drain");
    for name in &moved {
        assert_ne!(home.get(name), Some(&drained), "{name}");
        reopened_from_storage(&cluster, name, &format!("Drainedann{}", &name[3..4]));
    }
    assert_eq!(home.len(), DOCUMENTS, "{home:?}");
    eprintln!("server {drained} drained and stopped; documents per server: {home:?}");

    // 4. Kill -9 a server that has documents; what its users saved reopens elsewhere.
    let killed = (0..3)
        .filter(|&s| s != drained)
        .max_by_key(|&s| count(s, &home))
        .unwrap();
    let lost: Vec<String> = home
        .iter()
        .filter(|(_, &s)| s == killed)
        .map(|(name, _)| name.clone())
        .collect();
    assert!(
        !lost.is_empty(),
        "no documents on server {killed}: {home:?}"
    );
    for user in users.iter_mut().filter(|u| lost.contains(&u.document)) {
        if user.name.starts_with("ann") {
            let marker = format!("Saved{}", user.name);
            type_marker(user, &marker).await;
            let saved = user.client.save(false).await;
            assert_eq!(saved.get("save"), Some("idle"), "{saved}");
        }
    }
    let mut server = cluster.servers[killed].take().unwrap();
    server.kill_hard();
    cluster.balancer.wait_until(killed, false).unwrap();
    for user in users.iter_mut().filter(|u| lost.contains(&u.document)) {
        user.client.wait_closed().await;
        *user = open(&cluster, &user.name.clone(), &user.document.clone()).await;
    }
    let survivor = (0..3).find(|&s| s != drained && s != killed).unwrap();
    let home = cluster.one_server_per_document("after the kill");
    eprintln!("server {killed} killed; documents per server: {home:?}");
    for name in &lost {
        assert_eq!(home.get(name), Some(&survivor), "{name}");
        reopened_from_storage(&cluster, name, &format!("Savedann{}", &name[3..4]));
    }
    assert!(
        cluster.server(survivor).log().contains("taking it over"),
        "the survivor did not take the dead server's locks over"
    );

    // 5. Both come back: every document stays where it is open, and new users join it there.
    cluster.start_server(drained);
    cluster.start_server(killed);
    for index in 0..DOCUMENTS {
        let name = document_name(index);
        users.push(open(&cluster, &format!("cid{index}"), &name).await);
    }
    let after = cluster.one_server_per_document("after both came back");
    assert_eq!(after, home, "documents moved when servers came back");
    for (name, servers) in cluster.placement() {
        assert_eq!(servers[0].1, 3, "{name}: all three users on its one server");
    }
    drop(users);
    eprintln!("cluster test: {:?}", started.elapsed());
}
