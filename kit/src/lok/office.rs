//! The office handle (`LibreOfficeKit*`): loading documents and office-wide settings.

use std::path::Path;

use super::callback::{trampoline, CallbackEvent, CallbackSlot};
use super::ffi::{office_has_member, LibreOfficeKit, LibreOfficeKitClass};
use super::strings::{c_string, c_string_opt, ptr_or_null, take_malloced};
use super::{file_url, vtable_member, Document, LokError};

/// The initialised LibreOffice. Not destroyed on drop: LibreOffice cannot be initialised again
/// in the same process (destroy then re-init crashes), and kits leave with `_exit` anyway.
pub struct Office {
    kit: *mut LibreOfficeKit,
}

// SAFETY: LOK's office entry points take LibreOffice's SolarMutex themselves, so they may be
// called from any thread as long as calls are not concurrent, which `!Sync` ensures.
unsafe impl Send for Office {}

macro_rules! office_fn {
    ($self:expr, $member:ident) => {
        vtable_member!(
            $self.class(),
            LibreOfficeKitClass,
            office_has_member,
            $member
        )
    };
}

impl Office {
    /// Wraps the pointer `libreofficekit_hook_2` returned; `None` for null.
    ///
    /// # Safety
    /// `kit` must be null or a live office whose `pClass` points to a LOK office vtable, and it
    /// must stay alive for the rest of the process.
    pub(crate) unsafe fn from_raw(kit: *mut LibreOfficeKit) -> Option<Office> {
        // SAFETY: the caller promises a valid office; a null class would be unusable.
        if kit.is_null() || unsafe { (*kit).p_class }.is_null() {
            return None;
        }
        Some(Office { kit })
    }

    /// The raw office pointer, for calls this wrapper does not cover.
    pub fn as_raw(&self) -> *mut LibreOfficeKit {
        self.kit
    }

    fn class(&self) -> &LibreOfficeKitClass {
        // SAFETY: checked non-null in from_raw; LibreOffice never frees the vtable.
        unsafe { &*(*self.kit).p_class }
    }

    /// Loads the document at `path` (made into a `file://` URL). `options` are LOK load options,
    /// e.g. `Language=en-US,Batch=true`; empty for none.
    pub fn load(&self, path: &Path, options: &str) -> Result<Document, LokError> {
        self.load_url(&file_url(path)?, options)
    }

    /// Loads the document at `url` (any URL LibreOffice understands, normally `file://`).
    pub fn load_url(&self, url: &str, options: &str) -> Result<Document, LokError> {
        let url = c_string(url)?;
        let options = c_string_opt((!options.is_empty()).then_some(options))?;
        let load = office_fn!(self, document_load_with_options)?;
        // SAFETY: `self.kit` is live; both strings are NUL-terminated (or null for options,
        // which LOK accepts) and outlive the call.
        let doc = unsafe { load(self.kit, url.as_ptr(), ptr_or_null(&options)) };
        // SAFETY: a non-null result is a document LOK created and hands over to us.
        match unsafe { Document::from_raw(doc) } {
            Some(document) => Ok(document),
            None => Err(LokError::LoadFailed {
                message: self
                    .last_error()
                    .unwrap_or_else(|| "no error text from LibreOffice".to_string()),
            }),
        }
    }

    /// LibreOffice's last error message, if any (`getError`).
    pub fn last_error(&self) -> Option<String> {
        let get_error = office_fn!(self, get_error).ok()?;
        // SAFETY: `self.kit` is live; the result is null or a string we must free.
        let ptr = unsafe { get_error(self.kit) };
        if ptr.is_null() {
            return None;
        }
        // SAFETY: copy the NUL-terminated string before freeing it below.
        let text = unsafe { std::ffi::CStr::from_ptr(ptr) }
            .to_string_lossy()
            .into_owned();
        match office_fn!(self, free_error) {
            // SAFETY: freeError is LOK's own deallocator for getError's result.
            Ok(free_error) => unsafe { free_error(ptr) },
            // SAFETY: without freeError, LOK's strings come from malloc.
            Err(_) => unsafe { libc::free(ptr.cast()) },
        }
        (!text.is_empty()).then_some(text)
    }

    /// `getVersionInfo`: JSON such as
    /// `{"ProductName":"LibreOffice","ProductVersion":"7.4",...}`.
    pub fn version_info(&self) -> Result<String, LokError> {
        let get = office_fn!(self, get_version_info)?;
        // SAFETY: `self.kit` is live; the result is a malloced string we own, or null.
        unsafe { take_malloced(get(self.kit)) }.ok_or(LokError::MissingMember {
            name: "get_version_info result",
        })
    }

    /// `getFilterTypes`: JSON mapping each filter name to its media type.
    pub fn filter_types(&self) -> Result<String, LokError> {
        let get = office_fn!(self, get_filter_types)?;
        // SAFETY: `self.kit` is live; the result is a malloced string we own, or null.
        unsafe { take_malloced(get(self.kit)) }.ok_or(LokError::MissingMember {
            name: "get_filter_types result",
        })
    }

    /// `setOptionalFeatures`: a bit set of [`super::enums::feature`].
    pub fn set_optional_features(&self, features: u64) -> Result<(), LokError> {
        let set = office_fn!(self, set_optional_features)?;
        // SAFETY: `self.kit` is live; the argument is a plain integer.
        unsafe { set(self.kit, features) };
        Ok(())
    }

    /// `setDocumentPassword` for the document at `url` (None: cancel the password request).
    pub fn set_document_password(&self, url: &str, password: Option<&str>) -> Result<(), LokError> {
        let url = c_string(url)?;
        let password = c_string_opt(password)?;
        let set = office_fn!(self, set_document_password)?;
        // SAFETY: `self.kit` is live; strings outlive the call; a null password is allowed.
        unsafe { set(self.kit, url.as_ptr(), ptr_or_null(&password)) };
        Ok(())
    }

    /// `setOption(option, value)`, e.g. `("profilingsInterval", "…")`.
    pub fn set_option(&self, option: &str, value: &str) -> Result<(), LokError> {
        let option = c_string(option)?;
        let value = c_string(value)?;
        let set = office_fn!(self, set_option)?;
        // SAFETY: `self.kit` is live; both strings outlive the call.
        unsafe { set(self.kit, option.as_ptr(), value.as_ptr()) };
        Ok(())
    }

    /// `sendDialogEvent` for a LOK window id (JSDialog).
    pub fn send_dialog_event(&self, window_id: u64, arguments: &str) -> Result<(), LokError> {
        let arguments = c_string(arguments)?;
        let send = office_fn!(self, send_dialog_event)?;
        // SAFETY: `self.kit` is live; the string outlives the call.
        unsafe { send(self.kit, window_id, arguments.as_ptr()) };
        Ok(())
    }

    /// Registers an office-wide callback (status indicator, document password, …). Events carry
    /// `view == -1`. The handler is kept for the rest of the process, because the office is.
    pub fn register_callback(
        &self,
        handler: impl Fn(CallbackEvent) + Send + Sync + 'static,
    ) -> Result<(), LokError> {
        let register = office_fn!(self, register_callback)?;
        let slot: &'static CallbackSlot = Box::leak(CallbackSlot::new(-1, Box::new(handler)));
        let data = (slot as *const CallbackSlot).cast_mut().cast();
        // SAFETY: `self.kit` is live; `data` points to a leaked slot that lives forever, and
        // `trampoline` matches LibreOfficeKitCallback.
        unsafe { register(self.kit, Some(trampoline), data) };
        Ok(())
    }

    /// The vtable size LibreOffice reports (`nSize`): 128 for 7.4.
    pub fn class_size(&self) -> usize {
        self.class().n_size
    }
}
