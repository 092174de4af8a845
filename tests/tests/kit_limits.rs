//! What a kit may consume, read from outside the kit.
//!
//! - The packaged unit's `ExecStart` plus the shipped `etc/oxool.toml` give a real kit exactly
//!   the documented `[kit]` limits: a real forkit is started with the unit's arguments (paths
//!   moved to a scratch directory, the system bus replaced by a peer-to-peer socket), and the
//!   kit's `/proc/<pid>/limits` and its cgroup's memory limit are read from here.
//! - A kit that touches more memory than `memory_max_mb` is killed by the kernel, reported as
//!   `KitExited(oom=true)`, and the next kit works.

use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::StreamExt;
use oxool_bus::forkit1::Forkit1Proxy;
use oxool_proto::{Frame, Message};
use oxool_tests::{bin_dir, repo_root};
use oxool_wsd::config::KitConfig;

/// `ExecStart=` of units/oxool-forkit.service, continuation lines joined, split into words.
fn packaged_exec_start() -> Vec<String> {
    let unit = std::fs::read_to_string(repo_root().join("units/oxool-forkit.service")).unwrap();
    let joined = unit.replace("\\\n", " ");
    let line = joined
        .lines()
        .find_map(|l| l.trim().strip_prefix("ExecStart="))
        .expect("oxool-forkit.service has ExecStart=");
    line.split_whitespace().map(str::to_string).collect()
}

/// A forkit started by this test, with its D-Bus proxy (peer to peer, as wsd speaks to it).
struct TestForkit {
    child: std::process::Child,
    proxy: Forkit1Proxy<'static>,
    _connection: zbus::Connection,
}

impl Drop for TestForkit {
    fn drop(&mut self) {
        oxool_tests::terminate(&mut self.child);
    }
}

async fn start_forkit(program: &Path, args: &[String]) -> TestForkit {
    let (ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
    let theirs = OwnedFd::from(theirs);
    let raw = theirs.as_raw_fd();
    let mut command = std::process::Command::new(program);
    command.args(args).env_clear().env("PATH", "/usr/bin:/bin");
    // SAFETY: between fork and exec in the child: dup2 is async-signal-safe and only moves
    // the child's copy of our socket to fd 3 (dup2 clears close-on-exec on the target).
    unsafe {
        command.pre_exec(move || {
            if libc::dup2(raw, 3) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = command.spawn().expect("starting oxool-forkit");
    drop(theirs);
    ours.set_nonblocking(true).unwrap();
    let connection =
        zbus::connection::Builder::unix_stream(tokio::net::UnixStream::from_std(ours).unwrap())
            .p2p()
            .build()
            .await
            .expect("peer-to-peer D-Bus with forkit");
    let proxy = Forkit1Proxy::builder(&connection)
        .destination("org.oxool.Forkit1")
        .unwrap()
        .build()
        .await
        .unwrap();
    TestForkit {
        child,
        proxy,
        _connection: connection,
    }
}

/// A scratch directory with a systemplate and the per-forkit paths.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new(prefix: &str) -> Scratch {
        let dir = tempfile::Builder::new().prefix(prefix).tempdir().unwrap();
        oxool_systemplate::setup(&dir.path().join("systemplate")).unwrap();
        std::fs::create_dir_all(dir.path().join("jails")).unwrap();
        Scratch { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The command-line value that replaces a packaged path.
    fn replace(&self, flag: &str, packaged: &str) -> String {
        match flag {
            "--config" => self.path("oxool.toml"),
            "--systemplate" => self.path("systemplate"),
            "--jails-root" => self.path("jails"),
            "--profile-dir" => self.path("profile"),
            "--seed-profile" => self.path("no-seed"),
            // LibreOffice itself is the installed one.
            _ => PathBuf::from(packaged),
        }
        .display()
        .to_string()
    }

    /// The scratch paths as overrides, for flags the given arguments do not set.
    fn path_overrides(&self, given: &[String]) -> Vec<String> {
        let mut extra = Vec::new();
        for flag in [
            "--config",
            "--systemplate",
            "--jails-root",
            "--profile-dir",
            "--seed-profile",
        ] {
            if !given.iter().any(|a| a == flag) {
                extra.push(flag.to_string());
                extra.push(self.replace(flag, ""));
            }
        }
        extra
    }
}

/// `Max <name>` of /proc/<pid>/limits: the soft limit, `None` for unlimited.
fn proc_limit(pid: u32, name: &str) -> Option<u64> {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with(name))
        .unwrap_or_else(|| panic!("no {name:?} in /proc/{pid}/limits:\n{limits}"));
    let soft = line[name.len()..].split_whitespace().next().unwrap();
    (soft != "unlimited").then(|| soft.parse().unwrap())
}

/// The kit's memory cgroup as the kernel reports it (/proc/<pid>/cgroup), and its limit in
/// bytes: v1 `memory.limit_in_bytes`, or v2 `memory.max`.
fn memory_cgroup(pid: u32) -> (PathBuf, Option<u64>) {
    let cgroups = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap();
    for line in cgroups.lines() {
        let mut fields = line.splitn(3, ':');
        let (_, controllers, path) = (
            fields.next().unwrap(),
            fields.next().unwrap(),
            fields.next().unwrap(),
        );
        if controllers.split(',').any(|c| c == "memory") {
            let dir = Path::new("/sys/fs/cgroup/memory").join(path.trim_start_matches('/'));
            let limit = std::fs::read_to_string(dir.join("memory.limit_in_bytes")).unwrap();
            let limit: u64 = limit.trim().parse().unwrap();
            // v1 writes "unlimited" as the largest page-aligned value.
            return (dir, (limit < 1 << 62).then_some(limit));
        }
    }
    let path = cgroups
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .expect("a cgroup v2 line");
    let root = ["/sys/fs/cgroup/unified", "/sys/fs/cgroup"]
        .into_iter()
        .find(|r| Path::new(r).join("cgroup.controllers").exists())
        .unwrap();
    let dir = Path::new(root).join(path.trim_start_matches('/'));
    let limit = std::fs::read_to_string(dir.join("memory.max")).unwrap();
    (dir, limit.trim().parse().ok())
}

async fn cgroup_mode(proxy: &Forkit1Proxy<'_>) -> String {
    proxy.stats().await.unwrap().cgroup_mode
}

const MIB: u64 = 1 << 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_packaged_unit_and_config_give_a_kit_the_documented_limits() {
    assert!(nix::unistd::geteuid().is_root(), "this test runs as root");
    let scratch = Scratch::new("oxool-kit-limits-");
    std::fs::copy(
        repo_root().join("etc/oxool.toml"),
        scratch.path("oxool.toml"),
    )
    .unwrap();

    let exec_start = packaged_exec_start();
    assert!(exec_start[0].ends_with("/oxool-forkit"), "{exec_start:?}");
    let mut args = Vec::new();
    let mut words = exec_start[1..].iter();
    while let Some(word) = words.next() {
        match word.as_str() {
            "--system-bus" => args.extend(["--p2p-fd".to_string(), "3".to_string()]),
            flag @ ("--config" | "--systemplate" | "--jails-root" | "--profile-dir"
            | "--seed-profile" | "--program-dir") => {
                let value = words.next().expect("a value after {flag}");
                args.push(flag.to_string());
                args.push(scratch.replace(flag, value));
            }
            other => args.push(other.to_string()),
        }
    }
    args.extend(scratch.path_overrides(&args));
    let forkit = start_forkit(&bin_dir().join("oxool-forkit"), &args).await;
    let (_socket, pid, _jail) =
        tokio::time::timeout(Duration::from_secs(120), forkit.proxy.spawn_kit())
            .await
            .expect("a kit within 2 minutes")
            .expect("SpawnKit");

    // What the documentation promises: the code's defaults, which docs/config.md and
    // etc/oxool.toml show (oxool-settings tests that they agree).
    let documented = KitConfig::default();
    assert_eq!(
        proc_limit(pid, "Max file size"),
        Some(documented.limit_file_size_mb * MIB)
    );
    assert_eq!(
        proc_limit(pid, "Max open files"),
        Some(documented.limit_open_files)
    );
    assert_eq!(
        proc_limit(pid, "Max stack size"),
        Some(documented.limit_stack_kb * 1024)
    );
    let mode = cgroup_mode(&forkit.proxy).await;
    assert!(
        mode == "v1" || mode == "v2",
        "as root, kits get a cgroup of their own (mode {mode})"
    );
    assert_eq!(
        proc_limit(pid, "Max address space"),
        None,
        "memory is bounded by the cgroup"
    );
    let (dir, limit) = memory_cgroup(pid);
    assert!(
        dir.to_string_lossy().contains(&_jail),
        "the kit's memory cgroup {} is its own",
        dir.display()
    );
    assert_eq!(limit, Some(documented.memory_max_mb * MIB));
    assert_eq!(documented.memory_max_mb, 1024, "1 GiB, as documented");
    let vm_size = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    eprintln!(
        "kit {pid}: {}",
        vm_size
            .lines()
            .filter(|l| l.starts_with("Vm"))
            .collect::<Vec<_>>()
            .join(" ")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kit_over_its_memory_limit_is_killed_and_reported() {
    assert!(nix::unistd::geteuid().is_root(), "this test runs as root");
    let scratch = Scratch::new("oxool-kit-oom-");
    std::fs::write(
        scratch.path("oxool.toml"),
        "[kit]\nentry = \"probe\"\nprespawn = 1\nmemory_max_mb = 64\ntmp_size_mb = 16\n",
    )
    .unwrap();
    let mut args = vec!["--p2p-fd".to_string(), "3".to_string()];
    args.extend(scratch.path_overrides(&args));
    let forkit = start_forkit(&bin_dir().join("oxool-forkit"), &args).await;
    let mut exits = forkit.proxy.receive_kit_exited().await.unwrap();

    let (socket, pid, jail) = forkit.proxy.spawn_kit().await.unwrap();
    let (dir, limit) = memory_cgroup(pid);
    assert!(dir.to_string_lossy().contains(&jail), "{}", dir.display());
    assert_eq!(limit, Some(64 * MIB));

    let mut stream = std::os::unix::net::UnixStream::from(OwnedFd::from(socket));
    Frame::with_payload(
        Message::new("convert").render(),
        b"OXOOL-PROBE eat-memory".to_vec(),
    )
    .write_to(&mut stream)
    .unwrap();
    let exit = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(signal) = exits.next().await {
            let args = signal.args().unwrap();
            if args.pid == pid {
                return (args.status, args.oom);
            }
        }
        panic!("the KitExited stream ended");
    })
    .await
    .expect("KitExited for the kit within a minute");
    assert_eq!(exit, (-libc::SIGKILL, true), "(status, oom) of the kit");
    assert!(!Path::new(&format!("/proc/{pid}")).exists());
    assert!(
        !dir.exists(),
        "the reaped kit's cgroup {} is removed",
        dir.display()
    );
    let stats = forkit.proxy.stats().await.unwrap();
    assert_eq!(stats.oom_killed, 1);
    assert!(
        stats.cgroup_us_sum > 0,
        "the cgroup steps ran and were timed"
    );
    eprintln!(
        "per kit: clone {} µs, cgroup steps {} µs (of {} kits)",
        stats.fork_us_sum / stats.spawned,
        stats.cgroup_us_sum / stats.spawned,
        stats.spawned
    );

    // The next kit works.
    let (socket, next_pid, _) = forkit.proxy.spawn_kit().await.unwrap();
    assert_ne!(next_pid, pid);
    let mut stream = std::os::unix::net::UnixStream::from(OwnedFd::from(socket));
    Frame::with_payload(Message::new("convert").render(), b"not a document".to_vec())
        .write_to(&mut stream)
        .unwrap();
    let answer = Frame::read_from(&mut stream, 1 << 20).unwrap();
    assert_eq!(answer.name(), "error", "{}", answer.header);
}

/// Through wsd: convert-to answers a conversion whose kit was killed for memory with a clear
/// error, and the server and the next conversion are unaffected.
#[test]
fn convert_to_says_the_document_needed_more_memory() {
    use oxool_tests::http::convert;
    use oxool_tests::server::{Server, ServerOptions};
    let server = Server::start(ServerOptions {
        entry: "probe",
        kit_toml: "memory_max_mb = 64\ntmp_size_mb = 16\n".into(),
        ..Default::default()
    })
    .unwrap();
    let base = server.url("");
    let r = convert(&base, "bomb.docx", b"OXOOL-PROBE eat-memory", "pdf").unwrap();
    assert_eq!(r.status, 500, "{}", r.text());
    assert!(
        r.text()
            .contains("the document needed more memory than a kit may use"),
        "{}\n{}",
        r.text(),
        server.log()
    );
    let r = convert(&base, "other.docx", b"anything", "pdf").unwrap();
    assert_eq!(
        r.status,
        400,
        "the next conversion reaches a working kit: {}",
        r.text()
    );
    server
        .wait_for_quiescence(1)
        .expect("the killed kit is reaped, its jail removed");
}

/// An unprivileged server can write no cgroup here: forkit says so once, and each kit's address
/// space is bounded by `memory_max_mb` instead.
#[test]
fn without_a_writable_cgroup_a_kit_gets_rlimits_and_one_warning() {
    use oxool_tests::server::{Server, ServerOptions};
    use oxool_tests::user::RunAs;
    let server = Server::start(ServerOptions {
        run_as: RunAs::Unprivileged,
        entry: "probe",
        kit_toml: "memory_max_mb = 900\n".into(),
        ..Default::default()
    })
    .unwrap();
    // The pooled kit is one of the server's forkit processes; only kits get the bound.
    let kit = oxool_tests::eventually::poll_until(Duration::from_secs(60), || {
        server
            .forkit_processes()
            .into_iter()
            .find(|pid| proc_limit(*pid, "Max address space") == Some(900 * MIB))
    })
    .unwrap_or_else(|| panic!("no kit with RLIMIT_AS = memory_max_mb:\n{}", server.log()));
    let cgroups = std::fs::read_to_string(format!("/proc/{kit}/cgroup")).unwrap();
    assert!(
        !cgroups.contains("oxool-forkit-"),
        "no kit cgroup: {cgroups}"
    );
    let log = server.log();
    assert_eq!(
        log.matches("WARNING: no cgroup bounds the memory of kits")
            .count(),
        1,
        "{log}"
    );
}

/// Through wsd: an editing session whose document makes its kit run out of memory while loading
/// is told so (`error kind=kit-out-of-memory`), and the server carries on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editing_session_is_told_the_document_needed_more_memory() {
    use oxool_tests::server::{Server, ServerOptions};
    use oxool_tests::wopi_host::{token, WopiHost, WopiHostOptions};
    use oxool_tests::ws::WsClient;
    let host = WopiHost::start(WopiHostOptions::default()).unwrap();
    host.add_document("bomb.docx", b"OXOOL-PROBE eat-memory")
        .unwrap();
    let server = Server::start(ServerOptions {
        entry: "probe",
        kit_toml: "memory_max_mb = 64\ntmp_size_mb = 16\n".into(),
        wopi_hosts: vec![host.base()],
        ..Default::default()
    })
    .unwrap();
    let mut client = WsClient::connect(server.port, "bomb").await.unwrap();
    let error = client
        .load_refused(
            &host.wopisrc("bomb.docx"),
            Some(&token("alice", "Alice", true)),
        )
        .await;
    assert_eq!(
        error.get("kind"),
        Some("kit-out-of-memory"),
        "{error}\n{}",
        server.log()
    );
    assert!(
        error
            .get("message")
            .unwrap_or_default()
            .contains("needed more memory than a kit may use"),
        "{error}"
    );
    let capabilities = ureq::get(&server.url("/hosting/capabilities")).call();
    assert!(capabilities.is_ok(), "wsd still answers");
}

/// A hybrid host whose memory controller forkit may not write (cgroup v1 read-only, as in a
/// container): memory is bounded by RLIMIT_AS, and each kit still gets a cgroup v2 of its own,
/// removed once the kit is reaped. Run as root in a mount namespace where the v1 memory
/// hierarchy is read-only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_v1_memory_read_only_kits_are_grouped_in_cgroup_v2() {
    assert!(nix::unistd::geteuid().is_root(), "this test runs as root");
    let unified = Path::new("/sys/fs/cgroup/unified");
    let hybrid =
        unified.join("cgroup.procs").exists() && Path::new("/sys/fs/cgroup/memory").exists();
    let missing =
        (!hybrid).then(|| "a hybrid cgroup host (v1 memory beside a v2 hierarchy)".into());
    if oxool_tests::environment::skip_without("the hybrid cgroup test", missing) {
        return;
    }
    let scratch = Scratch::new("oxool-kit-hybrid-");
    std::fs::write(
        scratch.path("oxool.toml"),
        "[kit]\nentry = \"probe\"\nprespawn = 1\nmemory_max_mb = 700\n",
    )
    .unwrap();
    let mut args = vec![
        "--mount".to_string(),
        "--propagation".into(),
        "private".into(),
        "sh".into(),
        "-c".into(),
        "mount --bind /sys/fs/cgroup/memory /sys/fs/cgroup/memory && \
         mount -o remount,bind,ro /sys/fs/cgroup/memory && exec \"$0\" \"$@\""
            .into(),
        bin_dir().join("oxool-forkit").display().to_string(),
        "--p2p-fd".into(),
        "3".into(),
    ];
    let overrides = scratch.path_overrides(&args);
    args.extend(overrides);
    let forkit = start_forkit(Path::new("/usr/bin/unshare"), &args).await;
    let mut exits = forkit.proxy.receive_kit_exited().await.unwrap();
    let (_socket, pid, jail) = forkit.proxy.spawn_kit().await.unwrap();
    assert_eq!(cgroup_mode(&forkit.proxy).await, "rlimits");
    assert_eq!(proc_limit(pid, "Max address space"), Some(700 * MIB));
    let cgroups = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap();
    let v2_path = cgroups
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .unwrap()
        .to_string();
    assert!(
        v2_path.ends_with(&jail),
        "the kit's own cgroup v2: {cgroups}"
    );
    let dir = unified.join(v2_path.trim_start_matches('/'));
    assert!(dir.exists());

    forkit.proxy.kill_kit(pid).await.unwrap();
    tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(signal) = exits.next().await {
            if signal.args().unwrap().pid == pid {
                return;
            }
        }
    })
    .await
    .expect("KitExited");
    assert!(
        !dir.exists(),
        "the kit's cgroup {} is removed",
        dir.display()
    );
}
