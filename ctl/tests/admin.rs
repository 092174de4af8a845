//! oxoolctl against a real wsd on its admin socket: every method of `org.oxool.Wsd1`, with the
//! effects checked where they show (discovery, processes, the HTTP side).

mod support;

use oxool_tests::fixture;
use oxool_tests::http::convert;
use oxool_tests::tools::read;
use oxool_tests::user::{command_as, ensure_test_user, RunAs};
use support::{eventually, Ctl, Wsd};

fn ok(ctl: Ctl) -> String {
    assert_eq!(ctl.code, Some(0), "{ctl:?}");
    ctl.stdout
}

/// The number after `label` in oxoolctl's output (`3 spawned` → 3).
fn count_before(text: &str, label: &str) -> u64 {
    let at = text
        .find(&format!(" {label}"))
        .unwrap_or_else(|| panic!("no {label:?} in {text}"));
    let digits: String = text[..at]
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.chars().rev().collect::<String>().parse().unwrap()
}

/// The `name value` line of `oxoolctl kits`.
fn counter(kits: &str, name: &str) -> u64 {
    kits.lines()
        .find_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some(name)).then(|| words.next()?.parse().ok())?
        })
        .unwrap_or_else(|| panic!("no counter {name} in {kits}"))
}

/// `attribute="…"` of discovery's `<proof-key>` (` value="` is not the tail of `oldvalue="`).
fn proof_attribute(discovery: &str, attribute: &str) -> String {
    let key = &discovery[discovery.find("<proof-key").expect("a proof-key")..];
    let start = key.find(&format!(" {attribute}=\"")).unwrap() + attribute.len() + 3;
    key[start..start + key[start..].find('"').unwrap()].to_string()
}

fn discovery(wsd: &Wsd) -> String {
    ureq::get(&wsd.url("/hosting/discovery"))
        .call()
        .unwrap()
        .into_string()
        .unwrap()
}

#[test]
fn every_method_through_oxoolctl() {
    let mut wsd = Wsd::start();

    // status: real numbers, after a real conversion.
    let document = read(&fixture("simple.odt"));
    let converted = convert(&wsd.url(""), "simple.odt", &document, "txt").unwrap();
    assert_eq!(converted.status, 200, "{}", converted.text());
    let status = ok(wsd.ctl(&["status"]));
    assert!(
        status.contains(&format!("version      {}", env!("CARGO_PKG_VERSION"))),
        "{status}"
    );
    assert_eq!(count_before(&status, "finished"), 1, "{status}");
    assert_eq!(count_before(&status, "converted)"), 1, "{status}");
    assert_eq!(count_before(&status, "running"), 0, "{status}");
    assert!(count_before(&status, "spawned") >= 1, "{status}");
    assert!(status.contains("documents    0"), "{status}");

    // documents, sessions, close: no document broker yet.
    assert_eq!(ok(wsd.ctl(&["documents"])), "no open documents\n");
    assert_eq!(ok(wsd.ctl(&["recoveries"])), "no checkpoints\n");
    assert_eq!(ok(wsd.ctl(&["sessions"])), "no sessions\n");
    let close = wsd.ctl(&["close", "some-key"]);
    assert_eq!(close.code, Some(1), "{close:?}");
    assert!(
        close.stderr.contains("no such document: some-key"),
        "{close:?}"
    );

    // kits: forkit's Stats. Then kill-kit of the pooled kit: it dies, forkit counts it.
    assert!(
        eventually(|| wsd.kits().len() == 1),
        "one pooled kit: {:?}",
        wsd.forkit_processes()
    );
    let pooled = wsd.kits()[0];
    let kits = ok(wsd.ctl(&["kits"]));
    assert!(counter(&kits, "spawned") >= 2, "{kits}");
    let exited_before = counter(&kits, "exited");
    let killed = ok(wsd.ctl(&["kill-kit", &pooled.to_string()]));
    assert_eq!(killed, format!("sent SIGKILL to kit {pooled}\n"));
    assert!(
        eventually(|| !std::path::Path::new(&format!("/proc/{pooled}")).exists()),
        "kit {pooled} still there after kill-kit"
    );
    assert!(
        eventually(|| counter(&ok(wsd.ctl(&["kits"])), "exited") > exited_before),
        "forkit did not count the killed kit"
    );

    // reload: a broken file is reported with its key, and wsd keeps serving.
    assert!(ok(wsd.ctl(&["reload"])).contains("valid"));
    let good = std::fs::read_to_string(wsd.config_path()).unwrap();
    std::fs::write(
        wsd.config_path(),
        good.replace("[kit]\n", "[kit]\nmax_document_mb = 0\n"),
    )
    .unwrap();
    let broken = wsd.ctl(&["reload"]);
    assert_eq!(broken.code, Some(1), "{broken:?}");
    assert!(broken.stderr.contains("kit.max_document_mb"), "{broken:?}");
    std::fs::write(wsd.config_path(), good.replace("[net]", "[nett]")).unwrap();
    let typo = wsd.ctl(&["reload"]);
    assert!(typo.stderr.contains("nett"), "{typo:?}");
    assert!(wsd.running(), "{}", wsd.log());
    let again = convert(&wsd.url(""), "simple.odt", &document, "txt").unwrap();
    assert_eq!(again.status, 200, "after a broken reload: {}", again.text());
    std::fs::write(wsd.config_path(), &good).unwrap();
    ok(wsd.ctl(&["reload"]));

    // rotate-proof-keys: discovery publishes a new key and the previous one as the old one.
    let before = discovery(&wsd);
    let value = proof_attribute(&before, "value");
    assert_eq!(
        proof_attribute(&before, "oldvalue"),
        value,
        "no rotation yet"
    );
    ok(wsd.ctl(&["rotate-proof-keys"]));
    let after = discovery(&wsd);
    assert_ne!(proof_attribute(&after, "value"), value);
    assert_eq!(proof_attribute(&after, "oldvalue"), value);
    assert!(wsd.running(), "{}", wsd.log());
}

#[test]
fn admin_socket_is_for_root_and_wsds_user_only() {
    let wsd = Wsd::start();
    let mode = std::fs::metadata(wsd.admin_socket()).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o777,
        0o600
    );
    // Past the file mode, wsd checks the peer's uid itself.
    std::fs::set_permissions(
        wsd.admin_socket(),
        std::os::unix::fs::PermissionsExt::from_mode(0o666),
    )
    .unwrap();
    let (uid, gid) = ensure_test_user().unwrap();
    let ctl = wsd.dir.path().join("oxoolctl");
    oxool_tests::copy_executable(std::path::Path::new(env!("CARGO_BIN_EXE_oxoolctl")), &ctl)
        .unwrap();
    std::os::unix::fs::chown(&ctl, Some(uid), Some(gid)).unwrap();
    std::fs::set_permissions(
        wsd.dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let refused: Ctl = command_as(RunAs::Unprivileged, &ctl)
        .unwrap()
        .arg("--address")
        .arg(wsd.address())
        .arg("status")
        .output()
        .unwrap()
        .into();
    assert_eq!(refused.code, Some(1), "{refused:?}");
    assert!(refused.stdout.is_empty(), "{refused:?}");
    assert!(wsd.log().contains("refused a connection"), "{}", wsd.log());
    // Root still gets in.
    ok(wsd.ctl(&["status"]));

    // A second wsd must not take over a socket the first one answers on.
    let second = wsd.dir.path().join("second.toml");
    let text = std::fs::read_to_string(wsd.config_path())
        .unwrap()
        .replace(&format!("127.0.0.1:{}", wsd.port), "127.0.0.1:0");
    std::fs::write(&second, text).unwrap();
    let output = std::process::Command::new(oxool_tests::bin_dir().join("oxool-wsd"))
        .arg("--config")
        .arg(&second)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("another process answers"), "{stderr}");
    ok(wsd.ctl(&["status"]));
}

#[test]
fn no_wsd_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let address = format!("unix:path={}", dir.path().join("none.sock").display());
    let output: Ctl = std::process::Command::new(env!("CARGO_BIN_EXE_oxoolctl"))
        .args(["--address", &address, "status"])
        .output()
        .unwrap()
        .into();
    assert_eq!(output.code, Some(1), "{output:?}");
    assert!(output.stderr.contains("wsd is not running"), "{output:?}");
    let usage: Ctl = std::process::Command::new(env!("CARGO_BIN_EXE_oxoolctl"))
        .arg("frobnicate")
        .output()
        .unwrap()
        .into();
    assert_eq!(usage.code, Some(2), "{usage:?}");
}

#[test]
fn generate_proof_key_needs_no_wsd_and_keeps_an_existing_key() {
    let dir = tempfile::tempdir().unwrap();
    let proof = dir.path().join("proof");
    let run = || -> Ctl {
        std::process::Command::new(env!("CARGO_BIN_EXE_oxoolctl"))
            .args(["generate-proof-key", "--dir"])
            .arg(&proof)
            .output()
            .unwrap()
            .into()
    };
    ok(run());
    let key = proof.join("proof_key.pk8");
    let first = std::fs::read(&key).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&proof).unwrap().permissions().mode() & 0o777,
        0o700
    );
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    ok(run());
    assert_eq!(std::fs::read(&key).unwrap(), first, "an existing key stays");
}
