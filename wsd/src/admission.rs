//! Admission control for conversions: at most `max_concurrent` run, up to `queue_length` wait in
//! FIFO order, and everyone past that is turned away at once (the caller answers 503).
//!
//! Each running conversion is a kit with a whole LibreOffice in it, so this bound is what keeps a
//! burst of requests from exhausting memory. Two tokio semaphores do the counting:
//! - `places` holds `max_concurrent + queue_length` permits, one per request admitted (running or
//!   waiting); `try_acquire` failing there is the 503;
//! - `slots` holds `max_concurrent` permits, one per running conversion. tokio's semaphore is
//!   fair: a released permit goes to the oldest waiter and never becomes free while anyone
//!   waits, so a newcomer cannot overtake the queue.
//!
//! [`Admission::enter`] stays synchronous, so the decision is deterministic and testable without
//! timing: a request that must wait joins the slot queue at once (its acquire future is polled
//! once there), so its place in line is its arrival, not the moment its task first awaits.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Waker};

use tokio::sync::{AcquireError, OwnedSemaphorePermit, Semaphore, TryAcquireError};

#[derive(Debug)]
pub struct Admission {
    max_running: usize,
    max_admitted: usize,
    places: Arc<Semaphore>,
    slots: Arc<Semaphore>,
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

/// A running conversion's slot and place; dropping it hands the slot to the next waiter.
#[derive(Debug)]
pub struct Permit {
    _slot: OwnedSemaphorePermit,
    _place: OwnedSemaphorePermit,
}

type SlotFuture = Pin<Box<dyn Future<Output = Result<OwnedSemaphorePermit, AcquireError>> + Send>>;

/// A place in the queue; dropping it (the client went away) frees the place, and a slot it was
/// already handed goes on to the next waiter (tokio's acquire future returns it on drop).
pub struct Queued {
    place: OwnedSemaphorePermit,
    slot: SlotFuture,
}

impl std::fmt::Debug for Queued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queued").finish_non_exhaustive()
    }
}

impl Admission {
    pub fn new(max_running: usize, queue_length: usize) -> Arc<Admission> {
        let max_running = max_running.max(1);
        let max_admitted = max_running.saturating_add(queue_length);
        Arc::new(Admission {
            max_running,
            max_admitted,
            places: Arc::new(Semaphore::new(max_admitted)),
            slots: Arc::new(Semaphore::new(max_running)),
        })
    }

    /// Takes a free slot, or a place in the queue, or refuses.
    pub fn enter(self: &Arc<Self>) -> Result<Entry, QueueFull> {
        let place = match Arc::clone(&self.places).try_acquire_owned() {
            Ok(place) => place,
            Err(TryAcquireError::NoPermits | TryAcquireError::Closed) => {
                return Err(QueueFull {
                    running: self.running(),
                    queued: self.queued(),
                })
            }
        };
        if let Ok(slot) = Arc::clone(&self.slots).try_acquire_owned() {
            return Ok(Entry::Running(Permit {
                _slot: slot,
                _place: place,
            }));
        }
        let mut slot: SlotFuture = Box::pin(Arc::clone(&self.slots).acquire_owned());
        // Polling once enqueues the waiter now, in arrival order; the real waker replaces the
        // no-op one when the request's task awaits. A slot freed in between is kept for it.
        let _ = slot.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        Ok(Entry::Queued(Queued { place, slot }))
    }

    /// Conversions holding a slot now.
    pub fn running(&self) -> usize {
        self.max_running - self.slots.available_permits()
    }

    /// Requests waiting for a slot now.
    pub fn queued(&self) -> usize {
        (self.max_admitted - self.places.available_permits()).saturating_sub(self.running())
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
    pub async fn wait(self) -> Permit {
        let Queued { place, slot } = self;
        // Nothing closes the semaphore, so the acquire cannot fail.
        let slot = slot.await.expect("the slot semaphore is never closed");
        Permit {
            _slot: slot,
            _place: place,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Poll;

    fn running(entry: Result<Entry, QueueFull>) -> Permit {
        match entry {
            Ok(Entry::Running(permit)) => permit,
            other => panic!("expected a slot, got {other:?}"),
        }
    }

    /// An admission of one slot, already taken, and `queue_length` places: the start of every
    /// test of the queue.
    fn slot_taken(queue_length: usize) -> (Arc<Admission>, Permit) {
        let admission = Admission::new(1, queue_length);
        let first = running(admission.enter());
        (admission, first)
    }

    fn queued(entry: Result<Entry, QueueFull>) -> Queued {
        match entry {
            Ok(Entry::Queued(queued)) => queued,
            other => panic!("expected a queue place, got {other:?}"),
        }
    }

    /// The permit a waiter holds right now, without waiting. The place moves into the permit
    /// (split off, so the `Queued` left behind releases nothing when dropped).
    fn granted(queued: &mut Queued) -> Option<Permit> {
        match queued
            .slot
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(slot) => Some(Permit {
                _slot: slot.expect("never closed"),
                _place: queued
                    .place
                    .split(1)
                    .expect("a queued request holds one place"),
            }),
            Poll::Pending => None,
        }
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
        let (admission, first) = slot_taken(0);
        assert!(admission.enter().is_err());
        drop(first);
        let _again = running(admission.enter());
    }

    #[test]
    fn freed_slots_go_to_waiters_in_arrival_order() {
        let (admission, first) = slot_taken(3);
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
        let (admission, first) = slot_taken(2);
        let mut waiter = queued(admission.enter());
        drop(first);
        // The slot went straight to the waiter; a newcomer must queue behind.
        let _newcomer = queued(admission.enter());
        assert!(granted(&mut waiter).is_some());
    }

    #[test]
    fn a_waiter_that_leaves_frees_its_place() {
        let (admission, first) = slot_taken(1);
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
        let (admission, first) = slot_taken(2);
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
        let (admission, first) = slot_taken(1);
        let waiter = admission.enter().unwrap();
        let task = tokio::spawn(waiter.wait());
        drop(first);
        let permit = task.await.unwrap();
        assert_eq!(admission.running(), 1);
        drop(permit);
        assert_eq!(admission.running(), 0);
    }
}
