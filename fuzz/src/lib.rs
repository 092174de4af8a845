//! One function per fuzz target: each takes the fuzzer's bytes, feeds them to one of oxool's
//! parsers of untrusted input, and checks what must hold for any input (no panic, bounded
//! allocation, and the target's own property, such as parse → render → parse giving the same
//! value). The libFuzzer entry points in `fuzz_targets/` only call these; the tests in
//! `tests/corpus_replay.rs` run every file of the seed corpora (`corpus/<target>/`) and of the
//! crashes found so far (`regressions/<target>/`) through the same functions in `cargo test`.
//!
//! How to run them: docs/fuzzing.md.

use std::io::Cursor;

use oxool_proto::{Frame, Message};
use oxool_wsd::editing::protocol::parse_client;
use oxool_wsd::wopi::{host_allowed, FileInfo, WopiHostPattern, WopiSrc};

/// A fuzz target: takes any bytes, panics only on a finding.
pub type Target = fn(&[u8]);

/// Every target, by the name of its corpus directory and entry point.
pub const TARGETS: &[(&str, Target)] = &[
    ("proto_frame", proto_frame),
    ("proto_message", proto_message),
    ("client_message", client_message),
    ("wopi_file_info", wopi_file_info),
    ("wopi_src", wopi_src),
    ("config", config),
    ("utf7", utf7),
    ("local_store_token", local_store_token),
    ("discovery_host", discovery_host),
    ("wopi_replies", wopi_replies),
    ("convert_form", convert_form),
];

/// The payload limit the fuzzed frame reader enforces: small, so that a length field cannot make
/// the fuzzer allocate gigabytes (the real limits are tested in proto's own tests).
const FUZZ_PAYLOAD_LIMIT: u32 = 1 << 20;

/// Kit ↔ wsd frames, both directions share the format (proto/src/frame.rs): a stream of frames
/// is read until the first error; every frame read is re-encoded and must read back identical.
pub fn proto_frame(data: &[u8]) {
    let mut reader = Cursor::new(data);
    while let Ok(frame) = Frame::read_from_by_name(&mut reader, |name| {
        oxool_proto::kit_payload_limit(name, FUZZ_PAYLOAD_LIMIT).min(FUZZ_PAYLOAD_LIMIT)
    }) {
        let encoded = frame.encode().expect("a frame that was read encodes again");
        let again = Frame::read_from(&mut Cursor::new(&encoded), FUZZ_PAYLOAD_LIMIT)
            .expect("an encoded frame reads back");
        assert_eq!(again.header, frame.header);
        assert_eq!(again.payload, frame.payload);
        let _ = frame.message();
    }
}

/// A message line (kit protocol and the client protocol's line syntax): whatever parses renders
/// to a line that parses to the same message.
pub fn proto_message(data: &[u8]) {
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(message) = Message::parse(line) {
        let rendered = message.render();
        let again = Message::parse(&rendered).expect("a rendered message parses");
        assert_eq!(again, message, "render → parse changed {line:?}");
        assert_eq!(again.render(), rendered);
    }
}

/// Every message a browser may send (wsd/src/editing/protocol.rs), body included.
pub fn client_message(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_client(text);
    }
}

/// CheckFileInfo's JSON body, as a lax or lying WOPI host sends it.
pub fn wopi_file_info(data: &[u8]) {
    if let Ok(info) = FileInfo::from_json(data) {
        assert!(!info.base_file_name.trim().is_empty());
    }
}

/// WOPISrc normalisation and the allow-list. The input is split at the first newline: the first
/// line is an allow-list entry, the rest a WOPISrc. Normalising is idempotent, the access token
/// never survives it, and the allow-list decision is the same for the normalised URL.
pub fn wopi_src(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (pattern, source) = text
        .split_once('\n')
        .unwrap_or(("http://127.0.0.1:9980", text));
    let Ok(src) = WopiSrc::parse(source) else {
        return;
    };
    let again = WopiSrc::parse(src.url().as_str()).expect("a normalised WOPISrc parses again");
    assert_eq!(
        again.doc_key(),
        src.doc_key(),
        "normalising is not idempotent"
    );
    assert!(
        !src.url()
            .query_pairs()
            .any(|(k, _)| k.eq_ignore_ascii_case("access_token")),
        "the access token stayed in {}",
        src.url()
    );
    if let Ok(pattern) = pattern.parse::<WopiHostPattern>() {
        let list = [pattern];
        assert_eq!(
            host_allowed(&list, src.url()),
            host_allowed(&list, again.url())
        );
    }
}

/// The configuration file: wsd's whole file and the kit settings (forkit, kits) read from it.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = std::path::Path::new("fuzz.toml");
    let _ = oxool_wsd::config::Config::from_toml(text, path);
    let _ = oxool_settings::KitSettings::from_toml(text, path);
}

/// UTF-7 headers (X-WOPI-SuggestedTarget and friends).
pub fn utf7(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(decoded) = oxool_wsd::utf7::decode(text) {
            assert!(decoded.len() <= text.len() * 3 + 4);
        }
    }
}

/// The built-in local store's inputs from the network: access tokens (a forged token must never
/// verify), file ids and ISO 8601 timestamps.
pub fn local_store_token(data: &[u8]) {
    use oxool_wsd::local_store::{file_id, timestamp, token::TokenSigner};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let signer = TokenSigner::new(b"fuzzing secret");
    assert!(
        signer.verify(text, "ZmlsZQ").is_err(),
        "a token the fuzzer made up verified: {text:?}"
    );
    if let Ok(name) = file_id::decode(text) {
        assert!(
            file_id::check_name(&name).is_ok(),
            "decode let {name:?} through"
        );
    }
    let _ = file_id::check_name(text);
    let _ = timestamp::parse_iso8601(text);
}

/// The Host header discovery builds its URLs from: anything that is not a plain authority is
/// replaced by the listen address, so discovery can never carry markup or a path.
pub fn discovery_host(data: &[u8]) {
    let Ok(value) = http::HeaderValue::from_bytes(data) else {
        return;
    };
    let mut headers = http::HeaderMap::new();
    headers.insert(http::header::HOST, value);
    let root = oxool_wsd::discovery::server_root(&headers, "127.0.0.1:9980", false);
    let authority = root.strip_prefix("http://").expect("the scheme asked for");
    assert!(
        authority
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b)),
        "{root:?}"
    );
}

/// What a WOPI host answers to PutFile (2xx and 409) and PutRelativeFile. The first byte picks
/// the answer; for a 409 the first line is the lock header the host echoed.
pub fn wopi_replies(data: &[u8]) {
    use oxool_wsd::wopi::replies;
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    match which % 3 {
        0 => {
            let _ = replies::put_file_stored(body);
        }
        1 => {
            let (lock, body) = match body.iter().position(|&b| b == b'\n') {
                Some(at) => (&body[..at], &body[at + 1..]),
                None => (&body[..0], body),
            };
            let lock = String::from_utf8_lossy(lock).into_owned();
            let _ = replies::put_file_conflict(Some(lock), None, body);
        }
        _ => {
            if let Ok(file) = replies::put_relative_file_created(body) {
                assert!(
                    !file
                        .src
                        .url()
                        .query_pairs()
                        .any(|(k, _)| k.eq_ignore_ascii_case("access_token")),
                    "the new file's WOPISrc kept its token"
                );
            }
        }
    }
}

/// The boundary of the fuzzed convert-to forms; the body is the fuzzer's.
const FORM_BOUNDARY: &str = "oxoolfuzzboundary";

/// A convert-to request's multipart body (axum's Multipart, then wsd/src/upload.rs), with a 1 MiB
/// upload limit: a form read is within it and has a document.
pub fn convert_form(data: &[u8]) {
    use axum::extract::{FromRequest, Multipart};
    thread_local! {
        static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a current-thread runtime");
    }
    let request = http::Request::builder()
        .method("POST")
        .uri("/cool/convert-to/pdf")
        .header(
            http::header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={FORM_BOUNDARY}"),
        )
        .body(axum::body::Body::from(data.to_vec()))
        .expect("a request");
    RUNTIME.with(|runtime| {
        runtime.block_on(async {
            let Ok(form) = Multipart::from_request(request, &()).await else {
                return;
            };
            if let Ok(form) = oxool_wsd::upload::read_form(form, 1).await {
                assert!(
                    form.document.len() <= 1 << 20,
                    "the upload limit did not hold"
                );
            }
        })
    });
}
