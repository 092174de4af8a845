//! forkit's prespawn pool follows demand (issue 15.4; forkit/src/frontend/pool_sizing.rs): after a
//! run of SpawnKit calls the pool grows above `kit.prespawn`, and a burst as large as the grown
//! pool is then served entirely from it (forkit's own hit and miss counters say so, no timing is
//! judged). With `kit.prespawn_adaptive = false` the same run leaves the pool at `kit.prespawn`.

use std::sync::Arc;
use std::time::Duration;

use oxool_tests::bench_burst::{forkit_counter, wait_for_ready};
use oxool_tests::eventually::eventually_async;
use oxool_wsd::config::KitEntry;
use oxool_wsd::kit::forkit_client::ForkitClient;
use oxool_wsd::kit::KitSpawner;

const DEADLINE: Duration = Duration::from_secs(90);
const PRESPAWN: u32 = 1;

/// A forkit in `scratch`, its pool filled to `PRESPAWN`; `cpu_idle` is `kit.cpu_idle`.
async fn start_forkit(
    scratch: &tempfile::TempDir,
    name: &str,
    adaptive: bool,
    cpu_idle: bool,
) -> Arc<ForkitClient> {
    let mut config = oxool_tests::standalone_forkit_config(
        &scratch.path().join(name),
        &scratch.path().join("systemplate"),
        KitEntry::Lok,
        PRESPAWN,
    )
    .unwrap();
    config.kit.prespawn_adaptive = adaptive;
    config.kit.cpu_idle = cpu_idle;
    let forkit = ForkitClient::start(&config).await.unwrap();
    wait_for_ready(&forkit, u64::from(PRESPAWN)).await.unwrap();
    forkit
}

/// A forkit with an adaptive pool or a fixed one, in a scratch directory of its own (returned,
/// to live as long as the forkit), after [`take_in_a_row`].
async fn forkit_after_a_run(adaptive: bool) -> (tempfile::TempDir, Arc<ForkitClient>) {
    let name = if adaptive { "adaptive" } else { "fixed" };
    let scratch = tempfile::Builder::new()
        .prefix(&format!("oxool-prespawn-{name}-"))
        .tempdir()
        .unwrap();
    let forkit = start_forkit(&scratch, name, adaptive, false).await;
    take_in_a_row(&forkit).await;
    (scratch, forkit)
}

/// Thirty kits taken one after the other, as fast as forkit hands them out, each closed at once.
async fn take_in_a_row(forkit: &ForkitClient) {
    for _ in 0..30 {
        let kit = forkit.spawn_kit().await.unwrap();
        drop(kit);
    }
}

/// The pool's target once it holds still (three reads a second apart agree, so the fast rate of
/// the run before has faded) and the pool has filled up to it.
async fn settled_target(forkit: &ForkitClient) -> u64 {
    let seen = std::cell::RefCell::new(Vec::new());
    eventually_async("the pool to settle at its target", DEADLINE, || {
        let seen = &seen;
        async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let target = forkit_counter(forkit, |s| s.pool_target).await.ok()?;
            let ready = forkit_counter(forkit, |s| s.ready_in_pool).await.ok()?;
            let mut seen = seen.borrow_mut();
            seen.push(target);
            let last = &seen[seen.len().saturating_sub(3)..];
            (last.len() == 3 && last.iter().all(|t| *t == target) && ready >= target)
                .then_some(target)
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_above_the_minimum_is_served_from_the_grown_pool() {
    let (_scratch, forkit) = forkit_after_a_run(true).await;
    let target = settled_target(&forkit).await;
    assert!(
        target > u64::from(PRESPAWN),
        "after 30 kits in a row the pool should have grown above prespawn = {PRESPAWN}, \
         its target is {target}"
    );

    let hits = forkit_counter(&forkit, |s| s.pool_hits).await.unwrap();
    let misses = forkit_counter(&forkit, |s| s.pool_misses).await.unwrap();
    let burst: Vec<_> = (0..target)
        .map(|_| {
            let forkit = Arc::clone(&forkit);
            tokio::spawn(async move { forkit.spawn_kit().await })
        })
        .collect();
    let mut kits = Vec::new();
    for request in burst {
        kits.push(request.await.unwrap().unwrap());
    }
    let pids: std::collections::HashSet<u32> = kits.iter().map(|kit| kit.pid).collect();
    assert_eq!(pids.len(), target as usize, "every request got its own kit");
    assert_eq!(
        forkit_counter(&forkit, |s| s.pool_misses).await.unwrap() - misses,
        0,
        "a burst of {target} (the grown pool) must not wait for a fork"
    );
    assert_eq!(
        forkit_counter(&forkit, |s| s.pool_hits).await.unwrap() - hits,
        target
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fixed_pool_stays_at_prespawn() {
    let (_scratch, forkit) = forkit_after_a_run(false).await;
    assert_eq!(settled_target(&forkit).await, u64::from(PRESPAWN));
    let spawned = forkit_counter(&forkit, |s| s.spawned).await.unwrap();
    let handed_out = forkit_counter(&forkit, |s| s.handed_out).await.unwrap();
    assert_eq!(handed_out, 30);
    assert_eq!(
        spawned,
        handed_out + u64::from(PRESPAWN),
        "a fixed pool only replaces what was taken"
    );
}

/// The directory that holds a kit's cgroup in the hierarchy with the cpu controller (v1's cpu
/// hierarchy, or cgroup v2 where the kit's cgroup has `cpu.idle`).
fn kits_cpu_group(kit_pid: u32) -> Option<std::path::PathBuf> {
    let cgroups = std::fs::read_to_string(format!("/proc/{kit_pid}/cgroup")).ok()?;
    cgroups.lines().find_map(|line| {
        let mut fields = line.splitn(3, ':');
        let (_, controllers, path) = (fields.next()?, fields.next()?, fields.next()?);
        if !controllers.is_empty() && !controllers.split(',').any(|c| c == "cpu") {
            return None;
        }
        Some(oxool_tests::soak::hierarchy_root(controllers)?.join(path.trim_start_matches('/')))
            .filter(|dir| dir.join("cpu.idle").exists())
            .and_then(|dir| dir.parent().map(std::path::Path::to_path_buf))
    })
}

/// `kit.cpu_idle` makes the group of all kits idle-class (docs/config.md): the kit handed out
/// sits in a group whose `cpu.idle` is 1, and a forkit without the setting leaves it at 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kit_cpu_idle_makes_the_group_of_kits_idle_class() {
    for idle in [true, false] {
        let scratch = tempfile::Builder::new()
            .prefix("oxool-prespawn-idle-")
            .tempdir()
            .unwrap();
        let forkit = start_forkit(&scratch, "forkit", false, idle).await;
        let kit = forkit.spawn_kit().await.unwrap();
        let group = kits_cpu_group(kit.pid);
        let missing = group.is_none().then(|| {
            format!(
                "kit {} is in no cgroup with the cpu controller (cgroup v1's cpu hierarchy, \
                 or cgroup v2 with cpu delegated)",
                kit.pid
            )
        });
        if oxool_tests::environment::skip_without("kit_cpu_idle", missing) {
            return;
        }
        let group = group.expect("checked above");
        let value = std::fs::read_to_string(group.join("cpu.idle")).unwrap();
        assert_eq!(
            value.trim(),
            if idle { "1" } else { "0" },
            "cpu.idle of {} with kit.cpu_idle = {idle}",
            group.display()
        );
        drop(kit);
    }
}
