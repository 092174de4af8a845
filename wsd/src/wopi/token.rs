//! The access token: opaque to wsd, and a secret.
//!
//! Whoever holds it can read and overwrite the user's file, so it never appears in a log line,
//! an error or a `Debug` print. The only ways out are the request URL and the proof signature.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

impl AccessToken {
    pub fn new(token: impl Into<String>) -> AccessToken {
        AccessToken(token.into())
    }

    /// The token itself, for the request URL and the proof. Do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}
