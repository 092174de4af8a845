//! (j) `oxool-bench --cluster`: oxool servers behind Debian's HAProxy with the shipped
//! configuration (docs/haproxy/oxool.cfg, tests/src/balancer.rs), the independent WOPI host.
//!
//! - convert-to docx → pdf throughput, `clients` requests at a time, straight to one server and
//!   through the balancer with 1, 2 and 3 servers behind it (the others' places point at ports
//!   nothing listens on, so HAProxy holds them down);
//! - key typed in session A → repainted tile received by session B, straight to a server and
//!   through the balancer (both sessions on the server the document hashes to), alternately.
//!
//! All servers share the machine's cores: the figures show the balancer's cost and that the
//! conversions spread, not how a cluster of real machines scales.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::balancer::Balancer;
use crate::bench::report;
use crate::bench::{ms, summarize};
use crate::bench_editing::key_to_tile;
use crate::server::{free_port, Server, ServerOptions};
use crate::wopi_host::{WopiHost, WopiHostOptions};

pub struct ClusterPlan {
    /// Conversions per throughput figure.
    pub conversions: usize,
    /// Requests in flight at once.
    pub clients: usize,
    /// Keys per key → tile figure.
    pub keys: usize,
}

pub async fn run(plan: ClusterPlan) -> anyhow::Result<()> {
    let host = WopiHost::start(WopiHostOptions::default())?;
    let ports = [(); 3].map(|_| free_port().expect("a free port"));
    let mut servers = Vec::new();
    for port in ports {
        servers.push(Server::start(ServerOptions {
            prespawn: 2,
            port: Some(port),
            wopi_hosts: vec![host.base()],
            editing_toml: Some("autosave_secs = 0\nidle_save_secs = 0".into()),
            ..Default::default()
        })?);
    }
    let document = std::fs::read(crate::fixture("simple.docx"))?;
    // A first round warms every server (its first conversions are colder than the rest).
    let all = balancer_with(&ports, 3)?;
    throughput(&all.url(""), &document, plan.clients * 3, plan.clients)?;
    drop(all);

    let direct = throughput(
        &servers[0].url(""),
        &document,
        plan.conversions,
        plan.clients,
    )?;
    println!(
        "(j) convert-to docx → pdf, {} clients, straight to one server: {:.2} docs/s (p50 {:.0} ms)",
        plan.clients, direct.0, direct.1
    );
    for hosts in 1..=3 {
        let balancer = balancer_with(&ports, hosts)?;
        let (rate, p50) = throughput(&balancer.url(""), &document, plan.conversions, plan.clients)?;
        println!(
            "(j) convert-to docx → pdf, {} clients, HAProxy + {hosts} server(s): {rate:.2} docs/s \
             (p50 {p50:.0} ms)",
            plan.clients
        );
    }

    let balancer = balancer_with(&ports, 3)?;
    let mut direct = Vec::new();
    let mut balanced = Vec::new();
    for round in 0..2 {
        for through_balancer in [false, true] {
            let name = format!("keys-{round}-{through_balancer}.docx");
            host.add_document(&name, &document)?;
            let port = if through_balancer {
                balancer.port
            } else {
                servers[round % 3].port
            };
            let typing = key_to_tile(&host, port, &name, plan.keys, false, true).await?;
            let samples = if through_balancer {
                &mut balanced
            } else {
                &mut direct
            };
            samples.push(typing.latency);
        }
    }
    for (label, runs) in [
        ("straight to a server", &direct),
        ("through HAProxy", &balanced),
    ] {
        for summary in runs {
            report(
                &format!("(j) key in A → repainted tile in B, {label}"),
                summary,
            );
        }
    }
    let p50 = |runs: &Vec<crate::bench::Summary>| {
        runs.iter().map(|s| ms(s.p50)).sum::<f64>() / runs.len() as f64
    };
    println!(
        "(j) HAProxy's cost on key → tile: {:+.2} ms at p50 (mean of the runs' p50)",
        p50(&balanced) - p50(&direct)
    );
    Ok(())
}

/// A balancer whose first `hosts` servers are `ports`' servers and the others nothing.
fn balancer_with(ports: &[u16; 3], hosts: usize) -> anyhow::Result<Balancer> {
    let mut behind = *ports;
    for place in behind.iter_mut().skip(hosts) {
        *place = free_port()?;
    }
    let balancer = Balancer::start(&behind)?;
    for index in 0..3 {
        balancer.wait_until(index, index < hosts)?;
    }
    Ok(balancer)
}

/// `n` conversions, `clients` at a time: (documents per second, p50 latency in ms).
fn throughput(base: &str, document: &[u8], n: usize, clients: usize) -> anyhow::Result<(f64, f64)> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (next, base, document) = (Arc::clone(&next), base.to_string(), document.to_vec());
            std::thread::spawn(move || -> anyhow::Result<Vec<Duration>> {
                let mut latencies = Vec::new();
                while next.fetch_add(1, Ordering::Relaxed) < n {
                    let at = Instant::now();
                    let answer = crate::http::convert(&base, "a.docx", &document, "pdf")?;
                    anyhow::ensure!(answer.status == 200, "convert-to: {}", answer.text());
                    latencies.push(at.elapsed());
                }
                Ok(latencies)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for worker in workers {
        let done = worker
            .join()
            .map_err(|_| anyhow::anyhow!("a client panicked"))??;
        latencies.extend(done);
    }
    let elapsed = started.elapsed().as_secs_f64();
    Ok((n as f64 / elapsed, ms(summarize(&latencies).p50)))
}
