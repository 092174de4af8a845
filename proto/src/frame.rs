//! Framing on the wsd ↔ kit stream socket.
//!
//! One frame is:
//!
//! ```text
//! u32 BE  header length H   (1 ..= MAX_HEADER_LEN)
//! H bytes header: one UTF-8 line, no '\n' (a `Message`)
//! u32 BE  payload length P  (0 ..= the reader's limit)
//! P bytes payload (document bytes, tile pixels, …)
//! ```
//!
//! Lengths are checked before anything is allocated, so a hostile peer cannot make the reader
//! allocate more than its limit. The `*_by_name` readers pick that limit from the message name in
//! the header, which they read first (wsd reads kits this way, see limits.rs).

use std::io::{self, Read, Write};

/// The largest header a peer may send: a message line is short; anything bigger is an attack or a bug.
pub const MAX_HEADER_LEN: u32 = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub header: String,
    pub payload: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("peer closed the connection")]
    Closed,
    #[error("i/o error on the kit socket: {0}")]
    Io(#[from] io::Error),
    #[error("header of {0} bytes is out of range (1..={MAX_HEADER_LEN})")]
    HeaderLength(u32),
    #[error("header contains a newline or is not UTF-8")]
    HeaderEncoding,
    #[error("payload of {len} bytes exceeds the limit of {limit} bytes")]
    PayloadTooLarge { len: u32, limit: u32 },
    #[error(
        "a {name:?} frame with {len} payload bytes exceeds that message's limit of {limit} bytes"
    )]
    MessageTooLarge { name: String, len: u32, limit: u32 },
}

impl Frame {
    pub fn new(header: impl Into<String>) -> Self {
        Frame {
            header: header.into(),
            payload: Vec::new(),
        }
    }

    pub fn with_payload(header: impl Into<String>, payload: Vec<u8>) -> Self {
        Frame {
            header: header.into(),
            payload,
        }
    }

    /// The encoded bytes: used by both the blocking and the async writers.
    pub fn encode(&self) -> Result<Vec<u8>, FrameError> {
        let header_len = self.header.len() as u32;
        if header_len == 0 || header_len > MAX_HEADER_LEN {
            return Err(FrameError::HeaderLength(header_len));
        }
        if self.header.contains('\n') {
            return Err(FrameError::HeaderEncoding);
        }
        let payload_len =
            u32::try_from(self.payload.len()).map_err(|_| FrameError::PayloadTooLarge {
                len: u32::MAX,
                limit: u32::MAX,
            })?;
        let mut out = Vec::with_capacity(8 + self.header.len() + self.payload.len());
        out.extend_from_slice(&header_len.to_be_bytes());
        out.extend_from_slice(self.header.as_bytes());
        out.extend_from_slice(&payload_len.to_be_bytes());
        out.extend_from_slice(&self.payload);
        Ok(out)
    }

    pub fn write_to(&self, writer: &mut impl Write) -> Result<(), FrameError> {
        writer.write_all(&self.encode()?)?;
        writer.flush()?;
        Ok(())
    }

    /// Reads one frame; `payload_limit` bounds the payload this reader accepts.
    pub fn read_from(reader: &mut impl Read, payload_limit: u32) -> Result<Frame, FrameError> {
        Self::read_from_inner(reader, |_| Limit::Fixed(payload_limit))
    }

    /// Reads one frame whose payload limit depends on its message name (the header's first
    /// word): `limit_for(name)`.
    pub fn read_from_by_name(
        reader: &mut impl Read,
        limit_for: impl Fn(&str) -> u32,
    ) -> Result<Frame, FrameError> {
        Self::read_from_inner(reader, |name| Limit::ByName(limit_for(name)))
    }

    fn read_from_inner(
        reader: &mut impl Read,
        limit_for: impl Fn(&str) -> Limit,
    ) -> Result<Frame, FrameError> {
        let header_len = read_u32(reader, true)?;
        check_header_len(header_len)?;
        let mut header = vec![0u8; header_len as usize];
        reader.read_exact(&mut header)?;
        let header = decode_header(header)?;
        let payload_len = read_u32(reader, false)?;
        limit_for(header_name(&header)).check(&header, payload_len)?;
        let mut payload = vec![0u8; payload_len as usize];
        reader.read_exact(&mut payload)?;
        Ok(Frame { header, payload })
    }

    /// The name of the message in the header: its first word.
    pub fn name(&self) -> &str {
        header_name(&self.header)
    }

    pub fn message(&self) -> Result<crate::Message, crate::MessageError> {
        crate::Message::parse(&self.header)
    }
}

fn check_header_len(len: u32) -> Result<(), FrameError> {
    if len == 0 || len > MAX_HEADER_LEN {
        return Err(FrameError::HeaderLength(len));
    }
    Ok(())
}

fn header_name(header: &str) -> &str {
    header.split(' ').next().unwrap_or("")
}

/// A payload limit, and whether it came from the message name (for the error).
enum Limit {
    Fixed(u32),
    ByName(u32),
}

impl Limit {
    fn check(self, header: &str, len: u32) -> Result<(), FrameError> {
        match self {
            Limit::Fixed(limit) if len > limit => Err(FrameError::PayloadTooLarge { len, limit }),
            Limit::ByName(limit) if len > limit => Err(FrameError::MessageTooLarge {
                // The peer chose the name: keep it short and printable in logs.
                name: header_name(header)
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(32)
                    .collect(),
                len,
                limit,
            }),
            _ => Ok(()),
        }
    }
}

fn decode_header(bytes: Vec<u8>) -> Result<String, FrameError> {
    let header = String::from_utf8(bytes).map_err(|_| FrameError::HeaderEncoding)?;
    if header.contains('\n') {
        return Err(FrameError::HeaderEncoding);
    }
    Ok(header)
}

/// Reads a big-endian u32; at a frame boundary (`at_boundary`) a clean EOF is `Closed`.
fn read_u32(reader: &mut impl Read, at_boundary: bool) -> Result<u32, FrameError> {
    let mut buf = [0u8; 4];
    let mut filled = 0;
    while filled < 4 {
        match reader.read(&mut buf[filled..]) {
            Ok(0) if filled == 0 && at_boundary => return Err(FrameError::Closed),
            Ok(0) => return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into()),
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(u32::from_be_bytes(buf))
}

#[cfg(feature = "tokio")]
mod async_io {
    use super::*;
    use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

    impl Frame {
        pub async fn write_async(
            &self,
            writer: &mut (impl AsyncWrite + Unpin),
        ) -> Result<(), FrameError> {
            writer.write_all(&self.encode()?).await?;
            writer.flush().await?;
            Ok(())
        }

        pub async fn read_async(
            reader: &mut (impl AsyncRead + Unpin),
            payload_limit: u32,
        ) -> Result<Frame, FrameError> {
            Self::read_async_inner(reader, |_| Limit::Fixed(payload_limit)).await
        }

        /// [`Frame::read_from_by_name`] for async readers.
        pub async fn read_async_by_name(
            reader: &mut (impl AsyncRead + Unpin),
            limit_for: impl Fn(&str) -> u32,
        ) -> Result<Frame, FrameError> {
            Self::read_async_inner(reader, |name| Limit::ByName(limit_for(name))).await
        }

        async fn read_async_inner(
            reader: &mut (impl AsyncRead + Unpin),
            limit_for: impl Fn(&str) -> Limit,
        ) -> Result<Frame, FrameError> {
            let header_len = match reader.read_u32().await {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    return Err(FrameError::Closed)
                }
                Err(e) => return Err(e.into()),
            };
            check_header_len(header_len)?;
            let mut header = vec![0u8; header_len as usize];
            reader.read_exact(&mut header).await?;
            let header = decode_header(header)?;
            let payload_len = reader.read_u32().await?;
            limit_for(header_name(&header)).check(&header, payload_len)?;
            let mut payload = vec![0u8; payload_len as usize];
            reader.read_exact(&mut payload).await?;
            Ok(Frame { header, payload })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let frame = Frame::with_payload("convert format=pdf", vec![1, 2, 3]);
        let bytes = frame.encode().unwrap();
        let back = Frame::read_from(&mut bytes.as_slice(), 10).unwrap();
        assert_eq!(back, frame);
        assert_eq!(back.name(), "convert");
    }

    #[test]
    fn refuses_payload_over_limit_before_allocating() {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&4u32.to_be_bytes());
        bytes.extend_from_slice(b"load");
        bytes.extend_from_slice(&u32::MAX.to_be_bytes());
        let err = Frame::read_from(&mut bytes.as_slice(), 1024).unwrap_err();
        assert!(matches!(err, FrameError::PayloadTooLarge { .. }));
    }

    #[test]
    fn the_limit_follows_the_message_name() {
        let limit = |name: &str| if name == "saved" { 100 } else { 10 };
        let big = Frame::with_payload("saved format=odt", vec![0; 100]);
        let back = Frame::read_from_by_name(&mut big.encode().unwrap().as_slice(), limit).unwrap();
        assert_eq!(back, big);
        // The length is refused before the payload is read: the stream below has none.
        let mut bytes = Frame::new("callback view=1").encode().unwrap();
        bytes.truncate(bytes.len() - 4);
        bytes.extend_from_slice(&11u32.to_be_bytes());
        match Frame::read_from_by_name(&mut bytes.as_slice(), limit).unwrap_err() {
            FrameError::MessageTooLarge { name, len, limit } => {
                assert_eq!((name.as_str(), len, limit), ("callback", 11, 10));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn refuses_bad_headers() {
        for (len, body) in [(0u32, &b""[..]), (MAX_HEADER_LEN + 1, &b"x"[..])] {
            let mut bytes = len.to_be_bytes().to_vec();
            bytes.extend_from_slice(body);
            assert!(matches!(
                Frame::read_from(&mut bytes.as_slice(), 1).unwrap_err(),
                FrameError::HeaderLength(_)
            ));
        }
        let mut bytes = 3u32.to_be_bytes().to_vec();
        bytes.extend_from_slice(b"a\nb");
        bytes.extend_from_slice(&0u32.to_be_bytes());
        assert!(matches!(
            Frame::read_from(&mut bytes.as_slice(), 1).unwrap_err(),
            FrameError::HeaderEncoding
        ));
        assert!(Frame::new("a\nb").encode().is_err());
    }

    #[test]
    fn clean_eof_is_closed_and_truncation_is_io() {
        assert!(matches!(
            Frame::read_from(&mut &b""[..], 1).unwrap_err(),
            FrameError::Closed
        ));
        let truncated = [0u8, 0, 0, 9, b'a'];
        assert!(matches!(
            Frame::read_from(&mut &truncated[..], 1).unwrap_err(),
            FrameError::Io(_)
        ));
    }
}
