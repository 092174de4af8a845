//! The editor page (`/browser/dist/cool.html`) through the real router: the token arrives in a
//! POST form and lands only in the page's settings, and the page may be framed only by this
//! server and the configured WOPI hosts (CSP frame-ancestors).

mod no_kits;

use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use no_kits::NoKits;
use oxool_wsd::config::Config;
use oxool_wsd::AppState;
use tower::ServiceExt;

async fn page(config: Config, request: Request<Body>) -> (StatusCode, String, String) {
    let state = AppState::new(config, Arc::new(NoKits));
    let response = oxool_wsd::router(state).oneshot(request).await.unwrap();
    let status = response.status();
    let csp = response
        .headers()
        .get("content-security-policy")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, csp, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn the_page_takes_the_token_from_a_form_and_names_its_frame_ancestors() {
    let browser = tempfile::tempdir().unwrap();
    std::fs::write(
        browser.path().join("cool.html"),
        "<html><head><!-- oxool:config --></head></html>",
    )
    .unwrap();
    let toml = format!(
        "[browser]\nroot = {:?}\n[storage]\nwopi_hosts = [\"https://cloud.example.com\", \"https://*.example.org:*\"]\n",
        browser.path()
    );
    let config = Config::from_toml(&toml, Path::new("test.toml")).unwrap();
    let request = Request::post(
        "/browser/dist/cool.html?WOPISrc=https%3A%2F%2Fcloud.example.com%2Fwopi%2Ffiles%2F1",
    )
    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
    .body(Body::from("access_token=SECRET%2Ftoken&access_token_ttl=0"))
    .unwrap();
    let (status, csp, html) = page(config.clone(), request).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#""access_token":"SECRET/token""#), "{html}");
    assert!(
        html.contains("https://cloud.example.com/wopi/files/1"),
        "{html}"
    );
    // The WebSocket URL names the document (never the token), for a load balancer.
    assert!(
        html.contains(
            r#""ws":"/cool/ws?WOPISrc=https%3A%2F%2Fcloud.example.com%2Fwopi%2Ffiles%2F1""#
        ),
        "{html}"
    );
    assert!(
        csp.ends_with(
            "frame-ancestors 'self' https://cloud.example.com:443 https://*.example.org:*"
        ),
        "{csp}"
    );

    // With no WOPI host configured only this server may frame the page.
    let empty = Config {
        storage: Default::default(),
        ..config
    };
    let request = Request::get("/browser/dist/cool.html")
        .body(Body::empty())
        .unwrap();
    let (_, csp, _) = page(empty, request).await;
    assert!(csp.ends_with("frame-ancestors 'self'"), "{csp}");
}
