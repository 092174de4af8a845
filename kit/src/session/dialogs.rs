//! Requests about LibreOffice's own windows (docs/kit-protocol.md, "Dialogs"): painting one
//! (`window-tile`), input for one (`window-key`, `window-mouse`, `window-text`,
//! `window-close`, `window-resize`), JSDialog answers (`dialog-event`), and the value lists of
//! `command-values`. Everything is parsed and bounded here before LibreOffice sees it; the
//! session checks that the sender's view owns the window ([`super::windows`]).

use oxool_proto::{Frame, FromKit, Message};

use super::args::{self, as_i32, ArgError};
use super::input::Input;
use super::tiles::{encode_png, unpremultiply, TileError};
use super::windows::WindowId;
use crate::lok::enums::{ext_textinput, window_action};
use crate::lok::{Document, LokError, TileMode};

/// A window area's largest side, in window (logical) pixels.
pub const MAX_WINDOW_SIDE: i64 = 2048;
/// The largest canvas LibreOffice paints for one `window-tile`: 2048 × 2048 device pixels.
pub const MAX_DEVICE_PIXELS: f64 = 4_194_304.0;
/// Device pixels per window pixel (a browser's devicePixelRatio).
pub const MAX_SCALE: f64 = 4.0;
/// How far into a window a position or an area may lie (window pixels).
pub const MAX_WINDOW_POSITION: i64 = 16_384;
/// A `dialog-event`'s JSON.
pub const MAX_DIALOG_EVENT_BYTES: usize = 64 * 1024;
/// A `window-text`'s composed text.
pub const MAX_WINDOW_TEXT_BYTES: usize = 16 * 1024;
/// A `command-values` command with its query (`.uno:ViewRowColumnHeaders?x=…`).
pub const MAX_VALUES_COMMAND_LEN: usize = 1024;

/// Input for one window, parsed and bounded.
#[derive(Debug, Clone, PartialEq)]
pub enum WindowInput {
    Key(Input),
    Mouse(Input),
    Text { kind: i32, text: String },
    Close,
    Resize { width: i32, height: i32 },
    DialogEvent(String),
}

/// The `id` of a window request: LibreOffice's window id. A `dialog-event` may also name 0,
/// [`OWN_PANELS`].
pub fn window_id(message: &Message) -> Result<WindowId, ArgError> {
    let lowest = if message.name == "dialog-event" { 0 } else { 1 };
    let id = args::int_in(message, "id", lowest..=i64::from(WindowId::MAX))?;
    Ok(WindowId::try_from(id).unwrap_or(WindowId::MAX))
}

/// The window id of the sender's own sidebar and formula bar: their JSDialog messages carry
/// id 0 in every view, and LibreOffice finds their widgets through the current view (which
/// the session selects first), so no ownership applies.
pub const OWN_PANELS: WindowId = 0;

impl WindowInput {
    /// Parses `window-key`, `window-mouse`, `window-text`, `window-close`, `window-resize` and
    /// `dialog-event` (whose JSON is the frame's payload).
    pub fn parse(message: &Message, payload: &[u8]) -> Result<WindowInput, ArgError> {
        Ok(match message.name.as_str() {
            "window-key" => WindowInput::Key(Input::key(message)?),
            "window-mouse" => {
                WindowInput::Mouse(Input::mouse_within(message, MAX_WINDOW_POSITION)?)
            }
            "window-text" => {
                let kind = match args::required(message, "type")? {
                    "input" => ext_textinput::TEXTINPUT,
                    "end" => ext_textinput::END,
                    _ => {
                        return Err(ArgError::Invalid {
                            key: "type",
                            detail: "must be input or end".into(),
                        })
                    }
                };
                let text = args::required(message, "text")?;
                if text.len() > MAX_WINDOW_TEXT_BYTES || text.contains('\0') {
                    return Err(ArgError::Invalid {
                        key: "text",
                        detail: format!("at most {MAX_WINDOW_TEXT_BYTES} bytes, without NUL"),
                    });
                }
                WindowInput::Text {
                    kind,
                    text: text.to_string(),
                }
            }
            "window-close" => WindowInput::Close,
            "window-resize" => WindowInput::Resize {
                width: as_i32(args::int_in(message, "width", 1..=MAX_WINDOW_SIDE)?),
                height: as_i32(args::int_in(message, "height", 1..=MAX_WINDOW_SIDE)?),
            },
            "dialog-event" => WindowInput::DialogEvent(dialog_event_json(payload)?),
            other => {
                return Err(ArgError::Invalid {
                    key: "name",
                    detail: format!("{other:?} is not window input"),
                })
            }
        })
    }

    /// Posts the input to window `id` (the sender's view is current).
    pub fn post(&self, document: &Document, id: WindowId) -> Result<(), LokError> {
        match self {
            WindowInput::Key(Input::Key {
                kind,
                char_code,
                key_code,
            }) => document.post_window_key_event(id, *kind, *char_code, *key_code),
            WindowInput::Mouse(Input::Mouse {
                kind,
                x,
                y,
                count,
                buttons,
                modifier,
            }) => document.post_window_mouse_event(id, *kind, *x, *y, *count, *buttons, *modifier),
            WindowInput::Key(_) | WindowInput::Mouse(_) => Ok(()),
            WindowInput::Text { kind, text } => {
                document.post_window_ext_text_input_event(id, *kind, text)
            }
            WindowInput::Close => document.post_window(id, window_action::CLOSE, None),
            WindowInput::Resize { width, height } => document.resize_window(id, *width, *height),
            WindowInput::DialogEvent(json) => document.send_dialog_event(u64::from(id), json),
        }
    }
}

/// A `dialog-event` body: a JSON object of at most [`MAX_DIALOG_EVENT_BYTES`].
fn dialog_event_json(payload: &[u8]) -> Result<String, ArgError> {
    let invalid = |detail: String| ArgError::Invalid {
        key: "payload",
        detail,
    };
    if payload.is_empty() || payload.len() > MAX_DIALOG_EVENT_BYTES {
        return Err(invalid(format!(
            "{} bytes; a dialog event is 1..={MAX_DIALOG_EVENT_BYTES} bytes of JSON",
            payload.len()
        )));
    }
    let text = std::str::from_utf8(payload).map_err(|_| invalid("not UTF-8".into()))?;
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(_)) if !text.contains('\0') => Ok(text.to_string()),
        _ => Err(invalid("must be a JSON object".into())),
    }
}

/// One `window-tile` request, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowTile {
    pub id: WindowId,
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
    /// The text of `scale` as sent, echoed in the answer.
    pub scale_text: String,
    pub scale: f64,
}

impl WindowTile {
    /// `window-tile view= id= x= y= width= height= [scale=1]`: window pixels at scale 1.
    pub fn parse(message: &Message) -> Result<WindowTile, ArgError> {
        let id = window_id(message)?;
        let x = args::int_in(message, "x", 0..=MAX_WINDOW_POSITION)?;
        let y = args::int_in(message, "y", 0..=MAX_WINDOW_POSITION)?;
        let width = args::int_in(message, "width", 1..=MAX_WINDOW_SIDE)?;
        let height = args::int_in(message, "height", 1..=MAX_WINDOW_SIDE)?;
        let scale_text = message.get("scale").unwrap_or("1");
        let scale: f64 = scale_text
            .parse()
            .ok()
            .filter(|s: &f64| (1.0..=MAX_SCALE).contains(s))
            .ok_or_else(|| ArgError::Invalid {
                key: "scale",
                detail: format!(
                    "{:?} is not a number in 1..={MAX_SCALE}",
                    scale_text.chars().take(16).collect::<String>()
                ),
            })?;
        let tile = WindowTile {
            id,
            x: as_i32(x),
            y: as_i32(y),
            width: as_i32(width),
            height: as_i32(height),
            scale_text: scale_text.to_string(),
            scale,
        };
        let (device_w, device_h) = tile.device_size();
        if f64::from(device_w) * f64::from(device_h) > MAX_DEVICE_PIXELS {
            return Err(ArgError::Invalid {
                key: "scale",
                detail: format!(
                    "{device_w} × {device_h} device pixels; at most {MAX_DEVICE_PIXELS} in all"
                ),
            });
        }
        Ok(tile)
    }

    /// The canvas in device pixels.
    pub fn device_size(&self) -> (i32, i32) {
        let scaled = |side: i32| (f64::from(side) * self.scale).round() as i32;
        (scaled(self.width), scaled(self.height))
    }

    /// Paints the area with `lok_view`'s eyes and encodes it: the `window-tile` answer.
    pub fn render(
        &self,
        document: &Document,
        view: &str,
        lok_view: i32,
    ) -> Result<Frame, TileError> {
        let mode = document.tile_mode().map_err(TileError::Paint)?;
        let (width, height) = self.device_size();
        let mut pixels = vec![0u8; width as usize * height as usize * 4];
        let origin = |at: i32| (f64::from(at) * self.scale).round() as i32;
        document
            .paint_window_for_view(
                self.id,
                &mut pixels,
                origin(self.x),
                origin(self.y),
                width,
                height,
                self.scale,
                lok_view,
            )
            .map_err(TileError::Paint)?;
        match mode {
            TileMode::Bgra => unpremultiply(&mut pixels, true),
            TileMode::Rgba => unpremultiply(&mut pixels, false),
            other => return Err(TileError::PixelLayout(other)),
        }
        let png = encode_png(&pixels, width as u32, height as u32)?;
        let header = Message::new(FromKit::WindowTile.name())
            .arg("view", view)
            .arg("id", self.id)
            .arg("x", self.x)
            .arg("y", self.y)
            .arg("width", self.width)
            .arg("height", self.height)
            .arg("scale", &self.scale_text)
            .arg("format", "png");
        Ok(Frame::with_payload(header.render(), png))
    }
}

/// The command of `command-values`: `.uno:<Name>` with an optional `?query` without spaces.
pub fn values_command(message: &Message) -> Result<&str, ArgError> {
    let command = args::short_text(message, "command", MAX_VALUES_COMMAND_LEN)?;
    let (name, query) = match command.split_once('?') {
        Some((name, query)) => (name, Some(query)),
        None => (command, None),
    };
    let valid_name = name
        .strip_prefix(".uno:")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric()));
    let valid_query = query.is_none_or(|q| q.bytes().all(|b| b.is_ascii_graphic()));
    if !valid_name || !valid_query {
        return Err(ArgError::Invalid {
            key: "command",
            detail: "must be .uno:<Name>[?query] in printable ASCII".into(),
        });
    }
    Ok(command)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::parse;

    #[test]
    fn window_tiles_are_bounded() {
        let tile = WindowTile::parse(&parse(
            "window-tile id=4 x=0 y=0 width=500 height=400 scale=2",
        ))
        .unwrap();
        assert_eq!(tile.device_size(), (1000, 800));
        let plain =
            WindowTile::parse(&parse("window-tile id=4 x=10 y=20 width=500 height=400")).unwrap();
        assert_eq!((plain.scale, plain.device_size()), (1.0, (500, 400)));
        let odd = WindowTile::parse(&parse(
            "window-tile id=4 x=0 y=0 width=3 height=3 scale=1.5",
        ))
        .unwrap();
        assert_eq!(odd.device_size(), (5, 5));
        for bad in [
            "window-tile id=0 x=0 y=0 width=5 height=5",
            "window-tile id=4294967296 x=0 y=0 width=5 height=5",
            "window-tile id=4 x=-1 y=0 width=5 height=5",
            "window-tile id=4 x=0 y=0 width=0 height=5",
            "window-tile id=4 x=0 y=0 width=2049 height=5",
            "window-tile id=4 x=0 y=0 width=5 height=5 scale=0.5",
            "window-tile id=4 x=0 y=0 width=5 height=5 scale=NaN",
            "window-tile id=4 x=0 y=0 width=5 height=5 scale=inf",
            "window-tile id=4 x=0 y=0 width=2048 height=2048 scale=2",
            "window-tile id=4 x=0 y=0 width=5",
        ] {
            assert!(WindowTile::parse(&parse(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn window_input_is_parsed_and_bounded() {
        let key = WindowInput::parse(&parse("window-key id=4 type=input char=0 code=1281"), b"");
        assert!(matches!(key, Ok(WindowInput::Key(_))), "{key:?}");
        let right = WindowInput::parse(
            &parse("window-mouse id=4 type=down x=12 y=40 count=1 buttons=4"),
            b"",
        )
        .unwrap();
        assert!(matches!(
            right,
            WindowInput::Mouse(Input::Mouse { buttons: 4, .. })
        ));
        assert!(WindowInput::parse(&parse("window-mouse id=4 type=down x=-1 y=0"), b"").is_err());
        assert!(
            WindowInput::parse(&parse("window-mouse id=4 type=down x=0 y=99999"), b"").is_err()
        );
        assert!(WindowInput::parse(&parse("window-resize id=4 width=0 height=5"), b"").is_err());
        assert!(WindowInput::parse(&parse("window-text id=4 type=pos text=a"), b"").is_err());
        let event = br#"{"id":"ok","cmd":"click","data":"","type":"pushbutton"}"#;
        assert!(WindowInput::parse(&parse("dialog-event id=5"), event).is_ok());
        for bad in [&b"[1]"[..], b"{", b"", &[b' '; MAX_DIALOG_EVENT_BYTES + 1]] {
            assert!(WindowInput::parse(&parse("dialog-event id=5"), bad).is_err());
        }
    }

    #[test]
    fn values_commands_are_uno_names_with_a_query() {
        for good in [
            ".uno:CharFontName",
            ".uno:ViewRowColumnHeaders?x=0&y=0&width=100&height=100",
        ] {
            let m = Message::new("command-values").arg("command", good);
            assert_eq!(values_command(&m).unwrap(), good);
        }
        for bad in [
            ".uno:",
            "CharFontName",
            ".uno:Char-Font",
            ".uno:A?b c",
            ".uno:A\u{1}",
        ] {
            let m = Message::new("command-values").arg("command", bad);
            assert!(values_command(&m).is_err(), "{bad}");
        }
    }
}
