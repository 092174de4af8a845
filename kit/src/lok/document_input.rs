//! Document calls driven by users: key and mouse input, UNO commands, selections, the
//! clipboard, and LOK windows (dialogs). All are asynchronous on LibreOffice's side: a return
//! means "posted", the effect shows up later as callbacks.

use std::ffi::{c_char, CString};

use super::calls::doc_fn;
use super::calls::lok_call;

use super::strings::{c_string, take_malloced};
use super::{Document, LokError};

impl Document {
    lok_call! {
        /// A key event for the current view: `kind` from [`super::enums::keyevent`], `char_code` the
        /// Unicode character (0 for none), `key_code` from [`super::enums::key_code`] plus
        /// [`super::enums::key_modifier`] bits.
        post_key_event(kind: i32, char_code: i32, key_code: i32) => post_key_event
    }

    lok_call! {
        /// A mouse event at (`x`, `y`) twips: `kind` from [`super::enums::mouseevent`], `buttons`
        /// from [`super::enums::mouse_button`], `modifier` from [`super::enums::key_modifier`].
        post_mouse_event(kind: i32, x: i32, y: i32, count: i32, buttons: i32, modifier: i32) => post_mouse_event
    }

    lok_call! {
        /// Dispatches a UNO command such as `.uno:Bold`; `arguments` is LOK's JSON. With `notify`,
        /// LibreOffice answers with `UNO_COMMAND_RESULT`.
        post_uno_command(command: &str, arguments: Option<&str>, notify: bool) => post_uno_command
    }

    lok_call! {
        /// Moves a text selection handle ([`super::enums::set_text_selection`]) to (`x`, `y`) twips.
        set_text_selection(kind: i32, x: i32, y: i32) => set_text_selection
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

    lok_call! {
        /// Moves or resizes a graphic selection ([`super::enums::set_graphic_selection`]).
        set_graphic_selection(kind: i32, x: i32, y: i32) => set_graphic_selection
    }

    lok_call! {
        /// Clears the current view's selection.
        reset_selection() => reset_selection
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

    lok_call! {
        /// Keyboard input for a LOK window (dialog, sidebar) rather than the document.
        post_window_key_event(window_id: u32, kind: i32, char_code: i32, key_code: i32) => post_window_key_event
    }

    lok_call! {
        /// Mouse input for a LOK window, in pixels of that window.
        #[allow(clippy::too_many_arguments)]
        post_window_mouse_event(window_id: u32, kind: i32, x: i32, y: i32, count: i32, buttons: i32, modifier: i32) => post_window_mouse_event
    }

    lok_call! {
        /// IME composition text for a LOK window (0 for the document);
        /// `kind` from [`super::enums::ext_textinput`].
        post_window_ext_text_input_event(window_id: u32, kind: i32, text: &str) => post_window_ext_text_input_event
    }

    lok_call! {
        /// Deletes `before` characters before and `after` after the cursor (IME support).
        remove_text_context(window_id: u32, before: i32, after: i32) => remove_text_context
    }

    lok_call! {
        /// An action on a LOK window ([`super::enums::window_action`]).
        post_window(window_id: u32, action: i32, data: Option<&str>) => post_window
    }

    lok_call! {
        /// Resizes a LOK window to `width` × `height` pixels.
        resize_window(window_id: u32, width: i32, height: i32) => resize_window
    }

    lok_call! {
        /// A JSDialog event (`{"id":…,"cmd":…,"data":…}`) for a LOK window.
        send_dialog_event(window_id: u64, arguments: &str) => send_dialog_event
    }

    lok_call! {
        /// A form field event (drop-down selection and the like), JSON.
        send_form_field_event(arguments: &str) => send_form_field_event
    }

    lok_call! {
        /// A content control event (Writer content controls), JSON.
        send_content_control_event(arguments: &str) => send_content_control_event
    }

    lok_call! {
        /// Blocks a list of UNO commands (space separated) for view `view_id`.
        set_blocked_command_list(view_id: i32, commands: &str) => set_blocked_command_list
    }

    lok_call! {
        /// Calc: completes the function name being typed.
        complete_function(name: &str) => complete_function
    }

    lok_call! {
        /// Impress: selects (1), deselects (0) or toggles (2) part `part`.
        select_part(part: i32, select: i32) => select_part
    }

    lok_call! {
        /// Impress: moves (or duplicates) the selected slides to `position`.
        move_selected_parts(position: i32, duplicate: bool) => move_selected_parts
    }

    lok_call! {
        /// Calc: shows or hides an outline (grouping) level.
        set_outline_state(column: bool, level: i32, index: i32, hidden: bool) => set_outline_state
    }
}
