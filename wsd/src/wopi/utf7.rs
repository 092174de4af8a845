//! UTF-7 (RFC 2152), the encoding WOPI prescribes for file names in headers
//! (`X-WOPI-SuggestedTarget`, `X-WOPI-RequestedName`): HTTP headers are ASCII.

use base64::engine::general_purpose::STANDARD_NO_PAD as BASE64;
use base64::Engine as _;

/// Characters written as themselves: RFC 2152's "directly encoded" set and the optional
/// direct characters that are safe in a header.
fn is_direct(c: char) -> bool {
    c.is_ascii_alphanumeric() || " '(),-./:?!\"#$%&*;<=>@[]^_`{|}".contains(c)
}

pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending: Vec<u16> = Vec::new();
    let flush = |pending: &mut Vec<u16>, out: &mut String| {
        if pending.is_empty() {
            return;
        }
        let bytes: Vec<u8> = pending.iter().flat_map(|unit| unit.to_be_bytes()).collect();
        out.push('+');
        out.push_str(&BASE64.encode(bytes));
        out.push('-');
        pending.clear();
    };
    for c in text.chars() {
        if c == '+' {
            flush(&mut pending, &mut out);
            out.push_str("+-");
        } else if is_direct(c) {
            flush(&mut pending, &mut out);
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut units));
        }
    }
    flush(&mut pending, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::encode;

    #[test]
    fn rfc_2152_examples() {
        assert_eq!(encode("Hi Mom -☺-!"), "Hi Mom -+Jjo--!");
        assert_eq!(encode("日本語"), "+ZeVnLIqe-");
        assert_eq!(encode("A≢Α."), "A+ImIDkQ-.");
        assert_eq!(encode("1 + 1"), "1 +- 1");
        assert_eq!(encode("report.docx"), "report.docx");
        assert_eq!(encode("Ünïcode.odt"), "+ANw-n+AO8-code.odt");
    }
}
