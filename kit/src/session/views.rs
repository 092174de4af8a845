//! wsd's sessions as LibreOffice views: one LOK view per `view-open`, the first one reusing the
//! view the document loaded with.
//!
//! A closed session's view is parked, not destroyed, and the next `view-open` takes it again.
//! LibreOffice 7.4 crashes when a view is destroyed while another view's callback queue still
//! holds a cursor update that came from it: `CallbackFlushHandler::enqueueUpdatedTypes` looks
//! the source view up, finds nothing and calls through the null pointer (fixed in later
//! versions by skipping such updates). Every keystroke of another user queues such updates for
//! every view, so no moment is safe to destroy one while others type. A parked view costs a
//! little memory, at most as many views as the document ever had at once; its events reach no
//! session (the forwarder knows no name for it) and clients draw no marks for a view that is
//! not in the user list.

use std::collections::{BTreeMap, HashSet};

use serde_json::json;

use super::events::{CallbackQueue, ViewNames};
use crate::lok::{Document, LokError};

/// More sessions than this on one document is a bug or an attack, not co-editing.
pub use oxool_proto::limits::MAX_VIEWS;
/// The longest session id and user name a kit keeps.
pub const MAX_VIEW_ID_LEN: usize = 128;
pub const MAX_USER_LEN: usize = 256;

#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    #[error("view {0:?} is already open")]
    AlreadyOpen(String),
    #[error("no view {0:?} is open")]
    Unknown(String),
    #[error("this document already has {MAX_VIEWS} views")]
    TooMany,
    #[error("LibreOffice returned view {0}, which another session already uses (a document type without a second view)")]
    NoNewView(i32),
    #[error("LibreOffice failed to {step}: {source}")]
    Lok {
        step: &'static str,
        #[source]
        source: LokError,
    },
}

fn lok(step: &'static str) -> impl FnOnce(LokError) -> ViewError {
    move |source| ViewError::Lok { step, source }
}

/// One open session.
#[derive(Debug, Clone)]
pub struct View {
    pub lok_view: i32,
    pub readonly: bool,
    pub user: String,
}

pub struct Views {
    open: BTreeMap<String, View>,
    /// LOK views that no session uses: the one the document loaded with, until the first
    /// `view-open`, and those of sessions that closed (see the module's note).
    parked: Vec<i32>,
    /// LOK views whose callbacks are registered (registration lasts as long as the view).
    registered: HashSet<i32>,
    /// The forwarder's copy of lok view → session id.
    names: ViewNames,
}

impl Views {
    pub fn new(loaded_view: i32, names: ViewNames) -> Self {
        Views {
            open: BTreeMap::new(),
            parked: vec![loaded_view],
            registered: HashSet::new(),
            names,
        }
    }

    pub fn count(&self) -> usize {
        self.open.len()
    }

    /// A LOK view whose callbacks reach the queue (for a command whose result the kit awaits),
    /// if any session ever opened one.
    pub fn registered_view(&self) -> Option<i32> {
        self.registered.iter().min().copied()
    }

    pub fn get(&self, id: &str) -> Result<&View, ViewError> {
        self.open
            .get(id)
            .ok_or_else(|| ViewError::Unknown(id.to_string()))
    }

    /// Opens a view for session `id`, registers its callbacks and prepares it for rendering.
    pub fn open(
        &mut self,
        document: &mut Document,
        queue: &CallbackQueue,
        id: &str,
        readonly: bool,
        user: &str,
    ) -> Result<i32, ViewError> {
        if self.open.contains_key(id) {
            return Err(ViewError::AlreadyOpen(id.to_string()));
        }
        if self.open.len() >= MAX_VIEWS {
            return Err(ViewError::TooMany);
        }
        let lok_view = match self.parked.pop() {
            Some(view) => view,
            None => {
                let view = document.create_view().map_err(lok("create a view"))?;
                if self.open.values().any(|v| v.lok_view == view) {
                    return Err(ViewError::NoNewView(view));
                }
                view
            }
        };
        document
            .set_view(lok_view)
            .map_err(lok("select the view"))?;
        // The author name shows on other views' cursors, comments and tracked changes. Spelling
        // is checked as the user types (red underlines); LibreOffice's tiled views default to off.
        let rendering = json!({
            ".uno:Author": {"type": "string", "value": user},
            ".uno:SpellOnline": {"type": "boolean", "value": true},
        })
        .to_string();
        document
            .initialize_for_rendering(&rendering)
            .map_err(lok("prepare the view for rendering"))?;
        // Name the view for the forwarder before LibreOffice can send its first event.
        if let Ok(mut names) = self.names.lock() {
            names.insert(lok_view, id.to_string());
        }
        if self.registered.insert(lok_view) {
            let queue = queue.clone();
            document
                .register_callback(move |event| queue.push(event))
                .map_err(lok("register the view's callback"))?;
        }
        // LibreOffice 7.4 opens every view with its sidebar shown but never sends the sidebar's
        // widget tree (the sidebar exists before the view's callback does), only a stream of
        // updates to it: no client can use those. Hidden, it costs nothing until a client
        // sends `.uno:SidebarShow`, which then brings the whole tree (docs/protocol.md).
        if let Err(error) = document.post_uno_command(".uno:SidebarHide", None, false) {
            eprintln!("oxool-kit: cannot hide the sidebar of a new view: {error}");
        }
        self.open.insert(
            id.to_string(),
            View {
                lok_view,
                readonly,
                user: user.to_string(),
            },
        );
        Ok(lok_view)
    }

    /// Closes session `id`'s view: it is parked for the next session, never destroyed (see the
    /// module's note).
    pub fn close(&mut self, id: &str) -> Result<(), ViewError> {
        let view = self
            .open
            .remove(id)
            .ok_or_else(|| ViewError::Unknown(id.to_string()))?;
        if let Ok(mut names) = self.names.lock() {
            names.remove(&view.lok_view);
        }
        self.parked.push(view.lok_view);
        Ok(())
    }
}
