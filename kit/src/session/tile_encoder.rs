//! PNG encoding of painted tiles on a thread of its own, so that the request loop paints the
//! next tile (under LibreOffice's lock) while the last one is encoded: a document's tiles no
//! longer wait for each other's encoding, which is about a quarter of a tile's time in the kit
//! (docs/benchmarks.md, "Where the time goes"). A document's kit otherwise does one thing at a
//! time, and its people's keys queue behind each other's repaints.
//!
//! Order: tiles are encoded and written in the order they were painted (one thread, one FIFO
//! queue). Any other answer waits until the queue is empty ([`TileEncoder::wait_idle`]), so
//! answers still leave in the order of their requests; only callbacks, written by their own
//! forwarder thread, were never ordered with answers.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Condvar, Mutex};

use oxool_proto::{Frame, Message};

use super::tiles::{encode_png_at, PngSpeed};
use super::writer::FrameWriter;

/// Tiles painted and not yet encoded, at most: 16 rows of 1 024 × 256 px are 16 MiB.
const QUEUE: usize = 16;

/// One painted tile: its answer's header, its straight RGBA pixels, and the `error` answer to
/// send instead should encoding fail (so that wsd frees the request; the reason is added).
pub struct EncodeJob {
    pub header: String,
    pub rgba: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub speed: PngSpeed,
    pub on_error: Message,
}

pub struct TileEncoder {
    jobs: SyncSender<EncodeJob>,
    /// Jobs queued or being encoded, with a signal for when it drops to 0.
    pending: Arc<(Mutex<usize>, Condvar)>,
}

impl TileEncoder {
    /// Starts the encoding thread, which writes each tile's frame through `writer`.
    pub fn start(writer: FrameWriter) -> std::io::Result<TileEncoder> {
        let (jobs, receiver) = sync_channel(QUEUE);
        let pending = Arc::new((Mutex::new(0usize), Condvar::new()));
        let counted = pending.clone();
        std::thread::Builder::new()
            .name("oxool-tile-png".into())
            .spawn(move || encode_and_write(receiver, writer, counted))?;
        Ok(TileEncoder { jobs, pending })
    }

    /// Queues a painted tile; blocks while [`QUEUE`] tiles wait. False when the thread is gone
    /// (it stops only when writing to wsd failed: the request loop finds that out too).
    pub fn encode(&self, job: EncodeJob) -> bool {
        let (count, _) = &*self.pending;
        if let Ok(mut count) = count.lock() {
            *count += 1;
        }
        if self.jobs.send(job).is_err() {
            finished(&self.pending);
            return false;
        }
        true
    }

    /// Waits until every queued tile has been written.
    pub fn wait_idle(&self) {
        let (count, idle) = &*self.pending;
        let Ok(mut count) = count.lock() else { return };
        while *count > 0 {
            count = match idle.wait(count) {
                Ok(count) => count,
                Err(_) => return,
            };
        }
    }
}

fn finished(pending: &(Mutex<usize>, Condvar)) {
    let (count, idle) = pending;
    if let Ok(mut count) = count.lock() {
        *count = count.saturating_sub(1);
        if *count == 0 {
            idle.notify_all();
        }
    }
}

fn encode_and_write(
    receiver: Receiver<EncodeJob>,
    writer: FrameWriter,
    pending: Arc<(Mutex<usize>, Condvar)>,
) {
    while let Ok(job) = receiver.recv() {
        let frame = match encode_png_at(&job.rgba, job.width, job.height, job.speed) {
            Ok(png) => Frame::with_payload(job.header, png),
            Err(err) => {
                eprintln!("oxool-kit: encoding a tile: {err}");
                let reason = format!("PNG encoding failed: {err}");
                Frame::new(job.on_error.arg("message", reason).render())
            }
        };
        let written = writer.send(&frame);
        finished(&pending);
        if written.is_err() {
            // Nothing can reach wsd any more; the request loop's next write says so and exits.
            // Those waiting for the queue must not wait for tiles that will not be written.
            while receiver.try_recv().is_ok() {
                finished(&pending);
            }
            return;
        }
    }
}
