//! The capacity load generator (issue 15.1): `oxool-bench --capacity N[,N…]`.
//!
//! N simulated people (capacity_user.rs) work in M documents of mixed formats (docx, xlsx, pptx
//! in turn), 2 to 5 people per document, through the real WebSocket protocol against the real
//! server, kits and WOPI host. For each N it reports keystroke → other users' tiles (p50, p95,
//! p99), how long the sessions take to fall quiet after typing stops, wsd's CPU, the kits' CPU
//! and the whole machine's, and the PSS of wsd, forkit and the kits; then the largest N whose
//! p95 stays within 200 ms. A short run with two people is a test (tests/tests/capacity.rs).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::bench::smaps_rollup_kib;
use crate::capacity_user::{KeyLog, Kind, User, UserReport};
use crate::server::{Server, ServerOptions};
use crate::wopi_host::{token, WopiHost, WopiHostOptions};
use crate::ws::WsClient;

/// The formats the documents cycle through.
const FORMATS: [(&str, &str, Kind); 3] = [
    ("simple.docx", "docx", Kind::Text),
    ("simple.xlsx", "xlsx", Kind::Sheet),
    ("bench-slides.pptx", "pptx", Kind::Slides),
];
/// People per document, in turn.
const PEOPLE_PER_DOCUMENT: [usize; 4] = [2, 3, 4, 5];
/// The latency a held load must keep at p95.
pub const P95_GOAL: Duration = Duration::from_millis(200);

/// One document of a run and the people in it.
pub struct DocumentPlan {
    pub name: String,
    pub fixture: &'static str,
    pub kind: Kind,
    pub people: usize,
}

/// Splits `users` into documents of 2 to 5 people (a last single person joins the document
/// before, or, when that one is full, pairs up with one of its people).
pub fn plan_documents(users: usize) -> Vec<DocumentPlan> {
    let mut sizes: Vec<usize> = Vec::new();
    let mut left = users;
    while left > 0 {
        let size = PEOPLE_PER_DOCUMENT[sizes.len() % PEOPLE_PER_DOCUMENT.len()].min(left);
        match sizes.last_mut() {
            Some(last) if size == 1 && *last < 5 => *last += 1,
            Some(last) if size == 1 => {
                *last -= 1;
                sizes.push(2);
            }
            _ => sizes.push(size),
        }
        left -= size;
    }
    sizes
        .into_iter()
        .enumerate()
        .map(|(i, people)| {
            let (fixture, extension, kind) = FORMATS[i % FORMATS.len()];
            DocumentPlan {
                name: format!("capacity-{i}.{extension}"),
                fixture,
                kind,
                people,
            }
        })
        .collect()
}

/// A word of letters only (autocorrect leaves it alone) that names one person of one document.
pub fn marker(document: usize, person: usize) -> String {
    let letters = |mut n: usize| {
        let mut s = String::new();
        loop {
            s.insert(0, (b'a' + (n % 26) as u8) as char);
            n /= 26;
            if n == 0 {
                return s;
            }
        }
    };
    format!("zq{}x{}", letters(document), letters(person))
}

/// What one run measured.
pub struct CapacityRun {
    pub users: usize,
    pub documents: Vec<DocumentPlan>,
    /// Per user, in document order.
    pub reports: Vec<UserReport>,
    /// From the end of typing until no session received anything for a second.
    pub quiet_after: Duration,
    pub typing: Duration,
    pub cpu: CpuUse,
    pub memory: Memory,
}

/// CPU used over the typing period, in cores (1.0 = one core busy all the time).
#[derive(Debug, Default, Clone, Copy)]
pub struct CpuUse {
    pub wsd: f64,
    pub kits: f64,
    pub machine: f64,
}

/// PSS at the end of the typing period, in MiB.
#[derive(Debug, Default, Clone, Copy)]
pub struct Memory {
    pub wsd: f64,
    pub forkit: f64,
    pub kits: f64,
    pub kit_count: usize,
}

impl CapacityRun {
    pub fn latencies(&self) -> Vec<Duration> {
        let mut all: Vec<Duration> = self
            .reports
            .iter()
            .flat_map(|r| r.latencies.iter().copied())
            .collect();
        all.sort();
        all
    }

    /// Per format (docx, xlsx, pptx): the sorted latencies its people measured, and how many
    /// repaints they gave up on.
    pub fn latencies_by_format(&self) -> Vec<(&'static str, Vec<Duration>, usize)> {
        let mut reports = self.reports.iter();
        let mut by_format: Vec<(&'static str, Vec<Duration>, usize)> = Vec::new();
        for document in &self.documents {
            let extension = FORMATS
                .iter()
                .find(|(fixture, ..)| *fixture == document.fixture)
                .map_or("?", |(_, extension, _)| *extension);
            let at = match by_format.iter().position(|(e, ..)| *e == extension) {
                Some(at) => at,
                None => {
                    by_format.push((extension, Vec::new(), 0));
                    by_format.len() - 1
                }
            };
            for report in reports.by_ref().take(document.people) {
                by_format[at].1.extend(report.latencies.iter().copied());
                by_format[at].2 += report.given_up;
            }
        }
        for (_, sorted, _) in &mut by_format {
            sorted.sort();
        }
        by_format
    }
}

/// The `q` quantile of sorted samples.
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

/// A server with a WOPI host, as the co-editing tests start them.
pub fn start() -> anyhow::Result<(WopiHost, Server)> {
    let host = WopiHost::start(WopiHostOptions::default())?;
    let server = Server::start(ServerOptions {
        prespawn: 1,
        wopi_hosts: vec![host.base()],
        ..Default::default()
    })?;
    Ok((host, server))
}

/// Opens every document with its people, lets them work for `typing`, and measures.
pub async fn run_once(
    host: &WopiHost,
    server: &Server,
    users: usize,
    typing: Duration,
) -> anyhow::Result<(CapacityRun, Vec<User>)> {
    let documents = plan_documents(users);
    let mut people = Vec::new();
    for (d, document) in documents.iter().enumerate() {
        host.add_fixture(document.fixture, &document.name)?;
        let log = Arc::new(KeyLog::default());
        for p in 0..document.people {
            let label = format!("{}#{p}", document.name);
            let mut client = WsClient::connect(server.port, &label).await?;
            let user = format!("u{d}x{p}");
            client
                .load(&host.wopisrc(&document.name), &token(&user, &user, true))
                .await;
            let seed = (d * 10 + p) as u64;
            let mut person = User::new(
                client,
                p,
                document.kind,
                marker(d, p),
                Arc::clone(&log),
                seed,
            );
            person.saves = p == 0;
            people.push(person);
        }
    }
    for person in &mut people {
        person.take_position().await;
    }
    let before = Sample::take(server);
    let end = Instant::now() + typing;
    let tasks: Vec<_> = people
        .into_iter()
        .map(|mut person| {
            tokio::spawn(async move {
                let report = person.work_until(end).await;
                (person, report)
            })
        })
        .collect();
    let mut people = Vec::new();
    let mut reports = Vec::new();
    for task in tasks {
        let (person, report) = task.await?;
        people.push(person);
        reports.push(report);
    }
    let after = Sample::take(server);
    let typed_for = after.at - before.at;
    let quiet_after = wait_until_quiet(&mut people).await;
    let run = CapacityRun {
        users,
        documents,
        reports,
        quiet_after,
        typing: typed_for,
        cpu: before.cpu_until(&after),
        memory: after.memory,
    };
    Ok((run, people))
}

/// Reads what the sessions still receive until none has received a repaint (an `invalidate` or
/// a tile) for a second; the time from the call to the last repaint.
async fn wait_until_quiet(people: &mut [User]) -> Duration {
    let started = Instant::now();
    let mut last_repaint = started;
    while last_repaint.elapsed() < Duration::from_secs(1)
        && started.elapsed() < Duration::from_secs(120)
    {
        for person in people.iter_mut() {
            person.client.skip_seen();
            let late = person.client.drain_for(Duration::from_millis(5)).await;
            if let Some(last) = late
                .iter()
                .filter(|m| m.is("invalidate") || m.is_tile())
                .map(|m| m.at)
                .max()
            {
                last_repaint = last_repaint.max(last);
            }
            person.client.forget_seen();
        }
    }
    last_repaint - started
}

/// CPU counters and memory at one moment.
struct Sample {
    at: Instant,
    /// Jiffies: wsd's, the kits' (summed), the machine's busy and total.
    wsd: u64,
    kits: u64,
    machine_busy: u64,
    machine_total: u64,
    memory: Memory,
}

impl Sample {
    fn take(server: &Server) -> Sample {
        let kits: Vec<u32> = server
            .forkit_processes()
            .into_iter()
            .filter(|pid| crate::soak::is_kit(*pid))
            .collect();
        let forkit: Vec<u32> = server
            .forkit_processes()
            .into_iter()
            .filter(|pid| !kits.contains(pid))
            .collect();
        let pss = |pids: &[u32]| {
            pids.iter()
                .filter_map(|pid| smaps_rollup_kib(*pid, "Pss"))
                .sum::<u64>() as f64
                / 1024.0
        };
        let (machine_busy, machine_total) = machine_jiffies();
        Sample {
            at: Instant::now(),
            wsd: process_jiffies(server.pid()),
            kits: kits.iter().map(|pid| process_jiffies(*pid)).sum(),
            machine_busy,
            machine_total,
            memory: Memory {
                wsd: pss(&[server.pid()]),
                forkit: pss(&forkit),
                kits: pss(&kits),
                kit_count: kits.len(),
            },
        }
    }

    fn cpu_until(&self, later: &Sample) -> CpuUse {
        // SAFETY: sysconf only reads a constant of the system.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        let seconds = (later.at - self.at).as_secs_f64().max(0.001);
        let cores = |from: u64, to: u64| to.saturating_sub(from) as f64 / hz / seconds;
        let total = later
            .machine_total
            .saturating_sub(self.machine_total)
            .max(1) as f64;
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        CpuUse {
            wsd: cores(self.wsd, later.wsd),
            kits: cores(self.kits, later.kits),
            machine: later.machine_busy.saturating_sub(self.machine_busy) as f64 / total * cpus,
        }
    }
}

/// utime + stime of a process, in clock ticks (0 when it is gone).
fn process_jiffies(pid: u32) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0;
    };
    let Some(after_name) = stat.rfind(')').map(|i| &stat[i + 2..]) else {
        return 0;
    };
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of stat(5); after the name, the state is the first.
    let field = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<u64>().ok());
    field(14).unwrap_or(0) + field(15).unwrap_or(0)
}

/// (busy, total) jiffies of the whole machine from /proc/stat.
fn machine_jiffies() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let values: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let total: u64 = values.iter().take(8).sum();
    // idle and iowait
    let idle = values.get(3).copied().unwrap_or(0) + values.get(4).copied().unwrap_or(0);
    (total.saturating_sub(idle), total)
}

/// `oxool-bench --capacity N[,N…]`: one fresh server per N, the curve, the largest N held.
pub async fn run(counts: &[usize], typing: Duration) -> anyhow::Result<()> {
    println!(
        "## capacity: people type ~5 chars/s in words with pauses, scroll every 10–30 s, one per \
         document saves every 20–60 s; {} s of typing per N",
        typing.as_secs()
    );
    let mut held = None;
    for &users in counts {
        let (host, server) = start()?;
        let (run, people) = run_once(&host, &server, users, typing).await?;
        drop(people);
        let sorted = run.latencies();
        let keys: usize = run.reports.iter().map(|r| r.keys_sent).sum();
        let given_up: usize = run.reports.iter().map(|r| r.given_up).sum();
        let p95 = quantile(&sorted, 0.95);
        println!(
            "(i) N={users} in {} documents: keys {keys}, peer repaints {} (given up {given_up}); \
             key → peer tile p50 {:.0} ms p95 {:.0} ms p99 {:.0} ms; quiet {:.1} s after typing \
             stopped; CPU (cores) wsd {:.2} kits {:.2} machine {:.2}; PSS MiB wsd {:.0} forkit \
             {:.0} kits {:.0} ({} kits)",
            run.documents.len(),
            sorted.len(),
            crate::bench::ms(quantile(&sorted, 0.5)),
            crate::bench::ms(p95),
            crate::bench::ms(quantile(&sorted, 0.99)),
            run.quiet_after.as_secs_f64(),
            run.cpu.wsd,
            run.cpu.kits,
            run.cpu.machine,
            run.memory.wsd,
            run.memory.forkit,
            run.memory.kits,
            run.memory.kit_count
        );
        for (extension, sorted, given_up) in run.latencies_by_format() {
            println!(
                "    {extension}: peer repaints {} (given up {given_up}); p50 {:.0} ms p95 {:.0} ms \
                 p99 {:.0} ms",
                sorted.len(),
                crate::bench::ms(quantile(&sorted, 0.5)),
                crate::bench::ms(quantile(&sorted, 0.95)),
                crate::bench::ms(quantile(&sorted, 0.99)),
            );
        }
        if p95 <= P95_GOAL && !sorted.is_empty() {
            held = Some(held.map_or(users, |h: usize| h.max(users)));
        }
    }
    match held {
        Some(users) => println!("largest N with p95 ≤ 200 ms: {users}"),
        None => println!("no N tried kept p95 ≤ 200 ms"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_hold_two_to_five_people_and_everyone() {
        for users in [2, 3, 7, 10, 15, 20, 50, 100, 150] {
            let plan = plan_documents(users);
            assert_eq!(plan.iter().map(|d| d.people).sum::<usize>(), users);
            assert!(plan.iter().all(|d| (2..=5).contains(&d.people)), "{users}");
        }
        let sizes: Vec<usize> = plan_documents(10).iter().map(|d| d.people).collect();
        assert_eq!(sizes, [2, 3, 5]);
        let kinds: Vec<&str> = plan_documents(20).iter().map(|d| d.fixture).collect();
        assert_eq!(
            kinds[..4],
            [
                "simple.docx",
                "simple.xlsx",
                "bench-slides.pptx",
                "simple.docx"
            ]
        );
    }

    #[test]
    fn markers_are_letters_and_distinct() {
        assert_eq!(marker(0, 0), "zqaxa");
        assert_eq!(marker(27, 1), "zqbbxb");
        assert!(marker(12, 3).chars().all(|c| c.is_ascii_lowercase()));
        assert_ne!(marker(1, 2), marker(2, 1));
    }
}
