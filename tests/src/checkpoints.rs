//! Reading wsd's recovery directory (`editing.recovery_dir`, wsd/src/recovery/) from tests.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

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

/// Waits (without blocking the runtime) until `pick` finds something among the checkpoints.
pub async fn wait_for_checkpoint<T>(
    recovery_dir: &Path,
    deadline: Duration,
    mut pick: impl FnMut(&[Checkpoint]) -> Option<T>,
) -> Option<T> {
    let until = Instant::now() + deadline;
    loop {
        if let Some(found) = pick(&checkpoints(recovery_dir)) {
            return Some(found);
        }
        if Instant::now() >= until {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
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
