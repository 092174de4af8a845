//! Key, mouse and UNO command requests: parsed and bounded here, posted to LibreOffice by the
//! session after it selected the sender's view. LOK input is asynchronous: a successful post
//! gets no answer, its effects come back as callbacks.

use oxool_proto::Message;

use super::args::{self, as_i32, ArgError};
use crate::lok::enums::{keyevent, mouseevent};
use crate::lok::{Document, LokError};

/// The longest UNO command name and argument JSON a kit passes on.
pub const MAX_COMMAND_LEN: usize = 256;
pub const MAX_COMMAND_ARGS_LEN: usize = 32 * 1024;
/// Mouse positions are twips; nothing in a document lies further out than this.
pub const MAX_POSITION_TWIPS: i64 = 100_000_000;

/// Commands that would close the document or the office under the kit (LOK keeps a pointer to
/// the document), open other documents, or start what a jailed kit cannot do. Refused for
/// every session; the list grows with what the web client learns to send.
pub const REFUSED_COMMANDS: &[&str] = &[
    ".uno:Quit",
    ".uno:CloseDoc",
    ".uno:CloseWin",
    ".uno:CloseFrame",
    ".uno:Open",
    ".uno:OpenUrl",
    ".uno:OpenRemote",
    ".uno:NewDoc",
    ".uno:AddDirect",
    ".uno:RunMacro",
    ".uno:MacroDialog",
    ".uno:BasicIDEAppear",
    ".uno:OptionsTreeDialog",
    // Saving is wsd's (`save`); the kit dispatches `.uno:Save` itself for a protected document
    // and takes its result as its own (barrier.rs).
    ".uno:Save",
    // It reads any file it is given; images come through `insert-image` (images.rs), which
    // names only the kit's own copy.
    ".uno:InsertGraphic",
];

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error(transparent)]
    Argument(#[from] ArgError),
    #[error("LibreOffice refused the input: {0}")]
    Lok(#[from] LokError),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Key {
        kind: i32,
        char_code: i32,
        key_code: i32,
    },
    Mouse {
        kind: i32,
        x: i32,
        y: i32,
        count: i32,
        buttons: i32,
        modifier: i32,
    },
    Uno {
        command: String,
        arguments: Option<String>,
        notify: bool,
    },
}

fn event_type(message: &Message, choices: &[(&str, i32)]) -> Result<i32, ArgError> {
    let value = args::required(message, "type")?;
    choices
        .iter()
        .find(|(name, _)| *name == value)
        .map(|(_, code)| *code)
        .ok_or_else(|| ArgError::Invalid {
            key: "type",
            detail: format!(
                "{:?} is not one of {}",
                value.chars().take(32).collect::<String>(),
                choices.iter().map(|c| c.0).collect::<Vec<_>>().join(", ")
            ),
        })
}

impl Input {
    /// `key view= type=input|up char=<n> code=<n>`: `char` is a Unicode scalar, `code` a
    /// css::awt::Key code plus modifier bits; an absent one is 0, but not both.
    pub fn key(message: &Message) -> Result<Input, ArgError> {
        let kind = event_type(
            message,
            &[("input", keyevent::KEYINPUT), ("up", keyevent::KEYUP)],
        )?;
        let char_code = args::int_or(message, "char", 0..=0x10FFFF, 0)?;
        let key_code = args::int_or(message, "code", 0..=0xFFFF, 0)?;
        if char_code == 0 && key_code == 0 {
            return Err(ArgError::Invalid {
                key: "char",
                detail: "a key needs a char or a code".into(),
            });
        }
        Ok(Input::Key {
            kind,
            char_code: as_i32(char_code),
            key_code: as_i32(key_code),
        })
    }

    /// `mouse view= type=down|up|move x= y= [count=1] [buttons=1] [modifier=0]`, twips.
    pub fn mouse(message: &Message) -> Result<Input, ArgError> {
        Input::mouse_within(message, MAX_POSITION_TWIPS)
    }

    /// A mouse event whose `x` and `y` lie in `0..=max_position`; `buttons` are VCL's (left 1,
    /// middle 2, right 4).
    pub fn mouse_within(message: &Message, max_position: i64) -> Result<Input, ArgError> {
        let kind = event_type(
            message,
            &[
                ("down", mouseevent::BUTTONDOWN),
                ("up", mouseevent::BUTTONUP),
                ("move", mouseevent::MOVE),
            ],
        )?;
        let x = args::int_in(message, "x", 0..=max_position)?;
        let y = args::int_in(message, "y", 0..=max_position)?;
        let count = args::int_or(message, "count", 1..=3, 1)?;
        let buttons = args::int_or(message, "buttons", 0..=7, 1)?;
        let modifier = args::int_or(message, "modifier", 0..=0xF000, 0)?;
        if modifier & 0x0FFF != 0 {
            return Err(ArgError::Invalid {
                key: "modifier",
                detail: "only the shift/mod1/mod2/mod3 bits (0x1000…0x8000) are allowed".into(),
            });
        }
        Ok(Input::Mouse {
            kind,
            x: as_i32(x),
            y: as_i32(y),
            count: as_i32(count),
            buttons: as_i32(buttons),
            modifier: as_i32(modifier),
        })
    }

    /// `uno view= command=.uno:<Name> [args=<json object>] [notify=1]`.
    pub fn uno(message: &Message) -> Result<Input, ArgError> {
        let command = args::short_text(message, "command", MAX_COMMAND_LEN)?;
        let name = command.strip_prefix(".uno:").unwrap_or("");
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ArgError::Invalid {
                key: "command",
                detail: "must be .uno:<Name> in printable ASCII".into(),
            });
        }
        if REFUSED_COMMANDS
            .iter()
            .any(|refused| refused.eq_ignore_ascii_case(command))
        {
            return Err(ArgError::Invalid {
                key: "command",
                detail: format!("{command} is not allowed in a kit"),
            });
        }
        let arguments = match message.get("args") {
            None | Some("") => None,
            Some(json) if json.len() > MAX_COMMAND_ARGS_LEN => {
                return Err(ArgError::Invalid {
                    key: "args",
                    detail: format!("longer than {MAX_COMMAND_ARGS_LEN} bytes"),
                })
            }
            Some(json) => match serde_json::from_str::<serde_json::Value>(json) {
                Ok(serde_json::Value::Object(_)) => Some(json.to_string()),
                _ => {
                    return Err(ArgError::Invalid {
                        key: "args",
                        detail: "must be a JSON object".into(),
                    })
                }
            },
        };
        Ok(Input::Uno {
            command: command.to_string(),
            arguments,
            notify: args::flag(message, "notify")?,
        })
    }

    /// Whether a read-only view may take this input (oxool_proto::view_only: select, navigate
    /// and copy). LibreOffice's view itself is editable: this is the guard.
    pub fn view_only_permitted(&self) -> bool {
        use oxool_proto::view_only;
        match self {
            Input::Key {
                char_code,
                key_code,
                ..
            } => view_only::key_permitted(char_code.unsigned_abs(), key_code.unsigned_abs()),
            Input::Mouse { kind, buttons, .. } => {
                view_only::mouse_permitted(*kind == mouseevent::MOVE, buttons.unsigned_abs())
            }
            Input::Uno { command, .. } => view_only::command_permitted(command),
        }
    }

    /// A key with Ctrl or Alt: LibreOffice runs its command asynchronously.
    pub fn is_shortcut(&self) -> bool {
        const CTRL_OR_ALT: i32 = 0x2000 | 0x4000;
        matches!(self, Input::Key { kind, key_code, .. } if *kind == 0 && key_code & CTRL_OR_ALT != 0)
    }

    /// Posts the input to the current view.
    pub fn post(&self, document: &Document) -> Result<(), LokError> {
        match self {
            Input::Key {
                kind,
                char_code,
                key_code,
            } => document.post_key_event(*kind, *char_code, *key_code),
            Input::Mouse {
                kind,
                x,
                y,
                count,
                buttons,
                modifier,
            } => document.post_mouse_event(*kind, *x, *y, *count, *buttons, *modifier),
            Input::Uno {
                command,
                arguments,
                notify,
            } => document.post_uno_command(command, arguments.as_deref(), *notify),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::parse;

    #[test]
    fn keys() {
        assert_eq!(
            Input::key(&parse("key view=a type=input char=72 code=0")).unwrap(),
            Input::Key {
                kind: keyevent::KEYINPUT,
                char_code: 72,
                key_code: 0
            }
        );
        assert!(Input::key(&parse("key view=a type=press char=72")).is_err());
        assert!(Input::key(&parse("key view=a type=up")).is_err());
        assert!(Input::key(&parse("key view=a type=up char=99999999")).is_err());
    }

    #[test]
    fn mice() {
        assert!(Input::mouse(&parse("mouse view=a type=down x=10 y=20")).is_ok());
        assert!(Input::mouse(&parse("mouse view=a type=down x=-10 y=20")).is_err());
        assert!(Input::mouse(&parse("mouse view=a type=down x=1 y=2 modifier=3")).is_err());
        assert!(Input::mouse(&parse("mouse view=a type=down x=1")).is_err());
    }

    #[test]
    fn uno_commands() {
        let bold = Input::uno(&parse("uno view=a command=.uno:Bold")).unwrap();
        assert!(matches!(
            bold,
            Input::Uno {
                arguments: None,
                ..
            }
        ));
        let line = Message::new("uno")
            .arg("command", ".uno:GoToCell")
            .arg("args", r#"{"ToPoint":{"type":"string","value":"A1"}}"#)
            .render();
        assert!(Input::uno(&parse(&line)).is_ok());
        assert!(Input::uno(&parse("uno command=Bold")).is_err());
        assert!(Input::uno(&parse("uno command=.uno:CloseDoc")).is_err());
        assert!(Input::uno(&parse("uno command=.uno:quit")).is_err());
        assert!(Input::uno(&parse("uno command=.uno:")).is_err());
        assert!(Input::uno(&parse("uno command=.uno:Bold args=%5B1%5D")).is_err());
    }
}
