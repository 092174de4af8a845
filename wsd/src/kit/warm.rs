//! One warmed-up kit kept in reserve for the next document opened for editing.
//!
//! LibreOffice finishes initialising itself lazily, on the first document a process loads and
//! paints (the Writer module, the OOXML import, fonts, glyph and layout caches): a first small
//! docx takes ~300 ms more than a second one in the same process. forkit's pool hands out kits
//! that have started LibreOffice but never loaded anything, which is right for convert-to (each
//! conversion is one load in a throw-away kit: warming it would double its CPU). For editing,
//! where the first tile is what the user waits for, [`WarmKitReserve`] asks one kit to `warm-up`
//! (docs/kit-protocol.md: it loads, paints and closes a built-in docx) and keeps it until a
//! document is opened; then it hands that kit out and warms the next one in the background.
//!
//! The reserve starts empty and is first filled when the first document is opened, so a wsd
//! that only converts never holds an extra kit.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use oxool_proto::{Frame, FromKit, Message, ToKit};

use crate::kit::answer::{classify, Reply};
use crate::kit::{BoxFuture, KitHandle, KitSpawner, SpawnError};

/// How long a kit may take to warm up before it is given up (and killed).
const WARM_UP_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest answer a warming kit may send.
const MAX_ANSWER_BYTES: u32 = 64 * 1024;

/// A [`KitSpawner`] for editing: a warmed kit when one is ready, else a fresh one from forkit.
pub struct WarmKitReserve {
    forkit: Arc<dyn KitSpawner>,
    reserve: Mutex<Option<KitHandle>>,
    warming: AtomicBool,
}

impl WarmKitReserve {
    pub fn new(forkit: Arc<dyn KitSpawner>) -> Arc<WarmKitReserve> {
        Arc::new(WarmKitReserve {
            forkit,
            reserve: Mutex::new(None),
            warming: AtomicBool::new(false),
        })
    }

    /// The pid of the kit in reserve, if one is (for `oxoolctl`-style reports and tests).
    pub fn reserved_pid(&self) -> Option<u32> {
        let slot = self.reserve.lock().unwrap_or_else(|e| e.into_inner());
        slot.as_ref().map(|kit| kit.pid)
    }

    /// The reserved kit, if it is still alive.
    fn take_reserved(&self) -> Option<KitHandle> {
        let kit = self
            .reserve
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()?;
        if is_alive(&kit) {
            Some(kit)
        } else {
            tracing::info!(kit_pid = kit.pid, "the reserved warm kit has gone");
            None
        }
    }

    /// Starts warming the next kit unless one is being warmed or is waiting already.
    fn refill(self: &Arc<Self>) {
        if self.warming.swap(true, Ordering::AcqRel) {
            return;
        }
        let reserve = Arc::clone(self);
        tokio::spawn(async move {
            let warmed = reserve.warm_one().await;
            if let Some(kit) = warmed {
                let mut slot = reserve.reserve.lock().unwrap_or_else(|e| e.into_inner());
                // A kit left over from before (an unlikely race) simply exits when dropped.
                *slot = Some(kit);
            }
            reserve.warming.store(false, Ordering::Release);
        });
    }

    async fn warm_one(&self) -> Option<KitHandle> {
        let started = Instant::now();
        let mut kit = match self.forkit.spawn_kit().await {
            Ok(kit) => kit,
            Err(error) => {
                tracing::warn!(%error, "no kit to warm up");
                return None;
            }
        };
        match tokio::time::timeout(WARM_UP_TIMEOUT, warm_up(&mut kit)).await {
            Ok(Ok(kit_ms)) => {
                tracing::debug!(
                    kit_pid = kit.pid,
                    kit_ms,
                    total_ms = started.elapsed().as_millis() as u64,
                    "a warm kit is in reserve"
                );
                Some(kit)
            }
            Ok(Err(error)) => {
                tracing::warn!(kit_pid = kit.pid, %error, "warming a kit failed");
                let _ = self.forkit.kill_kit(kit.pid).await;
                None
            }
            Err(_) => {
                // The built-in document always loads: a hang is a bug, and its backtrace is
                // what a report needs.
                tracing::warn!(kit_pid = kit.pid, "warming a kit timed out; aborting it");
                let _ = self.forkit.abort_kit(kit.pid).await;
                None
            }
        }
    }
}

impl KitSpawner for Arc<WarmKitReserve> {
    fn spawn_kit(&self) -> BoxFuture<'_, Result<KitHandle, SpawnError>> {
        Box::pin(async move {
            let kit = match self.take_reserved() {
                Some(kit) => Ok(kit),
                None => self.forkit.spawn_kit().await,
            };
            // Only now: the document waiting for this kit comes before the next warm-up in
            // forkit's pool.
            self.refill();
            kit
        })
    }

    fn kill_kit(&self, pid: u32) -> BoxFuture<'_, Result<(), SpawnError>> {
        self.forkit.kill_kit(pid)
    }

    fn abort_kit(&self, pid: u32) -> BoxFuture<'_, Result<(), SpawnError>> {
        self.forkit.abort_kit(pid)
    }

    fn kit_exit(&self, pid: u32) -> BoxFuture<'_, Option<crate::kit::KitExit>> {
        self.forkit.kit_exit(pid)
    }
}

/// `warm-up` → `warmed ms=<n>`: the kit's own time for it.
async fn warm_up(kit: &mut KitHandle) -> Result<u64, String> {
    let (mut reader, mut writer) = kit.stream.split();
    Frame::new(Message::new(ToKit::WarmUp.name()).render())
        .write_async(&mut writer)
        .await
        .map_err(|e| format!("send warm-up: {e}"))?;
    loop {
        let frame = Frame::read_async(&mut reader, MAX_ANSWER_BYTES)
            .await
            .map_err(|e| format!("read the answer: {e}"))?;
        match classify(frame, FromKit::Warmed).map_err(|e| e.to_string())? {
            Reply::Skip => continue,
            Reply::Answer(message, _) => {
                return Ok(message
                    .get("ms")
                    .and_then(|ms| ms.parse().ok())
                    .unwrap_or(0))
            }
            Reply::Refused(message) => {
                return Err(message
                    .get("message")
                    .unwrap_or("the kit could not warm up")
                    .to_string())
            }
            Reply::Unexpected(name) => return Err(format!("unexpected answer {name:?}")),
        }
    }
}

/// A kit that exited (or whose socket broke) shows end-of-file or an error on a peek; a live,
/// idle kit has nothing to read. The peek leaves the socket as it was.
fn is_alive(kit: &KitHandle) -> bool {
    use nix::sys::socket::{recv, MsgFlags};
    use std::os::fd::AsRawFd;
    let mut byte = [0u8; 1];
    let flags = MsgFlags::MSG_PEEK | MsgFlags::MSG_DONTWAIT;
    match recv(kit.stream.as_raw_fd(), &mut byte, flags) {
        Err(nix::errno::Errno::EAGAIN) => true,
        // Data from an idle kit breaks the protocol; 0 bytes is end-of-file: it is gone.
        Ok(_) | Err(_) => false,
    }
}
