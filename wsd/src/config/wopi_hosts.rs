//! The WOPI host allow-list (`storage.wopi_hosts`): which storages wsd may talk to at all.
//!
//! A WOPISrc comes from the browser, so without this list anyone could make wsd fetch any URL
//! (server-side request forgery) and send it an access token. Every request the WOPI client makes
//! is checked here first; a refused host sees no request at all.
//!
//! An entry is `scheme://host[:port]`:
//! - the scheme is `http` or `https` and must match exactly;
//! - the host is a name or address (`cloud.example.com`, `127.0.0.1`, `[::1]`), or `*.example.com`
//!   for any subdomain of example.com (not example.com itself: list it too if it is meant);
//! - the port is a number, `*` for any port, or absent for the scheme's default (80 / 443).
//!
//! The list is empty by default: wsd refuses every WOPI host until one is configured. A name
//! matched only through `*.` must also resolve to a public address (resolve.rs).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};
use url::Url;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostPatternError {
    #[error("{0:?}: expected scheme://host[:port], like \"https://cloud.example.com\"")]
    Shape(String),
    #[error("{0:?}: the scheme must be http or https")]
    Scheme(String),
    #[error("{0:?}: the host is empty or has characters a host name cannot have")]
    Host(String),
    #[error("{0:?}: the port must be a number from 1 to 65535 or *")]
    Port(String),
}

/// One allow-list entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WopiHostPattern {
    scheme: String,
    host: HostMatch,
    /// `None` = any port.
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostMatch {
    /// The whole host, lower-case (IPv6 addresses with their brackets, as `Url` prints them).
    Exact(String),
    /// `*.example.com` is stored as `.example.com`.
    Subdomains(String),
}

impl WopiHostPattern {
    /// Whether a request to `url` is allowed by this entry.
    pub fn matches(&self, url: &Url) -> bool {
        if url.scheme() != self.scheme {
            return false;
        }
        let Some(host) = url.host_str() else {
            return false;
        };
        let host = host.to_ascii_lowercase();
        let host_ok = match &self.host {
            HostMatch::Exact(exact) => host == *exact,
            // An address is not a subdomain: `*.0.0.1` must not match 127.0.0.1.
            HostMatch::Subdomains(suffix) => {
                matches!(url.host(), Some(url::Host::Domain(_)))
                    && host.len() > suffix.len()
                    && host.ends_with(suffix)
            }
        };
        let port_ok = match self.port {
            None => true,
            Some(port) => url.port_or_known_default() == Some(port),
        };
        host_ok && port_ok
    }

    /// Whether this entry names `host` itself (not through `*.`): the operator chose that host
    /// explicitly, so it may resolve to any address (see resolve.rs).
    pub fn names_exactly(&self, host: &str) -> bool {
        matches!(&self.host, HostMatch::Exact(exact) if exact.eq_ignore_ascii_case(host))
    }

    /// Whether this entry is the literal address `ip` (`10.0.0.5`, `[fd00::5]`).
    pub fn names_address(&self, ip: std::net::IpAddr) -> bool {
        let HostMatch::Exact(exact) = &self.host else {
            return false;
        };
        let bare = exact
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(exact);
        bare.parse::<std::net::IpAddr>() == Ok(ip)
    }
}

/// Whether any entry of `list` allows `url`.
pub fn host_allowed(list: &[WopiHostPattern], url: &Url) -> bool {
    list.iter().any(|pattern| pattern.matches(url))
}

impl FromStr for WopiHostPattern {
    type Err = HostPatternError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let shape = || HostPatternError::Shape(text.to_string());
        let (scheme, rest) = text.split_once("://").ok_or_else(shape)?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return Err(HostPatternError::Scheme(text.to_string())),
        };
        // A trailing slash is harmless; a path is not part of a host pattern.
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.contains(['/', '?', '#', '@']) {
            return Err(shape());
        }
        let (host, port) = split_host_port(authority).ok_or_else(shape)?;
        let port = match port {
            None => Some(default_port),
            Some("*") => None,
            Some(digits) => match digits.parse::<u16>() {
                Ok(port) if port != 0 => Some(port),
                _ => return Err(HostPatternError::Port(text.to_string())),
            },
        };
        let host = host.to_ascii_lowercase();
        let host = match host.strip_prefix("*.") {
            Some(suffix) if valid_host(suffix) => HostMatch::Subdomains(format!(".{suffix}")),
            None if valid_host(&host) => HostMatch::Exact(host),
            _ => return Err(HostPatternError::Host(text.to_string())),
        };
        Ok(WopiHostPattern { scheme, host, port })
    }
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`.
fn split_host_port(authority: &str) -> Option<(&str, Option<&str>)> {
    if authority.starts_with('[') {
        let end = authority.find(']')?;
        let (host, rest) = authority.split_at(end + 1);
        return match rest {
            "" => Some((host, None)),
            _ => Some((host, Some(rest.strip_prefix(':')?))),
        };
    }
    match authority.split_once(':') {
        Some((host, port)) => Some((host, Some(port))),
        None => Some((authority, None)),
    }
}

fn valid_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner.parse::<std::net::Ipv6Addr>().is_ok();
    }
    !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

impl<'de> Deserialize<'de> for WopiHostPattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for WopiHostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = match &self.host {
            HostMatch::Exact(host) => host.clone(),
            HostMatch::Subdomains(suffix) => format!("*{suffix}"),
        };
        match self.port {
            None => write!(f, "{}://{host}:*", self.scheme),
            Some(port) => write!(f, "{}://{host}:{port}", self.scheme),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks `pattern` against each URL and whether it must let it through.
    fn check(pattern: &str, cases: &[(&str, bool)]) {
        let parsed: WopiHostPattern = pattern.parse().unwrap();
        for &(url, allowed) in cases {
            let matches = parsed.matches(&Url::parse(url).unwrap());
            assert_eq!(matches, allowed, "{pattern} against {url}");
        }
    }

    #[test]
    fn exact_host_with_default_port() {
        check(
            "https://cloud.example.com",
            &[
                ("https://cloud.example.com/wopi/files/1", true),
                ("https://CLOUD.Example.com:443/wopi/files/1", true),
                ("https://cloud.example.com:8443/wopi/files/1", false),
                ("http://cloud.example.com/wopi/files/1", false),
                ("https://cloud.example.com.evil.net/wopi", false),
                ("https://evilcloud.example.com/wopi", false),
            ],
        );
    }

    #[test]
    fn wildcard_subdomains_and_ports() {
        check(
            "https://*.example.com:*",
            &[
                ("https://a.example.com/x", true),
                ("https://a.b.example.com:9443/x", true),
                ("https://example.com/x", false),
                ("https://badexample.com/x", false),
                ("https://example.com.evil.net/x", false),
            ],
        );
        check("http://*.0.0.1:*", &[("http://127.0.0.1/x", false)]);
        check("http://*.1:*", &[("http://[::1]/x", false)]);
        check(
            "http://127.0.0.1:8080",
            &[
                ("http://127.0.0.1:8080/w", true),
                ("http://127.0.0.1:8081/w", false),
            ],
        );
    }

    #[test]
    fn userinfo_does_not_fool_the_host_check() {
        check(
            "https://cloud.example.com",
            &[("https://cloud.example.com@evil.net/wopi", false)],
        );
    }

    #[test]
    fn explicit_names_and_addresses() {
        let name: WopiHostPattern = "https://Cloud.example.com:8443".parse().unwrap();
        assert!(name.names_exactly("cloud.example.com"));
        assert!(!name.names_exactly("a.cloud.example.com"));
        let wildcard: WopiHostPattern = "https://*.example.com".parse().unwrap();
        assert!(!wildcard.names_exactly("a.example.com"));
        let v4: WopiHostPattern = "http://10.0.0.5:*".parse().unwrap();
        assert!(v4.names_address("10.0.0.5".parse().unwrap()));
        assert!(!v4.names_address("10.0.0.6".parse().unwrap()));
        let v6: WopiHostPattern = "http://[fd00::5]".parse().unwrap();
        assert!(v6.names_address("fd00::5".parse().unwrap()));
        assert!(!name.names_address("10.0.0.5".parse().unwrap()));
    }

    #[test]
    fn bad_patterns_are_refused() {
        for bad in [
            "cloud.example.com",
            "ftp://cloud.example.com",
            "https://",
            "https://cloud.example.com/wopi",
            "https://cloud.example.com:0",
            "https://cloud.example.com:99999",
            "https://user@cloud.example.com",
            "https://*.",
            "https://[::1",
            "https://a b",
        ] {
            assert!(bad.parse::<WopiHostPattern>().is_err(), "{bad}");
        }
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "https://*.example.com:443",
            "http://[::1]:*",
            "http://a:8080",
        ] {
            let pattern: WopiHostPattern = text.parse().unwrap();
            assert_eq!(pattern.to_string(), text);
            assert_eq!(pattern.to_string().parse::<WopiHostPattern>(), Ok(pattern));
        }
    }
}
