//! The pool of prespawned, jailed kits.
//!
//! forkit keeps `target` kits ready (jailed, seccomp on, `ready` read from their socket). A
//! `SpawnKit` takes the oldest ready kit, or waits for the next one, and every take triggers a
//! refill, so a burst of requests is served while the zygote forks behind it. The target follows
//! recent demand (pool_sizing.rs) between `kit.prespawn` and the ceiling of
//! `kit.prespawn_memory_mb`, or stays at `kit.prespawn` when `kit.prespawn_adaptive` is off.

use std::collections::VecDeque;
use std::os::fd::OwnedFd;
use std::sync::Mutex;
use std::time::Instant;

use tokio::sync::oneshot;

use super::pool_sizing::{self, Demand};

/// A kit that reported `ready`.
#[derive(Debug)]
pub struct ReadyKit {
    pub socket: OwnedFd,
    pub pid: u32,
    pub jail_id: String,
}

/// Why a waiting SpawnKit got no kit; the D-Bus caller receives its text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpawnFailure {
    /// The zygote could not clone the kit; its reason came over the control channel.
    #[error("the zygote could not spawn a kit: {0}")]
    Zygote(String),
    /// The kit was cloned but did not report `ready` (frontend::ReadyError, as text).
    #[error("the kit did not get ready: {0}")]
    NotReady(String),
}

type Waiter = oneshot::Sender<Result<ReadyKit, SpawnFailure>>;

struct PoolState {
    ready: VecDeque<ReadyKit>,
    waiters: VecDeque<Waiter>,
    /// When each spawn asked of the zygote whose kit has not reported yet was asked, oldest first.
    outstanding: VecDeque<Instant>,
    demand: Demand,
    target: usize,
}

/// The pool's size limits (from the `[kit]` settings).
#[derive(Debug, Clone, Copy)]
pub struct PoolSizing {
    /// Kits kept ready even without demand (`kit.prespawn`).
    pub floor: usize,
    /// Most kits kept ready (from `kit.prespawn_memory_mb`); at least the floor.
    pub ceiling: usize,
    /// Size the pool from demand; otherwise it stays at the floor.
    pub adaptive: bool,
}

impl PoolSizing {
    pub fn from_settings(kit: &oxool_settings::KitSettings) -> Self {
        let floor = kit.prespawn as usize;
        PoolSizing {
            floor,
            ceiling: pool_sizing::ceiling(floor, kit.prespawn_memory_mb),
            adaptive: kit.prespawn_adaptive,
        }
    }

    /// A pool that always keeps `size` kits.
    #[cfg(test)]
    pub fn fixed(size: usize) -> Self {
        PoolSizing {
            floor: size,
            ceiling: size,
            adaptive: false,
        }
    }
}

pub struct Pool {
    sizing: PoolSizing,
    /// The origin of the times the demand estimate is given.
    started: Instant,
    state: Mutex<PoolState>,
}

/// Spawns asked of the zygote at a time. Kits being made share the CPU (the zygote's clone, each
/// kit's jail and LibreOffice start): with more in flight, each is ready later, and a request
/// waiting on an empty pool waits for all of them instead of the first; two keep both cores of
/// a small host busy.
pub const MAX_SPAWNS_IN_FLIGHT: usize = 2;

/// What the caller must do after a pool operation: ask the zygote for this many kits.
#[must_use]
pub struct SpawnOrder(pub usize);

impl Pool {
    pub fn new(sizing: PoolSizing) -> Self {
        Pool {
            sizing,
            started: Instant::now(),
            state: Mutex::new(PoolState {
                ready: VecDeque::new(),
                waiters: VecDeque::new(),
                outstanding: VecDeque::new(),
                demand: Demand::default(),
                target: sizing.floor,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PoolState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn seconds(&self, at: Instant) -> f64 {
        at.saturating_duration_since(self.started).as_secs_f64()
    }

    /// Brings the target up to date with the demand as it is at `now`.
    fn retarget(&self, state: &mut PoolState, now: Instant) {
        if !self.sizing.adaptive {
            return;
        }
        let rate = state.demand.rate(self.seconds(now));
        state.target = pool_sizing::target(
            self.sizing.floor,
            self.sizing.ceiling,
            rate,
            state.demand.refill(),
        );
    }

    /// Kits to ask for so that ready + outstanding covers the target plus everyone waiting.
    /// Kits to ask for so that ready + outstanding covers `wanted`, with at most
    /// [`MAX_SPAWNS_IN_FLIGHT`] outstanding; the rest is asked for as kits report ready.
    fn deficit(&self, state: &mut PoolState, wanted: usize, now: Instant) -> SpawnOrder {
        let have = state.ready.len() + state.outstanding.len();
        let room = MAX_SPAWNS_IN_FLIGHT.saturating_sub(state.outstanding.len());
        let order = wanted.saturating_sub(have).min(room);
        state.outstanding.extend(std::iter::repeat_n(now, order));
        SpawnOrder(order)
    }

    fn refill(&self, state: &mut PoolState, now: Instant) -> SpawnOrder {
        let wanted = state.target + state.waiters.len();
        self.deficit(state, wanted, now)
    }

    /// The initial fill.
    pub fn fill(&self) -> SpawnOrder {
        let mut state = self.lock();
        self.refill(&mut state, Instant::now())
    }

    /// Takes a ready kit now, or returns a receiver that gets the next one.
    pub fn take(
        &self,
    ) -> (
        Result<ReadyKit, oneshot::Receiver<Result<ReadyKit, SpawnFailure>>>,
        SpawnOrder,
    ) {
        let now = Instant::now();
        let mut state = self.lock();
        state.demand.record_take(self.seconds(now));
        self.retarget(&mut state, now);
        if let Some(kit) = state.ready.pop_front() {
            let order = self.refill(&mut state, now);
            return (Ok(kit), order);
        }
        let (tx, rx) = oneshot::channel();
        state.waiters.push_back(tx);
        let order = self.refill(&mut state, now);
        (Err(rx), order)
    }

    /// A spawned kit reported `ready`: hand it to the oldest live waiter, or keep it. Returns
    /// the kits still to ask for (those the in-flight limit held back).
    pub fn kit_ready(&self, kit: ReadyKit) -> SpawnOrder {
        let now = Instant::now();
        let mut state = self.lock();
        if let Some(asked) = state.outstanding.pop_front() {
            state
                .demand
                .record_refill(now.saturating_duration_since(asked));
        }
        let mut kit = Some(kit);
        while let Some(waiter) = state.waiters.pop_front() {
            match waiter.send(Ok(kit.take().expect("a kit to hand out"))) {
                Ok(()) => break,
                Err(Ok(returned)) => kit = Some(returned), // that caller gave up; try the next
                Err(Err(_)) => unreachable!("we sent Ok"),
            }
        }
        if let Some(kit) = kit {
            state.ready.push_back(kit);
        }
        self.refill(&mut state, now)
    }

    /// A spawn failed: tell one waiter (it may retry), and ask for a replacement.
    pub fn spawn_failed(&self, failure: SpawnFailure) -> SpawnOrder {
        let mut state = self.lock();
        state.outstanding.pop_front();
        if let Some(waiter) = state.waiters.pop_front() {
            let _ = waiter.send(Err(failure));
        }
        // Failed spawns are not retried for waiters in a loop: only the standing target is kept.
        let wanted = state.target;
        self.deficit(&mut state, wanted, Instant::now())
    }

    /// A kit died: if it was still waiting in the pool, drop it and refill.
    pub fn kit_exited(&self, pid: u32) -> SpawnOrder {
        let mut state = self.lock();
        let before = state.ready.len();
        state.ready.retain(|kit| kit.pid != pid);
        if state.ready.len() == before {
            return SpawnOrder(0);
        }
        self.refill(&mut state, Instant::now())
    }

    /// Called every second or so: follows the demand as it decays. Returns the kits to ask for
    /// and, when the pool holds more than the target, one waiting kit to retire (dropping its
    /// socket ends it), so the pool shrinks gradually after a burst.
    pub fn tick(&self) -> (SpawnOrder, Option<ReadyKit>) {
        let now = Instant::now();
        let mut state = self.lock();
        self.retarget(&mut state, now);
        let retired = if state.ready.len() > state.target {
            state.ready.pop_front()
        } else {
            None
        };
        (self.refill(&mut state, now), retired)
    }

    pub fn ready_count(&self) -> usize {
        self.lock().ready.len()
    }

    /// How many kits the pool aims to keep ready now.
    pub fn target(&self) -> usize {
        self.lock().target
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kit(pid: u32) -> ReadyKit {
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        ReadyKit {
            socket: OwnedFd::from(a),
            pid,
            jail_id: format!("jail{pid}"),
        }
    }

    #[test]
    fn keeps_the_target_filled() {
        let pool = Pool::new(PoolSizing::fixed(2));
        assert_eq!(pool.fill().0, 2);
        let _ = pool.kit_ready(kit(1));
        let _ = pool.kit_ready(kit(2));
        let (taken, order) = pool.take();
        assert_eq!(taken.unwrap().pid, 1);
        assert_eq!(order.0, 1, "a take refills");
        assert_eq!(pool.kit_exited(2).0, 1, "a dead pooled kit is replaced");
        assert_eq!(pool.kit_exited(99).0, 0);
    }

    #[test]
    fn a_fixed_pool_never_leaves_its_size() {
        let pool = Pool::new(PoolSizing::fixed(1));
        assert_eq!(pool.fill().0, 1);
        for pid in 0..50 {
            let _ = pool.kit_ready(kit(pid));
            let (taken, order) = pool.take();
            assert!(taken.is_ok());
            assert_eq!(order.0, 1);
        }
        assert_eq!(pool.target(), 1);
    }

    #[test]
    fn demand_grows_the_pool_and_ticks_shrink_it_one_kit_at_a_time() {
        let pool = Pool::new(PoolSizing {
            floor: 1,
            ceiling: 9,
            adaptive: true,
        });
        for _ in 0..20 {
            pool.lock()
                .demand
                .record_refill(std::time::Duration::from_millis(50));
        }
        for pid in 0..50 {
            let _ = pool.kit_ready(kit(pid));
        }
        assert_eq!(pool.target(), 1, "no demand yet");
        // Forty takes at once: about 40 takes/s during a 50 ms refill is the ceiling's worth.
        for _ in 0..40 {
            let (taken, _) = pool.take();
            assert!(taken.is_ok());
        }
        assert_eq!(pool.target(), 9);
        assert_eq!(pool.ready_count(), 10);
        let (order, retired) = pool.tick();
        assert_eq!(order.0, 0);
        assert!(retired.is_some(), "one kit above the target is retired");
        assert_eq!(pool.ready_count(), 9);
        let (_, retired) = pool.tick();
        assert!(retired.is_none());
    }

    #[test]
    fn at_most_two_spawns_are_in_flight() {
        let pool = Pool::new(PoolSizing::fixed(5));
        assert_eq!(pool.fill().0, 2);
        assert_eq!(pool.kit_ready(kit(1)).0, 1, "one ready, one more asked for");
        assert_eq!(pool.kit_ready(kit(2)).0, 1);
        // Three waiters on an emptied pool: still two at a time.
        let pool = Pool::new(PoolSizing::fixed(0));
        let mut waiting = Vec::new();
        let mut orders = 0;
        for _ in 0..3 {
            let (taken, order) = pool.take();
            waiting.push(taken.unwrap_err());
            orders += order.0;
        }
        assert_eq!(orders, 2);
        assert_eq!(
            pool.kit_ready(kit(3)).0,
            1,
            "the third waiter's kit is asked for now"
        );
        assert_eq!(waiting[0].try_recv().unwrap().unwrap().pid, 3);
    }

    #[test]
    fn waiters_get_kits_in_order() {
        let pool = Pool::new(PoolSizing::fixed(0));
        let (first, order) = pool.take();
        assert_eq!(order.0, 1);
        let mut first = first.unwrap_err();
        let (second, order) = pool.take();
        assert_eq!(order.0, 1);
        let mut second = second.unwrap_err();
        let _ = pool.kit_ready(kit(7));
        assert_eq!(first.try_recv().unwrap().unwrap().pid, 7);
        assert!(second.try_recv().is_err());
        let _ = pool.spawn_failed(SpawnFailure::Zygote("boom".into()));
        assert_eq!(
            second.try_recv().unwrap().unwrap_err(),
            SpawnFailure::Zygote("boom".into())
        );
    }

    #[test]
    fn abandoned_waiters_are_skipped() {
        let pool = Pool::new(PoolSizing::fixed(0));
        let (gone, _) = pool.take();
        drop(gone);
        let (live, _) = pool.take();
        let mut live = live.unwrap_err();
        let _ = pool.kit_ready(kit(3));
        assert_eq!(live.try_recv().unwrap().unwrap().pid, 3);
        assert_eq!(pool.ready_count(), 0);
    }
}
