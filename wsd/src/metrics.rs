//! Counters for `GET /metrics`, rendered in the Prometheus text format.
//!
//! Plain atomics, no registry crate: the set is small and fixed. Gauges that already live
//! elsewhere (running and queued conversions) are read from [`Admission`] at render time, so
//! there is one source of truth for them.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::admission::Admission;

/// How a convert-to request ended; one counter each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Converted,
    /// The request itself was wrong (400, 403, 413).
    Refused,
    /// 503 because the queue was full.
    QueueFull,
    /// No kit could be had from forkit.
    SpawnFailed,
    /// The kit answered with an error (a document that does not load, an impossible format, …).
    KitError,
    Timeout,
    Crashed,
}

impl Outcome {
    /// Every way a conversion ends; `conversions_total` is their sum.
    pub const ALL: [Outcome; 7] = [
        Outcome::Converted,
        Outcome::Refused,
        Outcome::QueueFull,
        Outcome::SpawnFailed,
        Outcome::KitError,
        Outcome::Timeout,
        Outcome::Crashed,
    ];

    fn label(self) -> &'static str {
        match self {
            Outcome::Converted => "converted",
            Outcome::Refused => "refused",
            Outcome::QueueFull => "queue_full",
            Outcome::SpawnFailed => "spawn_failed",
            Outcome::KitError => "kit_error",
            Outcome::Timeout => "timeout",
            Outcome::Crashed => "crashed",
        }
    }
}

/// Fails to compile when an outcome is added that [`Outcome::ALL`] does not list.
const _: fn(Outcome) = |outcome| match outcome {
    Outcome::Converted
    | Outcome::Refused
    | Outcome::QueueFull
    | Outcome::SpawnFailed
    | Outcome::KitError
    | Outcome::Timeout
    | Outcome::Crashed => {}
};

/// Upper bounds (seconds) of the kit spawn latency buckets: a prespawned kit is a few
/// milliseconds away, a cold fork with jail setup tens of milliseconds, a struggling forkit more.
const SPAWN_BUCKETS: [f64; 8] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

#[derive(Debug, Default)]
pub struct Metrics {
    outcomes: [AtomicU64; Outcome::ALL.len()],
    spawn_buckets: [AtomicU64; SPAWN_BUCKETS.len()],
    spawn_count: AtomicU64,
    spawn_micros: AtomicU64,
}

impl Metrics {
    pub fn record(&self, outcome: Outcome) {
        self.outcomes[outcome as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub fn count(&self, outcome: Outcome) -> u64 {
        self.outcomes[outcome as usize].load(Ordering::Relaxed)
    }

    /// A kit arrived from forkit after `latency`.
    pub fn record_spawn(&self, latency: Duration) {
        self.spawn_count.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.spawn_micros.fetch_add(micros, Ordering::Relaxed);
        let seconds = latency.as_secs_f64();
        if let Some(index) = SPAWN_BUCKETS.iter().position(|bound| seconds <= *bound) {
            self.spawn_buckets[index].fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn render(&self, admission: &Admission) -> String {
        let mut out = String::new();
        out.push_str("# HELP oxool_conversions_total Convert-to requests by how they ended.\n");
        out.push_str("# TYPE oxool_conversions_total counter\n");
        for outcome in Outcome::ALL {
            let _ = writeln!(
                out,
                "oxool_conversions_total{{outcome=\"{}\"}} {}",
                outcome.label(),
                self.count(outcome)
            );
        }
        gauge(
            &mut out,
            "oxool_conversions_in_flight",
            "Conversions holding a slot.",
            admission.running(),
        );
        gauge(
            &mut out,
            "oxool_conversions_queued",
            "Conversions waiting for a slot.",
            admission.queued(),
        );
        out.push_str(
            "# HELP oxool_conversions_rejected_total Requests answered 503, queue full.\n",
        );
        out.push_str("# TYPE oxool_conversions_rejected_total counter\n");
        let _ = writeln!(
            out,
            "oxool_conversions_rejected_total {}",
            self.count(Outcome::QueueFull)
        );
        self.render_spawn_histogram(&mut out);
        out
    }

    fn render_spawn_histogram(&self, out: &mut String) {
        out.push_str("# HELP oxool_kit_spawn_seconds Time to get a jailed kit from forkit.\n");
        out.push_str("# TYPE oxool_kit_spawn_seconds histogram\n");
        let mut cumulative = 0;
        for (bound, bucket) in SPAWN_BUCKETS.iter().zip(&self.spawn_buckets) {
            cumulative += bucket.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "oxool_kit_spawn_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
            );
        }
        let count = self.spawn_count.load(Ordering::Relaxed);
        let _ = writeln!(out, "oxool_kit_spawn_seconds_bucket{{le=\"+Inf\"}} {count}");
        let seconds = self.spawn_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "oxool_kit_spawn_seconds_sum {seconds}");
        let _ = writeln!(out, "oxool_kit_spawn_seconds_count {count}");
    }
}

/// What a cluster's operator compares between servers (docs/cluster.md): the documents and
/// sessions open here, and whether this server drains.
pub fn render_serving(out: &mut String, documents: usize, sessions: usize, draining: bool) {
    gauge(
        out,
        "oxool_documents_open",
        "Documents open for editing.",
        documents,
    );
    gauge(
        out,
        "oxool_sessions",
        "Editing sessions joined to a document.",
        sessions,
    );
    gauge(
        out,
        "oxool_draining",
        "1 while the server drains (oxoolctl drain): no new documents.",
        usize::from(draining),
    );
}

fn gauge(out: &mut String, name: &str, help: &str, value: usize) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_gauges_and_histogram() {
        let metrics = Metrics::default();
        let admission = Admission::new(1, 1);
        let _running = admission.enter().unwrap();
        metrics.record(Outcome::Converted);
        metrics.record(Outcome::Converted);
        metrics.record(Outcome::QueueFull);
        metrics.record_spawn(Duration::from_millis(7));
        metrics.record_spawn(Duration::from_secs(60));
        let mut text = metrics.render(&admission);
        render_serving(&mut text, 3, 5, true);
        for line in [
            "oxool_documents_open 3\n",
            "oxool_sessions 5\n",
            "oxool_draining 1\n",
            "oxool_conversions_total{outcome=\"converted\"} 2\n",
            "oxool_conversions_total{outcome=\"timeout\"} 0\n",
            "oxool_conversions_rejected_total 1\n",
            "oxool_conversions_in_flight 1\n",
            "oxool_conversions_queued 0\n",
            "oxool_kit_spawn_seconds_bucket{le=\"0.005\"} 0\n",
            "oxool_kit_spawn_seconds_bucket{le=\"0.01\"} 1\n",
            "oxool_kit_spawn_seconds_bucket{le=\"5\"} 1\n",
            "oxool_kit_spawn_seconds_bucket{le=\"+Inf\"} 2\n",
            "oxool_kit_spawn_seconds_sum 60.007\n",
            "oxool_kit_spawn_seconds_count 2\n",
        ] {
            assert!(text.contains(line), "{line:?} in {text}");
        }
    }
}
