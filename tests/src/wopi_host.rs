//! The independent WOPI host (tests/wopi-host/wopi_host.py) as a child process: documents in a
//! scratch directory, a free port, and its control API (faults, touch, log, locks).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

#[derive(Debug, Clone, Default)]
pub struct WopiHostOptions {
    /// Accept PutFile on an unlocked file (the WOPI rule is to refuse it).
    pub lenient_locks: bool,
    /// Further command-line arguments (`--expired-token T`, `--max-put-bytes N`, …).
    pub extra_args: Vec<String>,
}

pub struct WopiHost {
    child: Child,
    pub port: u16,
    root: tempfile::TempDir,
}

impl WopiHost {
    pub fn start(options: WopiHostOptions) -> anyhow::Result<WopiHost> {
        let root = tempfile::Builder::new().prefix("oxool-wopi-").tempdir()?;
        let script = crate::repo_root().join("tests/wopi-host/wopi_host.py");
        let mut command = Command::new("python3");
        command
            .arg(script)
            .arg("--root")
            .arg(root.path())
            .args(["--port", "0"]);
        if options.lenient_locks {
            command.arg("--lenient-locks");
        }
        let mut child = command
            .args(&options.extra_args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let port = line
            .trim()
            .strip_prefix("LISTENING ")
            .and_then(|p| p.parse().ok());
        let Some(port) = port else {
            let _ = child.kill();
            let _ = child.wait();
            anyhow::bail!("the WOPI host did not print LISTENING <port>: {line:?}");
        };
        Ok(WopiHost { child, port, root })
    }

    pub fn root(&self) -> &Path {
        self.root.path()
    }

    pub fn path_of(&self, name: &str) -> PathBuf {
        self.root.path().join(name)
    }

    /// Puts a document into storage (as the integrator's users would have).
    pub fn add_document(&self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        std::fs::write(self.path_of(name), bytes)?;
        Ok(())
    }

    /// Copies a fixture into storage under `name`.
    pub fn add_fixture(&self, fixture: &str, name: &str) -> anyhow::Result<()> {
        self.add_document(name, &std::fs::read(crate::fixture(fixture))?)
    }

    /// The stored bytes of a document.
    pub fn stored(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path_of(name)).unwrap_or_default()
    }

    /// The stored document converted by the server's own convert-to (`txt`, `csv`, `pdf`).
    pub fn stored_as(&self, server_base: &str, name: &str, format: &str) -> Vec<u8> {
        let bytes = self.stored(name);
        let answer = crate::http::convert(server_base, name, &bytes, format)
            .unwrap_or_else(|e| panic!("convert-to {format} of stored {name}: {e}"));
        assert_eq!(
            answer.status,
            200,
            "convert-to {format} of stored {name} ({} bytes): {}",
            bytes.len(),
            answer.text()
        );
        answer.body
    }

    /// The stored document as text (txt for text documents, csv for spreadsheets, the text
    /// of a PDF for presentations).
    pub fn stored_text(&self, server_base: &str, name: &str) -> String {
        let extension = name.rsplit('.').next().unwrap_or_default();
        match extension {
            "xlsx" | "ods" | "xls" => {
                String::from_utf8_lossy(&self.stored_as(server_base, name, "csv")).into_owned()
            }
            "pptx" | "odp" | "ppt" => {
                crate::tools::pdf_text(&self.stored_as(server_base, name, "pdf"))
                    .expect("pdftotext")
            }
            _ => String::from_utf8_lossy(&self.stored_as(server_base, name, "txt")).into_owned(),
        }
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The WOPISrc of a document (its name URL-encoded, as the host expects).
    pub fn wopisrc(&self, name: &str) -> String {
        format!("{}/wopi/files/{}", self.base(), url_encode(name))
    }

    /// Merges faults per operation (`{"PutFile": {"status": 500}}`; `null` removes one).
    pub fn set_faults(&self, faults: Value) -> anyhow::Result<Value> {
        let answer = ureq::post(&format!("{}/_control/faults", self.base()))
            .set("Content-Type", "application/json")
            .send_string(&faults.to_string())?;
        json_of(answer)
    }

    pub fn clear_faults(&self) -> anyhow::Result<()> {
        ureq::delete(&format!("{}/_control/faults", self.base())).call()?;
        Ok(())
    }

    /// Changes a document behind the server's back (its modification time moves forward).
    pub fn touch(&self, name: &str, content: Option<&[u8]>) -> anyhow::Result<Value> {
        let url = format!("{}/_control/touch?file={}", self.base(), url_encode(name));
        let request = ureq::post(&url);
        let answer = match content {
            Some(bytes) => request.send_bytes(bytes)?,
            None => request.call()?,
        };
        json_of(answer)
    }

    /// Every WOPI request so far, oldest first.
    pub fn log(&self) -> anyhow::Result<Vec<Value>> {
        let answer = ureq::get(&format!("{}/_control/log", self.base())).call()?;
        json_of(answer)
    }

    pub fn clear_log(&self) -> anyhow::Result<()> {
        ureq::delete(&format!("{}/_control/log", self.base())).call()?;
        Ok(())
    }

    /// The logged requests of one operation (`PutFile`, `Lock`, …) for one file.
    pub fn requests(&self, operation: &str, file: &str) -> anyhow::Result<Vec<Value>> {
        Ok(self
            .log()?
            .into_iter()
            .filter(|r| r["operation"] == operation && r["file"] == file)
            .collect())
    }

    pub fn locks(&self) -> anyhow::Result<Value> {
        let answer = ureq::get(&format!("{}/_control/locks", self.base())).call()?;
        json_of(answer)
    }
}

impl Drop for WopiHost {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The JSON body of a control-API answer (ureq is built without its json feature here).
fn json_of<T: serde::de::DeserializeOwned>(answer: ureq::Response) -> anyhow::Result<T> {
    Ok(serde_json::from_reader(answer.into_reader())?)
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub fn url_encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A token the host reads as user, display name and write permission, with a random secret
/// (a field the host ignores) that tests look for in wsd's log: it must never be there.
pub fn token(user: &str, name: &str, write: bool) -> String {
    format!(
        "user={user};name={name};write={};secret={}",
        u8::from(write),
        token_secret_for(user)
    )
}

/// The secret part of the tokens `token` makes for `user` (fixed per test process).
pub fn token_secret_for(user: &str) -> String {
    static SALT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let salt = SALT.get_or_init(rand::random::<u64>);
    let mut hash = *salt;
    for byte in user.bytes() {
        hash = hash.rotate_left(7) ^ u64::from(byte).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    format!("tok{hash:016x}")
}
