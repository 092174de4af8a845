//! LibreOfficeKit constants from `LibreOfficeKitEnums.h` (7.4), plus the few VCL/awt codes that
//! LOK's key and mouse events expect. Values are the C enum values; LOK passes them as `int`.

/// Declares C enums as modules of constants, each written as the header writes it, in order:
/// `NAME = value` where the header gives the value, a bare `NAME` where C counts on from the
/// previous constant (from 0 for the first), so each list reads line by line against the header.
/// The type is given once per enum: LOK passes the enums as `int`, the feature bits as
/// `unsigned long long`.
macro_rules! c_enums {
    // One constant, then the rest with the value after it.
    (@values $ty:ty, $next:expr;) => {};
    (@values $ty:ty, $next:expr; $name:ident = $value:expr $(, $($rest:tt)*)?) => {
        pub const $name: $ty = $value;
        c_enums!(@values $ty, $name + 1; $($($rest)*)?);
    };
    (@values $ty:ty, $next:expr; $name:ident $(, $($rest:tt)*)?) => {
        pub const $name: $ty = $next;
        c_enums!(@values $ty, $name + 1; $($($rest)*)?);
    };
    ($(
        $(#[$doc:meta])*
        mod $module:ident: $ty:ty { $($entries:tt)* }
    )*) => {$(
        $(#[$doc])*
        pub mod $module {
            c_enums!(@values $ty, 0; $($entries)*);
        }
    )*};
}

/// Declares a C enum as a module of `i32` constants together with the function that names a
/// value, from one list, so a value and its name cannot drift apart.
macro_rules! constants_with_names {
    (
        $(#[$module_doc:meta])* mod $module:ident;
        $(#[$name_doc:meta])* fn $name_fn:ident;
        $($name:ident = $value:literal,)*
    ) => {
        c_enums! {
            $(#[$module_doc])*
            mod $module: i32 {
                $($name = $value,)*
            }
        }

        $(#[$name_doc])*
        pub fn $name_fn(value: i32) -> &'static str {
            match value {
                $($module::$name => stringify!($name),)*
                _ => "UNKNOWN",
            }
        }
    };
}

c_enums! {
    /// `LibreOfficeKitDocumentType`.
    mod doctype: i32 {
        TEXT,
        SPREADSHEET,
        PRESENTATION,
        DRAWING,
        OTHER,
    }

    /// `LibreOfficeKitPartMode` (Impress: slides or notes pages).
    mod partmode: i32 {
        SLIDES,
        NOTES,
    }

    /// `LibreOfficeKitTileMode`: the byte order `paintTile` writes.
    mod tilemode: i32 {
        RGBA,
        BGRA,
    }

    /// `LibreOfficeKitWindowAction` (for `postWindow`).
    mod window_action: i32 {
        CLOSE,
        PASTE,
    }

    /// `LibreOfficeKitSelectionType`.
    mod seltype: i32 {
        NONE,
        TEXT,
        LARGE_TEXT,
        COMPLEX,
    }

    /// `LibreOfficeKitOptionalFeatures` (bit flags for `setOptionalFeatures`).
    mod feature: u64 {
        DOCUMENT_PASSWORD = 1 << 0,
        DOCUMENT_PASSWORD_TO_MODIFY = 1 << 1,
        PART_IN_INVALIDATION_CALLBACK = 1 << 2,
        NO_TILED_ANNOTATIONS = 1 << 3,
        RANGE_HEADERS = 1 << 4,
        VIEWID_IN_VISCURSOR_INVALIDATION_CALLBACK = 1 << 5,
    }
}

constants_with_names! {
    /// `LibreOfficeKitCallbackType`: the `nType` of a callback. All of 7.4's values.
    mod callback;
    /// The constant's name for a callback type, for logs (the header's `lokCallbackTypeToString`).
    fn callback_name;
    INVALIDATE_TILES = 0,
    INVALIDATE_VISIBLE_CURSOR = 1,
    TEXT_SELECTION = 2,
    TEXT_SELECTION_START = 3,
    TEXT_SELECTION_END = 4,
    CURSOR_VISIBLE = 5,
    GRAPHIC_SELECTION = 6,
    HYPERLINK_CLICKED = 7,
    STATE_CHANGED = 8,
    STATUS_INDICATOR_START = 9,
    STATUS_INDICATOR_SET_VALUE = 10,
    STATUS_INDICATOR_FINISH = 11,
    SEARCH_NOT_FOUND = 12,
    DOCUMENT_SIZE_CHANGED = 13,
    SET_PART = 14,
    SEARCH_RESULT_SELECTION = 15,
    UNO_COMMAND_RESULT = 16,
    CELL_CURSOR = 17,
    MOUSE_POINTER = 18,
    CELL_FORMULA = 19,
    DOCUMENT_PASSWORD = 20,
    DOCUMENT_PASSWORD_TO_MODIFY = 21,
    ERROR = 22,
    CONTEXT_MENU = 23,
    INVALIDATE_VIEW_CURSOR = 24,
    TEXT_VIEW_SELECTION = 25,
    CELL_VIEW_CURSOR = 26,
    GRAPHIC_VIEW_SELECTION = 27,
    VIEW_CURSOR_VISIBLE = 28,
    VIEW_LOCK = 29,
    REDLINE_TABLE_SIZE_CHANGED = 30,
    REDLINE_TABLE_ENTRY_MODIFIED = 31,
    COMMENT = 32,
    INVALIDATE_HEADER = 33,
    CELL_ADDRESS = 34,
    RULER_UPDATE = 35,
    WINDOW = 36,
    VALIDITY_LIST_BUTTON = 37,
    CLIPBOARD_CHANGED = 38,
    CONTEXT_CHANGED = 39,
    SIGNATURE_STATUS = 40,
    PROFILE_FRAME = 41,
    CELL_SELECTION_AREA = 42,
    CELL_AUTO_FILL_AREA = 43,
    TABLE_SELECTED = 44,
    REFERENCE_MARKS = 45,
    JSDIALOG = 46,
    CALC_FUNCTION_LIST = 47,
    TAB_STOP_LIST = 48,
    FORM_FIELD_BUTTON = 49,
    INVALIDATE_SHEET_GEOMETRY = 50,
    VALIDITY_INPUT_HELP = 51,
    DOCUMENT_BACKGROUND_COLOR = 52,
    COMMAND_BLOCKED = 53,
    SC_FOLLOW_JUMP = 54,
    CONTENT_CONTROL = 55,
    PRINT_RANGES = 56,
}

c_enums! {
    /// `LibreOfficeKitKeyEventType`.
    mod keyevent: i32 {
        KEYINPUT,
        KEYUP,
    }

    /// `LibreOfficeKitExtTextInputType`.
    mod ext_textinput: i32 {
        TEXTINPUT,
        POS,
        END,
    }

    /// `LibreOfficeKitMouseEventType`.
    mod mouseevent: i32 {
        BUTTONDOWN,
        BUTTONUP,
        MOVE,
    }

    /// `LibreOfficeKitSetTextSelectionType`.
    mod set_text_selection: i32 {
        START,
        END,
        RESET,
    }

    /// `LibreOfficeKitSetGraphicSelectionType`.
    mod set_graphic_selection: i32 {
        START,
        END,
    }

    /// Mouse buttons for `postMouseEvent` and `postWindowMouseEvent`: VCL's `MOUSE_LEFT`,
    /// `MOUSE_MIDDLE`, `MOUSE_RIGHT`, which LibreOffice reads them as. They are not
    /// `css::awt::MouseButton`'s values (right 2, middle 4): sent those, a right click arrives as a
    /// middle click and no context menu opens.
    mod mouse_button: i32 {
        LEFT = 1,
        MIDDLE = 2,
        RIGHT = 4,
    }

    /// Key modifiers for key and mouse events (VCL `KEY_SHIFT`, `KEY_MOD1` = Ctrl, `KEY_MOD2` = Alt,
    /// `KEY_MOD3`).
    mod key_modifier: i32 {
        SHIFT = 0x1000,
        MOD1 = 0x2000,
        MOD2 = 0x4000,
        MOD3 = 0x8000,
    }

    /// Key codes for `postKeyEvent`'s `nKeyCode` (`css::awt::Key`); printable characters go in
    /// `nCharCode` with key code 0.
    mod key_code: i32 {
        DOWN = 1024,
        UP = 1025,
        LEFT = 1026,
        RIGHT = 1027,
        HOME = 1028,
        END = 1029,
        PAGEUP = 1030,
        PAGEDOWN = 1031,
        RETURN = 1280,
        ESCAPE = 1281,
        TAB = 1282,
        BACKSPACE = 1283,
        SPACE = 1284,
        INSERT = 1285,
        DELETE = 1286,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_values_the_kit_relies_on() {
        assert_eq!(callback::INVALIDATE_TILES, 0);
        assert_eq!(callback::INVALIDATE_VISIBLE_CURSOR, 1);
        assert_eq!(callback::TEXT_SELECTION, 2);
        assert_eq!(callback::STATE_CHANGED, 8);
        assert_eq!(callback::DOCUMENT_SIZE_CHANGED, 13);
        assert_eq!(callback::CELL_CURSOR, 17);
        assert_eq!(callback::INVALIDATE_VIEW_CURSOR, 24);
        assert_eq!(callback::TEXT_VIEW_SELECTION, 25);
        assert_eq!(callback::VIEW_CURSOR_VISIBLE, 28);
        assert_eq!(callback::PRINT_RANGES, 56);
        assert_eq!(callback_name(callback::STATE_CHANGED), "STATE_CHANGED");
        assert_eq!(callback_name(9999), "UNKNOWN");
    }

    #[test]
    fn unnumbered_constants_count_on_as_in_c() {
        assert_eq!((doctype::TEXT, doctype::OTHER), (0, 4));
        assert_eq!(seltype::COMPLEX, 3);
        assert_eq!(window_action::PASTE, 1);
        assert_eq!((mouseevent::BUTTONDOWN, mouseevent::MOVE), (0, 2));
        assert_eq!(set_text_selection::RESET, 2);
        assert_eq!(feature::VIEWID_IN_VISCURSOR_INVALIDATION_CALLBACK, 32);
        assert_eq!((key_code::PAGEDOWN, key_code::DELETE), (1031, 1286));
    }
}
