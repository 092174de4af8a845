//! Debian's HAProxy with the shipped configuration (docs/haproxy/oxool.cfg) in front of test
//! servers: the file is used as it is, with only the listening address, the servers' addresses
//! and the health-check timings replaced (each replacement must match, so the shipped file
//! cannot drift away from what is tested). Its admin socket tells server states.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::eventually::poll_until;

/// The shipped file's placeholders: the addresses of three servers.
const SHIPPED_SERVERS: [&str; 3] = ["10.0.0.1:9980", "10.0.0.2:9980", "10.0.0.3:9980"];
/// The shipped check timings, and the test's: a state change is seen within ~0.5 s.
const SHIPPED_CHECKS: &str = "inter 2s fall 2 rise 2";
const TEST_CHECKS: &str = "inter 250ms fall 1 rise 1";
const BACKEND: &str = "oxool_documents";

pub struct Balancer {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Balancer {
    /// HAProxy on 127.0.0.1, in front of the servers on 127.0.0.1:`ports` (three of them).
    pub fn start(ports: &[u16; 3]) -> anyhow::Result<Balancer> {
        let haproxy = which("haproxy").ok_or_else(|| {
            anyhow::anyhow!("haproxy is not installed (scripts/install-deps.sh test installs it)")
        })?;
        let dir = tempfile::Builder::new()
            .prefix("oxool-haproxy-")
            .tempdir()?;
        let port = crate::server::free_port()?;
        let shipped = std::fs::read_to_string(crate::repo_root().join("docs/haproxy/oxool.cfg"))?;
        let socket = dir.path().join("admin.sock");
        let mut text = replace_all(
            &shipped,
            "global\n",
            &format!(
                "global\n    stats socket {} level admin\n",
                socket.display()
            ),
        )?;
        text = replace_all(&text, "bind :9980", &format!("bind 127.0.0.1:{port}"))?;
        text = replace_all(&text, SHIPPED_CHECKS, TEST_CHECKS)?;
        for (placeholder, server_port) in SHIPPED_SERVERS.iter().zip(ports) {
            text = replace_all(&text, placeholder, &format!("127.0.0.1:{server_port}"))?;
        }
        let config = dir.path().join("haproxy.cfg");
        std::fs::write(&config, text)?;
        let log = std::fs::File::create(dir.path().join("haproxy.log"))?;
        let child = Command::new(haproxy)
            .arg("-db")
            .arg("-f")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        let balancer = Balancer { child, port, dir };
        let listening = poll_until(Duration::from_secs(20), || {
            std::net::TcpStream::connect(("127.0.0.1", port))
                .is_ok()
                .then_some(())
        });
        anyhow::ensure!(
            listening.is_some(),
            "haproxy did not listen:\n{}",
            balancer.log()
        );
        Ok(balancer)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("haproxy.log")).unwrap_or_default()
    }

    /// Whether HAProxy sees server `index` (0-based, in `start`'s order) as up.
    pub fn is_up(&self, index: usize) -> anyhow::Result<bool> {
        let answer = self.command(&format!("show servers state {BACKEND}"))?;
        let name = format!("oxool{}", index + 1);
        // Columns: be_id be_name srv_id srv_name srv_addr srv_op_state …; 2 is running.
        let state = answer
            .lines()
            .map(|line| line.split_whitespace().collect::<Vec<_>>())
            .find(|fields| fields.len() > 5 && fields[3] == name)
            .map(|fields| fields[5] == "2");
        state.ok_or_else(|| anyhow::anyhow!("no server {name} in:\n{answer}"))
    }

    /// Waits until HAProxy sees server `index` up (or down).
    pub fn wait_until(&self, index: usize, up: bool) -> anyhow::Result<()> {
        let seen = poll_until(Duration::from_secs(30), || {
            (self.is_up(index).ok() == Some(up)).then_some(())
        });
        anyhow::ensure!(
            seen.is_some(),
            "haproxy did not see server {index} {}:\n{}",
            if up { "up" } else { "down" },
            self.log()
        );
        Ok(())
    }

    fn command(&self, line: &str) -> anyhow::Result<String> {
        let path: PathBuf = self.dir.path().join("admin.sock");
        let mut stream = std::os::unix::net::UnixStream::connect(path)?;
        stream.write_all(format!("{line}\n").as_bytes())?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        Ok(answer)
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("--- haproxy's log ---\n{}--- end ---", self.log());
        }
        crate::terminate(&mut self.child);
    }
}

/// `text` with every `from` replaced; an error when there is none.
fn replace_all(text: &str, from: &str, to: &str) -> anyhow::Result<String> {
    anyhow::ensure!(
        text.contains(from),
        "docs/haproxy/oxool.cfg no longer has {from:?}"
    );
    Ok(text.replace(from, to))
}

fn which(name: &str) -> Option<PathBuf> {
    ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        .iter()
        .map(|dir| PathBuf::from(dir).join(name))
        .find(|path| path.exists())
}
