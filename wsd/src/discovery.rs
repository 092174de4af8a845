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
//! The formats are oxool-proto's one table (`oxool_proto::formats`).

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use axum::extract::State;
use axum::http::header::HOST;
use axum::http::HeaderMap;
use axum::response::Response;
use oxool_proto::formats::{Family, FileType, Opens, FILE_TYPES};

use crate::state::AppState;
use crate::wopi::proof::{ProofKeyAttributes, ProofKeys};

/// The web client's page, relative to the server's root.
pub const EDITOR_PAGE: &str = "/browser/dist/cool.html?";

/// The formats discovery offers, with their family and whether they open for editing.
fn offered() -> impl Iterator<Item = (&'static FileType, Family, bool)> {
    FILE_TYPES
        .iter()
        .filter_map(|file_type| match file_type.opens {
            Opens::Edit(family) => Some((file_type, family, true)),
            Opens::View(family) => Some((file_type, family, false)),
            Opens::ExportOnly => None,
        })
}

/// The extensions discovery offers for editing (integrators' `EditFileExtensions`).
pub fn edit_extensions() -> impl Iterator<Item = &'static str> {
    offered()
        .filter(|(_, _, edit)| *edit)
        .flat_map(|(file_type, _, _)| file_type.extensions.iter().copied())
}

/// The extensions discovery offers at all (edit or view).
pub fn all_extensions() -> impl Iterator<Item = &'static str> {
    offered().flat_map(|(file_type, _, _)| file_type.extensions.iter().copied())
}

/// The discovery document for a server reached at `server_root` (`http://host:port`).
pub fn discovery_xml(server_root: &str, proof: Option<&ProofKeyAttributes>) -> String {
    let urlsrc = crate::markup::escape(&format!("{server_root}{EDITOR_PAGE}"));
    let root = crate::markup::escape(server_root);
    let mut xml = String::with_capacity(32 * 1024);
    xml.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<wopi-discovery>\n");
    xml.push_str("  <net-zone name=\"external-http\">\n");
    for (app, family, edit) in offered() {
        let icon = match family {
            Family::Text => "x-office-document.svg",
            Family::Spreadsheet => "x-office-spreadsheet.svg",
            Family::Presentation => "x-office-presentation.svg",
            Family::Drawing => "x-office-drawing.svg",
        };
        let _ = writeln!(
            xml,
            "    <app name=\"{}\" favIconUrl=\"{root}/browser/dist/images/{icon}\">",
            crate::markup::escape(app.mime)
        );
        for ext in app.extensions {
            let actions: &[&str] = if edit {
                &["edit", "view_comment"]
            } else {
                &["view"]
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
    crate::response::with_type_and_caching("text/xml; charset=utf-8", "max-age=3600", xml)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn edit_and_view_extensions() {
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
