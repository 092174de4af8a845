//! `insert-image` (docs/protocol.md, "Inserting an image"): the one binary message a client
//! sends, an image from the user's computer for the session's document. Its size and type are
//! checked here, in the session's task, before the broker or the kit sees it; the bytes then go
//! to that document's kit only, which writes them into its own jail (kit/src/session/images.rs).

use oxool_proto::images::{check_image, MAX_IMAGE_BYTES};
use oxool_proto::Message;

use super::protocol::{ClientMessage, Refused, MAX_CLIENT_LINE};

/// The WebSocket's frame and message limit: an image and its header line. A larger frame is
/// refused by the WebSocket layer before it is buffered (the connection closes with 1009); up
/// to this size the client gets an `error` it can show.
pub const MAX_BINARY_FRAME: usize = MAX_IMAGE_BYTES + MAX_CLIENT_LINE + 1;

/// A binary frame: `insert-image name=<file name>`, `\n`, the image's bytes.
pub fn parse_binary(frame: &[u8]) -> Result<ClientMessage, Refused> {
    let newline = frame
        .iter()
        .take(MAX_CLIENT_LINE + 1)
        .position(|b| *b == b'\n')
        .ok_or_else(|| Refused::bad_message("a binary frame starts with a header line"))?;
    let line = std::str::from_utf8(&frame[..newline])
        .map_err(|_| Refused::bad_message("the header line is not UTF-8"))?;
    let message = Message::parse(line).map_err(|e| Refused::bad_message(e.to_string()))?;
    if message.name != "insert-image" {
        return Err(Refused::bad_message(
            "the only binary client message is insert-image",
        ));
    }
    let data = &frame[newline + 1..];
    let (_, name) =
        check_image(message.get("name").unwrap_or_default(), data).map_err(|e| Refused {
            kind: e.kind(),
            message: e.to_string(),
        })?;
    Ok(ClientMessage::InsertImage {
        name,
        data: data.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(line: &str, bytes: &[u8]) -> Vec<u8> {
        [line.as_bytes(), b"\n", bytes].concat()
    }

    #[test]
    fn an_image_with_a_hostile_name_gets_a_safe_one() {
        let png = b"\x89PNG\r\n\x1a\nrest";
        let parsed = parse_binary(&frame("insert-image name=..%2F..%2Fetc%2Fpasswd", png));
        assert_eq!(
            parsed,
            Ok(ClientMessage::InsertImage {
                name: "passwd.png".into(),
                data: png.to_vec()
            })
        );
    }

    #[test]
    fn other_frames_are_refused() {
        let refused = |f: &[u8]| parse_binary(f).unwrap_err().kind;
        assert_eq!(refused(b"no header line"), "bad-message");
        assert_eq!(
            refused(&frame("paste mimetype=text/plain", b"x")),
            "bad-message"
        );
        assert_eq!(
            refused(&frame("insert-image name=a.png", b"<svg/>")),
            "bad-request"
        );
        let big = [b"\xFF\xD8\xFF".as_slice(), &vec![0; MAX_IMAGE_BYTES]].concat();
        assert_eq!(
            refused(&frame("insert-image name=a.jpg", &big)),
            "too-large"
        );
    }
}
