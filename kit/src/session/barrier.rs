//! Waiting until LibreOffice has applied the input posted so far.
//!
//! LibreOffice applies key and mouse events asynchronously: `postKeyEvent` only queues a VCL
//! user event, which LibreOffice's main thread runs later, and a keyboard shortcut queues one
//! more event for its command. What the kit does synchronously (`saveAs`, reading the
//! selection) would otherwise see the document before the last keystrokes: a save right after
//! typing would miss them, and wsd would count them as stored.
//!
//! The barrier is a UNO command dispatched with `SynchronMode=false`: LibreOffice queues it as
//! a user event too, behind everything posted before, and reports `UNO_COMMAND_RESULT` when it
//! runs. `.uno:ModifiedStatus` is a status-only slot, so running it changes nothing. Two rounds
//! cover a shortcut's own queued command. The callback is swallowed here (see [`Barrier::observe`]),
//! so wsd never sees it.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crate::lok::enums::callback;
use crate::lok::{CallbackEvent, Document, LokError};

const COMMAND: &str = ".uno:ModifiedStatus";
const ARGUMENTS: &str = r#"{"SynchronMode":{"type":"boolean","value":false}}"#;
/// A barrier that LibreOffice has not run by then is given up (the save goes ahead).
const TIMEOUT: Duration = Duration::from_secs(5);

/// Shared between the request loop (which waits) and LibreOffice's callback thread.
#[derive(Clone, Default)]
pub struct Barrier {
    passed: Arc<(Mutex<u64>, Condvar)>,
}

impl Barrier {
    /// On LibreOffice's thread: true when `event` is a barrier's result (and must not be
    /// forwarded).
    pub fn observe(&self, event: &CallbackEvent) -> bool {
        let ours = event.kind == callback::UNO_COMMAND_RESULT
            && event.payload.contains(&format!("\"{COMMAND}\""));
        if ours {
            let (count, signal) = &*self.passed;
            *count.lock().unwrap_or_else(|e| e.into_inner()) += 1;
            signal.notify_all();
        }
        ours
    }

    /// Returns once LibreOffice ran everything posted before (twice round its queue), or after
    /// the timeout. The current view must be the one whose callbacks reach [`Barrier::observe`].
    pub fn settle(&self, document: &Document) -> Result<bool, LokError> {
        for _ in 0..2 {
            let (count, signal) = &*self.passed;
            let before = *count.lock().unwrap_or_else(|e| e.into_inner());
            document.post_uno_command(COMMAND, Some(ARGUMENTS), true)?;
            let guard = count.lock().unwrap_or_else(|e| e.into_inner());
            let (_guard, timeout) = signal
                .wait_timeout_while(guard, TIMEOUT, |now| *now == before)
                .unwrap_or_else(|e| e.into_inner());
            if timeout.timed_out() {
                return Ok(false);
            }
        }
        Ok(true)
    }
}
