//! `GET /hosting/discovery`: the WOPI discovery XML integrators read to learn which files this
//! server opens, where its editor page is, and which key signs its requests.
//!
//! The shape is Collabora's, which Nextcloud, ownCloud, Seafile and others already parse:
//! `<wopi-discovery><net-zone name="external-http"><app name="<mime type>" favIconUrl=...>
//! <action name="edit|view|view_comment" ext="docx" urlsrc="http://<host>/browser/dist/cool.html?"/>
//! ...</app>...</net-zone><proof-key .../></wopi-discovery>`, plus the `Capabilities` app that
//! points at `/hosting/capabilities`.
//!
//! `urlsrc` is built from the request's `Host` header (checked to be a plain host[:port], so
//! a forged header cannot inject markup or another URL). Forwarded headers are not trusted.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, HOST};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::state::AppState;
use crate::wopi::proof::{ProofKeyAttributes, ProofKeys};

/// The web client's page, relative to the server's root.
pub const EDITOR_PAGE: &str = "/browser/dist/cool.html?";

/// What a file type can do here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Opened for editing and saved back in the same format.
    Edit,
    /// Opened read-only: LibreOffice reads the format but cannot write it back.
    View,
}

/// Which product icon an app gets.
#[derive(Debug, Clone, Copy)]
enum Family {
    Text,
    Spreadsheet,
    Presentation,
    Drawing,
}

struct App {
    mime: &'static str,
    family: Family,
    access: Access,
    extensions: &'static [&'static str],
}

const fn app(
    mime: &'static str,
    family: Family,
    access: Access,
    extensions: &'static [&'static str],
) -> App {
    App {
        mime,
        family,
        access,
        extensions,
    }
}

use Access::{Edit, View};
use Family::{Drawing, Presentation, Spreadsheet, Text};

/// Every format LibreOffice opens, by mime type (Collabora's app names).
const APPS: &[App] = &[
    // Writer
    app(
        "application/vnd.oasis.opendocument.text",
        Text,
        Edit,
        &["odt"],
    ),
    app(
        "application/vnd.oasis.opendocument.text-template",
        Text,
        Edit,
        &["ott"],
    ),
    app(
        "application/vnd.oasis.opendocument.text-flat-xml",
        Text,
        Edit,
        &["fodt"],
    ),
    app(
        "application/vnd.oasis.opendocument.text-master",
        Text,
        View,
        &["odm"],
    ),
    app(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Text,
        Edit,
        &["docx"],
    ),
    app(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.template",
        Text,
        Edit,
        &["dotx"],
    ),
    app(
        "application/vnd.ms-word.document.macroEnabled.12",
        Text,
        Edit,
        &["docm"],
    ),
    app(
        "application/vnd.ms-word.template.macroEnabled.12",
        Text,
        Edit,
        &["dotm"],
    ),
    app("application/msword", Text, Edit, &["doc", "dot"]),
    app("application/rtf", Text, Edit, &["rtf"]),
    app("text/rtf", Text, Edit, &["rtf"]),
    app("text/plain", Text, Edit, &["txt"]),
    app("application/vnd.sun.xml.writer", Text, View, &["sxw"]),
    app(
        "application/vnd.sun.xml.writer.template",
        Text,
        View,
        &["stw"],
    ),
    app("application/vnd.wordperfect", Text, View, &["wpd"]),
    app("application/x-abiword", Text, View, &["abw"]),
    app("application/vnd.ms-works", Text, View, &["wps"]),
    app("application/x-hwp", Text, View, &["hwp"]),
    app("application/vnd.apple.pages", Text, View, &["pages"]),
    app("application/x-fictionbook+xml", Text, View, &["fb2"]),
    // Calc
    app(
        "application/vnd.oasis.opendocument.spreadsheet",
        Spreadsheet,
        Edit,
        &["ods"],
    ),
    app(
        "application/vnd.oasis.opendocument.spreadsheet-template",
        Spreadsheet,
        Edit,
        &["ots"],
    ),
    app(
        "application/vnd.oasis.opendocument.spreadsheet-flat-xml",
        Spreadsheet,
        Edit,
        &["fods"],
    ),
    app(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Spreadsheet,
        Edit,
        &["xlsx"],
    ),
    app(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.template",
        Spreadsheet,
        Edit,
        &["xltx"],
    ),
    app(
        "application/vnd.ms-excel.sheet.macroEnabled.12",
        Spreadsheet,
        Edit,
        &["xlsm"],
    ),
    app(
        "application/vnd.ms-excel.sheet.binary.macroEnabled.12",
        Spreadsheet,
        Edit,
        &["xlsb"],
    ),
    app(
        "application/vnd.ms-excel",
        Spreadsheet,
        Edit,
        &["xls", "xlt"],
    ),
    app("text/csv", Spreadsheet, Edit, &["csv"]),
    app("text/tab-separated-values", Spreadsheet, Edit, &["tsv"]),
    app("application/vnd.sun.xml.calc", Spreadsheet, View, &["sxc"]),
    app(
        "application/vnd.sun.xml.calc.template",
        Spreadsheet,
        View,
        &["stc"],
    ),
    app(
        "application/vnd.lotus-1-2-3",
        Spreadsheet,
        View,
        &["wk1", "wks", "123"],
    ),
    app(
        "application/vnd.apple.numbers",
        Spreadsheet,
        View,
        &["numbers"],
    ),
    // Impress
    app(
        "application/vnd.oasis.opendocument.presentation",
        Presentation,
        Edit,
        &["odp"],
    ),
    app(
        "application/vnd.oasis.opendocument.presentation-template",
        Presentation,
        Edit,
        &["otp"],
    ),
    app(
        "application/vnd.oasis.opendocument.presentation-flat-xml",
        Presentation,
        Edit,
        &["fodp"],
    ),
    app(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        Presentation,
        Edit,
        &["pptx"],
    ),
    app(
        "application/vnd.openxmlformats-officedocument.presentationml.slideshow",
        Presentation,
        Edit,
        &["ppsx"],
    ),
    app(
        "application/vnd.openxmlformats-officedocument.presentationml.template",
        Presentation,
        Edit,
        &["potx"],
    ),
    app(
        "application/vnd.ms-powerpoint.presentation.macroEnabled.12",
        Presentation,
        Edit,
        &["pptm"],
    ),
    app(
        "application/vnd.ms-powerpoint",
        Presentation,
        Edit,
        &["ppt", "pps", "pot"],
    ),
    app(
        "application/vnd.sun.xml.impress",
        Presentation,
        View,
        &["sxi"],
    ),
    app(
        "application/vnd.sun.xml.impress.template",
        Presentation,
        View,
        &["sti"],
    ),
    app(
        "application/vnd.apple.keynote",
        Presentation,
        View,
        &["key"],
    ),
    // Draw
    app(
        "application/vnd.oasis.opendocument.graphics",
        Drawing,
        Edit,
        &["odg"],
    ),
    app(
        "application/vnd.oasis.opendocument.graphics-template",
        Drawing,
        Edit,
        &["otg"],
    ),
    app(
        "application/vnd.oasis.opendocument.graphics-flat-xml",
        Drawing,
        Edit,
        &["fodg"],
    ),
    app(
        "application/vnd.visio",
        Drawing,
        View,
        &["vsd", "vst", "vss"],
    ),
    app("application/vnd.ms-visio.drawing", Drawing, View, &["vsdx"]),
    app("application/vnd.sun.xml.draw", Drawing, View, &["sxd"]),
    app("application/vnd.corel-draw", Drawing, View, &["cdr"]),
    app("application/x-wpg", Drawing, View, &["wpg"]),
    app("image/svg+xml", Drawing, View, &["svg"]),
    app("application/pdf", Drawing, View, &["pdf"]),
];

/// The extensions discovery offers for editing (integrators' `EditFileExtensions`).
pub fn edit_extensions() -> impl Iterator<Item = &'static str> {
    APPS.iter()
        .filter(|app| app.access == Edit)
        .flat_map(|app| app.extensions.iter().copied())
}

/// The extensions discovery offers at all (edit or view).
pub fn all_extensions() -> impl Iterator<Item = &'static str> {
    APPS.iter().flat_map(|app| app.extensions.iter().copied())
}

/// The discovery document for a server reached at `server_root` (`http://host:port`).
pub fn discovery_xml(server_root: &str, proof: Option<&ProofKeyAttributes>) -> String {
    let urlsrc = crate::markup::escape(&format!("{server_root}{EDITOR_PAGE}"));
    let root = crate::markup::escape(server_root);
    let mut xml = String::with_capacity(32 * 1024);
    xml.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<wopi-discovery>\n");
    xml.push_str("  <net-zone name=\"external-http\">\n");
    for app in APPS {
        let icon = match app.family {
            Text => "x-office-document.svg",
            Spreadsheet => "x-office-spreadsheet.svg",
            Presentation => "x-office-presentation.svg",
            Drawing => "x-office-drawing.svg",
        };
        let _ = writeln!(
            xml,
            "    <app name=\"{}\" favIconUrl=\"{root}/browser/dist/images/{icon}\">",
            crate::markup::escape(app.mime)
        );
        for ext in app.extensions {
            let actions: &[&str] = match app.access {
                Edit => &["edit", "view_comment"],
                View => &["view"],
            };
            for action in actions {
                let _ = writeln!(
                    xml,
                    "      <action name=\"{action}\" ext=\"{ext}\" urlsrc=\"{urlsrc}\"/>"
                );
            }
        }
        xml.push_str("    </app>\n");
    }
    let _ = writeln!(
        xml,
        "    <app name=\"Capabilities\">\n      <action name=\"getinfo\" ext=\"\" \
         urlsrc=\"{root}/hosting/capabilities\"/>\n    </app>"
    );
    xml.push_str("  </net-zone>\n");
    if let Some(key) = proof {
        let _ = writeln!(
            xml,
            "  <proof-key oldvalue=\"{}\" oldmodulus=\"{}\" oldexponent=\"{}\" value=\"{}\" \
             modulus=\"{}\" exponent=\"{}\"/>",
            key.old_value, key.old_modulus, key.old_exponent, key.value, key.modulus, key.exponent
        );
    }
    xml.push_str("</wopi-discovery>\n");
    xml
}

/// `http://<Host>` when the Host header is a plain `host[:port]`, else the listen address.
pub fn server_root(headers: &HeaderMap, fallback: &str, https: bool) -> String {
    let host = headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|host| plain_authority(host));
    let scheme = if https { "https" } else { "http" };
    format!("{scheme}://{}", host.unwrap_or(fallback))
}

fn plain_authority(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
}

/// The proof keys discovery publishes: those of `storage.proof_key_dir`, shared with the WOPI
/// client in this process. Opened at the first request rather than at start, so that routers
/// built for tests do not create key directories.
fn published_keys(dir: &Path) -> Option<Arc<ProofKeys>> {
    match ProofKeys::open_shared(dir) {
        Ok(keys) => Some(keys),
        Err(e) => {
            // Collabora's behaviour: discovery without a proof key, and a warning.
            tracing::warn!("discovery is served without a proof key: {e}");
            None
        }
    }
}

/// The `GET /hosting/discovery` handler.
pub async fn discovery(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let fallback = state.config.net.listen.to_string();
    let root = server_root(&headers, &fallback, state.config.tls.https());
    let dir = state.config.storage.proof_key_dir.clone();
    // Key generation (first start) takes a moment of CPU: keep it off the async workers.
    let attributes = tokio::task::spawn_blocking(move || {
        published_keys(&dir).and_then(|keys| keys.attributes().ok())
    })
    .await
    .ok()
    .flatten();
    let xml = discovery_xml(&root, attributes.as_ref());
    (
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("text/xml; charset=utf-8"),
            ),
            (CACHE_CONTROL, HeaderValue::from_static("max-age=3600")),
        ],
        xml,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_extension_once_per_action() {
        let mut seen = std::collections::HashSet::new();
        for app in APPS {
            for ext in app.extensions {
                assert!(seen.insert((app.mime, *ext)), "{} {ext} twice", app.mime);
            }
        }
        let edit: Vec<_> = edit_extensions().collect();
        for ext in [
            "odt", "docx", "doc", "rtf", "txt", "ods", "xlsx", "xls", "csv", "odp", "pptx", "ppt",
            "odg",
        ] {
            assert!(edit.contains(&ext), "{ext}");
        }
        assert!(!edit.contains(&"pdf"));
        assert!(all_extensions().any(|e| e == "pdf"));
        assert!(all_extensions().any(|e| e == "vsd"));
    }

    #[test]
    fn forged_host_header_falls_back() {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_static("office.example.com:9980"));
        assert_eq!(
            server_root(&headers, "x", false),
            "http://office.example.com:9980"
        );
        headers.insert(HOST, HeaderValue::from_static("evil\"/><x a=\""));
        assert_eq!(
            server_root(&headers, "127.0.0.1:9980", false),
            "http://127.0.0.1:9980"
        );
        headers.insert(HOST, HeaderValue::from_static("evil.com/path?"));
        assert_eq!(
            server_root(&headers, "127.0.0.1:9980", false),
            "http://127.0.0.1:9980"
        );
    }
}
