//! A WOPISrc: the URL of one file at a WOPI host, and the document key derived from it.
//!
//! Two sessions must share one document broker when they open the same file, even if the
//! integrator (or an attacker) spells the URL differently: `HTTPS://Cloud.Example.com:443/wopi/files/%41`
//! and `https://cloud.example.com/wopi/files/A/` are one file. [`DocKey`] is that canonical
//! spelling: lower-case scheme and host, no default port, dot segments resolved, every path
//! segment percent-decoded and re-encoded one way, no trailing slash, no query, no fragment.
//!
//! Requests still go to the URL as given (minus fragment and any `access_token`): re-encoding a
//! path can change what some hosts see, and the proof signature must cover what is really sent.

use std::fmt;

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use url::Url;

/// Everything but RFC 3986's unreserved characters is encoded in a key segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Longest WOPISrc accepted: URLs are small; a megabyte of URL is an attack, not a file.
const MAX_SRC_LEN: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WopiSrcError {
    #[error("the WOPISrc is empty")]
    Empty,
    #[error("the WOPISrc is longer than {MAX_SRC_LEN} bytes")]
    TooLong,
    #[error("the WOPISrc is not a URL: {0}")]
    NotAUrl(url::ParseError),
    #[error("the WOPISrc scheme must be http or https")]
    Scheme,
    #[error("the WOPISrc has no host")]
    NoHost,
    #[error("the WOPISrc carries a user name or password")]
    Credentials,
}

impl WopiSrcError {
    /// A stable, machine-readable name for clients and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            WopiSrcError::Empty => "wopisrc-empty",
            WopiSrcError::TooLong => "wopisrc-too-long",
            WopiSrcError::NotAUrl(_) => "wopisrc-not-a-url",
            WopiSrcError::Scheme => "wopisrc-scheme",
            WopiSrcError::NoHost => "wopisrc-no-host",
            WopiSrcError::Credentials => "wopisrc-credentials",
        }
    }
}

/// A parsed WOPISrc.
#[derive(Clone, PartialEq, Eq)]
pub struct WopiSrc {
    /// Where requests go: the URL as given, without fragment and without any access token.
    request_url: Url,
    key: DocKey,
}

/// The canonical spelling of a WOPISrc: one document broker per key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocKey(String);

impl WopiSrc {
    /// Parses a WOPISrc as the browser sent it (already percent-decoded once from its own
    /// query string, as Collabora receives it).
    pub fn parse(text: &str) -> Result<WopiSrc, WopiSrcError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(WopiSrcError::Empty);
        }
        if text.len() > MAX_SRC_LEN {
            return Err(WopiSrcError::TooLong);
        }
        let mut url = Url::parse(text).map_err(WopiSrcError::NotAUrl)?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(WopiSrcError::Scheme);
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(WopiSrcError::NoHost);
        }
        // `https://cloud.example.com@evil.net/` reads as cloud.example.com to a human;
        // refuse credentials outright rather than explain which host is meant.
        if !url.username().is_empty() || url.password().is_some() {
            return Err(WopiSrcError::Credentials);
        }
        url.set_fragment(None);
        strip_access_token(&mut url);
        // The limit holds for the URL as it is sent on, too: percent-encoding may triple what
        // came in (control bytes), and a WOPISrc we hand out must parse again. (Found by the
        // `wopi_src` fuzz target: fuzz/regressions/wopi_src/.)
        if url.as_str().len() > MAX_SRC_LEN {
            return Err(WopiSrcError::TooLong);
        }
        let key = DocKey(canonical(&url));
        Ok(WopiSrc {
            request_url: url,
            key,
        })
    }

    pub fn doc_key(&self) -> &DocKey {
        &self.key
    }

    /// The URL requests are built from (never carries a token).
    pub fn url(&self) -> &Url {
        &self.request_url
    }

    /// `scheme://host:port`, for log lines and errors: never the path (file ids can be
    /// sensitive) nor a query.
    pub fn origin(&self) -> String {
        self.request_url.origin().ascii_serialization()
    }
}

impl fmt::Debug for WopiSrc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("WopiSrc").field(&self.key.0).finish()
    }
}

impl DocKey {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DocKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An integrator may paste a WOPISrc that already has `access_token=` in it; the token travels
/// separately, so it must not stay in the URL (nor end up in a key or a log line).
fn strip_access_token(url: &mut Url) {
    if url.query().is_none() {
        return;
    }
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(name, _)| !name.eq_ignore_ascii_case("access_token"))
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
}

/// The key: `Url` already lower-cased scheme and host, dropped the default port and resolved
/// dot segments; here the path is re-encoded one way and query and trailing slash go.
fn canonical(url: &Url) -> String {
    let mut key = url.origin().ascii_serialization();
    let segments: Vec<String> = url
        .path()
        .split('/')
        .skip(1)
        .map(|segment| {
            let bytes: Vec<u8> = percent_decode_str(segment).collect();
            // Non-UTF-8 bytes are encoded byte by byte, so the mapping stays one-to-one.
            match String::from_utf8(bytes) {
                Ok(text) => utf8_percent_encode(&text, SEGMENT).to_string(),
                Err(e) => percent_encoding::percent_encode(e.as_bytes(), SEGMENT).to_string(),
            }
        })
        .collect();
    let mut path = segments.join("/");
    while path.ends_with('/') {
        path.pop();
    }
    key.push('/');
    key.push_str(&path);
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> String {
        WopiSrc::parse(text).unwrap().doc_key().to_string()
    }

    #[test]
    fn spellings_of_one_file_share_a_key() {
        let canonical = "https://cloud.example.com/wopi/files/a%20b%2Fc";
        for spelling in [
            "https://cloud.example.com/wopi/files/a%20b%2Fc",
            "HTTPS://Cloud.EXAMPLE.com/wopi/files/a%20b%2fc",
            "https://cloud.example.com:443/wopi/files/a%20b%2Fc",
            "https://cloud.example.com/wopi/files/a b%2Fc",
            "https://cloud.example.com/wopi/files/a%20b%2Fc/",
            "https://cloud.example.com/wopi/files/a%20b%2Fc?token=x#frag",
            "https://cloud.example.com/wopi/./x/../files/a%20b%2Fc",
            "  https://cloud.example.com/wopi/%66iles/a%20b%2Fc  ",
        ] {
            assert_eq!(key(spelling), canonical, "{spelling}");
        }
    }

    #[test]
    fn different_files_keep_different_keys() {
        let a = key("https://cloud.example.com/wopi/files/a%2Fb");
        assert_ne!(a, key("https://cloud.example.com/wopi/files/a/b"));
        assert_ne!(a, key("http://cloud.example.com/wopi/files/a%2Fb"));
        assert_ne!(a, key("https://cloud.example.com:8443/wopi/files/a%2Fb"));
        assert_ne!(a, key("https://cloud.example.com/wopi/files/A%2Fb"));
        assert_eq!(key("http://127.0.0.1:80/x/é"), "http://127.0.0.1/x/%C3%A9");
        assert_eq!(key("http://[::1]:9000/x/%ff"), "http://[::1]:9000/x/%FF");
    }

    #[test]
    fn access_token_never_stays_in_the_url() {
        let src = WopiSrc::parse("https://h.example/wopi/files/1?access_token=SECRET&x=1").unwrap();
        assert_eq!(src.url().as_str(), "https://h.example/wopi/files/1?x=1");
        assert!(!format!("{src:?}").contains("SECRET"));
        let src = WopiSrc::parse("https://h.example/wopi/files/1?ACCESS_TOKEN=SECRET").unwrap();
        assert_eq!(src.url().as_str(), "https://h.example/wopi/files/1");
        assert_eq!(src.origin(), "https://h.example");
    }

    #[test]
    fn bad_sources_are_refused() {
        assert_eq!(WopiSrc::parse(""), Err(WopiSrcError::Empty));
        assert_eq!(WopiSrc::parse("ftp://h/x"), Err(WopiSrcError::Scheme));
        assert_eq!(
            WopiSrc::parse("file:///etc/passwd"),
            Err(WopiSrcError::Scheme)
        );
        assert_eq!(
            WopiSrc::parse("https://good.example@evil.example/x"),
            Err(WopiSrcError::Credentials)
        );
        assert!(matches!(
            WopiSrc::parse("not a url"),
            Err(WopiSrcError::NotAUrl(_))
        ));
        let long = format!("https://h/{}", "a".repeat(MAX_SRC_LEN));
        assert_eq!(WopiSrc::parse(&long), Err(WopiSrcError::TooLong));
        // Short enough as given, too long once percent-encoded.
        let encoded_long = format!("https://h/{}", "\u{1}a".repeat(MAX_SRC_LEN / 3));
        assert_eq!(WopiSrc::parse(&encoded_long), Err(WopiSrcError::TooLong));
    }
}
