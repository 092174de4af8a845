//! A real jailed child: `/` shows only the jail, the read-only binds refuse writes, `/tmp` is
//! writable, LibreOffice is at its host path, and the ids inside are the outer ones. Prints the
//! time of every step of `jail::enter`.

mod jail_support;

use std::os::fd::RawFd;

use jail_support::{report, run_jailed, Fixture};
use nix::sys::wait::WaitStatus;
use oxool_proto::Message;

fn inspect_jail(fd: RawFd) {
    let names = |dir: &str| -> String {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into())
                    .collect()
            })
            .unwrap_or_else(|e| vec![format!("<{e}>")]);
        names.sort();
        names.join(",")
    };
    let write_to = |path: &str| {
        std::fs::write(path, b"x")
            .map(|_| "ok".to_string())
            .unwrap_or_else(|e| e.to_string())
    };
    let soffice = std::path::Path::new("/usr/lib/libreoffice/program").exists();
    let message = Message::new("inspect")
        .arg("root", names("/"))
        .arg("etc", names("/etc"))
        .arg("dev", names("/dev"))
        .arg("proc", std::path::Path::new("/proc").exists())
        .arg("write_tmp", write_to("/tmp/probe"))
        .arg("write_profile", write_to("/tmp/user/probe"))
        .arg("write_lo", write_to("/usr/lib/libreoffice/program/probe"))
        .arg("write_root", write_to("/probe"))
        .arg("write_etc", write_to("/etc/passwd"))
        .arg("lo_visible", soffice)
        .arg("urandom", std::fs::File::open("/dev/urandom").is_ok())
        .arg("uid", nix::unistd::getuid().as_raw())
        .arg("gid", nix::unistd::getgid().as_raw())
        .arg(
            "cwd",
            std::env::current_dir()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        )
        .arg(
            "caps",
            caps::read(None, caps::CapSet::Effective)
                .map(|c| c.len())
                .unwrap_or(99),
        )
        .arg(
            "bounding",
            caps::read(None, caps::CapSet::Bounding)
                .map(|c| c.len())
                .unwrap_or(99),
        );
    report(fd, message);
}

#[test]
fn a_jailed_child_sees_only_the_jail() {
    let fixture = Fixture::create();
    let cfg = fixture.config();
    let run = run_jailed(&cfg, |fd, _, _| inspect_jail(fd));
    if let Some(error) = run.find("error") {
        panic!("jail failed: {error}");
    }
    assert_eq!(run.status, WaitStatus::Exited(run.status.pid().unwrap(), 0));
    let jailed = run.find("jailed").expect("jailed report");
    println!("JAIL {jailed}");
    let seen = run.find("inspect").expect("inspect report");
    println!("INSPECT {seen}");
    let get = |key: &str| seen.get(key).unwrap_or_default().to_string();
    assert_eq!(get("root"), "dev,etc,tmp,usr,var");
    assert!(
        get("etc").split(',').all(|e| [
            "fonts",
            "group",
            "hosts",
            "localtime",
            "nsswitch.conf",
            "passwd",
            "timezone"
        ]
        .contains(&e)),
        "{}",
        get("etc")
    );
    assert_eq!(get("dev"), "random,urandom");
    assert_eq!(get("proc"), "false");
    assert_eq!(get("write_tmp"), "ok");
    assert_eq!(get("write_profile"), "ok");
    assert!(
        get("write_lo").contains("Read-only file system"),
        "{}",
        get("write_lo")
    );
    assert!(
        get("write_root").contains("Read-only file system"),
        "{}",
        get("write_root")
    );
    assert!(
        get("write_etc").contains("Read-only file system"),
        "{}",
        get("write_etc")
    );
    if std::path::Path::new("/usr/lib/libreoffice/program").exists() {
        assert_eq!(get("lo_visible"), "true");
    }
    assert_eq!(get("urandom"), "true");
    assert_eq!(get("uid"), cfg.outer_uid.to_string());
    assert_eq!(get("gid"), cfg.outer_gid.to_string());
    assert_eq!(get("cwd"), "/");
    assert_eq!(get("caps"), "0");
    assert_eq!(get("bounding"), "0");
    assert_eq!(jailed.get("mode"), Some("Bind"));
}

#[test]
fn a_second_jail_cannot_see_the_first() {
    let fixture = Fixture::create();
    let first = fixture.config();
    let second = fixture.config();
    assert_ne!(first.jail_id, second.jail_id);
    let run = run_jailed(&second, |fd, _, _| {
        let seen = std::fs::read_dir("/").map(|d| d.count()).unwrap_or(0);
        report(fd, Message::new("count").arg("root_entries", seen));
    });
    assert_eq!(
        run.find("count").and_then(|m| m.get("root_entries")),
        Some("5")
    );
}
