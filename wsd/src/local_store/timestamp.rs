//! WOPI's `LastModifiedTime`: ISO 8601 in UTC with fractional seconds, and the reverse for
//! Collabora's `X-COOL-WOPI-Timestamp`, which echoes the value we handed out.
//!
//! Compared at microsecond precision: that is what we print, and a file system's nanoseconds
//! must not turn our own echoed timestamp into a false conflict.

#[cfg(test)]
use std::time::Duration;
use std::time::{SystemTime, UNIX_EPOCH};

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Microseconds since the Unix epoch (negative before it), the unit timestamps are compared in.
pub type Micros = i128;

pub fn to_micros(time: SystemTime) -> Micros {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_micros() as Micros,
        Err(before) => -(before.duration().as_micros() as Micros),
    }
}

/// How timestamps are written: microseconds, UTC, `Z`.
const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
);

/// `2024-05-01T12:34:56.123456Z`. A time outside the years 0–9999 (a file system can hold
/// one) is written as the nearest end of that range.
pub fn format_iso8601(time: SystemTime) -> String {
    let micros = to_micros(time);
    let nearest_end = if micros < 0 {
        time::macros::datetime!(0000-01-01 0:00 UTC)
    } else {
        time::macros::datetime!(9999-12-31 23:59:59.999_999 UTC)
    };
    let instant = OffsetDateTime::from_unix_timestamp_nanos(micros * 1000).unwrap_or(nearest_end);
    instant
        .format(FORMAT)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000000Z".to_string())
}

/// Parses an RFC 3339 timestamp (`YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, real calendar
/// dates only); `None` for anything else. Digits past microseconds are ignored.
pub fn parse_iso8601(text: &str) -> Option<Micros> {
    let instant = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    Some(instant.unix_timestamp_nanos().div_euclid(1000))
}

/// The `SystemTime` of a microsecond count.
#[cfg(test)]
pub fn from_micros(micros: Micros) -> SystemTime {
    if micros >= 0 {
        UNIX_EPOCH + Duration::from_micros(micros as u64)
    } else {
        UNIX_EPOCH - Duration::from_micros(micros.unsigned_abs() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_far_times_within_the_calendar() {
        let far = from_micros(400_000_000_000 * 1_000_000);
        assert_eq!(format_iso8601(far), "9999-12-31T23:59:59.999999Z");
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_iso8601(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
        let leap_day = from_micros(951_782_400_000_000 + 1_500_000);
        assert_eq!(format_iso8601(leap_day), "2000-02-29T00:00:01.500000Z");
        let before = from_micros(-1);
        assert_eq!(format_iso8601(before), "1969-12-31T23:59:59.999999Z");
    }

    #[test]
    fn parse_reverses_format() {
        for micros in [
            0,
            1,
            951_782_400_000_000,
            1_714_566_896_123_456,
            -86_400_000_001,
        ] {
            let text = format_iso8601(from_micros(micros));
            assert_eq!(parse_iso8601(&text), Some(micros), "{text}");
        }
    }

    #[test]
    fn parses_other_spellings() {
        let base = parse_iso8601("2024-05-01T12:00:00Z").unwrap();
        assert_eq!(parse_iso8601("2024-05-01T14:00:00+02:00"), Some(base));
        // RFC 3339 allows a space for the `T`.
        assert_eq!(parse_iso8601("2024-05-01 12:00:00Z"), Some(base));
        assert_eq!(
            parse_iso8601("2024-05-01T12:00:00.5Z"),
            Some(base + 500_000)
        );
        assert_eq!(
            parse_iso8601("2024-05-01T12:00:00.1234567Z"),
            Some(base + 123_456)
        );
    }

    #[test]
    fn refuses_malformed() {
        for text in [
            "",
            "2024-05-01",
            "2024-05-01T12:00:00",
            "2024-13-01T12:00:00Z",
            "2024-05-01T12:00:00.Z",
            "2024-05-01T12:00:00+2:00",
            "+024-05-01T12:00:00Z",
            // Dates that do not exist.
            "2023-02-29T12:00:00Z",
            "2024-02-31T12:00:00Z",
            "2024-04-31T12:00:00Z",
            "2024-05-01T24:00:00Z",
        ] {
            assert_eq!(parse_iso8601(text), None, "{text}");
        }
    }
}
