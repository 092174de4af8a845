//! Draining: this server stops taking new documents while the ones open here carry on, so that
//! a load balancer sends new documents to other servers before this one is stopped
//! (docs/cluster.md). `oxoolctl drain` starts it, `oxoolctl resume` ends it, and SIGTERM drains
//! before it stores and closes every document.
//!
//! A balancer learns of it from `GET /cool/health` (200 `ok`, 503 `draining`): cheap, no
//! allow-list (it tells nothing but this), and answered as long as the listener is open.

use std::sync::atomic::{AtomicBool, Ordering};

use axum::http::StatusCode;
use axum::response::Response;

/// The `error kind=` of a document refused while draining; clients connect again (through the
/// balancer, which by then routes the document to another server).
pub const REFUSED_KIND: &str = "draining";

/// Whether this server takes new documents.
#[derive(Debug, Default)]
pub struct Drain {
    draining: AtomicBool,
}

impl Drain {
    /// Starts draining; false when it already was.
    pub fn start(&self) -> bool {
        !self.draining.swap(true, Ordering::Relaxed)
    }

    /// Takes new documents again; false when it was not draining.
    pub fn resume(&self) -> bool {
        self.draining.swap(false, Ordering::Relaxed)
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }

    /// What a client is told when its document would be opened here while draining.
    pub fn refusal_message() -> String {
        "this server is draining and opens no new documents; connect again \
         (a load balancer sends the document to another server)"
            .into()
    }
}

/// `GET /cool/health`: 200 `ok`, or 503 `draining` (a balancer takes this server out).
pub fn health(drain: &Drain) -> Response {
    let (status, text) = if drain.is_draining() {
        (StatusCode::SERVICE_UNAVAILABLE, "draining\n")
    } else {
        (StatusCode::OK, "ok\n")
    };
    crate::response::with_type_and_caching("text/plain; charset=utf-8", "no-store", (status, text))
}

#[cfg(test)]
mod tests {
    use super::Drain;

    #[test]
    fn draining_starts_and_resumes_once() {
        let drain = Drain::default();
        assert!(!drain.is_draining());
        assert!(drain.start());
        assert!(!drain.start());
        assert!(drain.is_draining());
        assert!(drain.resume());
        assert!(!drain.resume());
        assert!(!drain.is_draining());
    }
}
