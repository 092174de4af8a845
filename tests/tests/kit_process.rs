//! The kit's process-level isolation, decided from outside: a real wsd starts its real forkit
//! (as root and as an unprivileged user), forkit prespawns one LibreOffice kit, and this test
//! reads that kit's /proc entries as the host sees them, without asking the kit anything.

use std::collections::HashMap;
use std::time::Duration;

use oxool_tests::server::{Server, ServerOptions};
use oxool_tests::user::RunAs;

/// The fields of /proc/<pid>/status.
fn status(pid: u32) -> HashMap<String, String> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .filter_map(|line| {
            let (key, value) = line.split_once(':')?;
            Some((key.to_string(), value.trim().to_string()))
        })
        .collect()
}

/// Waits for forkit's prespawned kit: the forkit process that lives in a PID namespace of its own
/// (two NSpid levels). Returns (kit pid, zygote pid).
fn wait_for_kit(server: &Server) -> (u32, u32) {
    let kit = oxool_tests::eventually::poll_until(Duration::from_secs(60), || {
        server.forkit_processes().into_iter().find_map(|pid| {
            let fields = status(pid);
            let nspid = fields.get("NSpid").cloned().unwrap_or_default();
            // The seccomp filter is the kit's last step before `ready`: the jail is complete.
            let filtered = fields.get("Seccomp").map(String::as_str) == Some("2");
            (nspid.split_whitespace().count() == 2 && filtered)
                .then(|| (pid, fields["PPid"].parse().unwrap()))
        })
    });
    kit.unwrap_or_else(|| panic!("no kit appeared:\n{}", server.log()))
}

/// The descriptors of a process above stdio, with what each points at.
fn fds_above_stdio(pid: u32) -> Vec<(i32, String)> {
    let mut fds: Vec<(i32, String)> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let fd: i32 = e.file_name().to_str()?.parse().ok()?;
            let target = std::fs::read_link(e.path()).ok()?;
            (fd > 2).then(|| (fd, target.display().to_string()))
        })
        .collect();
    fds.sort();
    fds
}

fn check_kit(run_as: RunAs) {
    let server = Server::start(ServerOptions {
        run_as,
        prespawn: 1,
        ..Default::default()
    })
    .unwrap();
    let (kit, zygote) = wait_for_kit(&server);
    let label = run_as.label();

    // A kit can name no process but itself: it is PID 1 of its own PID namespace, one level
    // below the host's, and that namespace is not the zygote's.
    let nspid: Vec<String> = status(kit)["NSpid"]
        .split_whitespace()
        .map(str::to_string)
        .collect();
    assert_eq!(nspid, vec![kit.to_string(), "1".to_string()], "{label}");
    let pid_ns = |pid: u32| std::fs::read_link(format!("/proc/{pid}/ns/pid")).unwrap();
    assert_ne!(pid_ns(kit), pid_ns(zygote), "{label}");
    let user_ns = |pid: u32| std::fs::read_link(format!("/proc/{pid}/ns/user")).unwrap();
    assert_ne!(user_ns(kit), user_ns(zygote), "{label}");

    // A kit holds only what it needs. The zygote: its control socket and nothing else of the
    // front end's (no D-Bus connection to wsd); the kit: its own socket and what preinit opened,
    // which the zygote holds at the same numbers, none of them a socket.
    let zygote_fds = fds_above_stdio(zygote);
    let kit_fds = fds_above_stdio(kit);
    println!("[{label}] zygote fds {zygote_fds:?}\n[{label}] kit fds {kit_fds:?}");
    let sockets = |fds: &[(i32, String)]| {
        fds.iter()
            .filter(|(_, t)| t.starts_with("socket:"))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(sockets(&zygote_fds).len(), 1, "{label}: {zygote_fds:?}");
    // The kit's writer thread holds a second descriptor of the same kit socket (try_clone).
    let kit_sockets = sockets(&kit_fds);
    let kit_socket = &kit_sockets.first().expect("the kit socket").1;
    assert!(
        kit_sockets.iter().all(|(_, t)| t == kit_socket),
        "{label}: a socket besides the kit's: {kit_fds:?}"
    );
    assert!(
        !zygote_fds.iter().any(|(_, t)| t == kit_socket),
        "{label}: the kit's socket is its own, not one of the zygote's"
    );
    for fd in kit_fds.iter().filter(|fd| !kit_sockets.contains(fd)) {
        assert!(
            zygote_fds.contains(fd) && !fd.1.starts_with("anon_inode:[signalfd]"),
            "{label}: kit fd {fd:?} is not one of preinit's: {zygote_fds:?}"
        );
    }

    // The root switch: pivot_root made the jail's tmpfs the root of the kit's mount namespace and
    // the old root is detached, so the kernel names the kit's root "/" from here (a chroot would
    // show the jail's path under the jails directory), and no host mount is left in it.
    let root = std::fs::read_link(format!("/proc/{kit}/root")).unwrap();
    assert_eq!(
        root,
        std::path::Path::new("/"),
        "{label}: the kit was not pivoted"
    );
    let mountinfo = std::fs::read_to_string(format!("/proc/{kit}/mountinfo")).unwrap();
    let mount_points: Vec<&str> = mountinfo
        .lines()
        .filter_map(|l| l.split_whitespace().nth(4))
        .collect();
    println!("[{label}] kit mounts {mount_points:?}");
    assert!(
        mount_points.contains(&"/") && mount_points.contains(&"/tmp"),
        "{label}"
    );
    for host_only in [
        "/proc", "/sys", "/run", "/dev/pts", "/dev/shm", "/home", "/root", "/boot",
    ] {
        assert!(
            !mount_points
                .iter()
                .any(|m| m == &host_only || m.starts_with(&format!("{host_only}/"))),
            "{label}: the host's {host_only} is mounted in the kit: {mount_points:?}"
        );
    }
    let jails_root = server.jails_root().display().to_string();
    assert!(
        !mount_points.iter().any(|m| m.starts_with(&jails_root)),
        "{label}: mounts under the jails directory are seen from outside the jail: {mount_points:?}"
    );

    // The first to go when memory runs out, no core file, not dumpable.
    let read = |name: &str| std::fs::read_to_string(format!("/proc/{kit}/{name}")).unwrap();
    assert_eq!(read("oom_score_adj").trim(), "1000", "{label}");
    let limits = read("limits");
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .map(|l| l.split_whitespace().skip(4).take(2).collect::<Vec<_>>())
        .unwrap();
    assert_eq!(core, vec!["0", "0"], "{label}: soft and hard core limits");
    if run_as == RunAs::Unprivileged {
        // A dumpable process's /proc entries belong to its own uid; a non-dumpable one's to root.
        // (Run as root the two are the same uid, so this is only decidable unprivileged.)
        use std::os::unix::fs::MetadataExt;
        let kit_uid: u32 = status(kit)["Uid"]
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_ne!(kit_uid, 0);
        let owner = std::fs::metadata(format!("/proc/{kit}/fd")).unwrap().uid();
        assert_eq!(
            owner, 0,
            "{label}: /proc/{kit}/fd belongs to the kit: it is dumpable"
        );
        let zygote_owner = std::fs::metadata(format!("/proc/{zygote}/fd"))
            .unwrap()
            .uid();
        assert_eq!(zygote_owner, kit_uid, "{label}: the zygote stays dumpable");
    }
}

oxool_tests::tests_as_root_and_unprivileged!(check_kit: a_kit_is_isolated_as_root, a_kit_is_isolated_as_unprivileged_user);
