//! The recent `KitExited` signals of forkit, so that a kit socket that broke can be told apart:
//! a kit the kernel's OOM killer ended (its document needed more than `[kit] memory_max_mb`)
//! from one that crashed.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;

use crate::kit::KitExit;
use oxool_bus::forkit1::Forkit1Proxy;

/// How many exits are kept: far more than can happen between a socket's end and its question.
const KEPT: usize = 256;

/// How long to wait for forkit's report after a kit socket closed: the kit is reaped and
/// reported within milliseconds, unless forkit itself is gone.
pub const REPORT_WAIT: Duration = Duration::from_secs(2);

#[derive(Default)]
pub struct KitExits {
    recent: Mutex<VecDeque<(u32, KitExit)>>,
    heard: tokio::sync::Notify,
}

impl KitExits {
    /// Listens to `proxy`'s `KitExited` from now on (the match rule is in place on return).
    pub async fn listen(self: &Arc<Self>, proxy: &Forkit1Proxy<'static>) -> zbus::Result<()> {
        let mut signals = proxy.receive_kit_exited().await?;
        let exits = Arc::clone(self);
        tokio::spawn(async move {
            while let Some(signal) = signals.next().await {
                if let Ok(args) = signal.args() {
                    exits.record(
                        args.pid,
                        KitExit {
                            status: args.status,
                            oom: args.oom,
                        },
                    );
                }
            }
        });
        Ok(())
    }

    fn record(&self, pid: u32, exit: KitExit) {
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        if recent.len() == KEPT {
            recent.pop_front();
        }
        recent.push_back((pid, exit));
        drop(recent);
        self.heard.notify_waiters();
    }

    fn find(&self, pid: u32) -> Option<KitExit> {
        let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        recent
            .iter()
            .rev()
            .find(|(p, _)| *p == pid)
            .map(|(_, e)| *e)
    }

    /// The exit of `pid`, waiting up to `wait` for it to be reported.
    pub async fn wait_for(&self, pid: u32, wait: Duration) -> Option<KitExit> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let heard = self.heard.notified();
            tokio::pin!(heard);
            // Registered before looking, so a report between the look and the wait is not lost.
            heard.as_mut().enable();
            if let Some(exit) = self.find(pid) {
                return Some(exit);
            }
            if tokio::time::timeout_at(deadline, heard).await.is_err() {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_report_that_arrives_while_waiting_is_found() {
        let exits = Arc::new(KitExits::default());
        let later = Arc::clone(&exits);
        tokio::spawn(async move {
            tokio::task::yield_now().await;
            later.record(
                7,
                KitExit {
                    status: -9,
                    oom: true,
                },
            );
        });
        let exit = exits.wait_for(7, Duration::from_secs(30)).await;
        assert_eq!(
            exit,
            Some(KitExit {
                status: -9,
                oom: true
            })
        );
        assert_eq!(exits.wait_for(8, Duration::from_millis(1)).await, None);
    }
}
