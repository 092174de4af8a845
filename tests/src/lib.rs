//! Shared harness for oxool's integration tests and benchmark.
//!
//! Everything here drives the real binaries (built by `make build` into the same target
//! directory as the test executables) with real LibreOffice kits: no part is mocked.

pub mod balancer;
pub mod bench;
pub mod bench_burst;
pub mod bench_cluster;
pub mod bench_editing;
pub mod bench_png;
pub mod capacity;
pub mod capacity_user;
pub mod checkpoints;
pub mod editing_setup;
pub mod environment;
pub mod eventually;
pub mod hostile;
pub mod http;
pub mod input;
pub mod kit_client;
pub mod kit_session;
pub mod large_document;
pub mod protected;
pub mod server;
pub mod soak;
pub mod tile_deltas;
pub mod tile_grid;
pub mod tools;
pub mod user;
pub mod wopi_host;
pub mod ws;

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// The directory holding the built binaries: the profile directory of the running test
/// executable (target/<profile>/deps/<test> → target/<profile>).
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let mut dir = exe.parent().expect("exe dir").to_path_buf();
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir
}

pub fn fixture(name: &str) -> PathBuf {
    repo_root().join("tests/fixtures").join(name)
}

/// Copies an executable with `cp`, in a process of its own: a copy written by this (multi-threaded)
/// test process could be inherited, still open for writing, by a child another test forks at that
/// moment, and exec'ing the copy would then fail with ETXTBSY ("Text file busy").
pub fn copy_executable(from: &Path, to: &Path) -> anyhow::Result<()> {
    let status = std::process::Command::new("cp")
        .arg(from)
        .arg(to)
        .status()?;
    anyhow::ensure!(
        status.success(),
        "cp {} {} failed",
        from.display(),
        to.display()
    );
    Ok(())
}

/// A configuration for a forkit that the caller starts itself (`ForkitClient::start`, peer to
/// peer), with its jails and profile under `dir` and the systemplate shared under `systemplate`
/// (built when missing). The forkit binary is the one next to the running executable. The pool
/// is fixed at `prespawn` kits (`kit.prespawn_adaptive = false`): the benchmark's miss and hit
/// measures and the tests count on it; a caller that wants the demand-sized pool turns it on.
pub fn standalone_forkit_config(
    dir: &Path,
    systemplate: &Path,
    entry: oxool_wsd::config::KitEntry,
    prespawn: u32,
) -> anyhow::Result<oxool_wsd::config::Config> {
    let mut config = oxool_wsd::config::Config::default();
    config.kit.entry = entry;
    config.kit.prespawn = prespawn;
    config.kit.prespawn_adaptive = false;
    config.kit.systemplate = systemplate.to_path_buf();
    config.kit.jails_root = dir.join("jails");
    config.kit.profile_dir = dir.join("profile");
    config.kit.seed_profile = dir.join("no-seed");
    config.forkit.binary = bin_dir().join("oxool-forkit");
    config.forkit.bus = oxool_wsd::config::ForkitBus::Standalone;
    std::fs::create_dir_all(&config.kit.jails_root)?;
    if !systemplate.exists() {
        oxool_systemplate::setup(systemplate)?;
    }
    Ok(config)
}

/// A standalone forkit serving LibreOffice kits from one prespawned kit, with its jails,
/// profile and systemplate in a fresh temporary directory (kept alive by the returned guard).
pub async fn start_lok_forkit(
    prefix: &str,
) -> anyhow::Result<(
    std::sync::Arc<oxool_wsd::kit::forkit_client::ForkitClient>,
    tempfile::TempDir,
)> {
    let scratch = tempfile::Builder::new().prefix(prefix).tempdir()?;
    let config = standalone_forkit_config(
        scratch.path(),
        &scratch.path().join("systemplate"),
        oxool_wsd::config::KitEntry::Lok,
        1,
    )?;
    let forkit = oxool_wsd::kit::forkit_client::ForkitClient::start(&config).await?;
    Ok((forkit, scratch))
}

/// A kit of a forkit started by [`start_lok_forkit`]: the write side of its socket and every
/// frame it sends, in order. The forkit and its scratch directory live as long as the kit.
pub struct LokKit {
    pub write: tokio::net::unix::OwnedWriteHalf,
    pub frames: tokio::sync::mpsc::UnboundedReceiver<oxool_proto::Frame>,
    pub forkit: std::sync::Arc<oxool_wsd::kit::forkit_client::ForkitClient>,
    pub scratch: tempfile::TempDir,
}

/// Starts a forkit ([`start_lok_forkit`]) and spawns one kit of it; nothing loaded yet.
pub async fn spawn_lok_kit(prefix: &str) -> LokKit {
    use oxool_wsd::kit::KitSpawner;
    let (forkit, scratch) = start_lok_forkit(prefix).await.unwrap();
    let kit = forkit.spawn_kit().await.unwrap();
    let (mut read, write) = kit.stream.into_split();
    let (tx, frames) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(frame) = oxool_proto::Frame::read_async(&mut read, 64 << 20).await {
            if tx.send(frame).is_err() {
                break;
            }
        }
    });
    LokKit {
        write,
        frames,
        forkit,
        scratch,
    }
}

/// The next frame of a kit's `frames` that is not a callback, within `deadline`; the callbacks
/// on the way go to `keep` (their header and payload).
pub async fn next_kit_answer(
    frames: &mut tokio::sync::mpsc::UnboundedReceiver<oxool_proto::Frame>,
    deadline: std::time::Duration,
    mut keep: impl FnMut(oxool_proto::Message, Vec<u8>),
) -> (oxool_proto::Message, Vec<u8>) {
    let until = std::time::Instant::now() + deadline;
    loop {
        let left = until.saturating_duration_since(std::time::Instant::now());
        let frame = tokio::time::timeout(left, frames.recv())
            .await
            .expect("the kit answers before the deadline")
            .expect("the kit is alive");
        let message = frame.message().unwrap();
        match message.name.as_str() {
            "callback" | "callback-overflow" => keep(message, frame.payload),
            _ => return (message, frame.payload),
        }
    }
}

/// The `size` of a LibreOffice window callback (`"width, height"`), as numbers.
pub fn window_size<T: std::str::FromStr>(window: &serde_json::Value) -> Vec<T>
where
    T::Err: std::fmt::Debug,
{
    window["size"]
        .as_str()
        .unwrap()
        .split(',')
        .map(|s| s.trim().parse().unwrap())
        .collect()
}

/// Stops a server process started by a test: SIGTERM, up to 10 s to exit, then SIGKILL.
pub fn terminate(child: &mut std::process::Child) {
    // SAFETY: kill(2) on our own child's pid, which we have not reaped yet.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let exited = eventually::poll_until(std::time::Duration::from_secs(10), || {
        matches!(child.try_wait(), Ok(Some(_))).then_some(())
    });
    if exited.is_some() {
        return;
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The members of a stored zip (OOXML, ODF) whose names contain `part`, concatenated.
pub fn zip_members(path: &std::path::Path, part: &str) -> String {
    let script = "import sys, zipfile\n\
                  z = zipfile.ZipFile(sys.argv[1])\n\
                  print(''.join(z.read(n).decode() for n in z.namelist() if sys.argv[2] in n))";
    let out = python3(script, &[path.as_os_str(), part.as_ref()]);
    String::from_utf8_lossy(&out).into_owned()
}

/// Runs `python3 -c script args…`; its standard output. Panics with its standard error when
/// it fails.
pub fn python3(script: &str, args: &[&std::ffi::OsStr]) -> Vec<u8> {
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}
