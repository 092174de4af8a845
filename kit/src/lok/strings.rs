//! Strings across the C boundary: Rust → `CString`, and LOK's `malloc`ed results back → `String`.

use std::ffi::{c_char, CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::LokError;

/// A C copy of `text`; LOK cannot take an embedded NUL.
pub(crate) fn c_string(text: &str) -> Result<CString, LokError> {
    CString::new(text).map_err(|_| LokError::NulInString)
}

/// An optional C string; `None` becomes a null pointer at the call site.
pub(crate) fn c_string_opt(text: Option<&str>) -> Result<Option<CString>, LokError> {
    text.map(c_string).transpose()
}

/// The raw pointer of an optional C string (null for `None`).
pub(crate) fn ptr_or_null(text: &Option<CString>) -> *const c_char {
    text.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
}

/// A filesystem path as LOK's `install_path` argument.
pub(crate) fn c_path(path: &Path) -> Result<CString, LokError> {
    CString::new(path.as_os_str().as_bytes()).map_err(|_| LokError::NulInPath)
}

/// Copies a string LOK allocated with `malloc` and frees it, as the LOK API asks of callers.
/// Null becomes `None`; invalid UTF-8 is replaced rather than rejected, because these strings
/// are informative (errors, JSON produced by LibreOffice itself).
///
/// # Safety
/// `ptr` must be null or a NUL-terminated string allocated with `malloc` that nothing else frees.
pub(crate) unsafe fn take_malloced(ptr: *mut c_char) -> Option<String> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: the caller guarantees a valid NUL-terminated string.
    let text = unsafe { CStr::from_ptr(ptr) }
        .to_string_lossy()
        .into_owned();
    // SAFETY: the caller guarantees it came from malloc and that we own it.
    unsafe { libc::free(ptr.cast()) };
    Some(text)
}
