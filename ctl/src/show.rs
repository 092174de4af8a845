//! Human-readable output: the numbers an administrator looks for, aligned, without D-Bus types.

use std::collections::HashMap;
use std::fmt::Write;

use zbus::zvariant::{OwnedValue, Value};

/// `status`: one line per subject.
pub fn status(status: &HashMap<String, OwnedValue>) -> String {
    let number = |key: &str| {
        status
            .get(key)
            .map(|v| value(v))
            .unwrap_or_else(|| "?".into())
    };
    let mut out = String::new();
    let mut line = |label: &str, text: String| {
        let _ = writeln!(out, "{label:<12} {text}");
    };
    line("version", number("version"));
    let draining = status
        .get("draining")
        .and_then(|v| bool::try_from(v).ok())
        .unwrap_or(false);
    line(
        "state",
        if draining {
            "draining (no new documents)"
        } else {
            "serving"
        }
        .into(),
    );
    line(
        "uptime",
        match status.get("uptime_s").and_then(|v| u64::try_from(v).ok()) {
            Some(seconds) => duration(seconds),
            None => "?".into(),
        },
    );
    line("documents", number("documents"));
    line("sessions", number("sessions"));
    line(
        "conversions",
        format!(
            "{} running, {} queued, {} finished ({} converted)",
            number("conversions_running"),
            number("conversions_queued"),
            number("conversions_total"),
            number("conversions_converted")
        ),
    );
    match status.get("forkit_error") {
        Some(error) => line("kits", format!("forkit does not answer: {}", value(error))),
        None => line(
            "kits",
            format!(
                "{} spawned, {} ready, {} exited, {} crashed",
                number("kits_spawned"),
                number("kits_ready"),
                number("kits_exited"),
                number("kits_crashed")
            ),
        ),
    }
    out
}

/// `kits`: every counter forkit keeps, by name.
pub fn counters(stats: &oxool_bus::forkit1::ForkitStats) -> String {
    let entries = stats.entries();
    let width = entries.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (name, value) in entries {
        let _ = writeln!(out, "{name:<width$}  {value}");
    }
    out
}

/// A table of `items`, one row each made by `row`, or `empty` when there are none.
pub fn table_of<T>(
    header: &[&str],
    items: Vec<T>,
    row: impl FnMut(T) -> Vec<String>,
    empty: &str,
) -> String {
    let rows: Vec<Vec<String>> = items.into_iter().map(row).collect();
    table(header, &rows, empty)
}

/// A table with a header, or `empty` when there are no rows.
pub fn table(header: &[&str], rows: &[Vec<String>], empty: &str) -> String {
    if rows.is_empty() {
        return format!("{empty}\n");
    }
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let mut out = String::new();
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    out
}

/// A D-Bus value as plain text: numbers and strings as they are.
fn value(value: &Value<'_>) -> String {
    match value {
        Value::U8(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::I16(n) => n.to_string(),
        Value::U16(n) => n.to_string(),
        Value::I32(n) => n.to_string(),
        Value::U32(n) => n.to_string(),
        Value::I64(n) => n.to_string(),
        Value::U64(n) => n.to_string(),
        Value::F64(n) => n.to_string(),
        Value::Str(s) => s.to_string(),
        Value::Value(inner) => self::value(inner),
        other => format!("{other:?}"),
    }
}

/// `3725` → `1h 02m 05s`.
fn duration(seconds: u64) -> String {
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (hours, minutes, secs) = (rest / 3600, rest % 3600 / 60, rest % 60);
    match (days, hours) {
        (0, 0) => format!("{minutes}m {secs:02}s"),
        (0, _) => format!("{hours}h {minutes:02}m {secs:02}s"),
        _ => format!("{days}d {hours}h {minutes:02}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(5), "0m 05s");
        assert_eq!(duration(3725), "1h 02m 05s");
        assert_eq!(duration(2 * 86_400 + 3600 + 60), "2d 1h 01m");
    }

    #[test]
    fn table_aligns_columns_and_says_when_empty() {
        let rows = vec![
            vec!["a".to_string(), "long value".to_string()],
            vec!["bbb".to_string(), "x".to_string()],
        ];
        assert_eq!(
            table(&["KEY", "HOST"], &rows, "none"),
            "KEY  HOST\na    long value\nbbb  x\n"
        );
        assert_eq!(
            table(&["KEY"], &[], "no open documents"),
            "no open documents\n"
        );
    }

    #[test]
    fn status_shows_the_numbers() {
        let mut map: HashMap<String, OwnedValue> = HashMap::new();
        map.insert("uptime_s".into(), OwnedValue::from(61u64));
        map.insert("conversions_total".into(), OwnedValue::from(4u64));
        map.insert("kits_spawned".into(), OwnedValue::from(3u64));
        let text = status(&map);
        assert!(text.contains("uptime       1m 01s"), "{text}");
        assert!(text.contains("4 finished"), "{text}");
        assert!(text.contains("3 spawned"), "{text}");
    }
}
