//! `oxool-bench --burst`: SpawnKit under bursts (issue 15.4).
//!
//! Drives forkit's `SpawnKit()` over the real peer-to-peer D-Bus, as wsd does, at a steady
//! average rate with Poisson arrivals (open loop: a request is sent at its time whether or not
//! the earlier ones have been answered), and reports the hand-out latency (p50, p95, p99, max) and
//! forkit's pool hits and misses. Two loads: document opens (10/s, each kit held a few seconds)
//! and conversions (20/s, each kit held a quarter of a second), each run against the
//! demand-sized pool and, as the anchor in the same run, the fixed-size pool of the same minimum
//! (`kit.prespawn_adaptive = false`), then the demand-sized pool with `kit.cpu_idle` (the kits'
//! group idle-class, docs/config.md).

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};

use crate::bench::ms;
use oxool_bus::forkit1::ForkitStats;
use oxool_wsd::config::KitEntry;
use oxool_wsd::kit::forkit_client::ForkitClient;
use oxool_wsd::kit::KitSpawner;

/// One load: requests per second and how long each handed-out kit lives.
#[derive(Clone, Copy)]
pub struct Load {
    pub label: &'static str,
    pub per_second: f64,
    pub hold: Duration,
}

pub const LOADS: [Load; 2] = [
    Load {
        label: "document opens",
        per_second: 10.0,
        hold: Duration::from_secs(3),
    },
    Load {
        label: "conversions",
        per_second: 20.0,
        hold: Duration::from_millis(250),
    },
];

/// One pool configuration the bench compares.
#[derive(Clone, Copy)]
pub struct PoolSetup {
    pub name: &'static str,
    pub label: &'static str,
    /// `kit.prespawn_adaptive`.
    pub adaptive: bool,
    /// `kit.cpu_idle`: kits (and the zygote's clones, made inside the new kit's cgroup) yield
    /// the CPU at once to the processes beside them, this bench's client and forkit among them.
    pub kits_idle: bool,
}

/// The fixed pool is the anchor; the demand-sized pool is the default; the last adds
/// `kit.cpu_idle`.
pub const POOLS: [PoolSetup; 3] = [
    PoolSetup {
        name: "fixed",
        label: "fixed (anchor)",
        adaptive: false,
        kits_idle: false,
    },
    PoolSetup {
        name: "adaptive",
        label: "demand-sized",
        adaptive: true,
        kits_idle: false,
    },
    PoolSetup {
        name: "adaptive-idle",
        label: "demand-sized, kit.cpu_idle",
        adaptive: true,
        kits_idle: true,
    },
];

/// Requests in the first seconds of a run are left out of the percentiles: the demand-sized pool
/// learns the rate from them.
const WARM_UP: Duration = Duration::from_secs(3);

/// What one run measured.
pub struct BurstResult {
    /// Hand-out latencies after the warm-up.
    pub latencies: Vec<Duration>,
    pub hits: u64,
    pub misses: u64,
    /// Misses after the warm-up.
    pub misses_after_warm_up: u64,
    /// The largest pool target forkit reported while the run went on.
    pub largest_target: u64,
    pub failures: usize,
    /// Round trips of forkit's `Stats()` sent between the hand-outs: the bus's own floor under
    /// the same load, the anchor for what the pool can reach.
    pub stats_round_trips: Vec<Duration>,
}

pub async fn run(quick: bool) -> anyhow::Result<()> {
    let duration = if quick {
        Duration::from_secs(10)
    } else {
        Duration::from_secs(30)
    };
    let scratch = tempfile::Builder::new()
        .prefix("oxool-bench-burst-")
        .tempdir()?;
    println!(
        "## burst: SpawnKit over peer-to-peer D-Bus, Poisson arrivals for {} s per run, \
         kit.prespawn = 1, first {} s left out of the percentiles",
        duration.as_secs(),
        WARM_UP.as_secs()
    );
    for load in LOADS {
        for pool in POOLS {
            let name = format!("burst-{}-{}", load.per_second as u32, pool.name);
            let mut config = crate::standalone_forkit_config(
                &scratch.path().join(&name),
                &scratch.path().join("systemplate"),
                KitEntry::Lok,
                1,
            )?;
            config.kit.prespawn_adaptive = pool.adaptive;
            config.kit.cpu_idle = pool.kits_idle;
            let forkit = ForkitClient::start(&config).await?;
            let result = drive(&forkit, load, duration).await?;
            drop(forkit);
            report(load, pool, &result);
        }
    }
    Ok(())
}

fn report(load: Load, pool: PoolSetup, result: &BurstResult) {
    println!(
        "(h) {} at {}/s, {} pool: {}; hits {} misses {} (after warm-up {}); \
         largest pool target {}; failed {}",
        load.label,
        load.per_second,
        pool.label,
        distribution(&result.latencies),
        result.hits,
        result.misses,
        result.misses_after_warm_up,
        result.largest_target,
        result.failures
    );
    println!(
        "    anchor: Stats() round trip on the same bus meanwhile: {}",
        distribution(&result.stats_round_trips)
    );
}

/// `n=… p50=… p95=… p99=… max=…` of some latencies.
fn distribution(latencies: &[Duration]) -> String {
    let mut sorted = latencies.to_vec();
    sorted.sort();
    let at = |q: f64| {
        sorted
            .get(((sorted.len() as f64 - 1.0) * q).round() as usize)
            .map_or(f64::NAN, |d| ms(*d))
    };
    format!(
        "n={} p50={:.2} ms p95={:.2} ms p99={:.2} ms max={:.2} ms",
        sorted.len(),
        at(0.5),
        at(0.95),
        at(0.99),
        at(1.0)
    )
}

/// One of forkit's counters, e.g. `|s| s.pool_hits`.
pub async fn forkit_counter(
    forkit: &ForkitClient,
    counter: fn(&ForkitStats) -> u64,
) -> anyhow::Result<u64> {
    Ok(counter(&forkit.stats().await?))
}

/// Waits until forkit's pool holds at least `ready` kits.
pub async fn wait_for_ready(forkit: &ForkitClient, ready: u64) -> anyhow::Result<()> {
    let filled = crate::eventually::poll_until_async(Duration::from_secs(60), || async move {
        let have = forkit_counter(forkit, |s| s.ready_in_pool).await.ok()?;
        (have >= ready).then_some(())
    })
    .await;
    anyhow::ensure!(filled.is_some(), "forkit's pool never held {ready} kits");
    Ok(())
}

/// Sends SpawnKit at Poisson arrival times for `duration`; each kit is held, then dropped (its
/// kit exits, as after a closed document or a finished conversion).
pub async fn drive(
    forkit: &Arc<ForkitClient>,
    load: Load,
    duration: Duration,
) -> anyhow::Result<BurstResult> {
    wait_for_ready(forkit, 1).await?;
    let hits_before = forkit_counter(forkit, |s| s.pool_hits).await?;
    let misses_before = forkit_counter(forkit, |s| s.pool_misses).await?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(154);
    let started = tokio::time::Instant::now();
    let mut at = Duration::ZERO;
    let mut requests = tokio::task::JoinSet::new();
    let mut largest_target = 0;
    let mut misses_at_warm_up = None;
    let mut next_stats = Duration::ZERO;
    let pinger = {
        let forkit = Arc::clone(forkit);
        tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(1540);
            let mut round_trips = Vec::new();
            let mut at = Duration::ZERO;
            loop {
                at += next_gap(&mut rng, load.per_second);
                if at >= duration {
                    return round_trips;
                }
                tokio::time::sleep_until(started + at).await;
                let sent = Instant::now();
                if forkit.stats().await.is_ok() && at >= WARM_UP {
                    round_trips.push(sent.elapsed());
                }
            }
        })
    };
    loop {
        at += next_gap(&mut rng, load.per_second);
        if at >= duration {
            break;
        }
        // Forkit's counters, read between requests (not on the measured path).
        while next_stats < at {
            tokio::time::sleep_until(started + next_stats).await;
            largest_target = largest_target.max(forkit_counter(forkit, |s| s.pool_target).await?);
            if misses_at_warm_up.is_none() && next_stats >= WARM_UP {
                misses_at_warm_up = Some(forkit_counter(forkit, |s| s.pool_misses).await?);
            }
            next_stats += Duration::from_millis(500);
        }
        tokio::time::sleep_until(started + at).await;
        let forkit = Arc::clone(forkit);
        let counted = at >= WARM_UP;
        requests.spawn(async move {
            let sent = Instant::now();
            let kit = forkit.spawn_kit().await;
            let took = sent.elapsed();
            let ok = kit.is_ok();
            tokio::time::sleep(load.hold).await;
            drop(kit);
            (counted, took, ok)
        });
    }
    let mut latencies = Vec::new();
    let mut failures = 0;
    while let Some(done) = requests.join_next().await {
        let (counted, took, ok) = done?;
        if !ok {
            failures += 1;
        } else if counted {
            latencies.push(took);
        }
    }
    let stats_round_trips = pinger.await?;
    let hits = forkit_counter(forkit, |s| s.pool_hits).await? - hits_before;
    let misses_total = forkit_counter(forkit, |s| s.pool_misses).await?;
    Ok(BurstResult {
        latencies,
        hits,
        misses: misses_total - misses_before,
        misses_after_warm_up: misses_total - misses_at_warm_up.unwrap_or(misses_before),
        largest_target,
        failures,
        stats_round_trips,
    })
}

/// The time to the next arrival of a Poisson process of `per_second` arrivals a second.
fn next_gap(rng: &mut impl Rng, per_second: f64) -> Duration {
    let u: f64 = rng.random();
    Duration::from_secs_f64(-(1.0 - u).ln() / per_second)
}
