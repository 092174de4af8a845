//! What the co-editing tests start from: the independent WOPI host, one real wsd (with its
//! forkit and kits) with automatic saves off, and users joining documents over the WebSocket.

use crate::server::{Server, ServerOptions};
use crate::user::RunAs;
use crate::wopi_host::{token, token_secret_for, WopiHost, WopiHostOptions};
use crate::ws::WsClient;

/// Automatic saves off: every store in these tests is one the test asked for.
pub const NO_AUTOSAVE: &str = "autosave_secs = 0\nidle_save_secs = 0";

pub struct EditingSetup {
    pub host: WopiHost,
    pub server: Server,
}

impl EditingSetup {
    /// The WOPI host and a server whose kits run as `run_as`.
    pub fn start(run_as: RunAs) -> EditingSetup {
        EditingSetup::start_with(run_as, "")
    }

    /// [`EditingSetup::start`] with the kits as root and fixture `fixture` stored as document
    /// `name`.
    pub fn with_document(fixture: &str, name: &str) -> EditingSetup {
        let setup = EditingSetup::start(RunAs::Root);
        setup.host.add_fixture(fixture, name).unwrap();
        setup
    }

    /// [`EditingSetup::with_document`], then `users` (a label, and whether it may edit) open the
    /// document one after the other: the setup and their clients, in that order.
    pub async fn with_users<const N: usize>(
        fixture: &str,
        name: &str,
        users: [(&str, bool); N],
    ) -> (EditingSetup, [WsClient; N]) {
        let setup = EditingSetup::with_document(fixture, name);
        let mut clients = Vec::with_capacity(N);
        for (label, write) in users {
            clients.push(setup.open(label, name, write).await);
        }
        let Ok(clients) = clients.try_into() else {
            unreachable!("one client for each of the {N} users")
        };
        (setup, clients)
    }

    /// [`EditingSetup::with_document`] with a view-only user, "Viewer", in the document; and the
    /// stored document as it was before the viewer came, for
    /// [`EditingSetup::assert_stored_unchanged`].
    pub async fn with_viewer(fixture: &str, name: &str) -> (EditingSetup, WsClient, Vec<u8>) {
        let setup = EditingSetup::with_document(fixture, name);
        let original = setup.host.stored(name);
        let viewer = setup.open("Viewer", name, false).await;
        (setup, viewer, original)
    }

    /// The stored document `name` is still `original`, byte for byte.
    pub fn assert_stored_unchanged(&self, name: &str, original: &[u8]) {
        assert!(
            self.host.stored(name) == original,
            "the stored file {name} changed"
        );
    }

    /// [`EditingSetup::start`] with more `[editing]` settings (TOML lines) after
    /// [`NO_AUTOSAVE`].
    pub fn start_with(run_as: RunAs, editing: &str) -> EditingSetup {
        let options = ServerOptions {
            run_as,
            ..Default::default()
        };
        EditingSetup::start_from(options, editing)
    }

    /// [`EditingSetup::start_with`] from other server `options` than the defaults (their WOPI
    /// hosts and `[editing]` table are set here).
    pub fn start_from(options: ServerOptions, editing: &str) -> EditingSetup {
        let host = WopiHost::start(WopiHostOptions::default()).expect("the WOPI host starts");
        let server = Server::start(ServerOptions {
            wopi_hosts: vec![host.base()],
            editing_toml: Some(format!("{NO_AUTOSAVE}\n{editing}")),
            ..options
        })
        .expect("the server starts");
        EditingSetup { host, server }
    }

    /// User `label` (user id: its lower case) opens document `name`, able to edit when `write`.
    pub async fn open(&self, label: &str, name: &str, write: bool) -> WsClient {
        let mut client = WsClient::connect(self.server.port, label)
            .await
            .expect("WebSocket connects");
        let user = label.to_lowercase();
        client
            .load(&self.host.wopisrc(name), &token(&user, label, write))
            .await;
        client
    }

    /// Stores fixture `fixture` as document `name`; Alice, then Bob, open it, both able to edit.
    pub async fn open_alice_and_bob(&self, fixture: &str, name: &str) -> (WsClient, WsClient) {
        self.host.add_fixture(fixture, name).unwrap();
        let alice = self.open("Alice", name, true).await;
        let bob = self.open("Bob", name, true).await;
        (alice, bob)
    }

    /// The stored document `name` as text (converted by the server's own convert-to).
    pub fn stored_text(&self, name: &str) -> String {
        self.host.stored_text(&self.server.url(""), name)
    }

    /// No access token, nor its secret part, in the server's log.
    pub fn assert_no_token_in_log(&self, users: &[&str]) {
        let log = self.server.log();
        for user in users {
            let secret = token_secret_for(&user.to_lowercase());
            assert!(
                !log.contains(&secret),
                "the access token of {user} is in wsd's log"
            );
        }
    }
}

/// User `user` (also its name) opens document `name` of `host` on `server`, able to edit.
pub async fn open_writer(server: &Server, host: &WopiHost, name: &str, user: &str) -> WsClient {
    let mut client = WsClient::connect(server.port, user)
        .await
        .expect("WebSocket connects");
    client
        .load(&host.wopisrc(name), &token(user, user, true))
        .await;
    client
}
