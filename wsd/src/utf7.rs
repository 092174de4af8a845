//! UTF-7 (RFC 2152), which WOPI prescribes for `X-WOPI-SuggestedTarget`,
//! `X-WOPI-RelativeTarget` and `X-WOPI-ValidRelativeTarget` so that any file name fits in an
//! ASCII header. Collabora encodes with it; plain ASCII names pass through unchanged.

use base64::alphabet::STANDARD;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;

/// UTF-7's base64: the standard alphabet, never padded, trailing bits ignored.
const MODIFIED_BASE64: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Utf7Error {
    #[error("the header is not ASCII")]
    NotAscii,
    #[error("a shifted sequence is not valid base64")]
    BadBase64,
    #[error("a shifted sequence is not valid UTF-16")]
    BadUtf16,
}

pub fn decode(text: &str) -> Result<String, Utf7Error> {
    if !text.is_ascii() {
        return Err(Utf7Error::NotAscii);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(plus) = rest.find('+') {
        out.push_str(&rest[..plus]);
        let shifted = &rest[plus + 1..];
        let run = shifted
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
            .count();
        if run == 0 {
            // "+-" is a literal plus; a lone "+" before a non-base64 character is one too.
            out.push('+');
        } else {
            let bytes = MODIFIED_BASE64
                .decode(&shifted[..run])
                .map_err(|_| Utf7Error::BadBase64)?;
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
                .collect();
            out.push_str(&String::from_utf16(&units).map_err(|_| Utf7Error::BadUtf16)?);
        }
        // The '-' that ends a shifted sequence is absorbed.
        let after = &shifted[run..];
        rest = after.strip_prefix('-').unwrap_or(after);
    }
    out.push_str(rest);
    Ok(out)
}

pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending: Vec<u16> = Vec::new();
    let flush = |pending: &mut Vec<u16>, out: &mut String| {
        if !pending.is_empty() {
            let bytes: Vec<u8> = pending.iter().flat_map(|unit| unit.to_be_bytes()).collect();
            out.push('+');
            out.push_str(&MODIFIED_BASE64.encode(bytes));
            out.push('-');
            pending.clear();
        }
    };
    for c in text.chars() {
        if c == '+' {
            flush(&mut pending, &mut out);
            out.push_str("+-");
        } else if c.is_ascii() && !c.is_ascii_control() && c != '~' && c != '\\' {
            flush(&mut pending, &mut out);
            out.push(c);
        } else {
            let mut buffer = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut buffer));
        }
    }
    flush(&mut pending, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_examples() {
        assert_eq!(decode("Hi Mom -+Jjo--!").unwrap(), "Hi Mom -\u{263A}-!");
        assert_eq!(decode("+ZeVnLIqe-").unwrap(), "\u{65E5}\u{672C}\u{8A9E}");
        assert_eq!(decode("A+ImIDkQ.").unwrap(), "A\u{2262}\u{0391}.");
        assert_eq!(decode("1 +- 1").unwrap(), "1 + 1");
    }

    #[test]
    fn round_trips() {
        for name in [
            "report.docx",
            "Müller & Söhne.odt",
            "a+b.xlsx",
            "日本語 📄.pptx",
            "x~y",
        ] {
            assert_eq!(decode(&encode(name)).unwrap(), name, "{name}");
            assert!(encode(name).is_ascii());
        }
    }

    #[test]
    fn refuses_broken_input() {
        assert_eq!(decode("naïve"), Err(Utf7Error::NotAscii));
        // One UTF-16 unit of a surrogate pair alone.
        assert_eq!(decode("+2D0-"), Err(Utf7Error::BadUtf16));
    }
}
