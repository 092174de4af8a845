//! convert-to's admission control against a real server: one slot and one queue place, held by
//! uploads whose bodies have not arrived yet (admission is decided on the request head). The
//! next request is refused with 503 at once; a queued request that the client abandons frees its
//! place; a slot freed by a client that went away goes to the waiting request, which converts.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use oxool_tests::eventually::eventually;
use oxool_tests::fixture;
use oxool_tests::http::{convert, multipart_body, post_head_only};
use oxool_tests::server::{Server, ServerOptions};

/// A convert-to request whose head has been sent; `finish` sends the body and reads the answer.
struct PendingUpload {
    stream: TcpStream,
    body: Vec<u8>,
}

impl PendingUpload {
    fn start(server: &Server, document: &[u8]) -> PendingUpload {
        let (content_type, body) = multipart_body(&[("data", Some("queued.docx"), document)]);
        let authority = server.url("").trim_start_matches("http://").to_string();
        let mut stream = TcpStream::connect(&authority).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .unwrap();
        write!(
            stream,
            "POST /cool/convert-to/pdf HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\
             Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .unwrap();
        PendingUpload { stream, body }
    }

    /// Sends the body; the answer's status line and body.
    fn finish(mut self) -> (String, Vec<u8>) {
        self.stream.write_all(&self.body).unwrap();
        let mut answer = Vec::new();
        self.stream.read_to_end(&mut answer).unwrap();
        let split = answer
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("an HTTP answer");
        let head = String::from_utf8_lossy(&answer[..split]).into_owned();
        (head, answer[split + 4..].to_vec())
    }
}

fn metric(server: &Server, name: &str) -> Option<u64> {
    let text = ureq::get(&server.url("/metrics"))
        .call()
        .ok()?
        .into_string()
        .ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.trim().parse().ok())
}

fn wait_for_admission(server: &Server, running: u64, queued: u64) {
    eventually(
        &format!("{running} conversion(s) running and {queued} queued"),
        Duration::from_secs(30),
        || {
            (metric(server, "oxool_conversions_in_flight") == Some(running)
                && metric(server, "oxool_conversions_queued") == Some(queued))
            .then_some(())
        },
    );
}

#[test]
fn a_full_queue_refuses_and_freed_places_go_to_the_waiting_request() {
    let server = Server::start(ServerOptions {
        max_concurrent: 1,
        queue_length: 1,
        ..ServerOptions::default()
    })
    .unwrap();
    let document = std::fs::read(fixture("simple.docx")).unwrap();

    let running = PendingUpload::start(&server, &document);
    wait_for_admission(&server, 1, 0);
    let queued = PendingUpload::start(&server, &document);
    wait_for_admission(&server, 1, 1);

    // Slot and queue are taken: the next request is refused before its body is read.
    let (status, body) =
        post_head_only(&server.url("/cool/convert-to/pdf"), document.len() as u64).unwrap();
    assert_eq!(status, 503, "a full queue answers 503: {body}");
    assert_eq!(metric(&server, "oxool_conversions_rejected_total"), Some(1));

    // A waiting client that gives up frees its place, and a new one may queue.
    drop(queued);
    wait_for_admission(&server, 1, 0);
    let queued = PendingUpload::start(&server, &document);
    wait_for_admission(&server, 1, 1);

    // The running client goes away: its slot passes to the waiting request, which converts.
    drop(running);
    wait_for_admission(&server, 1, 0);
    let (head, pdf) = queued.finish();
    assert!(
        head.starts_with("HTTP/1.1 200"),
        "the queued request converts: {head}"
    );
    assert!(pdf.starts_with(b"%PDF"), "a PDF comes back");
    wait_for_admission(&server, 0, 0);

    // Every slot and place is back: a plain request converts.
    let again = convert(&server.url(""), "again.docx", &document, "pdf").unwrap();
    assert_eq!(again.status, 200, "{}", again.text());
}
