//! Document calls driven by users: key and mouse input, UNO commands, selections, the
//! clipboard, and LOK windows (dialogs). All are asynchronous on LibreOffice's side: a return
//! means "posted", the effect shows up later as callbacks.

use std::ffi::{c_char, CString};

use super::document::doc_fn;
use super::ffi::{document_has_member, LibreOfficeKitDocumentClass};
use super::strings::{c_string, c_string_opt, ptr_or_null, take_malloced};
use super::{vtable_member, Document, LokError};

impl Document {
    /// A key event for the current view: `kind` from [`super::enums::keyevent`], `char_code` the
    /// Unicode character (0 for none), `key_code` from [`super::enums::key_code`] plus
    /// [`super::enums::key_modifier`] bits.
    pub fn post_key_event(&self, kind: i32, char_code: i32, key_code: i32) -> Result<(), LokError> {
        let post = doc_fn!(self, post_key_event)?;
        // SAFETY: `self.doc` is live; plain integers.
        unsafe { post(self.doc, kind, char_code, key_code) };
        Ok(())
    }

    /// A mouse event at (`x`, `y`) twips: `kind` from [`super::enums::mouseevent`], `buttons`
    /// from [`super::enums::mouse_button`], `modifier` from [`super::enums::key_modifier`].
    pub fn post_mouse_event(
        &self,
        kind: i32,
        x: i32,
        y: i32,
        count: i32,
        buttons: i32,
        modifier: i32,
    ) -> Result<(), LokError> {
        let post = doc_fn!(self, post_mouse_event)?;
        // SAFETY: `self.doc` is live; plain integers.
        unsafe { post(self.doc, kind, x, y, count, buttons, modifier) };
        Ok(())
    }

    /// Dispatches a UNO command such as `.uno:Bold`; `arguments` is LOK's JSON. With `notify`,
    /// LibreOffice answers with `UNO_COMMAND_RESULT`.
    pub fn post_uno_command(
        &self,
        command: &str,
        arguments: Option<&str>,
        notify: bool,
    ) -> Result<(), LokError> {
        let command = c_string(command)?;
        let arguments = c_string_opt(arguments)?;
        let post = doc_fn!(self, post_uno_command)?;
        // SAFETY: `self.doc` is live; strings outlive the call; null arguments are allowed.
        unsafe { post(self.doc, command.as_ptr(), ptr_or_null(&arguments), notify) };
        Ok(())
    }

    /// Moves a text selection handle ([`super::enums::set_text_selection`]) to (`x`, `y`) twips.
    pub fn set_text_selection(&self, kind: i32, x: i32, y: i32) -> Result<(), LokError> {
        let set = doc_fn!(self, set_text_selection)?;
        // SAFETY: `self.doc` is live; plain integers.
        unsafe { set(self.doc, kind, x, y) };
        Ok(())
    }

    /// The current selection as `mime_type` (e.g. `text/plain;charset=utf-8`); returns the
    /// text and the MIME type LibreOffice actually used.
    pub fn get_text_selection(&self, mime_type: &str) -> Result<(String, String), LokError> {
        let mime = c_string(mime_type)?;
        let get = doc_fn!(self, get_text_selection)?;
        let mut used: *mut c_char = std::ptr::null_mut();
        // SAFETY: `self.doc` is live; `used` is a valid out pointer; both results are malloced
        // strings (or null) that we own and free in take_malloced.
        let text = unsafe { take_malloced(get(self.doc, mime.as_ptr(), &mut used)) };
        // SAFETY: as above.
        let used = unsafe { take_malloced(used) };
        Ok((text.unwrap_or_default(), used.unwrap_or_default()))
    }

    /// Pastes `data` of `mime_type` at the current view's cursor; true when LibreOffice took it.
    pub fn paste(&self, mime_type: &str, data: &[u8]) -> Result<bool, LokError> {
        let mime = c_string(mime_type)?;
        let paste = doc_fn!(self, paste)?;
        // SAFETY: `self.doc` is live; LOK reads exactly `data.len()` bytes from `data`.
        Ok(unsafe { paste(self.doc, mime.as_ptr(), data.as_ptr().cast(), data.len()) })
    }

    /// Moves or resizes a graphic selection ([`super::enums::set_graphic_selection`]).
    pub fn set_graphic_selection(&self, kind: i32, x: i32, y: i32) -> Result<(), LokError> {
        let set = doc_fn!(self, set_graphic_selection)?;
        // SAFETY: `self.doc` is live; plain integers.
        unsafe { set(self.doc, kind, x, y) };
        Ok(())
    }

    /// Clears the current view's selection.
    pub fn reset_selection(&self) -> Result<(), LokError> {
        let reset = doc_fn!(self, reset_selection)?;
        // SAFETY: `self.doc` is live.
        unsafe { reset(self.doc) };
        Ok(())
    }

    /// JSON values for a command such as `.uno:StyleApply` or `.uno:CharFontName`;
    /// `None` when LibreOffice has none.
    pub fn get_command_values(&self, command: &str) -> Result<Option<String>, LokError> {
        let command = c_string(command)?;
        let get = doc_fn!(self, get_command_values)?;
        // SAFETY: `self.doc` is live; the result is a malloced string we own, or null.
        Ok(unsafe { take_malloced(get(self.doc, command.as_ptr())) })
    }

    /// The current view's clipboard content: (MIME type, bytes) for each requested type, or
    /// every type LibreOffice offers when `mime_types` is `None`.
    pub fn get_clipboard(
        &self,
        mime_types: Option<&[&str]>,
    ) -> Result<Vec<(String, Vec<u8>)>, LokError> {
        let wanted: Option<Vec<CString>> = mime_types
            .map(|types| types.iter().map(|t| c_string(t)).collect())
            .transpose()?;
        // LOK wants a NULL-terminated array of C strings, or NULL for "all".
        let wanted_ptrs: Option<Vec<*const c_char>> = wanted.as_ref().map(|types| {
            types
                .iter()
                .map(|t| t.as_ptr())
                .chain(std::iter::once(std::ptr::null()))
                .collect()
        });
        let get = doc_fn!(self, get_clipboard)?;
        let mut count: usize = 0;
        let mut out_types: *mut *mut c_char = std::ptr::null_mut();
        let mut out_sizes: *mut usize = std::ptr::null_mut();
        let mut out_streams: *mut *mut c_char = std::ptr::null_mut();
        // SAFETY: `self.doc` is live; the input array (if any) is NULL-terminated and outlives
        // the call; the out pointers are valid. LOK allocates the out arrays with malloc.
        let ok = unsafe {
            get(
                self.doc,
                wanted_ptrs
                    .as_ref()
                    .map_or(std::ptr::null(), |p| p.as_ptr()),
                &mut count,
                &mut out_types,
                &mut out_sizes,
                &mut out_streams,
            )
        };
        let mut entries = Vec::new();
        for index in 0..count {
            if out_types.is_null() || out_sizes.is_null() || out_streams.is_null() {
                break;
            }
            // SAFETY: LOK filled `count` entries in each array; each element is ours to free.
            let (mime, size, stream) = unsafe {
                (
                    *out_types.add(index),
                    *out_sizes.add(index),
                    *out_streams.add(index),
                )
            };
            // SAFETY: a malloced NUL-terminated MIME type we own.
            let mime = unsafe { take_malloced(mime) }.unwrap_or_default();
            let bytes = if stream.is_null() {
                Vec::new()
            } else {
                // SAFETY: LOK reports `size` readable bytes at `stream`, which we then free.
                let bytes =
                    unsafe { std::slice::from_raw_parts(stream.cast::<u8>(), size) }.to_vec();
                // SAFETY: malloced by LOK, ours to free, not used after.
                unsafe { libc::free(stream.cast()) };
                bytes
            };
            entries.push((mime, bytes));
        }
        // SAFETY: the arrays themselves are malloced by LOK (or null) and no longer used.
        unsafe {
            libc::free(out_types.cast());
            libc::free(out_sizes.cast());
            libc::free(out_streams.cast());
        }
        if ok == 0 {
            entries.clear();
        }
        Ok(entries)
    }

    /// Replaces the current view's clipboard with `entries` of (MIME type, bytes).
    pub fn set_clipboard(&self, entries: &[(&str, &[u8])]) -> Result<bool, LokError> {
        let mimes: Vec<CString> = entries
            .iter()
            .map(|(m, _)| c_string(m))
            .collect::<Result<_, _>>()?;
        let mime_ptrs: Vec<*const c_char> = mimes.iter().map(|m| m.as_ptr()).collect();
        let sizes: Vec<usize> = entries.iter().map(|(_, data)| data.len()).collect();
        let streams: Vec<*const c_char> = entries
            .iter()
            .map(|(_, data)| data.as_ptr().cast())
            .collect();
        let set = doc_fn!(self, set_clipboard)?;
        // SAFETY: `self.doc` is live; the three arrays have `entries.len()` elements and, with
        // the data they point to, outlive the call; LOK copies what it keeps.
        let ok = unsafe {
            set(
                self.doc,
                entries.len(),
                mime_ptrs.as_ptr(),
                sizes.as_ptr(),
                streams.as_ptr(),
            )
        };
        Ok(ok != 0)
    }

    /// Paints the area (`x`, `y`, `width`, `height`, device pixels) of LOK window `window_id`
    /// at `scale` (1.0 = one device pixel per window pixel) into `buffer`, premultiplied
    /// 4-byte pixels in [`Self::tile_mode`]'s order, as view `view` sees it. LibreOffice paints
    /// nothing (and says nothing) for a window id it does not know.
    #[allow(clippy::too_many_arguments)]
    pub fn paint_window_for_view(
        &self,
        window_id: u32,
        buffer: &mut [u8],
        x: i32,
        y: i32,
        width: i32,
        height: i32,
        scale: f64,
        view: i32,
    ) -> Result<(), LokError> {
        let needed = usize::try_from(width)
            .ok()
            .zip(usize::try_from(height).ok())
            .and_then(|(w, h)| w.checked_mul(h)?.checked_mul(4))
            .filter(|_| width > 0 && height > 0)
            .ok_or(LokError::TileGeometry {
                detail: "the window area must be positive",
            })?;
        if buffer.len() < needed {
            return Err(LokError::TileBufferTooSmall {
                len: buffer.len(),
                needed,
            });
        }
        let paint = doc_fn!(self, paint_window_for_view)?;
        // SAFETY: `self.doc` is live; `buffer` holds width * height * 4 bytes (checked), the
        // device-pixel canvas LibreOffice paints into and nothing beyond.
        unsafe {
            paint(
                self.doc,
                window_id,
                buffer.as_mut_ptr(),
                x,
                y,
                width,
                height,
                scale,
                view,
            )
        };
        Ok(())
    }

    /// Keyboard input for a LOK window (dialog, sidebar) rather than the document.
    pub fn post_window_key_event(
        &self,
        window_id: u32,
        kind: i32,
        char_code: i32,
        key_code: i32,
    ) -> Result<(), LokError> {
        let post = doc_fn!(self, post_window_key_event)?;
        // SAFETY: `self.doc` is live; plain integers.
        unsafe { post(self.doc, window_id, kind, char_code, key_code) };
        Ok(())
    }

    /// Mouse input for a LOK window, in pixels of that window.
    #[allow(clippy::too_many_arguments)]
    pub fn post_window_mouse_event(
        &self,
        window_id: u32,
        kind: i32,
        x: i32,
        y: i32,
        count: i32,
        buttons: i32,
        modifier: i32,
    ) -> Result<(), LokError> {
        let post = doc_fn!(self, post_window_mouse_event)?;
        // SAFETY: `self.doc` is live; plain integers.
        unsafe { post(self.doc, window_id, kind, x, y, count, buttons, modifier) };
        Ok(())
    }

    /// IME composition text for a LOK window (0 for the document);
    /// `kind` from [`super::enums::ext_textinput`].
    pub fn post_window_ext_text_input_event(
        &self,
        window_id: u32,
        kind: i32,
        text: &str,
    ) -> Result<(), LokError> {
        let text = c_string(text)?;
        let post = doc_fn!(self, post_window_ext_text_input_event)?;
        // SAFETY: `self.doc` is live; the string outlives the call.
        unsafe { post(self.doc, window_id, kind, text.as_ptr()) };
        Ok(())
    }

    /// Deletes `before` characters before and `after` after the cursor (IME support).
    pub fn remove_text_context(
        &self,
        window_id: u32,
        before: i32,
        after: i32,
    ) -> Result<(), LokError> {
        let remove = doc_fn!(self, remove_text_context)?;
        // SAFETY: `self.doc` is live; plain integers.
        unsafe { remove(self.doc, window_id, before, after) };
        Ok(())
    }

    /// An action on a LOK window ([`super::enums::window_action`]).
    pub fn post_window(
        &self,
        window_id: u32,
        action: i32,
        data: Option<&str>,
    ) -> Result<(), LokError> {
        let data = c_string_opt(data)?;
        let post = doc_fn!(self, post_window)?;
        // SAFETY: `self.doc` is live; the string (or null) outlives the call.
        unsafe { post(self.doc, window_id, action, ptr_or_null(&data)) };
        Ok(())
    }

    /// Resizes a LOK window to `width` × `height` pixels.
    pub fn resize_window(&self, window_id: u32, width: i32, height: i32) -> Result<(), LokError> {
        let resize = doc_fn!(self, resize_window)?;
        // SAFETY: `self.doc` is live; plain integers.
        unsafe { resize(self.doc, window_id, width, height) };
        Ok(())
    }

    /// A JSDialog event (`{"id":…,"cmd":…,"data":…}`) for a LOK window.
    pub fn send_dialog_event(&self, window_id: u64, arguments: &str) -> Result<(), LokError> {
        let arguments = c_string(arguments)?;
        let send = doc_fn!(self, send_dialog_event)?;
        // SAFETY: `self.doc` is live; the string outlives the call.
        unsafe { send(self.doc, window_id, arguments.as_ptr()) };
        Ok(())
    }

    /// A form field event (drop-down selection and the like), JSON.
    pub fn send_form_field_event(&self, arguments: &str) -> Result<(), LokError> {
        let arguments = c_string(arguments)?;
        let send = doc_fn!(self, send_form_field_event)?;
        // SAFETY: `self.doc` is live; the string outlives the call.
        unsafe { send(self.doc, arguments.as_ptr()) };
        Ok(())
    }

    /// A content control event (Writer content controls), JSON.
    pub fn send_content_control_event(&self, arguments: &str) -> Result<(), LokError> {
        let arguments = c_string(arguments)?;
        let send = doc_fn!(self, send_content_control_event)?;
        // SAFETY: `self.doc` is live; the string outlives the call.
        unsafe { send(self.doc, arguments.as_ptr()) };
        Ok(())
    }

    /// Blocks a list of UNO commands (space separated) for view `view_id`.
    pub fn set_blocked_command_list(&self, view_id: i32, commands: &str) -> Result<(), LokError> {
        let commands = c_string(commands)?;
        let set = doc_fn!(self, set_blocked_command_list)?;
        // SAFETY: `self.doc` is live; the string outlives the call.
        unsafe { set(self.doc, view_id, commands.as_ptr()) };
        Ok(())
    }

    /// Calc: completes the function name being typed.
    pub fn complete_function(&self, name: &str) -> Result<(), LokError> {
        let name = c_string(name)?;
        let complete = doc_fn!(self, complete_function)?;
        // SAFETY: `self.doc` is live; the string outlives the call.
        unsafe { complete(self.doc, name.as_ptr()) };
        Ok(())
    }

    /// Impress: selects (1), deselects (0) or toggles (2) part `part`.
    pub fn select_part(&self, part: i32, select: i32) -> Result<(), LokError> {
        let select_part = doc_fn!(self, select_part)?;
        // SAFETY: `self.doc` is live; plain integers.
        unsafe { select_part(self.doc, part, select) };
        Ok(())
    }

    /// Impress: moves (or duplicates) the selected slides to `position`.
    pub fn move_selected_parts(&self, position: i32, duplicate: bool) -> Result<(), LokError> {
        let move_parts = doc_fn!(self, move_selected_parts)?;
        // SAFETY: `self.doc` is live; plain values.
        unsafe { move_parts(self.doc, position, duplicate) };
        Ok(())
    }

    /// Calc: shows or hides an outline (grouping) level.
    pub fn set_outline_state(
        &self,
        column: bool,
        level: i32,
        index: i32,
        hidden: bool,
    ) -> Result<(), LokError> {
        let set = doc_fn!(self, set_outline_state)?;
        // SAFETY: `self.doc` is live; plain values.
        unsafe { set(self.doc, column, level, index, hidden) };
        Ok(())
    }
}
