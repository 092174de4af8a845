//! LOK callbacks: an `extern "C"` trampoline that copies each event and hands it to Rust code.
//!
//! LibreOffice calls back on its own thread, with a payload that is valid only during the call.
//! The trampoline therefore copies the payload into an owned [`CallbackEvent`] and passes it to a
//! `Fn + Send + Sync` handler (typically one that sends it down a channel). The handler lives in a
//! [`CallbackSlot`] box whose address LibreOffice keeps as `pData`; whoever registers it must keep
//! the box alive for as long as LibreOffice may call it.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// One callback from LibreOffice, copied out of its thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackEvent {
    /// The view the callback was registered for; -1 for office-wide callbacks.
    pub view: i32,
    /// The callback type: one of [`super::enums::callback`].
    pub kind: i32,
    /// The payload, often JSON or a rectangle list; empty when LibreOffice sent none.
    pub payload: String,
}

/// What a registration hands to LibreOffice as `pData`.
pub(crate) struct CallbackSlot {
    view: i32,
    handler: Box<dyn Fn(CallbackEvent) + Send + Sync>,
}

impl CallbackSlot {
    pub(crate) fn new(view: i32, handler: Box<dyn Fn(CallbackEvent) + Send + Sync>) -> Box<Self> {
        Box::new(CallbackSlot { view, handler })
    }

    /// The `pData` pointer for this slot. Call it on a boxed slot (whose address is stable) and
    /// keep the box alive for every call LibreOffice makes.
    pub(crate) fn as_data(&self) -> *mut c_void {
        (self as *const CallbackSlot).cast_mut().cast()
    }
}

/// The C callback LibreOffice calls: copies the event and runs the slot's handler.
///
/// # Safety
/// `data` must point to a live [`CallbackSlot`]; `payload` must be null or a NUL-terminated
/// string valid for the duration of the call. LibreOffice guarantees the latter; the owners of
/// the slots (`Office`, `Document`) guarantee the former.
pub(crate) unsafe extern "C" fn trampoline(kind: c_int, payload: *const c_char, data: *mut c_void) {
    if data.is_null() {
        return;
    }
    // SAFETY: `data` is the address of a CallbackSlot kept alive by its registrar (see above);
    // the slot is only read, and its handler is Sync, so concurrent calls are fine.
    let slot = unsafe { &*data.cast::<CallbackSlot>() };
    let payload = if payload.is_null() {
        String::new()
    } else {
        // SAFETY: LibreOffice passes a NUL-terminated string valid during this call.
        unsafe { CStr::from_ptr(payload) }
            .to_string_lossy()
            .into_owned()
    };
    let event = CallbackEvent {
        view: slot.view,
        kind,
        payload,
    };
    // A panic must not unwind into LibreOffice's C++ frames (that aborts the process); a
    // handler that panics loses this one event instead.
    let _ = catch_unwind(AssertUnwindSafe(|| (slot.handler)(event)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CString;
    use std::sync::mpsc;

    #[test]
    fn trampoline_copies_payload_and_view() {
        let (tx, rx) = mpsc::channel();
        let slot = CallbackSlot::new(
            3,
            Box::new(move |event| {
                let _ = tx.send(event);
            }),
        );
        let payload = CString::new("0, 0, 100, 200").unwrap();
        // SAFETY: the slot is alive and the payload is a valid C string for the call.
        unsafe { trampoline(0, payload.as_ptr(), slot.as_data()) };
        // SAFETY: as above; a null payload is allowed.
        unsafe { trampoline(8, std::ptr::null(), slot.as_data()) };
        assert_eq!(
            rx.try_recv().unwrap(),
            CallbackEvent {
                view: 3,
                kind: 0,
                payload: "0, 0, 100, 200".into()
            }
        );
        assert_eq!(rx.try_recv().unwrap().payload, "");
    }

    #[test]
    fn panicking_handler_does_not_unwind_out() {
        let slot = CallbackSlot::new(0, Box::new(|_| panic!("handler bug")));
        // SAFETY: the slot is alive; a null payload is allowed.
        unsafe { trampoline(1, std::ptr::null(), slot.as_data()) };
    }
}
