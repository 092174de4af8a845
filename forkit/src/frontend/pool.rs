//! The pool of prespawned, jailed kits.
//!
//! forkit keeps `target` kits ready (jailed, seccomp on, `ready` read from their socket). A
//! `SpawnKit` takes the oldest ready kit, or waits for the next one, and every take triggers a
//! refill, so a burst of requests is served while the zygote forks behind it.

use std::collections::VecDeque;
use std::os::fd::OwnedFd;
use std::sync::Mutex;

use tokio::sync::oneshot;

/// A kit that reported `ready`.
#[derive(Debug)]
pub struct ReadyKit {
    pub socket: OwnedFd,
    pub pid: u32,
    pub jail_id: String,
}

type Waiter = oneshot::Sender<Result<ReadyKit, String>>;

#[derive(Default)]
struct PoolState {
    ready: VecDeque<ReadyKit>,
    waiters: VecDeque<Waiter>,
    /// Spawns asked of the zygote whose kits have not reported yet.
    outstanding: usize,
}

pub struct Pool {
    target: usize,
    state: Mutex<PoolState>,
}

/// What the caller must do after a pool operation: ask the zygote for this many kits.
#[must_use]
pub struct SpawnOrder(pub usize);

impl Pool {
    pub fn new(target: usize) -> Self {
        Pool {
            target,
            state: Mutex::new(PoolState::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PoolState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Kits to ask for so that ready + outstanding covers the target plus everyone waiting.
    fn deficit(&self, state: &mut PoolState) -> SpawnOrder {
        let wanted = self.target + state.waiters.len();
        let have = state.ready.len() + state.outstanding;
        let order = wanted.saturating_sub(have);
        state.outstanding += order;
        SpawnOrder(order)
    }

    /// The initial fill.
    pub fn fill(&self) -> SpawnOrder {
        let mut state = self.lock();
        self.deficit(&mut state)
    }

    /// Takes a ready kit now, or returns a receiver that gets the next one.
    pub fn take(
        &self,
    ) -> (
        Result<ReadyKit, oneshot::Receiver<Result<ReadyKit, String>>>,
        SpawnOrder,
    ) {
        let mut state = self.lock();
        if let Some(kit) = state.ready.pop_front() {
            let order = self.deficit(&mut state);
            return (Ok(kit), order);
        }
        let (tx, rx) = oneshot::channel();
        state.waiters.push_back(tx);
        let order = self.deficit(&mut state);
        (Err(rx), order)
    }

    /// A spawned kit reported `ready`: hand it to the oldest live waiter, or keep it.
    pub fn kit_ready(&self, kit: ReadyKit) {
        let mut state = self.lock();
        state.outstanding = state.outstanding.saturating_sub(1);
        let mut kit = kit;
        while let Some(waiter) = state.waiters.pop_front() {
            match waiter.send(Ok(kit)) {
                Ok(()) => return,
                Err(Ok(returned)) => kit = returned, // that caller gave up; try the next
                Err(Err(_)) => unreachable!("we sent Ok"),
            }
        }
        state.ready.push_back(kit);
    }

    /// A spawn failed: tell one waiter (it may retry), and ask for a replacement.
    pub fn spawn_failed(&self, reason: &str) -> SpawnOrder {
        let mut state = self.lock();
        state.outstanding = state.outstanding.saturating_sub(1);
        if let Some(waiter) = state.waiters.pop_front() {
            let _ = waiter.send(Err(reason.to_string()));
        }
        // Failed spawns are not retried for waiters in a loop: only the standing target is kept.
        let wanted = self.target;
        let have = state.ready.len() + state.outstanding;
        let order = wanted.saturating_sub(have);
        state.outstanding += order;
        SpawnOrder(order)
    }

    /// A kit died: if it was still waiting in the pool, drop it and refill.
    pub fn kit_exited(&self, pid: u32) -> SpawnOrder {
        let mut state = self.lock();
        let before = state.ready.len();
        state.ready.retain(|kit| kit.pid != pid);
        if state.ready.len() == before {
            return SpawnOrder(0);
        }
        self.deficit(&mut state)
    }

    pub fn ready_count(&self) -> usize {
        self.lock().ready.len()
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
        let pool = Pool::new(2);
        assert_eq!(pool.fill().0, 2);
        pool.kit_ready(kit(1));
        pool.kit_ready(kit(2));
        let (taken, order) = pool.take();
        assert_eq!(taken.unwrap().pid, 1);
        assert_eq!(order.0, 1, "a take refills");
        assert_eq!(pool.kit_exited(2).0, 1, "a dead pooled kit is replaced");
        assert_eq!(pool.kit_exited(99).0, 0);
    }

    #[test]
    fn waiters_get_kits_in_order() {
        let pool = Pool::new(0);
        let (first, order) = pool.take();
        assert_eq!(order.0, 1);
        let mut first = first.unwrap_err();
        let (second, order) = pool.take();
        assert_eq!(order.0, 1);
        let mut second = second.unwrap_err();
        pool.kit_ready(kit(7));
        assert_eq!(first.try_recv().unwrap().unwrap().pid, 7);
        assert!(second.try_recv().is_err());
        let _ = pool.spawn_failed("boom");
        assert_eq!(second.try_recv().unwrap().unwrap_err(), "boom");
    }

    #[test]
    fn abandoned_waiters_are_skipped() {
        let pool = Pool::new(0);
        let (gone, _) = pool.take();
        drop(gone);
        let (live, _) = pool.take();
        let mut live = live.unwrap_err();
        pool.kit_ready(kit(3));
        assert_eq!(live.try_recv().unwrap().unwrap().pid, 3);
        assert_eq!(pool.ready_count(), 0);
    }
}
