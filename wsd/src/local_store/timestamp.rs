//! WOPI's `LastModifiedTime`: ISO 8601 in UTC with fractional seconds, and the reverse for
//! Collabora's `X-COOL-WOPI-Timestamp`, which echoes the value we handed out.
//!
//! Compared at microsecond precision: that is what we print, and a file system's nanoseconds
//! must not turn our own echoed timestamp into a false conflict.

#[cfg(test)]
use std::time::Duration;
use std::time::{SystemTime, UNIX_EPOCH};

/// Microseconds since the Unix epoch (negative before it), the unit timestamps are compared in.
pub type Micros = i128;

pub fn to_micros(time: SystemTime) -> Micros {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_micros() as Micros,
        Err(before) => -(before.duration().as_micros() as Micros),
    }
}

/// `2024-05-01T12:34:56.123456Z`.
pub fn format_iso8601(time: SystemTime) -> String {
    let micros = to_micros(time);
    let seconds = micros.div_euclid(1_000_000);
    let fraction = micros.rem_euclid(1_000_000);
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{fraction:06}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+00:00|±HH:MM)`; `None` for anything else.
pub fn parse_iso8601(text: &str) -> Option<Micros> {
    let bytes = text.as_bytes();
    if bytes.len() < 20 || bytes[4] != b'-' || bytes[7] != b'-' || bytes[10] != b'T' {
        return None;
    }
    if bytes[13] != b':' || bytes[16] != b':' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i128> {
        let digits = text.get(range)?;
        digits
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| digits.parse().ok())?
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 {
        return None;
    }
    let mut rest = &text[19..];
    let mut fraction_micros = 0;
    if let Some(after_dot) = rest.strip_prefix('.') {
        let digits = after_dot.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        // Only the first six digits count; more precision than microseconds is ignored.
        let kept = &after_dot[..digits.min(6)];
        fraction_micros = kept.parse::<i128>().ok()? * 10_i128.pow(6 - kept.len() as u32);
        rest = &after_dot[digits..];
    }
    let offset_seconds = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let offset = rest.get(1..)?;
            if offset.len() != 5 || offset.as_bytes()[2] != b':' {
                return None;
            }
            let hours: i128 = offset[..2].parse().ok()?;
            let minutes: i128 = offset[3..].parse().ok()?;
            sign * (hours * 3600 + minutes * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    Some(seconds * 1_000_000 + fraction_micros)
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

// Howard Hinnant's algorithms (public domain, http://howardhinnant.github.io/date_algorithms.html):
// exact for the proleptic Gregorian calendar, so no date crate is needed for two conversions.
fn civil_from_days(days: i128) -> (i128, i128, i128) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i128::from(month <= 2);
    (year, month, day)
}

fn days_from_civil(year: i128, month: i128, day: i128) -> i128 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

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
            "2024-05-01 12:00:00Z",
            "+024-05-01T12:00:00Z",
        ] {
            assert_eq!(parse_iso8601(text), None, "{text}");
        }
    }
}
