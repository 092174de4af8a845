//! Small statistics and process-memory helpers for oxool-bench.

use std::time::Duration;

pub struct Summary {
    pub n: usize,
    pub p50: Duration,
    pub p95: Duration,
    pub min: Duration,
}

pub fn summarize(samples: &[Duration]) -> Summary {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let at = |q: f64| sorted[((sorted.len() as f64 - 1.0) * q).round() as usize];
    Summary {
        n: sorted.len(),
        p50: at(0.5),
        p95: at(0.95),
        min: sorted[0],
    }
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Prints one line: `label`, the count, the median, the 95th percentile and the minimum.
pub fn report(label: &str, s: &Summary) {
    println!(
        "{label}: n={} p50={:.2} ms p95={:.2} ms min={:.2} ms",
        s.n,
        ms(s.p50),
        ms(s.p95),
        ms(s.min)
    );
}

/// A field of /proc/<pid>/smaps_rollup in KiB (e.g. "Pss", "Private_Dirty").
pub fn smaps_rollup_kib(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().trim_end_matches("kB").trim().parse().ok()
    })
}
