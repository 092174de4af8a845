//! The soak: many cycles of open → type → save → close over mixed formats, and many
//! conversions, with wsd's and forkit's footprint measured before and after. A short run is a
//! test (tests/tests/soak.rs); the long one (1 000 cycles, 10 000 conversions) is
//! `oxool-bench --soak` in `make bench`. Results: docs/benchmarks.md.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::bench::smaps_rollup_kib;
use crate::eventually::poll_until;
use crate::http::convert;
use crate::server::Server;
use crate::wopi_host::{token, WopiHost};
use crate::ws::WsClient;

/// The documents the cycles go through, in turn: (fixture, name prefix in storage).
pub const SOAK_DOCUMENTS: &[(&str, &str)] = &[
    ("simple.docx", "soak-text"),
    ("simple.xlsx", "soak-sheet"),
    ("simple.pptx", "soak-slides"),
    ("simple.odt", "soak-odt"),
];

/// What the long-lived processes hold: memory, descriptors, threads, and what kits leave behind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Footprint {
    pub wsd_rss_kib: u64,
    pub wsd_pss_kib: u64,
    /// forkit's front end and zygote together (kits come and go).
    pub forkit_rss_kib: u64,
    pub forkit_pss_kib: u64,
    pub wsd_fds: usize,
    pub forkit_fds: usize,
    pub wsd_threads: usize,
    pub forkit_threads: usize,
    pub jails: usize,
    /// Per-kit cgroups under forkit's `kits/` directories (every hierarchy counted).
    pub kit_cgroups: usize,
    /// Kit processes alive (the pool and the warm reserve).
    pub kits: usize,
}

impl fmt::Display for Footprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "wsd RSS {} KiB PSS {} KiB fds {} threads {}; forkit RSS {} KiB PSS {} KiB fds {} \
             threads {}; kits {} jails {} kit cgroups {}",
            self.wsd_rss_kib,
            self.wsd_pss_kib,
            self.wsd_fds,
            self.wsd_threads,
            self.forkit_rss_kib,
            self.forkit_pss_kib,
            self.forkit_fds,
            self.forkit_threads,
            self.kits,
            self.jails,
            self.kit_cgroups
        )
    }
}

/// Measures `server` now.
pub fn footprint(server: &Server) -> Footprint {
    let wsd = server.pid();
    let (forkit, kits): (Vec<u32>, Vec<u32>) = server
        .forkit_processes()
        .into_iter()
        .partition(|pid| !is_kit(*pid));
    let sum = |pids: &[u32], field: &str| {
        pids.iter()
            .filter_map(|pid| smaps_rollup_kib(*pid, field))
            .sum::<u64>()
    };
    Footprint {
        wsd_rss_kib: smaps_rollup_kib(wsd, "Rss").unwrap_or(0),
        wsd_pss_kib: smaps_rollup_kib(wsd, "Pss").unwrap_or(0),
        forkit_rss_kib: sum(&forkit, "Rss"),
        forkit_pss_kib: sum(&forkit, "Pss"),
        wsd_fds: fds(wsd),
        forkit_fds: forkit.iter().map(|pid| fds(*pid)).sum(),
        wsd_threads: threads(wsd),
        forkit_threads: forkit.iter().map(|pid| threads(*pid)).sum(),
        jails: server.jails_left().len(),
        kit_cgroups: forkit
            .iter()
            .map(|pid| kit_cgroups(*pid))
            .max()
            .unwrap_or(0),
        kits: kits.len(),
    }
}

/// A kit runs in a PID namespace of its own: its NSpid line has two ids.
/// A kit: a process in a PID namespace of its own (forkit's front end and zygote are not).
pub fn is_kit(pid: u32) -> bool {
    status_field(pid, "NSpid").is_some_and(|ids| ids.split_whitespace().count() > 1)
}

fn status_field(pid: u32, name: &str) -> Option<String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|l| {
        l.strip_prefix(name)?
            .strip_prefix(':')
            .map(|v| v.trim().to_string())
    })
}

fn fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

fn threads(pid: u32) -> usize {
    status_field(pid, "Threads")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0)
}

/// The per-kit cgroups under `<cgroup of pid>/kits` in every hierarchy pid is in.
fn kit_cgroups(pid: u32) -> usize {
    let Ok(cgroups) = std::fs::read_to_string(format!("/proc/{pid}/cgroup")) else {
        return 0;
    };
    cgroups
        .lines()
        .filter_map(|line| {
            let mut fields = line.splitn(3, ':');
            let (_, controllers, path) = (fields.next()?, fields.next()?, fields.next()?);
            Some(hierarchy_root(controllers)?.join(path.trim_start_matches('/')))
        })
        .map(|own| {
            // v2: `<own>/kits/<jail>`; v1: `<own>/oxool-forkit-<zygote pid>/<jail>`
            // (forkit/src/zygote/cgroup/). Only this forkit's groups count: other servers may
            // share the same cgroup.
            subdirs(&own.join("kits")) + subdirs(&own.join(format!("oxool-forkit-{pid}")))
        })
        .sum()
}

fn subdirs(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| d.flatten().filter(|e| e.path().is_dir()).count())
}

/// Where a hierarchy of /proc/<pid>/cgroup is mounted (v2: "" controllers; v1: by name).
pub fn hierarchy_root(controllers: &str) -> Option<PathBuf> {
    if controllers.is_empty() {
        return ["/sys/fs/cgroup/unified", "/sys/fs/cgroup"]
            .iter()
            .map(PathBuf::from)
            .find(|root| root.join("cgroup.controllers").exists());
    }
    let name = controllers.trim_start_matches("name=");
    let root = Path::new("/sys/fs/cgroup").join(name);
    root.exists().then_some(root)
}

/// One document's life: open, type, save, close. Returns once wsd has stored it.
pub async fn edit_cycle(server: &Server, host: &WopiHost, fixture: &str, name: &str) {
    if !host.path_of(name).exists() {
        host.add_fixture(fixture, name)
            .expect("a fixture copied into storage");
    }
    let mut client = WsClient::connect(server.port, "soak")
        .await
        .expect("WebSocket connects");
    client
        .load(&host.wopisrc(name), &token("soak", "Soak", true))
        .await;
    if name.contains("slides") {
        // Impress takes typed text only into a selected shape: a command edits the slide.
        client.uno(".uno:InsertPage", None).await;
    } else {
        client.type_keys("soak").await;
        client.enter().await;
    }
    client
        .wait_for("the edit", |m| {
            m.is("doc-state") && m.get("modified") == Some("1")
        })
        .await;
    client.save_stored().await;
    drop(client);
}

/// One conversion of a small document through /cool/convert-to.
pub fn convert_cycle(server: &Server, bytes: &[u8]) {
    let response = convert(&server.url(""), "soak.docx", bytes, "pdf").expect("convert-to answers");
    assert_eq!(response.status, 200, "convert-to: {}", response.text());
}

/// The footprint once forkit's kits, jails and kit cgroups have stopped changing for 2 s with
/// no jail beyond the kits alive (the pool refilled, finished kits reaped), and wsd's and
/// forkit's descriptors are at most `at_most`'s (wsd's WOPI client closes an idle storage connection
/// 30–60 s after its last use). After 120 s, whatever is there.
pub fn settled_footprint(server: &Server, at_most: &Footprint) -> Footprint {
    let shape = |f: &Footprint| (f.kits, f.jails, f.kit_cgroups);
    let mut last: Option<(Footprint, std::time::Instant)> = None;
    poll_until(Duration::from_secs(120), || {
        let now = footprint(server);
        let steady_since = match last {
            Some((previous, since)) if shape(&previous) == shape(&now) => since,
            _ => std::time::Instant::now(),
        };
        last = Some((now, steady_since));
        (steady_since.elapsed() >= Duration::from_secs(2)
            && now.jails == now.kits
            && now.wsd_fds <= at_most.wsd_fds
            && now.forkit_fds <= at_most.forkit_fds)
            .then_some(now)
    })
    .unwrap_or_else(|| footprint(server))
}

/// A baseline: [`settled_footprint`] with no bound on descriptors.
pub fn quiet_footprint(server: &Server) -> Footprint {
    let unbounded = Footprint {
        wsd_fds: usize::MAX,
        forkit_fds: usize::MAX,
        ..Footprint::default()
    };
    settled_footprint(server, &unbounded)
}

/// The descriptors of forkit's front end and zygote, for a message when they differ.
pub fn forkit_fd_list(server: &Server) -> Vec<String> {
    let pids: Vec<u32> = server
        .forkit_processes()
        .into_iter()
        .filter(|pid| !is_kit(*pid))
        .collect();
    fd_list(&pids)
}

/// wsd's descriptors, for a message when they differ.
pub fn wsd_fd_list(server: &Server) -> Vec<String> {
    fd_list(&[server.pid()])
}

/// `pid:fd -> target` for every descriptor of `pids`, sorted.
fn fd_list(pids: &[u32]) -> Vec<String> {
    let mut list = Vec::new();
    for pid in pids {
        for entry in std::fs::read_dir(format!("/proc/{pid}/fd"))
            .into_iter()
            .flatten()
            .flatten()
        {
            let target = std::fs::read_link(entry.path()).unwrap_or_default();
            let target = target.display().to_string();
            let socket = socket_description(*pid, &target);
            list.push(format!(
                "{pid}:{} -> {target}{socket}",
                entry.file_name().to_string_lossy(),
            ));
        }
    }
    list.sort();
    list
}

/// For `socket:[inode]`, the socket's line in the process's /proc/net tables (TCP addresses in
/// hex, or a Unix socket's path), so a message says which connection a descriptor is.
fn socket_description(pid: u32, target: &str) -> String {
    let Some(inode) = target
        .strip_prefix("socket:[")
        .and_then(|rest| rest.strip_suffix(']'))
    else {
        return String::new();
    };
    for table in ["tcp", "tcp6", "unix"] {
        let text = std::fs::read_to_string(format!("/proc/{pid}/net/{table}")).unwrap_or_default();
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (inode_field, shown) = match table {
                // local, remote, state
                "unix" => (
                    fields.get(6),
                    fields.get(7).copied().unwrap_or("").to_string(),
                ),
                _ => (
                    fields.get(9),
                    format!("{} -> {} st {}", fields[1], fields[2], fields[3]),
                ),
            };
            if inode_field == Some(&inode) {
                return format!(" ({table} {shown})");
            }
        }
    }
    String::new()
}

/// The documents wsd still has open (`oxoolctl documents`), one per line; none is expected once
/// every session has left and its document was stored.
pub fn open_documents(server: &Server) -> Vec<String> {
    let listing = server
        .oxoolctl("documents")
        .unwrap_or_else(|e| format!("oxoolctl failed: {e:#}"));
    listing
        .lines()
        .filter(|line| line.contains("soak-") || line.contains("failed"))
        .map(str::to_string)
        .collect()
}

/// The growth from `before` to `after`, as a line for people.
pub fn growth(before: &Footprint, after: &Footprint) -> String {
    let d = |a: u64, b: u64| a as i64 - b as i64;
    let du = |a: usize, b: usize| a as i64 - b as i64;
    format!(
        "wsd RSS {:+} KiB PSS {:+} KiB fds {:+} threads {:+}; forkit RSS {:+} KiB PSS {:+} KiB \
         fds {:+} threads {:+}; jails {:+} kit cgroups {:+}",
        d(after.wsd_rss_kib, before.wsd_rss_kib),
        d(after.wsd_pss_kib, before.wsd_pss_kib),
        du(after.wsd_fds, before.wsd_fds),
        du(after.wsd_threads, before.wsd_threads),
        d(after.forkit_rss_kib, before.forkit_rss_kib),
        d(after.forkit_pss_kib, before.forkit_pss_kib),
        du(after.forkit_fds, before.forkit_fds),
        du(after.forkit_threads, before.forkit_threads),
        du(after.jails, before.jails),
        du(after.kit_cgroups, before.kit_cgroups)
    )
}

/// `oxool-bench --soak`: `cycles` edit cycles, then `conversions` conversions, with the
/// footprint printed before, every 10 % of the way and after settling (docs/benchmarks.md).
pub async fn run(cycles: usize, conversions: usize) -> anyhow::Result<()> {
    use crate::server::ServerOptions;
    use crate::wopi_host::WopiHostOptions;
    let host = WopiHost::start(WopiHostOptions::default())?;
    let server = Server::start(ServerOptions {
        wopi_hosts: vec![host.base()],
        editing_toml: Some("autosave_secs = 0\nidle_save_secs = 0\nload_timeout_secs = 300".into()),
        ..Default::default()
    })?;
    let docx = std::fs::read(crate::fixture("simple.docx"))?;
    let before = warm_up(&server, &host, &docx).await;
    println!("(soak) before: {before}");
    let started = std::time::Instant::now();
    for cycle in 0..cycles {
        let (fixture, prefix) = SOAK_DOCUMENTS[cycle % SOAK_DOCUMENTS.len()];
        // Names repeat every 40 cycles: storage stays small, documents are opened again.
        let name = format!("{prefix}-{}.{}", cycle % 40, extension(fixture));
        edit_cycle(&server, &host, fixture, &name).await;
        print_progress(&server, cycle + 1, cycles, "edit cycles");
    }
    let edited = settled_after(&server, &before, &before, started, cycles, "edit cycles");
    let started = std::time::Instant::now();
    for n in 0..conversions {
        convert_cycle(&server, &docx);
        print_progress(&server, n + 1, conversions, "conversions");
    }
    let after = settled_after(
        &server,
        &before,
        &edited,
        started,
        conversions,
        "conversions",
    );
    println!("(soak) total: {}", growth(&before, &after));
    println!("(soak) documents still open: {:?}", open_documents(&server));
    Ok(())
}

/// One cycle of each kind (an edit of every soak document, a conversion): caches, pools and
/// lazily made things reach their size. The quiet footprint after it, which growth is measured
/// from.
pub async fn warm_up(server: &Server, host: &WopiHost, docx: &[u8]) -> Footprint {
    for (fixture, prefix) in SOAK_DOCUMENTS {
        let name = format!("{prefix}-warm.{}", extension(fixture));
        edit_cycle(server, host, fixture, &name).await;
    }
    convert_cycle(server, docx);
    quiet_footprint(server)
}

/// Prints the footprint after every tenth of the `total` steps (`done` so far) of `what`.
fn print_progress(server: &Server, done: usize, total: usize, what: &str) {
    if done.is_multiple_of((total / 10).max(1)) {
        println!("(soak) {done} {what}: {}", footprint(server));
    }
}

/// The settled footprint (no more than `before`'s kits) after `steps` of `what` begun at
/// `started`; prints how it grew from `since`.
fn settled_after(
    server: &Server,
    before: &Footprint,
    since: &Footprint,
    started: std::time::Instant,
    steps: usize,
    what: &str,
) -> Footprint {
    let settled = settled_footprint(server, before);
    println!(
        "(soak) after {steps} {what} ({:.0} s): {}",
        started.elapsed().as_secs_f64(),
        growth(since, &settled)
    );
    settled
}

fn extension(fixture: &str) -> &str {
    fixture.rsplit('.').next().unwrap_or("bin")
}
