//! The link/copy fallback for real: a seccomp filter that refuses `mount` with EPERM (as a
//! container that forbids mounts does) is installed before `jail::enter`; with
//! `allow_link_fallback` the kit still ends up chrooted in a tree of hard links and copies, and
//! forkit's `remove_jail_dir` removes that real tree afterwards.

mod jail_support;

use std::os::unix::fs::MetadataExt;

use jail_support::{clone_as_kit, report, run_jailed_with, FdPolicy, Fixture};
use libseccomp::{ScmpAction, ScmpFilterContext, ScmpSyscall};
use nix::sys::wait::WaitStatus;
use oxool_kit::jail::{self, JailError};
use oxool_kit::sys::LinuxSyscall;
use oxool_proto::Message;

/// Makes every mount(2) of this process fail with EPERM.
fn refuse_mounts() {
    let mut ctx = ScmpFilterContext::new(ScmpAction::Allow).unwrap();
    ctx.add_rule(
        ScmpAction::Errno(libc::EPERM),
        ScmpSyscall::from_name("mount").unwrap(),
    )
    .unwrap();
    ctx.load().unwrap();
}

#[test]
fn refused_mounts_build_the_jail_from_links_and_copies() {
    // The host paths must live outside /tmp (the jail's own) and outside the systemplate's
    // top-level names: /run is such a place (root only).
    let host_base = tempfile::Builder::new()
        .prefix("oxool-fallback-")
        .tempdir_in("/run");
    let missing = host_base
        .as_ref()
        .err()
        .map(|e| format!("a writable /run ({e})"));
    if jail_support::environment::skip_without("the mount fallback test", missing) {
        return;
    }
    let host_base = host_base.expect("checked above");
    let fixture = Fixture::create();
    let host = host_base.path().join("share/office");
    std::fs::create_dir_all(&host).unwrap();
    std::fs::write(host.join("ours.txt"), "owned by the kit's uid").unwrap();
    std::fs::write(host.join("theirs.txt"), "owned by someone else").unwrap();
    std::os::unix::fs::symlink("theirs.txt", host.join("link.txt")).unwrap();
    let foreign_owner = nix::unistd::getuid().is_root();
    if foreign_owner {
        nix::unistd::chown(
            &host.join("theirs.txt"),
            Some(12345.into()),
            Some(12345.into()),
        )
        .unwrap();
    }
    let mut cfg = fixture.config();
    cfg.ro_binds = vec![host.clone()];
    // On the same file system as the host paths, so hard links are possible at all.
    cfg.jails_root = host_base.path().join("jails");
    std::fs::create_dir(&cfg.jails_root).unwrap();
    cfg.allow_link_fallback = true;
    let inside = host.display().to_string();

    let run = run_jailed_with(&cfg, FdPolicy::CloseAll, |_, _, _| {});
    assert!(
        run.find("jailed").is_some(),
        "the normal jail must work first"
    );

    // The same, with mounts refused: jail_support enters the jail right after `body` would run,
    // so the refusal goes in a child of our own here.
    let (read_end, write_end) = nix::unistd::pipe().unwrap();
    // Like a kit: the child only installs a filter, enters the jail, reports and _exits.
    match clone_as_kit() {
        nix::unistd::ForkResult::Child => {
            use std::os::fd::AsRawFd;
            let fd = write_end.as_raw_fd();
            refuse_mounts();
            let message = match jail::enter(&cfg, &[0, 1, 2, write_end.as_raw_fd()], &LinuxSyscall)
            {
                Ok(jail_report) => {
                    let read =
                        |p: &str| std::fs::read_to_string(p).unwrap_or_else(|e| e.to_string());
                    let write = |p: &str| {
                        use std::io::Write;
                        let file = std::fs::OpenOptions::new().append(true).open(p);
                        match file.and_then(|mut f| f.write_all(b" tampered")) {
                            Ok(()) => "written".to_string(),
                            Err(e) => e.to_string(),
                        }
                    };
                    Message::new("fallback")
                        .arg("mode", format!("{:?}", jail_report.mount_mode))
                        .arg("ours", read(&format!("{inside}/ours.txt")))
                        .arg("theirs", read(&format!("{inside}/theirs.txt")))
                        .arg("link", read(&format!("{inside}/link.txt")))
                        .arg("write_theirs", write(&format!("{inside}/theirs.txt")))
                        .arg("tmp", std::fs::write("/tmp/x", "x").is_ok())
                        .arg("passwd", std::path::Path::new("/etc/passwd").exists())
                }
                Err(err) => Message::new("error").arg("message", err),
            };
            report(fd, message);
            // SAFETY: leave the child at once.
            unsafe { libc::_exit(0) }
        }
        nix::unistd::ForkResult::Parent { child } => {
            drop(write_end);
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut std::fs::File::from(read_end), &mut bytes).unwrap();
            assert!(matches!(
                nix::sys::wait::waitpid(child, None).unwrap(),
                WaitStatus::Exited(_, 0)
            ));
            let frame = oxool_proto::Frame::read_from(&mut &bytes[..], 0).unwrap();
            let message = Message::parse(&frame.header).unwrap();
            println!("FALLBACK {message}");
            assert_eq!(message.name, "fallback", "{message}");
            let get = |k: &str| message.get(k).unwrap_or_default().to_string();
            // With fs.protected_hardlinks=1 (the usual default) the kernel refuses links to files
            // the kit's uid neither owns nor may write, so only copies are possible.
            let protected = std::fs::read_to_string("/proc/sys/fs/protected_hardlinks")
                .map(|v| v.trim() != "0")
                .unwrap_or(true);
            let expected = if foreign_owner && !protected {
                "Link"
            } else {
                "Copy"
            };
            assert_eq!(get("mode"), expected, "{message}");
            assert_eq!(get("ours"), "owned by the kit's uid");
            assert_eq!(get("theirs"), "owned by someone else");
            assert_eq!(get("link"), "owned by someone else");
            // A hard link is shared with the host: the kit must not be able to write it. A
            // copy is the kit's own: writing it is harmless (the host file is checked below).
            if foreign_owner && get("mode") == "Link" {
                assert!(
                    get("write_theirs").contains("Permission denied"),
                    "{message}"
                );
            }
            assert_eq!(get("tmp"), "true");
            assert_eq!(get("passwd"), "true");
        }
    }
    // The fallback tree is real files on the host: forkit's removal must take it all away and
    // leave the originals alone.
    let jail_dir = cfg.jails_root.join(&cfg.jail_id);
    assert!(jail_dir
        .join(host.strip_prefix("/").unwrap())
        .join("ours.txt")
        .exists());
    jail::remove_jail_dir(&cfg.jails_root, &cfg.jail_id).unwrap();
    assert!(!jail_dir.exists());
    let original = std::fs::read_to_string(host.join("theirs.txt")).unwrap();
    assert_eq!(
        original, "owned by someone else",
        "the kit changed a host file"
    );
    assert_eq!(std::fs::metadata(host.join("ours.txt")).unwrap().nlink(), 1);
}

#[test]
fn refused_mounts_are_an_error_without_the_fallback() {
    let fixture = Fixture::create();
    let cfg = fixture.config();
    let (read_end, write_end) = nix::unistd::pipe().unwrap();
    // Like a kit: the child only installs a filter, tries the jail, reports and _exits.
    match clone_as_kit() {
        nix::unistd::ForkResult::Child => {
            use std::os::fd::AsRawFd;
            refuse_mounts();
            let outcome = match jail::enter(&cfg, &[0, 1, 2, write_end.as_raw_fd()], &LinuxSyscall)
            {
                Ok(_) => "jailed".to_string(),
                Err(JailError::MakeRootPrivate(_)) => "refused".to_string(),
                Err(other) => other.to_string(),
            };
            report(
                write_end.as_raw_fd(),
                Message::new("outcome").arg("is", outcome),
            );
            // SAFETY: leave the child at once.
            unsafe { libc::_exit(0) }
        }
        nix::unistd::ForkResult::Parent { child } => {
            drop(write_end);
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut std::fs::File::from(read_end), &mut bytes).unwrap();
            nix::sys::wait::waitpid(child, None).unwrap();
            let frame = oxool_proto::Frame::read_from(&mut &bytes[..], 0).unwrap();
            assert_eq!(frame.header, "outcome is=refused");
        }
    }
    let _ = jail::remove_jail_dir(&cfg.jails_root, &cfg.jail_id);
}
