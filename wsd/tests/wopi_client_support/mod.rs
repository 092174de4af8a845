//! A WOPI host for the WOPI client's tests (tests/wopi_client.rs, tests/wopi_client_writes.rs):
//! a real HTTP server on 127.0.0.1 that records every request and misbehaves on demand (500s,
//! 401, slow answers, garbage or huge JSON, bodies larger than announced, redirect loops), and
//! the client and token the tests speak to it with.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use oxool_wsd::config::StorageConfig;
use oxool_wsd::wopi::proof::ProofKeys;
use oxool_wsd::wopi::{AccessToken, PutFlags, PutResult, WopiClient, WopiError, WopiSrc};

/// Contains characters that must be percent-encoded in a query.
pub const TOKEN: &str = "SECRET-t0ken/+=&?x";

#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    /// `http://127.0.0.1:<port><path>?<query>`: the URL the proof must cover.
    pub url: String,
    pub headers: HeaderMap,
    pub body_len: usize,
}

#[derive(Clone)]
pub struct Host {
    seen: Arc<Mutex<Vec<Seen>>>,
    pub addr: SocketAddr,
}

impl Host {
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
    pub fn src(&self, name: &str) -> WopiSrc {
        WopiSrc::parse(&format!("http://{}/wopi/files/{name}", self.addr)).unwrap()
    }
}

pub async fn start_host() -> Host {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = Host {
        seen: Arc::default(),
        addr: listener.local_addr().unwrap(),
    };
    let app = axum::Router::new()
        .fallback(handle)
        .with_state(host.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    host
}

pub fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

async fn handle(State(host): State<Host>, request: Request<Body>) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let path = parts.uri.path().to_string();
    host.seen.lock().unwrap().push(Seen {
        method: parts.method.clone(),
        path: path.clone(),
        url: format!("http://{}{}", host.addr, parts.uri),
        headers: parts.headers.clone(),
        body_len: body.len(),
    });
    let name = path.trim_start_matches("/wopi/files/");
    let headers = &parts.headers;
    let json = |status: StatusCode, value: serde_json::Value| {
        (
            status,
            [("content-type", "application/json")],
            value.to_string(),
        )
            .into_response()
    };
    match (parts.method.as_str(), name) {
        ("GET", "ok") => json(
            StatusCode::OK,
            serde_json::json!({"BaseFileName": "a.docx", "Size": 11, "UserId": "u1",
                "UserFriendlyName": "Ann", "UserCanWrite": true, "SupportsLocks": true,
                "LastModifiedTime": "2024-01-01T00:00:00Z", "Version": "v1"}),
        ),
        ("GET", "ok/contents") => "hello world".into_response(),
        ("POST", "ok/contents") => match header(headers, "x-cool-wopi-timestamp") {
            "stale" => json(
                StatusCode::CONFLICT,
                serde_json::json!({"COOLStatusCode": 1010}),
            ),
            _ if header(headers, "x-wopi-lock") == "wrong" => {
                (StatusCode::CONFLICT, [("X-WOPI-Lock", "held-lock")]).into_response()
            }
            _ => json(
                StatusCode::OK,
                serde_json::json!({"LastModifiedTime": "2024-02-02T00:00:00Z"}),
            ),
        },
        ("POST", "ok") => match header(headers, "x-wopi-override") {
            "PUT_RELATIVE" => json(
                StatusCode::OK,
                serde_json::json!({"Name": "copy.odt",
                    "Url": format!("http://{}/wopi/files/copy?access_token=NEWTOKEN", host.addr)}),
            ),
            _ if header(headers, "x-wopi-lock") == "other" => (
                StatusCode::CONFLICT,
                [
                    ("X-WOPI-Lock", "held-lock"),
                    ("X-WOPI-LockFailureReason", "locked by Bob"),
                ],
            )
                .into_response(),
            _ => StatusCode::OK.into_response(),
        },
        (_, "unauthorized") | (_, "unauthorized/contents") => {
            StatusCode::UNAUTHORIZED.into_response()
        }
        (_, "fail") | (_, "fail/contents") => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        ("GET", "slow") => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            StatusCode::OK.into_response()
        }
        ("GET", "garbage") => "<html>please log in</html>".into_response(),
        ("GET", "hugejson") => {
            let filler = "x".repeat(2 * 1024 * 1024);
            json(
                StatusCode::OK,
                serde_json::json!({"BaseFileName": "a.odt", "Pad": filler}),
            )
        }
        ("GET", "big/contents") => vec![b'a'; 100].into_response(),
        ("GET", "stream/contents") => {
            // Chunked, no Content-Length: the limit must hold while streaming.
            let chunks = (0..64).map(|_| Ok::<_, std::io::Error>(vec![b'b'; 64 * 1024]));
            Body::from_stream(futures_util::stream::iter(chunks)).into_response()
        }
        ("GET", "loop") => (
            StatusCode::FOUND,
            [("location", format!("http://{}/wopi/files/loop", host.addr))],
        )
            .into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

pub fn storage(retries: u32, timeout_secs: u64) -> StorageConfig {
    StorageConfig {
        retries,
        timeout_secs,
        // The test host listens on loopback; the default list is empty.
        wopi_hosts: vec!["http://127.0.0.1:*".parse().unwrap()],
        ..StorageConfig::default()
    }
}

pub fn client(retries: u32, keys: Option<Arc<ProofKeys>>) -> WopiClient {
    WopiClient::new(&storage(retries, 30), keys)
        .unwrap()
        .with_backoff(Duration::from_millis(10))
}

pub fn token() -> AccessToken {
    AccessToken::new(TOKEN)
}

/// CheckFileInfo of `host`'s file `name` with the test token, which must fail: the error.
pub async fn file_info_error(client: &WopiClient, host: &Host, name: &str) -> WopiError {
    client
        .check_file_info(&host.src(name), &token())
        .await
        .unwrap_err()
}

/// PutFile of `body` to `src` with the test token, neither holding a lock nor naming the
/// version it replaces.
pub async fn put_unlocked(
    client: &WopiClient,
    src: &WopiSrc,
    body: Vec<u8>,
    flags: PutFlags,
) -> Result<PutResult, WopiError> {
    client
        .put_file(src, &token(), None, None, body, flags)
        .await
}

/// [`file_info_error`], which must be of `kind`.
pub async fn file_info_refused(client: &WopiClient, host: &Host, name: &str, kind: &str) {
    let err = file_info_error(client, host, name).await;
    assert_eq!(err.kind(), kind, "{err}");
}
