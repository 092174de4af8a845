//! The sandbox probe suite against the real jail and the real seccomp filter: one probe per fresh
//! kit. A probe counts as blocked when it says so, or when the kit was ended by seccomp (after
//! reporting `error kind=seccomp`), or killed by SIGSYS. Runs as the current user (root under a
//! root `cargo test`) and, when root, again as the unprivileged `oxool-test` user.
//!
//! The probes that aim at another process aim at a victim this harness forked (same uid as the
//! kit, its own process group); after every probe the harness checks the victim itself (alive, not
//! stopped, not traced, no signal received, canary intact), whatever the kit answered.

mod jail_support;

use jail_support::{
    copy_of_current_exe, report, run_jailed, unprivileged_test_user, ChildRun, Fixture,
};
use nix::sys::signal::Signal;
use nix::sys::wait::WaitStatus;
use oxool_kit::probes::victim::Victim;
use oxool_kit::probes::{self, ProbeContext};
use oxool_kit::seccomp::{SeccompProgram, EXIT_SECCOMP_DENIED};
use oxool_proto::Message;

/// Set in the re-executed copy that runs as the unprivileged user.
const INNER_ENV: &str = "OXOOL_JAIL_PROBES_INNER";

fn classify(name: &str, run: &ChildRun) -> (String, bool, String) {
    if let Some(error) = run
        .frames
        .iter()
        .find(|m| m.name == "error" && m.get("kind") == Some("jail"))
    {
        panic!("the jail failed for {name}: {error}");
    }
    if let Some(probe) = run.find("probe") {
        let blocked = probe.get("outcome") == Some("blocked");
        return (
            probe.get("class").unwrap_or("?").into(),
            blocked,
            probe.get("detail").unwrap_or("").into(),
        );
    }
    let trapped = run
        .frames
        .iter()
        .find(|m| m.name == "error" && m.get("kind") == Some("seccomp"));
    match (trapped, run.status) {
        (Some(error), WaitStatus::Exited(_, EXIT_SECCOMP_DENIED)) => (
            "(trapped)".into(),
            true,
            format!(
                "seccomp ended the kit at {}",
                error.get("syscall").unwrap_or("?")
            ),
        ),
        (_, WaitStatus::Signaled(_, Signal::SIGSYS, _)) => {
            ("(trapped)".into(), true, "killed by SIGSYS".into())
        }
        (_, status) => ("?".into(), false, format!("no answer; child {status:?}")),
    }
}

/// Runs every probe in its own jailed kit; returns the failures.
fn run_all_probes() -> Vec<String> {
    let fixture = Fixture::create();
    let program = SeccompProgram::compile_kit_allowlist().expect("allowlist");
    let parent_pid = std::process::id() as i32;
    // Read before the fork: the child closes every descriptor it does not need, listeners too.
    let inet_port = fixture.inet_port();
    let mut escaped = Vec::new();
    let mut victim = Victim::start().expect("the victim process");
    for name in probes::all_probe_names() {
        let cfg = fixture.config();
        let ctx_paths = vec![
            fixture.secret_file.display().to_string(),
            fixture
                .other_jail
                .join("tmp/document.odt")
                .display()
                .to_string(),
            fixture.other_jail.display().to_string(),
        ];
        let run = run_jailed(&cfg, |fd, planted, _| {
            if program.install(fd).is_err() {
                report(
                    fd,
                    Message::new("error")
                        .arg("kind", "jail")
                        .arg("message", "seccomp install"),
                );
                return;
            }
            let ctx = ProbeContext {
                host_paths_to_try: ctx_paths,
                parent_pid,
                inet_port,
                abstract_name: fixture.abstract_name.clone(),
                fd_opened_before_chroot: planted,
                victim_pid: victim.pid,
                victim_pgid: victim.pgid,
                victim_canary: victim.canary,
                // run_jailed closes everything but stdio and the report pipe: nothing else may
                // be open.
                expected_fds: vec![fd],
                preinit_fds_known: true,
            };
            let outcome = probes::run_probe(name, &ctx);
            let answer = outcome.to_message();
            report(fd, answer);
        });
        let (class, mut blocked, mut detail) = classify(name, &run);
        // Decided outside, whatever the kit said.
        if let Err(harm) = victim.check() {
            blocked = false;
            detail = format!("the victim was affected: {harm}; kit said: {detail}");
            victim = Victim::start().expect("a fresh victim");
        }
        println!(
            "PROBE {name} {class} {} {detail}",
            if blocked { "blocked" } else { "ESCAPED" }
        );
        if !blocked {
            escaped.push(format!("{name}: {detail}"));
        }
    }
    escaped
}

#[test]
fn probes_as_current_user() {
    let uid = nix::unistd::getuid();
    println!("running the probe suite as uid {uid}");
    let escaped = run_all_probes();
    assert!(escaped.is_empty(), "escapes: {escaped:#?}");
}

#[test]
fn probes_as_unprivileged_user() {
    if std::env::var_os(INNER_ENV).is_some() {
        // This process is the re-executed, already unprivileged run.
        return;
    }
    let missing = (!nix::unistd::getuid().is_root())
        .then(|| "root (to create the oxool-test user and drop to it)".to_string());
    if jail_support::environment::skip_without("probes_as_unprivileged_user", missing) {
        return;
    }
    let Some((uid, gid)) = unprivileged_test_user() else {
        panic!("cannot create the oxool-test user (useradd)");
    };
    let dir = tempfile::Builder::new()
        .prefix("oxool-probe-exe-")
        .tempdir()
        .unwrap();
    let exe = copy_of_current_exe(dir.path());
    let output = std::process::Command::new("setpriv")
        .args([
            format!("--reuid={uid}"),
            format!("--regid={gid}"),
            "--clear-groups".into(),
        ])
        .arg(&exe)
        .args([
            "--exact",
            "probes_as_current_user",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(INNER_ENV, "1")
        .env("TMPDIR", "/tmp")
        .env_remove("HOME")
        .current_dir("/")
        .output()
        .expect("setpriv");
    let stdout = String::from_utf8_lossy(&output.stdout);
    print!("{stdout}");
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        stdout.contains(&format!("as uid {uid}")),
        "the inner run did not start as {uid}"
    );
    let probes = stdout.lines().filter(|l| l.starts_with("PROBE ")).count();
    assert_eq!(
        probes,
        probes::all_probe_names().len(),
        "every probe must report"
    );
    assert!(
        output.status.success(),
        "unprivileged probe run failed: {:?}",
        output.status
    );
}
