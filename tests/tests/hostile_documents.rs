//! Hostile documents through real convert-to (wsd, forkit, jailed kits, LibreOffice): a zip bomb,
//! an image bomb, a spreadsheet of billions of operations, deep XML nesting, billion laughs and
//! password-protected files. For each, within the conversion timeout: a clear error or a correct
//! result; the kit's peak memory (VmHWM, or its own cgroup's peak and limit once it has one, read
//! from outside) is reported and stays under the limit; wsd keeps answering
//! `/hosting/capabilities` throughout; the kit that worked on it is gone afterwards; the next
//! request works. The fixtures are generated in code (tests/src/hostile.rs).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use oxool_tests::hostile;
use oxool_tests::http::{convert, Response};
use oxool_tests::server::{Server, ServerOptions};
use oxool_tests::tools::read;

/// The conversion deadline of the server under test: a document that keeps LibreOffice busy
/// longer is ended by it.
const TIMEOUT_SECS: u64 = 30;

/// 1 GiB, the default memory limit of one kit.
const KIT_MEMORY_LIMIT_KIB: u64 = 1 << 20;

/// What one hostile conversion did.
struct Report {
    name: &'static str,
    status: u16,
    message: String,
    elapsed: Duration,
    kit_peak_mib: u64,
    /// The kit cgroup's memory limit, when the kit had its own cgroup.
    kit_limit_mib: Option<u64>,
    capabilities: Vec<Duration>,
}

/// The processes below wsd, by pid, with their depth: forkit 1, its zygote 2, kits 3.
fn descendants(root: u32) -> BTreeMap<u32, usize> {
    let mut parent_of = BTreeMap::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The command name may hold spaces and parentheses: the fields follow the last ')'.
        let Some(ppid) = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|field| field.parse::<u32>().ok())
        else {
            continue;
        };
        parent_of.insert(pid, ppid);
    }
    let mut depth = BTreeMap::new();
    for &pid in parent_of.keys() {
        let (mut at, mut steps) = (pid, 0);
        while let Some(&parent) = parent_of.get(&at) {
            steps += 1;
            if parent == root {
                depth.insert(pid, steps);
                break;
            }
            if parent <= 1 || steps > 8 {
                break;
            }
            at = parent;
        }
    }
    depth
}

fn kits(wsd: u32) -> BTreeSet<u32> {
    descendants(wsd)
        .into_iter()
        .filter(|&(_, depth)| depth >= 3)
        .map(|(pid, _)| pid)
        .collect()
}

/// A process's peak resident memory (VmHWM) in KiB.
fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A kit's own memory cgroup, when it has one (the cgroup step of forkit): its peak and limit in
/// KiB, cgroup v2 (`memory.peak`, `memory.max`) or v1 (`memory.max_usage_in_bytes`,
/// `memory.limit_in_bytes`). `None` when the kit shares the server's cgroup.
fn cgroup_memory_kib(pid: u32, server_cgroup: &str) -> Option<(u64, u64)> {
    let cgroups = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).ok()?;
    let read = |path: String| -> Option<u64> {
        std::fs::read_to_string(path)
            .ok()?
            .trim()
            .parse::<u64>()
            .ok()
    };
    for line in cgroups.lines() {
        let mut fields = line.splitn(3, ':');
        let (_, controllers, path) = (fields.next()?, fields.next()?, fields.next()?);
        if path == server_cgroup || path == "/" {
            continue;
        }
        if controllers == "memory" {
            let dir = format!("/sys/fs/cgroup/memory{path}");
            return Some((
                read(format!("{dir}/memory.max_usage_in_bytes"))? / 1024,
                read(format!("{dir}/memory.limit_in_bytes"))? / 1024,
            ));
        }
        if controllers.is_empty() {
            let dir = format!("/sys/fs/cgroup/unified{path}");
            let dir = if std::path::Path::new(&dir).exists() {
                dir
            } else {
                format!("/sys/fs/cgroup{path}")
            };
            if let (Some(peak), Some(max)) = (
                read(format!("{dir}/memory.peak")),
                read(format!("{dir}/memory.max")),
            ) {
                return Some((peak / 1024, max / 1024));
            }
        }
    }
    None
}

/// The memory cgroup path of wsd (v1 `memory` line, else the v2 line).
fn memory_cgroup_of(pid: u32) -> String {
    let cgroups = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap_or_default();
    let path_of = |prefix: &str| {
        cgroups
            .lines()
            .find(|l| l.split(':').nth(1) == Some(prefix))
            .and_then(|l| l.splitn(3, ':').nth(2))
            .map(str::to_string)
    };
    path_of("memory")
        .or_else(|| path_of(""))
        .unwrap_or_default()
}

/// What the sampler learnt of one kit: its peak (the larger of VmHWM and its cgroup's peak) and
/// its cgroup's limit, when it has one, in KiB.
#[derive(Debug, Clone, Copy, Default)]
struct KitMemory {
    peak_kib: u64,
    limit_kib: Option<u64>,
}

fn sample(pid: u32, server_cgroup: &str) -> Option<KitMemory> {
    let hwm = vm_hwm_kib(pid)?;
    let cgroup = cgroup_memory_kib(pid, server_cgroup);
    Some(KitMemory {
        peak_kib: hwm.max(cgroup.map_or(0, |(peak, _)| peak)),
        limit_kib: cgroup.map(|(_, limit)| limit),
    })
}

/// Samples every kit's VmHWM and asks for the capabilities while a conversion runs.
struct Watch {
    stop: Arc<AtomicBool>,
    memory: JoinHandle<BTreeMap<u32, KitMemory>>,
    capabilities: JoinHandle<Vec<Duration>>,
    failures: Arc<Mutex<Vec<String>>>,
}

impl Watch {
    fn start(server: &Server) -> Watch {
        let stop = Arc::new(AtomicBool::new(false));
        let failures = Arc::new(Mutex::new(Vec::new()));
        let wsd = server.pid();
        let memory = {
            let stop = stop.clone();
            // The kits already there count: the prespawned one takes the request.
            let server_cgroup = memory_cgroup_of(wsd);
            let mut peaks: BTreeMap<u32, KitMemory> = kits(wsd)
                .into_iter()
                .filter_map(|pid| Some((pid, sample(pid, &server_cgroup)?)))
                .collect();
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    for pid in kits(wsd) {
                        if let Some(now) = sample(pid, &server_cgroup) {
                            let seen = peaks.entry(pid).or_default();
                            seen.peak_kib = seen.peak_kib.max(now.peak_kib);
                            seen.limit_kib = now.limit_kib.or(seen.limit_kib);
                        }
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                peaks
            })
        };
        let capabilities = {
            let stop = stop.clone();
            let failures = failures.clone();
            let url = server.url("/hosting/capabilities");
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new()
                    .timeout(Duration::from_secs(30))
                    .build();
                let mut latencies = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    let asked = Instant::now();
                    match agent.get(&url).call() {
                        Ok(response) if response.status() == 200 => latencies.push(asked.elapsed()),
                        Ok(response) => failures
                            .lock()
                            .unwrap()
                            .push(format!("status {}", response.status())),
                        Err(error) => failures.lock().unwrap().push(error.to_string()),
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
                latencies
            })
        };
        Watch {
            stop,
            memory,
            capabilities,
            failures,
        }
    }

    fn finish(self) -> (BTreeMap<u32, KitMemory>, Vec<Duration>, Vec<String>) {
        self.stop.store(true, Ordering::SeqCst);
        let memory = self.memory.join().unwrap();
        let capabilities = self.capabilities.join().unwrap();
        let failures = self.failures.lock().unwrap().clone();
        (memory, capabilities, failures)
    }
}

/// Converts one hostile document while watching, and checks what must hold for every one.
fn hostile(
    server: &mut Server,
    name: &'static str,
    file: &str,
    bytes: &[u8],
    format: &str,
) -> (Report, Response) {
    let watch = Watch::start(server);
    let started = Instant::now();
    let response = convert(&server.url(""), file, bytes, format).expect("wsd answers");
    let elapsed = started.elapsed();
    let (peaks, capabilities, failures) = watch.finish();

    assert!(server.is_running(), "{name}: wsd died\n{}", server.log());
    assert!(
        failures.is_empty(),
        "{name}: /hosting/capabilities failed during the conversion: {failures:?}"
    );
    assert!(
        !capabilities.is_empty(),
        "{name}: /hosting/capabilities was never answered"
    );
    let message = response.text().trim().to_string();
    if response.status != 200 {
        assert!(
            [400, 413, 500, 504].contains(&response.status) && message.len() > 10,
            "{name}: not a clear error: {} {message}",
            response.status
        );
    }
    // A kit serves one conversion and must be gone afterwards, whether it finished, failed or
    // was killed; the kits that stay are the idle reserve. The peak reported is the gone one's.
    let gone = oxool_tests::eventually::eventually(
        &format!("{name}: a kit to end after the conversion (kits seen: {peaks:?})"),
        Duration::from_secs(20),
        || {
            let alive = kits(server.pid());
            let gone: Vec<u32> = peaks
                .keys()
                .filter(|pid| !alive.contains(pid))
                .copied()
                .collect();
            (!gone.is_empty()).then_some(gone)
        },
    );
    let worker = gone
        .iter()
        .map(|pid| peaks[pid])
        .max_by_key(|m| m.peak_kib)
        .unwrap_or_default();
    // Under its cgroup's limit when it has one; else under the default limit of 1 GiB, which no
    // document may need either.
    let limit_kib = worker.limit_kib.unwrap_or(KIT_MEMORY_LIMIT_KIB);
    assert!(
        worker.peak_kib < limit_kib,
        "{name}: the kit peaked at {} MiB, its limit is {} MiB",
        worker.peak_kib / 1024,
        limit_kib / 1024
    );
    // The next request works.
    let next = convert(
        &server.url(""),
        "simple.odt",
        &read(&oxool_tests::fixture("simple.odt")),
        "txt",
    )
    .expect("wsd answers");
    assert_eq!(
        next.status,
        200,
        "{name}: the next conversion failed: {}",
        next.text()
    );
    assert!(next.text().contains("oxool fixture text alpha"));
    let report = Report {
        name,
        status: response.status,
        message: message
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(120)
            .collect(),
        elapsed,
        kit_peak_mib: worker.peak_kib / 1024,
        kit_limit_mib: worker.limit_kib.map(|kib| kib / 1024),
        capabilities,
    };
    (report, response)
}

fn print(reports: &[Report]) {
    eprintln!(
        "hostile document | outcome | time | kit peak memory (limit) | capabilities: answers, max latency"
    );
    for r in reports {
        let max = r.capabilities.iter().max().copied().unwrap_or_default();
        eprintln!(
            "{} | {} {} | {:.1} s | {} MiB ({}) | {}, {} ms",
            r.name,
            r.status,
            r.message,
            r.elapsed.as_secs_f64(),
            r.kit_peak_mib,
            r.kit_limit_mib
                .map_or("no kit cgroup".to_string(), |mib| format!(
                    "cgroup limit {mib} MiB"
                )),
            r.capabilities.len(),
            max.as_millis()
        );
    }
}

/// One hostile document: how it is made (when its turn comes: some are large), converted to
/// `format`, and what its answer must be beyond what [`hostile`] checks for all.
struct HostileCase {
    name: &'static str,
    file: &'static str,
    bytes: fn() -> Vec<u8>,
    format: &'static str,
    expect: Expect,
}

/// What a hostile document's answer must be, beyond what every one's must.
enum Expect {
    /// Nothing more: a clear refusal or any result.
    Anything,
    /// A refusal, or a result that has this text.
    RefusedOrText(&'static str),
    /// A refusal, or a PDF.
    RefusedOrPdf,
    /// A refusal, or a result of fewer bytes than this.
    RefusedOrSmallerThan(usize),
    /// Refused (400) as password-protected.
    PasswordProtected,
}

impl Expect {
    fn check(&self, name: &str, response: &Response) {
        let converted = response.status == 200;
        match *self {
            Expect::Anything => {}
            Expect::RefusedOrText(text) => assert!(
                !converted || response.text().contains(text),
                "{name} converted without its text: {}",
                response.text().chars().take(200).collect::<String>()
            ),
            Expect::RefusedOrPdf => assert!(
                !converted || response.body.starts_with(b"%PDF"),
                "{name} converted to something else than a PDF"
            ),
            Expect::RefusedOrSmallerThan(limit) => assert!(
                !converted || response.body.len() < limit,
                "{name} expanded to {} bytes",
                response.body.len()
            ),
            Expect::PasswordProtected => {
                assert_eq!(response.status, 400, "{name}: {}", response.text());
                assert!(
                    response.text().contains("password-protected"),
                    "{name}: {}",
                    response.text()
                );
            }
        }
    }
}

const HOSTILE_CASES: [HostileCase; 7] = [
    // 1 GiB of whitespace inside word/document.xml, about 1 MiB compressed.
    HostileCase {
        name: "zip bomb (docx, 1 GiB member)",
        file: "bomb.docx",
        bytes: || hostile::zip_bomb_docx(1024),
        format: "txt",
        expect: Expect::RefusedOrText(hostile::ZIP_BOMB_TEXT),
    },
    HostileCase {
        name: "image bomb (odt, 60000x60000 PNG)",
        file: "image.odt",
        bytes: || hostile::image_bomb_odt(60_000),
        format: "pdf",
        expect: Expect::RefusedOrPdf,
    },
    HostileCase {
        name: "calc bomb (fods, whole-column array formulas)",
        file: "calc.fods",
        bytes: || hostile::calc_bomb_fods(1_048_576),
        format: "csv",
        expect: Expect::Anything,
    },
    HostileCase {
        name: "deep nesting (odt, 100000 spans)",
        file: "nesting.odt",
        bytes: || hostile::deep_nesting_odt(100_000),
        format: "txt",
        expect: Expect::RefusedOrText(hostile::NESTING_TEXT),
    },
    HostileCase {
        name: "billion laughs (odt)",
        file: "laughs.odt",
        bytes: hostile::billion_laughs_odt,
        format: "txt",
        expect: Expect::RefusedOrSmallerThan(1 << 20),
    },
    HostileCase {
        name: "encrypted docx (OLE2 EncryptedPackage)",
        file: "secret.docx",
        bytes: hostile::encrypted_docx,
        format: "pdf",
        expect: Expect::PasswordProtected,
    },
    HostileCase {
        name: "encrypted odt (manifest encryption-data)",
        file: "secret.odt",
        bytes: hostile::encrypted_odt,
        format: "pdf",
        expect: Expect::PasswordProtected,
    },
];

#[test]
fn hostile_documents_end_in_a_clear_error_or_a_correct_result() {
    let mut server = Server::start(ServerOptions {
        timeout_secs: TIMEOUT_SECS,
        max_concurrent: 1,
        max_upload_mb: 64,
        ..Default::default()
    })
    .expect("the server starts");
    let mut reports = Vec::new();

    // The generators make real documents: small versions of the bombs convert correctly, so
    // an error below comes from the size, not from a broken file.
    let control = |file: &str, bytes: Vec<u8>, format: &str, expect: &str| {
        let response = convert(&server.url(""), file, &bytes, format).expect("wsd answers");
        assert_eq!(response.status, 200, "control {file}: {}", response.text());
        let text = response.text();
        assert!(
            text.contains(expect) && !text.contains("Err:5"),
            "control {file}: {text}"
        );
    };
    for (file, bytes, format, expect) in [
        (
            "small.docx",
            hostile::zip_bomb_docx(1),
            "txt",
            hostile::ZIP_BOMB_TEXT,
        ),
        (
            "small.odt",
            hostile::image_bomb_odt(16),
            "txt",
            hostile::IMAGE_BOMB_TEXT,
        ),
        (
            "shallow.odt",
            hostile::deep_nesting_odt(10),
            "txt",
            hostile::NESTING_TEXT,
        ),
        // Four rows: the formulas evaluate (no Err:5xx) and the first row's data comes out.
        ("small.fods", hostile::calc_bomb_fods(4), "csv", "1,2,"),
    ] {
        control(file, bytes, format, expect);
    }

    for case in HOSTILE_CASES {
        let bytes = (case.bytes)();
        let (report, response) = hostile(&mut server, case.name, case.file, &bytes, case.format);
        case.expect.check(case.name, &response);
        reports.push(report);
    }
    print(&reports);
}
