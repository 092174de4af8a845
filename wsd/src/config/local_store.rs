//! The `[local_store]` section of oxool.toml.

use std::path::PathBuf;

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LocalStoreConfig {
    /// The directory whose documents the built-in store serves; unset = no local store.
    pub root: Option<PathBuf>,
    /// When `root` is empty at start, copy the documents of this directory into it.
    pub samples: Option<PathBuf>,
    /// The URL clients reach wsd at (for WOPISrc links); unset = the request's Host.
    pub public_url: Option<String>,
    /// The largest document a PutFile may store, in MiB.
    pub max_file_mb: u64,
    /// Where the key that signs access tokens is kept, so that tokens outlive a restart
    /// (token_key.rs); created on first start.
    pub token_key_file: PathBuf,
}

impl Default for LocalStoreConfig {
    fn default() -> Self {
        LocalStoreConfig {
            root: None,
            samples: None,
            public_url: None,
            max_file_mb: 256,
            token_key_file: PathBuf::from("/var/lib/oxool/local-store.key"),
        }
    }
}
