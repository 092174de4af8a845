//! LibreOfficeKit constants from `LibreOfficeKitEnums.h` (7.4), plus the few VCL/awt codes that
//! LOK's key and mouse events expect. Values are the C enum values; LOK passes them as `int`.

/// `LibreOfficeKitDocumentType`.
pub mod doctype {
    pub const TEXT: i32 = 0;
    pub const SPREADSHEET: i32 = 1;
    pub const PRESENTATION: i32 = 2;
    pub const DRAWING: i32 = 3;
    pub const OTHER: i32 = 4;
}

/// `LibreOfficeKitPartMode` (Impress: slides or notes pages).
pub mod partmode {
    pub const SLIDES: i32 = 0;
    pub const NOTES: i32 = 1;
}

/// `LibreOfficeKitTileMode`: the byte order `paintTile` writes.
pub mod tilemode {
    pub const RGBA: i32 = 0;
    pub const BGRA: i32 = 1;
}

/// `LibreOfficeKitWindowAction` (for `postWindow`).
pub mod window_action {
    pub const CLOSE: i32 = 0;
    pub const PASTE: i32 = 1;
}

/// `LibreOfficeKitSelectionType`.
pub mod seltype {
    pub const NONE: i32 = 0;
    pub const TEXT: i32 = 1;
    pub const LARGE_TEXT: i32 = 2;
    pub const COMPLEX: i32 = 3;
}

/// `LibreOfficeKitOptionalFeatures` (bit flags for `setOptionalFeatures`).
pub mod feature {
    pub const DOCUMENT_PASSWORD: u64 = 1 << 0;
    pub const DOCUMENT_PASSWORD_TO_MODIFY: u64 = 1 << 1;
    pub const PART_IN_INVALIDATION_CALLBACK: u64 = 1 << 2;
    pub const NO_TILED_ANNOTATIONS: u64 = 1 << 3;
    pub const RANGE_HEADERS: u64 = 1 << 4;
    pub const VIEWID_IN_VISCURSOR_INVALIDATION_CALLBACK: u64 = 1 << 5;
}

/// Declares a C enum as a module of `i32` constants together with the function that names a
/// value, from one list, so a value and its name cannot drift apart.
macro_rules! constants_with_names {
    (
        $(#[$module_doc:meta])* mod $module:ident;
        $(#[$name_doc:meta])* fn $name_fn:ident;
        $($name:ident = $value:literal,)*
    ) => {
        $(#[$module_doc])*
        pub mod $module {
            $(pub const $name: i32 = $value;)*
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

/// `LibreOfficeKitKeyEventType`.
pub mod keyevent {
    pub const KEYINPUT: i32 = 0;
    pub const KEYUP: i32 = 1;
}

/// `LibreOfficeKitExtTextInputType`.
pub mod ext_textinput {
    pub const TEXTINPUT: i32 = 0;
    pub const POS: i32 = 1;
    pub const END: i32 = 2;
}

/// `LibreOfficeKitMouseEventType`.
pub mod mouseevent {
    pub const BUTTONDOWN: i32 = 0;
    pub const BUTTONUP: i32 = 1;
    pub const MOVE: i32 = 2;
}

/// `LibreOfficeKitSetTextSelectionType`.
pub mod set_text_selection {
    pub const START: i32 = 0;
    pub const END: i32 = 1;
    pub const RESET: i32 = 2;
}

/// `LibreOfficeKitSetGraphicSelectionType`.
pub mod set_graphic_selection {
    pub const START: i32 = 0;
    pub const END: i32 = 1;
}

/// Mouse buttons for `postMouseEvent` and `postWindowMouseEvent`: VCL's `MOUSE_LEFT`,
/// `MOUSE_MIDDLE`, `MOUSE_RIGHT`, which LibreOffice reads them as. They are not
/// `css::awt::MouseButton`'s values (right 2, middle 4): sent those, a right click arrives as a
/// middle click and no context menu opens.
pub mod mouse_button {
    pub const LEFT: i32 = 1;
    pub const MIDDLE: i32 = 2;
    pub const RIGHT: i32 = 4;
}

/// Key modifiers for key and mouse events (VCL `KEY_SHIFT`, `KEY_MOD1` = Ctrl, `KEY_MOD2` = Alt,
/// `KEY_MOD3`).
pub mod key_modifier {
    pub const SHIFT: i32 = 0x1000;
    pub const MOD1: i32 = 0x2000;
    pub const MOD2: i32 = 0x4000;
    pub const MOD3: i32 = 0x8000;
}

/// Key codes for `postKeyEvent`'s `nKeyCode` (`css::awt::Key`); printable characters go in
/// `nCharCode` with key code 0.
pub mod key_code {
    pub const DOWN: i32 = 1024;
    pub const UP: i32 = 1025;
    pub const LEFT: i32 = 1026;
    pub const RIGHT: i32 = 1027;
    pub const HOME: i32 = 1028;
    pub const END: i32 = 1029;
    pub const PAGEUP: i32 = 1030;
    pub const PAGEDOWN: i32 = 1031;
    pub const RETURN: i32 = 1280;
    pub const ESCAPE: i32 = 1281;
    pub const TAB: i32 = 1282;
    pub const BACKSPACE: i32 = 1283;
    pub const SPACE: i32 = 1284;
    pub const INSERT: i32 = 1285;
    pub const DELETE: i32 = 1286;
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
}
