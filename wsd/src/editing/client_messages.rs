//! What a broker does with each client message (docs/protocol.md). The session task already
//! parsed and bounded it and applied the rate limit; here it becomes kit requests.

use oxool_proto::{Message, ToKit};

use super::broker::Broker;
use super::protocol::{ClientMessage, KeyKind};
use super::save_state::SaveTrigger;
use super::save_state::SaveWaiter;
use super::SessionId;

/// UNO commands that do not change the document: they do not make it "modified".
const NON_MODIFYING_COMMANDS: &[&str] = &[
    ".uno:Copy",
    ".uno:GoToCell",
    ".uno:SelectAll",
    ".uno:GoToStartOfDoc",
    ".uno:GoToEndOfDoc",
    ".uno:ZoomIn",
    ".uno:ZoomOut",
    // The sidebar and dialogs that only open: what their OK changes counts through the
    // window input that confirms it (windows.rs) and LibreOffice's ModifiedStatus.
    ".uno:Sidebar",
    ".uno:SidebarShow",
    ".uno:SidebarHide",
    ".uno:SidebarDeck.PropertyDeck",
    ".uno:SearchDialog",
    ".uno:HyperlinkDialog",
    ".uno:ParagraphDialog",
    ".uno:FontDialog",
    ".uno:WordCountDialog",
    ".uno:SpellingAndGrammarDialog",
    // Going to a tracked change (the changes panel's click and its arrows) only selects it.
    ".uno:NextTrackedChange",
    ".uno:PreviousTrackedChange",
    // Impress's normal and notes views: what one view shows, not what the document holds.
    ".uno:NormalMultiPaneGUI",
    ".uno:NotesMode",
];

/// Whether a UNO command may change the document. `.uno:ExecuteSearch` only finds unless its
/// `SearchItem.Command` is 2 or 3 (replace, replace all); every unknown command counts, so an
/// edit is never missed (a false "modified" costs one needless save).
fn command_may_modify(command: &str, args: Option<&str>) -> bool {
    if command == ".uno:ExecuteSearch" {
        let search_command = args
            .and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok())
            .and_then(|a| a["SearchItem.Command"]["value"].as_i64());
        return !matches!(search_command, Some(0 | 1));
    }
    !NON_MODIFYING_COMMANDS.contains(&command)
}

/// Commands that write a comment under an author's name. Calc and Impress take the author from
/// the request (without one, Calc stores none), so the server names the session's user, and a
/// client cannot write comments under someone else's name.
const AUTHORED_COMMANDS: &[&str] = &[
    ".uno:InsertAnnotation",
    ".uno:ReplyComment",
    ".uno:EditAnnotation",
];

/// `args` with `Author` set to the session's user name for [`AUTHORED_COMMANDS`].
fn with_author(command: &str, args: Option<String>, author: &str) -> Option<String> {
    if !AUTHORED_COMMANDS.contains(&command) {
        return args;
    }
    let mut map = args
        .and_then(|a| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&a).ok())
        .unwrap_or_default();
    map.insert(
        "Author".into(),
        serde_json::json!({"type": "string", "value": author}),
    );
    Some(serde_json::Value::Object(map).to_string())
}

/// `css::awt::Key` codes of keys that only move the cursor or the view.
const NAVIGATION_KEYS: std::ops::RangeInclusive<u32> = 1024..=1031; // arrows, Home, End, PgUp/Dn
const KEY_ESCAPE: u32 = 1281;
const KEY_A: u32 = 512;
const KEY_C: u32 = 514;
/// Modifier bits of a key code: Shift, Ctrl (MOD1), Alt (MOD2), MOD3.
const MODIFIERS: u32 = 0xF000;
const MOD1: u32 = 0x2000;

/// Whether a key may change the document. Navigation, Escape, Ctrl+A and Ctrl+C do not; every
/// other key counts, so an edit is never missed (a false "modified" costs one needless save).
fn may_modify(char: u32, code: u32) -> bool {
    let key = code & !MODIFIERS;
    let ctrl = code & MOD1 != 0;
    if NAVIGATION_KEYS.contains(&key) || key == KEY_ESCAPE {
        return false;
    }
    !(ctrl && (key == KEY_A || key == KEY_C || char == u32::from('a') || char == u32::from('c')))
}

/// Whether a view-only session may send this input: selecting, navigating and copying
/// (oxool_proto::view_only; the kit checks again). Messages that are not input always may.
fn view_only_may_send(message: &ClientMessage) -> bool {
    use oxool_proto::view_only;
    match message {
        ClientMessage::Key { char, code, .. } => view_only::key_permitted(*char, *code),
        ClientMessage::Mouse(mouse) => {
            view_only::mouse_permitted(mouse.kind == "move", mouse.buttons)
        }
        ClientMessage::Uno { command, .. } => view_only::command_permitted(command),
        other => !other.is_input(),
    }
}

impl Broker {
    pub(super) fn on_client(&mut self, session: SessionId, message: ClientMessage) {
        let Some(member) = self.members.get_mut(&session) else {
            return;
        };
        let request = message.name();
        if !member.can_write && !view_only_may_send(&message) {
            member.error(
                "readonly",
                "this session may only view the document",
                Some(request),
            );
            return;
        }
        match message {
            ClientMessage::Hello { .. } | ClientMessage::Load { .. } => {
                member.error(
                    "bad-message",
                    "the document is already loaded",
                    Some(request),
                );
            }
            ClientMessage::Ping => member.text(Message::new("pong").render()),
            ClientMessage::Status => self.request_status(session),
            ClientMessage::Tiles(batch) => self.request_tiles(session, batch),
            ClientMessage::TileDone { count } => {
                member.tiles.acknowledge(count);
                self.pump_tiles(session);
            }
            ClientMessage::Key { kind, char, code } => {
                self.send_input(
                    session,
                    Message::new(ToKit::Key.name())
                        .arg("view", session)
                        .arg("type", kind.as_str())
                        .arg("char", char)
                        .arg("code", code),
                );
                if kind == KeyKind::Input && may_modify(char, code) {
                    self.note_edit(session, true);
                } else {
                    self.last_input = std::time::Instant::now();
                }
            }
            ClientMessage::Text(text) => {
                for c in text.chars() {
                    let c = if c == '\n' { '\r' } else { c };
                    for kind in ["input", "up"] {
                        let mut key = Message::new(ToKit::Key.name())
                            .arg("view", session)
                            .arg("type", kind)
                            .arg("char", u32::from(c));
                        if c == '\r' {
                            key = key.arg("code", 1280);
                        }
                        self.send_input(session, key);
                    }
                }
                self.note_edit(session, true);
            }
            ClientMessage::Mouse(mouse) => {
                let can_write = member.can_write;
                let mouse = mouse.to_args(Message::new(ToKit::Mouse.name()).arg("view", session));
                self.send_input(session, mouse);
                self.last_input = std::time::Instant::now();
                // A drag may move text without a modified state change; view-only sessions
                // cannot drag (oxool_proto::view_only).
                self.mouse_since_save |= can_write;
            }
            ClientMessage::Uno { command, args } => {
                let modifying = member.can_write && command_may_modify(&command, args.as_deref());
                let args = with_author(&command, args, &member.name);
                let mut uno = Message::new(ToKit::Uno.name())
                    .arg("view", session)
                    .arg("command", &command)
                    .arg("notify", 1);
                if let Some(args) = args {
                    uno = uno.arg("args", args);
                }
                self.send_input(session, uno);
                if modifying {
                    self.note_edit(session, true);
                }
            }
            ClientMessage::SetPart { part } => {
                // Journaled: later input of the session goes to that part.
                self.send_input(
                    session,
                    Message::new(ToKit::SetPart.name())
                        .arg("view", session)
                        .arg("part", part),
                );
            }
            ClientMessage::Save { overwrite } => {
                if !member.can_write {
                    member.error("readonly", "this session may not save", Some(request));
                    return;
                }
                self.request_save(SaveTrigger::explicit(session, overwrite));
            }
            ClientMessage::Reload => {
                if !member.can_write {
                    member.error("readonly", "this session may not reload", Some(request));
                    return;
                }
                self.reload();
            }
            ClientMessage::Download { id, format } => {
                self.kit
                    .send(Message::new(ToKit::Save.name()).arg("format", &format));
                self.save_waiters.push_back(SaveWaiter::Download {
                    session,
                    id,
                    format,
                });
            }
            ClientMessage::GetSelection { id, mimetype } => {
                member.selections.push_back(id);
                self.kit.send(
                    Message::new(ToKit::Selection.name())
                        .arg("view", session)
                        .arg("mimetype", mimetype),
                );
            }
            ClientMessage::Paste { mimetype, data } => {
                self.send_bytes_edit(session, ToKit::Paste, ("mimetype", &mimetype), data);
            }
            ClientMessage::InsertImage { name, data } => {
                self.send_bytes_edit(session, ToKit::InsertImage, ("name", &name), data);
            }
            ClientMessage::Window(request) => self.on_window(session, request),
            ClientMessage::CommandValues { command } => {
                self.request_command_values(session, &command);
            }
            ClientMessage::SaveAs { name } => {
                if !member.can_save_as {
                    member.error(
                        "readonly",
                        "this session may not save copies",
                        Some(request),
                    );
                    return;
                }
                let format = name
                    .rsplit_once('.')
                    .map(|(_, ext)| ext.to_ascii_lowercase())
                    .unwrap_or_default();
                self.kit
                    .send(Message::new(ToKit::Save.name()).arg("format", &format));
                self.save_waiters
                    .push_back(SaveWaiter::SaveAs { session, name });
            }
        }
    }

    /// Sends `session`'s `edit` with what describes its bytes (a paste's type, an image's name)
    /// and the bytes as the frame's payload; not in the replay journal.
    fn send_bytes_edit(
        &mut self,
        session: SessionId,
        edit: ToKit,
        (key, value): (&str, &str),
        bytes: Vec<u8>,
    ) {
        let message = Message::new(edit.name())
            .arg("view", session)
            .arg(key, value);
        self.kit
            .send_frame(oxool_proto::Frame::with_payload(message.render(), bytes));
        self.note_edit(session, false);
    }

    /// A writing session changed (or may have changed) the document; `journaled` when the
    /// input that did it is in the replay journal (replay.rs).
    fn note_edit(&mut self, session: SessionId, journaled: bool) {
        let was_modified = self.modified();
        self.edit_gen += 1;
        if !journaled {
            self.journal.edit_not_journaled(self.edit_gen);
        }
        self.last_input = std::time::Instant::now();
        self.checkpoints.note_edit(self.last_input);
        if let Some(member) = self.members.get(&session) {
            self.upload_token = Some(member.token.clone());
        }
        if !was_modified {
            self.broadcast_doc_state();
        }
    }

    pub(super) fn request_status(&mut self, session: SessionId) {
        self.kit
            .send(Message::new(ToKit::Status.name()).arg("view", session));
        self.status_waiters.push_back(session);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn comments_are_written_under_the_sessions_name() {
        let args = super::with_author(
            ".uno:InsertAnnotation",
            Some(r#"{"Text":{"type":"string","value":"x"},"Author":{"type":"string","value":"Mallory"}}"#.into()),
            "Alice",
        )
        .unwrap();
        let args: serde_json::Value = serde_json::from_str(&args).unwrap();
        assert_eq!(args["Author"]["value"], "Alice");
        assert_eq!(args["Text"]["value"], "x");
        let none = super::with_author(".uno:InsertAnnotation", None, "Bob").unwrap();
        assert!(none.contains("\"Bob\""), "{none}");
        // Deleting by author names the author to delete: left alone.
        let delete = r#"{"Author":{"type":"string","value":"Carol"}}"#.to_string();
        assert_eq!(
            super::with_author(".uno:DeleteAuthor", Some(delete.clone()), "Bob"),
            Some(delete)
        );
    }

    use super::{command_may_modify, may_modify};

    #[test]
    fn finding_and_opening_dialogs_do_not_modify() {
        let find = r#"{"SearchItem.SearchString":{"type":"string","value":"a"},"SearchItem.Command":{"type":"long","value":1}}"#;
        let replace_all = r#"{"SearchItem.Command":{"type":"long","value":3}}"#;
        assert!(!command_may_modify(".uno:ExecuteSearch", Some(find)));
        assert!(command_may_modify(".uno:ExecuteSearch", Some(replace_all)));
        assert!(command_may_modify(".uno:ExecuteSearch", None));
        assert!(!command_may_modify(".uno:SidebarShow", None));
        assert!(!command_may_modify(".uno:ParagraphDialog", None));
        assert!(command_may_modify(".uno:Bold", None));
        assert!(!command_may_modify(".uno:NextTrackedChange", None));
        assert!(command_may_modify(".uno:AcceptTrackedChange", None));
        assert!(!command_may_modify(".uno:NotesMode", None));
        assert!(!command_may_modify(".uno:NormalMultiPaneGUI", None));
    }

    #[test]
    fn navigation_does_not_modify_and_typing_does() {
        assert!(may_modify(u32::from('x'), 0));
        assert!(may_modify(0, 1283)); // Backspace
        assert!(may_modify(13, 1280)); // Enter
        assert!(may_modify(u32::from('b'), 0x2000 | 513)); // Ctrl+B
        assert!(!may_modify(0, 1029 | 0x2000)); // Ctrl+End
        assert!(!may_modify(0, 1026 | 0x1000)); // Shift+Left
        assert!(!may_modify(u32::from('c'), 0x2000 | 514)); // Ctrl+C
        assert!(!may_modify(0, 1281)); // Escape
    }
}
