//! Hostile and broken input to convert-to: each gets a clear 4xx/5xx with a reason, the server
//! keeps serving, and no kit or jail is left behind.

use oxool_tests::http::{convert, convert_fixture, post_chunked, post_head_only, Response};
use oxool_tests::server::{Server, ServerOptions};
use oxool_tests::user::RunAs;

/// A docx-shaped zip whose document part inflates to `inflated_mb` MiB of NUL bytes.
fn zip_bomb(inflated_mb: usize) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bomb.docx");
    let script = format!(
        r#"
import zipfile
z = zipfile.ZipFile({out:?}, "w", zipfile.ZIP_DEFLATED)
z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
with z.open("word/document.xml", "w", force_zip64=True) as f:
    chunk = bytes(1 << 20)
    for _ in range({inflated_mb}):
        f.write(chunk)
z.close()
"#,
        out = out.display().to_string()
    );
    let status = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .status()
        .unwrap();
    assert!(status.success(), "building the zip bomb");
    std::fs::read(out).unwrap()
}

fn assert_refused(response: &Response, what: &str, statuses: &[u16]) {
    assert!(
        statuses.contains(&response.status),
        "{what}: status {} not in {statuses:?}: {}",
        response.status,
        response.text()
    );
    assert!(
        !response.text().trim().is_empty(),
        "{what}: the refusal gives a reason"
    );
}

fn still_serves(server: &Server) {
    let response = convert_fixture(&server.url(""), "simple.odt", "txt").unwrap();
    assert_eq!(
        response.status,
        200,
        "the next request still works: {}",
        response.text()
    );
}

fn survives_bad_documents(run_as: RunAs) {
    let server = Server::start(ServerOptions {
        run_as,
        max_upload_mb: 2,
        timeout_secs: 60,
        ..Default::default()
    })
    .unwrap();
    let base = server.url("");

    let r = convert_fixture(&base, "truncated.docx", "pdf").unwrap();
    assert_refused(&r, "truncated docx", &[400]);
    assert!(r.text().contains("could not be loaded"), "{}", r.text());
    still_serves(&server);

    let r = convert_fixture(&base, "random-bytes.docx", "pdf").unwrap();
    assert_refused(&r, "random bytes", &[400]);
    still_serves(&server);

    let r = convert(&base, "empty.docx", b"", "pdf").unwrap();
    assert_refused(&r, "empty body", &[400]);

    let bomb = zip_bomb(512);
    assert!(
        bomb.len() < 2 << 20,
        "the bomb itself is small ({} bytes)",
        bomb.len()
    );
    let r = convert(&base, "bomb.docx", &bomb, "pdf")
        .unwrap_or_else(|e| panic!("zip bomb request: {e:#}\n{}", server.log()));
    assert_refused(&r, "zip bomb", &[400, 500, 504]);
    still_serves(&server);

    let r = convert_fixture(&base, "simple.odt", "exe").unwrap();
    assert_refused(&r, "unknown format", &[400]);
    assert!(r.text().contains("exe"), "{}", r.text());

    // Announced over the limit: refused from the request head, before any byte is stored.
    let (status, reason) = post_head_only(&server.url("/cool/convert-to/pdf"), 3 << 20).unwrap();
    assert_eq!(status, 413, "announced oversize upload: {reason}");
    assert!(!reason.trim().is_empty(), "the refusal gives a reason");
    // Not announced (chunked): refused while streaming, once the limit is crossed.
    let too_big = vec![b'x'; 3 << 20];
    match post_chunked(
        &server.url("/cool/convert-to/pdf"),
        &[("data", Some("big.odt"), &too_big)],
    ) {
        Ok(r) => assert_refused(&r, "streamed oversize upload", &[413]),
        // The server may close the connection before the client has sent everything.
        Err(e) => assert!(
            format!("{e:#}").contains("pipe") || format!("{e:#}").contains("reset"),
            "{e:#}"
        ),
    }
    still_serves(&server);

    server.wait_for_quiescence(1).expect("nothing left behind");
}

oxool_tests::tests_as_root_and_unprivileged!(survives_bad_documents: survives_bad_documents_as_root, survives_bad_documents_as_unprivileged_user);

/// The probe entry stands in for a LibreOffice that crashes or hangs mid-conversion.
#[test]
fn a_kit_that_crashes_or_hangs_is_cleaned_up() {
    let server = Server::start(ServerOptions {
        entry: "probe",
        timeout_secs: 3,
        ..Default::default()
    })
    .unwrap();
    let base = server.url("");

    let r = convert(&base, "crash.docx", b"OXOOL-PROBE crash", "pdf").unwrap();
    assert_refused(&r, "crashing kit", &[500]);
    assert!(r.text().contains("crashed"), "{}", r.text());

    let r = convert(&base, "hang.docx", b"OXOOL-PROBE hang", "pdf").unwrap();
    assert_refused(&r, "hanging kit", &[504]);

    let r = convert(&base, "other.docx", b"anything", "pdf").unwrap();
    assert_refused(&r, "the server still answers", &[400]);
    server
        .wait_for_quiescence(1)
        .expect("the crashed and the hung kit are reaped, jails removed");
}
