//! Admission control for conversions: at most `max_concurrent` run, up to `queue_length` wait in
//! FIFO order, and everyone past that is turned away at once (the caller answers 503).
//!
//! Each running conversion is a kit with a whole LibreOffice in it, so this bound is what keeps a
//! burst of requests from exhausting memory. The queue is a plain `VecDeque` of one-shot channels
//! under a mutex (never held across an await): admission is decided synchronously in
//! [`Admission::enter`], which makes the logic deterministic and testable without timing.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::oneshot;

#[derive(Debug)]
pub struct Admission {
    max_running: usize,
    queue_length: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    running: usize,
    next_ticket: u64,
    /// Waiters in arrival order; a freed slot goes to the front one.
    queue: VecDeque<(u64, oneshot::Sender<()>)>,
}

/// The queue is full: answer 503 with `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("all {running} conversion slots are busy and {queued} requests are waiting")]
pub struct QueueFull {
    pub running: usize,
    pub queued: usize,
}

/// What [`Admission::enter`] decided.
#[derive(Debug)]
pub enum Entry {
    /// A slot was free.
    Running(Permit),
    /// In the queue; await [`Queued::wait`] for the slot.
    Queued(Queued),
}

/// A running conversion's slot; dropping it hands the slot to the next waiter.
#[derive(Debug)]
pub struct Permit {
    admission: Arc<Admission>,
}

/// A place in the queue; dropping it (the client went away) frees the place.
#[derive(Debug)]
pub struct Queued {
    admission: Arc<Admission>,
    ticket: u64,
    /// Fires when `release` has moved a slot to this waiter.
    slot: oneshot::Receiver<()>,
}

impl Admission {
    pub fn new(max_running: usize, queue_length: usize) -> Arc<Admission> {
        Arc::new(Admission {
            max_running: max_running.max(1),
            queue_length,
            state: Mutex::new(State::default()),
        })
    }

    /// Takes a free slot, or a place in the queue, or refuses.
    pub fn enter(self: &Arc<Self>) -> Result<Entry, QueueFull> {
        let mut state = self.lock();
        if state.running < self.max_running && state.queue.is_empty() {
            state.running += 1;
            return Ok(Entry::Running(Permit {
                admission: Arc::clone(self),
            }));
        }
        if state.queue.len() >= self.queue_length {
            return Err(QueueFull {
                running: state.running,
                queued: state.queue.len(),
            });
        }
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        let (sender, slot) = oneshot::channel();
        state.queue.push_back((ticket, sender));
        Ok(Entry::Queued(Queued {
            admission: Arc::clone(self),
            ticket,
            slot,
        }))
    }

    /// Conversions holding a slot now.
    pub fn running(&self) -> usize {
        self.lock().running
    }

    /// Requests waiting for a slot now.
    pub fn queued(&self) -> usize {
        self.lock().queue.len()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the counters half-updated (each update is
        // one statement), so a poisoned lock is still consistent.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A slot was freed: give it to the oldest waiter still there, else count it free.
    fn release(self: &Arc<Self>) {
        let mut state = self.lock();
        while let Some((_, sender)) = state.queue.pop_front() {
            // The slot moves to the waiter without ever being free, so a newcomer cannot
            // overtake the queue. (A waiter leaves the queue under this lock before its
            // receiver goes, so `send` fails only if that invariant breaks; then try the next.)
            if sender.send(()).is_ok() {
                return;
            }
        }
        state.running -= 1;
    }
}

impl Entry {
    /// The slot, waiting in the queue when needed.
    pub async fn wait(self) -> Permit {
        match self {
            Entry::Running(permit) => permit,
            Entry::Queued(queued) => queued.wait().await,
        }
    }
}

impl Queued {
    pub async fn wait(mut self) -> Permit {
        // `release` only drops a sender after sending through it, and `Drop for Queued` (the
        // only other remover) cannot run while we are borrowed here: the channel always fires.
        (&mut self.slot)
            .await
            .expect("admission never drops a waiter's sender unsent");
        Permit {
            admission: Arc::clone(&self.admission),
        }
    }
}

impl Drop for Queued {
    fn drop(&mut self) {
        let mut state = self.admission.lock();
        if let Some(index) = state
            .queue
            .iter()
            .position(|(ticket, _)| *ticket == self.ticket)
        {
            state.queue.remove(index);
            return;
        }
        drop(state);
        // Handed a slot but dropped before `wait` took it: pass the slot on.
        if self.slot.try_recv().is_ok() {
            self.admission.release();
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.admission.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running(entry: Result<Entry, QueueFull>) -> Permit {
        match entry {
            Ok(Entry::Running(permit)) => permit,
            other => panic!("expected a slot, got {other:?}"),
        }
    }

    fn queued(entry: Result<Entry, QueueFull>) -> Queued {
        match entry {
            Ok(Entry::Queued(queued)) => queued,
            other => panic!("expected a queue place, got {other:?}"),
        }
    }

    /// The permit a waiter holds right now, without waiting.
    fn granted(queued: &mut Queued) -> Option<Permit> {
        queued.slot.try_recv().ok()?;
        Some(Permit {
            admission: Arc::clone(&queued.admission),
        })
    }

    #[test]
    fn runs_up_to_the_limit_then_queues_then_refuses() {
        let admission = Admission::new(2, 1);
        let _a = running(admission.enter());
        let _b = running(admission.enter());
        let _c = queued(admission.enter());
        assert_eq!(
            admission.enter().unwrap_err(),
            QueueFull {
                running: 2,
                queued: 1
            }
        );
        assert_eq!((admission.running(), admission.queued()), (2, 1));
    }

    #[test]
    fn zero_queue_refuses_as_soon_as_slots_are_busy() {
        let admission = Admission::new(1, 0);
        let first = running(admission.enter());
        assert!(admission.enter().is_err());
        drop(first);
        let _again = running(admission.enter());
    }

    #[test]
    fn freed_slots_go_to_waiters_in_arrival_order() {
        let admission = Admission::new(1, 3);
        let first = running(admission.enter());
        let mut w1 = queued(admission.enter());
        let mut w2 = queued(admission.enter());
        let mut w3 = queued(admission.enter());
        assert!(granted(&mut w1).is_none());

        drop(first);
        let p1 = granted(&mut w1).expect("the oldest waiter gets the slot");
        assert!(granted(&mut w2).is_none() && granted(&mut w3).is_none());
        assert_eq!((admission.running(), admission.queued()), (1, 2));

        drop(p1);
        let p2 = granted(&mut w2).expect("then the next one");
        assert!(granted(&mut w3).is_none());
        drop(p2);
        let p3 = granted(&mut w3).expect("then the last one");
        drop(p3);
        assert_eq!((admission.running(), admission.queued()), (0, 0));
    }

    #[test]
    fn newcomers_do_not_overtake_the_queue() {
        let admission = Admission::new(1, 2);
        let first = running(admission.enter());
        let mut waiter = queued(admission.enter());
        drop(first);
        // The slot went straight to the waiter; a newcomer must queue behind.
        let _newcomer = queued(admission.enter());
        assert!(granted(&mut waiter).is_some());
    }

    #[test]
    fn a_waiter_that_leaves_frees_its_place() {
        let admission = Admission::new(1, 1);
        let first = running(admission.enter());
        let gone = queued(admission.enter());
        assert!(admission.enter().is_err());
        drop(gone);
        assert_eq!(admission.queued(), 0);
        let mut next = queued(admission.enter());
        drop(first);
        assert!(granted(&mut next).is_some());
    }

    #[test]
    fn a_waiter_that_leaves_after_being_granted_passes_the_slot_on() {
        let admission = Admission::new(1, 2);
        let first = running(admission.enter());
        let granted_but_gone = queued(admission.enter());
        let mut next = queued(admission.enter());
        drop(first);
        drop(granted_but_gone);
        assert!(granted(&mut next).is_some());
    }

    #[test]
    fn the_last_permit_frees_the_slot() {
        let admission = Admission::new(1, 1);
        drop(running(admission.enter()));
        assert_eq!(admission.running(), 0);
        let _again = running(admission.enter());
    }

    #[tokio::test]
    async fn wait_resolves_when_the_slot_is_freed() {
        let admission = Admission::new(1, 1);
        let first = running(admission.enter());
        let waiter = admission.enter().unwrap();
        let task = tokio::spawn(waiter.wait());
        drop(first);
        let permit = task.await.unwrap();
        assert_eq!(admission.running(), 1);
        drop(permit);
        assert_eq!(admission.running(), 0);
    }
}
