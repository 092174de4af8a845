//! LibreOffice's own windows in the client protocol (docs/protocol.md, "Dialogs"): painting a
//! dialog (`window-tile`), input for it (`window-key`, `window-mouse`, `window-text`,
//! `window-close`, `window-resize`), JSDialog answers (`dialog-event`) and value lists
//! (`command-values`), parsed and bounded. The broker's side: editing/windows.rs.

use oxool_proto::{Message, ToKit};

use super::{ClientMessage, KeyKind, MouseEvent, Refused};
use crate::editing::SessionId;

/// A window area's largest side in window pixels, and the largest canvas in device pixels.
pub const MAX_WINDOW_SIDE: u32 = 2048;
pub const MAX_DEVICE_PIXELS: f64 = 4_194_304.0;
/// Device pixels per window pixel (devicePixelRatio).
pub const MAX_SCALE: f64 = 4.0;
/// Positions inside a window (window pixels).
pub const MAX_WINDOW_POSITION: u32 = 16_384;
/// A `dialog-event` body.
pub const MAX_DIALOG_EVENT_BYTES: usize = 64 * 1024;
/// A `window-text` composition, in characters.
pub const MAX_WINDOW_TEXT_CHARS: usize = 4096;
/// A `command-values` command with its query.
pub const MAX_VALUES_COMMAND_LEN: usize = 1024;
/// Window tiles waiting for room in the flow-control window.
pub const MAX_PENDING_WINDOW_TILES: usize = 256;

/// One `window-tile` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowTile {
    pub id: u32,
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    /// As the client wrote it (echoed in the answer), checked to be 1..=4.
    pub scale: String,
}

/// A client request about one of LibreOffice's windows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WindowRequest {
    Tile(WindowTile),
    Key {
        id: u32,
        kind: KeyKind,
        char: u32,
        code: u32,
    },
    Mouse {
        id: u32,
        event: MouseEvent,
    },
    Text {
        id: u32,
        end: bool,
        text: String,
    },
    Close {
        id: u32,
    },
    Resize {
        id: u32,
        width: u32,
        height: u32,
    },
    DialogEvent {
        id: u32,
        json: String,
    },
}

impl WindowRequest {
    /// The kit message that carries this request (the client's message has the same name).
    pub fn kit_message(&self) -> ToKit {
        match self {
            WindowRequest::Tile(_) => ToKit::WindowTile,
            WindowRequest::Key { .. } => ToKit::WindowKey,
            WindowRequest::Mouse { .. } => ToKit::WindowMouse,
            WindowRequest::Text { .. } => ToKit::WindowText,
            WindowRequest::Close { .. } => ToKit::WindowClose,
            WindowRequest::Resize { .. } => ToKit::WindowResize,
            WindowRequest::DialogEvent { .. } => ToKit::DialogEvent,
        }
    }

    pub fn name(&self) -> &'static str {
        self.kit_message().name()
    }

    /// Everything but painting is input: rate-limited, refused for view-only sessions.
    pub fn is_input(&self) -> bool {
        !matches!(self, WindowRequest::Tile(_))
    }

    /// The request for the kit (docs/kit-protocol.md, "Dialogs"), and its body.
    pub(in crate::editing) fn to_kit(&self, session: SessionId) -> (Message, Vec<u8>) {
        let message = Message::new(self.kit_message().name()).arg("view", session);
        let message = match self {
            WindowRequest::Tile(t) => message
                .arg("id", t.id)
                .arg("x", t.x)
                .arg("y", t.y)
                .arg("width", t.width)
                .arg("height", t.height)
                .arg("scale", &t.scale),
            WindowRequest::Key {
                id,
                kind,
                char,
                code,
            } => message
                .arg("id", id)
                .arg("type", kind.as_str())
                .arg("char", char)
                .arg("code", code),
            WindowRequest::Mouse { id, event } => event.to_args(message.arg("id", id)),
            WindowRequest::Text { id, end, text } => message
                .arg("id", id)
                .arg("type", if *end { "end" } else { "input" })
                .arg("text", text),
            WindowRequest::Close { id } => message.arg("id", id),
            WindowRequest::Resize { id, width, height } => message
                .arg("id", id)
                .arg("width", width)
                .arg("height", height),
            WindowRequest::DialogEvent { id, json } => {
                return (message.arg("id", id), json.clone().into_bytes())
            }
        };
        (message, Vec::new())
    }
}

/// Parses the window messages and `command-values`; `None` for other names.
pub fn parse(m: &Message, body: &str) -> Option<Result<ClientMessage, Refused>> {
    let request = match m.name.as_str() {
        "window-tile" => window_tile(m).map(WindowRequest::Tile),
        "window-key" => window_key(m),
        "window-mouse" => window_mouse(m),
        "window-text" => window_text(m),
        "window-close" => id(m).map(|id| WindowRequest::Close { id }),
        "window-resize" => (|| {
            Ok(WindowRequest::Resize {
                id: id(m)?,
                width: super::number(m, "width", 1, MAX_WINDOW_SIDE)?,
                height: super::number(m, "height", 1, MAX_WINDOW_SIDE)?,
            })
        })(),
        "dialog-event" => dialog_event(m, body),
        "command-values" => return Some(command_values(m)),
        _ => return None,
    };
    Some(request.map(ClientMessage::Window))
}

fn id(m: &Message) -> Result<u32, Refused> {
    super::number(m, "id", 1, u32::MAX)
}

fn window_tile(m: &Message) -> Result<WindowTile, Refused> {
    let tile = WindowTile {
        id: id(m)?,
        x: super::number(m, "x", 0, MAX_WINDOW_POSITION)?,
        y: super::number(m, "y", 0, MAX_WINDOW_POSITION)?,
        width: super::number(m, "width", 1, MAX_WINDOW_SIDE)?,
        height: super::number(m, "height", 1, MAX_WINDOW_SIDE)?,
        scale: m.get("scale").unwrap_or("1").to_string(),
    };
    let scale: f64 = tile
        .scale
        .parse()
        .ok()
        .filter(|s| (1.0..=MAX_SCALE).contains(s))
        .ok_or_else(|| {
            Refused::bad_request(format!(
                "scale {:?} is not a number in 1..={MAX_SCALE}",
                super::truncate(&tile.scale, 16)
            ))
        })?;
    let device = |side: u32| (f64::from(side) * scale).round();
    if device(tile.width) * device(tile.height) > MAX_DEVICE_PIXELS {
        return Err(Refused::bad_request(format!(
            "{} × {} at scale {scale} is more than {MAX_DEVICE_PIXELS} device pixels",
            tile.width, tile.height
        )));
    }
    Ok(tile)
}

fn window_key(m: &Message) -> Result<WindowRequest, Refused> {
    let ClientMessage::Key { kind, char, code } = super::key(m)? else {
        unreachable!("super::key parses keys")
    };
    Ok(WindowRequest::Key {
        id: id(m)?,
        kind,
        char,
        code,
    })
}

fn window_mouse(m: &Message) -> Result<WindowRequest, Refused> {
    Ok(WindowRequest::Mouse {
        id: id(m)?,
        event: super::mouse_within(m, i64::from(MAX_WINDOW_POSITION))?,
    })
}

fn window_text(m: &Message) -> Result<WindowRequest, Refused> {
    let end = match m.require("type").map_err(super::bad_message)? {
        "input" => false,
        "end" => true,
        other => {
            return Err(Refused::bad_request(format!(
                "window-text type {:?} is not input or end",
                super::truncate(other, 20)
            )))
        }
    };
    let text = m.require("text").map_err(super::bad_message)?;
    if text.chars().count() > MAX_WINDOW_TEXT_CHARS || text.contains('\0') {
        return Err(Refused::bad_request(format!(
            "text must hold at most {MAX_WINDOW_TEXT_CHARS} characters, without NUL"
        )));
    }
    Ok(WindowRequest::Text {
        id: id(m)?,
        end,
        text: text.to_string(),
    })
}

fn dialog_event(m: &Message, body: &str) -> Result<WindowRequest, Refused> {
    // 0: this session's own sidebar or formula bar (their JSDialog messages carry id 0).
    let id = super::number(m, "id", 0, u32::MAX)?;
    if body.is_empty() || body.len() > MAX_DIALOG_EVENT_BYTES {
        return Err(Refused::bad_request(format!(
            "dialog-event needs a JSON object of 1..={MAX_DIALOG_EVENT_BYTES} bytes after the line"
        )));
    }
    if body.contains('\0')
        || !matches!(serde_json::from_str(body), Ok(serde_json::Value::Object(_)))
    {
        return Err(Refused::bad_request(
            "the dialog-event body must be a JSON object",
        ));
    }
    Ok(WindowRequest::DialogEvent {
        id,
        json: body.to_string(),
    })
}

/// `command-values command=.uno:<Name>[?query]`.
fn command_values(m: &Message) -> Result<ClientMessage, Refused> {
    let command = m.require("command").map_err(super::bad_message)?;
    let (name, query) = match command.split_once('?') {
        Some((name, query)) => (name, Some(query)),
        None => (command, None),
    };
    let valid = command.len() <= MAX_VALUES_COMMAND_LEN
        && name
            .strip_prefix(".uno:")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric()))
        && query.is_none_or(|q| q.bytes().all(|b| b.is_ascii_graphic()));
    if !valid {
        return Err(Refused::bad_request(format!(
            "{:?} is not .uno:<Name>[?query]",
            super::truncate(command, 80)
        )));
    }
    Ok(ClientMessage::CommandValues {
        command: command.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::editing::protocol::parse_client;

    fn window(line: &str) -> WindowRequest {
        match parse_client(line) {
            Ok(ClientMessage::Window(request)) => request,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn window_messages_are_parsed() {
        let tile = window("window-tile id=4 x=0 y=0 width=500 height=400 scale=2");
        assert!(matches!(&tile, WindowRequest::Tile(t) if t.scale == "2" && t.width == 500));
        assert!(!tile.is_input());
        let key = window("window-key id=4 type=up char=0 code=1281");
        assert!(key.is_input());
        assert!(matches!(
            window("window-mouse id=4 type=down x=120 y=45 count=1 buttons=4 modifier=0"),
            WindowRequest::Mouse { id: 4, event } if event.buttons == 4
        ));
        assert!(matches!(
            window("window-text id=4 type=end text=%E4%BD%A0"),
            WindowRequest::Text { end: true, text, .. } if text == "你"
        ));
        let event = window("dialog-event id=5\n{\"id\":\"ok\",\"cmd\":\"click\"}");
        let (kit, body) = event.to_kit(9);
        assert_eq!(kit.render(), "dialog-event view=9 id=5");
        assert_eq!(body, br#"{"id":"ok","cmd":"click"}"#);
        assert!(matches!(
            parse_client("command-values command=.uno:CharFontName"),
            Ok(ClientMessage::CommandValues { .. })
        ));
    }

    #[test]
    fn bad_window_messages_are_refused() {
        for bad in [
            "window-tile id=0 x=0 y=0 width=5 height=5",
            "window-tile id=4 x=-5 y=0 width=5 height=5",
            "window-tile id=4 x=0 y=0 width=99999 height=5",
            "window-tile id=4 x=0 y=0 width=2048 height=2048 scale=2",
            "window-tile id=4 x=0 y=0 width=5 height=5 scale=0",
            "window-tile id=4 x=0 y=0 width=5 height=5 scale=nan",
            "window-tile id=99999999999 x=0 y=0 width=5 height=5",
            "window-key id=4 type=input",
            "window-mouse id=4 type=down x=0 y=20000",
            "window-resize id=4 width=0 height=4",
            "window-text id=4 type=pos text=a",
            "dialog-event id=5",
            "dialog-event id=5\n[1]",
            "dialog-event id=5\n{\"a\":",
            "command-values command=.uno:",
            "command-values command=.uno:Font;rm",
            "command-values command=Bold",
        ] {
            let refused = parse_client(bad).unwrap_err();
            assert!(
                refused.kind == "bad-request" || refused.kind == "bad-message",
                "{bad}: {refused:?}"
            );
        }
        let huge = format!("dialog-event id=5\n{{\"a\":\"{}\"}}", "x".repeat(70_000));
        assert_eq!(parse_client(&huge).unwrap_err().kind, "bad-request");
    }
}
