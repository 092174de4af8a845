//! The `[cluster]` section of `oxool.toml`: the other oxool servers behind the same load
//! balancer (docs/cluster.md). wsd alone reads it; it lives here beside `[kit]` so that every
//! setting has one definition with its default.

use serde::{Deserialize, Serialize};

/// The `[cluster]` section.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterSettings {
    /// Base URLs (`http://10.0.0.2:9980`) of the other oxool servers of the cluster. When a
    /// document's WOPI lock is held by another oxool server, wsd asks them (their
    /// `/hosting/capabilities`) whether its holder still runs: if one does, the document is
    /// refused here (`lock-conflict`, retry); if none does, the holder died or restarted and
    /// the lock is taken over. Empty: this server is the only one, and an oxool lock not its
    /// own is a previous run's.
    pub peers: Vec<String>,
}

impl ClusterSettings {
    /// Range and form checks serde cannot express: `(key, reason)`.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        for peer in &self.peers {
            let scheme_ok = peer.starts_with("http://") || peer.starts_with("https://");
            if !scheme_ok || peer.contains('?') || peer.contains('#') {
                return Err((
                    "cluster.peers",
                    format!("{peer:?} is not a base URL like \"http://10.0.0.2:9980\""),
                ));
            }
        }
        Ok(())
    }

    /// A peer's URL for `path` (which starts with `/`).
    pub fn peer_url(peer: &str, path: &str) -> String {
        format!("{}{path}", peer.trim_end_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peers_must_be_base_urls() {
        let ok = ClusterSettings {
            peers: vec!["http://10.0.0.2:9980".into(), "https://b.example/".into()],
        };
        assert_eq!(ok.validate(), Ok(()));
        for bad in ["10.0.0.2:9980", "http://h/?x=1", "ftp://h"] {
            let settings = ClusterSettings {
                peers: vec![bad.into()],
            };
            assert_eq!(settings.validate().unwrap_err().0, "cluster.peers", "{bad}");
        }
        assert_eq!(
            ClusterSettings::peer_url("https://b.example/", "/hosting/capabilities"),
            "https://b.example/hosting/capabilities"
        );
    }

    /// docs/config.md and etc/oxool.toml show the section's keys with their defaults.
    #[test]
    fn the_documentation_shows_every_key() {
        let docs = crate::tests::repo_file("docs/config.md");
        let packaged = crate::tests::repo_file("etc/oxool.toml");
        assert!(docs.contains("\n## `[cluster]`"), "docs/config.md");
        assert!(docs.contains("| `peers` | `[]` |"), "docs/config.md");
        assert!(packaged.contains("\n[cluster]\n"), "etc/oxool.toml");
        assert!(packaged.contains("\n# peers = []\n"), "etc/oxool.toml");
    }
}
