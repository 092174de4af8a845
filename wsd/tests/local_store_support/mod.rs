//! The local store on a real listener and a raw HTTP/1.1 client for it, shared by
//! tests/local_store.rs.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use oxool_wsd::local_store::{self, LocalStore};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const HOUR: Duration = Duration::from_secs(3600);

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

pub struct Server {
    pub address: std::net::SocketAddr,
    pub store: Arc<LocalStore>,
    pub root: tempfile::TempDir,
}

pub async fn start_with(configure: impl FnOnce(LocalStore) -> LocalStore) -> Server {
    let root = tempfile::tempdir().unwrap();
    for name in ["simple.docx", "simple.xlsx"] {
        std::fs::copy(fixtures().join(name), root.path().join(name)).unwrap();
    }
    let store = LocalStore::new(root.path(), &LocalStore::generate_secret()).unwrap();
    let store = Arc::new(configure(store));
    let app = local_store::router(store.clone()).merge(local_store::index_router(store.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Server {
        address,
        store,
        root,
    }
}

pub async fn start() -> Server {
    start_with(|store| store).await
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&self.body)))
    }
}

impl Server {
    pub fn token(&self, name: &str, can_write: bool) -> String {
        let id = LocalStore::file_id(name);
        self.store.issue_token(&id, "alice", can_write, HOUR)
    }

    pub fn url(&self, id: &str, suffix: &str, token: &str) -> String {
        format!("/wopi/files/{id}{suffix}?access_token={token}")
    }

    pub async fn request(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        let mut stream = TcpStream::connect(self.address).await.unwrap();
        let mut head = format!(
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.address,
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(body).await.unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.unwrap();
        parse_reply(&raw)
    }

    pub async fn get(&self, target: &str, headers: &[(&str, &str)]) -> Reply {
        self.request("GET", target, headers, b"").await
    }

    pub async fn post(&self, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        self.request("POST", target, headers, body).await
    }

    pub async fn check_file_info(&self, name: &str, token: &str) -> Reply {
        let target = self.url(&LocalStore::file_id(name), "", token);
        self.get(&target, &[]).await
    }

    pub async fn get_file(&self, name: &str, token: &str) -> Reply {
        let target = self.url(&LocalStore::file_id(name), "/contents", token);
        self.get(&target, &[]).await
    }

    /// [`Server::check_file_info`] with a fresh token of alice's, able to write when `can_write`.
    pub async fn check_file_info_as(&self, name: &str, can_write: bool) -> Reply {
        self.check_file_info(name, &self.token(name, can_write))
            .await
    }

    /// [`Server::get_file`] with a fresh token of alice's, able to write when `can_write`.
    pub async fn get_file_as(&self, name: &str, can_write: bool) -> Reply {
        self.get_file(name, &self.token(name, can_write)).await
    }

    pub async fn put_file(&self, name: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        let target = self.url(
            &LocalStore::file_id(name),
            "/contents",
            &self.token(name, true),
        );
        let mut all = vec![("X-WOPI-Override", "PUT")];
        all.extend_from_slice(headers);
        self.post(&target, &all, body).await
    }

    /// A PutFile of `name` saying which version it was based on (`X-COOL-WOPI-Timestamp`).
    pub async fn put_file_based_on(&self, name: &str, timestamp: &str, body: &[u8]) -> Reply {
        self.put_file(name, &[("X-COOL-WOPI-Timestamp", timestamp)], body)
            .await
    }

    pub async fn lock_call(&self, name: &str, operation: &str, lock: &str) -> Reply {
        let target = self.url(&LocalStore::file_id(name), "", &self.token(name, true));
        let headers = [("X-WOPI-Override", operation), ("X-WOPI-Lock", lock)];
        self.post(&target, &headers, b"").await
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.root.path().join(name)).unwrap()
    }
}

fn parse_reply(raw: &[u8]) -> Reply {
    let split = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .expect("a complete response head");
    let head = std::str::from_utf8(&raw[..split]).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(key, value)| (key.trim().to_owned(), value.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(key, value)| key.eq_ignore_ascii_case("transfer-encoding") && value == "chunked");
    if chunked {
        body = dechunk(&body);
    }
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = raw.windows(2).position(|w| w == b"\r\n").unwrap();
        let size = std::str::from_utf8(&raw[..line_end]).unwrap();
        let size = usize::from_str_radix(size.split(';').next().unwrap(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&raw[line_end + 2..line_end + 2 + size]);
        raw = &raw[line_end + 4 + size..];
    }
}

impl Server {
    pub async fn lock_call_with(&self, name: &str, token: &str, operation: &str) -> u16 {
        let target = self.url(&LocalStore::file_id(name), "", token);
        let headers = [("X-WOPI-Override", operation), ("X-WOPI-Lock", "L")];
        self.post(&target, &headers, b"").await.status
    }
}

pub fn no_temporary_files_left(root: &Path) {
    let hidden: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .filter(|name| name.to_string_lossy().starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");
}
