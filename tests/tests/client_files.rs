//! The web client's files as a browser fetches them from a real server: static files carry an
//! ETag and Last-Modified and are answered 304 when the browser already has them; hidden names
//! and paths out of the client directory are 404; the editor page is never cached.

use oxool_tests::server::{Server, ServerOptions};

fn server() -> Server {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../browser");
    Server::start(ServerOptions {
        extra_toml: format!("[browser]\nroot = {:?}\n", root.display().to_string()),
        ..ServerOptions::default()
    })
    .unwrap()
}

fn get(url: &str, header: Option<(&str, &str)>) -> ureq::Response {
    let mut request = ureq::get(url);
    if let Some((name, value)) = header {
        request = request.set(name, value);
    }
    match request.call() {
        Ok(response) | Err(ureq::Error::Status(_, response)) => response,
        Err(err) => panic!("GET {url}: {err}"),
    }
}

#[test]
fn static_files_revalidate_with_304_and_the_page_is_never_cached() {
    let server = server();
    let url = server.url("/browser/dist/src/main.js");

    let first = get(&url, None);
    assert_eq!(first.status(), 200);
    assert!(
        first.content_type().contains("javascript"),
        "{}",
        first.content_type()
    );
    assert_eq!(first.header("cache-control"), Some("no-cache"));
    assert_eq!(first.header("x-content-type-options"), Some("nosniff"));
    let etag = first.header("etag").expect("an ETag").to_string();
    let modified = first
        .header("last-modified")
        .expect("Last-Modified")
        .to_string();
    let body = first.into_string().unwrap();
    assert!(body.contains("import"), "the module itself");

    let again = get(&url, Some(("If-None-Match", &etag)));
    assert_eq!(again.status(), 304, "the same tag: not modified");
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    assert!(again.into_string().unwrap().is_empty());

    let since = get(&url, Some(("If-Modified-Since", &modified)));
    assert_eq!(since.status(), 304, "not modified since Last-Modified");

    let other = get(&url, Some(("If-None-Match", "W/\"0-0\"")));
    assert_eq!(other.status(), 200, "another tag gets the file");

    for bad in [
        "/browser/dist/.hidden",
        "/browser/dist/src/.eslintrc",
        "/browser/dist/%2e%2e/Cargo.toml",
        "/browser/dist/src/..%2f..%2fCargo.toml",
        "/browser/dist/src",
        "/browser/dist/no-such-file.js",
    ] {
        assert_eq!(get(&server.url(bad), None).status(), 404, "{bad}");
    }

    let page = get(&server.url("/browser/dist/cool.html"), None);
    assert_eq!(page.status(), 200);
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert!(
        page.header("etag").is_none(),
        "the page holds a token: no validator"
    );
    assert!(page.header("content-security-policy").is_some());
    assert!(page.into_string().unwrap().contains("oxool-config"));
}
