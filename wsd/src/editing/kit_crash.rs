//! A document's kit ended without being asked to (a LibreOffice crash, its memory limit, a
//! seccomp kill, a broken protocol).

use super::broker::Broker;
use super::{close_code, Closing};

impl Broker {
    pub(super) fn on_kit_gone(&mut self, reason: &str, broke_protocol: bool, out_of_memory: bool) {
        tracing::warn!(kit_pid = self.kit.pid, %reason, out_of_memory, "the document's kit ended");
        self.kill_kit = broke_protocol;
        // Reopening a document that needed more memory than a kit may use would only fail
        // again: that close is final, and says why.
        let closing = if out_of_memory {
            Closing::new(
                close_code::INTERNAL,
                "kit-out-of-memory",
                crate::kit::OUT_OF_MEMORY,
            )
        } else {
            Closing::new(
                close_code::INTERNAL,
                "kit-crashed",
                "the document process ended unexpectedly; reconnect to reopen the document",
            )
        };
        for member in self.members.values_mut() {
            member.error(closing.reason, &closing.message, None);
            member.close(closing.clone());
        }
        self.members.clear();
        if self.modified() {
            tracing::error!("edits since the last save are lost with the kit");
        }
        self.done = true;
    }
}
