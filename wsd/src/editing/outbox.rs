//! The queue from a document's broker to one client's WebSocket task (docs/protocol.md, "Flow
//! control"), bounded twice: by messages and by bytes. The broker never waits on a client: a
//! message that does not fit marks the client slow, and the broker disconnects it.
//!
//! Counting bytes matters because a tile can be up to 1 024 × 1 024 pixels: 1 024 queued
//! messages alone would not bound what a client that stops reading costs the server.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::mpsc;

use super::Outgoing;

/// Messages queued for one client.
pub const MAX_MESSAGES: usize = 1024;
/// Bytes queued for one client. One message is always accepted into an empty queue, whatever
/// its size (a client must be able to get every tile it may ask for).
pub const MAX_BYTES: usize = 32 << 20;

/// The queue is full: the client does not read fast enough.
#[derive(Debug, PartialEq, Eq)]
pub struct Full;

/// A new queue: the broker's end and the session task's end.
pub fn outbox() -> (OutboxSender, OutboxReceiver) {
    let (queue, messages) = mpsc::channel(MAX_MESSAGES);
    let bytes = Arc::new(AtomicUsize::new(0));
    (
        OutboxSender {
            queue,
            bytes: bytes.clone(),
        },
        OutboxReceiver { messages, bytes },
    )
}

/// The broker's end.
pub struct OutboxSender {
    queue: mpsc::Sender<Outgoing>,
    bytes: Arc<AtomicUsize>,
}

impl OutboxSender {
    /// Queues `out`, or says the client is too far behind. A queue whose session task has
    /// ended takes nothing and is not full: the session is leaving anyway.
    pub fn try_send(&self, out: Outgoing) -> Result<(), Full> {
        let size = out.payload_len();
        let before = self.bytes.fetch_add(size, Ordering::AcqRel);
        if before > 0 && before + size > MAX_BYTES {
            self.bytes.fetch_sub(size, Ordering::AcqRel);
            return Err(Full);
        }
        match self.queue.try_send(out) {
            Ok(()) => Ok(()),
            Err(error) => {
                self.bytes.fetch_sub(size, Ordering::AcqRel);
                match error {
                    mpsc::error::TrySendError::Full(_) => Err(Full),
                    mpsc::error::TrySendError::Closed(_) => Ok(()),
                }
            }
        }
    }
}

/// The session task's end.
pub struct OutboxReceiver {
    messages: mpsc::Receiver<Outgoing>,
    bytes: Arc<AtomicUsize>,
}

impl OutboxReceiver {
    /// The next message; `None` once the broker dropped its end and the queue is empty.
    pub async fn recv(&mut self) -> Option<Outgoing> {
        let out = self.messages.recv().await?;
        Some(self.taken(out))
    }

    /// The next message if one is queued.
    pub fn try_recv(&mut self) -> Option<Outgoing> {
        let out = self.messages.try_recv().ok()?;
        Some(self.taken(out))
    }

    fn taken(&self, out: Outgoing) -> Outgoing {
        self.bytes.fetch_sub(out.payload_len(), Ordering::AcqRel);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binary(size: usize) -> Outgoing {
        Outgoing::Binary(vec![0; size])
    }

    #[test]
    fn the_queue_is_bounded_by_messages() {
        let (sender, _receiver) = outbox();
        for _ in 0..MAX_MESSAGES {
            assert_eq!(sender.try_send(Outgoing::Text("x".into())), Ok(()));
        }
        assert_eq!(sender.try_send(Outgoing::Text("x".into())), Err(Full));
    }

    #[test]
    fn the_queue_is_bounded_by_bytes_and_frees_what_was_taken() {
        let (sender, mut receiver) = outbox();
        let tile = MAX_BYTES / 4;
        for _ in 0..4 {
            assert_eq!(sender.try_send(binary(tile)), Ok(()));
        }
        assert_eq!(sender.try_send(binary(1)), Err(Full));
        assert!(receiver.try_recv().is_some());
        assert_eq!(sender.try_send(binary(tile)), Ok(()));
        assert_eq!(sender.try_send(binary(1)), Err(Full));
    }

    #[test]
    fn one_message_bigger_than_the_budget_fits_an_empty_queue() {
        let (sender, mut receiver) = outbox();
        assert_eq!(sender.try_send(binary(MAX_BYTES + 1)), Ok(()));
        assert_eq!(sender.try_send(binary(1)), Err(Full));
        assert!(receiver.try_recv().is_some());
        assert_eq!(sender.try_send(binary(1)), Ok(()));
    }

    #[test]
    fn a_queue_whose_session_ended_is_not_full() {
        let (sender, receiver) = outbox();
        drop(receiver);
        assert_eq!(sender.try_send(binary(10)), Ok(()));
    }
}
