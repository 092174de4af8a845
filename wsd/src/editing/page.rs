//! The editor page `/browser/dist/cool.html`, which receives the integrator's form POST
//! (`access_token`, `access_token_ttl`) like Collabora's and hands the settings to the client in
//! a JSON script element. The client's other files are static (client_files.rs).

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;

use crate::config::Config;

/// The editor page, discovery's `urlsrc`.
pub const PAGE: &str = "cool.html";
/// Where the settings go in cool.html.
const CONFIG_MARKER: &str = "<!-- oxool:config -->";

/// The page's parameters, from the query string and (POST) the form; the form wins.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PageParams {
    #[serde(rename = "WOPISrc", default)]
    wopisrc: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    access_token_ttl: Option<String>,
}

pub async fn get_page(
    State(config): State<Arc<Config>>,
    Query(query): Query<PageParams>,
) -> Response {
    serve_page(&config, query, PageParams::default()).await
}

pub async fn post_page(
    State(config): State<Arc<Config>>,
    Query(query): Query<PageParams>,
    Form(form): Form<PageParams>,
) -> Response {
    serve_page(&config, query, form).await
}

/// cool.html with the settings in it. Never cached (it holds the token), so it has no ETag.
async fn serve_page(config: &Config, query: PageParams, form: PageParams) -> Response {
    let file = config.browser.root.join(PAGE);
    let Ok(bytes) = tokio::fs::read(&file).await else {
        return (StatusCode::NOT_FOUND, "no such file\n").into_response();
    };
    let settings = PageSettings {
        wopisrc: form.wopisrc.or(query.wopisrc).unwrap_or_default(),
        access_token: form.access_token.or(query.access_token).unwrap_or_default(),
        access_token_ttl: form
            .access_token_ttl
            .or(query.access_token_ttl)
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(0),
    };
    let html = String::from_utf8_lossy(&bytes).replacen(CONFIG_MARKER, &settings.script(), 1);
    let mut headers = HeaderMap::new();
    headers.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // The page holds the token: never cache it, never leak it in a Referer.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        HeaderName::from_static("referrer-policy"),
        HeaderValue::from_static("no-referrer"),
    );
    let policy = content_security_policy(&config.storage.wopi_hosts);
    // The sources come from parsed allow-list entries: always a valid header value.
    if let Ok(value) = HeaderValue::from_str(&policy) {
        headers.insert(HeaderName::from_static("content-security-policy"), value);
    }
    (headers, html).into_response()
}

/// The editor page's Content-Security-Policy. `frame-src 'self' blob:` lets print (browser/src/
/// print.js) load the document's PDF, a blob URL, into its hidden frame for the browser's print
/// dialog; nothing else is framed.
fn content_security_policy(hosts: &[crate::wopi::WopiHostPattern]) -> String {
    format!(
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; \
         connect-src 'self'; frame-src 'self' blob:; object-src 'none'; base-uri 'none'; \
         frame-ancestors {}",
        frame_ancestors(hosts)
    )
}

/// The CSP `frame-ancestors` sources: this server and the configured WOPI hosts, the pages that
/// embed the editor (an integrator frames it from its own origin). Nobody else may frame the
/// page, which holds a token, to click-jack it. IPv6 literals have no CSP source syntax and are
/// left out.
fn frame_ancestors(hosts: &[crate::wopi::WopiHostPattern]) -> String {
    let mut sources = vec!["'self'".to_string()];
    sources.extend(
        hosts
            .iter()
            .map(ToString::to_string)
            .filter(|source| !source.contains('[')),
    );
    sources.join(" ")
}

struct PageSettings {
    wopisrc: String,
    access_token: String,
    access_token_ttl: u64,
}

impl PageSettings {
    /// The settings as a JSON script element; `<`, `>` and `&` are escaped so that no value
    /// can end the element.
    fn script(&self) -> String {
        let json = serde_json::json!({
            "wopisrc": self.wopisrc,
            "access_token": self.access_token,
            "access_token_ttl": self.access_token_ttl,
            "ws": super::ws_route::ws_path(&self.wopisrc),
            "version": env!("CARGO_PKG_VERSION"),
            "protocol": super::protocol::PROTOCOL_VERSION,
        })
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
        format!("<script id=\"oxool-config\" type=\"application/json\">{json}</script>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_ancestors_are_this_server_and_the_wopi_hosts() {
        assert_eq!(frame_ancestors(&[]), "'self'");
        let hosts: Vec<crate::wopi::WopiHostPattern> = [
            "https://cloud.example.com",
            "https://*.example.org:*",
            "http://[::1]:8080",
        ]
        .iter()
        .map(|h| h.parse().unwrap())
        .collect();
        assert_eq!(
            frame_ancestors(&hosts),
            "'self' https://cloud.example.com:443 https://*.example.org:*"
        );
    }

    #[test]
    fn the_policy_lets_print_frame_a_blob_and_nothing_else() {
        let policy = content_security_policy(&[]);
        let directives: Vec<&str> = policy.split(';').map(str::trim).collect();
        assert!(directives.contains(&"frame-src 'self' blob:"), "{policy}");
        assert!(directives.contains(&"object-src 'none'"), "{policy}");
        assert!(directives.contains(&"frame-ancestors 'self'"), "{policy}");
        assert_eq!(
            directives
                .iter()
                .filter(|d| d.starts_with("frame-src"))
                .count(),
            1,
            "{policy}"
        );
        assert!(HeaderValue::from_str(&policy).is_ok());
    }

    #[test]
    fn settings_cannot_break_out_of_the_script_element() {
        let settings = PageSettings {
            wopisrc: "</script><script>alert(1)</script>".into(),
            access_token: "t&<>".into(),
            access_token_ttl: 5,
        };
        let script = settings.script();
        assert_eq!(script.matches("</script>").count(), 1, "{script}");
        assert!(script.ends_with("</script>"));
    }
}
