//! Logging: structured `tracing` events to journald when it is there, else plain text on stderr.
//!
//! Request bodies, document names and tokens are never logged: events carry sizes, formats,
//! statuses, kit pids and jail ids.

use std::path::Path;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

/// journald's native protocol socket; present whenever systemd-journald runs.
const JOURNAL_SOCKET: &str = "/run/systemd/journal/socket";

#[derive(Debug, thiserror::Error)]
pub enum LoggingError {
    #[error("logging.level {level:?} is not a filter: {source}")]
    Filter {
        level: String,
        source: tracing_subscriber::filter::ParseError,
    },
    #[error("cannot connect to journald: {0}")]
    Journald(std::io::Error),
    #[error("a logger is already installed: {0}")]
    AlreadySet(tracing_subscriber::util::TryInitError),
}

/// Installs the global subscriber with `level` (a `tracing` filter such as `info`).
pub fn init(level: &str) -> Result<(), LoggingError> {
    let filter = EnvFilter::try_new(level).map_err(|source| LoggingError::Filter {
        level: level.to_string(),
        source,
    })?;
    let registry = tracing_subscriber::registry().with(filter);
    if Path::new(JOURNAL_SOCKET).exists() {
        let journald = tracing_journald::layer()
            .map_err(LoggingError::Journald)?
            .with_syslog_identifier("oxool-wsd".to_string())
            // Fields become OXOOL_<NAME> journal fields: `journalctl OXOOL_KIT_PID=1234`,
            // and `OXOOL_DOC=<key>` for per-document events.
            .with_field_prefix(Some("OXOOL".to_string()));
        registry
            .with(journald)
            .try_init()
            .map_err(LoggingError::AlreadySet)
    } else {
        let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
        registry
            .with(fmt)
            .try_init()
            .map_err(LoggingError::AlreadySet)
    }
}
