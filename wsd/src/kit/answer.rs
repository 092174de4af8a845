//! The one rule for a request that has a single answer (`load` → `loaded`, `convert` →
//! `converted`, `warm-up` → `warmed`; docs/kit-protocol.md): a stray `ready` is skipped, the
//! expected message is the answer, `error` is the kit's refusal, anything else breaks the
//! protocol. Each caller reads frames its own way (limits differ) and maps the outcome to its
//! own error type.

use oxool_proto::{Frame, FromKit, Message, MessageError};

/// What one frame means while a request waits for its answer.
pub enum Reply {
    /// Not the answer (`ready`, which forkit normally reads itself): read the next frame.
    Skip,
    /// The expected message, with its payload.
    Answer(Message, Vec<u8>),
    /// `error kind=… message=…`: the kit refused the request.
    Refused(Message),
    /// Any other message, by name (at most 64 characters of it).
    Unexpected(String),
}

/// Classifies `frame` while waiting for `expected`.
pub fn classify(frame: Frame, expected: FromKit) -> Result<Reply, MessageError> {
    let message = frame.message()?;
    Ok(match FromKit::parse(&message.name) {
        Some(kind) if kind == expected => Reply::Answer(message, frame.payload),
        Some(FromKit::Ready) => Reply::Skip,
        Some(FromKit::Error) => Reply::Refused(message),
        _ => Reply::Unexpected(message.name.chars().take(64).collect()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(header: &str) -> Reply {
        classify(
            Frame::with_payload(header.to_string(), b"x".to_vec()),
            FromKit::Loaded,
        )
        .unwrap()
    }

    #[test]
    fn one_rule_for_every_single_answer() {
        assert!(matches!(reply("ready jail=a pid=1"), Reply::Skip));
        assert!(
            matches!(reply("loaded type=text parts=1"), Reply::Answer(m, p) if m.name == "loaded" && p == b"x")
        );
        assert!(matches!(
            reply("error kind=load message=no"),
            Reply::Refused(_)
        ));
        assert!(matches!(reply("converted format=pdf"), Reply::Unexpected(n) if n == "converted"));
        assert!(matches!(reply("nonsense"), Reply::Unexpected(_)));
    }
}
