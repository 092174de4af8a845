//! The LibreOfficeKit C ABI, written out by hand for LibreOffice 7.4 on x86_64.
//!
//! Transcribed from `LibreOfficeKit.h` / `LibreOfficeKitTypes.h` of Debian's `libreofficekit-dev`
//! 7.4.7 with `LOK_USE_UNSTABLE_API` defined (without it the document class has only 4 members).
//! We do not use bindgen: the layout is small, stable within a release and checked by the tests
//! at the bottom (size 128 / 536 and the offsets the rest of the crate relies on).
//!
//! Both handles are one pointer to a vtable whose first field `nSize` is the vtable's size as
//! LibreOffice built it. A member may be called only when its offset is below `nSize`
//! ([`office_has_member`], [`document_has_member`]); that keeps us safe against an older
//! LibreOffice with a shorter vtable. Newer builds append members after
//! `getSelectionTypeAndText`; we do not declare those, so we never read past what 7.4 defines.
//! `paintTileToCGContext` sits under `#ifdef IOS` in the header and is absent on Linux.

use std::ffi::{c_char, c_int, c_long, c_uchar, c_uint, c_ulonglong, c_void};

/// `LibreOfficeKitCallback`: `void (*)(int nType, const char* pPayload, void* pData)`.
pub type LokCallback = unsafe extern "C" fn(c_int, *const c_char, *mut c_void);
/// `LibreOfficeKitPollCallback`: `int (*)(void* pData, int timeoutUs)` (unipoll mode only).
pub type LokPollCallback = unsafe extern "C" fn(*mut c_void, c_int) -> c_int;
/// `LibreOfficeKitWakeCallback`: `void (*)(void* pData)` (unipoll mode only).
pub type LokWakeCallback = unsafe extern "C" fn(*mut c_void);

/// `lok_preinit_2(install_path, user_profile_url, &kit) -> 0 on success`.
pub type LokPreinit2 =
    unsafe extern "C" fn(*const c_char, *const c_char, *mut *mut LibreOfficeKit) -> c_int;
/// `libreofficekit_hook_2(install_path, user_profile_url) -> kit or NULL`.
pub type LokHook2 = unsafe extern "C" fn(*const c_char, *const c_char) -> *mut LibreOfficeKit;

/// Entry points exported by `libmergedlo.so`.
pub const SYMBOL_PREINIT_2: &str = "lok_preinit_2";
pub const SYMBOL_HOOK_2: &str = "libreofficekit_hook_2";

type Kit = *mut LibreOfficeKit;
type Doc = *mut LibreOfficeKitDocument;

/// `struct _LibreOfficeKit`.
#[repr(C)]
pub struct LibreOfficeKit {
    pub p_class: *mut LibreOfficeKitClass,
}

/// `struct _LibreOfficeKitClass`: `nSize` + 15 function pointers, 128 bytes in 7.4.
#[repr(C)]
pub struct LibreOfficeKitClass {
    pub n_size: usize,
    pub destroy: Option<unsafe extern "C" fn(Kit)>,
    pub document_load: Option<unsafe extern "C" fn(Kit, *const c_char) -> Doc>,
    pub get_error: Option<unsafe extern "C" fn(Kit) -> *mut c_char>,
    pub document_load_with_options:
        Option<unsafe extern "C" fn(Kit, *const c_char, *const c_char) -> Doc>,
    pub free_error: Option<unsafe extern "C" fn(*mut c_char)>,
    pub register_callback: Option<unsafe extern "C" fn(Kit, Option<LokCallback>, *mut c_void)>,
    pub get_filter_types: Option<unsafe extern "C" fn(Kit) -> *mut c_char>,
    pub set_optional_features: Option<unsafe extern "C" fn(Kit, c_ulonglong)>,
    pub set_document_password: Option<unsafe extern "C" fn(Kit, *const c_char, *const c_char)>,
    pub get_version_info: Option<unsafe extern "C" fn(Kit) -> *mut c_char>,
    pub run_macro: Option<unsafe extern "C" fn(Kit, *const c_char) -> c_int>,
    pub sign_document: Option<
        unsafe extern "C" fn(
            Kit,
            *const c_char,
            *const c_uchar,
            c_int,
            *const c_uchar,
            c_int,
        ) -> bool,
    >,
    pub run_loop: Option<
        unsafe extern "C" fn(Kit, Option<LokPollCallback>, Option<LokWakeCallback>, *mut c_void),
    >,
    pub send_dialog_event: Option<unsafe extern "C" fn(Kit, c_ulonglong, *const c_char)>,
    pub set_option: Option<unsafe extern "C" fn(Kit, *const c_char, *const c_char)>,
}

/// `struct _LibreOfficeKitDocument`.
#[repr(C)]
pub struct LibreOfficeKitDocument {
    pub p_class: *mut LibreOfficeKitDocumentClass,
}

/// `struct _LibreOfficeKitDocumentClass`: `nSize` + 66 function pointers, 536 bytes in 7.4.
#[repr(C)]
pub struct LibreOfficeKitDocumentClass {
    pub n_size: usize,
    pub destroy: Option<unsafe extern "C" fn(Doc)>,
    pub save_as:
        Option<unsafe extern "C" fn(Doc, *const c_char, *const c_char, *const c_char) -> c_int>,
    pub get_document_type: Option<unsafe extern "C" fn(Doc) -> c_int>,
    // Everything below is LOK_USE_UNSTABLE_API.
    pub get_parts: Option<unsafe extern "C" fn(Doc) -> c_int>,
    pub get_part_page_rectangles: Option<unsafe extern "C" fn(Doc) -> *mut c_char>,
    pub get_part: Option<unsafe extern "C" fn(Doc) -> c_int>,
    pub set_part: Option<unsafe extern "C" fn(Doc, c_int)>,
    pub get_part_name: Option<unsafe extern "C" fn(Doc, c_int) -> *mut c_char>,
    pub set_part_mode: Option<unsafe extern "C" fn(Doc, c_int)>,
    pub paint_tile:
        Option<unsafe extern "C" fn(Doc, *mut c_uchar, c_int, c_int, c_int, c_int, c_int, c_int)>,
    pub get_tile_mode: Option<unsafe extern "C" fn(Doc) -> c_int>,
    pub get_document_size: Option<unsafe extern "C" fn(Doc, *mut c_long, *mut c_long)>,
    pub initialize_for_rendering: Option<unsafe extern "C" fn(Doc, *const c_char)>,
    pub register_callback: Option<unsafe extern "C" fn(Doc, Option<LokCallback>, *mut c_void)>,
    pub post_key_event: Option<unsafe extern "C" fn(Doc, c_int, c_int, c_int)>,
    pub post_mouse_event:
        Option<unsafe extern "C" fn(Doc, c_int, c_int, c_int, c_int, c_int, c_int)>,
    pub post_uno_command: Option<unsafe extern "C" fn(Doc, *const c_char, *const c_char, bool)>,
    pub set_text_selection: Option<unsafe extern "C" fn(Doc, c_int, c_int, c_int)>,
    pub get_text_selection:
        Option<unsafe extern "C" fn(Doc, *const c_char, *mut *mut c_char) -> *mut c_char>,
    pub paste: Option<unsafe extern "C" fn(Doc, *const c_char, *const c_char, usize) -> bool>,
    pub set_graphic_selection: Option<unsafe extern "C" fn(Doc, c_int, c_int, c_int)>,
    pub reset_selection: Option<unsafe extern "C" fn(Doc)>,
    pub get_command_values: Option<unsafe extern "C" fn(Doc, *const c_char) -> *mut c_char>,
    pub set_client_zoom: Option<unsafe extern "C" fn(Doc, c_int, c_int, c_int, c_int)>,
    pub set_client_visible_area: Option<unsafe extern "C" fn(Doc, c_int, c_int, c_int, c_int)>,
    pub create_view: Option<unsafe extern "C" fn(Doc) -> c_int>,
    pub destroy_view: Option<unsafe extern "C" fn(Doc, c_int)>,
    pub set_view: Option<unsafe extern "C" fn(Doc, c_int)>,
    pub get_view: Option<unsafe extern "C" fn(Doc) -> c_int>,
    pub get_views_count: Option<unsafe extern "C" fn(Doc) -> c_int>,
    pub render_font: Option<
        unsafe extern "C" fn(
            Doc,
            *const c_char,
            *const c_char,
            *mut c_int,
            *mut c_int,
        ) -> *mut c_uchar,
    >,
    pub get_part_hash: Option<unsafe extern "C" fn(Doc, c_int) -> *mut c_char>,
    pub paint_part_tile: Option<
        unsafe extern "C" fn(Doc, *mut c_uchar, c_int, c_int, c_int, c_int, c_int, c_int, c_int),
    >,
    pub get_view_ids: Option<unsafe extern "C" fn(Doc, *mut c_int, usize) -> bool>,
    pub set_outline_state: Option<unsafe extern "C" fn(Doc, bool, c_int, c_int, bool)>,
    pub paint_window:
        Option<unsafe extern "C" fn(Doc, c_uint, *mut c_uchar, c_int, c_int, c_int, c_int)>,
    pub post_window: Option<unsafe extern "C" fn(Doc, c_uint, c_int, *const c_char)>,
    pub post_window_key_event: Option<unsafe extern "C" fn(Doc, c_uint, c_int, c_int, c_int)>,
    pub post_window_mouse_event:
        Option<unsafe extern "C" fn(Doc, c_uint, c_int, c_int, c_int, c_int, c_int, c_int)>,
    pub set_view_language: Option<unsafe extern "C" fn(Doc, c_int, *const c_char)>,
    pub post_window_ext_text_input_event:
        Option<unsafe extern "C" fn(Doc, c_uint, c_int, *const c_char)>,
    pub get_part_info: Option<unsafe extern "C" fn(Doc, c_int) -> *mut c_char>,
    pub paint_window_dpi:
        Option<unsafe extern "C" fn(Doc, c_uint, *mut c_uchar, c_int, c_int, c_int, c_int, f64)>,
    // paintTileToCGContext: #ifdef IOS, not present here.
    pub insert_certificate:
        Option<unsafe extern "C" fn(Doc, *const c_uchar, c_int, *const c_uchar, c_int) -> bool>,
    pub add_certificate: Option<unsafe extern "C" fn(Doc, *const c_uchar, c_int) -> bool>,
    pub get_signature_state: Option<unsafe extern "C" fn(Doc) -> c_int>,
    pub render_shape_selection: Option<unsafe extern "C" fn(Doc, *mut *mut c_char) -> usize>,
    pub post_window_gesture_event:
        Option<unsafe extern "C" fn(Doc, c_uint, *const c_char, c_int, c_int, c_int)>,
    pub create_view_with_options: Option<unsafe extern "C" fn(Doc, *const c_char) -> c_int>,
    pub select_part: Option<unsafe extern "C" fn(Doc, c_int, c_int)>,
    pub move_selected_parts: Option<unsafe extern "C" fn(Doc, c_int, bool)>,
    pub resize_window: Option<unsafe extern "C" fn(Doc, c_uint, c_int, c_int)>,
    pub get_clipboard: Option<
        unsafe extern "C" fn(
            Doc,
            *const *const c_char,
            *mut usize,
            *mut *mut *mut c_char,
            *mut *mut usize,
            *mut *mut *mut c_char,
        ) -> c_int,
    >,
    pub set_clipboard: Option<
        unsafe extern "C" fn(
            Doc,
            usize,
            *const *const c_char,
            *const usize,
            *const *const c_char,
        ) -> c_int,
    >,
    pub get_selection_type: Option<unsafe extern "C" fn(Doc) -> c_int>,
    pub remove_text_context: Option<unsafe extern "C" fn(Doc, c_uint, c_int, c_int)>,
    pub send_dialog_event: Option<unsafe extern "C" fn(Doc, c_ulonglong, *const c_char)>,
    pub render_font_orientation: Option<
        unsafe extern "C" fn(
            Doc,
            *const c_char,
            *const c_char,
            *mut c_int,
            *mut c_int,
            c_int,
        ) -> *mut c_uchar,
    >,
    pub paint_window_for_view: Option<
        unsafe extern "C" fn(Doc, c_uint, *mut c_uchar, c_int, c_int, c_int, c_int, f64, c_int),
    >,
    pub complete_function: Option<unsafe extern "C" fn(Doc, *const c_char)>,
    pub set_window_text_selection: Option<unsafe extern "C" fn(Doc, c_uint, bool, c_int, c_int)>,
    pub send_form_field_event: Option<unsafe extern "C" fn(Doc, *const c_char)>,
    pub set_blocked_command_list: Option<unsafe extern "C" fn(Doc, c_int, *const c_char)>,
    pub render_search_result: Option<
        unsafe extern "C" fn(
            Doc,
            *const c_char,
            *mut *mut c_uchar,
            *mut c_int,
            *mut c_int,
            *mut usize,
        ) -> bool,
    >,
    pub send_content_control_event: Option<unsafe extern "C" fn(Doc, *const c_char)>,
    /// @since LibreOffice 7.4: the last member of the 7.4 vtable.
    pub get_selection_type_and_text: Option<
        unsafe extern "C" fn(Doc, *const c_char, *mut *mut c_char, *mut *mut c_char) -> c_int,
    >,
}

/// Whether the office vtable LibreOffice built reaches the member at `offset`
/// (the header's `LIBREOFFICEKIT_HAS`).
pub fn office_has_member(n_size: usize, offset: usize) -> bool {
    offset < n_size && offset + size_of::<usize>() <= size_of::<LibreOfficeKitClass>()
}

/// Whether the document vtable LibreOffice built reaches the member at `offset`
/// (the header's `LIBREOFFICEKIT_DOCUMENT_HAS`).
pub fn document_has_member(n_size: usize, offset: usize) -> bool {
    offset < n_size && offset + size_of::<usize>() <= size_of::<LibreOfficeKitDocumentClass>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::offset_of;

    /// Asserts the offset of each member of `$class`, naming the member that is off.
    macro_rules! assert_offsets {
        ($class:ty { $($member:ident: $offset:literal,)* }) => {
            $(assert_eq!(offset_of!($class, $member), $offset, stringify!($member));)*
        };
    }

    #[test]
    fn vtable_sizes_match_libreoffice_7_4() {
        assert_eq!(size_of::<LibreOfficeKitClass>(), 128);
        assert_eq!(size_of::<LibreOfficeKitDocumentClass>(), 536);
        assert_eq!(size_of::<LibreOfficeKit>(), 8);
        assert_eq!(size_of::<LibreOfficeKitDocument>(), 8);
        // An Option of a fn pointer is one nullable pointer, as in C.
        assert_eq!(size_of::<Option<LokCallback>>(), 8);
    }

    #[test]
    fn office_class_offsets() {
        assert_offsets!(LibreOfficeKitClass {
            n_size: 0,
            destroy: 8,
            document_load: 16,
            get_error: 24,
            document_load_with_options: 32,
            free_error: 40,
            register_callback: 48,
            get_filter_types: 56,
            set_optional_features: 64,
            set_document_password: 72,
            get_version_info: 80,
            run_macro: 88,
            sign_document: 96,
            run_loop: 104,
            send_dialog_event: 112,
            set_option: 120,
        });
    }

    #[test]
    fn document_class_offsets() {
        assert_offsets!(LibreOfficeKitDocumentClass {
            destroy: 8,
            save_as: 16,
            get_document_type: 24,
            get_parts: 32,
            get_part: 48,
            set_part: 56,
            paint_tile: 80,
            get_tile_mode: 88,
            get_document_size: 96,
            initialize_for_rendering: 104,
            register_callback: 112,
            post_key_event: 120,
            post_mouse_event: 128,
            post_uno_command: 136,
            set_client_zoom: 192,
            set_client_visible_area: 200,
            create_view: 208,
            destroy_view: 216,
            set_view: 224,
            get_view: 232,
            get_views_count: 240,
            paint_part_tile: 264,
            create_view_with_options: 392,
            get_selection_type_and_text: 528,
        });
    }

    #[test]
    fn member_gate_follows_n_size() {
        let last = offset_of!(LibreOfficeKitDocumentClass, get_selection_type_and_text);
        assert!(document_has_member(536, last));
        // A 7.3-sized vtable (one member shorter) must not reach the 7.4 addition.
        assert!(!document_has_member(528, last));
        assert!(document_has_member(528, last - 8));
        // Even a newer LibreOffice with a longer vtable never lets us read past our struct.
        assert!(!document_has_member(4096, 536));
        assert!(office_has_member(
            128,
            offset_of!(LibreOfficeKitClass, set_option)
        ));
        assert!(!office_has_member(
            120,
            offset_of!(LibreOfficeKitClass, set_option)
        ));
    }
}
