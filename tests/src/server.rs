//! A real oxool-wsd (which starts its real oxool-forkit) in a scratch directory.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use crate::eventually::poll_until;

use crate::user::{command_as, ensure_test_user, RunAs};

/// Settings a test may change; everything else has test-friendly defaults.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub run_as: RunAs,
    pub entry: &'static str,
    pub prespawn: u32,
    /// `kit.prespawn_adaptive`: off unless a test asks, so the pool stays at `prespawn` kits and
    /// the tests that count forkit's processes and jails (`wait_for_quiescence`, the soak) can.
    pub prespawn_adaptive: bool,
    pub max_concurrent: usize,
    pub queue_length: usize,
    pub max_upload_mb: u64,
    pub timeout_secs: u64,
    /// Lines added to the `[storage]` table (which always sets a private `proof_key_dir` and
    /// `wopi_hosts`), e.g. `max_file_mb = 1`.
    pub storage_toml: String,
    /// `storage.wopi_hosts`: wsd allows no WOPI host by default. Tests with a [`WopiHost`]
    /// list `host.base()` here.
    ///
    /// [`WopiHost`]: crate::wopi_host::WopiHost
    pub wopi_hosts: Vec<String>,
    /// Lines of the `[editing]` table (which always sets a private `recovery_dir`).
    pub editing_toml: Option<String>,
    /// Extra TOML appended to the generated file (whole tables).
    pub extra_toml: String,
    /// Lines added to the `[kit]` table, e.g. `memory_max_mb = 64`.
    pub kit_toml: String,
    /// When set, wsd runs in its own mount namespace where this text is /etc/hosts: a test can
    /// give names to addresses without touching the machine (root only).
    pub etc_hosts: Option<String>,
    /// The port to listen on (127.0.0.1); a free one when unset. Servers of a cluster name
    /// each other in `[cluster] peers`, so their ports are chosen before they start.
    pub port: Option<u16>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            run_as: RunAs::Root,
            entry: "lok",
            prespawn: 1,
            prespawn_adaptive: false,
            max_concurrent: 2,
            queue_length: 8,
            max_upload_mb: 20,
            timeout_secs: 60,
            storage_toml: String::new(),
            wopi_hosts: Vec::new(),
            editing_toml: None,
            extra_toml: String::new(),
            kit_toml: String::new(),
            etc_hosts: None,
            port: None,
        }
    }
}

pub struct Server {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
    pub options: ServerOptions,
}

impl Server {
    pub fn start(options: ServerOptions) -> anyhow::Result<Server> {
        let dir = tempfile::Builder::new().prefix("oxool-it-").tempdir()?;
        let root = dir.path().to_path_buf();
        let bin = root.join("bin");
        std::fs::create_dir_all(&bin)?;
        // The unprivileged user may not be able to reach the build tree: run copies.
        for name in ["oxool-wsd", "oxool-forkit", "oxool-systemplate-setup"] {
            crate::copy_executable(&crate::bin_dir().join(name), &bin.join(name))?;
        }
        let systemplate = root.join("systemplate");
        let status = std::process::Command::new(bin.join("oxool-systemplate-setup"))
            .arg(&systemplate)
            .stdout(Stdio::null())
            .status()?;
        anyhow::ensure!(status.success(), "oxool-systemplate-setup failed");
        std::fs::create_dir_all(root.join("jails"))?;
        let port = match options.port {
            Some(port) => port,
            None => free_port()?,
        };
        let config = root.join("oxool.toml");
        std::fs::write(&config, config_text(&options, &root, port))?;
        if options.run_as == RunAs::Unprivileged {
            let (uid, gid) = ensure_test_user()?;
            chown_tree(&root, uid, gid)?;
        }
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755))?;
        let child = spawn_wsd(&root, &options)?;
        let mut server = Server {
            child,
            port,
            dir,
            options,
        };
        server.wait_until_serving()?;
        Ok(server)
    }

    /// Sends SIGTERM and waits up to `timeout` for the server to exit; its exit status, or
    /// None if it is still running then.
    pub fn sigterm_and_wait(
        &mut self,
        timeout: Duration,
    ) -> anyhow::Result<Option<std::process::ExitStatus>> {
        // SAFETY: kill(2) on our own child's pid, which we have not reaped yet.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let mut failure = None;
        let status = poll_until(timeout, || match self.child.try_wait() {
            Ok(status) => status,
            Err(e) => {
                failure = Some(e);
                Some(std::process::ExitStatus::default())
            }
        });
        match failure {
            Some(e) => Err(e.into()),
            None => Ok(status),
        }
    }

    /// A host lost hard: SIGKILL to wsd and to its forkit and kits, no chance to store or
    /// unlock anything. The jails stay behind (nobody cleans them up).
    pub fn kill_hard(&mut self) {
        let mut victims = vec![self.child.id()];
        victims.extend(self.forkit_processes());
        for pid in victims {
            // SAFETY: kill(2) of wsd (our child, not reaped yet) and of processes whose command
            // line names this server's private jails directory: its own forkit and kits.
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
        }
        let _ = self.child.wait();
    }

    /// `kill -9` of wsd (no shutdown at all, as a crash or a power loss), then the same wsd
    /// again, with the same configuration, port and state directory.
    pub fn kill_9_and_restart(&mut self) -> anyhow::Result<()> {
        // SAFETY: kill(2) on our own child's pid, which we have not reaped yet.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGKILL) };
        self.child.wait()?;
        // Its forkit and kits notice and leave; the next forkit cleans what they left.
        let log = self.log();
        std::fs::write(self.dir.path().join("wsd.before-kill.log"), log)?;
        self.child = spawn_wsd(self.dir.path(), &self.options)?;
        self.wait_until_serving()
    }

    /// The wsd process id (its forkit and kits are its descendants).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the server process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    /// The recovery directory (`editing.recovery_dir`): checkpoints of modified documents.
    pub fn recovery_dir(&self) -> PathBuf {
        self.dir.path().join("recovery")
    }

    pub fn jails_root(&self) -> PathBuf {
        self.dir.path().join("jails")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("wsd.log")).unwrap_or_default()
    }

    /// [`Server::converted`] of the test fixture `fixture`, under its own name.
    pub fn converted_fixture(&self, fixture: &str, format: &str) -> Vec<u8> {
        self.converted(
            fixture,
            &crate::tools::read(&crate::fixture(fixture)),
            format,
        )
    }

    /// A convert-to of `bytes` (as file `file`) to `format` that must succeed: the converted
    /// bytes. Fails the test with the server's log otherwise.
    pub fn converted(&self, file: &str, bytes: &[u8], format: &str) -> Vec<u8> {
        let response = crate::http::convert(&self.url(""), file, bytes, format).expect("request");
        assert_eq!(
            response.status,
            200,
            "{file} → {format}: {}\n{}",
            response.text(),
            self.log()
        );
        response.body
    }

    fn wait_until_serving(&mut self) -> anyhow::Result<()> {
        let outcome = poll_until(Duration::from_secs(60), || {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(Err(status));
            }
            ureq::get(&self.url("/hosting/capabilities"))
                .call()
                .is_ok()
                .then_some(Ok(()))
        });
        match outcome {
            Some(Ok(())) => Ok(()),
            Some(Err(status)) => anyhow::bail!("oxool-wsd exited with {status}:\n{}", self.log()),
            None => anyhow::bail!("oxool-wsd did not start serving:\n{}", self.log()),
        }
    }

    /// Processes of this server's forkit (front end, zygote and kits): their command line names
    /// this server's private jails directory.
    pub fn forkit_processes(&self) -> Vec<u32> {
        let needle = self.jails_root().display().to_string();
        let mut pids = Vec::new();
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
                continue;
            };
            if String::from_utf8_lossy(&cmdline).contains(&needle) {
                pids.push(pid);
            }
        }
        pids
    }

    /// Jail directories still present.
    pub fn jails_left(&self) -> Vec<String> {
        std::fs::read_dir(self.jails_root())
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Waits until only forkit's front end, its zygote and `pooled` ready kits remain, and no
    /// jail but theirs: nothing from finished requests is left behind.
    pub fn wait_for_quiescence(&self, pooled: usize) -> anyhow::Result<()> {
        let quiet = poll_until(Duration::from_secs(30), || {
            (self.forkit_processes().len() == 2 + pooled && self.jails_left().len() == pooled)
                .then_some(())
        });
        if quiet.is_none() {
            anyhow::bail!(
                "left behind: {} forkit processes (want {}), jails {:?}",
                self.forkit_processes().len(),
                2 + pooled,
                self.jails_left()
            );
        }
        Ok(())
    }
}

impl Server {
    /// `oxoolctl <command>` against this server's admin socket: its output, or the failure.
    pub fn oxoolctl(&self, command: &str) -> anyhow::Result<String> {
        self.oxoolctl_args(&[command])
    }

    /// `oxoolctl` with several arguments (`drain --close`).
    pub fn oxoolctl_args(&self, args: &[&str]) -> anyhow::Result<String> {
        let command = args.join(" ");
        let output = std::process::Command::new(crate::bin_dir().join("oxoolctl"))
            .arg("--address")
            .arg(format!(
                "unix:path={}",
                self.dir.path().join("admin.sock").display()
            ))
            .args(args)
            .output()?;
        anyhow::ensure!(
            output.status.success(),
            "oxoolctl {command}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // A failing test shows what wsd said last: the log file goes away with the directory.
        if std::thread::panicking() {
            let log = self.log();
            let lines: Vec<&str> = log.lines().collect();
            let tail = &lines[lines.len().saturating_sub(80)..];
            eprintln!("--- the last {} lines of wsd's log ---", tail.len());
            for line in tail {
                eprintln!("{line}");
            }
            eprintln!("--- end of wsd's log ---");
        }
        // A server a test already stopped is reaped: its pid may belong to someone else now.
        if self.is_running() {
            crate::terminate(&mut self.child);
        }
    }
}

/// Starts wsd with the configuration in `root` (its log: `root/wsd.log`).
fn spawn_wsd(root: &Path, options: &ServerOptions) -> anyhow::Result<Child> {
    let log = std::fs::File::create(root.join("wsd.log"))?;
    let mut command = command_as(options.run_as, &root.join("bin").join("oxool-wsd"))?;
    if let Some(hosts) = &options.etc_hosts {
        let file = root.join("hosts");
        std::fs::write(&file, hosts)?;
        with_etc_hosts(&mut command, &file)?;
    }
    Ok(command
        .arg("--config")
        .arg(root.join("oxool.toml"))
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()?)
}

fn config_text(options: &ServerOptions, root: &Path, port: u16) -> String {
    let root = root.display();
    format!(
        r#"[net]
listen = "127.0.0.1:{port}"
admin_socket = "{root}/admin.sock"

[convert]
max_concurrent = {max_concurrent}
queue_length = {queue_length}
max_upload_mb = {max_upload_mb}
timeout_secs = {timeout_secs}

[kit]
prespawn = {prespawn}
prespawn_adaptive = {prespawn_adaptive}
entry = "{entry}"
systemplate = "{root}/systemplate"
jails_root = "{root}/jails"
profile_dir = "{root}/preinit-profile"
seed_profile = "{root}/no-seed"
{kit}

[forkit]
binary = "{root}/bin/oxool-forkit"
bus = "standalone"

[storage]
proof_key_dir = "{root}/proof"
wopi_hosts = {wopi_hosts:?}
{storage}

[editing]
recovery_dir = "{root}/recovery"
{editing}
{extra}
"#,
        max_concurrent = options.max_concurrent,
        queue_length = options.queue_length,
        max_upload_mb = options.max_upload_mb,
        timeout_secs = options.timeout_secs,
        prespawn = options.prespawn,
        prespawn_adaptive = options.prespawn_adaptive,
        entry = options.entry,
        storage = options.storage_toml,
        wopi_hosts = options.wopi_hosts,
        editing = options.editing_toml.as_deref().unwrap_or_default(),
        extra = options.extra_toml,
        kit = options.kit_toml,
    )
}

/// Runs `command` in a new mount namespace with `file` bound over /etc/hosts.
fn with_etc_hosts(command: &mut std::process::Command, file: &Path) -> anyhow::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::process::CommandExt;
    let source = std::ffi::CString::new(file.as_os_str().as_bytes())?;
    let root = c"/";
    let target = c"/etc/hosts";
    // SAFETY: the closure runs in the forked child before exec and calls only async-signal-safe
    // syscalls (unshare, mount) on C strings prepared before the fork.
    unsafe {
        command.pre_exec(move || {
            let check = |rc: libc::c_int| match rc {
                0 => Ok(()),
                _ => Err(std::io::Error::last_os_error()),
            };
            check(libc::unshare(libc::CLONE_NEWNS))?;
            // Private first, so the bind below stays in this namespace.
            check(libc::mount(
                std::ptr::null(),
                root.as_ptr(),
                std::ptr::null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            ))?;
            check(libc::mount(
                source.as_ptr(),
                target.as_ptr(),
                std::ptr::null(),
                libc::MS_BIND,
                std::ptr::null(),
            ))
        });
    }
    Ok(())
}

/// A port nothing listens on right now.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn chown_tree(root: &Path, uid: u32, gid: u32) -> anyhow::Result<()> {
    std::os::unix::fs::chown(root, Some(uid), Some(gid))?;
    for entry in std::fs::read_dir(root)? {
        let path = entry?.path();
        if path.is_dir() && !path.is_symlink() {
            chown_tree(&path, uid, gid)?;
        } else {
            std::os::unix::fs::lchown(&path, Some(uid), Some(gid))?;
        }
    }
    Ok(())
}
