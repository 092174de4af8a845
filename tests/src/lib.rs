//! Shared harness for oxool's integration tests and benchmark.
//!
//! Everything here drives the real binaries (built by `make build` into the same target
//! directory as the test executables) with real LibreOffice kits: no part is mocked.

pub mod bench;
pub mod http;
pub mod server;
pub mod tools;
pub mod user;

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
