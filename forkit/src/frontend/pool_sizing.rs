//! How many ready kits the pool keeps: sized from recent demand, between a floor and a ceiling.
//!
//! A take is served from the pool when fewer kits are taken during one refill (the time from
//! asking the zygote for a kit until that kit reports `ready`) than the pool holds. With takes
//! arriving at rate λ and a refill latency L, the takes during one refill are about Poisson with
//! mean λ·L, so the pool holds the smallest n for which more than n - 1 takes in one refill are
//! rarer than [`MISS_PROBABILITY`]. λ is the larger of a fast and a slow exponentially weighted
//! rate of takes (the fast one follows a burst within a second, the slow one keeps the pool up
//! through the pauses of a bursty load); L is an exponentially weighted mean of the measured
//! refill latencies, which grows by itself when the zygote has a queue. Everything here is a
//! function of the times it is given: no clock is read.

use std::time::Duration;

/// Acceptable chance that a take finds the pool empty.
pub const MISS_PROBABILITY: f64 = 0.001;
/// Time constant of the rate that follows a burst.
pub const FAST_RATE_TAU: Duration = Duration::from_secs(1);
/// Time constant of the rate that remembers recent bursts.
pub const SLOW_RATE_TAU: Duration = Duration::from_secs(30);
/// Weight of one new refill latency in its moving mean.
const REFILL_WEIGHT: f64 = 0.2;
/// The refill latency assumed before one is measured: a prespawn miss (docs/benchmarks.md).
pub const INITIAL_REFILL: Duration = Duration::from_millis(10);
/// The memory one waiting kit is counted at against `kit.prespawn_memory_mb`: the PSS of an idle
/// kit with a small document loaded (docs/benchmarks.md, (d)); an empty kit takes less.
pub const KIT_PSS_MB: u64 = 27;

/// Recent demand for kits. Times are seconds since any fixed origin.
#[derive(Debug, Clone)]
pub struct Demand {
    fast_rate: f64,
    slow_rate: f64,
    /// When the rates were last brought up to date.
    updated_at: f64,
    refill_s: f64,
}

impl Default for Demand {
    fn default() -> Self {
        Demand {
            fast_rate: 0.0,
            slow_rate: 0.0,
            updated_at: 0.0,
            refill_s: INITIAL_REFILL.as_secs_f64(),
        }
    }
}

impl Demand {
    fn decay_to(&mut self, now: f64) {
        let elapsed = (now - self.updated_at).max(0.0);
        self.fast_rate *= (-elapsed / FAST_RATE_TAU.as_secs_f64()).exp();
        self.slow_rate *= (-elapsed / SLOW_RATE_TAU.as_secs_f64()).exp();
        self.updated_at = self.updated_at.max(now);
    }

    /// One kit was taken at `now`.
    pub fn record_take(&mut self, now: f64) {
        self.decay_to(now);
        self.fast_rate += 1.0 / FAST_RATE_TAU.as_secs_f64();
        self.slow_rate += 1.0 / SLOW_RATE_TAU.as_secs_f64();
    }

    /// A kit asked for `latency` ago reported ready.
    pub fn record_refill(&mut self, latency: Duration) {
        self.refill_s += REFILL_WEIGHT * (latency.as_secs_f64() - self.refill_s);
    }

    /// Takes per second, as estimated at `now`.
    pub fn rate(&mut self, now: f64) -> f64 {
        self.decay_to(now);
        self.fast_rate.max(self.slow_rate)
    }

    pub fn refill(&self) -> Duration {
        Duration::from_secs_f64(self.refill_s)
    }
}

/// The ceiling a memory budget allows: at least the floor.
pub fn ceiling(floor: usize, memory_mb: u64) -> usize {
    floor.max((memory_mb / KIT_PSS_MB) as usize)
}

/// The pool size for `rate` takes per second and a refill latency of `refill`, within
/// `floor..=ceiling`: the smallest n with P(Poisson(rate·refill) ≥ n) ≤ [`MISS_PROBABILITY`].
pub fn target(floor: usize, ceiling: usize, rate: f64, refill: Duration) -> usize {
    let ceiling = ceiling.max(floor);
    let mean = rate * refill.as_secs_f64();
    // No demand (or a rate that is not a number): the floor.
    if mean.is_nan() || mean <= 0.0 {
        return floor;
    }
    // P(N ≥ n) = 1 - Σ_{k<n} P(N = k); walk n up until the tail is small enough.
    let mut probability = (-mean).exp();
    let mut below = 0.0;
    let mut n = 0;
    while n < ceiling {
        below += probability;
        n += 1;
        if 1.0 - below <= MISS_PROBABILITY {
            break;
        }
        probability *= mean / n as f64;
    }
    n.clamp(floor, ceiling)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_demand_keeps_the_floor() {
        assert_eq!(target(1, 9, 0.0, INITIAL_REFILL), 1);
        assert_eq!(target(3, 9, 0.0, INITIAL_REFILL), 3);
        assert_eq!(target(0, 9, 0.0, INITIAL_REFILL), 0);
    }

    #[test]
    fn the_target_is_the_poisson_quantile() {
        // mean 0.4: P(N ≥ 3) = 0.0079, P(N ≥ 4) = 0.00078.
        assert_eq!(target(0, 100, 20.0, Duration::from_millis(20)), 4);
        // mean 0.1: P(N ≥ 2) = 0.0047, P(N ≥ 3) = 0.00015.
        assert_eq!(target(0, 100, 10.0, Duration::from_millis(10)), 3);
        // A very low rate still wants one kit ready.
        assert_eq!(target(0, 100, 0.01, Duration::from_millis(10)), 1);
        // mean 5: P(N ≥ 13) = 0.0020, P(N ≥ 14) = 0.0007.
        assert_eq!(target(0, 100, 50.0, Duration::from_millis(100)), 14);
    }

    #[test]
    fn floor_and_ceiling_bound_it() {
        assert_eq!(target(6, 100, 20.0, Duration::from_millis(20)), 6);
        assert_eq!(target(1, 2, 50.0, Duration::from_millis(100)), 2);
        assert_eq!(
            target(5, 2, 50.0, Duration::from_millis(100)),
            5,
            "floor wins"
        );
        assert_eq!(ceiling(1, 256), 9);
        assert_eq!(ceiling(12, 256), 12);
        assert_eq!(ceiling(1, 0), 1);
    }

    #[test]
    fn the_rate_follows_a_burst_fast_and_forgets_it_slowly() {
        let mut demand = Demand::default();
        assert_eq!(demand.rate(0.0), 0.0);
        // 20 takes a second for two seconds.
        for i in 0..40 {
            demand.record_take(i as f64 / 20.0);
        }
        let during = demand.rate(2.0);
        assert!((15.0..20.0).contains(&during), "{during}");
        // Ten seconds of silence: the fast rate is gone, the slow one still remembers.
        let after = demand.rate(12.0);
        let slow_only = 40.0 / 30.0 * (-10.0f64 / 30.0).exp();
        assert!((after - slow_only).abs() < 0.1, "{after} vs {slow_only}");
        // Minutes later the demand is forgotten.
        assert!(demand.rate(400.0) < 0.001);
        // Time never runs backwards for the estimate.
        assert!(demand.rate(10.0) < 0.001);
    }

    #[test]
    fn the_refill_latency_is_a_moving_mean() {
        let mut demand = Demand::default();
        assert_eq!(demand.refill(), INITIAL_REFILL);
        for _ in 0..50 {
            demand.record_refill(Duration::from_millis(30));
        }
        let refill = demand.refill().as_secs_f64();
        assert!((refill - 0.030).abs() < 0.0005, "{refill}");
    }

    #[test]
    fn a_burst_grows_the_target_and_a_pause_shrinks_it() {
        let mut demand = Demand::default();
        let ceiling = ceiling(1, 256);
        for i in 0..60 {
            demand.record_take(i as f64 / 20.0);
            demand.record_refill(Duration::from_millis(25));
        }
        let busy = target(1, ceiling, demand.rate(3.0), demand.refill());
        assert!(busy >= 4, "{busy}");
        let idle = target(1, ceiling, demand.rate(600.0), demand.refill());
        assert_eq!(idle, 1);
    }
}
