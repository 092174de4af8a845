//! What a [`WsClient`] asks of the server (docs/protocol.md): loading a document, input (keys,
//! mouse, UNO commands), tiles, and saves. Each sends the request and, where the protocol
//! answers, waits for the answer.

use oxool_proto::Message;

use super::{Incoming, WsClient};

impl WsClient {
    /// The handshake and `load`; returns the `status` and waits for the first `doc-state`.
    pub async fn load(&mut self, wopisrc: &str, token: &str) -> Incoming {
        self.send(Message::new("oxool").arg("version", 1)).await;
        self.send(
            Message::new("load")
                .arg("wopisrc", wopisrc)
                .arg("token", token),
        )
        .await;
        let hello = self
            .wait_for("the handshake answer", |m| m.is("oxool") || m.is("error"))
            .await;
        assert!(hello.is("oxool"), "[{}] handshake: {hello}", self.label);
        assert_eq!(hello.get("version"), Some("1"), "{hello}");
        let status = self
            .wait_for("status after load", |m| m.is("status") || m.is("error"))
            .await;
        assert!(
            status.is("status"),
            "[{}] load failed: {status}\n{}",
            self.label,
            self.recent(20)
        );
        // (The protocol's example sends doc-state after status; the order is not a rule.)
        self.latest_or_wait("the first doc-state", |m| m.is("doc-state"))
            .await;
        self.status = Some(status.clone());
        status
    }

    /// The handshake and a `load` that must fail: the `error` it is answered with.
    pub async fn load_refused(&mut self, wopisrc: &str, token: Option<&str>) -> Incoming {
        self.send(Message::new("oxool").arg("version", 1)).await;
        let mut load = Message::new("load").arg("wopisrc", wopisrc);
        if let Some(token) = token {
            load = load.arg("token", token);
        }
        self.send(load).await;
        let answer = self
            .wait_for("the answer to a refused load", |m| {
                m.is("error") || m.is("status")
            })
            .await;
        assert!(
            answer.is("error"),
            "[{}] load of {wopisrc} should fail: {answer}",
            self.label
        );
        answer
    }

    /// This session's LibreOffice view id (from `status`).
    pub fn lok_view(&self) -> String {
        self.status
            .as_ref()
            .and_then(|s| s.get("lok_view"))
            .expect("loaded")
            .to_string()
    }

    pub async fn key(&mut self, char_code: u32, key_code: u32) {
        for key in crate::input::key_press(&Message::new("key"), char_code, key_code) {
            self.send(key).await;
        }
    }

    /// Types `text` key by key (input and up for each character).
    pub async fn type_keys(&mut self, text: &str) {
        for ch in text.chars() {
            self.key(ch as u32, 0).await;
        }
    }

    pub async fn enter(&mut self) {
        self.key(13, 1280).await;
    }

    pub async fn uno(&mut self, command: &str, args: Option<&str>) {
        let mut message = Message::new("uno").arg("command", command);
        if let Some(args) = args {
            message = message.arg("args", args);
        }
        self.send(message).await;
    }

    pub async fn mouse(&mut self, kind: &str, x: i64, y: i64, count: u32) {
        self.send(
            Message::new("mouse")
                .arg("type", kind)
                .arg("x", x)
                .arg("y", y)
                .arg("count", count)
                .arg("buttons", 1)
                .arg("modifier", 0),
        )
        .await;
    }

    /// Asks for tiles of `size` px covering `twips` each, at the given twip positions.
    pub async fn tiles(&mut self, part: u32, size: u32, twips: u32, at: &[(i64, i64)]) {
        self.send(tiles_message(part, size, twips, at)).await;
    }

    /// Asks again for tiles this session holds (after an `invalidate`): identical ones are
    /// answered `unchanged=1`.
    pub async fn refresh_tiles(&mut self, part: u32, size: u32, twips: u32, at: &[(i64, i64)]) {
        self.send(tiles_message(part, size, twips, at).arg("refresh", 1))
            .await;
    }

    /// Asks for tiles announcing that this client applies tile deltas (`delta=1`), with
    /// `refresh=1` when it holds them: changed ones may come back as deltas.
    pub async fn delta_tiles(
        &mut self,
        part: u32,
        size: u32,
        twips: u32,
        at: &[(i64, i64)],
        refresh: bool,
    ) {
        let mut message = tiles_message(part, size, twips, at).arg("delta", 1);
        if refresh {
            message = message.arg("refresh", 1);
        }
        self.send(message).await;
    }

    /// A save (not overwriting a newer stored file) that must end with the document stored
    /// (`save=idle`): its final `doc-state`.
    pub async fn save_stored(&mut self) -> Incoming {
        let saved = self.save(false).await;
        assert_eq!(saved.get("save"), Some("idle"), "[{}] {saved}", self.label);
        saved
    }

    /// Sends `save` (or `save overwrite=1`) and waits for the save to end: the `doc-state`
    /// after `saving` that is not `saving`. Returns it.
    pub async fn save(&mut self, overwrite: bool) -> Incoming {
        let mut save = Message::new("save");
        if overwrite {
            save = save.arg("overwrite", 1);
        }
        self.send(save).await;
        self.wait_for("save=saving", |m| {
            m.is("doc-state") && m.get("save") == Some("saving")
        })
        .await;
        self.wait_for("the end of the save", |m| {
            m.is("doc-state") && m.get("save") != Some("saving")
        })
        .await
    }
}

fn tiles_message(part: u32, size: u32, twips: u32, at: &[(i64, i64)]) -> Message {
    let at: Vec<String> = at.iter().map(|(x, y)| format!("{x}:{y}")).collect();
    Message::new("tiles")
        .arg("part", part)
        .arg("width", size)
        .arg("height", size)
        .arg("tw", twips)
        .arg("th", twips)
        .arg("at", at.join(","))
}
