//! The sandbox probe suite in real jailed kits spawned by a real forkit, as root and as an
//! unprivileged user. Every probe must fail to escape.

use std::process::Command;

use oxool_tests::user::{command_as, ensure_test_user, RunAs};

fn run_suite(run_as: RunAs) {
    let scratch = tempfile::Builder::new()
        .prefix("oxool-probes-")
        .tempdir()
        .unwrap();
    let bin = scratch.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for name in ["oxool-probe-suite", "oxool-forkit"] {
        oxool_tests::copy_executable(&oxool_tests::bin_dir().join(name), &bin.join(name)).unwrap();
    }
    if run_as == RunAs::Unprivileged {
        let (uid, gid) = ensure_test_user().unwrap();
        let status = Command::new("chown")
            .arg("-R")
            .arg(format!("{uid}:{gid}"))
            .arg(scratch.path())
            .status()
            .unwrap();
        assert!(status.success());
    }
    let output = command_as(run_as, &bin.join("oxool-probe-suite"))
        .unwrap()
        .arg(scratch.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("[{}]\n{stdout}", run_as.label());
    let probes: Vec<&str> = stdout.lines().filter(|l| l.starts_with("PROBE ")).collect();
    assert!(
        probes.len() >= 30,
        "the whole suite ran ({} probes): {}",
        probes.len(),
        String::from_utf8_lossy(&output.stderr)
    );
    let escaped: Vec<&&str> = probes.iter().filter(|l| l.contains(" ESCAPED ")).collect();
    assert!(
        escaped.is_empty(),
        "escapes as {}: {escaped:#?}",
        run_as.label()
    );
    assert!(
        output.status.success(),
        "suite failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

oxool_tests::tests_as_root_and_unprivileged!(run_suite: every_probe_fails_as_root, every_probe_fails_as_unprivileged_user);
