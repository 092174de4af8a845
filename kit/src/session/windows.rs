//! Which view owns which of LibreOffice's own windows: painted dialogs and their child windows
//! (`LOK_CALLBACK_WINDOW`) and JSDialog widget trees (`LOK_CALLBACK_JSDIALOG`).
//!
//! A window belongs to the view in whose callbacks it first appeared (LibreOffice opens a
//! dialog for the view whose input asked for it); a child window (`parentId`: dropdowns,
//! tooltips) belongs to its parent's owner. The forwarder records it here as it forwards the
//! events, in order, and sends every later event about the window to the owner's session only.
//! The request loop reads it to refuse a session another view's window, and to close a
//! leaving view's windows before the view goes (a forgotten modal dialog would block nobody
//! else, but would stay open for the next session that reuses the view).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use serde::Deserialize;

use crate::lok::enums::callback;
use crate::lok::CallbackEvent;

/// LibreOffice's window ids (`LOKWindowId`) are unsigned 32-bit in every window call.
pub type WindowId = u32;

/// Shared by the forwarder (writes) and the request loop (reads, forgets a closed view's).
pub type SharedOwners = Arc<Mutex<WindowOwners>>;

/// How many closed windows are remembered (see [`WindowOwners::closed_in`]).
const REMEMBERED_CLOSES: usize = 64;

/// Window id → the LOK view that owns it.
#[derive(Debug, Default)]
pub struct WindowOwners {
    owners: HashMap<WindowId, i32>,
    /// The last windows that closed, with their owners, newest last.
    closed: VecDeque<(WindowId, i32)>,
}

/// The fields of a WINDOW or JSDIALOG payload that ownership needs; the rest is skipped
/// unparsed (a JSDialog tree may be megabytes).
///
/// A JSDialog full tree names `id` twice at its top level: first the dialog's .ui id
/// (`"TextImportCsvDialog"`), then, after the widgets, the window id. JSON parsers keep the
/// last, and so does this one (a derived struct would refuse the duplicate).
#[derive(Default)]
struct Head {
    id: Option<serde_json::Value>,
    action: Option<String>,
    parent_id: Option<serde_json::Value>,
}

impl<'de> Deserialize<'de> for Head {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Head, D::Error> {
        struct HeadVisitor;
        impl<'de> serde::de::Visitor<'de> for HeadVisitor {
            type Value = Head;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Head, A::Error> {
                let mut head = Head::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match key.as_ref() {
                        "id" => head.id = Some(map.next_value()?),
                        "action" => head.action = map.next_value()?,
                        "parentId" => head.parent_id = Some(map.next_value()?),
                        _ => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(head)
            }
        }
        deserializer.deserialize_map(HeadVisitor)
    }
}

/// A window id as LibreOffice writes it: a number, or a decimal number in a string.
fn window_id(value: &serde_json::Value) -> Option<WindowId> {
    match value {
        serde_json::Value::Number(n) => n.as_u64().and_then(|n| WindowId::try_from(n).ok()),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl WindowOwners {
    /// The forwarder's step for each event, in order: records windows that appear, forgets
    /// those that close, and names the LOK view whose session the event goes to (the owner's
    /// for events about a known window, the event's own otherwise).
    pub fn route(&mut self, event: &CallbackEvent) -> i32 {
        if event.kind != callback::WINDOW && event.kind != callback::JSDIALOG {
            return event.view;
        }
        let Ok(head) = serde_json::from_str::<Head>(&event.payload) else {
            return event.view;
        };
        // The sidebar's JSDialog messages carry id 0 in every view: no window of its own.
        let Some(id) = head.id.as_ref().and_then(window_id).filter(|id| *id != 0) else {
            return event.view;
        };
        match head.action.as_deref() {
            Some("close") => match self.owners.remove(&id) {
                Some(owner) => {
                    if self.closed.len() >= REMEMBERED_CLOSES {
                        self.closed.pop_front();
                    }
                    self.closed.push_back((id, owner));
                    owner
                }
                None => event.view,
            },
            Some("created") if event.kind == callback::WINDOW => {
                let parent = head.parent_id.as_ref().and_then(window_id);
                let owner = parent
                    .and_then(|p| self.owners.get(&p).copied())
                    .unwrap_or(event.view);
                self.owners.insert(id, owner);
                owner
            }
            // JSDialog has no `created`: its first message (the full tree) opens it.
            _ if event.kind == callback::JSDIALOG => *self.owners.entry(id).or_insert(event.view),
            _ => self.owners.get(&id).copied().unwrap_or(event.view),
        }
    }

    /// The LOK view owning `id`, if the window is open.
    pub fn owner(&self, id: WindowId) -> Option<i32> {
        self.owners.get(&id).copied()
    }

    /// Whether window `id` of LOK view `view` closed lately. Input for it is late, not wrong:
    /// the key-up of the Escape that closed a dialog arrives after the dialog is gone.
    pub fn closed_in(&self, view: i32, id: WindowId) -> bool {
        self.closed.contains(&(id, view))
    }

    /// The open windows of LOK view `view`, children after their parents (ids grow).
    pub fn windows_of(&self, view: i32) -> Vec<WindowId> {
        let mut ids: Vec<WindowId> = self
            .owners
            .iter()
            .filter(|(_, owner)| **owner == view)
            .map(|(id, _)| *id)
            .collect();
        ids.sort_unstable();
        ids
    }

    /// Forgets every window of a view that closed (LibreOffice may reuse the view for the next
    /// session, which must not inherit them).
    pub fn forget_view(&mut self, view: i32) {
        self.owners.retain(|_, owner| *owner != view);
        self.closed.retain(|(_, owner)| *owner != view);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(view: i32, kind: i32, payload: &str) -> CallbackEvent {
        CallbackEvent {
            view,
            kind,
            payload: payload.into(),
        }
    }

    #[test]
    fn windows_belong_to_the_view_that_opened_them_and_children_to_their_parent() {
        let mut owners = WindowOwners::default();
        let created = r#"{"id":"4","action":"created","type":"dialog","size":"500, 400"}"#;
        assert_eq!(owners.route(&event(1, callback::WINDOW, created)), 1);
        // A dropdown of that dialog, announced in another view's callbacks, is still view 1's.
        let child = r#"{"id": "5", "action": "created", "type": "child", "parentId": "4"}"#;
        assert_eq!(owners.route(&event(2, callback::WINDOW, child)), 1);
        let invalidate = r#"{"id":"5","action":"invalidate","rectangle":"0, 0, 10, 10"}"#;
        assert_eq!(owners.route(&event(2, callback::WINDOW, invalidate)), 1);
        assert_eq!(owners.owner(5), Some(1));
        assert_eq!(owners.windows_of(1), vec![4, 5]);
        assert_eq!(
            owners.route(&event(
                2,
                callback::WINDOW,
                r#"{"id":"5","action":"close"}"#
            )),
            1
        );
        assert_eq!(owners.owner(5), None);
        assert!(owners.closed_in(1, 5) && !owners.closed_in(2, 5));
        owners.forget_view(1);
        assert!(!owners.closed_in(1, 5));
        assert_eq!(owners.owner(4), None);
    }

    #[test]
    fn jsdialogs_open_with_their_first_message_and_close_with_close() {
        let mut owners = WindowOwners::default();
        let tree = r#"{"id":"FindReplaceDialog","type":"dialog","children":[{"id":"ok"}],"id":17,"jsontype":"dialog"}"#;
        assert_eq!(owners.route(&event(3, callback::JSDIALOG, tree)), 3);
        let update = r#"{"jsontype":"dialog","action":"update","id":17,"control":{}}"#;
        assert_eq!(owners.route(&event(0, callback::JSDIALOG, update)), 3);
        let close = r#"{"jsontype":"dialog","action":"close","id":"17"}"#;
        assert_eq!(owners.route(&event(0, callback::JSDIALOG, close)), 3);
        assert_eq!(owners.owner(17), None);
    }

    #[test]
    fn other_callbacks_and_garbage_go_to_their_own_view() {
        let mut owners = WindowOwners::default();
        assert_eq!(
            owners.route(&event(2, callback::INVALIDATE_TILES, "EMPTY")),
            2
        );
        assert_eq!(owners.route(&event(2, callback::WINDOW, "not json")), 2);
        assert_eq!(owners.route(&event(2, callback::WINDOW, r#"{"id":-3}"#)), 2);
        let sidebar = r#"{"jsontype":"sidebar","action":"update","id":0,"control":{}}"#;
        assert_eq!(owners.route(&event(1, callback::JSDIALOG, sidebar)), 1);
        assert_eq!(owners.route(&event(2, callback::JSDIALOG, sidebar)), 2);
        assert_eq!(owners.owner(0), None);
        assert!(owners.windows_of(2).is_empty());
    }
}
