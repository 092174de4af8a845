//! The client protocol's messages (docs/protocol.md): parsing what a client sends, rendering what
//! the server sends. Everything a client says is checked here, before a broker or a kit sees it.

use oxool_proto::tile::TileGeometry;
use oxool_proto::Message;

use self::window::WindowRequest;
use crate::password::DocumentPassword;

pub mod window;

/// The protocol versions this server speaks (the highest is offered).
pub const PROTOCOL_VERSION: u32 = 1;

/// Largest client text frame (a `paste` body); larger ones close the connection (1009). Binary
/// frames (an image) have their own limit (images.rs).
pub const MAX_CLIENT_FRAME: usize = 2 << 20;
/// Largest header line of a client message; the rest of a frame is a body (`paste` only).
pub const MAX_CLIENT_LINE: usize = 64 * 1024;
/// Clipboard types of `get-selection` and `paste` (the kit checks the same list).
pub use oxool_proto::limits::CLIPBOARD_TYPES;
/// Tiles in one `tiles` message.
pub const MAX_TILES_PER_BATCH: usize = 256;
/// Bytes of a document password (`load … password=`).
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Characters in one `text` message.
pub const MAX_TEXT_CHARS: usize = 4096;
/// Tile side in pixels (the kit paints no larger).
pub use oxool_proto::limits::MAX_TILE_PIXELS;
/// Twips per pixel: 300 is 5 % zoom; 1 is 1500 %.
pub const MAX_TWIPS_PER_PIXEL: u32 = 300;
/// Largest twip coordinate accepted from a client (a sheet is at most ~1 000 000 rows of 255
/// twips; anything beyond is nonsense that the kit would refuse anyway).
pub const MAX_TWIP_COORDINATE: i64 = 1 << 30;

/// A client message that was understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientMessage {
    Hello {
        version: u32,
    },
    Load {
        wopisrc: String,
        token: String,
        /// The document's password (`password=`), for a protected document; never logged.
        password: Option<DocumentPassword>,
    },
    Status,
    Tiles(TileBatch),
    TileDone {
        count: u32,
    },
    Key {
        kind: KeyKind,
        char: u32,
        code: u32,
    },
    Text(String),
    Mouse(MouseEvent),
    Uno {
        command: String,
        args: Option<String>,
    },
    SetPart {
        part: u32,
    },
    Save {
        overwrite: bool,
    },
    Reload,
    Download {
        id: u64,
        format: String,
    },
    SaveAs {
        name: String,
    },
    GetSelection {
        id: u64,
        mimetype: String,
    },
    Paste {
        mimetype: String,
        data: Vec<u8>,
    },
    /// An image from the user's computer (a binary frame, images.rs): checked, with its safe name.
    InsertImage {
        name: String,
        data: Vec<u8>,
    },
    /// A request about one of LibreOffice's windows (dialogs): windows.rs.
    Window(WindowRequest),
    CommandValues {
        command: String,
    },
    Ping,
}

impl ClientMessage {
    /// Input that changes the document and is rate-limited; view-only sessions may not send it.
    pub fn is_input(&self) -> bool {
        match self {
            ClientMessage::Window(request) => request.is_input(),
            other => matches!(
                other,
                ClientMessage::Key { .. }
                    | ClientMessage::Text(_)
                    | ClientMessage::Mouse(_)
                    | ClientMessage::Uno { .. }
                    | ClientMessage::Paste { .. }
                    | ClientMessage::InsertImage { .. }
            ),
        }
    }

    /// The message's name, for `request=` in errors.
    pub fn name(&self) -> &'static str {
        match self {
            ClientMessage::Hello { .. } => "oxool",
            ClientMessage::Load { .. } => "load",
            ClientMessage::Status => "status",
            ClientMessage::Tiles(_) => "tiles",
            ClientMessage::TileDone { .. } => "tile-done",
            ClientMessage::Key { .. } => "key",
            ClientMessage::Text(_) => "text",
            ClientMessage::Mouse(_) => "mouse",
            ClientMessage::Uno { .. } => "uno",
            ClientMessage::SetPart { .. } => "set-part",
            ClientMessage::Save { .. } => "save",
            ClientMessage::Reload => "reload",
            ClientMessage::Download { .. } => "download",
            ClientMessage::SaveAs { .. } => "save-as",
            ClientMessage::GetSelection { .. } => "get-selection",
            ClientMessage::Paste { .. } => "paste",
            ClientMessage::InsertImage { .. } => "insert-image",
            ClientMessage::Window(request) => request.name(),
            ClientMessage::CommandValues { .. } => "command-values",
            ClientMessage::Ping => "ping",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Input,
    Up,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Input => "input",
            KeyKind::Up => "up",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MouseEvent {
    pub kind: &'static str,
    pub x: i64,
    pub y: i64,
    pub count: u32,
    pub buttons: u32,
    pub modifier: u32,
}

impl MouseEvent {
    /// `message` with the event as the kit reads it: `type x y count buttons modifier`.
    pub fn to_args(&self, message: Message) -> Message {
        message
            .arg("type", self.kind)
            .arg("x", self.x)
            .arg("y", self.y)
            .arg("count", self.count)
            .arg("buttons", self.buttons)
            .arg("modifier", self.modifier)
    }
}

/// One tile's identity: what its pixels depend on besides the document, which is also what wsd
/// and the kit write on the wire (oxool_proto::tile).
pub type TileKey = TileGeometry;

/// A 256-pixel tile of 3840 twips in column `x` of part 0, for unit tests.
#[cfg(test)]
pub(crate) fn test_tile_column(x: i64) -> TileKey {
    TileKey {
        part: 0,
        x,
        y: 0,
        tw: 3840,
        th: 3840,
        width: 256,
        height: 256,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileBatch {
    pub tiles: Vec<TileKey>,
    /// The client still has these tiles: an unchanged tile may be answered `unchanged=1`.
    pub refresh: bool,
    /// The client applies deltas: a changed tile of a `refresh` batch may be answered with
    /// only its changed rectangle (docs/protocol.md, "Tile deltas").
    pub delta: bool,
}

/// Why a client message was refused: the `kind` of the `error` answer and a text for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refused {
    pub kind: &'static str,
    pub message: String,
}

impl Refused {
    pub fn bad_message(message: impl Into<String>) -> Refused {
        Refused {
            kind: "bad-message",
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Refused {
        Refused {
            kind: "bad-request",
            message: message.into(),
        }
    }
}

/// Parses one text frame: a line, and for `paste` the body after the first `\n`.
pub fn parse_client(text: &str) -> Result<ClientMessage, Refused> {
    let (line, body) = text.split_once('\n').unwrap_or((text, ""));
    if line.len() > MAX_CLIENT_LINE {
        return Err(Refused::bad_message(format!(
            "a message line is at most {MAX_CLIENT_LINE} bytes"
        )));
    }
    let message = Message::parse(line).map_err(|e| Refused::bad_message(e.to_string()))?;
    let m = &message;
    if let Some(parsed) = window::parse(m, body) {
        return parsed;
    }
    Ok(match m.name.as_str() {
        "oxool" => ClientMessage::Hello {
            version: number(m, "version", 0, u32::MAX)?,
        },
        "load" => ClientMessage::Load {
            wopisrc: m.get("wopisrc").unwrap_or_default().to_string(),
            token: m.get("token").unwrap_or_default().to_string(),
            password: match m.get("password") {
                Some(p) if p.len() > MAX_PASSWORD_BYTES => {
                    return Err(Refused::bad_request(format!(
                        "password is at most {MAX_PASSWORD_BYTES} bytes"
                    )))
                }
                Some(p) => DocumentPassword::new(p),
                None => None,
            },
        },
        "status" => ClientMessage::Status,
        "tiles" => ClientMessage::Tiles(tile_batch(m)?),
        "tile-done" => ClientMessage::TileDone {
            count: number(m, "count", 1, 100_000)?,
        },
        "key" => key(m)?,
        "text" => {
            let text = m.require("text").map_err(bad_message)?;
            if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
                return Err(Refused::bad_request(format!(
                    "text must hold 1..={MAX_TEXT_CHARS} characters"
                )));
            }
            ClientMessage::Text(text.to_string())
        }
        "mouse" => ClientMessage::Mouse(mouse(m)?),
        "uno" => {
            let command = m.require("command").map_err(bad_message)?;
            if !command.starts_with(".uno:")
                || command.len() > 256
                || !command[5..]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
            {
                return Err(Refused::bad_request(format!(
                    "{:?} is not a .uno: command",
                    truncate(command, 80)
                )));
            }
            let args = m.get("args").map(str::to_string);
            if let Some(args) = &args {
                if !matches!(serde_json::from_str(args), Ok(serde_json::Value::Object(_))) {
                    return Err(Refused::bad_request("args must be a JSON object"));
                }
            }
            ClientMessage::Uno {
                command: command.to_string(),
                args,
            }
        }
        "set-part" => ClientMessage::SetPart {
            part: number(m, "part", 0, 100_000)?,
        },
        "save" => ClientMessage::Save {
            overwrite: m.get("overwrite") == Some("1"),
        },
        "reload" => ClientMessage::Reload,
        "download" => ClientMessage::Download {
            id: number(m, "id", 0, u64::MAX)?,
            format: format_name(m.require("format").map_err(bad_message)?)?,
        },
        "save-as" => {
            let name = m.require("name").map_err(bad_message)?;
            if name.is_empty()
                || name.len() > 255
                || name.contains(['/', '\\'])
                || name.chars().any(char::is_control)
                || name.starts_with('.')
                || !name.contains('.')
            {
                return Err(Refused::bad_request(
                    "save-as needs a file name with an extension, without directories",
                ));
            }
            ClientMessage::SaveAs {
                name: name.to_string(),
            }
        }
        "get-selection" => ClientMessage::GetSelection {
            id: number(m, "id", 0, u64::MAX)?,
            mimetype: clipboard_type(m)?,
        },
        "paste" => {
            if body.is_empty() {
                return Err(Refused::bad_request(
                    "paste needs the content after the line",
                ));
            }
            ClientMessage::Paste {
                mimetype: clipboard_type(m)?,
                data: body.as_bytes().to_vec(),
            }
        }
        "ping" => ClientMessage::Ping,
        other => {
            return Err(Refused::bad_message(format!(
                "unknown message {:?}",
                truncate(other, 40)
            )))
        }
    })
}

pub(super) fn bad_message(error: oxool_proto::MessageError) -> Refused {
    Refused::bad_message(error.to_string())
}

pub(super) fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// A required integer argument within `min..=max`.
pub(super) fn number<T>(m: &Message, key: &str, min: T, max: T) -> Result<T, Refused>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let text = m.require(key).map_err(bad_message)?;
    let value: T = text.parse().map_err(|_| {
        if text.parse::<i128>().is_ok() {
            // A number, just not one that fits: out of range, like any other.
            Refused::bad_request(format!(
                "argument {key:?} = {} is outside {min}..={max}",
                truncate(text, 40)
            ))
        } else {
            Refused::bad_message(format!(
                "argument {key:?} = {:?} is not a number",
                truncate(text, 40)
            ))
        }
    })?;
    if value < min || value > max {
        return Err(Refused::bad_request(format!(
            "argument {key:?} = {value} is outside {min}..={max}"
        )));
    }
    Ok(value)
}

fn optional_number(m: &Message, key: &str, default: u32, max: u32) -> Result<u32, Refused> {
    match m.get(key) {
        None => Ok(default),
        Some(_) => number(m, key, 0, max),
    }
}

fn clipboard_type(m: &Message) -> Result<String, Refused> {
    let mime = m.require("mimetype").map_err(bad_message)?;
    CLIPBOARD_TYPES
        .iter()
        .find(|t| t.eq_ignore_ascii_case(mime))
        .map(|t| t.to_string())
        .ok_or_else(|| {
            Refused::bad_request(format!(
                "mimetype {:?} is not one of {CLIPBOARD_TYPES:?}",
                truncate(mime, 40)
            ))
        })
}

fn format_name(format: &str) -> Result<String, Refused> {
    if format.is_empty() || format.len() > 10 || !format.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(Refused {
            kind: "format",
            message: format!("{:?} is not a format name", truncate(format, 20)),
        });
    }
    Ok(format.to_ascii_lowercase())
}

fn tile_batch(m: &Message) -> Result<TileBatch, Refused> {
    let part = number(m, "part", 0, 100_000)?;
    let width = number(m, "width", 1, MAX_TILE_PIXELS)?;
    let height = number(m, "height", 1, MAX_TILE_PIXELS)?;
    let tw = number(m, "tw", 1, width * MAX_TWIPS_PER_PIXEL)?;
    let th = number(m, "th", 1, height * MAX_TWIPS_PER_PIXEL)?;
    let at = m.require("at").map_err(bad_message)?;
    let positions: Vec<&str> = at.split(',').collect();
    if positions.len() > MAX_TILES_PER_BATCH {
        return Err(Refused::bad_request(format!(
            "{} tiles in one batch; at most {MAX_TILES_PER_BATCH}",
            positions.len()
        )));
    }
    let mut tiles = Vec::with_capacity(positions.len());
    for position in positions {
        let parsed = position
            .split_once(':')
            .and_then(|(x, y)| Some((x.parse::<i64>().ok()?, y.parse::<i64>().ok()?)));
        let Some((x, y)) = parsed else {
            return Err(Refused::bad_message(format!(
                "tile position {:?} is not x:y",
                truncate(position, 40)
            )));
        };
        if !(0..=MAX_TWIP_COORDINATE).contains(&x) || !(0..=MAX_TWIP_COORDINATE).contains(&y) {
            return Err(Refused::bad_request(format!(
                "tile position {x}:{y} is outside the document"
            )));
        }
        tiles.push(TileKey {
            part,
            x,
            y,
            tw,
            th,
            width,
            height,
        });
    }
    Ok(TileBatch {
        tiles,
        refresh: m.get("refresh") == Some("1"),
        delta: m.get("delta") == Some("1"),
    })
}

pub(super) fn key(m: &Message) -> Result<ClientMessage, Refused> {
    let kind = match m.require("type").map_err(bad_message)? {
        "input" => KeyKind::Input,
        "up" => KeyKind::Up,
        other => {
            return Err(Refused::bad_request(format!(
                "key type {:?} is not input or up",
                truncate(other, 20)
            )))
        }
    };
    let char = optional_number(m, "char", 0, 0x10FFFF)?;
    let code = optional_number(m, "code", 0, 0xFFFF)?;
    if char == 0 && code == 0 {
        return Err(Refused::bad_request("a key needs char or code"));
    }
    if char::from_u32(char).is_none() {
        return Err(Refused::bad_request(format!(
            "char {char} is not a Unicode scalar"
        )));
    }
    Ok(ClientMessage::Key { kind, char, code })
}

fn mouse(m: &Message) -> Result<MouseEvent, Refused> {
    mouse_within(m, MAX_TWIP_COORDINATE)
}

/// A mouse event at `x`, `y` in `0..=max`; `buttons` are LibreOffice's (VCL's): left 1,
/// middle 2, right 4.
pub(super) fn mouse_within(m: &Message, max: i64) -> Result<MouseEvent, Refused> {
    let kind = match m.require("type").map_err(bad_message)? {
        "down" => "down",
        "up" => "up",
        "move" => "move",
        other => {
            return Err(Refused::bad_request(format!(
                "mouse type {:?} is not down, up or move",
                truncate(other, 20)
            )))
        }
    };
    let x: i64 = number(m, "x", 0, max)?;
    let y: i64 = number(m, "y", 0, max)?;
    let count = match m.get("count") {
        None => 1,
        Some(_) => number(m, "count", 1, 3)?,
    };
    Ok(MouseEvent {
        kind,
        x,
        y,
        count,
        buttons: optional_number(m, "buttons", 1, 7)?,
        modifier: optional_number(m, "modifier", 0, 0xF000)?,
    })
}

/// A server text message: `message` and, when given, `\n` and the body.
pub fn text(message: &Message, body: Option<&str>) -> String {
    let mut text = message.render();
    if let Some(body) = body {
        text.push('\n');
        text.push_str(body);
    }
    text
}

/// A server binary frame: the header line, `\n`, the bytes.
pub fn binary(message: &Message, bytes: &[u8]) -> Vec<u8> {
    let header = message.render();
    let mut frame = Vec::with_capacity(header.len() + 1 + bytes.len());
    frame.extend_from_slice(header.as_bytes());
    frame.push(b'\n');
    frame.extend_from_slice(bytes);
    frame
}

/// `error kind=… message=… [request=…]`.
pub fn error(kind: &str, message: &str, request: Option<&str>) -> String {
    let mut m = Message::new("error")
        .arg("kind", kind)
        .arg("message", message);
    if let Some(request) = request {
        m = m.arg("request", request);
    }
    m.render()
}

/// The header of a tile answer.
pub fn tile_header(key: &TileKey) -> Message {
    key.write_args(Message::new("tile"))
}

#[cfg(test)]
mod tests;
