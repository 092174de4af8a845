//! The WebSocket URL names its document: `/cool/ws?WOPISrc=<percent-encoded WOPISrc>`, so a
//! load balancer can send every connection of one document to one host without reading frames
//! (docs/cluster.md). The token never goes in it.
//!
//! The editor page hands the client a URL built from the document's canonical key
//! ([`DocKey`](crate::wopi::DocKey)), encoded one way: every spelling of one file's WOPISrc
//! that reached the page gives the same bytes, so the balancer's hash of them agrees. A `load`
//! must then name the same document as the URL (compared by key), or the session is refused:
//! otherwise a client could be routed by one document and open another on the wrong host.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::wopi::{WopiSrc, WopiSrcError};

/// The WebSocket's path.
pub const WS_PATH: &str = "/cool/ws";
/// The query parameter that carries the WOPISrc (Collabora's spelling, which balancers key on).
pub const WOPISRC_PARAM: &str = "WOPISrc";

/// Everything but RFC 3986's unreserved characters is encoded (what `encodeURIComponent`
/// leaves alone, less `!'()*`): one spelling, whatever produced the URL.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The WebSocket's query parameters.
#[derive(Debug, Default, serde::Deserialize)]
pub struct WsParams {
    #[serde(rename = "WOPISrc", default)]
    pub wopisrc: Option<String>,
}

/// Why a `load` does not fit the URL it came through.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error("the WebSocket URL's WOPISrc is not a WOPISrc: {0}")]
    BadUrlSource(WopiSrcError),
    #[error(
        "load names another document than the WebSocket URL's WOPISrc; connect to \
         {WS_PATH}?{WOPISRC_PARAM}=<this document's WOPISrc> to open it"
    )]
    Mismatch,
}

impl RouteError {
    /// The `error kind=` a client sees.
    pub fn kind(&self) -> &'static str {
        "wopisrc-mismatch"
    }
}

/// The WebSocket path for a document, as the editor page hands it to the client. A WOPISrc that
/// does not parse is passed on as given (its `load` is refused anyway, with the parse error).
pub fn ws_path(wopisrc: &str) -> String {
    let routed = match WopiSrc::parse(wopisrc) {
        Ok(src) => src.doc_key().as_str().to_string(),
        Err(_) => wopisrc.to_string(),
    };
    format!(
        "{WS_PATH}?{WOPISRC_PARAM}={}",
        utf8_percent_encode(&routed, QUERY_VALUE)
    )
}

/// Checks a `load`'s WOPISrc against the URL's. A URL without one (a single host, no balancer:
/// the protocol's first version) accepts any document.
pub fn check(url_wopisrc: Option<&str>, load: &WopiSrc) -> Result<(), RouteError> {
    let Some(url_wopisrc) = url_wopisrc else {
        return Ok(());
    };
    let routed = WopiSrc::parse(url_wopisrc).map_err(RouteError::BadUrlSource)?;
    if routed.doc_key() == load.doc_key() {
        Ok(())
    } else {
        Err(RouteError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(text: &str) -> WopiSrc {
        WopiSrc::parse(text).unwrap()
    }

    #[test]
    fn every_spelling_of_a_file_gets_one_url() {
        let expected = "/cool/ws?WOPISrc=https%3A%2F%2Fcloud.example.com%2Fwopi%2Ffiles%2Fa%2520b";
        for spelling in [
            "https://cloud.example.com/wopi/files/a%20b",
            "HTTPS://Cloud.Example.com:443/wopi/files/a b/",
            "https://cloud.example.com/wopi/./files/a%20b?access_token=SECRET",
        ] {
            assert_eq!(ws_path(spelling), expected, "{spelling}");
        }
        assert!(!ws_path("https://h/x?access_token=SECRET").contains("SECRET"));
    }

    #[test]
    fn the_url_a_page_hands_out_routes_its_own_load() {
        let given = "HTTP://127.0.0.1:80/wopi/files/r%C3%A9sum%C3%A9.docx";
        let path = ws_path(given);
        let query = path.split_once('?').unwrap().1;
        let (name, routed) = url::form_urlencoded::parse(query.as_bytes())
            .next()
            .unwrap();
        assert_eq!(name, WOPISRC_PARAM);
        assert_eq!(check(Some(&routed), &src(given)), Ok(()));
    }

    #[test]
    fn a_load_of_another_document_is_refused() {
        let load = src("https://h.example/wopi/files/1");
        assert_eq!(check(None, &load), Ok(()));
        assert_eq!(
            check(Some("https://H.example:443/wopi/files/1/"), &load),
            Ok(())
        );
        assert_eq!(
            check(Some("https://h.example/wopi/files/2"), &load),
            Err(RouteError::Mismatch)
        );
        assert!(matches!(
            check(Some("not a url"), &load),
            Err(RouteError::BadUrlSource(_))
        ));
    }
}
