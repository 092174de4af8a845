//! How large a payload each kit → wsd message may carry (docs/kit-protocol.md, "Payload limits").
//!
//! A kit runs LibreOffice on a hostile document, so wsd must not let it make wsd allocate a
//! document-sized buffer for a message that never carries a document. The reader takes the
//! header first and picks the payload limit by the message's name; a frame over it is a broken
//! protocol, and the kit is killed.

/// The largest tile side in pixels that a client may ask for and a kit paints (4 MiB of RGBA).
pub const MAX_TILE_PIXELS: u32 = 1024;

/// The most views (wsd's sessions) a kit opens on its document: more sessions than this on one
/// document is a bug or an attack, not co-editing. wsd's `editing.max_sessions_per_document`
/// may not exceed it.
pub const MAX_VIEWS: usize = 64;

/// The clipboard MIME types of the client's `get-selection` and `paste` and the kit's
/// `selection` and `paste`: what browsers put on and take from the clipboard.
pub const CLIPBOARD_TYPES: &[&str] = &["text/plain;charset=utf-8", "text/html", "text/plain"];

/// `error`, `loaded` and every other message without a document, pixels or LibreOffice JSON.
pub const MAX_EVENT_PAYLOAD: u32 = 64 * 1024;

/// `callback` (payloads over 16 KiB travel in the body): JSDialog's widget trees (a sidebar
/// deck is hundreds of KiB) and comment lists. The kit's callback queue holds at most 16 MiB
/// of them, so a few such callbacks can wait while wsd reads.
pub const MAX_CALLBACK_PAYLOAD: u32 = 4 << 20;

/// `command-values`: LibreOffice's JSON for `getCommandValues` (the font list with every
/// font's sizes, the style list).
pub const MAX_COMMAND_VALUES_PAYLOAD: u32 = 4 << 20;

/// `window-tile`: a PNG of at most 4 194 304 device pixels (16 MiB raw RGBA), with room for
/// PNG's filter bytes and uncompressible blocks.
pub const MAX_WINDOW_TILE_PAYLOAD: u32 = 17 << 20;

/// `tile`: a PNG of at most 1024 × 1024 RGBA pixels (4 MiB raw), with room for PNG's filter
/// bytes and uncompressible blocks.
pub const MAX_TILE_PAYLOAD: u32 = 6 << 20;

/// `selection`: the kit refuses selections over 8 MiB.
pub const MAX_SELECTION_PAYLOAD: u32 = 8 << 20;

/// `status`: the JSON list of part names (sheets, slides).
pub const MAX_STATUS_PAYLOAD: u32 = 1 << 20;

/// The largest payload a kit may send with a message named `name`; `max_document` is the limit
/// for the two messages that carry a whole document, `converted` and `saved`
/// (`kit.max_document_mb`).
pub fn kit_payload_limit(name: &str, max_document: u32) -> u32 {
    match name {
        "converted" | "saved" => max_document,
        "tile" => MAX_TILE_PAYLOAD,
        "window-tile" => MAX_WINDOW_TILE_PAYLOAD,
        "callback" => MAX_CALLBACK_PAYLOAD,
        "command-values" => MAX_COMMAND_VALUES_PAYLOAD,
        "selection" => MAX_SELECTION_PAYLOAD,
        "status" => MAX_STATUS_PAYLOAD,
        _ => MAX_EVENT_PAYLOAD,
    }
}

/// The zlib level of tile PNGs (the kit's tiles and wsd's tile deltas), with png's adaptive
/// row filters. Measured by `oxool-bench --png` on real tiles (docs/benchmarks.md): level 3
/// encodes in 0.7× the time of png 0.17's default and gives 5 % fewer bytes; level 6 saves
/// only 1 % more bytes for 35 % more time, and level 1 or fdeflate cost 1.7–3.9× the bytes
/// that every viewer of a document receives.
pub const TILE_PNG_ZLIB_LEVEL: u8 = 3;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_documents_are_document_sized() {
        let document = 100 << 20;
        assert_eq!(kit_payload_limit("converted", document), document);
        assert_eq!(kit_payload_limit("saved", document), document);
        assert_eq!(kit_payload_limit("tile", document), 6 << 20);
        assert_eq!(kit_payload_limit("callback", document), 4 << 20);
        assert_eq!(kit_payload_limit("command-values", document), 4 << 20);
        assert_eq!(kit_payload_limit("window-tile", document), 17 << 20);
        assert_eq!(kit_payload_limit("error", document), 64 * 1024);
        assert_eq!(kit_payload_limit("no-such-message", document), 64 * 1024);
    }
}
