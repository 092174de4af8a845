//! A real oxool-wsd (with its real forkit and LibreOffice kits) serving `org.oxool.Wsd1` on an
//! admin socket, and oxoolctl run against it as a separate process.
//!
//! Not oxool_tests::server::Server: its generated file has no place for a `[net]` key (the
//! extra TOML lands after `[forkit]`), and `net.admin_socket` is one.

// Each test binary compiles this module and uses a part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use oxool_tests::bin_dir;
use oxool_tests::eventually::poll_until;
use oxool_tests::server::free_port;

pub struct Wsd {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
    /// The bus wsd serves org.oxool.Wsd1 on, instead of the admin socket.
    system_bus: Option<String>,
}

impl Wsd {
    /// wsd with forkit started by itself and the admin interface on `net.admin_socket`.
    pub fn start() -> Wsd {
        Wsd::start_with(None)
    }

    /// wsd with `[forkit] bus = "system"`, the system bus being the private bus at
    /// `system_bus` (`DBUS_SYSTEM_BUS_ADDRESS`): no forkit runs, and no admin socket is set.
    pub fn start_on_bus(system_bus: &str) -> Wsd {
        Wsd::start_with(Some(system_bus.to_string()))
    }

    fn start_with(system_bus: Option<String>) -> Wsd {
        let dir = tempfile::Builder::new()
            .prefix("oxoolctl-it-")
            .tempdir()
            .unwrap();
        let root = dir.path();
        let systemplate = root.join("systemplate");
        oxool_systemplate_setup(&systemplate);
        std::fs::create_dir_all(root.join("jails")).unwrap();
        let port = free_port().unwrap();
        let mut config = config_text(root, port);
        let mut command = Command::new(bin_dir().join("oxool-wsd"));
        if let Some(address) = &system_bus {
            config = config
                .replace("bus = \"standalone\"", "bus = \"system\"")
                .lines()
                .filter(|line| !line.starts_with("admin_socket"))
                .map(|line| format!("{line}\n"))
                .collect();
            command.env("DBUS_SYSTEM_BUS_ADDRESS", address);
        }
        std::fs::write(root.join("oxool.toml"), config).unwrap();
        let log = std::fs::File::create(root.join("wsd.log")).unwrap();
        let child = command
            .arg("--config")
            .arg(root.join("oxool.toml"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("oxool-wsd (build it first: cargo build --workspace --bins)");
        let mut wsd = Wsd {
            child,
            port,
            dir,
            system_bus,
        };
        wsd.wait_until_serving();
        wsd
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("oxool.toml")
    }

    pub fn admin_socket(&self) -> PathBuf {
        self.dir.path().join("admin.sock")
    }

    pub fn address(&self) -> String {
        format!("unix:path={}", self.admin_socket().display())
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("wsd.log")).unwrap_or_default()
    }

    /// `oxoolctl --address <our socket> ARGS`, or `oxoolctl ARGS` on our system bus.
    pub fn ctl(&self, args: &[&str]) -> Ctl {
        let mut command = Command::new(env!("CARGO_BIN_EXE_oxoolctl"));
        match &self.system_bus {
            Some(address) => command.env("DBUS_SYSTEM_BUS_ADDRESS", address),
            None => command.arg("--address").arg(self.address()),
        };
        Ctl::from(command.args(args).output().unwrap())
    }

    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    fn wait_until_serving(&mut self) {
        let serving = poll_until(Duration::from_secs(60), || {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("oxool-wsd exited with {status}:\n{}", self.log());
            }
            let answers = ureq::get(&self.url("/hosting/capabilities")).call().is_ok();
            (answers && (self.system_bus.is_some() || self.admin_socket().exists())).then_some(())
        });
        if serving.is_none() {
            panic!("oxool-wsd did not start serving:\n{}", self.log());
        }
    }

    /// forkit's processes (front end, zygote, kits): their command line names our jails.
    pub fn forkit_processes(&self) -> Vec<(u32, u32)> {
        let needle = self.dir.path().join("jails").display().to_string();
        let mut found = Vec::new();
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            if String::from_utf8_lossy(&cmdline).contains(&needle) {
                if let Some(parent) = parent_of(pid) {
                    found.push((pid, parent));
                }
            }
        }
        found
    }

    /// The kits: forkit processes two generations below forkit's front end (front end →
    /// zygote → kit).
    pub fn kits(&self) -> Vec<u32> {
        let processes = self.forkit_processes();
        let ours = |pid: u32| processes.iter().any(|(p, _)| *p == pid);
        processes
            .iter()
            .filter(|(_, parent)| ours(*parent) && parent_of(*parent).is_some_and(ours))
            .map(|(pid, _)| *pid)
            .collect()
    }
}

impl Drop for Wsd {
    fn drop(&mut self) {
        oxool_tests::terminate(&mut self.child);
    }
}

/// A private dbus-daemon standing in for the system bus (no policy: anybody may own and call).
pub struct Bus {
    daemon: Child,
    pub address: String,
    _dir: tempfile::TempDir,
}

impl Bus {
    pub fn start() -> Bus {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("bus");
        let config = dir.path().join("bus.conf");
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"#,
                socket.display()
            ),
        )
        .unwrap();
        let daemon = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .arg("--nofork")
            .stdout(Stdio::null())
            // It warns that it cannot raise its descriptor limit, which a test bus does not need.
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon");
        assert!(eventually(|| socket.exists()), "dbus-daemon did not listen");
        Bus {
            daemon,
            address: format!("unix:path={}", socket.display()),
            _dir: dir,
        }
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// What one oxoolctl run printed and how it ended.
#[derive(Debug)]
pub struct Ctl {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Ctl {
    fn from(output: Output) -> Ctl {
        Ctl {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

pub fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    after_name.split(' ').nth(1)?.parse().ok()
}

/// Waits for `condition`, polling; false when it did not come true within a minute.
pub fn eventually(mut condition: impl FnMut() -> bool) -> bool {
    poll_until(Duration::from_secs(60), || condition().then_some(())).is_some()
}

fn oxool_systemplate_setup(path: &Path) {
    let status = Command::new(bin_dir().join("oxool-systemplate-setup"))
        .arg(path)
        .stdout(Stdio::null())
        .status()
        .expect("oxool-systemplate-setup (build it first: cargo build --workspace --bins)");
    assert!(status.success(), "oxool-systemplate-setup failed");
}

pub fn config_text(root: &Path, port: u16) -> String {
    let root = root.display();
    format!(
        r#"[net]
listen = "127.0.0.1:{port}"
admin_socket = "{root}/admin.sock"

[kit]
prespawn = 1
# A fixed pool: the tests count the pooled kit.
prespawn_adaptive = false
entry = "lok"
systemplate = "{root}/systemplate"
jails_root = "{root}/jails"
profile_dir = "{root}/preinit-profile"
seed_profile = "{root}/no-seed"

[forkit]
binary = "{bin}/oxool-forkit"
bus = "standalone"

[storage]
proof_key_dir = "{root}/proof"
"#,
        bin = bin_dir().display(),
    )
}
