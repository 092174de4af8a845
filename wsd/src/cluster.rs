//! One document, one host (docs/cluster.md): the WOPI lock is the arbiter between the oxool
//! servers of a cluster. A server's lock ids name it (`oxool-<server id>-<random>`, the server
//! id being `serverId` of its `/hosting/capabilities`), so a server that finds a document
//! locked knows which server holds it, and asks its peers (`[cluster] peers`) whether that
//! server still runs:
//!
//! - it runs: the document is open there; opening a second editing copy here would make two
//!   writers of one file, so the load is refused with `lock-conflict` (the client retries; the
//!   balancer routes it to the holder, or the holder has closed the document by then);
//! - no peer runs it (it died, or restarted with a new id): its lock is taken over in one step
//!   (WOPI UnlockAndRelock) and the document opens here from storage;
//! - a peer did not answer: nobody can tell, so the load is refused, as if it ran.
//!
//! A lock that is not an oxool server's (a desktop application's, an older oxool's) is left to
//! the old rule: the document opens and saving reports the conflict until the lock is gone.

use std::sync::OnceLock;
use std::time::Duration;

use oxool_settings::cluster::ClusterSettings;

/// Every lock id of an oxool server starts so.
const LOCK_PREFIX: &str = "oxool-";
/// How long a peer may take to say which server it is.
const PEER_TIMEOUT: Duration = Duration::from_secs(3);

/// This process's id: `serverId` in `/hosting/capabilities`, the middle of its lock ids. Random
/// per start, so a restarted server is another holder than its previous run.
pub fn server_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| format!("{:08x}", rand::random::<u32>()))
}

/// A new lock id of this server.
pub fn new_lock_id() -> String {
    format!(
        "{LOCK_PREFIX}{}-{:016x}{:016x}",
        server_id(),
        rand::random::<u64>(),
        rand::random::<u64>()
    )
}

/// Who holds a lock, from its id.
#[derive(Debug, PartialEq, Eq)]
pub enum LockHolder<'a> {
    ThisServer,
    /// Another oxool server (or a previous run of this one), by its server id.
    OxoolServer(&'a str),
    /// Not an oxool server's lock, or none was named.
    Unknown,
}

pub fn holder_of(lock_id: &str) -> LockHolder<'_> {
    let Some((id, random)) = lock_id
        .strip_prefix(LOCK_PREFIX)
        .and_then(|rest| rest.split_once('-'))
    else {
        return LockHolder::Unknown;
    };
    let hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    if !hex(id) || !hex(random) {
        LockHolder::Unknown
    } else if id == server_id() {
        LockHolder::ThisServer
    } else {
        LockHolder::OxoolServer(id)
    }
}

/// What to do about a document locked by someone else.
#[derive(Debug, PartialEq, Eq)]
pub enum LockVerdict {
    /// The holder is gone: replace its lock by ours (UnlockAndRelock).
    TakeOver { old_lock_id: String },
    /// The holder runs, or may: refuse the document here, with this message.
    Refuse(String),
    /// Not an oxool server's lock: open, and let saving report the conflict.
    OpenAnyway,
}

/// Whether a peer runs a server id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PeerAnswer {
    RunsIt,
    RunsAnother,
    /// No answer in time, or one that is not a capabilities document: it may run it.
    Unknown,
}

/// Decides about other servers' locks; asks the peers over HTTP.
pub struct LockArbiter {
    peers: Vec<String>,
    http: reqwest::Client,
}

impl LockArbiter {
    pub fn new(settings: &ClusterSettings) -> LockArbiter {
        let http = reqwest::Client::builder()
            .timeout(PEER_TIMEOUT)
            .connect_timeout(PEER_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        if settings.peers.is_empty() {
            tracing::debug!("[cluster] peers is empty: this server assumes it is the only one");
        }
        LockArbiter {
            peers: settings.peers.clone(),
            http,
        }
    }

    /// What to do about `current_lock`, the lock the WOPI host says a document has.
    pub async fn verdict(&self, current_lock: Option<&str>) -> LockVerdict {
        let Some(lock) = current_lock.filter(|l| !l.is_empty()) else {
            return LockVerdict::OpenAnyway;
        };
        let holder = match holder_of(lock) {
            LockHolder::Unknown => return LockVerdict::OpenAnyway,
            // One broker per document here: ours is a lock a closed broker left behind.
            LockHolder::ThisServer => {
                return LockVerdict::TakeOver {
                    old_lock_id: lock.to_string(),
                }
            }
            LockHolder::OxoolServer(id) => id,
        };
        let mut unknown = 0;
        for peer in &self.peers {
            match self.ask(peer, holder).await {
                PeerAnswer::RunsIt => {
                    return LockVerdict::Refuse(format!(
                        "the document is open on another server of this cluster ({peer}); \
                         try again in a few seconds"
                    ))
                }
                PeerAnswer::RunsAnother => {}
                PeerAnswer::Unknown => unknown += 1,
            }
        }
        if unknown > 0 {
            return LockVerdict::Refuse(
                "the document is locked by another oxool server that cannot be reached now; \
                 try again later"
                    .into(),
            );
        }
        tracing::warn!(
            holder,
            "the document's lock belongs to an oxool server that no longer runs; taking it over"
        );
        LockVerdict::TakeOver {
            old_lock_id: lock.to_string(),
        }
    }

    async fn ask(&self, peer: &str, server_id: &str) -> PeerAnswer {
        let url = ClusterSettings::peer_url(peer, "/hosting/capabilities");
        let response = match self.http.get(&url).send().await {
            Ok(response) => response,
            // Nothing listens there: a server that died holds nothing any more.
            Err(error) if error.is_connect() && !error.is_timeout() => {
                return PeerAnswer::RunsAnother
            }
            Err(error) => {
                tracing::warn!(peer, %error, "a cluster peer did not answer");
                return PeerAnswer::Unknown;
            }
        };
        let Ok(capabilities) = response.json::<serde_json::Value>().await else {
            return PeerAnswer::Unknown;
        };
        match capabilities.get("serverId").and_then(|v| v.as_str()) {
            Some(id) if id == server_id => PeerAnswer::RunsIt,
            Some(_) => PeerAnswer::RunsAnother,
            None => PeerAnswer::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_ids_name_their_server() {
        let ours = new_lock_id();
        assert_eq!(holder_of(&ours), LockHolder::ThisServer);
        assert_ne!(ours, new_lock_id());
        assert_eq!(
            holder_of("oxool-00000000deadbeef-0123456789abcdef"),
            LockHolder::OxoolServer("00000000deadbeef")
        );
        // An older oxool's ids (no server id), other applications', garbage.
        for other in [
            "oxool-0123456789abcdef0123456789abcdef",
            "{A1B2-C3}",
            "oxool--1",
            "oxool-zz-11",
            "",
        ] {
            assert_eq!(holder_of(other), LockHolder::Unknown, "{other}");
        }
    }

    #[tokio::test]
    async fn a_server_alone_takes_over_locks_of_its_previous_runs() {
        let arbiter = LockArbiter::new(&ClusterSettings::default());
        assert_eq!(arbiter.verdict(None).await, LockVerdict::OpenAnyway);
        assert_eq!(
            arbiter.verdict(Some("word-lock")).await,
            LockVerdict::OpenAnyway
        );
        let previous_run = "oxool-00000000deadbeef-01";
        assert_eq!(
            arbiter.verdict(Some(previous_run)).await,
            LockVerdict::TakeOver {
                old_lock_id: previous_run.into()
            }
        );
    }

    #[tokio::test]
    async fn a_peer_that_is_down_holds_nothing_and_one_that_hangs_may() {
        // A port nothing listens on: refused at once.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let down = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        let arbiter = LockArbiter::new(&ClusterSettings {
            peers: vec![down.clone()],
        });
        let lock = "oxool-00000000deadbeef-01";
        assert!(matches!(
            arbiter.verdict(Some(lock)).await,
            LockVerdict::TakeOver { .. }
        ));
        // A peer that accepts and never answers: unknown, so refuse.
        let hanging = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let arbiter = LockArbiter::new(&ClusterSettings {
            peers: vec![down, format!("http://{}", hanging.local_addr().unwrap())],
        });
        assert!(matches!(
            arbiter.verdict(Some(lock)).await,
            LockVerdict::Refuse(_)
        ));
    }
}
