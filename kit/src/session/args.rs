//! Typed, bounded arguments of session requests. Every failure names the argument, so wsd (and
//! whoever reads its logs) sees which part of a request was wrong; the kit then carries on.

use std::ops::RangeInclusive;

use oxool_proto::Message;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArgError {
    #[error("missing argument {0:?}")]
    Missing(&'static str),
    #[error("argument {key:?} is not a number: {value:?}")]
    NotANumber { key: &'static str, value: String },
    #[error("argument {key:?} = {value} is outside {min}..={max}")]
    OutOfRange {
        key: &'static str,
        value: i64,
        min: i64,
        max: i64,
    },
    #[error("argument {key:?} has an invalid value: {detail}")]
    Invalid { key: &'static str, detail: String },
}

/// The value of `key`, required.
pub fn required<'m>(message: &'m Message, key: &'static str) -> Result<&'m str, ArgError> {
    message.get(key).ok_or(ArgError::Missing(key))
}

/// An integer in `range`, required.
pub fn int_in(
    message: &Message,
    key: &'static str,
    range: RangeInclusive<i64>,
) -> Result<i64, ArgError> {
    let text = required(message, key)?;
    let value: i64 = text.parse().map_err(|_| ArgError::NotANumber {
        key,
        value: text.chars().take(32).collect(),
    })?;
    if !range.contains(&value) {
        return Err(ArgError::OutOfRange {
            key,
            value,
            min: *range.start(),
            max: *range.end(),
        });
    }
    Ok(value)
}

/// An integer in `range`, or `default` when the argument is absent.
pub fn int_or(
    message: &Message,
    key: &'static str,
    range: RangeInclusive<i64>,
    default: i64,
) -> Result<i64, ArgError> {
    if message.get(key).is_none() {
        return Ok(default);
    }
    int_in(message, key, range)
}

/// `1`/`true` or `0`/`false`; absent is false.
pub fn flag(message: &Message, key: &'static str) -> Result<bool, ArgError> {
    match message.get(key) {
        None | Some("0") | Some("false") => Ok(false),
        Some("1") | Some("true") => Ok(true),
        Some(other) => Err(ArgError::Invalid {
            key,
            detail: format!(
                "{:?} is not 0 or 1",
                other.chars().take(32).collect::<String>()
            ),
        }),
    }
}

/// A short printable text (no control characters) of at most `max_len` bytes.
pub fn short_text<'m>(
    message: &'m Message,
    key: &'static str,
    max_len: usize,
) -> Result<&'m str, ArgError> {
    let text = required(message, key)?;
    if text.is_empty() || text.len() > max_len || text.chars().any(char::is_control) {
        return Err(ArgError::Invalid {
            key,
            detail: format!("must be 1..={max_len} bytes without control characters"),
        });
    }
    Ok(text)
}

/// Narrows a value already checked against an `i32` range.
pub fn as_i32(value: i64) -> i32 {
    i32::try_from(value).unwrap_or(if value < 0 { i32::MIN } else { i32::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_checked_and_named() {
        let m = Message::parse("tile width=2000 height=abc x=-5").unwrap();
        assert_eq!(
            int_in(&m, "width", 1..=1024),
            Err(ArgError::OutOfRange {
                key: "width",
                value: 2000,
                min: 1,
                max: 1024
            })
        );
        assert!(matches!(
            int_in(&m, "height", 1..=1024),
            Err(ArgError::NotANumber { key: "height", .. })
        ));
        assert_eq!(int_in(&m, "tw", 1..=10), Err(ArgError::Missing("tw")));
        assert_eq!(int_or(&m, "count", 1..=3, 1), Ok(1));
        assert!(int_in(&m, "x", 0..=10)
            .unwrap_err()
            .to_string()
            .contains("\"x\""));
    }

    #[test]
    fn flags_and_texts() {
        let m = Message::parse("view-open readonly=1 user=a%0Ab other=yes").unwrap();
        assert_eq!(flag(&m, "readonly"), Ok(true));
        assert_eq!(flag(&m, "missing"), Ok(false));
        assert!(flag(&m, "other").is_err());
        assert!(short_text(&m, "user", 64).is_err());
    }
}
