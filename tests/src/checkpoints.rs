//! Reading wsd's recovery directory (`editing.recovery_dir`, wsd/src/recovery/) from tests.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::editing_setup::open_writer;
use crate::eventually::poll_every_async;
use crate::server::Server;
use crate::wopi_host::WopiHost;
use crate::ws::{Incoming, WsClient};

/// One checkpoint on disk: its metadata and the document file it names.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    pub dir: PathBuf,
    pub meta: Value,
    pub document: Vec<u8>,
}

impl Checkpoint {
    pub fn generation(&self) -> u64 {
        self.meta["generation"].as_u64().unwrap_or(0)
    }
}

/// Every complete checkpoint under `recovery_dir` (metadata and the file it names).
pub fn checkpoints(recovery_dir: &Path) -> Vec<Checkpoint> {
    let Ok(entries) = std::fs::read_dir(recovery_dir) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let dir = entry.path();
        let Ok(json) = std::fs::read(dir.join("checkpoint.json")) else {
            continue;
        };
        let Ok(meta) = serde_json::from_slice::<Value>(&json) else {
            continue;
        };
        let Some(name) = meta["document"].as_str() else {
            continue;
        };
        if let Ok(document) = std::fs::read(dir.join(name)) {
            found.push(Checkpoint {
                dir,
                meta,
                document,
            });
        }
    }
    found
}

/// The `[editing]` settings (TOML lines) for a checkpoint after `idle_ms` without input, and at
/// most `max_secs` apart during continuous input.
pub fn checkpointing(idle_ms: u64, max_secs: u64) -> String {
    format!("checkpoint_idle_ms = {idle_ms}\ncheckpoint_max_secs = {max_secs}")
}

/// Waits (without blocking the runtime) until `pick` finds something among the checkpoints.
pub async fn wait_for_checkpoint<T>(
    recovery_dir: &Path,
    deadline: Duration,
    mut pick: impl FnMut(&[Checkpoint]) -> Option<T>,
) -> Option<T> {
    let every = Duration::from_millis(100);
    poll_every_async(deadline, every, async || pick(&checkpoints(recovery_dir))).await
}

/// `client` saves to storage, which leaves its document unmodified, and the checkpoints go: none
/// is left in `recovery_dir` within `deadline`.
pub async fn save_removes_checkpoints(
    client: &mut WsClient,
    recovery_dir: &Path,
    deadline: Duration,
) {
    let saved = client.save(false).await;
    assert_eq!(saved.get("modified"), Some("0"), "{saved}");
    wait_for_checkpoint(recovery_dir, deadline, |c| c.is_empty().then_some(()))
        .await
        .expect("a checkpoint stays after storage has the edits");
}

/// The text of a checkpoint (converted by the server at `server_base` to txt).
pub fn checkpoint_text(server_base: &str, checkpoint: &Checkpoint) -> String {
    let name = checkpoint.meta["document"]
        .as_str()
        .unwrap_or("checkpoint.docx");
    let answer = crate::http::convert(server_base, name, &checkpoint.document, "txt")
        .unwrap_or_else(|e| panic!("convert-to txt of a checkpoint: {e}"));
    assert_eq!(
        answer.status,
        200,
        "convert-to of a checkpoint: {}",
        answer.text()
    );
    String::from_utf8_lossy(&answer.body).into_owned()
}

/// The kit of the document wsd loaded or reopened last, from wsd's log (the pid the host
/// sees, as forkit's SpawnKit gave it).
pub fn last_document_kit(wsd_log: &str) -> Option<u32> {
    strip_colors(wsd_log)
        .lines()
        .rev()
        .filter(|line| line.contains("document loaded") || line.contains("was reopened"))
        .find_map(|line| {
            let (_, rest) = line.split_once("kit_pid=")?;
            rest.split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        })
}

/// The log without its terminal colour codes (`ESC [ … m`).
pub fn strip_colors(log: &str) -> String {
    let mut plain = String::with_capacity(log.len());
    let mut chars = log.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}

/// SIGKILL to a process of a test's own server.
pub fn kill_9(pid: u32) {
    // SAFETY: kill(2) with a pid the test's own server reported; no memory is involved.
    let rc = unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    assert_eq!(rc, 0, "kill -9 {pid}: {}", std::io::Error::last_os_error());
}

/// Waits for the `close` a session gets when its kit ended, then for the connection to end:
/// that `close`.
pub async fn closed_with(client: &mut WsClient) -> Incoming {
    let close = client
        .wait_for("close after the kit ended", |m| m.is("close"))
        .await;
    client.wait_closed().await;
    close
}

/// `user` opens document `name` again after its kit died: the new session, and the
/// `recovered` message it got (looked for from the session's start).
pub async fn reopen_recovered(
    server: &Server,
    host: &WopiHost,
    name: &str,
    user: &str,
) -> (WsClient, Incoming) {
    let mut again = open_writer(server, host, name, user).await;
    again.rewind_to(0);
    let recovered = again.wait_for("recovered", |m| m.is("recovered")).await;
    (again, recovered)
}
