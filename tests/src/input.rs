//! The input messages tests send, alike in the client ↔ wsd and wsd ↔ kit protocols: a key
//! press is two messages (`type=input`, then `type=up`), a click two (`down`, then `up`). The
//! caller's `target` message names the request and what it addresses (`view=`, a window's
//! `id=`); the rest is the same everywhere.

use oxool_proto::Message;

/// Client messages that would edit a document, one of each kind: typing, Delete, Enter, text,
/// paste, a press of the right button, a formatting command, cutting, save-as. A view-only
/// session must be refused every one (selecting with the left button and copying are allowed).
pub const EDITING_INPUT: [&str; 9] = [
    "key type=input char=120 code=0",
    "key type=input char=0 code=1283",
    "key type=input char=13 code=1280",
    "text text=nope",
    "paste mimetype=text/plain;charset=utf-8\nnope",
    "mouse type=down x=1440 y=1440 count=1 buttons=4 modifier=0",
    "uno command=.uno:Bold",
    "uno command=.uno:Cut",
    "save-as name=copy.odt",
];

/// One key press of `target`: its `input` and `up` messages.
pub fn key_press(target: &Message, char_code: u32, key_code: u32) -> [Message; 2] {
    ["input", "up"].map(|kind| {
        target
            .clone()
            .arg("type", kind)
            .arg("char", char_code)
            .arg("code", key_code)
    })
}

/// One click of `target` with `buttons` (LibreOffice's: left 1, middle 2, right 4) at (`x`,
/// `y`): its `down` and `up` messages.
pub fn click(target: &Message, x: i64, y: i64, buttons: u32) -> [Message; 2] {
    ["down", "up"].map(|kind| {
        target
            .clone()
            .arg("type", kind)
            .arg("x", x)
            .arg("y", y)
            .arg("count", 1)
            .arg("buttons", buttons)
    })
}

/// `window-tile` of the whole window `id` (`width`×`height` from its corner) at `scale`.
pub fn window_tile(id: &str, width: impl ToString, height: impl ToString, scale: &str) -> Message {
    Message::new("window-tile")
        .arg("id", id)
        .arg("x", 0)
        .arg("y", 0)
        .arg("width", width)
        .arg("height", height)
        .arg("scale", scale)
}
