//! LibreOffice's own windows in the client protocol (docs/protocol.md, "Dialogs"): painting a
//! dialog (`window-tile`), input for it (`window-key`, `window-mouse`, `window-text`,
//! `window-close`, `window-resize`), JSDialog answers (`dialog-event`) and value lists
//! (`command-values`). Parsed and bounded here; the kit checks that the session's view owns
//! the window, so another session's window is refused there.

use oxool_proto::{Message, ToKit};

use super::broker::Broker;
use super::protocol::{self, ClientMessage, KeyKind, MouseEvent, Refused};
use super::SessionId;

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
    fn to_kit(&self, session: SessionId) -> (Message, Vec<u8>) {
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
            WindowRequest::Mouse { id, event } => message
                .arg("id", id)
                .arg("type", event.kind)
                .arg("x", event.x)
                .arg("y", event.y)
                .arg("count", event.count)
                .arg("buttons", event.buttons)
                .arg("modifier", event.modifier),
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
                width: protocol::number(m, "width", 1, MAX_WINDOW_SIDE)?,
                height: protocol::number(m, "height", 1, MAX_WINDOW_SIDE)?,
            })
        })(),
        "dialog-event" => dialog_event(m, body),
        "command-values" => return Some(command_values(m)),
        _ => return None,
    };
    Some(request.map(ClientMessage::Window))
}

fn id(m: &Message) -> Result<u32, Refused> {
    protocol::number(m, "id", 1, u32::MAX)
}

fn window_tile(m: &Message) -> Result<WindowTile, Refused> {
    let tile = WindowTile {
        id: id(m)?,
        x: protocol::number(m, "x", 0, MAX_WINDOW_POSITION)?,
        y: protocol::number(m, "y", 0, MAX_WINDOW_POSITION)?,
        width: protocol::number(m, "width", 1, MAX_WINDOW_SIDE)?,
        height: protocol::number(m, "height", 1, MAX_WINDOW_SIDE)?,
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
                protocol::truncate(&tile.scale, 16)
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
    let ClientMessage::Key { kind, char, code } = protocol::key(m)? else {
        unreachable!("protocol::key parses keys")
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
        event: protocol::mouse_within(m, i64::from(MAX_WINDOW_POSITION))?,
    })
}

fn window_text(m: &Message) -> Result<WindowRequest, Refused> {
    let end = match m.require("type").map_err(protocol::bad_message)? {
        "input" => false,
        "end" => true,
        other => {
            return Err(Refused::bad_request(format!(
                "window-text type {:?} is not input or end",
                protocol::truncate(other, 20)
            )))
        }
    };
    let text = m.require("text").map_err(protocol::bad_message)?;
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
    let id = protocol::number(m, "id", 0, u32::MAX)?;
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
    let command = m.require("command").map_err(protocol::bad_message)?;
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
            protocol::truncate(command, 80)
        )));
    }
    Ok(ClientMessage::CommandValues {
        command: command.to_string(),
    })
}

impl Broker {
    /// A window request of `session`, already parsed, rate-limited and allowed.
    pub(super) fn on_window(&mut self, session: SessionId, request: WindowRequest) {
        if let WindowRequest::Tile(tile) = request {
            let Some(member) = self.members.get_mut(&session) else {
                return;
            };
            if member.tiles.request_window(tile.clone()).is_err() {
                let error = Message::new("error")
                    .arg("kind", "too-many-tiles")
                    .arg(
                        "message",
                        "too many window tiles are waiting; acknowledge tiles with tile-done",
                    )
                    .arg("request", "window-tile")
                    .arg("id", tile.id);
                member.text(error.render());
                return;
            }
            self.pump_tiles(session);
            return;
        }
        let (message, body) = request.to_kit(session);
        self.kit
            .send_frame(oxool_proto::Frame::with_payload(message.render(), body));
        // A dialog's OK may change the document without a key that says so: LibreOffice's
        // ModifiedStatus tells then (kit_events.rs), as for mouse input.
        self.last_input = std::time::Instant::now();
        self.mouse_since_save = true;
    }

    /// Sends the kit the window tile that got a place in the session's window.
    pub(super) fn send_window_tile(&mut self, session: SessionId, tile: &WindowTile) -> bool {
        let (message, _) = WindowRequest::Tile(tile.clone()).to_kit(session);
        self.kit.send(message)
    }

    pub(super) fn request_command_values(&mut self, session: SessionId, command: &str) {
        self.kit.send(
            Message::new(ToKit::CommandValues.name())
                .arg("view", session)
                .arg("command", command),
        );
    }

    /// The kit's `window-tile` answer: the PNG goes to the session as a binary frame.
    pub(super) fn on_window_tile(&mut self, session: SessionId, message: &Message, png: &[u8]) {
        let Some(member) = self.members.get_mut(&session) else {
            return;
        };
        let mut header = Message::new("window-tile");
        for key in ["id", "x", "y", "width", "height", "scale"] {
            header = header.arg(key, message.get(key).unwrap_or("0"));
        }
        let header = header.arg("format", "png");
        member.send(super::Outgoing::Binary(protocol::binary(&header, png)));
    }

    /// The kit's `command-values` answer: LibreOffice's JSON as the body.
    pub(super) fn on_command_values(&mut self, session: SessionId, message: &Message, json: &[u8]) {
        let Some(member) = self.members.get_mut(&session) else {
            return;
        };
        let header = Message::new("command-values")
            .arg("command", message.get("command").unwrap_or_default());
        member.text(protocol::text(
            &header,
            Some(&String::from_utf8_lossy(json)),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::protocol::parse_client;
    use super::*;

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
