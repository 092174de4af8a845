//! A message line: `name key=value key=value …`.
//!
//! Values are percent-encoded where they contain a space, `%`, `=` or a control character, so a
//! line always splits on single spaces. Keys are `[a-zA-Z0-9_.-]+`. Order does not matter:
//! readers look values up by key, never by position (Collabora's positional parsing is a known
//! source of bugs).

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};

/// Bytes that must be encoded inside a value.
const VALUE_ESCAPES: &AsciiSet = &CONTROLS.add(b' ').add(b'%').add(b'=');

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    pub name: String,
    pub args: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MessageError {
    #[error("empty message")]
    Empty,
    #[error("bad message name {0:?}")]
    BadName(String),
    #[error("argument {0:?} is not key=value")]
    BadArgument(String),
    #[error("value of {0:?} is not valid percent-encoded UTF-8")]
    BadValue(String),
    #[error("missing argument {0:?}")]
    Missing(String),
    #[error("argument {key:?} has an invalid value {value:?}")]
    Invalid { key: String, value: String },
}

fn valid_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b':'))
}

impl Message {
    pub fn new(name: &str) -> Self {
        debug_assert!(valid_token(name), "message name {name:?}");
        Message {
            name: name.to_string(),
            args: Vec::new(),
        }
    }

    /// Builder-style argument; the value is encoded when the line is rendered.
    pub fn arg(mut self, key: &str, value: impl ToString) -> Self {
        debug_assert!(valid_token(key), "message key {key:?}");
        self.args.push((key.to_string(), value.to_string()));
        self
    }

    pub fn parse(line: &str) -> Result<Message, MessageError> {
        let mut words = line.split(' ').filter(|w| !w.is_empty());
        let name = words.next().ok_or(MessageError::Empty)?;
        if !valid_token(name) {
            return Err(MessageError::BadName(name.chars().take(64).collect()));
        }
        let mut args = Vec::new();
        for word in words {
            let (key, value) = word
                .split_once('=')
                .filter(|(k, _)| valid_token(k))
                .ok_or_else(|| MessageError::BadArgument(word.chars().take(64).collect()))?;
            let value = percent_decode_str(value)
                .decode_utf8()
                .map_err(|_| MessageError::BadValue(key.to_string()))?;
            args.push((key.to_string(), value.into_owned()));
        }
        Ok(Message {
            name: name.to_string(),
            args,
        })
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.args
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn require(&self, key: &str) -> Result<&str, MessageError> {
        self.get(key)
            .ok_or_else(|| MessageError::Missing(key.to_string()))
    }

    /// A typed value: `Missing` when absent, `Invalid` when it does not parse.
    pub fn parse_arg<T: std::str::FromStr>(&self, key: &str) -> Result<T, MessageError> {
        let value = self.require(key)?;
        value.parse().map_err(|_| MessageError::Invalid {
            key: key.to_string(),
            value: value.chars().take(64).collect(),
        })
    }

    pub fn render(&self) -> String {
        let mut line = self.name.clone();
        for (key, value) in &self.args {
            line.push(' ');
            line.push_str(key);
            line.push('=');
            line.extend(utf8_percent_encode(value, VALUE_ESCAPES));
        }
        line
    }
}

impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_escapes() {
        let m = Message::new("convert")
            .arg("name", "my file=%.docx")
            .arg("format", "pdf");
        let line = m.render();
        assert_eq!(line, "convert name=my%20file%3D%25.docx format=pdf");
        assert_eq!(Message::parse(&line).unwrap(), m);
    }

    #[test]
    fn lookup_is_by_key() {
        let m = Message::parse("tile part=0 width=256").unwrap();
        assert_eq!(m.parse_arg::<u32>("width"), Ok(256));
        assert_eq!(m.get("part"), Some("0"));
        assert!(matches!(
            m.parse_arg::<u32>("height"),
            Err(MessageError::Missing(_))
        ));
        let bad = Message::parse("tile width=abc").unwrap();
        assert!(matches!(
            bad.parse_arg::<u32>("width"),
            Err(MessageError::Invalid { .. })
        ));
    }

    #[test]
    fn rejects_malformed_lines() {
        assert_eq!(Message::parse(""), Err(MessageError::Empty));
        // Each line with the test its error must pass.
        type ErrorTest = fn(&MessageError) -> bool;
        let cases: [(&str, ErrorTest); 4] = [
            ("bad/name", |e| matches!(e, MessageError::BadName(_))),
            ("load noequals", |e| {
                matches!(e, MessageError::BadArgument(_))
            }),
            ("load =x", |e| matches!(e, MessageError::BadArgument(_))),
            ("load a=%ff", |e| matches!(e, MessageError::BadValue(_))),
        ];
        for (line, is_expected) in cases {
            let result = Message::parse(line);
            assert!(
                matches!(&result, Err(err) if is_expected(err)),
                "{line:?}: {result:?}"
            );
        }
    }
}
