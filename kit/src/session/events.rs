//! LibreOffice's callbacks, forwarded to wsd as `callback` frames.
//!
//! LibreOffice calls back on its own thread, sometimes hundreds of times for one Calc cell. The
//! handler registered with LOK only copies the event into a bounded queue with `try_send`: when
//! wsd does not read and the queue is full, the event is dropped and counted, so LibreOffice's
//! thread never blocks on us. A forwarding thread drains the queue, names the view wsd knows
//! (`view=<session id>`) and writes the frame through the shared [`FrameWriter`]. After a burst of
//! drops it sends one `callback-overflow`, so wsd can invalidate everything it shows.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

use oxool_proto::{Frame, FromKit, Message};

use super::barrier::Barrier;
use super::windows::SharedOwners;
use super::writer::FrameWriter;
use crate::lok::enums::{callback, callback_name};
use crate::lok::CallbackEvent;

/// How many events may wait for the forwarder. Calc sends ~250 `STATE_CHANGED` for one cell, so
/// this holds a few edits' worth while wsd is briefly slow.
pub const CALLBACK_QUEUE_CAPACITY: usize = 4096;

/// How many payload bytes may wait: large payloads (up to the 4 MiB a JSDialog event may carry)
/// must not make 4096 queued events cost gigabytes.
pub const CALLBACK_QUEUE_MAX_BYTES: usize = 16 << 20;

/// Payloads up to this size travel in the header (`payload=`); larger ones (JSDialog, comment
/// lists) go into the frame body, because a header is limited to 64 KiB.
pub const INLINE_PAYLOAD_MAX: usize = 16 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    #[error("cannot start the callback forwarding thread: {0}")]
    SpawnForwarder(std::io::Error),
    #[error("cannot start the tile encoding thread: {0}")]
    SpawnTileEncoder(std::io::Error),
}

/// Which wsd session owns which LOK view; the forwarder reads it for every event.
pub type ViewNames = Arc<Mutex<HashMap<i32, String>>>;

/// The producer side, cloned into every LOK registration.
#[derive(Clone)]
pub struct CallbackQueue {
    sender: SyncSender<CallbackEvent>,
    counters: Arc<Counters>,
    barrier: Barrier,
    /// Window ownership, kept up to date for WINDOW events that are dropped too.
    windows: SharedOwners,
}

/// Shared by the producers and the forwarder.
#[derive(Default)]
struct Counters {
    /// Events dropped because the queue was full.
    dropped: AtomicU64,
    /// Payload bytes waiting in the queue.
    queued_bytes: AtomicUsize,
    /// Events queued so far, and events the forwarder has written (or found without a
    /// reader): [`CallbackQueue::wait_forwarded`] compares them.
    queued: AtomicU64,
    forwarded: AtomicU64,
}

impl CallbackQueue {
    /// A queue sending to `sender`, with fresh counters and barrier, that keeps `windows` up to
    /// date.
    fn new(sender: SyncSender<CallbackEvent>, windows: SharedOwners) -> Self {
        CallbackQueue {
            sender,
            counters: Arc::new(Counters::default()),
            barrier: Barrier::default(),
            windows,
        }
    }

    /// Runs on LibreOffice's thread: never blocks, drops and counts when full.
    pub fn push(&self, event: CallbackEvent) {
        if self.barrier.observe(&event) {
            return;
        }
        let len = event.payload.len();
        // wsd treats a larger callback as a broken protocol (proto/src/limits.rs); dropping it
        // and reporting the drop keeps an honest kit within the protocol.
        if len > oxool_proto::limits::MAX_CALLBACK_PAYLOAD as usize {
            self.drop_event(&event);
            return;
        }
        let queued = self.counters.queued_bytes.fetch_add(len, Ordering::Relaxed);
        if queued.saturating_add(len) > CALLBACK_QUEUE_MAX_BYTES {
            self.counters.queued_bytes.fetch_sub(len, Ordering::Relaxed);
            self.drop_event(&event);
            return;
        }
        match self.sender.try_send(event) {
            Ok(()) => {
                self.counters.queued.fetch_add(1, Ordering::Release);
            }
            Err(TrySendError::Full(event)) => {
                self.counters.queued_bytes.fetch_sub(len, Ordering::Relaxed);
                self.drop_event(&event);
            }
            // The forwarder ended (wsd went away); the kit is leaving anyway.
            Err(TrySendError::Disconnected(_)) => {
                self.counters.queued_bytes.fetch_sub(len, Ordering::Relaxed);
            }
        }
    }

    /// Counts a dropped event. A dropped WINDOW event still counts for ownership: a dialog
    /// whose `created` was lost must still be closed when its view closes (its payload is a
    /// few dozen bytes, cheap to read here).
    fn drop_event(&self, event: &CallbackEvent) {
        self.counters.dropped.fetch_add(1, Ordering::Relaxed);
        if event.kind == callback::WINDOW {
            if let Ok(mut owners) = self.windows.lock() {
                owners.route(event);
            }
        }
    }

    /// The input barrier whose results this queue swallows.
    pub fn barrier(&self) -> &Barrier {
        &self.barrier
    }

    /// Waits until the forwarder has written every event queued before this call, or until
    /// `timeout`: an answer written after it reaches wsd after those events (the request loop
    /// writes answers itself, the forwarder writes events). True when it has.
    pub fn wait_forwarded(&self, timeout: std::time::Duration) -> bool {
        let target = self.counters.queued.load(Ordering::Acquire);
        let deadline = std::time::Instant::now() + timeout;
        while self.counters.forwarded.load(Ordering::Acquire) < target {
            if std::time::Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        true
    }

    /// Events dropped so far because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.counters.dropped.load(Ordering::Relaxed)
    }
}

/// Creates the queue and starts the thread that forwards it to wsd.
pub fn start_forwarder(
    writer: FrameWriter,
    names: ViewNames,
    windows: SharedOwners,
) -> Result<CallbackQueue, EventsError> {
    let (sender, receiver) = sync_channel(CALLBACK_QUEUE_CAPACITY);
    let queue = CallbackQueue::new(sender, windows.clone());
    let counters = queue.counters.clone();
    std::thread::Builder::new()
        .name("oxool-callbacks".into())
        .spawn(move || forward(receiver, writer, names, windows, counters))
        .map_err(EventsError::SpawnForwarder)?;
    Ok(queue)
}

fn forward(
    receiver: Receiver<CallbackEvent>,
    writer: FrameWriter,
    names: ViewNames,
    windows: SharedOwners,
    counters: Arc<Counters>,
) {
    let mut reported_drops = 0;
    while let Ok(event) = receiver.recv() {
        counters
            .queued_bytes
            .fetch_sub(event.payload.len(), Ordering::Relaxed);
        // Counted once the event is written below (or has no reader): an early count would let
        // an answer overtake it.
        let _forwarded = Forwarded(&counters);
        let total_drops = counters.dropped.load(Ordering::Relaxed);
        if total_drops > reported_drops {
            let overflow = Message::new(FromKit::CallbackOverflow.name())
                .arg("dropped", total_drops - reported_drops)
                .arg("total", total_drops);
            if writer.send(&Frame::new(overflow.render())).is_err() {
                return;
            }
            reported_drops = total_drops;
        }
        // Events about a dialog go to the session of the view that owns it (windows.rs).
        let target = match windows.lock() {
            Ok(mut owners) => owners.route(&event),
            Err(_) => event.view,
        };
        // Events of a view that was closed meanwhile have no reader any more.
        let Some(view) = names.lock().ok().and_then(|n| n.get(&target).cloned()) else {
            continue;
        };
        if writer.send(&callback_frame(&view, &event)).is_err() {
            // wsd is gone; the request loop sees EOF and ends the kit.
            return;
        }
    }
}

/// Counts one event as forwarded when dropped, whichever way the loop body leaves.
struct Forwarded<'a>(&'a Counters);

impl Drop for Forwarded<'_> {
    fn drop(&mut self) {
        self.0.forwarded.fetch_add(1, Ordering::Release);
    }
}

/// `callback view=<id> kind=<NAME> payload=<text>`, or the payload in the body when large.
pub fn callback_frame(view: &str, event: &CallbackEvent) -> Frame {
    let message = Message::new(FromKit::Callback.name())
        .arg("view", view)
        .arg("kind", callback_name(event.kind));
    let message = if callback_name(event.kind) == "UNKNOWN" {
        message.arg("code", event.kind)
    } else {
        message
    };
    if event.payload.len() <= INLINE_PAYLOAD_MAX {
        Frame::new(message.arg("payload", &event.payload).render())
    } else {
        Frame::with_payload(
            message.arg("body", 1).render(),
            event.payload.clone().into_bytes(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_name_the_view_and_the_kind() {
        let event = CallbackEvent {
            view: 1,
            kind: callback::INVALIDATE_TILES,
            payload: "0, 0, 100, 200, 0".into(),
        };
        let frame = callback_frame("s1", &event);
        let m = frame.message().unwrap();
        assert_eq!(m.get("view"), Some("s1"));
        assert_eq!(m.get("kind"), Some("INVALIDATE_TILES"));
        assert_eq!(m.get("payload"), Some("0, 0, 100, 200, 0"));
        assert!(frame.payload.is_empty());

        let big = CallbackEvent {
            payload: "x".repeat(INLINE_PAYLOAD_MAX + 1),
            ..event
        };
        let frame = callback_frame("s1", &big);
        assert_eq!(frame.message().unwrap().get("body"), Some("1"));
        assert_eq!(frame.payload.len(), INLINE_PAYLOAD_MAX + 1);
    }

    /// The whole path with a real socket that nobody reads: pushing (LibreOffice's side) never
    /// blocks, the surplus is counted, and once the reader catches up the forwarder reports the
    /// drops before the next event.
    #[test]
    fn a_reader_that_stops_costs_events_not_liveness() {
        let (kit_end, mut wsd_end) = std::os::unix::net::UnixStream::pair().unwrap();
        let names: ViewNames = Arc::new(Mutex::new(HashMap::from([(3, "s".to_string())])));
        let queue =
            start_forwarder(FrameWriter::new(kit_end), names, SharedOwners::default()).unwrap();
        let event = CallbackEvent {
            view: 3,
            kind: callback::INVALIDATE_TILES,
            payload: "x".repeat(1000),
        };
        // Far more than the socket buffer and the queue hold together.
        let pushed = 4 * CALLBACK_QUEUE_CAPACITY + 2000;
        for _ in 0..pushed {
            queue.push(event.clone());
        }
        let dropped = queue.dropped();
        assert!(dropped > 0, "a reader that stopped must cost events");

        // The reader catches up: every event that was not dropped arrives, and the queue that
        // was full when the drops happened carries the overflow report.
        let mut received = 0u64;
        let mut overflow = None;
        while received + dropped < pushed as u64 {
            let frame = Frame::read_from(&mut wsd_end, 1 << 20).unwrap();
            let message = frame.message().unwrap();
            match message.name.as_str() {
                "callback" => received += 1,
                "callback-overflow" => overflow = Some(message),
                other => panic!("unexpected frame {other}"),
            }
        }
        let overflow = overflow.expect("the forwarder reports the drops");
        assert_eq!(overflow.parse_arg::<u64>("total"), Ok(dropped));
        assert_eq!(queue.dropped(), dropped);
    }

    #[test]
    fn a_callback_over_the_event_limit_is_dropped_and_counted() {
        let (sender, receiver) = sync_channel(4);
        let queue = CallbackQueue::new(sender, SharedOwners::default());
        let limit = oxool_proto::limits::MAX_CALLBACK_PAYLOAD as usize;
        for len in [limit, limit + 1] {
            queue.push(CallbackEvent {
                view: 0,
                kind: callback::INVALIDATE_TILES,
                payload: "x".repeat(len),
            });
        }
        assert_eq!(queue.dropped(), 1);
        assert_eq!(receiver.try_recv().unwrap().payload.len(), limit);
        assert!(receiver.try_recv().is_err());
    }

    #[test]
    fn a_full_queue_drops_and_counts_without_blocking() {
        let (sender, _receiver) = sync_channel(2);
        let queue = CallbackQueue::new(sender, SharedOwners::default());
        for _ in 0..5 {
            queue.push(CallbackEvent {
                view: 0,
                kind: 0,
                payload: String::new(),
            });
        }
        assert_eq!(queue.dropped(), 3);
        assert_eq!(queue.counters.queued_bytes.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_dropped_dialog_still_has_its_owner() {
        let (sender, _receiver) = sync_channel(0);
        let windows = SharedOwners::default();
        let queue = CallbackQueue::new(sender, windows.clone());
        queue.push(CallbackEvent {
            view: 3,
            kind: callback::WINDOW,
            payload: r#"{"id":"7","action":"created","type":"dialog"}"#.into(),
        });
        assert_eq!(queue.dropped(), 1);
        assert_eq!(windows.lock().unwrap().windows_of(3), vec![7]);
    }

    #[test]
    fn large_payloads_are_bounded_by_bytes() {
        let (sender, _receiver) = sync_channel(CALLBACK_QUEUE_CAPACITY);
        let queue = CallbackQueue::new(sender, SharedOwners::default());
        let big = CallbackEvent {
            view: 0,
            kind: 0,
            payload: "j".repeat(64 << 10),
        };
        for _ in 0..260 {
            queue.push(big.clone());
        }
        assert_eq!(queue.dropped(), 4, "16 MiB hold 256 payloads of 64 KiB");
    }
}
