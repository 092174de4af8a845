//! UNO commands the kit dispatches itself and waits for: the input barrier and `.uno:Save`.
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
//! cover a shortcut's own queued command.
//!
//! [`Barrier::dispatch_and_wait`] is the same mechanism for any command in [`AWAITED`]: the
//! save of a password-protected document (`.uno:Save`, see `Session::save`) runs this way.
//! The results of these commands are swallowed here (see [`Barrier::observe`]), so wsd never
//! sees them.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crate::lok::enums::callback;
use crate::lok::{CallbackEvent, Document, LokError};

const BARRIER: &str = ".uno:ModifiedStatus";
/// Saving the document to its own location (keeps its encryption; `Session::save`).
pub const SAVE: &str = ".uno:Save";
/// Inserting an image the kit wrote into its jail (images.rs): the file is removed once
/// LibreOffice has read it.
pub const INSERT_GRAPHIC: &str = ".uno:InsertGraphic";
/// The commands whose results the kit waits for and keeps from wsd. A client cannot dispatch
/// them (`.uno:Save` is not wsd's to forward either): their results would be mistaken for
/// the kit's own.
pub const AWAITED: &[&str] = &[BARRIER, SAVE, INSERT_GRAPHIC];
const ASYNCHRONOUS: &str = r#"{"SynchronMode":{"type":"boolean","value":false}}"#;
/// A barrier that LibreOffice has not run by then is given up (the save goes ahead).
const TIMEOUT: Duration = Duration::from_secs(5);

/// Per awaited command: how many results arrived, and the last one's payload.
type Results = HashMap<&'static str, (u64, String)>;

/// Shared between the request loop (which waits) and LibreOffice's callback thread.
#[derive(Clone, Default)]
pub struct Barrier {
    results: Arc<(Mutex<Results>, Condvar)>,
}

impl Barrier {
    /// On LibreOffice's thread: true when `event` is the result of an awaited command (and
    /// must not be forwarded).
    pub fn observe(&self, event: &CallbackEvent) -> bool {
        if event.kind != callback::UNO_COMMAND_RESULT {
            return false;
        }
        let Some(command) = command_name(&event.payload) else {
            return false;
        };
        let (results, signal) = &*self.results;
        let mut results = results.lock().unwrap_or_else(|e| e.into_inner());
        let entry = results.entry(command).or_default();
        entry.0 += 1;
        entry.1.clone_from(&event.payload);
        signal.notify_all();
        true
    }

    /// Returns once LibreOffice ran everything posted before (twice round its queue), or after
    /// the timeout. The current view must be the one whose callbacks reach [`Barrier::observe`].
    pub fn settle(&self, document: &Document) -> Result<bool, LokError> {
        for _ in 0..2 {
            if self
                .dispatch_and_wait(document, BARRIER, ASYNCHRONOUS, TIMEOUT)?
                .is_none()
            {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Dispatches `command` (one of [`AWAITED`]) with `arguments` (a JSON object that should
    /// hold `SynchronMode=false`, so the command queues behind posted input) and waits for its
    /// `UNO_COMMAND_RESULT`: its payload, or `None` after `timeout`. The current view must be
    /// one whose callbacks reach [`Barrier::observe`].
    pub fn dispatch_and_wait(
        &self,
        document: &Document,
        command: &'static str,
        arguments: &str,
        timeout: Duration,
    ) -> Result<Option<String>, LokError> {
        debug_assert!(AWAITED.contains(&command));
        let (results, signal) = &*self.results;
        let count = |results: &Results| results.get(command).map(|r| r.0);
        let before = count(&results.lock().unwrap_or_else(|e| e.into_inner()));
        document.post_uno_command(command, Some(arguments), true)?;
        let guard = results.lock().unwrap_or_else(|e| e.into_inner());
        let (guard, wait) = signal
            .wait_timeout_while(guard, timeout, |now| count(now) == before)
            .unwrap_or_else(|e| e.into_inner());
        if wait.timed_out() {
            return Ok(None);
        }
        Ok(guard.get(command).map(|(_, payload)| payload.clone()))
    }
}

/// The awaited command a result names, if any.
fn command_name(payload: &str) -> Option<&'static str> {
    // Cheap test first: every result passes through here on LibreOffice's thread.
    if !AWAITED.iter().any(|c| payload.contains(c)) {
        return None;
    }
    let json: serde_json::Value = serde_json::from_str(payload).ok()?;
    let name = json.get("commandName")?.as_str()?;
    AWAITED.iter().copied().find(|c| *c == name)
}

/// Whether a result payload reports success (`"success": true`; LibreOffice leaves the field
/// out when the dispatcher does not know).
pub fn succeeded(payload: &str) -> Option<bool> {
    let json: serde_json::Value = serde_json::from_str(payload).ok()?;
    match json.get("success")? {
        serde_json::Value::Bool(ok) => Some(*ok),
        serde_json::Value::String(ok) => Some(ok == "true"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_awaited_commands_are_recognised() {
        let save = r#"{"commandName":".uno:Save","success":true}"#;
        assert_eq!(command_name(save), Some(SAVE));
        assert_eq!(
            command_name(r#"{"commandName":".uno:ModifiedStatus"}"#),
            Some(BARRIER)
        );
        // A different command whose name starts like an awaited one.
        assert_eq!(command_name(r#"{"commandName":".uno:SaveAs"}"#), None);
        assert_eq!(command_name(r#"{"commandName":".uno:Bold"}"#), None);
        assert_eq!(command_name("not json .uno:Save"), None);
    }

    #[test]
    fn success_is_read_as_boolean_or_string() {
        assert_eq!(succeeded(r#"{"success":true}"#), Some(true));
        assert_eq!(succeeded(r#"{"success":"false"}"#), Some(false));
        assert_eq!(succeeded(r#"{"commandName":".uno:Save"}"#), None);
    }
}
