//! The WOPI client's reads and its failures against a real HTTP server on 127.0.0.1 that records
//! every request and misbehaves on demand (wopi_client_support): CheckFileInfo with its proofs,
//! GetFile's limits, the allow-list, retries, timeouts, garbage or huge JSON, redirect loops, and
//! no token in any error. Locks and writes: tests/wopi_client_writes.rs.

mod wopi_client_support;

use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::signature::{RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use oxool_wsd::wopi::proof::{signed_bytes, ProofKeys};
use oxool_wsd::wopi::{AccessToken, PutFlags, WopiClient, WopiError, WopiSrc};
use wopi_client_support::{
    client, file_info_error, file_info_refused, header, put_unlocked, start_host, storage, token,
    TOKEN,
};

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
