//! convert-to requests as integrators send them (multipart/form-data).

use std::io::Read;

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One multipart field: (name, optional file name, bytes).
pub type Part<'a> = (&'a str, Option<&'a str>, &'a [u8]);

pub fn multipart_body(parts: &[Part]) -> (String, Vec<u8>) {
    let boundary = format!("oxool-test-{:016x}", rand::random::<u64>());
    let mut body = Vec::new();
    for (name, file_name, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file_name {
            Some(file) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// POSTs a multipart body; any status is a `Response` (not an error).
pub fn post_multipart(url: &str, parts: &[Part]) -> anyhow::Result<Response> {
    let (content_type, body) = multipart_body(parts);
    post_raw(url, &content_type, &body)
}

pub fn post_raw(url: &str, content_type: &str, body: &[u8]) -> anyhow::Result<Response> {
    let result = ureq::post(url)
        .timeout(std::time::Duration::from_secs(300))
        .set("Content-Type", content_type)
        .send_bytes(body);
    into_response(result)
}

/// Like [`post_multipart`], but streamed with chunked transfer encoding (no Content-Length).
pub fn post_chunked(url: &str, parts: &[Part]) -> anyhow::Result<Response> {
    let (content_type, body) = multipart_body(parts);
    let result = ureq::post(url)
        .timeout(std::time::Duration::from_secs(300))
        .set("Content-Type", &content_type)
        .send(std::io::Cursor::new(body));
    into_response(result)
}

fn into_response(result: Result<ureq::Response, ureq::Error>) -> anyhow::Result<Response> {
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => return Err(e.into()),
    };
    let status = response.status();
    let headers = response
        .headers_names()
        .into_iter()
        .filter_map(|n| response.header(&n).map(|v| (n.clone(), v.to_string())))
        .collect();
    let mut body = Vec::new();
    response
        .into_reader()
        .take(1 << 30)
        .read_to_end(&mut body)?;
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// `POST /cool/convert-to/<format>` with the document as `data`.
pub fn convert(
    base: &str,
    file_name: &str,
    document: &[u8],
    format: &str,
) -> anyhow::Result<Response> {
    post_multipart(
        &format!("{base}/cool/convert-to/{format}"),
        &[("data", Some(file_name), document)],
    )
}

/// [`convert`] of the test fixture `fixture`, under its own name.
pub fn convert_fixture(base: &str, fixture: &str, format: &str) -> anyhow::Result<Response> {
    let document = crate::tools::read(&crate::fixture(fixture));
    convert(base, fixture, &document, format)
}

/// Sends only the request head of a multipart upload announcing `content_length` bytes and
/// reads the answer without sending any of the body: a server that refuses an upload before
/// storing it answers at once.
pub fn post_head_only(url: &str, content_length: u64) -> anyhow::Result<(u16, String)> {
    use std::io::Write;
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| anyhow::anyhow!("http only"))?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = std::net::TcpStream::connect(authority)?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\n\
         Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {content_length}\r\n\r\n"
    )?;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no HTTP status in {text:?}"))?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}
