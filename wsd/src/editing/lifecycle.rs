//! Where a broker is in its life, as one value instead of flags that had to agree:
//!
//! ```text
//!  Open ──last session leaves──▶ Exiting ──stored──▶ Done
//!   ▲  ◀──a session joins again──┘                    ▲
//!   └──────── Close ──▶ Closing(reason, waiters) ──stored──┘
//! ```
//!
//! A kit that cannot be reopened, a reload from storage and a storage conflict resolved by a
//! copy also end in `Done`; `Done` keeps the close request so that its waiters learn the end.

use tokio::sync::oneshot;

/// `Close`: the reason given to sessions, and who waits for the end.
pub(super) struct CloseRequest {
    pub reason: &'static str,
    pub waiters: Vec<oneshot::Sender<()>>,
}

pub(super) enum Lifecycle {
    /// Sessions edit, or the first one is joining.
    Open,
    /// No session is left: the broker leaves once the document is stored.
    Exiting,
    /// Asked to close (shutdown, `oxoolctl close`, drain --close): store, then leave.
    Closing(CloseRequest),
    /// The broker's loop stops and it finishes (closes sessions, unlocks, releases the kit).
    Done(Option<CloseRequest>),
}

impl Lifecycle {
    /// Storing what is modified, then leaving: no session is left or a close was asked for.
    pub(super) fn is_leaving(&self) -> bool {
        matches!(self, Lifecycle::Exiting | Lifecycle::Closing(_))
    }

    pub(super) fn is_closing(&self) -> bool {
        matches!(self, Lifecycle::Closing(_))
    }

    /// A join must go to a new broker: this one is closing or ending.
    pub(super) fn refuses_joins(&self) -> bool {
        matches!(self, Lifecycle::Closing(_) | Lifecycle::Done(_))
    }

    pub(super) fn is_done(&self) -> bool {
        matches!(self, Lifecycle::Done(_))
    }

    /// The last session left (nothing changes while closing or done).
    pub(super) fn last_session_left(&mut self) {
        if matches!(self, Lifecycle::Open) {
            *self = Lifecycle::Exiting;
        }
    }

    /// A session joined: an exiting broker stays.
    pub(super) fn session_joined(&mut self) {
        if matches!(self, Lifecycle::Exiting) {
            *self = Lifecycle::Open;
        }
    }

    /// Adds `waiter` to the close request, making one if there is none.
    pub(super) fn close(&mut self, reason: &'static str, waiter: oneshot::Sender<()>) {
        match self {
            Lifecycle::Closing(request) | Lifecycle::Done(Some(request)) => {
                request.waiters.push(waiter)
            }
            Lifecycle::Done(none @ None) => {
                *none = Some(CloseRequest {
                    reason,
                    waiters: vec![waiter],
                })
            }
            Lifecycle::Open | Lifecycle::Exiting => {
                *self = Lifecycle::Closing(CloseRequest {
                    reason,
                    waiters: vec![waiter],
                })
            }
        }
    }

    /// The broker ends after its current command.
    pub(super) fn end(&mut self) {
        let request = match std::mem::replace(self, Lifecycle::Open) {
            Lifecycle::Closing(request) => Some(request),
            Lifecycle::Done(request) => request,
            Lifecycle::Open | Lifecycle::Exiting => None,
        };
        *self = Lifecycle::Done(request);
    }

    /// The close request the end answers, if any.
    pub(super) fn take_close_request(&mut self) -> Option<CloseRequest> {
        match self {
            Lifecycle::Closing(_) => match std::mem::replace(self, Lifecycle::Done(None)) {
                Lifecycle::Closing(request) => Some(request),
                _ => None,
            },
            Lifecycle::Done(request) => request.take(),
            Lifecycle::Open | Lifecycle::Exiting => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_close_request_survives_the_end_and_joins_keep_an_exiting_broker() {
        let mut life = Lifecycle::Open;
        life.last_session_left();
        assert!(life.is_leaving() && !life.refuses_joins());
        life.session_joined();
        assert!(matches!(life, Lifecycle::Open));
        let (first, _wait_first) = oneshot::channel();
        let (second, _wait_second) = oneshot::channel();
        life.close("shutdown", first);
        life.last_session_left();
        assert!(life.is_closing() && life.is_leaving() && life.refuses_joins());
        life.end();
        assert!(life.is_done() && !life.is_leaving());
        life.close("admin", second);
        let request = life.take_close_request().unwrap();
        assert_eq!((request.reason, request.waiters.len()), ("shutdown", 2));
    }
}
