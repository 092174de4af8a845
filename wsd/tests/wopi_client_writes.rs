//! The WOPI client's locks and writes (Lock, PutFile, PutRelativeFile, an upload cut off)
//! against the recording, misbehaving WOPI host of wopi_client_support. Reads and failures:
//! tests/wopi_client.rs.

mod wopi_client_support;

use axum::http::Method;
use oxool_wsd::wopi::{
    AccessToken, PutFlags, PutResult, WopiError, WopiSrc, COOL_STATUS_DOC_CHANGED,
};
use wopi_client_support::{client, header, put_unlocked, start_host, token, TOKEN};

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
