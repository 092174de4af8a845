//! The WOPI client against a real HTTP server on 127.0.0.1 that records every request and
//! misbehaves on demand (500s, 401, slow answers, garbage or huge JSON, bodies larger than
//! announced, redirect loops, dropped connections).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lc_rs::signature::{RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use oxool_wsd::config::StorageConfig;
use oxool_wsd::wopi::proof::{signed_bytes, ProofKeys};
use oxool_wsd::wopi::{
    AccessToken, PutFlags, PutResult, WopiClient, WopiError, WopiSrc, COOL_STATUS_DOC_CHANGED,
};

/// Contains characters that must be percent-encoded in a query.
const TOKEN: &str = "SECRET-t0ken/+=&?x";

#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    /// `http://127.0.0.1:<port><path>?<query>`: the URL the proof must cover.
    url: String,
    headers: HeaderMap,
    body_len: usize,
}

#[derive(Clone)]
struct Host {
    seen: Arc<Mutex<Vec<Seen>>>,
    addr: SocketAddr,
}

impl Host {
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
    fn src(&self, name: &str) -> WopiSrc {
        WopiSrc::parse(&format!("http://{}/wopi/files/{name}", self.addr)).unwrap()
    }
}

async fn start_host() -> Host {
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

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
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

fn storage(retries: u32, timeout_secs: u64) -> StorageConfig {
    StorageConfig {
        retries,
        timeout_secs,
        // The test host listens on loopback; the default list is empty.
        wopi_hosts: vec!["http://127.0.0.1:*".parse().unwrap()],
        ..StorageConfig::default()
    }
}

fn client(retries: u32, keys: Option<Arc<ProofKeys>>) -> WopiClient {
    WopiClient::new(&storage(retries, 30), keys)
        .unwrap()
        .with_backoff(Duration::from_millis(10))
}

fn token() -> AccessToken {
    AccessToken::new(TOKEN)
}

/// CheckFileInfo of `host`'s file `name` with the test token, which must fail: the error.
async fn file_info_error(client: &WopiClient, host: &Host, name: &str) -> WopiError {
    client
        .check_file_info(&host.src(name), &token())
        .await
        .unwrap_err()
}

/// PutFile of `body` to `src` with the test token, neither holding a lock nor naming the
/// version it replaces.
async fn put_unlocked(
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
async fn file_info_refused(client: &WopiClient, host: &Host, name: &str, kind: &str) {
    let err = file_info_error(client, host, name).await;
    assert_eq!(err.kind(), kind, "{err}");
}

#[tokio::test]
async fn check_file_info_sends_token_and_valid_proofs() {
    let host = start_host().await;
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(ProofKeys::open(dir.path()).unwrap());
    let client = client(0, Some(keys.clone()));
    let info = client
        .check_file_info(&host.src("ok"), &token())
        .await
        .unwrap();
    assert_eq!(info.base_file_name, "a.docx");
    assert_eq!(info.size, Some(11));
    assert!(info.user_can_write && info.supports_locks);
    assert_eq!(
        info.last_modified_time.as_deref(),
        Some("2024-01-01T00:00:00Z")
    );

    let seen = host.seen();
    assert_eq!(seen.len(), 1);
    let request = &seen[0];
    let url = url::Url::parse(&request.url).unwrap();
    let sent_token = url
        .query_pairs()
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v.into_owned());
    assert_eq!(sent_token.as_deref(), Some(TOKEN));

    // The host can verify both proofs with the key discovery publishes.
    let ticks: i64 = header(&request.headers, "x-wopi-timestamp")
        .parse()
        .unwrap();
    let message = signed_bytes(TOKEN, &request.url, ticks);
    let published = keys.attributes().unwrap();
    for (proof, modulus, exponent) in [
        ("x-wopi-proof", &published.modulus, &published.exponent),
        (
            "x-wopi-proofold",
            &published.old_modulus,
            &published.old_exponent,
        ),
    ] {
        let key = RsaPublicKeyComponents {
            n: BASE64.decode(modulus).unwrap(),
            e: BASE64.decode(exponent).unwrap(),
        };
        let signature = BASE64.decode(header(&request.headers, proof)).unwrap();
        key.verify(&RSA_PKCS1_2048_8192_SHA256, &message, &signature)
            .unwrap_or_else(|_| panic!("{proof} does not verify"));
        // A tampered URL does not verify.
        let other = signed_bytes(TOKEN, &request.url.replace("ok", "ko"), ticks);
        assert!(key
            .verify(&RSA_PKCS1_2048_8192_SHA256, &other, &signature)
            .is_err());
    }
}

#[tokio::test]
async fn host_not_on_the_allow_list_sees_no_request() {
    let host = start_host().await;
    let mut config = storage(3, 30);
    config.wopi_hosts = vec!["http://127.0.0.1:1".parse().unwrap()];
    let client = WopiClient::new(&config, None).unwrap();
    file_info_refused(&client, &host, "ok", "wopi-host-not-allowed").await;
    let err = client
        .get_file_url(
            &format!("http://{}/wopi/files/ok/contents", host.addr),
            &token(),
            None,
            100,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "wopi-host-not-allowed", "{err}");
    assert!(host.seen().is_empty());
    // A missing token is refused before sending too.
    let open = client_with_default_hosts();
    let err = open
        .check_file_info(&host.src("ok"), &AccessToken::new(""))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "missing-token");
    assert!(host.seen().is_empty());
}

fn client_with_default_hosts() -> WopiClient {
    client(0, None)
}

#[tokio::test]
async fn server_errors_are_retried_client_errors_are_not() {
    let host = start_host().await;
    let client = client(3, None);
    file_info_refused(&client, &host, "fail", "storage-server-error").await;
    assert_eq!(host.seen().len(), 4, "one attempt and three retries");

    let host = start_host().await;
    file_info_refused(&client, &host, "unauthorized", "storage-unauthorized").await;
    assert_eq!(host.seen().len(), 1, "a 4xx is not retried");

    // PutFile is never retried, even on a 500.
    let host = start_host().await;
    let err = put_unlocked(
        &client,
        &host.src("fail"),
        b"x".to_vec(),
        PutFlags::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), "storage-server-error");
    assert_eq!(host.seen().len(), 1);
}

#[tokio::test]
async fn slow_host_times_out() {
    let host = start_host().await;
    let client = WopiClient::new(&storage(1, 1), None)
        .unwrap()
        .with_backoff(Duration::from_millis(10));
    file_info_refused(&client, &host, "slow", "storage-timeout").await;
    assert_eq!(host.seen().len(), 2, "a timeout is retried");
}

#[tokio::test]
async fn garbage_and_oversized_file_info_are_refused() {
    let host = start_host().await;
    let client = client(0, None);
    file_info_refused(&client, &host, "garbage", "fileinfo-invalid").await;
    file_info_refused(&client, &host, "hugejson", "fileinfo-too-large").await;
}

#[tokio::test]
async fn get_file_limits_hold_while_streaming() {
    let host = start_host().await;
    let client = client(2, None);
    let body = client
        .get_file(&host.src("ok"), &token(), Some(11), 1024)
        .await
        .unwrap();
    assert_eq!(body, b"hello world");
    assert!(host.seen()[0].path.ends_with("/ok/contents"));

    let err = client
        .get_file(&host.src("big"), &token(), Some(5), 1024)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "file-larger-than-announced", "{err}");
    let err = client
        .get_file(&host.src("big"), &token(), None, 50)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "file-too-large", "{err}");
    let err = client
        .get_file(&host.src("stream"), &token(), None, 1024 * 1024)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "file-too-large", "{err}");
    let whole = client
        .get_file(&host.src("stream"), &token(), None, 4 * 1024 * 1024)
        .await
        .unwrap();
    assert_eq!(whole.len(), 4 * 1024 * 1024);
    // Limits are not transient: 1 + 1 + 1 + 1 + 1 requests, no retries.
    assert_eq!(host.seen().len(), 5);
}

#[tokio::test]
async fn redirect_loop_fails_at_once() {
    let host = start_host().await;
    let client = client(3, None);
    file_info_refused(&client, &host, "loop", "storage-redirect").await;
    assert_eq!(host.seen().len(), 1);
}

#[tokio::test]
async fn locks() {
    let host = start_host().await;
    let client = client(0, None);
    let src = host.src("ok");
    client.lock(&src, &token(), "L1").await.unwrap();
    client.refresh_lock(&src, &token(), "L1").await.unwrap();
    client.unlock(&src, &token(), "L1").await.unwrap();
    let overrides: Vec<String> = host
        .seen()
        .iter()
        .map(|s| {
            format!(
                "{} {} {}",
                s.method,
                header(&s.headers, "x-wopi-override"),
                header(&s.headers, "x-wopi-lock")
            )
        })
        .collect();
    assert_eq!(
        overrides,
        ["POST LOCK L1", "POST REFRESH_LOCK L1", "POST UNLOCK L1"]
    );
    match client.lock(&src, &token(), "other").await.unwrap_err() {
        WopiError::LockConflict {
            current_lock,
            reason,
            ..
        } => {
            assert_eq!(current_lock.as_deref(), Some("held-lock"));
            assert_eq!(reason.as_deref(), Some("locked by Bob"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn put_file_headers_conflicts_and_expiry() {
    let host = start_host().await;
    let client = client(3, None);
    let src = host.src("ok");
    let flags = PutFlags {
        is_modified_by_user: true,
        is_autosave: false,
        is_exit_save: true,
    };
    let result = client
        .put_file(
            &src,
            &token(),
            Some("L1"),
            Some("2024-01-01T00:00:00Z"),
            b"new bytes".to_vec(),
            flags,
        )
        .await
        .unwrap();
    assert_eq!(
        result,
        PutResult::Ok {
            last_modified: Some("2024-02-02T00:00:00Z".into())
        }
    );
    let put = &host.seen()[0];
    assert_eq!(put.method, Method::POST);
    assert!(put.path.ends_with("/ok/contents"));
    assert_eq!(put.body_len, 9);
    for (name, value) in [
        ("x-wopi-override", "PUT"),
        ("x-wopi-lock", "L1"),
        ("x-cool-wopi-ismodifiedbyuser", "true"),
        ("x-cool-wopi-isautosave", "false"),
        ("x-cool-wopi-isexitsave", "true"),
        ("x-cool-wopi-timestamp", "2024-01-01T00:00:00Z"),
    ] {
        assert_eq!(header(&put.headers, name), value, "{name}");
    }

    let result = client
        .put_file(&src, &token(), None, Some("stale"), b"x".to_vec(), flags)
        .await
        .unwrap();
    assert!(result.is_document_changed(), "{result:?}");
    assert!(matches!(
        result,
        PutResult::Conflict {
            cool_status_code: Some(COOL_STATUS_DOC_CHANGED),
            ..
        }
    ));
    // Overwrite: no timestamp.
    let result = put_unlocked(&client, &src, b"x".to_vec(), flags)
        .await
        .unwrap();
    assert!(matches!(result, PutResult::Ok { .. }));
    assert_eq!(header(&host.seen()[2].headers, "x-cool-wopi-timestamp"), "");

    let result = client
        .put_file(&src, &token(), Some("wrong"), None, b"x".to_vec(), flags)
        .await
        .unwrap();
    assert_eq!(
        result,
        PutResult::Conflict {
            cool_status_code: None,
            current_lock: Some("held-lock".into()),
            reason: None
        }
    );
    let result = put_unlocked(&client, &host.src("unauthorized"), b"x".to_vec(), flags)
        .await
        .unwrap();
    assert_eq!(result, PutResult::Unauthorized { status: 401 });
}

#[tokio::test]
async fn put_relative_file() {
    let host = start_host().await;
    let client = client(0, None);
    let new = client
        .put_relative_file(
            &host.src("ok"),
            &token(),
            "Übersicht.odt",
            false,
            b"abc".to_vec(),
        )
        .await
        .unwrap();
    assert_eq!(new.name, "copy.odt");
    assert_eq!(
        new.token.as_ref().map(AccessToken::expose),
        Some("NEWTOKEN")
    );
    assert!(new.src.url().as_str().ends_with("/wopi/files/copy"));
    assert!(!format!("{new:?}").contains("NEWTOKEN"));
    let seen = &host.seen()[0];
    assert_eq!(header(&seen.headers, "x-wopi-override"), "PUT_RELATIVE");
    assert_eq!(
        header(&seen.headers, "x-wopi-suggestedtarget"),
        "+ANw-bersicht.odt"
    );
    assert_eq!(header(&seen.headers, "x-wopi-size"), "3");
}

#[tokio::test]
async fn dropped_connection_mid_upload_is_an_error() {
    // A host that reads the request head and closes the connection.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buffer = [0u8; 1024];
            let _ = tokio::io::AsyncReadExt::read(&mut stream, &mut buffer).await;
            drop(stream);
        }
    });
    let client = client(0, None);
    let src = WopiSrc::parse(&format!("http://{addr}/wopi/files/x")).unwrap();
    let err = put_unlocked(
        &client,
        &src,
        vec![0u8; 8 * 1024 * 1024],
        PutFlags::default(),
    )
    .await
    .unwrap_err();
    assert!(err.transient(), "{err:?}");
    assert!(!err.to_string().contains(TOKEN));
}

#[tokio::test]
async fn no_error_message_contains_the_token() {
    let host = start_host().await;
    let client = WopiClient::new(&storage(0, 1), None).unwrap();
    let mut errors: Vec<WopiError> = Vec::new();
    for name in [
        "fail",
        "unauthorized",
        "slow",
        "garbage",
        "hugejson",
        "loop",
        "nothing",
    ] {
        errors.push(file_info_error(&client, &host, name).await);
    }
    errors.push(
        client
            .get_file(&host.src("big"), &token(), Some(5), 1024)
            .await
            .unwrap_err(),
    );
    errors.push(
        client
            .get_file(&host.src("stream"), &token(), None, 10)
            .await
            .unwrap_err(),
    );
    errors.push(
        client
            .lock(&host.src("ok"), &token(), "other")
            .await
            .unwrap_err(),
    );
    // Nothing listens on port 1: a connection error.
    let closed = WopiSrc::parse("http://127.0.0.1:1/wopi/files/x").unwrap();
    errors.push(client.check_file_info(&closed, &token()).await.unwrap_err());
    let mut config = storage(0, 1);
    config.wopi_hosts = vec!["https://elsewhere.example".parse().unwrap()];
    let refusing = WopiClient::new(&config, None).unwrap();
    errors.push(file_info_error(&refusing, &host, "ok").await);

    let kinds: std::collections::BTreeSet<&str> = errors.iter().map(WopiError::kind).collect();
    for kind in [
        "storage-server-error",
        "storage-unauthorized",
        "storage-timeout",
        "fileinfo-invalid",
        "fileinfo-too-large",
        "storage-redirect",
        "storage-not-found",
        "file-larger-than-announced",
        "file-too-large",
        "lock-conflict",
        "storage-connect",
        "wopi-host-not-allowed",
    ] {
        assert!(kinds.contains(kind), "{kind} missing from {kinds:?}");
    }
    for error in &errors {
        for text in [
            error.to_string(),
            format!("{error:?}"),
            format!("{:#}", anyhow::Error::msg(error.to_string())),
        ] {
            assert!(!text.contains(TOKEN), "{text}");
            assert!(!text.contains("SECRET"), "{text}");
            assert!(!text.contains("access_token"), "{text}");
        }
    }
    assert!(!format!("{:?}", token()).contains("SECRET"));
}
