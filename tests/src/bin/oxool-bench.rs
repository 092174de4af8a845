//! oxool-bench: measures oxool beside its anchors, in the same run, on the same machine.
//!
//! (a) prespawn miss: SpawnKit until the kit is jailed and ready, with a preinitialised forkit,
//!     beside bubblewrap with equivalent binds; (b) prespawn hit: the SpawnKit round trip;
//! (c) convert-to docx → pdf, 1 and 2 clients, beside unoserver converting the same file;
//! (d) PSS per idle kit with a small document loaded, 10 kits alive;
//! (e)–(g) co-editing over the WebSocket protocol (tests/src/bench_editing.rs);
//! (h) --burst: SpawnKit at 10/s and 20/s, Poisson arrivals, demand-sized pool beside the
//!     fixed-size one (tests/src/bench_burst.rs);
//! (i) --capacity N[,N…]: N people typing in documents of mixed formats (tests/src/capacity.rs);
//! (j) --cluster: convert-to through HAProxy with 1, 2 and 3 servers, and HAProxy's cost on
//!     key → tile (tests/src/bench_cluster.rs);
//! --soak: 1 000 open → type → save → close cycles and 10 000 conversions, wsd's and forkit's
//! footprint before and after (tests/src/soak.rs).
//!
//! usage: oxool-bench [--quick] [--editing-only] [--spawn-only] [--memory-only] [--burst]
//!                    [--capacity N[,N…]] [--cluster] [--soak]
//! (run it from a release build: `make bench`)

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use oxool_proto::{Frame, Message};
use oxool_tests::bench::{ms, report, smaps_rollup_kib, summarize, Summary};
use oxool_tests::bench_editing::EditingPlan;
use oxool_tests::http::convert;
use oxool_tests::server::{Server, ServerOptions};
use oxool_wsd::config::{Config, KitEntry};
use oxool_wsd::kit::forkit_client::ForkitClient;
use oxool_wsd::kit::KitSpawner;

struct Plan {
    spawns: usize,
    conversions: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let quick = std::env::args().any(|a| a == "--quick");
    let editing = if quick {
        EditingPlan { loads: 8, keys: 40 }
    } else {
        EditingPlan {
            loads: 30,
            keys: 200,
        }
    };
    if std::env::args().any(|a| a == "--soak") {
        println!("# oxool-bench ({} build, {} CPUs)", profile(), num_cpus());
        let (cycles, conversions) = if quick { (40, 400) } else { (1000, 10_000) };
        return oxool_tests::soak::run(cycles, conversions).await;
    }
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--capacity") {
        println!("# oxool-bench ({} build, {} CPUs)", profile(), num_cpus());
        let counts: Vec<usize> = args
            .get(at + 1)
            .map(|list| {
                list.split(',')
                    .filter_map(|n| n.trim().parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        anyhow::ensure!(!counts.is_empty(), "--capacity wants N[,N…], e.g. 10,20,50");
        let typing = Duration::from_secs(if quick { 20 } else { 60 });
        return oxool_tests::capacity::run(&counts, typing).await;
    }
    if std::env::args().any(|a| a == "--burst") {
        println!("# oxool-bench ({} build, {} CPUs)", profile(), num_cpus());
        return oxool_tests::bench_burst::run(quick).await;
    }
    if std::env::args().any(|a| a == "--cluster") {
        println!("# oxool-bench ({} build, {} CPUs)", profile(), num_cpus());
        let plan = oxool_tests::bench_cluster::ClusterPlan {
            conversions: if quick { 12 } else { 48 },
            clients: 4,
            keys: editing.keys,
        };
        return oxool_tests::bench_cluster::run(plan).await;
    }
    if std::env::args().any(|a| a == "--png") {
        println!("# oxool-bench ({} build, {} CPUs)", profile(), num_cpus());
        return oxool_tests::bench_png::run(quick).await;
    }
    if std::env::args().any(|a| a == "--editing-only") {
        println!("# oxool-bench ({} build, {} CPUs)", profile(), num_cpus());
        return oxool_tests::bench_editing::run(editing).await;
    }
    let plan = if quick {
        Plan {
            spawns: 10,
            conversions: 6,
        }
    } else {
        Plan {
            spawns: 60,
            conversions: 24,
        }
    };
    let scratch = tempfile::Builder::new().prefix("oxool-bench-").tempdir()?;
    println!("# oxool-bench ({} build, {} CPUs)", profile(), num_cpus());

    if std::env::args().any(|a| a == "--memory-only") {
        return idle_kit_memories(scratch.path()).await;
    }
    let miss_config = forkit_config(scratch.path(), "miss", 0)?;
    let miss = miss_latencies(&miss_config, plan.spawns).await?;
    // The same miss with the zygote's memory in small pages, and with no spelling languages
    // (no dictionaries preloaded): both change how much page table every fork copies
    // (docs/benchmarks.md, "Huge pages for the zygote").
    let mut small_pages_config = forkit_config(scratch.path(), "miss-small", 0)?;
    small_pages_config.kit.huge_pages = false;
    let small_pages = miss_latencies(&small_pages_config, plan.spawns).await?;
    let mut bare_config = forkit_config(scratch.path(), "miss-bare", 0)?;
    bare_config.kit.languages.clear();
    let bare = miss_latencies(&bare_config, plan.spawns).await?;
    let bwrap = bwrap_latencies(&miss_config, plan.spawns)?;
    report("(a) prespawn miss: SpawnKit → jailed kit ready", &miss);
    report("(a) the same, kit.huge_pages = false", &small_pages);
    println!(
        "(a) ratio huge pages p50 / small pages p50 = {:.2}",
        ms(miss.p50) / ms(small_pages.p50)
    );
    report("(a) the same, kit.languages = [] (no dictionaries)", &bare);
    report(
        "(a) anchor: bwrap with equivalent binds, spawn → exit",
        &bwrap,
    );
    println!(
        "(a) ratio bwrap p50 / oxool p50 = {:.2}",
        ms(bwrap.p50) / ms(miss.p50)
    );
    if std::env::args().any(|a| a == "--spawn-only") {
        return Ok(());
    }

    let hit_config = forkit_config(scratch.path(), "hit", 1)?;
    let forkit = ForkitClient::start(&hit_config).await?;
    let hit = spawn_latencies(&forkit, plan.spawns, Some(())).await?;
    report("(b) prespawn hit: SpawnKit round trip", &hit);
    drop(forkit);

    let document = oxool_tests::fixture("bench-7pages.docx");
    for clients in [1usize, 2] {
        let (lat, wall) = oxool_conversions(&document, plan.conversions, clients)?;
        let ours = summarize(&lat);
        let ours_tp = lat.len() as f64 / wall.as_secs_f64();
        report(
            &format!("(c) oxool convert-to docx→pdf, {clients} client(s)"),
            &ours,
        );
        println!("    throughput {ours_tp:.2} docs/s");
        match unoserver(&document, plan.conversions, clients) {
            Ok((lat, wall)) => {
                let theirs = summarize(&lat);
                let theirs_tp = lat.len() as f64 / wall.as_secs_f64();
                report(
                    &format!("(c) anchor: unoserver docx→pdf, {clients} client(s)"),
                    &theirs,
                );
                println!(
                    "    throughput {theirs_tp:.2} docs/s; oxool/unoserver = {:.2}×",
                    ours_tp / theirs_tp
                );
            }
            Err(err) => println!("(c) anchor unoserver unavailable: {err:#}"),
        }
    }

    idle_kit_memories(scratch.path()).await?;
    oxool_tests::bench_editing::run(editing).await
}

/// (d) with the default languages and with none, to show what the preloaded dictionaries cost.
async fn idle_kit_memories(scratch: &Path) -> anyhow::Result<()> {
    let pss_config = forkit_config(scratch, "pss", 0)?;
    let forkit = ForkitClient::start(&pss_config).await?;
    idle_kit_memory(&forkit, 10, "default languages").await?;
    drop(forkit);
    let mut bare_config = forkit_config(scratch, "pss-bare", 0)?;
    bare_config.kit.languages.clear();
    let forkit = ForkitClient::start(&bare_config).await?;
    idle_kit_memory(&forkit, 10, "kit.languages = []").await
}

fn profile() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

fn num_cpus() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

fn forkit_config(scratch: &Path, name: &str, prespawn: u32) -> anyhow::Result<Config> {
    let systemplate = scratch.join("systemplate");
    oxool_tests::standalone_forkit_config(
        &scratch.join(name),
        &systemplate,
        KitEntry::Lok,
        prespawn,
    )
}

/// A forkit with `config` and no pool: SpawnKit latencies of `n` misses, and where they went.
async fn miss_latencies(config: &Config, n: usize) -> anyhow::Result<Summary> {
    let forkit = ForkitClient::start(config).await?;
    let miss = spawn_latencies(&forkit, n, None).await?;
    print_spawn_breakdown(&forkit).await?;
    Ok(miss)
}

/// Times SpawnKit `n` times after a warm-up. With `pool` set, waits until forkit's pool is
/// refilled before each call (a hit); otherwise the pool is empty (prespawn 0: a miss).
async fn spawn_latencies(
    forkit: &Arc<ForkitClient>,
    n: usize,
    pool: Option<()>,
) -> anyhow::Result<Summary> {
    let mut samples = Vec::with_capacity(n);
    for round in 0..n + 3 {
        if pool.is_some() {
            wait_for_pool(forkit).await?;
        } else {
            // A kit's exit (tearing down a copy of preinitialised LibreOffice) costs about as
            // much CPU as its fork: let the previous one finish so it does not compete.
            wait_for_exits(forkit).await?;
        }
        let started = Instant::now();
        let kit = forkit.spawn_kit().await?;
        let elapsed = started.elapsed();
        if round >= 3 {
            samples.push(elapsed);
        }
        drop(kit);
    }
    Ok(summarize(&samples))
}

async fn wait_for_exits(forkit: &Arc<ForkitClient>) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let stats = forkit.stats().await?;
        if stats.exited >= stats.handed_out {
            tokio::time::sleep(Duration::from_millis(10)).await;
            return Ok(());
        }
        anyhow::ensure!(Instant::now() < deadline, "kits did not exit");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

async fn wait_for_pool(forkit: &Arc<ForkitClient>) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if forkit.stats().await?.ready_in_pool >= 1 {
            // Let the kit that was just handed out finish exiting, off the measured path.
            tokio::time::sleep(Duration::from_millis(20)).await;
            return Ok(());
        }
        anyhow::ensure!(Instant::now() < deadline, "the pool did not refill");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// bubblewrap with the binds a kit gets (systemplate at /, LibreOffice and the other read-only
/// host paths, a tmpfs /tmp, user/net/ipc/uts namespaces), plus /usr to have a `true` to run.
fn bwrap_latencies(config: &Config, n: usize) -> anyhow::Result<Summary> {
    let mut args: Vec<String> = [
        "--unshare-user",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--die-with-parent",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for entry in std::fs::read_dir(&config.kit.systemplate)? {
        let path = entry?.path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        args.extend([
            "--ro-bind".into(),
            path.display().to_string(),
            format!("/{name}"),
        ]);
    }
    args.extend(["--ro-bind".into(), "/usr".into(), "/usr".into()]);
    args.extend(["--symlink".into(), "usr/lib64".into(), "/lib64".into()]);
    args.extend(["--symlink".into(), "usr/lib".into(), "/lib".into()]);
    for path in oxool_systemplate::default_ro_binds() {
        if path.starts_with("/usr") {
            continue; // already inside the /usr bind
        }
        let p = path.display().to_string();
        args.extend(["--ro-bind".into(), p.clone(), p]);
    }
    args.extend(["--tmpfs".into(), "/tmp".into(), "/usr/bin/true".into()]);
    let mut samples = Vec::new();
    for round in 0..n + 3 {
        let started = Instant::now();
        let status = Command::new("bwrap").args(&args).status()?;
        let elapsed = started.elapsed();
        anyhow::ensure!(status.success(), "bwrap failed: {status}");
        if round >= 3 {
            samples.push(elapsed);
        }
    }
    Ok(summarize(&samples))
}

fn oxool_conversions(
    document: &Path,
    n: usize,
    clients: usize,
) -> anyhow::Result<(Vec<Duration>, Duration)> {
    let server = Server::start(ServerOptions {
        prespawn: 2,
        max_concurrent: 2,
        queue_length: 8,
        ..Default::default()
    })?;
    let bytes = std::fs::read(document)?;
    let base = server.url("");
    for _ in 0..2 {
        let r = convert(&base, "bench.docx", &bytes, "pdf")?;
        anyhow::ensure!(r.status == 200, "warm-up conversion failed: {}", r.text());
    }
    let started = Instant::now();
    let per_client = n / clients;
    let results: Vec<anyhow::Result<Vec<Duration>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..clients)
            .map(|_| {
                scope.spawn(|| {
                    let mut lat = Vec::new();
                    for _ in 0..per_client {
                        let t0 = Instant::now();
                        let r = convert(&base, "bench.docx", &bytes, "pdf")?;
                        anyhow::ensure!(
                            r.status == 200 && r.body.starts_with(b"%PDF"),
                            "conversion failed: {}",
                            r.text()
                        );
                        lat.push(t0.elapsed());
                    }
                    Ok(lat)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("client thread"))
            .collect()
    });
    let wall = started.elapsed();
    let mut all = Vec::new();
    for r in results {
        all.extend(r?);
    }
    Ok((all, wall))
}

/// unoserver (PyPI) with Debian's python3-uno, in a virtualenv under build/.
fn unoserver(
    document: &Path,
    n: usize,
    clients: usize,
) -> anyhow::Result<(Vec<Duration>, Duration)> {
    let venv = oxool_tests::repo_root().join("build/bench-venv");
    if !venv.join("bin/unoserver").exists() {
        let ok = Command::new("/usr/bin/python3")
            .args(["-m", "venv", "--system-site-packages"])
            .arg(&venv)
            .status()?
            .success()
            && Command::new(venv.join("bin/pip"))
                .args(["install", "-q", "unoserver"])
                .status()?
                .success();
        anyhow::ensure!(ok, "could not install unoserver into {}", venv.display());
    }
    let script: PathBuf = oxool_tests::repo_root().join("tests/bench/unoserver_bench.py");
    let port = free_port()?;
    let uno_port = free_port()?;
    let out = Command::new(venv.join("bin/python3"))
        .arg(script)
        .arg(document)
        .args([
            n.to_string(),
            clients.to_string(),
            port.to_string(),
            uno_port.to_string(),
        ])
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "unoserver bench: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(out.stdout.trim_ascii())?;
    let lat = json["latencies_ms"]
        .as_array()
        .ok_or_else(|| anyhow::anyhow!("no latencies"))?
        .iter()
        .filter_map(|v| v.as_f64())
        .map(|m| Duration::from_secs_f64(m / 1000.0))
        .collect();
    let wall = Duration::from_secs_f64(json["wall_s"].as_f64().unwrap_or(1.0));
    Ok((lat, wall))
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Ten kits, each with the small docx loaded and idle; PSS read from smaps_rollup. PSS splits a
/// shared page among the processes that map it, so a kit's figure includes its share of what the
/// zygote preloaded; the total over the zygote and its kits is what the host really spends.
async fn idle_kit_memory(
    forkit: &Arc<ForkitClient>,
    count: usize,
    label: &str,
) -> anyhow::Result<()> {
    let bytes = std::fs::read(oxool_tests::fixture("simple.docx"))?;
    let mut kits = Vec::new();
    for _ in 0..count {
        let mut kit = forkit.spawn_kit().await?;
        let load = Message::new("load").arg("name", "simple.docx");
        Frame::with_payload(load.render(), bytes.clone())
            .write_async(&mut kit.stream)
            .await?;
        let answer = Frame::read_async(&mut kit.stream, 1 << 20).await?;
        anyhow::ensure!(
            answer.name() == "loaded",
            "kit answered {:?}",
            answer.header
        );
        kits.push(kit);
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let pss: Vec<u64> = kits
        .iter()
        .filter_map(|k| smaps_rollup_kib(k.pid, "Pss"))
        .collect();
    let dirty: Vec<u64> = kits
        .iter()
        .filter_map(|k| smaps_rollup_kib(k.pid, "Private_Dirty"))
        .collect();
    anyhow::ensure!(
        pss.len() == count,
        "could not read every kit's smaps_rollup"
    );
    let mean = |v: &[u64]| v.iter().sum::<u64>() as f64 / v.len() as f64 / 1024.0;
    println!(
        "(d) idle kit with simple.docx loaded, {count} alive, {label}: PSS mean {:.1} MiB (max {:.1}), Private_Dirty mean {:.1} MiB",
        mean(&pss),
        *pss.iter().max().unwrap() as f64 / 1024.0,
        mean(&dirty)
    );
    if let Some(zygote) = kits.first().and_then(|k| parent_pid(k.pid)) {
        let kib = |field| smaps_rollup_kib(zygote, field).unwrap_or(0);
        let total = kib("Pss") + pss.iter().sum::<u64>();
        println!(
            "    zygote: Rss {:.1} MiB, Anonymous {:.1} MiB, PSS {:.1} MiB; zygote + {count} kits: PSS {:.1} MiB",
            kib("Rss") as f64 / 1024.0,
            kib("Anonymous") as f64 / 1024.0,
            kib("Pss") as f64 / 1024.0,
            total as f64 / 1024.0
        );
    }
    Ok(())
}

/// The parent of a process as the host sees it (a kit's is the zygote that forked it).
fn parent_pid(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

/// Where a miss goes, from forkit's own counters (means over every kit it spawned).
async fn print_spawn_breakdown(forkit: &Arc<ForkitClient>) -> anyhow::Result<()> {
    let stats = forkit.stats().await?;
    let spawned = (stats.spawned as f64).max(1.0);
    let mean_ms = |sum_us: u64| sum_us as f64 / spawned / 1000.0;
    println!(
        "    forkit means: fork {:.2} ms, cgroup steps around it {:.2} ms, jail setup in the kit \
         {:.2} ms, fork → ready read {:.2} ms",
        mean_ms(stats.fork_us_sum),
        mean_ms(stats.cgroup_us_sum),
        mean_ms(stats.jail_setup_us_sum),
        mean_ms(stats.spawn_to_ready_us_sum)
    );
    Ok(())
}
