//! How large a payload each kit → wsd message may carry (docs/kit-protocol.md, "Payload limits").
//!
//! A kit runs LibreOffice on a hostile document, so wsd must not let it make wsd allocate a
//! document-sized buffer for a message that never carries a document. The reader takes the
//! header first and picks the payload limit by the message's name; a frame over it is a broken
//! protocol, and the kit is killed.

/// `callback` (payloads over 16 KiB travel in the body), `error`, `loaded` and every other
/// message without a document or pixels.
pub const MAX_EVENT_PAYLOAD: u32 = 64 * 1024;

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
        "selection" => MAX_SELECTION_PAYLOAD,
        "status" => MAX_STATUS_PAYLOAD,
        _ => MAX_EVENT_PAYLOAD,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_documents_are_document_sized() {
        let document = 100 << 20;
        assert_eq!(kit_payload_limit("converted", document), document);
        assert_eq!(kit_payload_limit("saved", document), document);
        assert_eq!(kit_payload_limit("tile", document), 6 << 20);
        assert_eq!(kit_payload_limit("callback", document), 64 * 1024);
        assert_eq!(kit_payload_limit("error", document), 64 * 1024);
        assert_eq!(kit_payload_limit("no-such-message", document), 64 * 1024);
    }
}
