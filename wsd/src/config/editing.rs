//! `[editing]` and `[browser]` in oxool.toml: how documents are edited and saved, and where
//! the web client's files are. Documented in etc/oxool.toml and docs/config.md.

use std::path::PathBuf;
use std::time::Duration;

use oxool_proto::limits::MAX_VIEWS;
use serde::Deserialize;

use super::{at_least_one, within, Invalid};

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EditingConfig {
    /// Open documents at once (one kit each); a `load` beyond gets `kit-unavailable`.
    pub max_documents: usize,
    /// Sessions of one document (one LibreOffice view each; the kit allows `MAX_VIEWS`).
    pub max_sessions_per_document: usize,
    /// Deadline for fetching a document and loading it in a kit.
    pub load_timeout_secs: u64,
    /// Save a modified document this often (0: never on a timer).
    pub autosave_secs: u64,
    /// Save a modified document this long after the last input (0: never).
    pub idle_save_secs: u64,
    /// Renew the WOPI lock this often (locks expire after 30 minutes).
    pub lock_refresh_secs: u64,
    /// On SIGTERM, how long wsd waits for modified documents to be stored.
    pub shutdown_timeout_secs: u64,
    /// Input messages (key, text, mouse, uno) per second and session, and the burst allowed.
    pub input_rate_per_sec: u32,
    pub input_burst: u32,
    /// Keep one kit that has warmed LibreOffice up in reserve for the next document opened
    /// (wsd/src/kit/warm.rs): the first tile comes ~200 ms sooner, for one idle kit's memory.
    pub warm_kit: bool,
    /// Where checkpoints of modified documents are kept (wsd/src/recovery/), mode 0700.
    pub recovery_dir: PathBuf,
    /// Checkpoint a modified document this long after input stopped.
    pub checkpoint_idle_ms: u64,
    /// During continuous input, checkpoint at least this often (0: no checkpoints at all).
    /// Stretched for documents whose save is slow, so checkpoints stay under ~10 % of a core.
    pub checkpoint_max_secs: u64,
    /// The recovery directory's bound; when full, new checkpoints are refused (loudly) and
    /// the older ones kept.
    pub recovery_max_mb: u64,
    /// A tile request joins the same tile's request in flight to the kit (tile_sharing.rs):
    /// one paint per invalidated tile for all the sessions of a document.
    pub share_tiles: bool,
    /// Input since the newest checkpoint is journaled and replayed after a kit crash
    /// (replay.rs).
    pub replay_journal: bool,
}

impl Default for EditingConfig {
    fn default() -> Self {
        EditingConfig {
            max_documents: 200,
            max_sessions_per_document: MAX_VIEWS,
            load_timeout_secs: 60,
            autosave_secs: 300,
            idle_save_secs: 30,
            lock_refresh_secs: 900,
            shutdown_timeout_secs: 60,
            input_rate_per_sec: 200,
            input_burst: 400,
            warm_kit: true,
            recovery_dir: PathBuf::from("/var/lib/oxool/recovery"),
            checkpoint_idle_ms: 2000,
            checkpoint_max_secs: 10,
            recovery_max_mb: 2048,
            share_tiles: true,
            replay_journal: true,
        }
    }
}

impl EditingConfig {
    pub fn validate(&self) -> Result<(), Invalid> {
        at_least_one("editing.max_documents", self.max_documents)?;
        within(
            "editing.max_sessions_per_document",
            self.max_sessions_per_document,
            1..=MAX_VIEWS,
            "the most views a kit opens",
        )?;
        at_least_one("editing.load_timeout_secs", self.load_timeout_secs)?;
        within(
            "editing.lock_refresh_secs",
            self.lock_refresh_secs,
            60..=1800,
            "WOPI locks expire after 30 minutes",
        )?;
        at_least_one("editing.shutdown_timeout_secs", self.shutdown_timeout_secs)?;
        if self.input_rate_per_sec == 0 || self.input_burst < self.input_rate_per_sec {
            return Err((
                "editing.input_burst",
                "input_rate_per_sec must be at least 1 and input_burst at least the rate".into(),
            ));
        }
        at_least_one("editing.recovery_max_mb", self.recovery_max_mb)?;
        Ok(())
    }

    /// Whether documents are checkpointed (`checkpoint_max_secs` 0 turns it off).
    pub fn checkpoints(&self) -> bool {
        self.checkpoint_max_secs > 0
    }

    pub fn load_timeout(&self) -> Duration {
        Duration::from_secs(self.load_timeout_secs)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BrowserConfig {
    /// The web client's files, served under `/browser/dist/`.
    pub root: PathBuf,
}

impl Default for BrowserConfig {
    fn default() -> Self {
        BrowserConfig {
            root: PathBuf::from("/usr/share/oxool/browser"),
        }
    }
}
