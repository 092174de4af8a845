//! convert-to over HTTP: limits, refusals, admission and each kind of kit behaviour, through the
//! real router with scripted kits (fake_kit/). Real kits are the `tests` crate's business.

mod fake_kit;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{header, Request, Response, StatusCode};
use fake_kit::{Behaviour, FakeKits};
use futures_util::{stream, StreamExt};
use oxool_wsd::config::Config;
use oxool_wsd::AppState;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

const BOUNDARY: &str = "oxoolTestBoundary";

fn config(extra: &str) -> Config {
    Config::from_toml(extra, Path::new("test.toml")).unwrap()
}

fn state(behaviour: Behaviour, extra: &str) -> (AppState, Arc<FakeKits>) {
    let kits = FakeKits::new(behaviour);
    (AppState::new(config(extra), kits.clone()), kits)
}

/// A multipart body: `data` with `file_name` and `document`, plus text parts.
fn form(file_name: &str, document: &[u8], texts: &[(&str, &str)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in texts {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"data\"; filename=\"{file_name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(document);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn post(uri: &str, body: Body, client: &str) -> Request<Body> {
    let mut request = Request::post(uri)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .unwrap();
    let client: SocketAddr = client.parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(client));
    request
}

fn post_form(uri: &str, body: Vec<u8>) -> Request<Body> {
    let length = body.len();
    let mut request = post(uri, Body::from(body), "127.0.0.1:40000");
    request
        .headers_mut()
        .insert(header::CONTENT_LENGTH, length.into());
    request
}

async fn send(state: &AppState, request: Request<Body>) -> Response<Body> {
    oxool_wsd::router(state.clone())
        .oneshot(request)
        .await
        .unwrap()
}

/// Posts the form `body` to `uri` (from 127.0.0.1, its length declared): the answer.
async fn post_to(state: &AppState, uri: &str, body: Vec<u8>) -> Response<Body> {
    send(state, post_form(uri, body)).await
}

/// Posts the form `body` to `uri`, which must be refused with 400 Bad Request: the reason.
async fn bad_request(state: &AppState, uri: &str, body: Vec<u8>) -> String {
    let response = post_to(state, uri, body).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    text(response).await
}

/// The smallest conversion: a one-byte `a.odt` to PDF.
async fn convert_small_odt(state: &AppState) -> Response<Body> {
    post_to(state, "/cool/convert-to/pdf", form("a.odt", b"x", &[])).await
}

/// The smallest conversion with kits behaving as `behaviour` (and `extra` configuration), which
/// must be answered with `status`: the answer's text, the kits, and the server's state (kept
/// alive while the kits are checked, as in a running server).
async fn small_conversion(
    behaviour: Behaviour,
    extra: &str,
    status: StatusCode,
) -> (String, Arc<FakeKits>, AppState) {
    let (state, kits) = state(behaviour, extra);
    let response = convert_small_odt(&state).await;
    assert_eq!(response.status(), status);
    (text(response).await, kits, state)
}

/// [`small_conversion`] with the default settings by a kit that fails as `behaviour`: it must
/// be answered 500.
async fn internal_error(behaviour: Behaviour) -> (String, Arc<FakeKits>, AppState) {
    small_conversion(behaviour, "", StatusCode::INTERNAL_SERVER_ERROR).await
}

/// `answer` names every one of `parts`.
fn assert_mentions(answer: &str, parts: &[&str]) {
    for part in parts {
        assert!(answer.contains(part), "no {part} in {answer}");
    }
}

/// A GET of `uri` from `client` (an address and port).
fn get_from(uri: &str, client: &str) -> Request<Body> {
    let mut request = Request::get(uri).body(Body::empty()).unwrap();
    let client: SocketAddr = client.parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(client));
    request
}

/// A form upload of `big.odt` that never ends: its head, then `chunks` chunks of `CHUNK`
/// bytes; and the count of chunks produced so far (each is counted when it is taken).
fn endless_upload(
    chunks: usize,
) -> (
    Arc<AtomicUsize>,
    impl Iterator<Item = Result<Bytes, std::io::Error>>,
) {
    let head = form("big.odt", b"", &[]);
    let head = head[..head.len() - format!("\r\n--{BOUNDARY}--\r\n").len()].to_vec();
    let produced = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&produced);
    let body = std::iter::once(Bytes::from(head))
        .chain((0..chunks).map(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
            Bytes::from(vec![b'a'; CHUNK])
        }))
        .map(Ok::<_, std::io::Error>);
    (produced, body)
}

/// An [`endless_upload`] (10 MiB on offer) to a server that allows 1 MiB, which must refuse it
/// with 413: the answer's text, the bytes read of it, and the kits. Its chunks arrive one by
/// one when `arriving` (like a network: the reader waits once for each), else all are there
/// at once.
async fn endless_upload_refused(arriving: bool) -> (String, usize, Arc<FakeKits>) {
    let (state, kits) = state(Behaviour::Convert, "[convert]\nmax_upload_mb = 1\n");
    let (produced, chunks) = endless_upload(160);
    let body = if arriving {
        Body::from_stream(stream::iter(chunks).then(|chunk| async {
            tokio::task::yield_now().await;
            chunk
        }))
    } else {
        Body::from_stream(stream::iter(chunks))
    };
    let response = send(&state, post("/cool/convert-to/pdf", body, "[::1]:1")).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let answer = text(response).await;
    (answer, produced.load(Ordering::SeqCst) * CHUNK, kits)
}

/// The size of a chunk of an [`endless_upload`].
const CHUNK: usize = 64 * 1024;

async fn text(response: Response<Body>) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[tokio::test]
async fn converts_with_format_in_path() {
    let (state, kits) = state(Behaviour::Convert, "");
    let body = form(
        "report.docx",
        b"DOC",
        &[("options", "{\"x\":1}"), ("PDFVer", "pdf/a-2B")],
    );
    let response = post_to(&state, "/cool/convert-to/pdf", body).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(
        response.headers()[header::CONTENT_DISPOSITION],
        "attachment; filename=\"report.pdf\""
    );
    assert_eq!(text(response).await, "converted:DOC");
    let request = oxool_proto::Message::parse(&kits.requests()[0]).unwrap();
    assert_eq!(request.name, "convert");
    assert_eq!(request.get("name"), Some("report.docx"));
    assert_eq!(request.get("format"), Some("pdf"));
    assert_eq!(request.get("options"), Some("{\"x\":1}"));
    assert_eq!(request.get("pdfver"), Some("PDF/A-2b"));
    wait_until(|| kits.exits() == 1).await;
    assert!(kits.killed().is_empty());
}

#[tokio::test]
async fn converts_with_format_in_form() {
    let (state, kits) = state(Behaviour::Convert, "");
    let body = form("../../sheet.ods", b"ODS", &[("format", "XLSX")]);
    let response = post_to(&state, "/cool/convert-to", body).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(
        response.headers()[header::CONTENT_DISPOSITION],
        "attachment; filename=\"sheet.xlsx\""
    );
    let request = oxool_proto::Message::parse(&kits.requests()[0]).unwrap();
    assert_eq!(
        request.get("name"),
        Some("sheet.ods"),
        "directories never reach the kit"
    );
    assert_eq!(request.get("format"), Some("xlsx"));
}

#[tokio::test]
async fn unknown_format_is_400_without_a_kit() {
    let (state, kits) = state(Behaviour::Convert, "");
    let reason = bad_request(&state, "/cool/convert-to/xyz", form("a.odt", b"x", &[])).await;
    assert_eq!(reason, "unknown format \"xyz\"\n");
    let reason = bad_request(
        &state,
        "/cool/convert-to",
        form("a.odt", b"x", &[("format", "exe")]),
    )
    .await;
    assert!(reason.contains("unknown format \"exe\""), "{reason}");
    let reason = bad_request(&state, "/cool/convert-to", form("a.odt", b"x", &[])).await;
    assert!(reason.contains("missing the target format"), "{reason}");
    assert_eq!(kits.spawned(), 0);
}

#[tokio::test]
async fn empty_or_missing_document_is_400() {
    let (state, kits) = state(Behaviour::Convert, "");
    let reason = bad_request(&state, "/cool/convert-to/pdf", form("a.odt", b"", &[])).await;
    assert!(reason.contains("empty"), "{reason}");
    let only_text = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"format\"\r\n\r\npdf\r\n--{BOUNDARY}--\r\n"
    );
    let reason = bad_request(&state, "/cool/convert-to", only_text.into_bytes()).await;
    assert!(reason.contains("missing form part \"data\""), "{reason}");
    bad_request(&state, "/cool/convert-to/pdf", Vec::new()).await;
    assert_eq!(kits.spawned(), 0);
}

#[tokio::test]
async fn bad_pdf_version_is_400() {
    let (state, kits) = state(Behaviour::Convert, "");
    let body = form("a.odt", b"x", &[("PDFVer", "PDF/A-9z")]);
    let reason = bad_request(&state, "/cool/convert-to/pdf", body).await;
    assert!(reason.contains("unknown PDFVer"), "{reason}");
    assert_eq!(kits.spawned(), 0);
}

#[tokio::test]
async fn clients_outside_post_allow_get_403() {
    let (state, kits) = state(Behaviour::Convert, "[net]\npost_allow = [\"10.0.0.0/8\"]\n");
    let response = convert_small_odt(&state).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(text(response).await.contains("net.post_allow"));

    let mut request = post_form("/cool/convert-to/pdf", form("a.odt", b"x", &[]));
    request
        .extensions_mut()
        .insert(ConnectInfo("10.1.2.3:5000".parse::<SocketAddr>().unwrap()));
    assert_eq!(send(&state, request).await.status(), StatusCode::OK);

    let mut anonymous = post_form("/cool/convert-to/pdf", form("a.odt", b"x", &[]));
    anonymous
        .extensions_mut()
        .remove::<ConnectInfo<SocketAddr>>();
    assert_eq!(
        send(&state, anonymous).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(kits.spawned(), 1);
}

#[tokio::test]
async fn declared_oversize_upload_is_413_before_the_body_is_read() {
    let (state, kits) = state(Behaviour::Convert, "[convert]\nmax_upload_mb = 1\n");
    let polled = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&polled);
    let body = stream::poll_fn(move |_| {
        flag.store(true, Ordering::SeqCst);
        std::task::Poll::Ready(Some(Ok::<_, std::io::Error>(Bytes::from_static(b"x"))))
    });
    let mut request = post(
        "/cool/convert-to/pdf",
        Body::from_stream(body),
        "127.0.0.1:1",
    );
    request
        .headers_mut()
        .insert(header::CONTENT_LENGTH, (2u64 * 1024 * 1024).into());
    let response = send(&state, request).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(text(response).await.contains("1 MiB"));
    assert!(
        !polled.load(Ordering::SeqCst),
        "the body must not be touched"
    );
    assert_eq!(kits.spawned(), 0);
}

#[tokio::test]
async fn streamed_oversize_upload_is_413_as_soon_as_the_limit_is_crossed() {
    let (answer, read, kits) = endless_upload_refused(true).await;
    assert!(answer.contains("1 MiB"));
    assert!(
        read <= 1024 * 1024 + 2 * CHUNK,
        "read {read} bytes past a 1 MiB limit"
    );
    assert_eq!(kits.spawned(), 0);
}

#[tokio::test]
async fn a_body_that_is_all_there_at_once_is_still_capped() {
    // The multipart parser takes whatever the transport has ready; the body limit around the
    // form (file limit + form overhead) caps that, whatever the file counter says.
    let (_, read, kits) = endless_upload_refused(false).await;
    let cap = 1024 * 1024 + oxool_wsd::upload::FORM_OVERHEAD as usize + CHUNK;
    assert!(read <= cap, "read {read} bytes, more than the body limit");
    assert_eq!(kits.spawned(), 0);
}

#[tokio::test]
async fn full_queue_is_503_with_retry_after() {
    let extra = "[convert]\nmax_concurrent = 1\nqueue_length = 1\nretry_after_secs = 7\n";
    let (state, kits) = state(Behaviour::Hang, extra);
    let running = tokio::spawn(send_owned(state.clone(), form("a.odt", b"1", &[])));
    wait_until(|| kits.spawned() == 1).await;
    let queued = tokio::spawn(send_owned(state.clone(), form("b.odt", b"2", &[])));
    wait_until(|| state.admission.queued() == 1).await;

    let response = post_to(&state, "/cool/convert-to/pdf", form("c.odt", b"3", &[])).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()[header::RETRY_AFTER], "7");
    assert!(text(response).await.contains("busy"));
    assert_eq!(kits.spawned(), 1, "the queued request has no kit yet");

    let metrics = state.metrics.render(&state.admission);
    assert!(
        metrics.contains("oxool_conversions_rejected_total 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("oxool_conversions_in_flight 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("oxool_conversions_queued 1\n"),
        "{metrics}"
    );

    // Abandoning the running request kills its kit and hands the slot to the queued one.
    running.abort();
    wait_until(|| kits.spawned() == 2).await;
    wait_until(|| kits.killed().contains(&1000)).await;
    queued.abort();
}

async fn send_owned(state: AppState, body: Vec<u8>) -> StatusCode {
    post_to(&state, "/cool/convert-to/pdf", body).await.status()
}

#[tokio::test(start_paused = true)]
async fn timeout_kills_the_kit_and_answers_504() {
    let (answer, kits, _state) = small_conversion(
        Behaviour::Hang,
        "[convert]\ntimeout_secs = 3\n",
        StatusCode::GATEWAY_TIMEOUT,
    )
    .await;
    assert!(answer.contains("within 3 seconds"));
    assert_eq!(kits.killed(), vec![1000]);
}

#[tokio::test]
async fn kit_crash_is_500() {
    let (answer, kits, _state) = internal_error(Behaviour::Crash).await;
    assert_eq!(answer, "the conversion process crashed\n");
    assert!(kits.killed().is_empty());
}

#[tokio::test]
async fn seccomp_violation_is_500_naming_seccomp() {
    let (reason, _kits, _state) = internal_error(Behaviour::Seccomp).await;
    assert_mentions(&reason, &["seccomp", "mkdir"]);
}

#[tokio::test]
async fn a_kit_breaking_the_protocol_is_killed() {
    let (answer, kits, _state) = internal_error(Behaviour::Garbage).await;
    assert!(answer.contains("unexpected answer"));
    assert_eq!(kits.killed(), vec![1000]);
}

#[tokio::test]
async fn a_kit_sending_an_oversized_event_is_killed() {
    // The conversion allows 100 MiB documents, but only `converted` may carry one.
    let (body, kits, _state) = internal_error(Behaviour::OversizedEvent).await;
    assert_mentions(&body, &["\"error\"", "65536"]);
    assert_eq!(kits.killed(), vec![1000]);
}

#[tokio::test]
async fn load_error_is_400() {
    let (answer, kits, _state) =
        small_conversion(Behaviour::LoadError, "", StatusCode::BAD_REQUEST).await;
    assert_eq!(
        answer,
        "the document could not be loaded: general input/output error\n"
    );
    wait_until(|| kits.exits() == 1).await;
}

#[tokio::test]
async fn capabilities_and_metrics() {
    let (state, _kits) = state(Behaviour::Convert, "");
    convert_small_odt(&state).await;

    let response = send(&state, get_from("/hosting/capabilities", "127.0.0.1:1")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&text(response).await).unwrap();
    assert_eq!(json["convert-to"]["available"], true);
    assert_eq!(json["convert-to"]["endpoint"], "/cool/convert-to");
    assert_eq!(json["productName"], "oxool");
    assert_eq!(json["hasProxyPrefix"], false);
    assert_eq!(json["hasWASMSupport"], false);
    assert_eq!(json["serverId"].as_str().unwrap().len(), 8);

    let outsider = get_from("/hosting/capabilities", "192.0.2.1:1");
    let json: serde_json::Value =
        serde_json::from_str(&text(send(&state, outsider).await).await).unwrap();
    assert_eq!(json["convert-to"]["available"], false);

    let metrics = text(send(&state, get_from("/metrics", "127.0.0.1:1")).await).await;
    assert!(
        metrics.contains("oxool_conversions_total{outcome=\"converted\"} 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("oxool_kit_spawn_seconds_count 1\n"),
        "{metrics}"
    );
}

#[tokio::test]
async fn legacy_lool_path_is_absent() {
    let (state, _kits) = state(Behaviour::Convert, "");
    let response = post_to(&state, "/lool/convert-to/pdf", form("a.odt", b"x", &[])).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

/// The whole path through a real TCP listener: the client address comes from the connection.
#[tokio::test]
async fn real_listener_round_trip() {
    let (state, _kits) = state(Behaviour::Convert, "");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(oxool_wsd::serve(listener, state, async {
        let _ = stopped.await;
    }));

    let body = form("hello.txt", b"hello", &[]);
    let mut client = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /cool/convert-to/odt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    client.write_all(head.as_bytes()).await.unwrap();
    client.write_all(&body).await.unwrap();
    let mut answer = Vec::new();
    client.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(
        answer.contains("content-disposition: attachment; filename=\"hello.odt\""),
        "{answer}"
    );
    assert!(answer.ends_with("\r\n\r\nconverted:hello"), "{answer}");

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

/// Waits for something another task does; the guard turns a hang into a failure.
async fn wait_until(condition: impl Fn() -> bool) {
    tokio::time::timeout(Duration::from_secs(30), async {
        while !condition() {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await
    .expect("condition not reached");
}

/// Over a real socket: headers announcing a too-large body get their 413 while the client has
/// sent none of the body.
#[tokio::test]
async fn declared_oversize_upload_over_tcp_is_answered_without_the_body() {
    let (state, kits) = state(Behaviour::Convert, "[convert]\nmax_upload_mb = 1\n");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(oxool_wsd::serve(listener, state, std::future::pending()));

    let mut client = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /cool/convert-to/pdf HTTP/1.1\r\nHost: localhost\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: 50000000\r\n\r\n"
    );
    client.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains("MiB") {
        let read = client.read(&mut buffer).await.unwrap();
        assert!(read > 0, "connection closed without an answer: {answer:?}");
        answer.extend_from_slice(&buffer[..read]);
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 413 Payload Too Large\r\n"),
        "{answer}"
    );
    assert_eq!(kits.spawned(), 0);
    server.abort();
}
