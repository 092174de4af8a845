//! LibreOffice's dialogs end to end (docs/protocol.md, "Dialogs"): WebSocket clients → the real
//! oxool-wsd → a real kit. Each user gets only the windows of their own view, paints them,
//! types into them and closes them; a dialog left open by a user who went away blocks nobody.

use std::time::Duration;

use oxool_proto::Message;
use oxool_tests::server::{Server, ServerOptions};
use oxool_tests::user::RunAs;
use oxool_tests::wopi_host::{token, WopiHost, WopiHostOptions};
use oxool_tests::ws::{Incoming, WsClient};

/// Ctrl+K: `css::awt::Key::K` (522) with MOD1.
const CTRL_K: u32 = 0x2000 | 522;
const ESCAPE: u32 = 1281;

struct Setup {
    host: WopiHost,
    server: Server,
}

impl Setup {
    fn start() -> Setup {
        let host = WopiHost::start(WopiHostOptions::default()).expect("the WOPI host starts");
        let server = Server::start(ServerOptions {
            run_as: RunAs::Root,
            wopi_hosts: vec![host.base()],
            editing_toml: Some("autosave_secs = 0\nidle_save_secs = 0".into()),
            ..Default::default()
        })
        .expect("the server starts");
        Setup { host, server }
    }

    async fn open(&self, label: &str, name: &str, write: bool) -> WsClient {
        let mut client = WsClient::connect(self.server.port, label)
            .await
            .expect("WebSocket connects");
        let user = label.to_lowercase();
        client
            .load(&self.host.wopisrc(name), &token(&user, label, write))
            .await;
        client
    }
}

fn window_event(m: &Incoming, action: &str) -> bool {
    m.is_event("WINDOW") && m.json()["action"] == action
}

/// Opens the hyperlink dialog with Ctrl+K; its id and size.
async fn ctrl_k(client: &mut WsClient) -> (String, u32, u32) {
    client.key(u32::from('k'), CTRL_K).await;
    let created = client
        .wait_for("the hyperlink dialog", |m| window_event(m, "created"))
        .await
        .json();
    assert_eq!(created["type"], "dialog", "{created}");
    let size: Vec<u32> = created["size"]
        .as_str()
        .unwrap()
        .split(',')
        .map(|s| s.trim().parse().unwrap())
        .collect();
    (
        created["id"].as_str().unwrap().to_string(),
        size[0],
        size[1],
    )
}

fn window_tile(id: &str, width: u32, height: u32, scale: &str) -> Message {
    Message::new("window-tile")
        .arg("id", id)
        .arg("x", 0)
        .arg("y", 0)
        .arg("width", width)
        .arg("height", height)
        .arg("scale", scale)
}

async fn escape(client: &mut WsClient, id: &str) {
    for kind in ["input", "up"] {
        let key = Message::new("window-key")
            .arg("id", id)
            .arg("type", kind)
            .arg("char", 0)
            .arg("code", ESCAPE);
        client.send(key).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_user_has_their_own_dialogs() {
    let setup = Setup::start();
    let name = "dialogs.docx";
    setup.host.add_fixture("simple.docx", name).unwrap();
    let mut alice = setup.open("Alice", name, true).await;
    let mut bob = setup.open("Bob", name, true).await;
    let mut viewer = setup.open("Viewer", name, false).await;

    // Two dialogs open at once, each announced to its own user only.
    let (a_id, a_w, a_h) = ctrl_k(&mut alice).await;
    let mark = bob.mark();
    let (b_id, ..) = ctrl_k(&mut bob).await;
    assert_ne!(a_id, b_id);
    bob.rewind_to(mark);
    let foreign = bob
        .try_wait_for(Duration::from_millis(500), |m| {
            m.is_event("WINDOW") && m.json()["id"] == a_id.as_str()
        })
        .await;
    assert!(foreign.is_none(), "Bob got Alice's window: {foreign:?}");

    // Alice paints her dialog at scale 1 and 2.
    for (scale, factor) in [("1", 1), ("2", 2)] {
        alice.send(window_tile(&a_id, a_w, a_h, scale)).await;
        let tile = alice
            .wait_for("the dialog's pixels", |m| m.is("window-tile"))
            .await;
        assert!(tile.binary && tile.get("format") == Some("png"), "{tile}");
        assert_eq!(tile.get("id"), Some(a_id.as_str()));
        let png = png::Decoder::new(std::io::Cursor::new(&tile.body))
            .read_info()
            .expect("a PNG");
        assert_eq!(
            (png.info().width, png.info().height),
            (a_w * factor, a_h * factor)
        );
    }

    // Bob may neither paint nor type into Alice's dialog; the viewer may not type at all.
    bob.send(window_tile(&a_id, 10, 10, "1")).await;
    let refused = bob.wait_for("the refusal", |m| m.is("error")).await;
    assert_eq!(refused.get("kind"), Some("bad-request"), "{refused}");
    assert_eq!(refused.get("request"), Some("window-tile"), "{refused}");
    assert_eq!(refused.get("id"), Some(a_id.as_str()), "{refused}");
    escape(&mut bob, &a_id).await;
    let refused = bob.wait_for("the refusal", |m| m.is("error")).await;
    assert_eq!(refused.get("request"), Some("window-key"), "{refused}");
    escape(&mut viewer, &a_id).await;
    let refused = viewer.wait_for("the refusal", |m| m.is("error")).await;
    assert_eq!(refused.get("kind"), Some("readonly"), "{refused}");
    // Alice's dialog is still there.
    alice.send(window_tile(&a_id, 10, 10, "1")).await;
    alice
        .wait_for("the dialog still paints", |m| m.is("window-tile"))
        .await;

    // Escape closes Alice's dialog; Bob's stays open.
    escape(&mut alice, &a_id).await;
    alice
        .wait_for("the close", |m| window_event(m, "close"))
        .await;
    bob.send(window_tile(&b_id, 10, 10, "1")).await;
    bob.wait_for("Bob's dialog still paints", |m| m.is("window-tile"))
        .await;

    // Bob leaves with his dialog open: it is closed, and Alice can still type and open one.
    drop(bob);
    let mark = alice.mark();
    alice.type_keys("AfterBob ").await;
    alice.wait_for("the edit", |m| m.is("invalidate")).await;
    alice.rewind_to(mark);
    let (again, ..) = ctrl_k(&mut alice).await;
    alice
        .send(Message::new("window-close").arg("id", &again))
        .await;
    alice
        .wait_for("the close", |m| window_event(m, "close"))
        .await;
    alice.save(false).await;
    let text = setup.host.stored_text(&setup.server.url(""), name);
    assert!(text.contains("AfterBob"), "{text}");
}
